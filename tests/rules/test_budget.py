"""经费管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, case_id, check_case, fired

BUDGET = "registers/budget.yaml"


def _year(data, year):
    return next(b for b in data["budgets"] if b["year"] == year)


def test_quiet_on_sample(sample_result):
    for rule in ("BUD001", "BUD002", "BUD003", "BUD004"):
        assert fired(sample_result, rule) == [], rule


def _drop_categories(d):
    budget = _year(d, 2026)
    budget["items"] = [i for i in budget["items"] if i["category"] not in ("应急保障费用", "人员培训费用")]


CASES = [
    Case("BUD001-fires-without-current-budget", "BUD001", BUDGET,
         lambda d: d["budgets"].remove(_year(d, 2026)),
         [("没有 2026 年度运维预算（budgets 中 year: 2026）", "budgets:")]),
    Case("BUD001-grace-period-in-january", "BUD001", BUDGET,
         lambda d: d["budgets"].remove(_year(d, 2026)), [], as_of=dt.date(2026, 1, 15)),
    Case("BUD001-fires-when-approval-is-after-as-of", "BUD001", BUDGET,
         lambda d: _year(d, 2026).update(approved=dt.date(2026, 12, 1)),
         [("2026 年度运维预算的批准日期 2026-12-01 晚于检查日期 2026-11-21，尚未批准", "approved: 2026-12-01")]),
    Case("BUD002-fires-when-category-missing", "BUD002", BUDGET, _drop_categories,
         [("2026 年度运维预算缺少费用类别：应急保障费用、人员培训费用", "")]),
    Case("BUD002-fires-without-amount", "BUD002", BUDGET,
         lambda d: _year(d, 2025)["items"][3].pop("amount"),
         ["2025 年度运维预算的“应急保障费用”没有预算金额（amount）"]),
    Case("BUD003-fires-without-accounting", "BUD003", BUDGET,
         lambda d: _year(d, 2025).pop("accounting"),
         [("2025 年度运维预算没有核算记录（accounting），应于 2026-03-31 前完成核算", "year: 2025")]),
    Case("BUD003-waits-for-the-accounting-deadline", "BUD003", BUDGET,
         lambda d: _year(d, 2025).pop("accounting"), [], as_of=dt.date(2026, 3, 31)),
    Case("BUD003-fires-without-report", "BUD003", BUDGET,
         lambda d: _year(d, 2025)["accounting"].pop("report"),
         ["2025 年度运维预算的核算缺少：核算报告（report）"]),
    Case("BUD003-fires-without-last-years-budget", "BUD003", BUDGET,
         lambda d: d["budgets"].remove(_year(d, 2025)),
         ["没有 2025 年度运维预算及其核算记录（budgets 中 year: 2025）"]),
    Case("BUD004-fires-without-audit", "BUD004", BUDGET,
         lambda d: _year(d, 2025)["accounting"].pop("audit"),
         [("2025 年度运维预算的核算没有接受审计（accounting.audit），应于 2026-06-30 前完成审计", "")]),
    Case("BUD004-fires-on-unknown-audit", "BUD004", BUDGET,
         lambda d: _year(d, 2025)["accounting"]["audit"].update(inspection="AUD-2026-S09"),
         [("2025 年度核算引用的审计“AUD-2026-S09”不在 registers/inspections.yaml 中", "AUD-2026-S09")]),
    Case("BUD004-fires-when-audit-scope-lacks-budget", "BUD004", BUDGET,
         lambda d: _year(d, 2025)["accounting"]["audit"].update(inspection="AUD-2025"),
         ["2025 年度核算引用的审计 AUD-2025 的检查范围（scope）不含“运维预算和核算”"]),
    Case("BUD004-fires-when-audit-precedes-accounting", "BUD004", BUDGET,
         lambda d: _year(d, 2025)["accounting"]["audit"].update(date=dt.date(2026, 1, 20)),
         ["2025 年度核算的审计日期 2026-01-20 早于核算日期 2026-02-06"]),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)
