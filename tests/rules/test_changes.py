"""系统变更 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired


REG = "registers/changes.yaml"
RULES = ("CHG001", "CHG002", "CHG003", "CHG004", "CHG005", "CHG006", "CHG007", "CHG008", "CHG009")


def edit(ws, change_id, fn):
    """Let ``fn(change)`` mutate one change of the register."""
    def change(data):
        (record,) = [c for c in data["changes"] if c["id"] == change_id]
        fn(record)
    ws.edit_yaml(REG, change)


def line_of(ws, text, after=None):
    """The 1-based line of the first line containing ``text`` (after the line containing ``after``)."""
    lines = ws.read(REG).split("\n")
    start = 0
    if after:
        start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- CHG001 roles -------------------------------------------------------------

def test_chg001_fires_on_missing_role(ws):
    edit(ws, "CHG-2026-027", lambda c: c.pop("reviewer"))
    found = ws.findings("CHG001")
    assert [f.message for f in found] == ["变更 CHG-2026-027 未明确角色：复核人（reviewer）"]
    assert found[0].file == REG and found[0].line == line_of(ws, "id: CHG-2026-027")


def test_chg001_fires_on_self_approval(ws):
    edit(ws, "CHG-2026-049", lambda c: c.update(applicant="P002"))
    found = ws.findings("CHG001")
    assert len(found) == 1
    assert "申请人和审批人是同一人 李建国（P002）" in found[0].message
    assert found[0].line == line_of(ws, "approver:", after="id: CHG-2026-049")


def test_chg001_fires_on_self_review(ws):
    edit(ws, "CHG-2026-031", lambda c: c.update(reviewer="P007"))
    assert any("实施人和复核人是同一人 孙浩（P007）" in f.message for f in ws.findings("CHG001"))


def test_chg001_allows_applicant_as_implementer(ws):
    # CHG-2026-012 in the sample: 高翔 applies and implements; only the configured pairs must differ.
    edit(ws, "CHG-2026-027", lambda c: c.update(approver="P001", reviewer="P002"))
    assert ws.findings("CHG001") == []


def test_chg001_separation_follows_settings(ws):
    edit(ws, "CHG-2026-027", lambda c: c.update(reviewer="P002"))  # approver P002 also reviews
    assert ws.findings("CHG001") == []
    ws.edit_yaml("registers/organisation.yaml",
                 lambda d: d["settings"].update(change_role_separation=[["approver", "reviewer"]]))
    assert any("审批人和复核人是同一人" in f.message for f in ws.findings("CHG001"))


def test_chg001_fires_when_pending_change_names_a_leaver(ws):
    edit(ws, "CHG-2026-053", lambda c: c.update(implementer="P020"))
    assert [f.message for f in ws.findings("CHG001")] == ["变更 CHG-2026-053 的实施人 韩冬（P020） 已不在职，请改由在职人员担任"]


# -- CHG002 application --------------------------------------------------------

def test_chg002_fires_on_incomplete_application(ws):
    def drop(c):
        c.pop("contingency")
        c.pop("rollback")
        c["window"].pop("end")
    edit(ws, "CHG-2026-031", drop)
    found = ws.findings("CHG002")
    assert [f.message for f in found] == [
        "变更 CHG-2026-031 的变更方案缺少：应急预案（contingency）、回退方案（rollback）、结束时间（window.end）"]
    assert found[0].line == line_of(ws, "id: CHG-2026-031")


def test_chg002_fires_on_window_ending_before_start(ws):
    edit(ws, "CHG-2026-027", lambda c: c["window"].update(end="2026-06-20 02:00"))
    found = ws.findings("CHG002")
    assert len(found) == 1 and "结束时间 2026-06-20 02:00 不晚于开始时间 2026-06-20 20:00" in found[0].message


def test_chg002_ignores_cancelled_changes(ws):
    # CHG-2026-040 is cancelled and has no full plan in the sample; it must stay quiet even without a window.
    edit(ws, "CHG-2026-040", lambda c: c.pop("window"))
    assert ws.findings("CHG002") == []


# -- CHG003 approval -------------------------------------------------------------

def test_chg003_fires_without_business_risk(ws):
    edit(ws, "CHG-2026-044", lambda c: c["approval"]["risk_assessment"].pop("business"))
    found = ws.findings("CHG003")
    assert [f.message for f in found] == ["变更 CHG-2026-044 的审批缺少：业务风险评估（risk_assessment.business）"]


def test_chg003_fires_when_approved_change_has_no_approval(ws):
    edit(ws, "CHG-2026-053", lambda c: c.pop("approval"))
    assert [f.message for f in ws.findings("CHG003")] == ["变更 CHG-2026-053 状态为“已批准”，但没有审批记录（approval）"]


def test_chg003_quiet_for_pending_application(ws):
    edit(ws, "CHG-2026-054", lambda c: c.pop("approval", None))
    assert ws.findings("CHG003") == []


# -- CHG004 approval before the window ---------------------------------------------

def test_chg004_fires_when_approved_after_window_start(ws):
    edit(ws, "CHG-2026-049", lambda c: c["approval"].update(date="2026-10-24 21:30"))
    found = ws.findings("CHG004")
    assert [f.message for f in found] == [
        "变更 CHG-2026-049 的审批时间 2026-10-24 21:30 不早于实施窗口开始时间 2026-10-24 21:00：变更应在窗口开始前审批"]
    assert found[0].line == line_of(ws, "date: 2026-10-24 21:30")


# -- CHG005 trading hours ---------------------------------------------------------

def test_chg005_fires_in_trading_hours_and_names_the_session(ws):
    edit(ws, "CHG-2026-053", lambda c: c.update(window={"start": "2026-11-26 14:00", "end": "2026-11-26 16:00"}))
    found = ws.findings("CHG005")
    assert [f.message for f in found] == [
        "变更 CHG-2026-053 的实施窗口 2026-11-26 14:00–16:00 与交易时段重叠："
        "2026-11-26（周四）下午交易时段（含盘后固定价格交易） 13:00–15:30；除紧急变更外，不得在交易时段实施变更"]
    assert found[0].line == line_of(ws, "start: 2026-11-26 14:00")


def test_chg005_uses_the_firms_call_auction_hours(ws):
    edit(ws, "CHG-2026-053", lambda c: c.update(window={"start": "2026-11-26 08:00", "end": "2026-11-26 09:20"}))
    assert any("上午交易时段（含开盘集合竞价） 09:15–11:30" in f.message for f in ws.findings("CHG005"))


def test_chg005_quiet_outside_trading_hours(ws):
    # evening of a trading day, the lunch break, a holiday
    for start, end in (("2026-11-26 15:30", "2026-11-26 22:00"), ("2026-11-26 11:30", "2026-11-26 13:00"),
                       ("2026-10-05 09:00", "2026-10-05 17:00")):
        edit(ws, "CHG-2026-053", lambda c: c.update(window={"start": start, "end": end}))
        assert ws.findings("CHG005") == [], (start, end)


def test_chg005_fires_on_actual_implementation_time(ws):
    edit(ws, "CHG-2026-044", lambda c: c["implementation"].update(start="2026-10-09 10:00", end="2026-10-09 10:30"))
    found = ws.findings("CHG005")
    assert len(found) == 1 and "实际实施时间 2026-10-09 10:00–10:30" in found[0].message


def test_chg005_allows_emergency_change_with_reason(sample_result):
    # CHG-2026-035 is an emergency change during the morning session in the sample.
    assert fired(sample_result, "CHG005") == []


def test_chg005_fires_on_emergency_change_without_reason(ws):
    edit(ws, "CHG-2026-035", lambda c: (c.pop("emergency_reason"), c.update(urgency="高")))
    found = ws.findings("CHG005")
    assert [f.message for f in found] == [
        "变更 CHG-2026-035 作为紧急变更在交易时段（2026-08-13（周四）上午交易时段（含开盘集合竞价） 09:15–11:30）实施，"
        "但没有写明紧急变更原因（emergency_reason），紧急程度为“高”而不是“紧急”"]


def test_chg005_fires_when_emergency_flag_removed(ws):
    edit(ws, "CHG-2026-035", lambda c: c.update(emergency=False))
    assert len(ws.findings("CHG005")) == 1


def test_chg005_night_session(ws):
    edit(ws, "CHG-2026-053", lambda c: c.update(window={"start": "2026-11-26 21:30", "end": "2026-11-26 23:00"}))
    assert ws.findings("CHG005") == []  # the sample firm has no night session
    ws.edit_yaml("registers/calendar.yaml", lambda d: d.update(
        night_sessions=[{"name": "商品期货夜盘", "start": "21:00", "end": "02:30"}]))
    found = ws.findings("CHG005")
    assert len(found) == 1 and "2026-11-26（周四）商品期货夜盘 21:00–次日 02:30" in found[0].message


def test_chg005_no_night_session_before_national_day(ws):
    ws.edit_yaml("registers/calendar.yaml", lambda d: d.update(
        night_sessions=[{"name": "商品期货夜盘", "start": "21:00", "end": "02:30"}]))
    edit(ws, "CHG-2026-044", lambda c: (c.update(window={"start": "2026-09-30 20:00", "end": "2026-10-01 06:00"}),
                                        c.pop("implementation")))
    assert ws.findings("CHG005") == []


def test_chg005_beyond_the_known_calendar(ws):
    edit(ws, "CHG-2026-054", lambda c: c.update(window={"start": "2027-01-01 10:00", "end": "2027-01-01 12:00"}))
    found = ws.findings("CHG005")
    # New Year's Day 2027 is not yet announced: unknown, a warning naming the year, never a violation
    assert len(found) == 1 and found[0].severity == "warning"
    assert "2027-01-01" in found[0].message and "2027 年的休市安排尚未补录" in found[0].message
    assert "不得在交易时段实施变更" not in found[0].message
    ws.edit_yaml("registers/calendar.yaml", lambda d: d.update(announced_years=[
        {"year": 2027, "source": "上海证券交易所关于 2027 年部分节假日休市安排的通知", "holidays": [dt.date(2027, 1, 1)]}]))
    assert ws.findings("CHG005") == []


def test_chg005_weekend_beyond_the_known_calendar_is_quiet(ws):
    edit(ws, "CHG-2026-054", lambda c: c.update(window={"start": "2027-01-02 10:00", "end": "2027-01-02 12:00"}))
    assert ws.findings("CHG005") == []  # a Saturday is closed whatever the announcement


def test_chg005_announced_trading_day_beyond_the_package_fires(ws):
    ws.edit_yaml("registers/calendar.yaml", lambda d: d.update(announced_years=[
        {"year": 2027, "source": "上海证券交易所关于 2027 年部分节假日休市安排的通知", "holidays": [dt.date(2027, 1, 1)]}]))
    edit(ws, "CHG-2026-054", lambda c: c.update(window={"start": "2027-01-04 10:00", "end": "2027-01-04 12:00"}))
    found = ws.findings("CHG005")
    assert len(found) == 1 and found[0].severity == "error" and "与交易时段重叠" in found[0].message


# -- CHG006 tests -------------------------------------------------------------------

def test_chg006_fires_without_post_change_test(ws):
    edit(ws, "CHG-2026-031", lambda c: c.update(tests=[t for t in c["tests"] if t["phase"] != "变更后"]))
    assert [f.message for f in ws.findings("CHG006")] == ["变更 CHG-2026-031 已实施，但没有变更后测试的记录（tests 中 phase: 变更后）"]


def test_chg006_fires_without_test_record(ws):
    edit(ws, "CHG-2026-027", lambda c: c["tests"][0].pop("record"))
    assert [f.message for f in ws.findings("CHG006")] == ["变更 CHG-2026-027 的变更前测试缺少测试记录或报告（record）"]


def test_chg006_fires_on_pre_change_test_after_the_change(ws):
    edit(ws, "CHG-2026-027", lambda c: c["tests"][0].update(date=dt.date(2026, 6, 23)))
    assert any("变更前测试日期 2026-06-23 晚于实施窗口开始" in f.message for f in ws.findings("CHG006"))


def test_chg006_quiet_for_approved_change_not_yet_implemented(sample_result):
    # CHG-2026-053 is approved but not implemented and has no tests yet.
    assert not any("CHG-2026-053" in f.message for f in fired(sample_result, "CHG006"))


# -- CHG007 implementation and CMDB -----------------------------------------------------

def test_chg007_fires_without_cmdb_update(ws):
    edit(ws, "CHG-2026-044", lambda c: c.pop("cmdb_updated"))
    assert [f.message for f in ws.findings("CHG007")] == ["变更 CHG-2026-044 已实施，但没有配置库更新记录（cmdb_updated.date）"]


def test_chg007_fires_on_late_cmdb_update(ws):
    edit(ws, "CHG-2026-044", lambda c: c["cmdb_updated"].update(date=dt.date(2026, 10, 20)))
    assert [f.message for f in ws.findings("CHG007")] == [
        "变更 CHG-2026-044 的配置库在 2026-10-20 才更新，距变更结束（2026-10-03）超过 3 天，未及时更新"]


def test_chg007_fires_on_target_missing_from_cmdb_update(ws):
    edit(ws, "CHG-2026-044", lambda c: c["cmdb_updated"].update(items=["CI-OS-TRADE", "CI-SRV-TRADE-01"]))
    assert [f.message for f in ws.findings("CHG007")] == [
        "变更 CHG-2026-044 的变更对象 CI-SRV-TRADE-02 不在配置库更新记录（cmdb_updated.items）中"]


def test_chg007_fires_on_implementation_outside_window(ws):
    edit(ws, "CHG-2026-049", lambda c: c["implementation"].update(end="2026-10-25 03:10"))
    found = ws.findings("CHG007")
    assert len(found) == 1 and "超出批准的窗口 2026-10-24 21:00–2026-10-25 01:00" in found[0].message


def test_chg007_fires_without_implementation_record(ws):
    edit(ws, "CHG-2026-049", lambda c: c.pop("implementation"))
    assert [f.message for f in ws.findings("CHG007")] == ["变更 CHG-2026-049 已实施，但没有实施记录（implementation）"]


def test_chg007_rolled_back_change_needs_no_cmdb_update(ws):
    edit(ws, "CHG-2026-049", lambda c: (c.update(status="已回退"), c.pop("cmdb_updated")))
    assert ws.findings("CHG007") == []


# -- CHG008 / CHG009 review --------------------------------------------------------------

def test_chg008_fires_on_incomplete_review(ws):
    edit(ws, "CHG-2026-049", lambda c: c["review"].pop("cmdb_checked"))
    found = ws.findings("CHG008")
    assert [f.message for f in found] == ["变更 CHG-2026-049 的复核缺少：配置库更新情况（cmdb_checked）"]
    assert found[0].line == line_of(ws, "review:", after="id: CHG-2026-049")


def test_chg008_fires_when_reviewed_without_review(ws):
    edit(ws, "CHG-2026-049", lambda c: c.pop("review"))
    assert [f.message for f in ws.findings("CHG008")] == ["变更 CHG-2026-049 状态为“已复核”，但没有复核记录（review）"]


def test_chg008_fires_on_other_reviewer(ws):
    edit(ws, "CHG-2026-049", lambda c: c["review"].update(reviewer="P004"))
    assert [f.message for f in ws.findings("CHG008")] == [
        "变更 CHG-2026-049 的复核记录由 陈磊（P004） 填写，与变更的复核人 郑凯（P009） 不一致"]


def test_chg009_warns_when_review_is_overdue(ws):
    assert ws.findings("CHG009") == []  # CHG-2026-052 ended 7 days before AS_OF
    found = ws.findings("CHG009", as_of=dt.date(2026, 11, 30))
    assert [f.message for f in found] == ["变更 CHG-2026-052 已于 2026-11-14 实施完成 16 天，尚未复核：复核人 高翔（P015），期限 10 天"]
    assert found[0].severity == "warning"
