"""The inspector's pack: the handbook as committed at a revision, in the files an inspection asks for.

``opsbook pack --rev REV -o DIR`` writes, for one audience:

- ``条款矩阵.xlsx`` and ``条款矩阵.pdf``: each clause's text, how it is met, the rules that enforce it
  and their status, the number of findings, and for register or document clauses what carries them;
- ``发现.xlsx`` and ``findings.json``: every finding the audience may see;
- ``台账/NAME.xlsx``: every register the audience may see, as ``opsbook export xlsx`` writes it;
- ``文档/DOC-ID.pdf``: every document the audience may see, printed from the site's pages;
- ``manifest.json`` and ``SHA256SUMS``: the commit, the dates, and the SHA-256 of every file.

Everything is read from git's object store (the working tree is never read or
changed) and every timestamp in the files is the check date, so the same
revision and date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from . import clauses, engine, xlsx
from .clauses import COVERAGE_ZH, STATUS_ZH
from .findings import SEVERITY_ZH, summarise
from .model import SENSITIVITY_ZH

MATRIX = "条款矩阵"
FINDINGS = "发现"


class PackError(Exception):
    pass


def _materialise(tree, target: Path) -> Path:
    """The tree's files written into ``target`` (for the site generator, which reads a folder)."""
    for rel in tree.paths():
        if tree.is_link(rel):
            continue
        try:
            data = tree.read_bytes(rel)
        except OSError:
            continue
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


def _carried_by(handbook, row, audience) -> str:
    if row["coverage"] == "register" and row["register"]:
        name = row["register"]
        if not audience.register_visible(name):
            return f"{name}（受限台账）"
        lists = [key for key in (row["field"] or "").replace("[]", "").split(",") if key.strip()]
        counts = []
        for key in {k.strip().split(".")[0] for k in lists}:
            records = handbook.records(name, key)
            if records:
                ids = [str(r.id) for r in records if r.id]
                counts.append(f"{key}：{len(records)} 条" + (f"（{'、'.join(ids[:8])}{'…' if len(ids) > 8 else ''}）" if ids else ""))
        return f"registers/{name}.yaml › {row['field']}" + (f"；{'；'.join(sorted(counts))}" if counts else "")
    if row["coverage"] == "document" and row["document"]:
        doc_id, section = clauses.document_ref(row["document"])
        doc = handbook.document(doc_id)
        if doc is None or not audience.document_visible(doc):
            return f"{doc_id}（受限文档）" if doc else f"{doc_id}（不存在）"
        carried = f"{doc.doc_id}《{doc.title}》 版本 {doc.meta.get('version') or '—'}"
        if section:  # the section that meets the clause, as its heading reads
            heading = clauses.section_heading(doc, section)
            carried += f" › {heading.text}" if heading else f" › {section}（文档中没有这一节）"
        return carried
    if row["coverage"] == "manual":
        return row["reason"] or ""
    return ""


def matrix_rows(handbook, result, chapters, audience) -> list[list]:
    by_rule = result.by_rule()
    rows = []
    for row in clauses.matrix(result, chapters):
        found = [f for rule in row["rules"] for f in by_rule.get(rule, []) if audience.finding_visible(f)]
        listed = "\n".join(f"{f.rule} {f.file}:{f.line or 1} {f.message}" for f in found[:5])
        if len(found) > 5:
            listed += f"\n……共 {len(found)} 项，见“发现”"
        waived = sorted({str(_waiver(f)) for f in found if _waiver(f)})
        rows.append([row["id"], " › ".join(row["path"]), row["text"], COVERAGE_ZH.get(row["coverage"], row["coverage"]),
                     "、".join(row["rules"]) or "—", STATUS_ZH.get(row["status"], "—"), listed or "—",
                     "、".join(waived) or "—", _carried_by(handbook, row, audience)])
    return rows


def _waiver(finding):
    """The id of the waiver (例外, registers/waivers.yaml) that covers a finding, or None."""
    return finding.waiver


MATRIX_HEADERS = ["条款", "章节", "条文", "满足方式", "检查规则", "状态", "发现", "豁免", "承载记录或章节"]
FINDING_HEADERS = ["严重性", "规则", "条款", "文件", "行", "说明", "豁免"]


def _matrix_html(title: str, subtitle: str, headers, rows) -> str:
    import html

    e = lambda s: html.escape("" if s is None else str(s), quote=True)  # noqa: E731
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>' + e(title) + "</title><style>"
            "@page{size:A4 landscape}body{font-family:'Noto Sans CJK SC',sans-serif;font-size:8pt;margin:0}"
            "h1{font-size:13pt;margin:0 0 .3em}p{margin:0 0 .6em;color:#444}"
            "table{border-collapse:collapse;width:100%}th,td{border:.5px solid #777;padding:2px 4px;vertical-align:top}"
            "th{background:#e8eef6}thead{display:table-header-group}tr{break-inside:avoid}</style></head><body>"
            f"<h1>{e(title)}</h1><p>{e(subtitle)}</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            "</body></html>")


