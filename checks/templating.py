"""Macros in documents: ``{{ register_table("duty", …) }}`` and friends, in a sandbox.

A document arrives in a pull request, so its macros are a very small language:
a ``{{ … }}`` holds one call of an opsbook macro whose arguments are plain
values (strings, numbers, lists, mappings, ``true``/``false``/``none``).  No
variables, attributes, filters, loops, includes or ``{% … %}`` blocks: nothing
can walk to Python objects, the configuration, the model, the file system or
another document, and nothing can loop.  The text is parsed, checked against
that grammar (rule DOC021 reports what does not fit, at its line), then
rendered by ``jinja2.sandbox.SandboxedEnvironment`` with autoescaping and no
globals but the macros.  Code blocks and inline code are never expanded.
``{#…}`` stays Markdown (a heading's anchor), not a Jinja comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .markup import FENCED_CODE
from .mdscan import code_spans, sub

# The macros a document may call, with what each shows (the site implements them).
MACROS = {
    "org_name": "机构名称",
    "person": "人员姓名与编号",
    "doc_link": "指向文档的链接",
    "register_link": "指向台账页面的链接",
    "register_table": "台账中一个列表的表格",
    "register_value": "台账中的一个值",
    "compliance_summary": "当前检查结果摘要",
    "contacts_table": "应急联系人通讯录",
    "duty_contacts": "值班电话与值班负责人",
    "related_units_table": "关联单位联系表",
    "backup_strategies_table": "备份策略表",
}
MAX_OUTPUT = 2_000_000  # characters one page's macros may produce

_PLAIN = (nodes.Const, nodes.List, nodes.Tuple, nodes.Dict, nodes.Pair, nodes.Neg, nodes.Pos)


@dataclass(frozen=True)
class MacroProblem:
    line: int  # line in the text (1-based)
    message: str


def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True, comment_start_string="{##", comment_end_string="##}",
                               keep_trailing_newline=True)
    env.globals.clear()
    env.filters.clear()
    env.tests.clear()
    return env


def has_macros(text: str) -> bool:
    return "{{" in text or "{%" in text


def protect(text: str) -> str:
    """Wrap code blocks and inline code in ``{% raw %}`` so that they stay as written."""

    def wrap(chunk: str) -> str:
        if "{{" in chunk or "{%" in chunk:
            return "{% raw %}" + chunk.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}") + "{% endraw %}"
        return chunk

    out, last = [], 0
    for match in FENCED_CODE.finditer(text):
        chunk = text[last:match.start()]
        out.append(sub(code_spans(chunk), chunk, lambda m: wrap(m.group(0))))
        out.append(wrap(match.group(0)))
        last = match.end()
    chunk = text[last:]
    out.append(sub(code_spans(chunk), chunk, lambda m: wrap(m.group(0))))
    return "".join(out)


def _check_node(node, problems: list, offset_line: int) -> None:
    line = (getattr(node, "lineno", 1) or 1) + offset_line
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            if isinstance(child, (nodes.TemplateData, nodes.Const)):
                continue
            if not isinstance(child, nodes.Call):
                problems.append(MacroProblem((getattr(child, "lineno", 1) or 1) + offset_line,
                                             "{{ … }} 中只能调用 opsbook 的宏（如 register_table(\"duty\")），不能使用变量、属性或过滤器"))
                continue
            _check_call(child, problems, offset_line)
        return
    problems.append(MacroProblem(line, "文档中不支持 {% … %} 语句（循环、条件、包含、赋值等）；只能用 {{ 宏(…) }}"))


def _check_call(call, problems: list, offset_line: int) -> None:
    line = (call.lineno or 1) + offset_line
    if not isinstance(call.node, nodes.Name):
        problems.append(MacroProblem(line, "{{ … }} 中只能直接调用 opsbook 的宏，不能调用属性或表达式的结果"))
        return
    if call.node.name not in MACROS:
        problems.append(MacroProblem(line, f"未知的宏“{call.node.name}”；可用的宏：{'、'.join(MACROS)}"))
        return
    if call.dyn_args is not None or call.dyn_kwargs is not None:
        problems.append(MacroProblem(line, f"宏 {call.node.name} 的参数不能用 * 或 ** 展开"))
    for arg in list(call.args) + [k.value for k in call.kwargs]:
        if not _plain(arg):
            problems.append(MacroProblem(line, f"宏 {call.node.name} 的参数只能是字符串、数字、列表或映射等常量"))
            return


def _plain(node) -> bool:
    if not isinstance(node, _PLAIN):
        return False
    return all(_plain(child) for child in node.iter_child_nodes())


def validate(text: str, env: SandboxedEnvironment | None = None) -> list[MacroProblem]:
    """What in a text's macros does not fit the grammar above (empty when every macro is usable)."""
    if not has_macros(text):
        return []
    env = env or environment()
    try:
        tree = env.parse(protect(text))
        problems: list[MacroProblem] = []
        for node in tree.body:
            _check_node(node, problems, 0)
    except TemplateError as exc:
        return [MacroProblem(getattr(exc, "lineno", None) or 1, f"宏无法解析：{getattr(exc, 'message', None) or exc}")]
    except RecursionError:  # Jinja's parser and the checks above recurse into nested lists and calls
        return [MacroProblem(_deepest_line(text), "宏的参数嵌套过深，无法解析")]
    return problems


