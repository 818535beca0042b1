"""The generated pages: document index, registers, compliance dashboard, clause matrix, rules.

Each page is Markdown with HTML tables, generated from the build's
:class:`~checks.site.context.SiteContext` and filtered by its audience: a page
never lists a document, register or finding the audience may not see.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import Counter, defaultdict

from .. import clauses as catalogue
from ..findings import SEVERITY_ZH
from ..model import SENSITIVITY_ZH, STATUS_ZH
from ..references import references
from .context import KIND_ORDER, KIND_ZH, SiteContext
from .render import (BOOST_REGISTER, BOOST_RULE, search_terms, FieldNames, front_matter, Linker, ValueRenderer, clause_status_badge, doc_label, esc, fmt_date, mask_text, md_esc, md_inert, restricted,
                     sensitivity_badge, severity_badge, status_badge, table, table_frame, table_row)
from .audience import document_level, register_level

# Generated pages: key -> (src_uri, nav title).  Registers and rules add one page each.
FIXED = {
    "catalog": ("catalog.md", "文档目录"),
    "registers": ("registers/index.md", "台账"),
    "dashboard": ("dashboard.md", "合规看板"),
    "clauses": ("clauses.md", "条款矩阵"),
    "rules": ("rules/index.md", "规则"),
}
REGISTER_TOP_KEYS = ("title", "sensitivity", "owner", "description")


def stamp(ctx: SiteContext) -> str:
    """The line that dates every generated page."""
    return (f'<p class="ob-stamp">截至 <strong>{esc(ctx.as_of.isoformat())}</strong>（检查日期）· '
            f'手册版本 <strong>{esc(ctx.version_label)}</strong>（提交于 {esc(ctx.version_date)}）· '
            f'读者级别：{sensitivity_badge(ctx.level)}</p>\n\n')


def register_title(ctx: SiteContext, name: str) -> str:
    reg = ctx.handbook.register(name)
    title = reg.data.get("title") if reg is not None and isinstance(reg.data, dict) else None
    return str(title) if title else name


def visible_registers(ctx: SiteContext) -> list[str]:
    return [name for name in sorted(ctx.handbook.registers) if ctx.audience.register_visible(name)]


# -- 文档目录 ------------------------------------------------------------------

def catalog_page(ctx: SiteContext, page_url: str) -> str:
    link = Linker(ctx, page_url)
    out = [front_matter("文档目录", hide=["navigation", "toc"]), "# 文档目录\n\n", stamp(ctx)]
    docs = ctx.visible_documents()
    out.append(f"本站共发布 {len(docs)} 篇文档（按您的阅读权限）。“下次评审”按文档的评审周期"
               f"（默认 {ctx.handbook.settings.review_cycle_months} 个月）从最近评审日期推算；"
               f"已逾期的以红色标出。\n\n")
    changed = ctx.last_changed()
    groups = defaultdict(list)
    for doc in docs:
        kind = doc.meta.get("kind")
        groups[kind if kind in KIND_ZH else None].append(doc)
    for kind in KIND_ORDER:
        members = sorted(groups.get(kind, []), key=lambda d: (str(d.doc_id or "~"), d.path))
        if not members:
            continue
        out.append(f"## {KIND_ZH.get(kind, '其他')}\n\n")
        rows = []
        for doc in members:
            nxt = ctx.next_review(doc) if doc.status != "obsolete" else None
            overdue = nxt is not None and nxt < ctx.as_of and doc.status == "active"
            nxt_html = f'<span class="ob-overdue">{esc(fmt_date(nxt))}（已逾期）</span>' if overdue else esc(fmt_date(nxt))
            rows.append([
                esc(doc.doc_id or "—"),
                link.document(doc, doc.title),
                esc(doc.meta.get("version") or "—"),
                status_badge(doc.status),
                sensitivity_badge(document_level(doc)),
                esc(fmt_date(doc.meta.date("published"))),
                esc(fmt_date(doc.meta.date("last_reviewed"))),
                nxt_html if doc.meta.get("kind") in ("policy", "procedure") or doc.meta.date("last_reviewed") else "—",
                esc(ctx.person(doc.meta.get("owner") or doc.meta.get("author"))),
                esc(changed.get(doc.path, "—")),
            ])
        out.append(table(["编号", "标题", "版本", "状态", "敏感性", "发布时间", "最近评审", "下次评审", "维护人", "最近修改（git）"],
                         rows, cls="ob-catalog",
                         cols=["ob-nowrap", "ob-title", "ob-nowrap", "ob-nowrap", "ob-nowrap", "ob-nowrap", "ob-nowrap",
                               "ob-nowrap", "", "ob-nowrap"]) + "\n\n")
    if not docs:
        out.append("（没有可显示的文档）\n")
    return "".join(out)


# -- 台账 ---------------------------------------------------------------------

def registers_index_page(ctx: SiteContext, page_url: str) -> str:
    link = Linker(ctx, page_url)
    out = [front_matter("台账"), "# 台账\n\n", stamp(ctx),
           "台账是运维工作的记录（YAML 文件，位于 `registers/`），每一项由 `schemas/` 中的 JSON Schema 校验。"
           "下表列出您有权查看的台账。\n\n"]
    per_file = Counter(f.file for f in ctx.findings)
    rows = []
    for name in visible_registers(ctx):
        reg = ctx.handbook.register(name)
        data = reg.data if isinstance(reg.data, dict) else {}
        count = sum(len(v) for k, v in data.items() if isinstance(v, list) and k not in REGISTER_TOP_KEYS)
        state = "可用" if ctx.handbook.usable(name) else '<span class="ob-overdue">未通过校验</span>'
        rows.append([link.register(name, register_title(ctx, name)), f"<code>{esc(reg.path)}</code>",
                     esc(ctx.person(data.get("owner"))), sensitivity_badge(register_level(reg)), esc(count),
                     state, esc(per_file.get(reg.path, 0))])
    out.append(table(["台账", "文件", "维护人", "敏感性", "记录数", "状态", "发现"], rows, empty="（没有可显示的台账）"))
    return "".join(out) + "\n"


def register_page(ctx: SiteContext, name: str, page_url: str) -> str:
    """A register's page (the first of :func:`register_pages`: its index when the register is split)."""
    return register_pages(ctx, name, page_url[:-5] + ".md" if page_url.endswith(".html") else page_url, set())[0][2]


