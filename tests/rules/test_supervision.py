"""督促检查 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import findings, fired

INSPECTIONS = "registers/inspections.yaml"


def _line(ws, line):
    return ws.read(INSPECTIONS).split("\n")[line - 1]


def _record(data, rid):
    return next(r for r in data["inspections"] if r["id"] == rid)


def test_quiet_on_sample(sample_result):
    for rule in ("AUD001", "AUD002", "AUD003", "AUD004", "AUD005", "AUD006", "AUD007"):
        assert fired(sample_result, rule) == [], rule


def test_aud001_fires_when_a_quarter_is_missing(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: d["inspections"].remove(_record(d, "INS-2026-Q2")))
    found = ws.findings("AUD001")
    assert [f.message for f in found] == ["2026-Q2 季度没有内部检查记录（type: 内部检查，quarter: 2026-Q2）"]
    assert found[0].file == INSPECTIONS and "inspections:" in _line(ws, found[0].line)


def test_aud001_looks_back_at_least_four_quarters(ws):
    # 最早的记录是 2025-Q4；删掉它后仍要求最近四个已结束的季度
    ws.edit_yaml(INSPECTIONS, lambda d: d["inspections"].remove(_record(d, "INS-2025-Q4")))
    assert [f.message for f in ws.findings("AUD001")] == ["2025-Q4 季度没有内部检查记录（type: 内部检查，quarter: 2025-Q4）"]


def test_aud001_grace_period_after_quarter_end(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: d["inspections"].remove(_record(d, "INS-2026-Q3")))
    # 季度结束后一个月内完成检查（POL-14 第五条）：10 月 31 日前不报告 2026-Q3
    assert ws.findings("AUD001", as_of=dt.date(2026, 10, 31)) == []
    assert len(ws.findings("AUD001", as_of=dt.date(2026, 11, 1))) == 1


def test_aud001_fires_without_report(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q1").pop("report"))
    found = ws.findings("AUD001")
    assert [f.message for f in found] == ["2026-Q1 季度的内部检查 INS-2026-Q1 没有检查报告（report）"]
    assert "INS-2026-Q1" in _line(ws, found[0].line)


def test_aud002_fires_without_annual_audit(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: d["inspections"].remove(_record(d, "AUD-2025")))
    found = ws.findings("AUD002")
    assert [f.message for f in found] == ["2025 年度审计工作中没有信息系统运维管理审计项目（type: 年度审计，year: 2025）"]
    assert found[0].file == INSPECTIONS


def test_aud002_grace_period(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: d["inspections"].remove(_record(d, "AUD-2025")))
    assert ws.findings("AUD002", as_of=dt.date(2026, 3, 31)) == []


def test_aud002_fires_without_report(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "AUD-2025").pop("report"))
    assert [f.message for f in ws.findings("AUD002")] == ["2025 年度运维管理审计 AUD-2025 没有审计报告（report）"]


def test_aud003_fires_when_scope_incomplete(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q3").update(scope=["制度和流程的执行情况", "整体安全状况"]))
    found = ws.findings("AUD003")
    assert [f.message for f in found] == [
        "内部检查 INS-2026-Q3 的检查范围缺少：制度和流程的合理性和完整性；文档、配置、数据的有效性；运维人员履职能力"]
    assert "scope:" in _line(ws, found[0].line)


def test_aud003_fires_without_scope_and_ignores_special_audits(ws):
    def change(d):
        _record(d, "AUD-2025").pop("scope")
        _record(d, "AUD-2026-S01").pop("scope")
    ws.edit_yaml(INSPECTIONS, change)
    assert [f.message for f in ws.findings("AUD003")] == ["审计 AUD-2025 没有记录检查范围（scope）"]


def test_aud004_fires_without_actions(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q1")["findings"][0].pop("actions"))
    found = ws.findings("AUD004")
    assert [f.message for f in found] == ["INS-2026-Q1 发现的问题 INS-2026-Q1-01 没有纠正性或预防性措施（actions）"]
    assert "INS-2026-Q1-01" in _line(ws, found[0].line)


def test_aud004_fires_on_action_without_owner_and_due(ws):
    def change(d):
        action = _record(d, "INS-2026-Q3")["findings"][1]["actions"][0]
        action.pop("owner")
        action.pop("due")
    ws.edit_yaml(INSPECTIONS, change)
    assert [f.message for f in ws.findings("AUD004")] == ["INS-2026-Q3 发现的问题 INS-2026-Q3-02 的第 1 项措施缺少：责任人（owner）、完成期限（due）"]


def test_aud004_fires_on_closed_action_without_date(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "AUD-2025")["findings"][0]["actions"][1].pop("closed"))
    assert [f.message for f in ws.findings("AUD004")] == ["AUD-2025 发现的问题 AUD-2025-01 的第 2 项措施已完成，但没有完成日期（closed）"]


def test_aud004_fires_when_owner_has_left(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q3")["findings"][1]["actions"][0].update(owner="P020"))
    assert [f.message for f in ws.findings("AUD004")] == [
        "INS-2026-Q3 发现的问题 INS-2026-Q3-02 的第 1 项措施尚未完成，责任人 韩冬（P020） 已不在职"]


def test_aud005_fires_on_overdue_action(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q3")["findings"][1]["actions"][0].update(due=dt.date(2026, 11, 15)))
    found = ws.findings("AUD005")
    assert [f.message for f in found] == [
        "INS-2026-Q3 发现的问题 INS-2026-Q3-02 的第 1 项措施已于 2026-11-15 到期，仍未完成，责任人 赵敏（P006）"]
    assert found[0].severity == "error" and "2026-11-15" in _line(ws, found[0].line)


def test_aud005_quiet_once_due_date_is_today_or_later(ws):
    # 示例中 INS-2026-Q3-02 的措施 2026-12-15 到期：到期当天不报告，次日报告
    assert ws.findings("AUD005", as_of=dt.date(2026, 12, 15)) == []
    assert len(ws.findings("AUD005", as_of=dt.date(2026, 12, 16))) == 1


def test_aud006_fires_without_daily_check_person(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].pop("daily_check"))
    found = ws.findings("AUD006")
    assert [f.message for f in found] == ["未指定日常操作每日检查人（responsibilities.daily_check）"]
    assert found[0].file == "registers/organisation.yaml"


def test_aud006_fires_when_person_has_left(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].update(daily_check="P020"))
    assert [f.message for f in ws.findings("AUD006")] == ["日常操作每日检查人 韩冬（P020） 已不在职"]


def test_aud001_defers_to_schema_error(ws):
    ws.edit_yaml(INSPECTIONS, lambda d: _record(d, "INS-2026-Q2").update(date="2026-06-31"))
    assert ws.findings("AUD001") == []
    assert any(f.file == INSPECTIONS for f in ws.check().findings if f.rule == "SCH001")


# -- AUD007 daily checks ------------------------------------------------------------------

OPS = "registers/operations.yaml"


def _drop_daily_checks(ws, *days):
    ws.edit_yaml(OPS, lambda d: d.update(daily_checks=[c for c in d["daily_checks"] if c["date"].day not in days]))


def test_aud007_fires_on_missing_days(ws):
    # four days deleted: AUD006 alone (someone appointed) did not notice
    _drop_daily_checks(ws, 16, 17, 18, 20)  # (the deletion of four days in the issue)
    assert findings(ws, "AUD006") == []
    found = findings(ws, "AUD007")
    assert [f.message for f in found] == [
        "2026-11-16 至 2026-11-18 的 3 个交易日没有日常操作每日检查记录（检查最近 7 天）",
        "2026-11-20 没有日常操作每日检查记录（检查最近 7 天）"]
    assert all(f.severity == "error" and f.file == OPS for f in found)


def test_aud007_weekends_and_the_check_day_are_not_required(ws):
    assert findings(ws, "AUD007", as_of=dt.date(2026, 11, 23)) == []  # the weekend before Monday
    assert findings(ws, "AUD007", as_of=dt.date(2026, 11, 20)) == []  # the day itself is checked after close


def test_aud007_a_daily_check_on_non_trading_days_too_is_fine(ws):
    # stricter than required: checks on the weekend as well
    ws.edit_yaml(OPS, lambda d: d["daily_checks"].extend([
        {"date": dt.date(2026, 11, 14), "by": "P013", "result": "正常"},
        {"date": dt.date(2026, 11, 15), "by": "P013", "result": "正常"}]))
    assert findings(ws, "AUD007") == []


def test_aud007_window_follows_the_setting(ws):
    assert len(findings(ws, "AUD007", as_of=dt.date(2026, 11, 21))) == 0
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(daily_check_days=21))
    found = findings(ws, "AUD007")
    assert [f.message for f in found] == ["2026-11-02 至 2026-11-06 的 5 个交易日没有日常操作每日检查记录（检查最近 21 天）"]


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
