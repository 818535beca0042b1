"""Documents to file with the regulator, generated from the registers: Word (.docx) and PDF.

- the yearly report of emergency drills to the 住所地证监局 (drills register);
- an incident report: 初报, 续报, 事件总结报告 or 补充报告 (incidents register);
- the emergency plan filing (报备) cover sheet (emergency register and the plan's front matter).

Each is built once as a :class:`Filing` (headings, paragraphs, tables) and then
written as an editable .docx (python-docx; the firm adds its letterhead) and as
a PDF (the same content as HTML, printed by Chromium).  Each names what it was
generated from: the register, the record ids and the commit.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from . import dates
from .model import Handbook
from .reproducible import fixed_zip

INCIDENT_KINDS = {"initial": "初报", "follow-up": "续报", "summary": "事件总结报告", "supplementary": "补充报告"}


class FilingError(Exception):
    """The register does not hold what the document needs; the message is Chinese."""


@dataclass
class Filing:
    name: str  # file name without extension
    title: str
    to: str
    sender: str
    date: dt.date
    blocks: list = field(default_factory=list)  # ("h", text) | ("p", text) | ("table", headers, rows)
    sources: list = field(default_factory=list)  # Chinese lines
    commit: str = ""

    def h(self, text):
        self.blocks.append(("h", _safe(text)))

    def p(self, text):
        self.blocks.append(("p", _safe(text)))

    def table(self, headers, rows):
        self.blocks.append(("table", headers, [[_text(c) for c in row] for row in rows]))

    @property
    def provenance(self) -> str:
        return (f"本文件由 opsbook 于 {self.date.isoformat()} 根据以下台账生成（{self.commit or '工作区，未提交'}）："
                + "；".join(self.sources))


_NOT_XML = __import__("re").compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _safe(text: str) -> str:
    """Text Word and HTML can hold: characters XML forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return _safe(value)
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    if isinstance(value, (dt.date, dt.datetime)):
        return dates.fmt(value)
    return str(value)


def _org(handbook: Handbook) -> dict:
    root = handbook.root_of("organisation")
    org = root.sub("organisation") if root else None
    return org.data if org else {}


def _names(handbook, people) -> str:
    return "、".join(handbook.person_name(p) for p in people or []) or "—"


def _drill_done(record, as_of) -> bool:
    status = record.get("status")
    if status:
        return status == "已完成"
    day = record.date("date")
    return bool(day and day <= as_of)


def drill_report(handbook: Handbook, year: int, commit: str = "") -> Filing:
    """年度应急演练情况报告 for ``year``: every drill held that year, its issues and their follow-up."""
    if not handbook.usable("drills"):
        raise FilingError("registers/drills.yaml 无法读取或不符合 schema；请先运行 opsbook check")
    org = _org(handbook)
    drills = [d for d in handbook.records("drills", "drills")
              if d.date("date") and d.date("date").year == year and _drill_done(d, handbook.as_of)]
    sender = org.get("name", "")
    filing = Filing(name=f"{year}年度应急演练情况报告", title=f"关于{year}年度应急演练情况的报告",
                    to=org.get("regulator", "住所地证监局"), sender=sender, date=handbook.as_of, commit=commit)
    filing.p(f"根据《证券期货业信息系统运维管理规范》（JR/T 0099-2012）“经营机构应每年向住所地证监局报告年度应急演练情况”的要求，"
             f"现将{org.get('short_name') or sender}{year}年度网络与信息安全应急演练情况报告如下。")
    filing.h("一、总体情况")
    halves = {1: 0, 2: 0}
    for d in drills:
        halves[1 if d.date("date").month <= 6 else 2] += 1
    filing.p(f"{year}年共组织应急演练 {len(drills)} 次，其中上半年 {halves[1]} 次、下半年 {halves[2]} 次。"
             + ("" if all(halves.values()) else "未做到每半年至少一次，原因及改进见第四部分。"))
    filing.h("二、演练开展情况")
    plans = {p.id: p for p in handbook.records("drills", "plans")}
    rows = []
    for d in drills:
        plan = plans.get(d.get("plan"))
        rows.append([d.id, d.get("title") or (plan.get("title") if plan else ""), d.date("date"), d.get("method"),
                     d.get("scenario"), "、".join(d.get("systems") or []) or "—",
                     f"运维人员 {len(d.get('participants') or [])} 人" + (f"；{_text(d.get('external_participants'))}"
                                                                       if d.get("external_participants") else ""),
                     d.get("result")])
    filing.table(["编号", "演练名称", "日期", "方式", "场景", "涉及系统", "参演", "演练结果"], rows)
    filing.h("三、发现的问题及整改情况")
    issue_rows = []
    for d in drills:
        for issue in d.records("issues"):
            closed = issue.date("closed")
            issue_rows.append([d.id, issue.get("description"), issue.get("action"),
                               handbook.person_name(issue.get("owner")) if issue.get("owner") else "—",
                               issue.date("due"), f"已完成（{dates.fmt(closed)}）" if closed else "整改中"])
    filing.table(["演练", "问题", "改进措施", "责任人", "完成期限", "状态"], issue_rows)
    open_count = sum(1 for r in issue_rows if r[-1] == "整改中")
    filing.p(f"共发现问题 {len(issue_rows)} 项，已完成整改 {len(issue_rows) - open_count} 项，整改中 {open_count} 项。")
    filing.h(f"四、{year + 1}年度演练安排")
    upcoming = [p for p in plans.values() if str(p.get("time", "")).startswith(str(year + 1))]
    later = [d for d in handbook.records("drills", "drills") if d.date("date") and d.date("date").year == year + 1]
    if upcoming or later:
        filing.table(["编号", "名称", "时间"], [[p.id, p.get("title"), p.get("time")] for p in upcoming]
                     + [[d.id, d.get("title"), d.date("date")] for d in later])
    else:
        filing.p(f"{year + 1}年度演练计划将根据应急预案另行制定，每半年至少组织一次演练。")
    filing.p("特此报告。")
    ids = [d.id for d in drills]
    filing.sources.append(f"registers/drills.yaml（drills：{'、'.join(ids) or '无'}；plans：{'、'.join(p.id for p in upcoming) or '无'}）")
    filing.sources.append("registers/organisation.yaml（organisation）")
    return filing


