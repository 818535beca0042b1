"""Safe YAML and text loading that remembers the line of every value.

Only the YAML core types are ever constructed (mappings, sequences, strings,
numbers, booleans, null, dates and timestamps).  Any other tag, ``!!python/...``
included, is refused with a problem that names its line: no YAML tag can ever
build a Python object.  PyYAML's C parser is used where it is present.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
WITH_C = Loader is not yaml.SafeLoader

Path = tuple  # a path into a loaded value: keys (str) and indexes (int)

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_STR_TAG = _CORE + "str"
_MAP_TAGS = {_CORE + "map"}
_SEQ_TAGS = {_CORE + "seq"}
# Aliases may repeat a node; a document that expands beyond this many nodes is
# refused rather than allowed to exhaust memory ("billion laughs").
MAX_NODES = 500_000


@dataclass
class Problem:
    """Something wrong with a file's text, found while reading it."""

    code: str  # the rule id: ENC001, YAML001, YAML002
    line: int
    message: str


class LoadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Decode file bytes as UTF-8 (with or without a BOM).

    Anything else is a problem naming the line of the first byte that is not
    UTF-8, with a hint when the file looks like GBK or UTF-16, which is what
    Windows editors tend to save.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem("ENC001", 1, "文件是 UTF-16 编码；请以 UTF-8（无 BOM）另存后再提交")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = "（看起来是 GBK/GB18030 编码，常见于 Windows 记事本或 Excel 导出）"
        except UnicodeDecodeError:
            pass
        return None, Problem(
            "ENC001", line, f"第 {line} 行含有非 UTF-8 字节{hint}；请以 UTF-8 编码另存后再提交"
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, Problem("ENC001", line, "文件含有 NUL 字符，不是文本文件")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


_MESSAGES = [
    ("found character '\\t' that cannot start any token", "不能用制表符（Tab）缩进，请改用空格"),
    ("found character that cannot start any token", "出现了不能开始一个值的字符（常见原因：用制表符 Tab 缩进，或以 @、` 开头的值未加引号）"),
    ("could not find expected ':'", "缺少冒号“:”，或缩进不一致"),
    ("mapping values are not allowed here", "此处不能出现“键: 值”，通常是缩进错误或值中含有未加引号的冒号"),
    ("did not find expected key", "缩进不一致，或列表项与键混用"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("found unexpected end of stream", "文件意外结束，可能缺少右引号或右括号"),
    ("found undefined alias", "引用了未定义的锚点（*别名）"),
    ("expected a single document", "文件中只能有一个 YAML 文档（不要使用多个 ---）"),
    ("found duplicate anchor", "重复定义的锚点（&锚点）"),
    ("while scanning a quoted scalar", "引号未闭合"),
    ("found unknown escape character", "双引号字符串中有无效的转义字符（Windows 路径请用单引号）"),
]


def _translate(exc: yaml.YAMLError) -> str:
    text = str(getattr(exc, "problem", None) or exc)
    for english, chinese in _MESSAGES:
        if english in text:
            return f"YAML 语法错误：{chinese}（{text}）"
    return f"YAML 语法错误：{text}"


class _Builder:
    def __init__(self, loader, offset: int):
        self.loader = loader
        self.offset = offset
        self.lines: dict[Path, int] = {}
        self.raw: dict[Path, str] = {}  # scalars whose value reads differently from their text
        self.problems: list[Problem] = []
        self.count = 0

    def line(self, node) -> int:
        return node.start_mark.line + 1 + self.offset

    def build(self, node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise LoadError(Problem("YAML001", self.line(node), "YAML 别名展开后过大，已拒绝读取"))
        if isinstance(node, yaml.MappingNode):
            if node.tag not in _MAP_TAGS:
                raise self._bad_tag(node)
            self.loader.flatten_mapping(node)  # resolves merge keys (<<)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise LoadError(Problem("YAML001", self.line(key_node), "键必须是简单的文字，不能是列表或映射"))
                if key_node.tag not in _SCALAR_TAGS:
                    raise self._bad_tag(key_node)
                key = key_node.value  # the key exactly as written
                if key in result:
                    self.problems.append(
                        Problem(
                            "YAML002",
                            self.line(key_node),
                            f"键“{key}”重复出现（第 {self.lines[path + (key,)]} 行已有），后一个值会覆盖前一个",
                        )
                    )
                self.lines[path + (key,)] = self.line(key_node)
                result[key] = self.build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag not in _SEQ_TAGS:
                raise self._bad_tag(node)
            items = []
            for index, item in enumerate(node.value):
                self.lines[path + (index,)] = self.line(item)
                items.append(self.build(item, path + (index,)))
            return items
        if node.tag == _STR_TAG:  # most values: the text is the value (what construct_yaml_str returns)
            return node.value
        if node.tag not in _SCALAR_TAGS:
            raise self._bad_tag(node)
        try:
            value = self.loader.construct_object(node)
            if isinstance(value, (bool, int, float)) and not node.style and str(value) != node.value:
                self.raw[path] = node.value  # 0755 (octal), NO (false), 1_000 ...
            return value
        except (ValueError, OverflowError):
            # e.g. 2026-02-30: looks like a date but is none.  Keep the text as
            # written; the schema reports it at this line.
            return node.value

    def _bad_tag(self, node) -> LoadError:
        return LoadError(
            Problem("YAML001", self.line(node), f"不允许使用 YAML 标签“{node.tag}”；台账只能包含文字、数字、日期、列表和映射")
        )


def load(text: str, offset: int = 0, raw: dict | None = None) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Parse one YAML document.

    Returns the value, a map from each value's path to its 1-based line, and
    the non-fatal problems (duplicate keys).  A fatal problem raises LoadError.
    ``raw``, when given, receives the text of scalars whose YAML value reads
    differently (``0755`` is 493, ``NO`` is false), for messages that quote the user.
    ``offset`` is added to every line (front matter starts below the file's top).
    """
    loader = Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            last = len(text.rstrip("\n").split("\n"))  # an error at the end points at the last line
            line = min(mark.line + 1 if mark else 1, last) + offset
            message = _translate(exc)
            all_lines = text.split("\n")
            source_line = all_lines[line - offset - 1] if mark and 0 < line - offset <= len(all_lines) else ""
            if "\t" in source_line[: len(source_line) - len(source_line.lstrip())]:
                message = "YAML 语法错误：不能用制表符（Tab）缩进，请改用空格"
            raise LoadError(Problem("YAML001", line, message)) from None
        except yaml.YAMLError as exc:
            raise LoadError(Problem("YAML001", 1 + offset, _translate(exc))) from None
        if node is None:
            return None, {(): 1 + offset}, []
        builder = _Builder(loader, offset)
        builder.lines[()] = builder.line(node)
        try:
            value = builder.build(node, ())
            if raw is not None:
                raw.update(builder.raw)
        except yaml.MarkedYAMLError as exc:  # a scalar that fails to construct, e.g. 2026-02-30
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line + 1 if mark else 1) + offset
            raise LoadError(Problem("YAML001", line, _translate(exc))) from None
        except (ValueError, OverflowError) as exc:
            raise LoadError(Problem("YAML001", builder.line(node), f"无法读取的值：{exc}")) from None
        return value, builder.lines, builder.problems
    finally:
        loader.dispose()


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split Markdown into (front matter, body, line number where the body starts).

    Front matter is the YAML between a first line ``---`` and the next line that
    is ``---`` or ``...``.  Without it, the front matter is None.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def to_json(value: Any) -> Any:
    """The value as JSON data, for JSON Schema: dates become ISO strings."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from .dates import SHANGHAI

            value = value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
