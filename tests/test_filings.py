"""Documents to file with the regulator, from the registers: content, sources, Word files read back."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from checks import engine, filings
from checks.cli import main

from conftest import AS_OF


@pytest.fixture
def handbook(ws):
    return engine.load(ws.root, AS_OF)


def _cells(filing, index=0):
    tables = [b for b in filing.blocks if b[0] == "table"]
    return tables[index]


def test_the_yearly_drill_report_from_the_drills_register(handbook):
    report = filings.drill_report(handbook, 2026, "提交 0123456789")
    assert report.to == "中国证券监督管理委员会上海监管局"
    assert report.title == "关于2026年度应急演练情况的报告"
    _, headers, rows = _cells(report, 0)
    assert [r[0] for r in rows] == ["DRL-2026-01", "DRL-2026-02"]  # held drills only: DRL-2026-03 is planned
    assert "行情切换 3 分 20 秒" in rows[0][-1]
    _, _, issues = _cells(report, 1)
    assert len(issues) == 4 and sum(1 for r in issues if r[-1] == "整改中") == 2
    assert any("2026年共组织应急演练 2 次，其中上半年 1 次、下半年 1 次" in b[1] for b in report.blocks if b[0] == "p")
    assert "registers/drills.yaml（drills：DRL-2026-01、DRL-2026-02" in report.provenance
    assert "提交 0123456789" in report.provenance


def test_a_half_year_without_a_drill_is_said(ws):
    ws.replace("registers/drills.yaml", "date: 2026-04-18", "date: 2026-07-18")
    report = filings.drill_report(engine.load(ws.root, AS_OF), 2026)
    assert any("上半年 0 次" in b[1] and "未做到每半年至少一次" in b[1] for b in report.blocks if b[0] == "p")


def test_incident_reports_of_every_kind(handbook):
    initial = filings.incident_report(handbook, "INC-2026-001", "initial")
    summary = filings.incident_report(handbook, "INC-2026-001", "summary")
    assert initial.title.endswith("初报") and summary.title.endswith("事件总结报告")
    flat = str(summary.blocks)
    assert "行情服务器网卡驱动缺陷" in flat and "升级行情服务器网卡驱动至厂商修复版本" in flat
    assert "网卡驱动缺陷" not in str(initial.blocks)
    assert "registers/incidents.yaml（incidents：INC-2026-001）" in summary.provenance
    for kind in ("follow-up", "supplementary"):
        assert filings.incident_report(handbook, "INC-2026-001", kind).blocks
    with pytest.raises(filings.FilingError, match="INC-2099-001"):
        filings.incident_report(handbook, "INC-2099-001", "initial")


def test_the_plan_filing_cover_sheet(handbook):
    sheet = filings.plan_filing(handbook)
    rows = dict((r[0], r[1]) for r in _cells(sheet, 0)[2])
    assert rows["预案编号"] == "PLN-01" and rows["版本"] == "5.1" and rows["报备原因"] == "其他"
    assert rows["上次报备"] == "2026-04-03，版本 5.0"
    assert [r[0] for r in _cells(sheet, 1)[2]] == ["5.1"]  # what changed since the filed version
    assert "docs/plans/emergency-plan.md" in sheet.provenance


def test_a_new_major_version_is_a_material_change(ws):
    ws.replace("docs/plans/emergency-plan.md", 'version: "5.1"', 'version: "6.0"')
    rows = dict((r[0], r[1]) for r in _cells(filings.plan_filing(engine.load(ws.root, AS_OF)), 0)[2])
    assert rows["版本"] == "6.0" and rows["报备原因"] == "重大变化"


def test_word_files_read_back_and_are_reproducible(ws, tmp_path, capsys):
    args = ["--root", str(ws.root), "report", "drills", "--year", "2025", "--format", "docx",
            "--as-of", AS_OF.isoformat(), "-o", str(tmp_path / "a")]
    assert main(args) == 0
    path = tmp_path / "a" / "2025年度应急演练情况报告.docx"
    document = docx.Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于2025年度应急演练情况的报告" in text and "registers/drills.yaml" in text
    table_text = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "DRL-2025-01" in table_text
    assert document.core_properties.created.date() == AS_OF
    args[-1] = str(tmp_path / "b")
    assert main(args) == 0
    assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert {i.date_time[:3] for i in archive.infolist()} == {(2026, 11, 21)}


def test_values_are_escaped_in_the_printed_page(ws):
    ws.replace("registers/drills.yaml", "title: 行情中断与网络专线切换演练", "title: <script>alert(1)</script>")
    page = filings.to_html(filings.drill_report(engine.load(ws.root, AS_OF), 2026))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_control_characters_in_a_register_do_not_break_the_word_file(ws, tmp_path):
    ws.replace("registers/drills.yaml", "title: 行情中断与网络专线切换演练", 'title: "行情\\x01中断\\x1b演练"')
    report = filings.drill_report(engine.load(ws.root, AS_OF), 2026)
    path = tmp_path / "r.docx"
    path.write_bytes(filings.to_docx(report))
    cells = [c.text for t in docx.Document(path).tables for row in t.rows for c in row.cells]
    assert "行情\ufffd中断\ufffd演练" in cells