def incident_report(handbook: Handbook, incident_id: str, kind: str, commit: str = "") -> Filing:
    """An incident report (初报, 续报, 事件总结报告, 补充报告) from the incidents register."""
    if kind not in INCIDENT_KINDS:
        raise FilingError(f"报告类型应为：{'、'.join(INCIDENT_KINDS)}")
    if not handbook.usable("incidents"):
        raise FilingError("registers/incidents.yaml 无法读取或不符合 schema；请先运行 opsbook check")
    incident = next((r for r in handbook.records("incidents", "incidents") if r.id == incident_id), None)
    if incident is None:
        raise FilingError(f"registers/incidents.yaml 中没有事件 {incident_id}")
    org = _org(handbook)
    label = INCIDENT_KINDS[kind]
    written = {"summary": "summary_report", "supplementary": "supplementary_report"}.get(kind)
    report = incident.sub(written) if written else None
    to = (report.get("to") if report else None) or next(
        (r.get("to") for r in incident.records("reports") if r.get("to")), None) or org.get("regulator", "")
    filing = Filing(name=f"{incident.id} {label}", title=f"关于“{incident.get('title')}”的{label}",
                    to=to, sender=org.get("name", ""), date=handbook.as_of, commit=commit)
    filing.h("一、事件概况")
    filing.table(["项目", "内容"], [
        ["事件编号", incident.id], ["事件名称", incident.get("title")], ["事件级别", incident.get("level")],
        ["事件类别", incident.get("category")], ["发现时间", incident.get("detected")],
        ["启动应急预案时间", incident.get("plan_activated")], ["恢复正常运行时间", incident.get("recovered") or "尚未恢复"],
        ["涉及系统", incident.get("systems")], ["影响", incident.get("impact")],
        ["现场指挥", handbook.person_name(incident.get("commander")) if incident.get("commander") else None],
        ["当前状态", incident.get("status")],
    ])
    filing.h("二、处置经过")
    steps = [[p.get("time"), f"通报{p.get('to')}", p.get("summary")] for p in incident.records("progress")]
    steps += [[a.get("time"), f"向投资者说明（{a.get('channel')}）", a.get("summary")] for a in incident.records("announcements")]
    steps += [[r.get("time"), f"向{r.get('to')}{r.get('kind')}（{r.get('method')}）", r.get("summary")]
              for r in incident.records("reports")]
    filing.table(["时间", "事项", "内容"], sorted(steps, key=lambda row: str(row[0])))
    if kind in ("summary", "supplementary"):
        filing.h("三、事件原因")
        filing.p(incident.get("cause") or ("原因尚在调查中。" if kind == "summary" else "—"))
        if report and report.get("summary"):
            filing.p(report.get("summary"))
        filing.h("四、整改措施")
        filing.table(["措施", "责任人", "完成期限", "完成情况"], [
            [a.get("action"), handbook.person_name(a.get("owner")) if a.get("owner") else None, a.date("due"),
             f"已完成（{dates.fmt(a.date('closed'))}）" if a.date("closed") else "进行中"]
            for a in incident.records("corrective_actions")])
        accountability = incident.sub("accountability")
        if kind == "summary" and accountability:
            filing.h("五、调查处理结论")
            filing.p(accountability.get("decision") or "—")
    elif kind == "initial":
        filing.h("三、当前情况")
        filing.p("系统已恢复正常运行，公司将持续关注并按规定报送后续报告。" if incident.get("recovered")
                 else "处置仍在进行中，公司将持续报告处置进展，直至系统恢复正常运行。")
    else:
        filing.h("三、下一步工作")
        filing.p("公司将持续报告处置进展，直至系统恢复正常运行；处置结束后报送事件总结报告。")
    filing.p("特此报告。")
    filing.sources.append(f"registers/incidents.yaml（incidents：{incident.id}）")
    return filing