def build_pack(root, rev: str, out_dir, as_of: dt.date | None = None, audience_level: str = "internal",
               with_pdf: bool = True) -> dict:
    """Write the pack for ``rev`` into ``out_dir`` (new, empty, or a pack written before); returns the manifest."""
    from . import pdf
    from .revision import resolve
    from .site.audience import Audience
    from .tree import TreeError

    try:
        revision = resolve(root, rev)
    except TreeError as exc:
        raise PackError(str(exc)) from None
    as_of = as_of or revision.date
    from .site.build import BuildError
    from .site.stage import MARKER, prepare_output

    try:  # the same rule as the site's output: never the sources, emptied only when empty or opsbook's own
        out = prepare_output(root, out_dir)
    except BuildError as exc:
        raise PackError(str(exc)) from None
    result = engine.check(revision.tree, as_of)
    handbook = result.handbook
    audience = Audience(handbook, audience_level)
    try:
        chapters = clauses.load(revision.tree)
    except clauses.CatalogueError as exc:
        raise PackError(str(exc)) from None
    source = f"提交 {revision.commit}（{rev}）"
    subtitle = (f"{source}；检查日期 {as_of.isoformat()}；读者级别 {SENSITIVITY_ZH.get(audience_level, audience_level)}"
                "；由 opsbook pack 生成")

    rows = matrix_rows(handbook, result, chapters, audience)
    wb = xlsx.new_workbook()
    xlsx.write_table(wb.create_sheet(MATRIX), MATRIX_HEADERS, rows)
    info = wb.create_sheet("说明")
    xlsx.write_table(info, ["项目", "内容"], [["来源", source], ["检查日期", as_of.isoformat()],
                                            ["读者级别", audience_level], ["条款数", len(rows)]])
    (out / f"{MATRIX}.xlsx").write_bytes(xlsx.save(wb, as_of))

    findings = [f for f in result.findings if audience.finding_visible(f)]
    wb = xlsx.new_workbook()
    xlsx.write_table(wb.create_sheet(FINDINGS), FINDING_HEADERS,
                     [[SEVERITY_ZH.get(f.severity, f.severity), f.rule, f.clause or "—", f.file, f.line or 1, f.message,
                       _waiver(f) or "—"] for f in findings])
    (out / f"{FINDINGS}.xlsx").write_bytes(xlsx.save(wb, as_of))
    (out / "findings.json").write_text(json.dumps({"as_of": as_of.isoformat(), "commit": revision.commit,
                                                   "findings": [f.as_dict() for f in findings],
                                                   "summary": summarise(findings)}, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")

    registers_dir = out / "台账"
    registers_dir.mkdir()
    visible, _ = xlsx.exportable(handbook, None, audience_level)
    for register in visible:
        data, _ = xlsx.export(handbook, [register.name], audience_level, when=as_of, source=source)
        (registers_dir / f"{register.name}.xlsx").write_bytes(data)

    if with_pdf:
        docs = [d for d in handbook.docs() if d.doc_id and audience.document_visible(d)]
        scratch = Path(tempfile.mkdtemp(prefix="opsbook-pack-"))
        try:
            tree_dir = _materialise(revision.tree, scratch / "handbook")

            copy = engine.load(tree_dir, as_of)
            copy_docs = [copy.document(d.doc_id) for d in docs]
            pdf.print_documents(copy, copy_docs, out / "文档", audience_level, as_of)
            page = scratch / "matrix.html"
            page.write_text(_matrix_html("JR/T 0099-2012 条款矩阵", subtitle, MATRIX_HEADERS, rows), encoding="utf-8")
            pdf.print_pages([pdf.Job(page=page, out=out / f"{MATRIX}.pdf", doc_id="条款矩阵", title=handbook_title(handbook),
                                     version=revision.commit[:10], sensitivity=SENSITIVITY_ZH.get(audience_level, ""),
                                     header_note=f"提交 {revision.commit[:10]}　·　{SENSITIVITY_ZH.get(audience_level, '')}",
                                     footer_note=f"检查日期 {as_of.isoformat()}")], as_of, controlled=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    files = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER):
        data = path.read_bytes()
        files.append({"path": path.relative_to(out).as_posix(), "bytes": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {"revision": rev, "commit": revision.commit, "revision_date": revision.date.isoformat(),
                "as_of": as_of.isoformat(), "audience": audience_level,
                "summary": summarise(findings), "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "SHA256SUMS").write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in files), encoding="utf-8")
    return manifest


def handbook_title(handbook) -> str:
    root = handbook.root_of("organisation")
    org = root.sub("organisation") if root else None
    return f"{org.get('short_name') or org.get('name')} 信息技术运维" if org else "信息技术运维"
