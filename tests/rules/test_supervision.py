"""督促检查 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Part, case_id, check_case, findings, fired

INSPECTIONS = "registers/inspections.yaml"


def _record(data, rid):
    return next(r for r in data["inspections"] if r["id"] == rid)


def test_quiet_on_sample(sample_result):
    for rule in ("AUD001", "AUD002", "AUD003", "AUD004", "AUD005", "AUD006", "AUD007"):
        assert fired(sample_result, rule) == [], rule


ORG = "registers/organisation.yaml"
OPS = "registers/operations.yaml"


def _without(rid):
    return lambda d: d["inspections"].remove(_record(d, rid))


def _without_days(*days):
    return lambda d: d.update(daily_checks=[c for c in d["daily_checks"] if c["date"].day not in days])


def _action(rid, finding, change):
    return lambda d: change(_record(d, rid)["findings"][finding]["actions"])


def _drop_scopes(d):
    _record(d, "AUD-2025").pop("scope")
    _record(d, "AUD-2026-S01").pop("scope")


CASES = [
    Case("AUD001-fires-when-a-quarter-is-missing", "AUD001", INSPECTIONS, _without("INS-2026-Q2"),
         [("2026-Q2 季度没有内部检查记录（type: 内部检查，quarter: 2026-Q2）", "inspections:")]),
    # 最早的记录是 2025-Q4；删掉它后仍要求最近四个已结束的季度
    Case("AUD001-looks-back-at-least-four-quarters", "AUD001", INSPECTIONS, _without("INS-2025-Q4"),
         ["2025-Q4 季度没有内部检查记录（type: 内部检查，quarter: 2025-Q4）"]),
    # 季度结束后一个月内完成检查（POL-14 第五条）：10 月 31 日前不报告 2026-Q3
    Case("AUD001-grace-period-after-quarter-end", "AUD001", INSPECTIONS, _without("INS-2026-Q3"), [],
         as_of=dt.date(2026, 10, 31)),
    Case("AUD001-fires-once-the-grace-period-is-over", "AUD001", INSPECTIONS, _without("INS-2026-Q3"),
         [Part("2026-Q3 季度没有内部检查记录")], as_of=dt.date(2026, 11, 1)),
    Case("AUD001-fires-without-report", "AUD001", INSPECTIONS, lambda d: _record(d, "INS-2026-Q1").pop("report"),
         [("2026-Q1 季度的内部检查 INS-2026-Q1 没有检查报告（report）", "INS-2026-Q1")]),
    Case("AUD002-fires-without-annual-audit", "AUD002", INSPECTIONS, _without("AUD-2025"),
         [("2025 年度审计工作中没有信息系统运维管理审计项目（type: 年度审计，year: 2025）", "")]),
    Case("AUD002-grace-period", "AUD002", INSPECTIONS, _without("AUD-2025"), [], as_of=dt.date(2026, 3, 31)),
    Case("AUD002-fires-without-report", "AUD002", INSPECTIONS, lambda d: _record(d, "AUD-2025").pop("report"),
         ["2025 年度运维管理审计 AUD-2025 没有审计报告（report）"]),
    Case("AUD003-fires-when-scope-incomplete", "AUD003", INSPECTIONS,
         lambda d: _record(d, "INS-2026-Q3").update(scope=["制度和流程的执行情况", "整体安全状况"]),
         [("内部检查 INS-2026-Q3 的检查范围缺少：制度和流程的合理性和完整性；文档、配置、数据的有效性；运维人员履职能力",
           "scope:")]),
    Case("AUD003-fires-without-scope-and-ignores-special-audits", "AUD003", INSPECTIONS, _drop_scopes,
         ["审计 AUD-2025 没有记录检查范围（scope）"]),
    Case("AUD004-fires-without-actions", "AUD004", INSPECTIONS,
         lambda d: _record(d, "INS-2026-Q1")["findings"][0].pop("actions"),
         [("INS-2026-Q1 发现的问题 INS-2026-Q1-01 没有纠正性或预防性措施（actions）", "INS-2026-Q1-01")]),
    Case("AUD004-fires-on-action-without-owner-and-due", "AUD004", INSPECTIONS,
         _action("INS-2026-Q3", 1, lambda actions: (actions[0].pop("owner"), actions[0].pop("due"))),
         ["INS-2026-Q3 发现的问题 INS-2026-Q3-02 的第 1 项措施缺少：责任人（owner）、完成期限（due）"]),
    Case("AUD004-fires-on-closed-action-without-date", "AUD004", INSPECTIONS,
         _action("AUD-2025", 0, lambda actions: actions[1].pop("closed")),
         ["AUD-2025 发现的问题 AUD-2025-01 的第 2 项措施已完成，但没有完成日期（closed）"]),
    Case("AUD004-fires-when-owner-has-left", "AUD004", INSPECTIONS,
         _action("INS-2026-Q3", 1, lambda actions: actions[0].update(owner="P020")),
         ["INS-2026-Q3 发现的问题 INS-2026-Q3-02 的第 1 项措施尚未完成，责任人 韩冬（P020） 已不在职"]),
    Case("AUD005-fires-on-overdue-action", "AUD005", INSPECTIONS,
         _action("INS-2026-Q3", 1, lambda actions: actions[0].update(due=dt.date(2026, 11, 15))),
         [("INS-2026-Q3 发现的问题 INS-2026-Q3-02 的第 1 项措施已于 2026-11-15 到期，仍未完成，责任人 赵敏（P006）",
           "2026-11-15", "error")]),
    # 示例中 INS-2026-Q3-02 的措施 2026-12-15 到期：到期当天不报告，次日报告
    Case("AUD005-quiet-on-the-due-date", "AUD005", INSPECTIONS, None, [], as_of=dt.date(2026, 12, 15)),
    Case("AUD005-fires-the-day-after-the-due-date", "AUD005", INSPECTIONS, None,
         [Part("INS-2026-Q3-02 的第 1 项措施已于 2026-12-15 到期")], as_of=dt.date(2026, 12, 16)),
    Case("AUD006-fires-without-daily-check-person", "AUD006", ORG, lambda d: d["responsibilities"].pop("daily_check"),
         [("未指定日常操作每日检查人（responsibilities.daily_check）", "")]),
    Case("AUD006-fires-when-person-has-left", "AUD006", ORG, lambda d: d["responsibilities"].update(daily_check="P020"),
         ["日常操作每日检查人 韩冬（P020） 已不在职"]),
    # -- AUD007 daily checks
    # four days deleted (the deletion of four days in the issue): AUD006 alone (someone appointed) did not notice
    Case("AUD006-quiet-on-missing-days", "AUD006", OPS, _without_days(16, 17, 18, 20), []),
    Case("AUD007-fires-on-missing-days", "AUD007", OPS, _without_days(16, 17, 18, 20),
         [("2026-11-16 至 2026-11-18 的 3 个交易日没有日常操作每日检查记录（检查最近 7 天）", "", "error"),
          ("2026-11-20 没有日常操作每日检查记录（检查最近 7 天）", "", "error")]),
    Case("AUD007-weekends-are-not-required", "AUD007", OPS, None, [], as_of=dt.date(2026, 11, 23)),  # the weekend before Monday
    Case("AUD007-the-check-day-is-not-required", "AUD007", OPS, None, [], as_of=dt.date(2026, 11, 20)),  # checked after close
    # stricter than required: checks on the weekend as well
    Case("AUD007-a-daily-check-on-non-trading-days-too-is-fine", "AUD007", OPS,
         lambda d: d["daily_checks"].extend([{"date": dt.date(2026, 11, 14), "by": "P013", "result": "正常"},
                                             {"date": dt.date(2026, 11, 15), "by": "P013", "result": "正常"}]), []),
    Case("AUD007-quiet-on-the-default-window", "AUD007", ORG, None, []),
    Case("AUD007-window-follows-the-setting", "AUD007", ORG, lambda d: d["settings"].update(daily_check_days=21),
         ["2026-11-02 至 2026-11-06 的 5 个交易日没有日常操作每日检查记录（检查最近 21 天）"]),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_aud001_defers_to_schema_error(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q2").update(date="2026-06-31"))
    assert ws.findings("AUD001") == []
    assert any(f.file == INSPECTIONS for f in ws.check().findings if f.rule == "SCH001")


def test_aud007_fires_on_problem_without_correction_and_departed_checker(ws):
    def change(d):
        d["daily_checks"][7].pop("corrections")
        d["daily_checks"][8]["by"] = "P020"
        d["daily_checks"][9]["by"] = "P014"
    ws.edit_yaml(OPS, change)
    found = sorted(findings(ws, "AUD007"), key=lambda f: f.line)
    assert [(f.severity, f.message) for f in found] == [
        ("error", "2026-11-18 的每日检查发现问题，但没有写明纠正情况（corrections）"),
        ("error", "2026-11-19 的每日检查人 韩冬（P020） 已不在职"),
        ("warning", f"2026-11-20 的每日检查由 {_name(ws, 'P014')}（P014） 完成，不是指定的每日检查人 "
                    f"{_name(ws, 'P013')}（P013）；代为检查的，请在组织台账中写明代理安排")]


def _name(ws, pid):
    return next(p["name"] for p in ws.load_yaml("registers/staff.yaml")["staff"] if p["id"] == pid)


def test_aud007_days_past_the_known_calendar_warn(ws):
    found = findings(ws, "AUD007", as_of=dt.date(2027, 1, 5))
    errors = [f.message for f in found if f.severity == "error"]
    warnings = [f.message for f in found if f.severity == "warning"]
    assert errors == ["2026-12-29 至 2026-12-31 的 3 个交易日没有日常操作每日检查记录（检查最近 7 天）"]
    assert len(warnings) == 1 and "2027-01-01 至 2027-01-04" in warnings[0] and "2027 年的休市安排尚未补录" in warnings[0]