# A record placeholder may grow into an address this much longer (in characters) when it is resolved.
_REF_GROWTH = 96
_MONTH = re.compile(r"^(\d{4}-\d{2})")


def register_pages(ctx: SiteContext, name: str, src: str, taken: set) -> list[tuple[str, str, str]]:
    """A register's pages as ``(src, title, text)``: one page, or, when it would be longer than
    ``settings.site_page_kb``, an index page (the register's own fields, short lists, the findings and a
    list of the parts) and the long lists split into part pages beside it: dated records by month (newest
    first; a month too long for one page over several), others by count.  Each part has its own title
    and search entries; ``ctx.record_pages`` records which part holds each record (for every link to it)."""
    link = Linker(ctx, page_url_of(src))
    reg = ctx.handbook.register(name)
    title = register_title(ctx, name)
    head = [front_matter(title, hide=["navigation"], tags=search_terms(title),
                         search={"boost": BOOST_REGISTER}), f"# {md_esc(title)}\n\n", stamp(ctx)]
    data = reg.data if isinstance(reg.data, dict) else {}
    meta_rows = [
        ["文件", f"<code>{esc(reg.path)}</code>"],
        ["维护人", esc(ctx.person(data.get("owner")))],
        ["敏感性", sensitivity_badge(register_level(reg))],
    ]
    if data.get("description"):
        meta_rows.append(["说明", esc(ctx.audience.redact(str(data["description"])))])
    findings = [f for f in ctx.findings if f.file == reg.path]
    if findings:
        meta_rows.append(["发现", f'{len(findings)} 项（见下方“本台账的发现”）'])
    head.append('<table class="ob-meta" data-search-exclude>' + "".join(
        f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in meta_rows) + "</table>\n\n")
    if not reg.readable:
        head.append('!!! failure "无法读取"\n    本台账无法读取（编码或 YAML 语法错误），请查看合规看板中的发现。\n\n')
    elif not reg.valid:
        head.append('!!! warning "未通过 schema 校验"\n    本台账有不符合 schema 的内容，相关规则暂不检查它；'
                    '请按合规看板中的发现修正。\n\n')
    names = FieldNames.of(ctx.handbook, reg if reg.readable else None)
    values = ValueRenderer(ctx, link, names)
    budget = page_budget(ctx)
    sections = []  # (key, heading, text before the records, Fragments or None, the value's HTML)
    for key, value in data.items():
        if key in REGISTER_TOP_KEYS:
            continue
        heading = names.title((key,))
        intro = f"## {md_esc(heading)}\n\n" + (f'<p class="ob-key"><code>{esc(key)}</code></p>\n\n' if heading != key else "")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            frags = values.fragments(value, (key,))
            frags = type(frags)(md_inert(frags.head), md_inert(frags.middle), [md_inert(r) for r in frags.rows],
                                None if frags.blocks is None else [md_inert(b) for b in frags.blocks], md_inert(frags.tail))
            sections.append((key, heading, intro, frags, None))
        else:
            sections.append((key, heading, intro, None, md_inert(values.value(value, (key,))) + "\n\n"))
    tail = ""
    if findings:
        table_html = capped_findings(ctx, link, findings, budget // 4, lambda rest: (
            f'另有 {len(rest)} 项发现未在此列出，按规则见{_rule_links(link, rest)}。'))
        tail = "## 本台账的发现\n\n" + table_html + "\n\n"

    sizes = {key: [_record_size(frags, i) for i in range(len(frags))] for key, _, _, frags, _ in sections if frags}
    whole = lambda key: sum(sizes[key]) + _size(next(f for k, _, _, f, _ in sections if k == key).frame())  # noqa: E731
    fixed = _size("".join(head)) + _size(tail) + sum(_size(intro) + (_size(v) if v else 200) for _, _, intro, _, v in sections)
    total = fixed + sum(whole(k) for k in sizes)
    split: set = set()
    if total > budget:
        split = {k for k in sizes if whole(k) > budget // 8}
        inline = lambda: fixed + sum(whole(k) for k in sizes if k not in split)  # noqa: E731
        for key in sorted(sizes, key=whole, reverse=True):
            if inline() <= budget // 2:
                break
            split.add(key)

    body, parts = [], []
    layout = ctx.record_pages.setdefault(name, {})
    for key, heading, intro, frags, value_html in sections:
        body.append(intro)
        if frags is None:
            body.append(value_html)
            continue
        if key not in split:
            body.append(f'<p class="ob-count">共 {len(frags)} 条</p>\n\n' + frags.html() + "\n\n")
            continue
        items = data[key]
        chunks = _pack(items, sizes[key], budget - 4096 - _size(frags.frame()) - _size(intro))
        rows = []
        for number, (label, stem, indexes) in enumerate(chunks, 1):
            part_src = unique(posixpath.join(posixpath.dirname(src), f"{name}.{key}.{stem}.md"), taken)
            taken.add(part_src)
            ctx.site_files.add(part_src)
            ctx.generated[part_src] = f"register-part:{name}"
            for i in indexes:
                layout[(key, i)] = part_src
                for rid in _ids(items[i]):
                    layout.setdefault(("id", rid), part_src)
            part_title = f"{title} · {heading}（{label}）"
            nav_line = (f'<p class="ob-part" data-search-exclude>本页是{link.a(src, title)}中“{esc(heading)}”的第 {number} 页'
                        f'（共 {len(chunks)} 页，{len(items)} 条记录；本页 {len(indexes)} 条：{esc(label)}）。</p>\n\n')
            text = (front_matter(part_title, hide=["navigation"], tags=search_terms(title, heading),
                                 search={"boost": BOOST_REGISTER})
                    + f"# {md_esc(part_title)}\n\n" + stamp(ctx) + nav_line + intro
                    + f'<p class="ob-count">本页 {len(indexes)} 条</p>\n\n' + frags.html(indexes=indexes) + "\n\n")
            parts.append((part_src, part_title, text))
            rows.append([link.a(part_src, label), esc(len(indexes))])
        body.append(f'<p class="ob-count">共 {len(frags)} 条，记录较多，分 {len(chunks)} 页列出'
                    f'{"（按月份，最近的在前）" if chunks and chunks[0][1][:1].isdigit() and "-" in chunks[0][1] else ""}：</p>\n\n')
        body.append(table(["页面", "条数"], rows, cls="ob-parts") + "\n\n")
    return [(src, title, "".join(head) + "".join(body) + tail)] + parts


def _ids(item: dict) -> list[str]:
    """A record's id and the ids of the records nested in it (a plan's courses): what links name it by."""
    out = []
    rid = item.get("id")
    if isinstance(rid, (str, int)) and not isinstance(rid, bool):
        out.append(str(rid))
    for value in item.values():
        if isinstance(value, list):
            out += [str(v["id"]) for v in value if isinstance(v, dict) and isinstance(v.get("id"), str)]
    return out


def page_url_of(src: str) -> str:
    return src[:-3] + ".html" if src.endswith(".md") else src


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _record_size(frags, index: int) -> int:
    row = frags.rows[index]
    block = frags.blocks[index] if frags.blocks is not None else ""
    return _size(row) + _size(block) + 2 + _REF_GROWTH * (row.count("\x02") + block.count("\x02"))


def _month(item: dict, key) -> str:
    value = item.get(key) if key else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:7]
    match = _MONTH.match(value) if isinstance(value, str) else None
    return match.group(1) if match else ""