def plan_filing(handbook: Handbook, commit: str = "") -> Filing:
    """应急预案报备 cover sheet: the plan's current version, what changed since the last filing."""
    if not handbook.usable("emergency"):
        raise FilingError("registers/emergency.yaml 无法读取或不符合 schema；请先运行 opsbook check")
    org = _org(handbook)
    root = handbook.root_of("emergency")
    plan_id = root.get("plan")
    plan = handbook.document(plan_id)
    if plan is None:
        raise FilingError(f"registers/emergency.yaml 的 plan 指向的文档 {plan_id} 不存在")
    meta = plan.meta
    filings = sorted(root.records("filings"), key=lambda r: r.date("date") or dt.date.min)
    last = filings[-1] if filings else None
    version = str(meta.get("version") or "")
    filed_versions = [str(f.get("version")) for f in filings]
    since = last.get("version") if last and str(last.get("version")) != version else (
        filed_versions[-2] if len(filed_versions) > 1 else None)
    revisions = [r for r in meta.records("revisions")]
    changed = [r for r in revisions if since is None or _version_key(str(r.get("version"))) > _version_key(str(since))]
    major = since is None or version.split(".")[0] != str(since).split(".")[0]
    filing = Filing(name=f"{plan_id} 应急预案报备表", title=f"{org.get('short_name') or org.get('name', '')}应急预案报备表",
                    to=org.get("regulator", ""), sender=org.get("name", ""), date=handbook.as_of, commit=commit)
    filing.table(["项目", "内容"], [
        ["报备单位", org.get("name")], ["报备机构", org.get("regulator")],
        ["预案名称", plan.title], ["预案编号", plan_id], ["版本", version],
        ["编写人", handbook.person_name(meta.get("author")) if meta.get("author") else None],
        ["批准人", handbook.person_name(meta.get("approver")) if meta.get("approver") else None],
        ["发布日期", meta.get("published")], ["生效日期", meta.get("effective")],
        ["报备原因", ("首次报备" if not filings else "重大变化") if major else "其他"],
        ["上次报备", f"{dates.fmt(last.date('date'))}，版本 {last.get('version')}" if last else "无"],
    ])
    filing.h("主要变化")
    filing.table(["版本", "日期", "修订内容", "批准人"], [
        [r.get("version"), r.get("date"), r.get("summary"), handbook.person_name(r.get("approver")) if r.get("approver") else None]
        for r in changed])
    if not major:
        filing.p(f"自上次报备（版本 {since}）以来，预案的主版本号没有变化；按规定仅在预案发生重大变化后重新报备，"
                 "本表供需要时使用。")
    filing.p("附件：应急预案全文（opsbook pdf 打印的受控副本）。")
    filing.sources.append(f"{plan.path}（{plan_id} 头信息：version、revisions）")
    filing.sources.append(f"registers/emergency.yaml（plan、filings：{'、'.join(dates.fmt(f.date('date')) for f in filings) or '无'}）")
    return filing


def _version_key(text: str) -> tuple:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return (0,)


# -- writers --------------------------------------------------------------------

