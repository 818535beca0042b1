"""应急处置 rules (RSP): each fires on a broken copy and stays quiet on the sample."""

from conftest import fired, findings, line_of, messages

INC = "registers/incidents.yaml"
RULES = tuple(f"RSP{n:03d}" for n in range(1, 12))


def incident(ident):
    """A change to one incident, for ws.edit_yaml."""
    def edit(fn):
        def change(d):
            fn(next(i for i in d["incidents"] if i["id"] == ident))
        return change
    return edit


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- RSP001 / RSP002 alerts -------------------------------------------------------------

def test_rsp001_fires_on_unverified_alert_without_measures(ws):
    def change(d):
        d["alerts"][1].pop("verified")
        d["alerts"][1].pop("measures")
    ws.edit_yaml(INC, change)
    found = findings(ws, "RSP001")
    assert sorted(f.message for f in found) == ["预警 ALT-2026-02（核心存储控制器 B 缓存电池告警）没有记录核实时间（verified）",
                                                 "预警 ALT-2026-02（核心存储控制器 B 缓存电池告警）没有记录防范措施（measures）"]
    assert found[0].line == line_of(ws, INC, "id: ALT-2026-02")


def test_rsp001_fires_on_important_alert_not_reported(ws):
    ws.edit_yaml(INC, lambda d: d["alerts"][1].update(important=True))
    assert messages(ws, "RSP001") == ["预警 ALT-2026-02（核心存储控制器 B 缓存电池告警）是重要情况，但没有预警报告记录（reports）"]


def test_rsp002_fires_when_lifting_not_reported(ws):
    ws.edit_yaml(INC, lambda d: d["alerts"][0].pop("lift_reports"))
    found = findings(ws, "RSP002")
    assert [f.message for f in found] == ["预警 ALT-2026-01 已解除，但没有解除预警报告（lift_reports）"]
    assert found[0].line == line_of(ws, INC, 'lifted: 2026-07-30 09:00')


def test_rsp002_fires_when_lifting_reported_elsewhere(ws):
    ws.edit_yaml(INC, lambda d: d["alerts"][0]["lift_reports"][0].update(to="上海证券交易所"))
    assert messages(ws, "RSP002") == ["预警 ALT-2026-01 解除后没有向中国证券监督管理委员会上海监管局报告；应按预警报告的相同路径报告"]


# -- RSP003–RSP007 handling ---------------------------------------------------------------

def test_rsp003_fires_without_activation_or_recovery(ws):
    ws.edit_yaml(INC, incident("INC-2026-001")(lambda i: i.pop("plan_activated")))
    ws.edit_yaml(INC, incident("INC-2026-002")(lambda i: i.pop("recovered")))
    assert messages(ws, "RSP003") == [
        "事件 INC-2026-001（行情系统行情转发延迟）没有记录启动应急预案的时间（plan_activated）",
        "事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）状态为已关闭，但没有记录恢复时间（recovered）",
    ]


def test_rsp003_fires_on_times_out_of_order(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(plan_activated="2026-11-10 13:40")))
    assert messages(ws, "RSP003") == ["事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）启动应急预案的时间 "
                                      "2026-11-10 13:40 早于发现时间 2026-11-10 13:47：请核对两个时间"]


def test_rsp_rules_skip_ordinary_incidents(ws):
    # INC-2026-003 (security_event: false) has none of these records; marking another incident ordinary
    # silences the rules for it too.
    def change(i):
        i.update(security_event=False)
        for key in ("plan_activated", "on_duty", "progress", "announcements", "reports", "evidence"):
            i.pop(key)
    ws.edit_yaml(INC, incident("INC-2026-001")(change))
    for rule in RULES:
        assert findings(ws, rule) == [], rule


def test_rsp004_fires_without_duty(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.pop("on_duty")))
    found = findings(ws, "RSP004")
    assert [f.message for f in found] == ["事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）没有记录处置期间的专人值班（on_duty）"]
    assert found[0].line == line_of(ws, INC, "id: INC-2026-004")


def test_rsp004_fires_on_someone_on_leave_recorded_as_on_duty(ws):
    # before: any names passed; 陈磊（P004） was away on training 2026-11-09 .. 11-13 when INC-2026-004 struck
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i["on_duty"].insert(1, "P004")))
    found = findings(ws, "RSP004")
    assert [f.message for f in found] == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）记录的处置期间值班人员 陈磊（P004） 当时培训"
        "（registers/duty.yaml 的 leaves：2026-11-09 至 2026-11-13），不在岗：on_duty 应写实际在岗值班的人员，如其代岗人 郑凯（P009）"]
    assert found[0].file == INC