def _date_key(items: list):
    """The field that dates a list's records (most of the first records have a date in it), or None."""
    sample = [i for i in items[:50] if isinstance(i, dict)]
    for key in (sample[0] if sample else {}):
        if sum(1 for i in sample if _month(i, key)) >= max(1, len(sample) * 4 // 5):
            return key
    return None


def _pack(items: list, sizes: list, cap: int) -> list[tuple[str, str, list]]:
    """A long list's records in parts of at most ``cap`` bytes: ``(label, file stem, indexes)``.  Dated
    records go by month, newest first (whole months on a page while they fit); others in file order."""
    cap = max(cap, 1)
    date_key = _date_key(items)
    if date_key is None:
        groups = [("", list(range(len(items))))]
    else:
        by_month: dict = {}
        for i, item in enumerate(items):
            by_month.setdefault(_month(item, date_key), []).append(i)
        groups = sorted(((m, ix) for m, ix in by_month.items() if m), reverse=True) + (
            [("", by_month[""])] if "" in by_month else [])
    chunks: list[list] = []  # [months, indexes]
    current, used = None, 0
    for month, indexes in groups:
        group_size = sum(sizes[i] for i in indexes)
        if current is not None and used + group_size > cap:
            current, used = None, 0
        if group_size <= cap:
            if current is None:
                current = [[], []]
                chunks.append(current)
            current[0].append(month)
            current[1].extend(indexes)
            used += group_size
            continue
        piece, piece_size = [], 0  # a month (or an undated list) longer than a page
        pieces = []
        for i in indexes:
            if piece and piece_size + sizes[i] > cap:
                pieces.append(piece)
                piece, piece_size = [], 0
            piece.append(i)
            piece_size += sizes[i]
        pieces.append(piece)
        for piece in pieces:
            chunks.append([[month] + ([f"#{len(pieces)}"] if len(pieces) > 1 else []), piece])
        current, used = None, 0
    out = []
    seen: Counter = Counter()
    for months, indexes in chunks:
        named = [m for m in months if m and not m.startswith("#")]
        if date_key is None or not named:
            label = f"第 {indexes[0] + 1}–{indexes[-1] + 1} 条" if date_key is None else "未注明日期"
            stem = str(len(out) + 1) if date_key is None else "undated"
        else:
            label = named[0] if len(named) == 1 else f"{named[-1]} 至 {named[0]}"
            stem = named[0]
        seen[stem] += 1
        if seen[stem] > 1 or any(m.startswith("#") for m in months):
            label += f"（{seen[stem]}）"
            stem += f"-{seen[stem]}"
        out.append((label, stem, indexes))
    return out


# -- 合规看板 ------------------------------------------------------------------

_FINDING_HEADERS = ["位置", "规则", "严重程度", "说明"]
_FINDING_COLS = ["ob-where", "ob-nowrap", "ob-nowrap", ""]


def _finding_cells(ctx: SiteContext, link: Linker, f) -> list:
    waived = f' <span class="ob-badge ob-waived">已豁免 {esc(f.waiver)}</span>' if getattr(f, "waiver", None) else ""
    return [link.file(f.file, f.line), link.rule(f.rule), severity_badge(f.severity),
            esc(mask_text(ctx, f.message)) + waived]


def page_budget(ctx: SiteContext) -> int:
    """The most a generated page's text may hold, in bytes (``settings.site_page_kb``)."""
    return max(int(ctx.handbook.settings.site_page_kb), 1) * 1024


def capped_findings(ctx: SiteContext, link: Linker, findings, cap: int, more) -> str:
    """The findings table, or as many of its first rows as fit in ``cap`` bytes (at least one) followed by a
    note (``more(the findings left out)``, HTML): a page of a large handbook stays a page a browser opens.
    Rows are written only until the page is full."""
    if not findings:
        return table(_FINDING_HEADERS, [])  # the empty note
    head, foot = table_frame(_FINDING_HEADERS, "ob-findings", _FINDING_COLS)
    size, rows = _size(head) + _size(foot), []
    for f in findings:
        row = table_row(_finding_cells(ctx, link, f), _FINDING_COLS)
        size += _size(row) + (1 if rows else 0)  # and the newline between rows
        if size > cap and rows:
            break
        rows.append(row)
    html_text = head + "\n".join(rows) + foot  # what table() writes for these rows
    if len(rows) == len(findings):
        return html_text
    return html_text + f'\n\n<p class="ob-note">{more(findings[len(rows):])}</p>'


def _rule_links(link: Linker, findings) -> str:
    """The rules of some findings, each with its count, linked to the rule's page (most findings first)."""
    counts = Counter(f.rule for f in findings)
    return "、".join(f"{link.rule(rule)}（{n} 项）" for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


DUE_WINDOWS = ((0, "已逾期"), (7, "7 天内"), (30, "30 天内"), (60, "60 天内"))
FEED = "due.ics"


def feed_name(owner: str | None) -> str:
    return f"due-{owner}.ics" if owner else FEED


def due_soon(ctx: SiteContext, link: Linker, page_url: str) -> str:
    """The dashboard's 即将到期 section: overdue and the next 60 days, filterable by owner, chapter and window."""
    from .render import relative_url as get_relative_url

    items = [d for d in ctx.obligations if d.days_left <= 60]
    out = ["## 即将到期 {#opsbook-due}\n\n"]
    counts = " · ".join(f"{label} {sum(1 for d in items if (d.overdue if days == 0 else 0 <= d.days_left <= days))} 项"
                        for days, label in DUE_WINDOWS)
    out.append(f'<p class="ob-due-summary">{esc(counts)}（逾期事项同时是上方的错误级发现）。'
               f'日历订阅：<a href="{esc(get_relative_url(FEED, page_url))}">全部到期事项（iCalendar）</a>，'
               "也可订阅每位负责人的日历（见表中负责人旁的日历链接）。</p>\n\n")
    owners = sorted({d.owner_name for d in items})
    chapters = sorted({d.chapter for d in items if d.chapter})
    options = lambda values: "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)  # noqa: E731
    out.append('<div class="ob-filter" data-filter-for="ob-due-table" data-search-exclude>'
               '<label>负责人 <select data-filter="owner"><option value="">全部</option>' + options(owners) + '</select></label> '
               '<label>章节 <select data-filter="chapter"><option value="">全部</option>' + options(chapters) + '</select></label> '
               '<label>期限 <select data-filter="days"><option value="">60 天内（含逾期）</option>'
               + "".join(f'<option value="{days}">{esc(label)}</option>' for days, label in DUE_WINDOWS[:-1])
               + '</select></label></div>\n\n')
    out.append(due_table(ctx, link, page_url, items, table_id="ob-due-table"))
    return "".join(out) + "\n\n"


def due_table(ctx: SiteContext, link: Linker, page_url: str, items, table_id: str | None = None) -> str:
    """Obligations as a table: due date, days left, what, owner (with their calendar), the record, rule, chapter."""
    from .render import relative_url

    rows = []
    for d in items:
        where = link.file(d.file, d.line)
        if d.record and d.file.startswith("registers/"):
            name = d.file.split("/", 1)[1].rsplit(".", 1)[0]
            if ctx.page_urls.get(f"register:{name}"):
                where = f"<code>{link.record(name, d.record, record_id=d.record)}</code>"
        state = (f'<span class="ob-overdue">逾期 {-d.days_left} 天</span>' if d.overdue
                 else "今天" if d.days_left == 0 else f"{d.days_left} 天")
        owner = esc(d.owner_name)
        if d.owner:
            owner += f' <a class="ob-ics" href="{esc(relative_url(feed_name(d.owner), page_url))}" title="订阅此人的日历">📅</a>'
        rows.append(([esc(d.due.isoformat()), state, esc(d.what), owner, where, link.rule(d.rule), esc(d.chapter)],
                     {"data-owner": d.owner_name, "data-chapter": d.chapter, "data-days": str(d.days_left)}))
    html = table(["到期日", "剩余", "事项", "负责人", "记录", "规则", "章节"], rows, cls="ob-due",
                 empty="（未来 60 天内没有到期事项）", cols=["ob-nowrap", "ob-nowrap"])
    if table_id:
        html = html.replace('<div class="ob-table ob-due">', f'<div class="ob-table ob-due" id="{esc(table_id)}">', 1)
    return html + "\n\n"


def dashboard_page(ctx: SiteContext, page_url: str) -> str:
    link = Linker(ctx, page_url)
    findings = ctx.findings
    errors = sum(1 for f in findings if f.severity == "error" and not f.waiver)  # a waived finding does not fail
    warnings = sum(1 for f in findings if f.severity == "warning")
    waived = sum(1 for f in findings if f.waiver)
    files = len({f.file for f in findings})
    rows = catalogue.matrix(ctx.result, ctx.chapters) if ctx.chapters else []
    status_counts = Counter(r["status"] for r in rows)
    verdict = "通过" if errors == 0 else "未通过"
    out = [front_matter("合规看板", hide=["navigation"]), "# 合规看板\n\n", stamp(ctx)]
    out.append('<div class="ob-cards">'
               f'<div class="ob-card ob-card-{"pass" if errors == 0 else "fail"}"><span>检查结论</span><strong>{verdict}</strong></div>'
               f'<div class="ob-card ob-card-error"><span>错误</span><strong>{errors}</strong></div>'
               f'<div class="ob-card ob-card-warning"><span>警告</span><strong>{warnings}</strong></div>'
               + (f'<div class="ob-card"><span>已豁免</span><strong>{waived}</strong></div>' if waived else "") +
               f'<div class="ob-card"><span>涉及文件</span><strong>{files}</strong></div>'
               f'<div class="ob-card"><span>规则</span><strong>{len(ctx.result.rules)}</strong></div>'
               f'<div class="ob-card"><span>条款</span><strong>{len(rows)}</strong></div>'
               '</div>\n\n')
    if rows:
        out.append(f"条款状态：{clause_status_badge('pass')} {status_counts.get('pass', 0)} 条 · "
                   f"{clause_status_badge('warn')} {status_counts.get('warn', 0)} 条 · "
                   f"{clause_status_badge('fail')} {status_counts.get('fail', 0)} 条 · "
                   f"{clause_status_badge('due')} {status_counts.get('due', 0)} 条 · "
                   f"{clause_status_badge('unassessed')} {status_counts.get('unassessed', 0)} 条"
                   f"（台账、文档和人工落实的条款按证据和评估记录给出状态，见{link.a(FIXED['clauses'][0], '条款矩阵')}）。\n\n")
    if ctx.hidden_findings:
        out.append(f'!!! note "部分发现未显示"\n    另有 {ctx.hidden_findings} 项发现涉及超出您阅读权限的文档或台账，未在本站显示。\n\n')
    out.append("检查发现不会阻止站点发布；错误级发现须在合并前修正，警告提示临近到期或建议改进的事项。\n\n")
    out.append(waivers_section(ctx, link))

    out.append(due_soon(ctx, link, page_url))

    # by chapter
    out.append("## 按章节\n\n")
    by_rule = ctx.findings_by_rule()
    hidden = ctx.hidden_by_rule()
    chapters = defaultdict(list)
    for rule in ctx.result.rules:
        chapters[rule.chapter or "其他"].append(rule)
    order = [c.title for c in ctx.chapters]
    names = sorted(chapters, key=lambda c: (order.index(c) if c in order else len(order), c))
    summary, bars = [], []
    for name in names:
        found = [f for r in chapters[name] for f in by_rule.get(r.id, [])]
        e = sum(1 for f in found if f.severity == "error" and not f.waiver)  # waived findings count as warnings here
        w = len(found) - e
        hid = sum(hidden.get(r.id, 0) for r in chapters[name])
        state = clause_status_badge("fail" if e or any(
            f.severity == "error" and not f.waiver for r in chapters[name] for f in ctx.result.by_rule().get(r.id, [])) else
            ("warn" if w or hid else "pass"))
        summary.append([esc(name), esc(len(chapters[name])), esc(e), esc(w) + (f"（另有 {hid} 项未显示）" if hid else ""), state])
        bars.append((name, len(chapters[name]), len({f.rule for f in found if f.severity == "error"}),
                     len({f.rule for f in found if f.severity == "warning"} - {f.rule for f in found if f.severity == "error"})))
    out.append(chapter_chart(bars) + "\n\n")
    out.append(table(["章节", "规则数", "错误", "警告", "状态"], summary) + "\n\n")
    # every chapter's findings in an equal share of half the page (settings.site_page_kb); beyond its share,
    # a chapter's list ends with the rules of the rest, whose pages list them all
    listed = [name for name in names if any(by_rule.get(r.id) for r in chapters[name])]
    share = page_budget(ctx) // 2 // max(len(listed), 1)
    for name in listed:
        found = sorted((f for r in chapters[name] for f in by_rule.get(r.id, [])),
                       key=lambda f: (f.severity != "error", f.file, f.line or 0))
        out.append(f"### {esc(name)}\n\n")
        out.append(capped_findings(ctx, link, found, share, lambda rest: (
            f"本章另有 {len(rest)} 项发现未在此列出，按规则见{_rule_links(link, rest)}。")) + "\n\n")

    # by file: counts only (each finding is listed once, above, under its chapter)
    out.append("## 按文件\n\n")
    per_file = defaultdict(list)
    for f in findings:
        per_file[f.file].append(f)
    rows = []
    for path in sorted(per_file):
        items = per_file[path]
        e = sum(1 for f in items if f.severity == "error" and not f.waiver)
        rows.append([link.file(path), esc(e), esc(len(items) - e)])
    out.append(table(["文件", "错误", "警告"], rows, empty="没有发现。") + "\n\n")
    return "".join(out)


def chapter_chart(bars) -> str:
    """Per-chapter status as an inline SVG bar chart: each chapter's rules, split into failing (error),
    warning and passing.  Nothing is loaded from anywhere."""
    if not bars:
        return ""
    label_w, bar_w, row_h = 190, 360, 22
    height = row_h * len(bars) + 30
    parts = [f'<svg class="ob-chart" role="img" aria-label="各章节检查状态" viewBox="0 0 {label_w + bar_w + 60} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">']
    most = max(total for _, total, _, _ in bars) or 1
    for i, (name, total, errors, warnings) in enumerate(bars):
        y = i * row_h + 4
        passed = max(total - errors - warnings, 0)
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="ob-chart-label">{esc(name)}</text>')
        x = label_w
        for count, cls, zh in ((errors, "ob-chart-error", "未通过"), (warnings, "ob-chart-warn", "提醒"), (passed, "ob-chart-pass", "通过")):
            if count:
                width = bar_w * count / most
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_h - 8}" class="{cls}">'
                             f'<title>{esc(name)}：{zh} {count} 条规则</title></rect>')
                x += width
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" class="ob-chart-label">{total}</text>')
    y = len(bars) * row_h + 18
    for j, (cls, zh) in enumerate((("ob-chart-error", "有错误的规则"), ("ob-chart-warn", "有警告的规则"), ("ob-chart-pass", "通过的规则"))):
        x = label_w + j * 120
        parts.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" class="{cls}"/>'
                     f'<text x="{x + 14}" y="{y}" class="ob-chart-label">{zh}</text>')
    parts.append("</svg>")
    return "".join(parts)


