"""经费管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired

BUDGET = "registers/budget.yaml"


def _line(ws, rel, line):
    return ws.read(rel).split("\n")[line - 1]


def _year(data, year):
    return next(b for b in data["budgets"] if b["year"] == year)


def test_quiet_on_sample(sample_result):
    for rule in ("BUD001", "BUD002", "BUD003", "BUD004"):
        assert fired(sample_result, rule) == [], rule


def test_bud001_fires_without_current_budget(ws):
    ws.edit_yaml(BUDGET, lambda d: d["budgets"].remove(_year(d, 2026)))
    found = ws.findings("BUD001")
    assert [f.message for f in found] == ["没有 2026 年度运维预算（budgets 中 year: 2026）"]
    assert found[0].file == BUDGET and "budgets:" in _line(ws, BUDGET, found[0].line)


def test_bud001_grace_period_in_january(ws):
    ws.edit_yaml(BUDGET, lambda d: d["budgets"].remove(_year(d, 2026)))
    assert ws.findings("BUD001", as_of=dt.date(2026, 1, 15)) == []


def test_bud001_fires_when_approval_is_after_as_of(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2026).update(approved=dt.date(2026, 12, 1)))
    found = ws.findings("BUD001")
    assert [f.message for f in found] == ["2026 年度运维预算的批准日期 2026-12-01 晚于检查日期 2026-11-21，尚未批准"]
    assert "approved: 2026-12-01" in _line(ws, BUDGET, found[0].line)


def test_bud002_fires_when_category_missing(ws):
    def drop(d):
        budget = _year(d, 2026)
        budget["items"] = [i for i in budget["items"] if i["category"] not in ("应急保障费用", "人员培训费用")]
    ws.edit_yaml(BUDGET, drop)
    found = ws.findings("BUD002")
    assert [f.message for f in found] == ["2026 年度运维预算缺少费用类别：应急保障费用、人员培训费用"]
    assert found[0].file == BUDGET


def test_bud002_fires_without_amount(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025)["items"][3].pop("amount"))
    assert [f.message for f in ws.findings("BUD002")] == ["2025 年度运维预算的“应急保障费用”没有预算金额（amount）"]


def test_bud003_fires_without_accounting(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025).pop("accounting"))
    found = ws.findings("BUD003")
    assert [f.message for f in found] == ["2025 年度运维预算没有核算记录（accounting），应于 2026-03-31 前完成核算"]
    assert "year: 2025" in _line(ws, BUDGET, found[0].line)


def test_bud003_waits_for_the_accounting_deadline(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025).pop("accounting"))
    assert ws.findings("BUD003", as_of=dt.date(2026, 3, 31)) == []


def test_bud003_fires_without_report(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025)["accounting"].pop("report"))
    assert [f.message for f in ws.findings("BUD003")] == ["2025 年度运维预算的核算缺少：核算报告（report）"]


def test_bud003_fires_without_last_years_budget(ws):
    ws.edit_yaml(BUDGET, lambda d: d["budgets"].remove(_year(d, 2025)))
    assert [f.message for f in ws.findings("BUD003")] == ["没有 2025 年度运维预算及其核算记录（budgets 中 year: 2025）"]


def test_bud004_fires_without_audit(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025)["accounting"].pop("audit"))
    found = ws.findings("BUD004")
    assert [f.message for f in found] == ["2025 年度运维预算的核算没有接受审计（accounting.audit），应于 2026-06-30 前完成审计"]
    assert found[0].file == BUDGET


def test_bud004_fires_on_unknown_audit(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025)["accounting"]["audit"].update(inspection="AUD-2026-S09"))
    found = ws.findings("BUD004")
    assert [f.message for f in found] == ["2025 年度核算引用的审计“AUD-2026-S09”不在 registers/inspections.yaml 中"]
    assert "AUD-2026-S09" in _line(ws, BUDGET, found[0].line)


def test_bud004_fires_when_audit_scope_lacks_budget(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025)["accounting"]["audit"].update(inspection="AUD-2025"))
    assert [f.message for f in ws.findings("BUD004")] == ["2025 年度核算引用的审计 AUD-2025 的检查范围（scope）不含“运维预算和核算”"]


def test_bud004_fires_when_audit_precedes_accounting(ws):
    ws.edit_yaml(BUDGET, lambda d: _year(d, 2025)["accounting"]["audit"].update(date=dt.date(2026, 1, 20)))
    assert [f.message for f in ws.findings("BUD004")] == ["2025 年度核算的审计日期 2026-01-20 早于核算日期 2026-02-06"]
