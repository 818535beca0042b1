"""The macros a document may call: register data inside the handbook's pages.

In a document, write for example::

    {{ org_name() }} 的值班安排见下表：

    {{ register_table("duty", "rosters", columns=["month", "lead"]) }}

    本制度由 {{ person("P013") }} 负责解释，另见 {{ doc_link("POL-10") }}。

The grammar (one call with constant arguments per ``{{ }}``) and the sandbox are
:mod:`checks.templating`'s; this module only implements the macros, for one
page of one build.  Every macro applies the build's audience: a register or
document the reader may not see is shown as “（受限台账）”/“（受限文档）”, a
field more sensitive than the reader as “（受限字段）”.  Every value is escaped.
"""

from __future__ import annotations

from markupsafe import Markup

from ..model import SENSITIVITY_ZH
from ..templating import MacroError, table_fields_above
from .audience import RESTRICTED_REGISTER_TEXT
from .render import FieldNames, Linker, ValueRenderer, esc, md_inert, page_url, restricted


def macros_for(ctx, src_uri: str) -> dict:
    """The macro functions for the page at ``src_uri`` (staged docs path)."""
    link = Linker(ctx, page_url(src_uri))

    def html(text) -> Markup:
        return Markup(text)

    def renderer(name):
        register = ctx.handbook.register(name)
        return ValueRenderer(ctx, link, FieldNames.of(ctx.handbook, register))

    def hidden(name):
        if ctx.handbook.register(name) is None:
            return html(esc(f"（没有台账 {name}）"))
        if not ctx.audience.register_visible(name):
            return html(restricted(RESTRICTED_REGISTER_TEXT))
        return None

    def data(name) -> dict:
        register = ctx.handbook.register(name)
        return register.data if register is not None and isinstance(register.data, dict) else {}

    def org_name(short: bool = False):
        """The organisation's name (registers/organisation.yaml), or “本机构” when the reader may not see it."""
        if not ctx.audience.register_visible("organisation"):
            return "本机构"
        root = ctx.handbook.root_of("organisation")
        org = root.sub("organisation") if root else None
        if org is None:
            return "本机构"
        return str(org.get("short_name" if short else "name") or org.get("name") or "本机构")

    def person(pid):
        """A person's name with id, e.g. 周明远（P001）."""
        return ctx.person(pid)

    def doc_link(doc_id, text=None):
        """A link to a document by id; “（受限文档）” when the reader may not see it."""
        return html(link.document_id(doc_id, text))

    def register_link(name, text=None):
        """A link to a register's page."""
        return html(link.register(str(name), text))

    def register_table(name, key=None, columns=None, where=None):
        """A register's list as a table.  ``key``: the list (default: the register's name);
        ``columns``: the fields to show (default: all); ``where``: a mapping field -> value to filter on."""
        name = str(name)
        blocked = hidden(name)
        if blocked is not None:
            return blocked
        key = str(key or name)
        items = data(name).get(key)
        if not isinstance(items, list):
            return html(esc(f"（台账 {name} 中没有列表 {key}）"))
        refused(name, key, where, columns)
        items = [i for i in items if isinstance(i, dict)]
        if isinstance(where, dict):
            items = [i for i in items if all(i.get(k) == v for k, v in where.items())]
        if columns:
            items = [{c: i.get(c) for c in columns if c in i} for i in items]
        if not items:
            return html('<p class="ob-empty">（无）</p>')
        return html("\n\n" + renderer(name).records(items, (key,)) + "\n\n")

    def refused(name, key, where, columns):
        """A table filtered by a field the reader may not see tells by its rows whether a guessed value is
        right (``where={"mobile": "139…"}``); one that lists such a field tells which records have it.
        Neither is expanded for this reader: the page is published as written, with a DOC021 finding."""
        for argument, field, level, title in table_fields_above(ctx.handbook, name, key, where, columns,
                                                                ctx.audience.level):
            raise MacroError(None, f"register_table 的 {argument} 用到了读者无权查看的字段“{title}”（{field}，"
                                   f"{SENSITIVITY_ZH.get(level, level)}）：高于读者级别的字段不能用于筛选或列出")

    def register_value(name, *path, default="—"):
        """One value of a register, e.g. ``register_value("organisation", "organisation", "regulator")``."""
        name = str(name)
        blocked = hidden(name)
        if blocked is not None:
            return blocked
        value, keys = data(name), []
        for part in path:
            if isinstance(value, dict):
                value = value.get(part)
                keys.append(part)
            elif isinstance(value, list):
                match = [v for v in value if isinstance(v, dict) and v.get("id") == part]
                value = match[0] if match else None
                keys.append("[]")
            else:
                value = None
        if value is None:
            return default
        return html(renderer(name).value(value, tuple(keys)))

    def compliance_summary():
        """The current findings in one sentence, with a link to the dashboard."""
        errors = sum(1 for f in ctx.findings if f.severity == "error")
        warnings = len(ctx.findings) - errors
        target = ctx.page_urls.get("dashboard")
        where = link.a(target, "合规看板") if target else "合规看板"
        return html(f"截至 {esc(ctx.as_of.isoformat())}：错误 {errors} 项，警告 {warnings} 项（详见{where}）。")

    def section(name, key, columns=None, heading=None):
        blocked = hidden(name)
        if blocked is not None:
            return blocked
        value = data(name).get(key)
        if value is None:
            return ""
        out = renderer(name)
        if isinstance(value, list):
            items = [i for i in value if isinstance(i, dict)]
            if columns:
                items = [{c: i.get(c) for c in columns if c in i} for i in items]
            body = out.records(items, (key,)) if items else '<p class="ob-empty">（无）</p>'
        else:
            body = out.value(value, (key,))
        title = f'<p class="ob-macro-heading"><strong>{esc(heading)}</strong></p>\n\n' if heading else ""
        return f"{title}{body}\n\n"

    def contacts_table():
        """The emergency plan's contact appendix: liaisons, the duty line and the handbook's contacts,
        from registers/emergency_contacts.yaml."""
        blocked = hidden("emergency_contacts")
        if blocked is not None:
            return blocked
        parts = [section("emergency_contacts", "liaisons", heading="通报联络人"),
                 section("emergency_contacts", "duty_line", heading="应急值守电话"),
                 section("emergency_contacts", "contacts", heading="应急处置联络手册")]
        return html("\n\n" + "".join(parts))

    def duty_contacts():
        """The duty policy's duty phone and duty leads, from registers/duty.yaml."""
        blocked = hidden("duty")
        if blocked is not None:
            return blocked
        parts = [section("duty", "duty_phone", heading="运维值班电话")]
        lead = data("duty").get("duty_lead")
        position = lead.get("position") if isinstance(lead, dict) else None
        if position and ctx.audience.register_visible("positions"):
            parts.append(_position(position))
        parts.append(section("duty", "duty_lead", heading="任命"))
        return html("\n\n" + "".join(parts))

    def _position(pid):
        rows = [p for p in data("positions").get("positions") or [] if isinstance(p, dict) and p.get("id") == pid]
        if not rows:
            return ""
        out = renderer("positions")
        return '<p class="ob-macro-heading"><strong>运维值班负责人及备岗</strong></p>\n\n' + out.records([{k: rows[0].get(k) for k in ("name", "primary", "backup") if k in rows[0]}], ("positions",)) + "\n\n"

    def related_units_table():
        """The related-units policy's contact table, from registers/related_units.yaml."""
        blocked = hidden("related_units")
        if blocked is not None:
            return blocked
        rows = []
        out = renderer("related_units")
        for unit in data("related_units").get("units") or []:
            if not isinstance(unit, dict):
                continue
            for contact in unit.get("contacts") or [None]:
                contact = contact if isinstance(contact, dict) else {}
                rows.append({"name": unit.get("name"), "category": unit.get("category"),
                             "contact": contact.get("name"), "title": contact.get("title"),
                             "phone": contact.get("phone"), "verified": contact.get("verified")})
        from .render import table

        headers = ["单位", "类别", "联系人", "部门/职务", "电话", "最近核实"]
        cells = [[out.scalar(r["name"], ("units", "[]", "name")), out.scalar(r["category"], ("units", "[]", "category")),
                  out.value(r["contact"], ("units", "[]", "contacts", "[]", "name")),
                  out.value(r["title"], ("units", "[]", "contacts", "[]", "title")),
                  out.value(r["phone"], ("units", "[]", "contacts", "[]", "phone")),
                  out.value(r["verified"], ("units", "[]", "contacts", "[]", "verified"))] for r in rows]
        return html("\n\n" + table(headers, cells, cls="ob-register") + "\n\n")

    def backup_strategies_table():
        """The backup policy's table of strategies, from registers/backups.yaml."""
        return html(section("backups", "policies", columns=["id", "system", "scope", "method", "frequency", "time",
                                                            "location", "retention", "offsite", "owner"]) or "")

    return {name: _inert(func) for name, func in locals().items() if callable(func) and name in _PUBLIC}


def _inert(func):
    """A macro whose result Markdown reads nothing in: register values and titles may hold “[…](…)”, “{: …}”
    or “*…*”, and a macro's result often sits inside a paragraph.  Text is HTML-escaped, HTML the macro wrote
    keeps its tags."""

    def call(*args, **kwargs):
        result = func(*args, **kwargs)
        return Markup(md_inert(result if isinstance(result, Markup) else esc(result)))

    call.__name__ = func.__name__
    call.__doc__ = func.__doc__
    return call


_PUBLIC = {"org_name", "person", "doc_link", "register_link", "register_table", "register_value",
           "compliance_summary", "contacts_table", "duty_contacts", "related_units_table", "backup_strategies_table"}