def waivers_section(ctx: SiteContext, link: Linker) -> str:
    """例外：the waivers in force and those expiring soon (and any expired or invalid one), from
    :func:`checks.waivers.overview`; only for an audience that may see the waivers register, and
    only waivers whose file and covered findings the audience may see."""
    from .. import waivers

    if ctx.handbook.register("waivers") is None or not ctx.audience.register_visible("waivers"):
        return ""
    hidden_waivers = {f.waiver for f in ctx.result.findings if f.waiver and not ctx.audience.finding_visible(f)}
    rows, hidden = [], 0
    for row in waivers.overview(ctx.handbook, ctx.result.findings):
        target = row.scope
        if row.id in hidden_waivers or not ctx.audience.path_visible(row.file) or ctx.audience.mentions_hidden(target + row.reason):
            hidden += 1
            continue
        state = f'<span class="ob-badge ob-waiver-{esc(row.state)}">{esc(row.state_zh)}</span>'
        left = "" if row.days_left is None else (f"（还有 {row.days_left} 天）" if row.days_left >= 0 else f"（已过 {-row.days_left} 天）")
        rows.append([f'{link.file(row.file, row.line)}<br>{esc(row.id)}', link.rule(row.rule, f"{row.rule} {row.rule_title}"),
                     esc(target), esc(row.reason), esc(f"{row.requested_by} → {row.approved_by}"),
                     esc(row.approved), esc(row.expires) + esc(left), state, esc(row.covered)])
    soon = sum(1 for r in waivers.overview(ctx.handbook) if r.state == "expiring")
    out = ["## 例外（豁免）\n\n",
           f"经批准、限期接受的差距登记在 {link.register('waivers', '例外登记')}：有效期内，被覆盖的发现显示为“已豁免”，不计入检查结论；"
           f"到期后重新计入，例外本身也报告为错误。{ctx.handbook.settings.waiver_warning_days} 天内到期的例外标为“即将到期”"
           + (f"（现有 {soon} 条）" if soon else "") + "。\n\n"]
    out.append(table(["例外", "规则", "范围", "原因", "申请人 → 审批人", "审批日期", "到期日期", "状态", "覆盖的发现"], rows,
                     empty="（没有登记例外）") + "\n\n")
    if hidden:
        out.append(f"另有 {hidden} 条例外涉及超出您阅读权限的内容，未在本站显示。\n\n")
    return "".join(out)


