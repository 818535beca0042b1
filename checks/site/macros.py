"""Macros for documents (mkdocs-macros-plugin): register data inside the handbook's pages.

In a document, write for example::

    {{ org_name() }} 的值班安排见下表：

    {{ register_table("duty", "rota", columns=["date", "shift", "leader"]) }}

    本制度由 {{ person("P013") }} 负责解释，另见 {{ doc_link("POL-10") }}。

Every macro applies the build's audience: a register or document the reader
may not see is shown as “（受限台账）”/“（受限文档）”.  Pages without ``{{``,
``{%`` are left alone, code blocks and inline code are never rendered (Jinja
examples in manuals stay as written), and a page whose Jinja cannot be parsed
is published as written, with a warning in the build log.
"""

from __future__ import annotations

import logging
import re

from checks.site import context as site_context
from checks.site.audience import RESTRICTED_REGISTER_TEXT, RESTRICTED_TEXT
from checks.site.render import FieldNames, Linker, ValueRenderer, esc, restricted

log = logging.getLogger("mkdocs.plugins.opsbook")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def _protect(markdown: str, env) -> str:
    """Wrap code blocks and inline code in {% raw %} so that Jinja leaves them as written."""
    start, end = "{%" if not env else env.env.block_start_string, "%}" if not env else env.env.block_end_string
    raw_open, raw_close = f"{start} raw {end}", f"{start} endraw {end}"

    def wrap(text: str) -> str:
        if "{{" in text or "{%" in text or "{#" in text:
            return raw_open + text + raw_close
        return text

    out, last = [], 0
    for match in _FENCE.finditer(markdown):
        out.append(_CODE_SPAN.sub(lambda m: wrap(m.group(0)), markdown[last:match.start()]))
        out.append(wrap(match.group(0)))
        last = match.end()
    out.append(_CODE_SPAN.sub(lambda m: wrap(m.group(0)), markdown[last:]))
    return "".join(out)


def _ctx():
    return site_context.current()


def _linker(env):
    ctx = _ctx()
    page = env.variables.get("page") if hasattr(env, "variables") else None
    url = page.file.url if page is not None and getattr(page, "file", None) is not None else ""
    return Linker(ctx, url)


def define_env(env):
    """Register the opsbook variables and macros."""

    @env.macro
    def org_name(short: bool = False) -> str:
        """The organisation's name (registers/organisation.yaml), or “本机构” when the reader may not see it."""
        ctx = _ctx()
        if ctx is None or not ctx.audience.register_visible("organisation"):
            return "本机构"
        root = ctx.handbook.root_of("organisation")
        org = root.sub("organisation") if root else None
        if org is None:
            return "本机构"
        return str(org.get("short_name" if short else "name") or org.get("name") or "本机构")

    @env.macro
    def person(pid) -> str:
        """A person's name with id, e.g. 周明远（P001）."""
        ctx = _ctx()
        return ctx.person(pid) if ctx else str(pid)

    @env.macro
    def doc_link(doc_id, text=None) -> str:
        """A link to a document by id; “（受限文档）” when the reader may not see it."""
        ctx = _ctx()
        if ctx is None:
            return esc(doc_id)
        return _linker(env).document_id(doc_id, text)

    @env.macro
    def register_link(name, text=None) -> str:
        """A link to a register's page."""
        ctx = _ctx()
        if ctx is None:
            return esc(name)
        return _linker(env).register(name, text)

    @env.macro
    def register_table(name, key=None, columns=None, where=None) -> str:
        """A register's list as a table.  ``key``: the list (default: the register's name);
        ``columns``: the fields to show (default: all); ``where``: a mapping field -> value to filter on."""
        ctx = _ctx()
        if ctx is None:
            return ""
        if not ctx.audience.register_visible(name) or ctx.handbook.register(name) is None:
            return restricted(RESTRICTED_REGISTER_TEXT) if ctx.handbook.register(name) is not None else esc(f"（没有台账 {name}）")
        register = ctx.handbook.register(name)
        data = register.data if isinstance(register.data, dict) else {}
        key = key or name
        items = data.get(key)
        if not isinstance(items, list):
            return esc(f"（台账 {name} 中没有列表 {key}）")
        items = [i for i in items if isinstance(i, dict)]
        if isinstance(where, dict):
            items = [i for i in items if all(i.get(k) == v for k, v in where.items())]
        if columns:
            items = [{c: i.get(c) for c in columns} for i in items]
        from checks.schemas import schema_file

        renderer = ValueRenderer(ctx, _linker(env), FieldNames(schema_file(ctx.handbook, register)))
        return "\n\n" + renderer.records(items, (key,)) + "\n\n"

    @env.macro
    def register_value(name, *path, default="—"):
        """One value of a register, e.g. ``register_value("organisation", "organisation", "regulator")``."""
        ctx = _ctx()
        if ctx is None or not ctx.audience.register_visible(name):
            return RESTRICTED_REGISTER_TEXT
        register = ctx.handbook.register(name)
        value = register.data if register is not None else None
        for part in path:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list):
                match = [v for v in value if isinstance(v, dict) and v.get("id") == part]
                value = match[0] if match else None
            else:
                value = None
        if value is None:
            return default
        return ctx.audience.redact(str(value)) if isinstance(value, str) else value

    @env.macro
    def compliance_summary() -> str:
        """The current findings in one sentence, with a link to the dashboard."""
        ctx = _ctx()
        if ctx is None:
            return ""
        errors = sum(1 for f in ctx.findings if f.severity == "error")
        warnings = len(ctx.findings) - errors
        link = _linker(env).a(ctx.page_urls.get("dashboard", ""), "合规看板") if ctx.page_urls.get("dashboard") else "合规看板"
        return f"截至 {ctx.as_of.isoformat()}：错误 {errors} 项，警告 {warnings} 项（详见{link}）。"

    env.variables["restricted_text"] = RESTRICTED_TEXT


def on_pre_page_macros(env):
    """Before Jinja: leave pages without Jinja alone, protect code, and publish unparsable pages as written."""
    markdown = env.markdown
    jinja = env.env
    if not any(m in markdown for m in (jinja.variable_start_string, jinja.block_start_string, jinja.comment_start_string)):
        return
    protected = _protect(markdown, env)
    try:
        jinja.parse(protected)
    except Exception as exc:  # TemplateSyntaxError and friends
        page = env.variables.get("page")
        where = getattr(getattr(page, "file", None), "src_uri", "?")
        log.warning(f"opsbook: {where} 中的 {{{{ … }}}} 无法按宏解析（{exc}），按原文发布")
        start, end = jinja.block_start_string, jinja.block_end_string
        env.markdown = f"{start} raw {end}" + markdown.replace(f"{start} endraw {end}", "") + f"{start} endraw {end}"
        return
    env.markdown = protected