def test_rsp004_a_short_absence_counts_only_when_it_overlaps_the_response(ws):
    # 赵敏（P006） was away 2026-11-19 14:00-17:00: an incident from 13:00 to 13:50 that day is not affected
    def at_noon(i):
        i.update(detected="2026-11-19 13:00", plan_activated="2026-11-19 13:05", recovered="2026-11-19 13:50")
        i["on_duty"].append("P006")
    ws.edit_yaml(INC, incident("INC-2026-004")(at_noon))
    assert findings(ws, "RSP004") == []
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(recovered="2026-11-19 14:30")))
    assert [f.message.split("当时")[1][:2] for f in findings(ws, "RSP004")] == ["离岗"]


def test_rsp005_fires_without_progress(ws):
    ws.edit_yaml(INC, incident("INC-2026-002")(lambda i: i.pop("progress")))
    assert messages(ws, "RSP005") == ["事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）没有处置进展通报记录（progress）"]


def test_rsp006_fires_without_investor_announcement(ws):
    ws.edit_yaml(INC, incident("INC-2026-001")(lambda i: i.pop("announcements")))
    assert messages(ws, "RSP006") == ["事件 INC-2026-001（行情系统行情转发延迟）影响投资者，但没有向投资者说明的记录（announcements）"]


def test_rsp006_fires_on_late_announcement(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(announcements=[{"time": "2026-11-12 09:00", "channel": "官网公告"}])))
    assert messages(ws, "RSP006") == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）于 2026-11-10 13:47 发现，向投资者的首次说明在 "
        "2026-11-12 09:00，间隔 43 小时 13 分钟，超过 30 分钟（settings.investor_notice_minutes），不够及时"]
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(investor_impact=False)))
    assert findings(ws, "RSP006") == []


def test_rsp006_an_announcement_two_hours_later_is_late_though_within_a_day(ws):
    # the old check (no later than a day after recovery) let this pass
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(announcements=[{"time": "2026-11-10 15:47", "channel": "官网公告"}])))
    (message,) = messages(ws, "RSP006")
    assert "间隔 2 小时，超过 30 分钟" in message
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(announcements=[{"time": "2026-11-10 13:50", "channel": "官网公告"}])))
    assert findings(ws, "RSP006") == []  # three minutes: well within


def test_rsp007_fires_without_evidence(ws):
    ws.edit_yaml(INC, incident("INC-2026-001")(lambda i: i.pop("evidence")))
    ws.edit_yaml(INC, incident("INC-2026-002")(lambda i: (i.pop("evidence"), i.pop("record"))))
    assert messages(ws, "RSP007") == [
        "事件 INC-2026-001（行情系统行情转发延迟）没有登记证据（evidence）",
        "事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）没有登记应急处置记录（record）和证据（evidence）",
    ]


# -- RSP008 / RSP009 reporting -----------------------------------------------------------------

def test_rsp008_fires_when_regulator_not_told(ws):
    ws.edit_yaml(INC, incident("INC-2026-002")(lambda i: i.update(reports=[r for r in i["reports"] if r["to"] == "上海证券交易所"])))
    found = findings(ws, "RSP008")
    assert [f.message for f in found] == [
        "事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）没有向中国证券监督管理委员会上海监管局报告的记录（只报告了上海证券交易所）"]
    assert found[0].line == line_of(ws, INC, "id: INC-2026-002")


def test_rsp008_not_reportable_needs_a_reason(ws):
    ws.edit_yaml(INC, incident("INC-2026-001")(lambda i: (i.pop("reports"), i.update(reportable=False))))
    assert messages(ws, "RSP008") == ["事件 INC-2026-001（行情系统行情转发延迟）标为无须报告，但没有说明理由（not_reportable_reason）"]
    ws.edit_yaml(INC, incident("INC-2026-001")(lambda i: i.update(not_reportable_reason="未达到监管规定的报告标准")))
    assert findings(ws, "RSP008") == []


def test_rsp009_fires_without_report_after_recovery(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(reports=i["reports"][:1])))
    found = findings(ws, "RSP009")
    assert [f.message for f in found] == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）于 2026-11-10 14:09 恢复，但之后没有向中国证券监督管理委员会上海监管局报告恢复情况"]
    assert found[0].line == line_of(ws, INC, "reports:", after="id: INC-2026-004")


def test_rsp009_core_institution_reports_to_csrc(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].update(type="核心机构"))
    assert len(findings(ws, "RSP008")) == 3  # the sample reports to 上海证监局
    assert findings(ws, "RSP009") == []  # nothing reported to the CSRC, so nothing to continue


# -- RSP010 reported in time --------------------------------------------------------------------

def _first_report(time):
    def fn(i):
        i["reports"][0]["time"] = time
    return fn