# -- 条款矩阵 ------------------------------------------------------------------

def _basis(ctx: SiteContext, link: Linker, clause, row) -> str:
    coverage = row["coverage"]
    if coverage == "rule":
        return "规则检查"
    if coverage == "register":
        reg = row.get("register") or ""
        fld = row.get("field") or ""
        return f"{link.register(reg, register_title(ctx, reg)) if reg in ctx.handbook.registers else esc(reg)}" + (
            f" · <code>{esc(fld)}</code>" if fld else "")
    if coverage == "document":
        ref = str(row.get("document") or "")
        doc_id, section = catalogue.document_ref(ref)
        doc = ctx.handbook.document(doc_id)
        if doc is None:
            return restricted() if ctx.audience.mentions_hidden(doc_id) else esc(ref)
        if not ctx.audience.document_visible(doc):
            return restricted()
        src = ctx.src_uri(doc)
        text = doc_label(doc) + (f" › {section}" if section else "")
        return link.a(src, text) if src else esc(text)
    return esc(ctx.audience.redact(row.get("reason") or ""))


def clauses_page(ctx: SiteContext, page_url: str) -> str:
    link = Linker(ctx, page_url)
    out = [front_matter("条款矩阵", hide=["navigation"]), "# 条款矩阵\n\n", stamp(ctx)]
    out.append("JR/T 0099-2012 节选中每一句规范性语句，以及本手册如何落实它：规则检查、台账记录、文档规定或人工判断。"
               "由规则检查的条款，状态取自规则的发现：有错误为“未通过”，只有警告为“提醒”，没有发现为“通过”。"
               "条款编号是本手册条款目录的自编号，不是标准的条号。\n\n")
    for error in ctx.catalogue_errors:
        out.append(f'!!! failure "条款目录有无法读取的章节"\n    {esc(error)}\n\n')
    if not ctx.chapters:
        out.append("（条款目录为空或无法读取。）\n")
        return "".join(out)
    rows = catalogue.matrix(ctx.result, ctx.chapters)
    by_id = {r["id"]: r for r in rows}
    known_rules = {r.id for r in ctx.result.rules}
    by_rule = ctx.findings_by_rule()
    hidden = ctx.hidden_by_rule()
    counts = Counter(r["coverage"] for r in rows)
    status_counts = Counter(r["status"] for r in rows)
    out.append(table(["条款", "规则检查", "台账记录", "文档规定", "人工判断", "通过", "提醒", "未通过", "待复评", "未评估"], [[
        esc(len(rows)), *(esc(counts.get(k, 0)) for k in ("rule", "register", "document", "manual")),
        *(esc(status_counts.get(k, 0)) for k in ("pass", "warn", "fail", "due", "unassessed"))]]) + "\n\n")
    for chapter in ctx.chapters:
        out.append(f"## {md_esc(chapter.title)}\n\n")
        out.append(f'<p class="ob-path">{esc(" › ".join(chapter.path))} · <code>{esc(chapter.file)}</code></p>\n\n')
        if chapter.note:
            out.append(f'<p class="ob-note">{esc(ctx.audience.redact(chapter.note))}</p>\n\n')
        table_rows = []
        for clause in chapter.clauses:
            row = by_id.get(clause.id, {})
            rules = []
            for rid in sorted(set(row.get("rules", [])) | set(clause.rules)):
                rules.append(link.rule(rid) if rid in known_rules else f'{esc(rid)}<span class="ob-missing">（未实现）</span>')
            found = sum(len(by_rule.get(rid, [])) for rid in row.get("rules", []))
            hid = sum(hidden.get(rid, 0) for rid in row.get("rules", []))
            note = f'<br><span class="ob-note">{esc(ctx.audience.redact(clause.note))}</span>' if clause.note else ""
            table_rows.append(([
                f"<strong>{esc(clause.id)}</strong>",
                esc(clause.text) + note,
                esc(" / ".join(clause.levels) or "—"),
                esc(catalogue.COVERAGE_ZH.get(clause.coverage, clause.coverage)) + "<br>" + _basis(ctx, link, clause, row),
                "<br>".join(rules) or "—",
                clause_status_badge(row.get("status")) + (
                    f'<br><span class="ob-note">{esc(ctx.audience.redact(row["evidence"]))}</span>' if row.get("evidence") else ""),
                (esc(found) + (f"（另有 {hid} 项未显示）" if hid else "")) if row.get("rules") else "—",
            ], {"id": clause.id}))
        out.append(table(["编号", "条款原文", "要求", "落实方式", "规则", "状态", "发现"], table_rows, cls="ob-matrix",
                         cols=["ob-nowrap", "", "ob-nowrap", "", "ob-nowrap", "ob-nowrap", ""]) + "\n\n")
    return "".join(out)