def commit_label(handbook: Handbook) -> str:
    """What the handbook was read from: a commit (and whether the work tree differs from it)."""
    commit = getattr(handbook.tree, "commit", None)
    if commit:
        return f"提交 {commit[:10]}"
    from .gitinfo import version

    found = version(handbook.root)
    if found is None:
        return "工作区（不在 git 仓库中）"
    return f"提交 {found.commit[:10]}" + ("，工作区有未提交的修改" if found.dirty else "")


def to_docx(filing: Filing) -> bytes:
    """The filing as an editable Word document (fixed timestamps: same content, same bytes)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(12)
    core = doc.core_properties
    core.title, core.author, core.last_modified_by = _safe(filing.title), "opsbook", "opsbook"
    moment = dt.datetime(filing.date.year, filing.date.month, filing.date.day)
    core.created = core.modified = moment
    core.revision = 1
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(_safe(filing.title))
    run.bold, run.font.size = True, Pt(16)
    if filing.to:
        doc.add_paragraph(_safe(f"{filing.to}："))
    for block in filing.blocks:
        if block[0] == "h":
            p = doc.add_paragraph()
            p.add_run(block[1]).bold = True
        elif block[0] == "p":
            doc.add_paragraph(block[1])
        else:
            _, headers, rows = block
            table = doc.add_table(rows=1, cols=len(headers))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, headers):
                cell.text = text
                for r in cell.paragraphs[0].runs:
                    r.bold = True
            _repeat_header(table.rows[0])
            for row in rows or [["（无）"] + [""] * (len(headers) - 1)]:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = text
    signature = doc.add_paragraph(_safe(f"{filing.sender}") + f"\n{filing.date.year}年{filing.date.month}月{filing.date.day}日")
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    note = doc.add_paragraph(_safe(filing.provenance))
    for r in note.runs:
        r.font.size = Pt(8)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), filing.date)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def to_html(filing: Filing) -> str:
    """The filing as a standalone page (escaped throughout) for printing to PDF."""
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    parts = [f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(filing.title)}</title><style>'
             "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:11pt;line-height:1.7;margin:0}"
             "h1{text-align:center;font-size:16pt;margin:0 0 1em}h2{font-size:12pt;margin:1.2em 0 .4em;break-after:avoid}"
             "table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:9.5pt}th,td{border:.5px solid #555;padding:3px 5px;vertical-align:top}"
             "thead{display:table-header-group}tr{break-inside:avoid}.sig{text-align:right;margin-top:2em}"
             ".src{font-size:8pt;color:#555;margin-top:2em;border-top:.5px solid #999;padding-top:.4em}</style></head><body>",
             f"<h1>{e(filing.title)}</h1>"]
    if filing.to:
        parts.append(f"<p>{e(filing.to)}：</p>")
    for block in filing.blocks:
        if block[0] == "h":
            parts.append(f"<h2>{e(block[1])}</h2>")
        elif block[0] == "p":
            parts.append(f"<p>{e(block[1])}</p>")
        else:
            _, headers, rows = block
            head = "".join(f"<th>{e(h)}</th>" for h in headers)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows) or \
                f'<tr><td colspan="{len(headers)}">（无）</td></tr>'
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append(f'<p class="sig">{e(filing.sender)}<br>{filing.date.year}年{filing.date.month}月{filing.date.day}日</p>')
    parts.append(f'<p class="src">{e(filing.provenance)}</p></body></html>')
    return "".join(parts)


def write(filing: Filing, out_dir, formats=("docx", "pdf")) -> list[Path]:
    """Write the filing as .docx and/or .pdf into ``out_dir``; returns the files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "docx" in formats:
        path = out_dir / f"{filing.name}.docx"
        path.write_bytes(to_docx(filing))
        written.append(path)
    if "pdf" in formats:
        import tempfile

        from . import pdf

        with tempfile.TemporaryDirectory(prefix="opsbook-filing-") as scratch:
            page = Path(scratch) / "filing.html"
            page.write_text(to_html(filing), encoding="utf-8")
            job = pdf.Job(page=page, out=out_dir / f"{filing.name}.pdf", doc_id="", title=filing.title,
                          version="", sensitivity="", header_note=f"{filing.sender}　{filing.date.isoformat()}",
                          footer_note=f"由 opsbook 根据台账生成（{filing.commit or '工作区'}）")
            pdf.print_pages([job], filing.date, controlled=True)
        written.append(job.out)
    return written