def test_rsp010_fires_on_a_late_first_report(ws):
    # the first report three hours after discovery (the written report after it): RSP008 (a report exists) does not notice
    def late(i):
        i["reports"][0]["time"] = "2026-11-10 16:47"
        i["reports"][1]["time"] = "2026-11-10 17:30"
    ws.edit_yaml(INC, incident("INC-2026-004")(late))
    assert findings(ws, "RSP008") == []
    found = findings(ws, "RSP010")
    assert [f.message for f in found] == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）于 2026-11-10 13:47 发现，"
        "首次向中国证券监督管理委员会上海监管局报告在 2026-11-10 16:47，间隔 3 小时，超过 30 分钟的报告时限"
        "（settings.incident_report_minutes），属于迟报"]
    assert found[0].line == line_of(ws, INC, '2026-11-10 16:47')


def test_rsp010_quiet_within_the_limit_and_on_an_early_report(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(_first_report("2026-11-10 14:17")))  # exactly 30 minutes
    assert findings(ws, "RSP010") == []
    ws.edit_yaml(INC, incident("INC-2026-004")(_first_report("2026-11-10 13:48")))  # stricter: within a minute
    assert findings(ws, "RSP010") == []


def test_rsp010_follows_a_stricter_setting(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(incident_report_minutes=15))
    found = messages(ws, "RSP010")
    # INC-2026-001 (24 minutes) and INC-2026-002 (21 minutes) are late under 15 minutes; INC-2026-004 (13) is not
    assert len(found) == 2 and all("超过 15 分钟的报告时限" in m for m in found)


def test_rsp010_setting_cannot_be_looser_than_the_plan(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(incident_report_minutes=240))
    assert any(f.rule == "SCH001" and "incident_report_minutes" in f.message
               for f in ws.check().findings if f.file == "registers/organisation.yaml")


def test_rsp010_fires_on_report_before_discovery(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(_first_report("2026-11-10 13:30")))
    assert messages(ws, "RSP010") == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）首次向中国证券监督管理委员会上海监管局报告的时间 "
        "2026-11-10 13:30 早于发现时间 2026-11-10 13:47，请核对时间"]


# -- RSP011 progress cadence ---------------------------------------------------------------------

def test_rsp011_fires_on_a_long_silence_during_response(ws):
    # INC-2026-002: drop the 10:15 notice, leaving 09:45 -> 10:30 (recovered 10:25) without a word
    ws.edit_yaml(INC, incident("INC-2026-002")(lambda i: i["progress"].pop(1)))
    assert findings(ws, "RSP005") == []  # a notice exists: the old check is satisfied
    assert messages(ws, "RSP011") == [
        "事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）在 2026-03-16 09:45 之后到恢复之间 40 分钟没有通报处置进展，"
        "超过 30 分钟（settings.progress_report_minutes）"]


def test_rsp011_fires_without_a_notice_after_recovery(ws):
    ws.edit_yaml(INC, incident("INC-2026-001")(lambda i: i["progress"].pop(1)))
    assert messages(ws, "RSP011") == ["事件 INC-2026-001（行情系统行情转发延迟）于 2026-01-15 10:49 恢复，但恢复后没有通报"]


def test_rsp011_quiet_with_more_frequent_notices(ws):
    ws.edit_yaml(INC, incident("INC-2026-002")(lambda i: i["progress"].extend([
        {"time": "2026-03-16 09:55", "to": "应急领导小组", "summary": "数据库 I/O 延迟，正在排查存储"},
        {"time": "2026-03-16 10:05", "to": "应急领导小组", "summary": "准备切换"}])))
    assert findings(ws, "RSP011") == []


# -- RSP001 verified as soon as possible -----------------------------------------------------------

def _alert(ident, fn):
    def change(d):
        fn(next(a for a in d["alerts"] if a["id"] == ident))
    return change


def test_rsp001_fires_on_a_slow_verification(ws):
    ws.edit_yaml(INC, _alert("ALT-2026-02", lambda a: a.update(verified="2026-10-15 23:40")))
    assert messages(ws, "RSP001") == [
        "预警 ALT-2026-02（核心存储控制器 B 缓存电池告警）于 2026-10-15 21:10 发现，2026-10-15 23:40 才核实，"
        "用时 2 小时 30 分钟，超过 30 分钟（settings.alert_verification_minutes），未做到尽快核实"]


def test_rsp001_quiet_on_a_quick_verification(ws):
    ws.edit_yaml(INC, _alert("ALT-2026-02", lambda a: a.update(verified="2026-10-15 21:12")))
    assert findings(ws, "RSP001") == []


# -- RSP003 plan activated at once ------------------------------------------------------------------

def test_rsp003_fires_on_a_plan_activated_late(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(plan_activated="2026-11-10 14:30")))
    assert messages(ws, "RSP003") == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）于 2026-11-10 13:47 发现，2026-11-10 14:30 "
        "才启动应急预案，用时 43 分钟，超过 15 分钟（settings.plan_activation_minutes），不是立即启动"]


def test_rsp003_quiet_when_activated_within_minutes(ws):
    ws.edit_yaml(INC, incident("INC-2026-004")(lambda i: i.update(plan_activated="2026-11-10 13:47")))
    assert findings(ws, "RSP003") == []