# -- 规则 ---------------------------------------------------------------------

def _chapters_of_rules(ctx: SiteContext):
    chapters = defaultdict(list)
    for rule in ctx.result.rules:
        chapters[rule.chapter or "其他"].append(rule)
    order = [c.title for c in ctx.chapters]
    return sorted(chapters.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))


def rules_index_page(ctx: SiteContext, page_url: str) -> str:
    link = Linker(ctx, page_url)
    by_rule = ctx.findings_by_rule()
    index = catalogue.index(ctx.chapters)
    out = [front_matter("规则"), "# 规则\n\n", stamp(ctx),
           f"检查器共有 {len(ctx.result.rules)} 条规则。每条规则检查标准的一句条款（文件与格式类规则保护手册自身的文件），"
           "其说明即下列各页。命令行 `opsbook rules` 列出同样的目录。\n\n"]
    for chapter, rules in _chapters_of_rules(ctx):
        out.append(f"## {md_esc(chapter)}\n\n")
        rows = []
        for rule in rules:
            clause = index.get(rule.clause) if rule.clause else None
            rows.append([link.rule(rule.id), esc(rule.title), severity_badge(rule.severity),
                         link.clause(rule.clause) if rule.clause else "—",
                         esc(len(by_rule.get(rule.id, []))),
                         esc(clause.text if clause else "")])
        out.append(table(["编号", "标题", "严重程度", "条款", "当前发现", "条款原文"], rows, cls="ob-rules",
                         cols=["ob-nowrap", "", "ob-nowrap", "ob-nowrap", "", ""]) + "\n\n")
    return "".join(out)


