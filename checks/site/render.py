"""HTML fragments for the site: badges, tables, register values, links.

Everything the site writes from handbook data goes through :func:`esc`; links
to documents go through :class:`Linker`, which never links to (or names) a
document the audience may not see.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from ..clauses import STATUS_ZH as CLAUSE_STATUS_ZH
from ..findings import SEVERITY_ZH
from ..model import SENSITIVITY_LEVELS, SENSITIVITY_ZH, STATUS_ZH, field_sensitivity
from ..schemas import deref, node_at
from .audience import RESTRICTED_TEXT

PERSON = re.compile(r"^P\d{3,}$")
PHONE_KEYS = ("phone", "mobile", "tel", "telephone", "fax", "number")
PHONE = re.compile(r"^\+?[\d\s()-]{5,}(?:转\s*\d+)?$")  # whitespace before 转 is already in the class: no overlapping \s* to backtrack into
# Records whose ids other registers cite: (register, list) — a cited id links to its record, with its name.
LINKED_RECORDS = (("suppliers", "suppliers"), ("suppliers", "outsourcing"), ("configuration", "items"),
                  ("devices", "devices"), ("software", "software"))
# What people look up in a register's overview table, by the list's key (the rest is in each record's card).
OVERVIEW = {
    "devices": ("id", "name", "category", "status", "location", "owner"),
    "software": ("id", "name", "version", "status", "owner"),
    "items": ("id", "name", "type", "status", "owner"),
    "units": ("id", "name", "category"),
    "contacts": ("organisation", "role", "name", "phone", "mobile"),
    "suppliers": ("id", "name", "status", "scope"),
}


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# Markdown's punctuation (links, images, attribute lists, code, emphasis, footnotes, abbreviations, headings,
# tables):
# written as character references, a value shows the same and Markdown reads nothing in it.
_MD_PUNCT = {ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]#|"}
# What md_inert keeps: a tag or a character reference.  Before the text's last “>” every “<” has a “>” after it;
# after it, no “<” starts a tag, so only character references are kept there.  (The last branch never matches
# before the last “>”: it makes the pattern linear-time on any text, a “<” with no “>” after it read to the end once.)
_KEPT = re.compile(r"(<[^>]*+>|&#?\w++;|<[^>]*+\Z)")
_KEPT_REFS = re.compile(r"(&#?\w++;)")


def md_esc(value) -> str:
    """A value for a line of Markdown (a heading, a paragraph): HTML-escaped and inert for Markdown."""
    return esc(value).translate(_MD_PUNCT)


def md_inert(html_text: str) -> str:
    """HTML that opsbook wrote (tags and escaped text) with its text made inert for Markdown, for HTML that
    lands inside a Markdown paragraph (a macro's result): tags and character references stay as they are."""
    text = str(html_text)
    cut = text.rfind(">") + 1
    parts, tail = _KEPT.split(text[:cut]), _KEPT_REFS.split(text[cut:])
    parts[-1] += tail[0]
    parts += tail[1:]
    parts[::2] = [part.translate(_MD_PUNCT) for part in parts[::2]]
    return "".join(parts)


def front_matter(title: str, **extra) -> str:
    """Front matter for a staged page: an escaped title and opsbook's own keys, nothing from content."""
    data = {"title": esc(title)}
    data.update({k: v for k, v in extra.items() if v is not None})
    return "---\n" + json.dumps(data, ensure_ascii=False) + "\n---\n\n"


# Search ranking (page front matter the theme's search reads): registers and documents before rule pages.
BOOST_REGISTER, BOOST_DOCUMENT, BOOST_RULE = 4, 2, 0.3


def search_terms(*texts) -> list[str]:
    """Words of a title for the search index's tags: jieba's search-mode cut, so that 备份 finds
    数据备份与验证 (the index itself keeps 数据备份 as one word)."""
    try:
        import jieba
    except ImportError:
        return []
    if not getattr(jieba, "_opsbook_words", False):
        import logging

        jieba.setLogLevel(logging.WARNING)
        words = Path(__file__).resolve().parent / "jieba_words.txt"
        if words.is_file():
            jieba.load_userdict(str(words))
        jieba._opsbook_words = True
    out: list[str] = []
    for text in texts:
        for word in jieba.cut_for_search(str(text or "")):
            word = word.strip()
            if len(word) >= 2 and not word.isascii() and word not in out:
                out.append(word)
    return out


def sensitivity_badge(level) -> str:
    key = level if level in SENSITIVITY_LEVELS else "unknown"
    text = SENSITIVITY_ZH.get(level, "未标识（按机密处理）" if not level else f"无效：{level}（按机密处理）")
    return f'<span class="ob-badge ob-sens-{key}">{esc(text)}</span>'


def status_badge(status) -> str:
    key = status if status in STATUS_ZH else "unknown"
    return f'<span class="ob-badge ob-status-{key}">{esc(STATUS_ZH.get(status, status or "未标识"))}</span>'


def severity_badge(severity) -> str:
    return f'<span class="ob-badge ob-sev-{esc(severity)}">{esc(SEVERITY_ZH.get(severity, severity))}</span>'


def clause_status_badge(status) -> str:
    key = status or "none"
    return f'<span class="ob-badge ob-clause-{key}">{esc(CLAUSE_STATUS_ZH.get(status, "—"))}</span>'


def restricted(text: str = RESTRICTED_TEXT) -> str:
    return f'<span class="ob-restricted">{esc(text)}</span>'


def table(headers, rows, cls: str = "", empty: str = "（无）", cols=None) -> str:
    """An HTML table; ``rows`` are lists of cells that are already HTML (or ``(cells, {attr: value})``).

    The table itself has no class, so that mkdocs-material styles it like a Markdown table; ``cls``
    goes on a wrapping ``div`` and ``cols`` gives each column's cells a class.
    """
    if not rows:
        return f'<p class="ob-empty">{esc(empty)}</p>'
    head, foot = table_frame(headers, cls, cols)
    return head + "\n".join(table_row(row, cols) for row in rows) + foot


def table_frame(headers, cls: str = "", cols=None) -> tuple[str, str]:
    """What :func:`table` writes before its first row and after its last one."""
    cols = list(cols or [])
    klass = lambda i: f' class="{cols[i]}"' if i < len(cols) and cols[i] else ""  # noqa: E731
    head = "".join(f"<th{klass(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    opening = f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
    closing = "\n</tbody>\n</table>"
    return (f'<div class="ob-table {cls}">' + opening, closing + "</div>") if cls else (opening, closing)


def table_row(row, cols=None) -> str:
    """One row of :func:`table`."""
    cols = list(cols or [])
    klass = lambda i: f' class="{cols[i]}"' if i < len(cols) and cols[i] else ""  # noqa: E731
    attrs = ""
    if isinstance(row, tuple) and len(row) == 2 and isinstance(row[1], dict):
        row, extra = row
        attrs = "".join(f' {k}="{esc(v)}"' for k, v in extra.items())
    return f"<tr{attrs}>" + "".join(f"<td{klass(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"


def _nested_table(headers, rows) -> str:
    """A table inside a table cell: classed, so that it stays compact."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="ob-nested"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def fmt_date(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Linker:
    """Relative links from one page of the site to others (works under any sub-path)."""

    def __init__(self, ctx, page_url: str):
        self.ctx = ctx
        self.page_url = page_url

    def url(self, src_uri: str, anchor: str | None = None) -> str | None:
        if not src_uri or src_uri not in self.ctx.site_files:
            return None
        href = relative_url(page_url(src_uri), self.page_url)
        return href + (f"#{anchor}" if anchor else "")

    def a(self, src_uri: str, text: str, anchor: str | None = None, title: str | None = None) -> str:
        href = self.url(src_uri, anchor)
        if href is None:
            return esc(text)
        t = f' title="{esc(title)}"' if title else ""
        return f'<a href="{esc(href)}"{t}>{esc(text)}</a>'

    def document(self, doc, text: str | None = None) -> str:
        """A link to a document, or “（受限文档）” when the audience may not see it."""
        if doc is None or not self.ctx.audience.document_visible(doc):
            return restricted()
        src = self.ctx.src_uri(doc)
        label = text if text is not None else doc_label(doc)
        return self.a(src, label) if src else esc(label)

    def document_id(self, doc_id, text: str | None = None) -> str:
        doc = self.ctx.handbook.document(doc_id) if doc_id else None
        if doc is None:
            if doc_id and self.ctx.audience.mentions_hidden(str(doc_id)):
                return restricted()
            return esc(doc_id if doc_id else "—")
        return self.document(doc, text)

    def rule(self, rule_id: str, text: str | None = None) -> str:
        src = self.ctx.page_urls.get(f"rule:{rule_id}")
        return self.a(src, text or rule_id) if src else esc(text or rule_id)

    def clause(self, clause_id: str, text: str | None = None) -> str:
        src = self.ctx.page_urls.get("clauses")
        if not src or clause_id not in self.ctx.clause_ids:
            return esc(text or clause_id)
        return self.a(src, text or clause_id, anchor=clause_id)

    def register(self, name: str, text: str | None = None) -> str:
        if not self.ctx.audience.register_visible(name):
            return restricted("（受限台账）")
        src = self.ctx.page_urls.get(f"register:{name}")
        return self.a(src, text or name) if src else esc(text or name)

    def record(self, register: str, text: str, record_id=None, line=None) -> str:
        """A link to a register's record (by id, or the record that spans ``line``): to the page that holds it
        (a long register is split into several pages), through :meth:`SiteContext.record_href`."""
        href = self.ctx.record_href(register, self.page_url, record_id=record_id, line=line)
        return esc(text) if href is None else f'<a href="{esc(href)}">{esc(text)}</a>'

    def file(self, path: str, line=None) -> str:
        """A repository file (with line) as text, linked to its page when it has one."""
        label = f"{path}:{line}" if line else path
        if not self.ctx.audience.path_visible(path):
            return restricted()
        doc = self.ctx.handbook.documents_by_path.get(path)
        if doc is not None:
            src = self.ctx.src_uri(doc)
            return f"<code>{self.a(src, label)}</code>" if src else f"<code>{esc(label)}</code>"
        if path.startswith("registers/"):
            name = path.split("/", 1)[1].split(".", 1)[0]
            if self.ctx.page_urls.get(f"register:{name}"):
                return f"<code>{self.record(name, label, line=line or None)}</code>"
        return f"<code>{esc(label)}</code>"


def page_url(src_uri: str) -> str:
    """The address of a staged page in the site (``use_directory_urls: false``): x.md -> x.html."""
    return src_uri[:-3] + ".html" if src_uri.endswith(".md") else src_uri


@functools.lru_cache(maxsize=65536)  # a page links the same few pages (a register's parts) over and over
def relative_url(url: str, from_url: str) -> str:
    """``url`` (site-relative) as a link from the page at ``from_url``."""
    base = posixpath.dirname(from_url)
    rel = posixpath.relpath(url, base or ".")
    return rel


def doc_label(doc) -> str:
    return f"{doc.doc_id} {doc.title}" if doc.doc_id else doc.title


# -- schemas: the Chinese names of register fields ---------------------------

def _no_schema(rel: str) -> dict:
    return {}


class FieldNames:
    """The Chinese title of each field of a register, from its schema (the key when there is none).

    Schemas are read through the handbook's tree (never from disk behind its back, never through a
    link), and each field is looked up once per handbook: :meth:`of` hands out one instance per schema."""

    def __init__(self, handbook=None, register=None):
        from ..schemas import schema_path

        rel = schema_path(handbook, register) if handbook is not None and register is not None else None
        self.path = rel or ""
        self._load = handbook.schema if rel else _no_schema
        self.root = self._load(self.path) if self.path else {}
        self._nodes: dict = {}
        self._kinds: dict = {}
        self._hidden: dict = {}  # audience rank -> {keys: whether the field is more sensitive than it}

    @classmethod
    def of(cls, handbook, register) -> "FieldNames":
        """The field names of ``register`` (None: a register without a readable schema), shared per handbook."""
        from ..schemas import schema_path

        rel = schema_path(handbook, register) if register is not None else None
        cache = handbook.__dict__.setdefault("_field_names", {})
        if rel not in cache:
            cache[rel] = cls(handbook, register) if rel else cls()
        return cache[rel]

    @staticmethod
    def _normal(keys: tuple) -> tuple:
        return tuple("[]" if isinstance(key, int) else key for key in keys)

    def node(self, keys: tuple) -> dict:
        """The schema of the field at ``keys`` (schemas.node_at), looked up once."""
        found = self._nodes.get(keys)  # keys as the renderers spell them ("[]" for a list's items): no int to replace
        if found is None:
            keys = self._normal(keys)
            found = self._nodes.get(keys)
            if found is None:
                found = self._nodes[keys] = node_at(self._load, self.path, keys) if self.path else {}
        return found

    def title(self, keys: tuple) -> str:
        node = self.node(keys)
        title = node.get("title") if isinstance(node, dict) else None
        return str(title) if title else str(keys[-1])

    def sensitivity(self, keys: tuple) -> str | None:
        """The field's own sensitivity (``"x-sensitivity": "restricted"`` in its schema), if it has one."""
        return field_sensitivity(self.node(keys))

    def hidden(self, keys: tuple, audience) -> bool:
        """Whether the field at ``keys`` is more sensitive than ``audience`` may see (decided once per field
        and audience level)."""
        known = self._hidden.get(audience.rank)
        if known is None:
            known = self._hidden[audience.rank] = {}
        found = known.get(keys)
        if found is None:
            level = self.sensitivity(keys) if keys else None
            found = known[keys] = level is not None and not audience.allows(level)
        return found

    def kind(self, keys: tuple) -> str | None:
        """The reference type of a field (person, document, …) when its schema says so."""
        if keys in self._kinds:  # as the renderers spell them ("[]" for a list's items)
            return self._kinds[keys]
        keys = self._normal(keys)
        if keys not in self._kinds:
            node = self.root
            current = self.path
            for key in keys:
                node, current = deref(self._load, node, current)
                if key == "[]":
                    node = node.get("items") if isinstance(node.get("items"), dict) else {}
                else:
                    props = node.get("properties", {}) if isinstance(node.get("properties"), dict) else {}
                    node = props.get(key, {})
            ref = node.get("$ref") if isinstance(node, dict) else None
            self._kinds[keys] = ref.rsplit("/", 1)[-1] if isinstance(ref, str) and "$defs/" in ref else None
        return self._kinds[keys]


MASKED_TEXT = "（受限字段）"


def _leaves(value, into: set) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _leaves(v, into)
    elif isinstance(value, list):
        for v in value:
            _leaves(v, into)
    elif value not in (None, "") and not isinstance(value, bool) and len(str(value)) >= 6:
        into.add(str(value))


def _remember(ctx, value) -> None:
    _leaves(value, ctx.masked)


def masked_values(ctx) -> set:
    """Every value (of at least six characters) of a field more sensitive than the audience, in the registers
    the audience may see: what no text of the checker shown to this audience may quote (a finding that
    quotes a mistyped mobile number).  Also remembered for the leak scan."""
    cached = getattr(ctx, "_masked_all", None)
    if cached is not None:
        return cached
    found: set = set()
    for name, register in ctx.handbook.registers.items():
        if not ctx.audience.register_visible(name) or not isinstance(register.data, dict):
            continue
        names = FieldNames.of(ctx.handbook, register)

        def walk(value, keys, depth=0):
            if depth > 12:
                return
            if names.hidden(keys, ctx.audience):
                _leaves(value, found)
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(v, keys + (k,), depth + 1)
            elif isinstance(value, list):
                for v in value:
                    walk(v, keys + ("[]",), depth + 1)

        walk(register.data, ())
    ctx.masked |= found
    ctx._masked_all = found
    return found


def mask_text(ctx, text: str) -> str:
    """A text of the checker (a finding's message) without the masked values it quotes."""
    longest_first = getattr(ctx, "_masked_longest_first", None)
    if longest_first is None:
        longest_first = ctx._masked_longest_first = sorted(masked_values(ctx), key=len, reverse=True)
    for value in longest_first:
        if value in text:
            text = text.replace(value, MASKED_TEXT)
    return text


class ValueRenderer:
    """Register values as readable HTML: nested mappings as small tables, lists one item a line."""

    MAX_DEPTH = 6

    MEMO_TEXT, MEMO_ENTRIES = 256, 200_000  # a short text of a field is rendered once (statuses, systems, people)

    def __init__(self, ctx, linker: Linker, names: FieldNames):
        self.ctx = ctx
        self.linker = linker
        self.names = names
        self._fields: dict = {}  # keys -> (reference kind, the field's own key, whether it holds phone numbers)
        self._memo: dict = {}  # (text, keys) -> HTML
        self._cites = hasattr(ctx, "cited_record")

    def _field(self, keys: tuple) -> tuple:
        found = self._fields.get(keys)
        if found is None:
            field_key = next((k for k in reversed(keys) if k != "[]"), "")
            phone = isinstance(field_key, str) and (field_key.lower() in PHONE_KEYS
                                                   or field_key.lower().endswith(("_phone", "_mobile", "_tel")))
            found = self._fields[keys] = (self.names.kind(keys), field_key, phone)
        return found

    def scalar(self, value, keys: tuple) -> str:
        if value is None or value == "":
            return "—"
        if type(value) is str:
            memo = self._memo.get((value, keys))
            if memo is not None:
                self.ctx.shown.add(value)
                return memo
            html = self._scalar(value, keys)
            if len(value) <= self.MEMO_TEXT and len(self._memo) < self.MEMO_ENTRIES:
                self._memo[value, keys] = html
            return html
        return self._scalar(value, keys)

    def _scalar(self, value, keys: tuple) -> str:
        self.ctx.shown.add(str(value))  # published here: not a masked value's leak elsewhere
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, (dt.date, dt.datetime)):
            return esc(fmt_date(value))
        if isinstance(value, (int, float)):
            return esc(value)
        text = str(value)
        kind, field_key, phone = self._field(keys)
        if phone and PHONE.match(text.strip()):
            number = re.sub(r"[^\d+]", "", text.split("转")[0])
            return f'<a class="ob-tel" href="tel:{esc(number)}">{esc(text)}</a>'
        cited = self.ctx.cited_record(text) if self._cites else None
        if cited is not None and field_key != "id":
            register, label = cited
            if self.ctx.page_urls.get(f"register:{register}") and self.ctx.audience.register_visible(register):
                return self.linker.record(register, f"{label}（{text}）" if label else text, record_id=text)
        if kind in ("person", "persons") or (kind is None and PERSON.match(text) and text in self.ctx.handbook.staff):
            return esc(self.ctx.person(text))
        if kind == "document" or text in self.ctx.handbook.documents_by_id:
            return self.linker.document_id(text)
        return esc(self.ctx.audience.redact(text))

    def masked(self, value, keys: tuple) -> bool:
        """Whether a field is more sensitive than the audience; its values are remembered for the leak scan."""
        if not self.hidden(keys):
            return False
        _remember(self.ctx, value)
        return True

    def hidden(self, keys: tuple) -> bool:
        """Whether the audience may not see the field at ``keys``.  Such a field is shown masked in every
        record, whether the record has it or not: an empty cell next to a masked one would tell which
        people have, say, a mobile number on file."""
        return self.names.hidden(keys, self.ctx.audience)

    def _shows(self, item: dict, keys: tuple) -> bool:
        return keys[-1] in item or self.hidden(keys)

    def value(self, value, keys: tuple = (), depth: int = 0) -> str:
        if depth > self.MAX_DEPTH:
            return esc("…")
        if self.masked(value, keys):
            return restricted(MASKED_TEXT)
        if isinstance(value, dict):
            if not value:
                return "—"
            rows = "".join(
                f'<tr><th>{esc(self.names.title(keys + (k,)))}</th><td>{self.value(v, keys + (k,), depth + 1)}</td></tr>'
                for k, v in value.items()
            )
            return f'<table class="ob-kv">{rows}</table>'
        if isinstance(value, list):
            if not value:
                return "—"
            if all(isinstance(v, dict) for v in value):
                return self.records(value, keys, depth + 1, nested=True)
            if all(not isinstance(v, (dict, list)) for v in value):
                return "、".join(self.scalar(v, keys + ("[]",)) for v in value)
            return "<br>".join(self.value(v, keys + ("[]",), depth + 1) for v in value)
        return self.scalar(value, keys)

    WIDE = 7  # more columns than this (or nested lists): an overview table plus one card per record

    def records(self, items: list, keys: tuple, depth: int = 0, nested: bool = False) -> str:
        if nested:
            columns = _columns(items)
            headers = [self.names.title(keys + ("[]", c)) for c in columns]
            rows = [[self.value(item.get(c), keys + ("[]", c), depth + 1) if self._shows(item, keys + ("[]", c)) else ""
                     for c in columns] for item in items]
            return _nested_table(headers, rows)
        return self.fragments(items, keys, depth).html()

    def fragments(self, items: list, keys: tuple, depth: int = 0) -> "Fragments":
        """A register's list as a table (or an overview table and one card per record), in pieces: one per
        record, so that a long list can be split over several pages (:meth:`Fragments.html` of a range)."""
        columns = _columns(items)
        if self._wide(items, columns):
            return self.cards(items, keys, columns)
        headers = [self.names.title(keys + ("[]", c)) for c in columns]
        rows = []
        for item in items:
            attrs = {"id": item["id"]} if isinstance(item.get("id"), str) else {}
            cells = [self.value(item.get(c), keys + ("[]", c), depth + 1) if self._shows(item, keys + ("[]", c)) else ""
                     for c in columns]
            rows.append(table_row((cells, attrs) if attrs else cells))
        return Fragments(*table_frame(headers, "ob-register"), rows)

    def _wide(self, items, columns) -> bool:
        if len(columns) > self.WIDE:
            return True
        return any(isinstance(item.get(c), list) and any(isinstance(v, dict) for v in item[c])
                   for item in items for c in columns)

    def cards(self, items: list, keys: tuple, columns: list) -> "Fragments":
        """An overview table of the simple columns, then each record in full (folded)."""
        simple = [c for c in columns if all(not isinstance(i.get(c), (dict, list)) for i in items)]
        label_keys = [c for c in ("id", "name", "title", "topic", "date") if c in columns]
        preferred = [c for c in OVERVIEW.get(keys[-1] if keys else "", ()) if c in simple]
        if preferred:
            overview = preferred + ([c for c in label_keys if c not in preferred][:1] if "id" not in preferred else [])
        else:
            overview = (label_keys + [c for c in simple if c not in label_keys])[: self.WIDE - 1]
        headers = [self.names.title(keys + ("[]", c)) for c in overview]
        # the first contact person and phone, for lists whose records have contacts (related units)
        contacts = "contacts" in columns and all(isinstance(i.get("contacts", []), list) for i in items)
        if contacts:
            headers += [self.names.title(keys + ("[]", "contacts", "[]", "name")),
                        self.names.title(keys + ("[]", "contacts", "[]", "phone"))]
        rows, blocks = [], []
        for index, item in enumerate(items):
            anchor = str(item["id"]) if isinstance(item.get("id"), (str, int)) else f"{keys[-1]}-{index + 1}"
            cells = []
            for c in overview:
                cell = self.value(item.get(c), keys + ("[]", c), 1) if self._shows(item, keys + ("[]", c)) else ""
                if c == overview[0]:
                    cell = f'<a href="#{esc(anchor)}">{cell}</a>'
                cells.append(cell)
            if contacts:
                first = next((c for c in item.get("contacts") or [] if isinstance(c, dict)), {})
                base = keys + ("[]", "contacts", "[]")
                cells.append(self.value(first.get("name"), base + ("name",), 1) if first else "—")
                field = "phone" if first.get("phone") or not self.hidden(base + ("mobile",)) else "mobile"
                phone = first.get(field)
                cells.append(self.value(phone, base + (field,), 1) if phone or self.hidden(base + (field,)) else "—")
            rows.append(table_row(cells, ["ob-nowrap"]))
            label = " ".join(str(item.get(c)) for c in label_keys[:2] if item.get(c) not in (None, "")
                             and not self.masked(item.get(c), keys + ("[]", c))) or f"第 {index + 1} 条"
            body = "".join(
                f'<tr><th>{esc(self.names.title(keys + ("[]", c)))}</th><td>{self.value(item.get(c), keys + ("[]", c), 1)}</td></tr>'
                for c in columns if self._shows(item, keys + ("[]", c)))
            blocks.append(f'<details class="note ob-record" id="{esc(anchor)}"><summary>{esc(self.ctx.audience.redact(label))}</summary>'
                          f'<table class="ob-kv">{body}</table></details>')
        head, foot = table_frame(headers, "ob-register", ["ob-nowrap"])
        return Fragments(head, foot + '\n\n<div class="ob-records">', rows, blocks, "</div>")


def _columns(items: list) -> list:
    columns: list = []
    for item in items:
        for key in item:
            if key not in columns:
                columns.append(key)
    return columns


@dataclass
class Fragments:
    """A register list's HTML in pieces: ``head``, one row per record, ``middle``, and (for lists shown as
    cards) one card per record and ``tail``.  ``html()`` is the whole list; ``html(i, j)`` records i…j-1."""

    head: str
    middle: str
    rows: list
    blocks: list | None = None
    tail: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def size(self, index: int) -> int:
        """Characters that record ``index`` adds to a page."""
        return len(self.rows[index]) + 1 + (len(self.blocks[index]) + 1 if self.blocks is not None else 0)

    def frame(self) -> str:
        return self.head + self.middle + self.tail

    def html(self, start: int = 0, stop: int | None = None, indexes=None) -> str:
        picked = range(start, len(self.rows) if stop is None else stop) if indexes is None else indexes
        if not self.rows:
            return '<p class="ob-empty">（无）</p>'
        out = self.head + "\n".join(self.rows[i] for i in picked) + self.middle
        if self.blocks is not None:
            out += "\n".join(self.blocks[i] for i in picked) + self.tail
        return out