@dataclass(frozen=True)
class MacroCall:
    line: int  # 1-based, in the text
    name: str
    args: tuple
    kwargs: dict


def calls(text: str, env: SandboxedEnvironment | None = None) -> list[MacroCall]:
    """The macro calls of a text that fit the grammar (a direct call of an opsbook macro with constant
    arguments), with their arguments' values: what rules can check before a site expands them."""
    if not has_macros(text):
        return []
    env = env or environment()
    try:
        tree = env.parse(protect(text))
        found = []
        context = nodes.EvalContext(env)
        for output in tree.find_all(nodes.Output):
            for call in output.nodes:
                if not (isinstance(call, nodes.Call) and isinstance(call.node, nodes.Name) and call.node.name in MACROS
                        and call.dyn_args is None and call.dyn_kwargs is None
                        and all(_plain(a) for a in list(call.args) + [k.value for k in call.kwargs])):
                    continue
                try:
                    args = tuple(a.as_const(context) for a in call.args)
                    kwargs = {k.key: k.value.as_const(context) for k in call.kwargs}
                except (nodes.Impossible, TypeError, ValueError):
                    continue
                found.append(MacroCall(call.lineno or 1, call.node.name, args, kwargs))
        return found
    except (TemplateError, RecursionError):  # validate() reports these
        return []


def table_fields_above(handbook, name: str, key: str | None, where, columns, level: str) -> list[tuple]:
    """The fields a ``register_table(name, key, columns, where)`` filters on (``where``) or lists (``columns``)
    that are more sensitive than ``level``: (argument, field, the field's level, its title).  A reader below
    such a field must not get the table: its rows would confirm a guessed value, or tell who has the field.
    The one reading for the site (which refuses the table) and DOC021 (which reports it at check time)."""
    from .model import field_sensitivity, sensitivity_rank
    from .schemas import node_at, schema_path

    register = handbook.registers.get(str(name))
    rel = schema_path(handbook, register) if register is not None else None
    if rel is None:
        return []
    key = str(key or name)
    asked = [("where", f) for f in (where if isinstance(where, dict) else ())]
    asked += [("columns", f) for f in (columns if isinstance(columns, (list, tuple)) else ())]
    out = []
    for argument, field in asked:
        node = node_at(handbook.schema, rel, (key, "[]", str(field)))
        found = field_sensitivity(node)
        if found is not None and sensitivity_rank(found) > sensitivity_rank(level):
            out.append((argument, field, found, node.get("title") or field))
    return out


def _deepest_line(text: str) -> int:
    """The line where brackets are nested deepest (where a parser gives up)."""
    depth = best = 0
    line = where = 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "([{":
            depth += 1
            if depth > best:
                best, where = depth, line
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return where


class MacroError(Exception):
    """A page's macros could not be expanded; the page is published as written."""

    def __init__(self, line: int | None, message: str, static: bool = False):
        super().__init__(message)
        self.line = line  # None when a macro raised it: render() sets the line of the call
        self.message = message
        self.static = static  # found by :func:`validate` (rule DOC021 reports it too)


def render(text: str, macros: dict) -> str:
    """Expand a text's macros with ``macros`` (name -> function); raises :class:`MacroError`."""
    if not has_macros(text):
        return text
    env = environment()
    problems = validate(text, env)
    if problems:
        raise MacroError(problems[0].line, problems[0].message, static=True)
    env.globals.update({name: func for name, func in macros.items() if name in MACROS})
    try:
        out = env.from_string(protect(text)).render()
    except MacroError as exc:
        if exc.line is None:  # a macro refused its arguments
            exc.line = _error_line(exc)
        raise
    except Exception as exc:  # a macro's own error: said in one line, never a traceback in the page
        line = _error_line(exc)
        raise MacroError(line, f"宏执行出错：{type(exc).__name__}: {exc}") from None
    if len(out) > MAX_OUTPUT:
        raise MacroError(1, f"宏输出超过 {MAX_OUTPUT} 个字符")
    return out


def _error_line(exc) -> int:
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