def rule_page(ctx: SiteContext, rule, page_url: str) -> str:
    link = Linker(ctx, page_url)
    index = catalogue.index(ctx.chapters)
    clause = index.get(rule.clause) if rule.clause else None
    findings = ctx.findings_by_rule().get(rule.id, [])
    hidden = ctx.hidden_by_rule().get(rule.id, 0)
    title = f"{rule.id} {rule.title}"
    out = [front_matter(title, search={"boost": BOOST_RULE}), f"# {md_esc(title)}\n\n"]
    if clause is not None:
        clause_html = (f"{link.clause(clause.id)}（{esc(clause.heading)}）"
                       f'<blockquote class="ob-quote">{esc(clause.text)}</blockquote>')
    elif rule.clause:
        clause_html = f"{esc(rule.clause)}（条款目录中暂无此条）"
    else:
        clause_html = "—（本规则保护手册自身的文件，不对应标准条款）"
    meta = [
        ["编号", f"<code>{esc(rule.id)}</code>"],
        ["名称", f"<code>{esc(rule.name)}</code>"],
        ["标题", esc(rule.title)],
        ["严重程度", severity_badge(rule.severity)],
        ["章节", esc(rule.chapter or "—")],
        ["条款", clause_html],
        ["读取的台账", "、".join(link.register(n, register_title(ctx, n)) if n in ctx.handbook.registers else esc(n)
                             for n in rule.needs) or "—"],
        ["读取的设置", "；".join(f"<code>settings.{esc(n)}</code> = <code>{esc(v)}</code>"
                             for n, v in rule.setting_values(ctx.handbook)) or "—"],
        ["与检查日期有关", "是" if rule.dated else "否"],
        ["当前发现", f"{len(findings)} 项" + (f"（另有 {hidden} 项涉及受限内容，未显示）" if hidden else "")],
    ]
    out.append('<table class="ob-meta" data-search-exclude>' + "".join(
        f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in meta) + "</table>\n\n")
    doc = rule.doc.strip()
    out.append((doc if doc else "（本规则暂无说明。）") + "\n\n")
    if rule.dated:
        due = [d for d in ctx.obligations if d.rule == rule.id and d.days_left <= 60]
        out.append("## 到期事项\n\n本规则规定的事项中，已逾期和未来 60 天内到期的（同一定义给出到期日和逾期时的发现）：\n\n")
        out.append(due_table(ctx, link, page_url, due))
    out.append(f"## 当前发现\n\n{stamp(ctx)}")
    if findings:
        cap = page_budget(ctx) - _size("".join(out))
        out.append(capped_findings(ctx, link, findings, max(cap, 1), lambda rest: (
            f"另有 {len(rest)} 项发现未在此列出（页面以 <code>settings.site_page_kb</code> 为限）；"
            "全部发现见 <code>opsbook check</code> 的输出（<code>--format json</code>、<code>junit</code>、<code>sarif</code> 等）。"))
                   + "\n")
    else:
        out.append("没有发现。\n")
    return "".join(out)


# -- 首页（仅当 docs/ 中没有可见的首页时） ---------------------------------------

def home_page(ctx: SiteContext, page_url: str) -> str:
    """The home page for every employee: who is on duty today (with phones), the emergency contacts
    (for readers who may see them), what falls due soon, and the policies people open most."""
    link = Linker(ctx, page_url)
    name = ctx.organisation_name()
    title = f"{name}信息技术运维手册" if name else "信息技术运维手册"
    out = [front_matter(title, hide=["navigation"]), f"# {md_esc(title)}\n\n", stamp(ctx)]
    out.append(duty_today(ctx, link))
    out.append(emergency_contacts(ctx, link))
    out.append(due_summary(ctx, link))
    out.append(most_read(ctx, link))
    errors = sum(1 for f in ctx.findings if f.severity == "error")
    out.append("## 手册导航\n\n")
    out.append(f"本站发布 {len(ctx.visible_documents())} 篇文档、{len(visible_registers(ctx))} 个台账；"
               f"当前检查发现错误 {errors} 项、警告 {len(ctx.findings) - errors} 项。\n\n")
    items = [FIXED[k] for k in ("catalog", "dashboard", "clauses", "registers", "rules")]
    entries = [link.a(src, t) for src, t in items]
    # the handbook's own guides (how to read and edit it), on pages of their own
    entries += [link.document(d) for d in ctx.visible_documents() if d.meta.get("kind") == "guide" and d.status == "active"]
    out.append("<ul>" + "".join(f"<li>{e}</li>" for e in entries) + "</ul>\n")
    return "".join(out)


def _staff_renderer(ctx: SiteContext, link: Linker):
    reg = ctx.handbook.register("staff")
    names = FieldNames.of(ctx.handbook, reg if reg is not None and reg.readable else None)
    return ValueRenderer(ctx, link, names)


def _phones(ctx: SiteContext, values: ValueRenderer, person: str) -> str:
    """A person's office phone and mobile as tel: links, each only when the audience may see that field."""
    record = ctx.handbook.staff.get(person)
    if record is None or not ctx.audience.register_visible("staff"):
        return "—"
    cells = [values.value(record.get(key), ("staff", "[]", key)) for key in ("phone", "mobile")
             if record.get(key) and ctx.audience.allows(values.names.sensitivity(("staff", "[]", key)) or "public")]
    return " / ".join(cells) or "—"


def duty_today(ctx: SiteContext, link: Linker) -> str:
    """今日值班: today's shifts from the duty register, with phones, and the duty phone."""
    out = [f"## 今日值班（{esc(ctx.as_of.isoformat())}） {{#opsbook-duty-today}}\n\n"]
    if not ctx.audience.register_visible("duty") or not ctx.handbook.usable("duty"):
        out.append("（值班安排不在您的阅读范围内。）\n\n")
        return "".join(out)
    values = _staff_renderer(ctx, link)
    rows = []
    for roster in ctx.handbook.records("duty", "rosters"):
        for shift in roster.records("shifts"):
            if shift.date("date") != ctx.as_of:
                continue
            people = ([("当班负责人", shift.get("lead"))] if shift.get("lead") else []) + [
                ("值班人员", p) for p in shift.get("staff", []) if isinstance(p, str)]
            for role, person in people:
                rows.append([esc(shift.get("shift") or ""), esc(role), esc(ctx.person(person)), _phones(ctx, values, person)])
    duty = ctx.handbook.root_of("duty").sub("duty_phone")
    if duty is not None and duty.get("number"):
        numbers = [values.scalar(duty.get(k), ("duty_phone", k)) for k in ("number", "mobile") if duty.get(k)]
        out.append(f'<p class="ob-duty-phone">运维值班电话：{" / ".join(numbers)}'
                   + (f"（{esc(duty.get('location'))}）" if duty.get("location") else "") + "</p>\n\n")
    out.append(table(["班次", "职责", "人员", "电话"], rows, cls="ob-duty-today",
                     empty="今天没有排班记录（请查看值班台账）。") + "\n\n")
    out.append(f"完整的值班安排见{link.register('duty', register_title(ctx, 'duty'))}。\n\n")
    return "".join(out)


def emergency_contacts(ctx: SiteContext, link: Linker) -> str:
    """应急联络: the emergency duty line and the liaisons, for readers who may see the register."""
    out = ["## 应急联络\n\n"]
    if not ctx.audience.register_visible("emergency_contacts") or not ctx.handbook.usable("emergency_contacts"):
        out.append("应急联络方式仅向有权查看应急联络台账的读者显示；发生紧急情况请拨打上方的运维值班电话。\n\n")
        return "".join(out)
    root = ctx.handbook.root_of("emergency_contacts")
    reg = ctx.handbook.register("emergency_contacts")
    values = ValueRenderer(ctx, link, FieldNames.of(ctx.handbook, reg))
    line = root.sub("duty_line")
    if line is not None and line.get("phone"):
        out.append(f'<p>应急值守电话：{values.value(line.get("phone"), ("duty_line", "phone"))}'
                   + (f"（{esc(line.get('hours'))}）" if line.get("hours") else "") + "</p>\n\n")
    rows = []
    for contact in root.records("contacts"):
        if contact.get("group") not in (None, "组织体系") or len(rows) >= 8:
            continue
        rows.append([esc(contact.get("organisation") or ""), esc(contact.get("role") or ""),
                     values.value(contact.get("name"), ("contacts", "[]", "name")),
                     values.value(contact.get("phone"), ("contacts", "[]", "phone")) if contact.get("phone") else "—",
                     values.value(contact.get("mobile"), ("contacts", "[]", "mobile")) if contact.get("mobile") else "—"])
    out.append(table(["机构", "职务", "姓名", "电话", "手机"], rows, cls="ob-contacts", empty="（没有登记联络人）") + "\n\n")
    out.append(f"全部联络方式见{link.register('emergency_contacts', register_title(ctx, 'emergency_contacts'))}。\n\n")
    return "".join(out)


def due_summary(ctx: SiteContext, link: Linker) -> str:
    """即将到期: counts and the next few, linking to the dashboard's section."""
    items = [d for d in ctx.obligations if d.days_left <= 30]
    overdue = sum(1 for d in items if d.overdue)
    out = ["## 即将到期\n\n",
           f"未来 30 天内到期 {len(items) - overdue} 项，已逾期 {overdue} 项（详见"
           f"{link.a(FIXED['dashboard'][0], '合规看板', anchor='opsbook-due')}，可按负责人筛选和订阅日历）。\n\n"]
    rows = [[esc(d.due.isoformat()), esc(d.what), esc(d.owner_name)] for d in items[:6]]
    if rows:
        out.append(table(["到期日", "事项", "负责人"], rows) + "\n\n")
    return "".join(out)


def most_read(ctx: SiteContext, link: Linker) -> str:
    """常用制度: the policies the rest of the handbook points to most (links from documents; their ids in the fields
    the schemas type as a document, in registers and front matter)."""
    policies = [d for d in ctx.visible_documents() if d.meta.get("kind") == "policy" and d.status == "active"]
    if not policies:
        return ""
    by_name = {posixpath.basename(d.path): d for d in policies}
    counts = Counter()
    for doc in ctx.handbook.documents:
        for target in doc.links:
            base = posixpath.basename(target.target.split("#", 1)[0])
            if base in by_name and by_name[base] is not doc:
                counts[by_name[base].path] += 1
    by_id = {str(d.doc_id): d for d in policies if d.doc_id}
    for source, kind, value, _ in references(ctx.handbook):  # the fields the schemas type as a document
        cited = by_id.get(value) if kind == "document" else None
        if cited is not None and cited is not source:
            counts[cited.path] += 1
    ranked = sorted(policies, key=lambda d: (-counts[d.path], str(d.doc_id)))[:6]
    out = ["## 常用制度\n\n", "手册中被引用最多的管理制度：\n\n"]
    out.append("<ul>" + "".join(f"<li>{link.document(d)}</li>" for d in ranked) + "</ul>\n\n")
    return "".join(out)


def unique(path: str, taken) -> str:
    """A generated page's path that no file in docs/ already has."""
    if path not in taken:
        return path
    stem, ext = posixpath.splitext(path)
    n = 2
    while f"{stem}-{n}{ext}" in taken:
        n += 1
    return f"{stem}-{n}{ext}"


__all__ = ["FIXED", "front_matter", "catalog_page", "registers_index_page", "register_page", "dashboard_page", "clauses_page",
           "rules_index_page", "rule_page", "home_page", "register_pages", "visible_registers", "register_title", "unique",
           "SEVERITY_ZH", "SENSITIVITY_ZH", "STATUS_ZH"]
