"""监控分析 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired

from checks.rules.monitoring import INDICATORS

MON = "registers/monitoring.yaml"
OPS = "registers/operations.yaml"
RULES = tuple(f"MON{n:03d}" for n in range(1, 13))


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def line_after(ws, rel, anchor, text):
    """The first line containing ``text`` after the line containing ``anchor``."""
    start = line_of(ws, rel, anchor)
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if number > start and text in line:
            return number
    raise AssertionError(f"{text!r} not after {anchor!r} in {rel}")


def edit_object(ws, object_id, change):
    def edit(data):
        change(next(o for o in data["objects"] if o["id"] == object_id))
    ws.edit_yaml(MON, edit)


def messages(ws, rule, **kw):
    return sorted(f.message for f in ws.findings(rule, **kw))


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def test_indicator_table_is_the_standards_text():
    standard = {
        "机房": "电力状态、空调运行状态、消防设施状态、温湿度、漏水、人员及设备进出",
        "网络与通信": "设备运行状态、中央处理器使用率、通信连接状态、网络流量、核心节点间网络延时、丢包率",
        "主机": "设备运行状态、中央处理器使用率、内存利用率、磁盘空间利用率、通信端口状态",
        "存储": "设备运行状态、数据交换延时、存储电池状态",
        "安全设备": "设备运行状态、中央处理器使用率、内存利用率、端口状态、数据流量、并发连接数、安全事件记录情况",
        "数据库": "日志信息、表空间使用率、连接数",
        "核心交易业务相关的应用系统": "进程的活动状态、日志信息、中央处理器使用率、内存利用率、并发线程数量、并发处理量、关键业务指标",
        "门户网站": "网页内容、日均访问量",
    }
    assert {k: "、".join(v) for k, v in INDICATORS.items()} == standard


# -- MON001 key objects ------------------------------------------------------------------

def test_mon001_fires_on_missing_category(ws):
    ws.edit_yaml(MON, lambda d: d.update(objects=[o for o in d["objects"] if o["category"] != "存储"]))
    assert messages(ws, "MON001") == ["没有监控“存储”类关键对象（objects 中 category: 存储）",
                                      "配置项 核心存储（CI-STO-01） 没有纳入任何监控对象"]
    assert {f.line for f in ws.findings("MON001")} == {line_of(ws, MON, "objects:")}


def test_mon001_portal_only_when_the_firm_has_one(ws):
    ws.edit_yaml(MON, lambda d: d.update(objects=[o for o in d["objects"] if o["category"] != "门户网站"]))
    assert messages(ws, "MON001") == ["没有监控“门户网站”类关键对象（objects 中 category: 门户网站）",
                                      "配置项 门户网站（CI-APP-PORTAL） 没有纳入任何监控对象"]
    ws.edit_yaml(MON, lambda d: d.update(has_portal=False))
    assert messages(ws, "MON001") == ["配置项 门户网站（CI-APP-PORTAL） 没有纳入任何监控对象"]


def test_mon001_fires_on_unknown_tool_and_missing_targets(ws):
    def change(obj):
        obj["tools"] = ["MT-09"]
        obj.pop("devices")
    edit_object(ws, "MON-ROOM", change)
    assert messages(ws, "MON001") == [
        "监控对象“主机房动力环境”（MON-ROOM）使用的监控工具 MT-09 未在 tools 中登记",
        "监控对象“主机房动力环境”（MON-ROOM）没有写明监控的配置项（cis）、设备（devices）或通信线路（lines）",
    ]


def test_mon001_fires_without_tools(ws):
    ws.edit_yaml(MON, lambda d: d.pop("tools"))
    assert messages(ws, "MON001") == ["没有登记监控和报警工具（tools）"]


# -- MON002 indicators ---------------------------------------------------------------------

def test_mon002_fires_on_missing_indicator(ws):
    edit_object(ws, "MON-LINE", lambda o: o["indicators"].remove("丢包率"))
    found = ws.findings("MON002")
    assert [f.message for f in found] == ["监控对象“交易所、行情和银行专线”（MON-LINE）缺少“网络与通信”类主要监控指标：丢包率"]
    assert found[0].file == MON and found[0].line == line_after(ws, MON, "id: MON-LINE", "indicators:")


def test_mon002_other_category_needs_no_list(ws):
    edit_object(ws, "MON-APP", lambda o: o.update(category="其他", indicators=["进程的活动状态"]))
    assert ws.findings("MON002") == []


# -- MON003 alerts ---------------------------------------------------------------------------

def test_mon003_fires_without_alerts(ws):
    edit_object(ws, "MON-DB", lambda o: o.pop("alerts"))
    found = ws.findings("MON003")
    assert [f.message for f in found] == ["监控对象“交易数据库”（MON-DB）没有配置报警方式（alerts：声光、电话、短信、邮件等）"]
    assert found[0].line == line_of(ws, MON, "id: MON-DB")


# -- MON004 24 hours ---------------------------------------------------------------------------

NAMES = "集中交易系统（CI-APP-TRADE）、网上交易系统（CI-APP-ONLINE）、融资融券系统（CI-APP-MARGIN）、行情系统（CI-APP-QUOTE）、清算系统（CI-APP-CLEAR）"


def edit_24h(ws, change):
    ws.edit_yaml(MON, lambda d: change(d["trading_monitoring"][0]))


def test_mon004_fires_without_auto_alerting(ws):
    edit_24h(ws, lambda e: e["off_hours"].update(auto_alerting=False))
    found = ws.findings("MON004")
    assert [f.message for f in found] == [f"{NAMES} 交易时段以外没有人工监控，也没有开启自动报警系统"]
    assert found[0].line == line_of(ws, MON, "off_hours:")


def test_mon004_manual_off_hours_is_enough(ws):
    edit_24h(ws, lambda e: e.update(off_hours={"manual": True}))
    assert ws.findings("MON004") == []


def test_mon004_fires_on_watchers(ws):
    edit_24h(ws, lambda e: e["trading_hours"].update(watchers=["P017", "P020"]))
    assert messages(ws, "MON004") == [f"{NAMES} 交易时段的监控人员 韩冬（P020） 已不在职"]
    edit_24h(ws, lambda e: e["trading_hours"].pop("watchers"))
    assert messages(ws, "MON004") == [f"{NAMES} 交易时段没有指定监控人员（trading_hours.watchers）"]


def test_mon004_fires_on_uncovered_trading_system(ws):
    edit_24h(ws, lambda e: e["systems"].remove("CI-APP-CLEAR"))
    found = ws.findings("MON004")
    assert [f.message for f in found] == ["交易业务系统 清算系统（CI-APP-CLEAR） 没有登记 24 小时监控安排（trading_monitoring）"]
    assert found[0].line == line_of(ws, MON, "trading_monitoring:")


def _mon_app(ws, change):
    ws.edit_yaml(MON, lambda d: change(next(o for o in d["objects"] if o["id"] == "MON-APP")))


def test_mon004_auto_flags_need_a_monitoring_object_that_watches_the_system(ws):
    # the flags say "automatic", but no monitoring object watches the clearing system any more
    _mon_app(ws, lambda o: o["cis"].remove("CI-APP-CLEAR"))
    assert messages(ws, "MON004") == [
        "清算系统（CI-APP-CLEAR） 交易时段以外依靠自动监控（auto_monitoring: true），"
        "但它不是任何配备了监控工具的监控对象（objects 的 cis、tools）"]


def test_mon004_auto_alerting_must_reach_someone_away_from_the_screen(ws):
    _mon_app(ws, lambda o: o.update(alerts=["声光", "邮件"]))
    found = messages(ws, "MON004")
    assert len(found) == 5 and all("报警方式只有声光、邮件，无人值守时通知不到备勤人员" in m for m in found)


def test_mon004_instant_messaging_alone_reaches_the_standby(ws):
    _mon_app(ws, lambda o: o.update(alerts=["即时消息"]))
    assert messages(ws, "MON004") == []


# -- MON005 patrol system ------------------------------------------------------------------------

def edit_route(ws, index, change):
    ws.edit_yaml(MON, lambda d: change(d["patrol"]["routes"][index]))


def test_mon005_fires_on_missing_content(ws):
    edit_route(ws, 0, lambda r: r["content"].remove("消防"))
    edit_route(ws, 1, lambda r: r["content"].remove("通信"))
    found = ws.findings("MON005")
    assert [f.message for f in found] == ["人工巡检内容没有覆盖：消防、通信"]
    assert found[0].line == line_of(ws, MON, "routes:")


def test_mon005_fires_on_people(ws):
    edit_route(ws, 1, lambda r: r.update(people=["P004", "P020"]))
    edit_route(ws, 0, lambda r: r.pop("frequency"))
    assert messages(ws, "MON005") == ["巡检路线“机房设施巡检”没有规定巡检频度", "巡检路线“设备运行状况巡检”的巡检人员 韩冬（P020） 已不在职"]


def test_mon005_fires_without_patrol(ws):
    ws.edit_yaml(MON, lambda d: d.pop("patrol"))
    assert messages(ws, "MON005") == ["没有登记人工巡检制度的巡检路线（patrol.routes）"]


# -- MON006 patrol records --------------------------------------------------------------------------

def drop_patrol(day, route):
    return lambda d: d.update(patrols=[p for p in d["patrols"] if not (p["date"] == day and p["route"] == route)])


def test_mon006_fires_on_missing_day(ws):
    ws.edit_yaml(OPS, drop_patrol(dt.date(2026, 11, 18), "room"))
    ws.edit_yaml(OPS, drop_patrol(dt.date(2026, 11, 19), "room"))
    ws.edit_yaml(OPS, drop_patrol(dt.date(2026, 11, 19), "devices"))
    found = ws.findings("MON006")
    assert sorted(f.message for f in found) == sorted([
        "巡检路线“机房设施巡检”2026-11-18 至 2026-11-19 没有巡检记录（检查最近 7 天）",
        "巡检路线“设备运行状况巡检”2026-11-19 没有巡检记录（检查最近 7 天）",
    ])
    assert {f.file for f in found} == {OPS} and {f.line for f in found} == {line_of(ws, OPS, "patrols:")}


def test_mon006_trading_day_routes_skip_weekends(ws):
    # the sample has no device patrol on 2026-11-14/15 (weekend): quiet; as of 2026-11-24 the window
    # 11-17 … 11-23 needs room patrols on 11-22 and 11-23 and a device patrol on Monday 11-23
    assert sorted(f.message for f in ws.findings("MON006", as_of=dt.date(2026, 11, 24))) == sorted([
        "巡检路线“机房设施巡检”2026-11-22 至 2026-11-23 没有巡检记录（检查最近 7 天）",
        "巡检路线“设备运行状况巡检”2026-11-23 没有巡检记录（检查最近 7 天）",
    ])


def test_mon006_fires_on_unreported_anomaly_and_unknown_route(ws):
    def change(d):
        anomaly = next(p for p in d["patrols"] if p.get("result") == "异常")
        anomaly.pop("reported_to")
        d["patrols"].append({"date": dt.date(2026, 11, 20), "route": "ups", "by": ["P003"], "result": "正常"})
    ws.edit_yaml(OPS, change)
    assert messages(ws, "MON006") == [
        "2026-11-16 的巡检发现异常，但没有写明报告对象或事件编号",
        "2026-11-20 的巡检记录所写路线“ups”未在 monitoring.yaml 的 patrol.routes 中登记",
    ]


# -- MON007 thresholds ------------------------------------------------------------------------------------

def test_mon007_fires_without_thresholds(ws):
    edit_object(ws, "MON-STO", lambda o: o.pop("thresholds"))
    found = ws.findings("MON007")
    assert [f.message for f in found] == ["监控对象“核心存储”（MON-STO）没有设置预警阈值（thresholds）"]
    assert found[0].line == line_of(ws, MON, "id: MON-STO")


def test_mon007_fires_when_review_is_old(ws):
    ws.edit_yaml(MON, lambda d: d.update(threshold_reviews=d["threshold_reviews"][:1]))  # 2025-11-14 only
    found = ws.findings("MON007")
    # the sample's organisation sets threshold_review_months: 6, as its 监控管理制度 says
    assert [f.message for f in found] == ["预警阈值最近一次检查和评估在 2025-11-14，已超过 6 个月（应于 2026-05-14 前评估）"]
    assert found[0].line == line_of(ws, MON, "threshold_reviews:")


def test_mon007_respects_settings(ws):
    ws.edit_yaml(MON, lambda d: d.update(threshold_reviews=d["threshold_reviews"][:2]))  # last 2026-05-15
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(threshold_review_months=12))
    assert ws.findings("MON007") == []
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(threshold_review_months=6))
    assert messages(ws, "MON007") == ["预警阈值最近一次检查和评估在 2026-05-15，已超过 6 个月（应于 2026-11-15 前评估）"]


def test_mon007_fires_on_empty_threshold(ws):
    edit_object(ws, "MON-DB", lambda o: o["thresholds"].append({"indicator": "连接数"}))
    assert messages(ws, "MON007") == ["监控对象“交易数据库”（MON-DB）的指标“连接数”没有填写阈值（warning 或 critical）"]


# -- MON008 frequency --------------------------------------------------------------------------------------

def test_mon008_fires_without_frequency(ws):
    edit_object(ws, "MON-PORTAL", lambda o: o.pop("frequency"))
    found = ws.findings("MON008")
    assert [f.message for f in found] == ["监控对象“门户网站”（MON-PORTAL）没有设置监测频度（frequency）"]
    assert found[0].line == line_of(ws, MON, "id: MON-PORTAL")


# -- MON009 / MON010 logs ------------------------------------------------------------------------------------

def edit_log(ws, kind, change):
    def edit(d):
        change(next(c for c in d["logs"]["classes"] if c["type"] == kind))
    ws.edit_yaml(MON, edit)


def test_mon009_fires_on_missing_class(ws):
    ws.edit_yaml(MON, lambda d: d["logs"].update(classes=[c for c in d["logs"]["classes"] if c["type"] != "安全日志"]))
    found = ws.findings("MON009")
    assert [f.message for f in found] == ["没有登记“安全日志”的集中存储（logs.classes 中 type: 安全日志）"]
    assert found[0].line == line_of(ws, MON, "classes:")


def test_mon009_fires_when_not_central(ws):
    edit_log(ws, "应用日志", lambda c: c.update(central=False))
    ws.edit_yaml(MON, lambda d: d["logs"].pop("central_store"))
    assert messages(ws, "MON009") == ["“应用日志”没有集中存储（central 应为 true）", "没有写明日志集中存储平台（logs.central_store）"]


def test_mon010_fires_on_short_retention(ws):
    edit_log(ws, "监控日志", lambda c: c.update(retention_days=180))
    found = ws.findings("MON010")
    assert [f.message for f in found] == ["监控日志的保存期限 180 天少于 365 天"]
    assert found[0].line == line_of(ws, MON, "retention_days: 180")


def test_mon010_fires_when_logs_do_not_reach_back(ws):
    edit_log(ws, "监控日志", lambda c: c.update(earliest=dt.date(2026, 3, 1)))
    assert messages(ws, "MON010") == ["监控日志最早只能查到 2026-03-01，不满 365 天（应至少可查到 2025-11-21）"]


def test_mon010_respects_settings(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(log_retention_days=450))
    assert "监控日志的保存期限 400 天少于 450 天" in messages(ws, "MON010")


def test_mon010_fires_without_monitoring_logs(ws):
    ws.edit_yaml(MON, lambda d: d["logs"].update(classes=[c for c in d["logs"]["classes"] if c["type"] != "监控日志"]))
    assert messages(ws, "MON010") == ["没有登记监控日志的保存（logs.classes 中 type: 监控日志）"]


# -- MON011 daily analysis ---------------------------------------------------------------------------------------

def test_mon011_fires_when_analysis_is_late(ws):
    ws.edit_yaml(MON, lambda d: d["daily_analysis"].update(last=dt.date(2026, 11, 19)))
    found = ws.findings("MON011")
    assert [f.message for f in found] == ["最近一次监控日志每日分析在 2026-11-19，交易日 2026-11-20 的分析尚未登记"]
    assert found[0].line == line_of(ws, MON, "last: 2026-11-19")


def test_mon011_weekend_does_not_count(ws):
    # Monday 2026-11-23: the previous trading day is still Friday 2026-11-20
    assert ws.findings("MON011", as_of=dt.date(2026, 11, 23)) == []
    assert len(ws.findings("MON011", as_of=dt.date(2026, 11, 24))) == 1


def test_mon011_days_past_the_known_calendar_warn(ws):
    december = [dt.date(2026, 12, 30), dt.date(2026, 12, 31)]
    ws.edit_yaml(MON, lambda d: d["daily_analysis"].update(last=dt.date(2026, 12, 31), days=d["daily_analysis"]["days"] + december))
    found = ws.findings("MON011", as_of=dt.date(2027, 1, 6))
    assert len(found) == 1 and found[0].severity == "warning"
    assert "2027-01-01 至 2027-01-05" in found[0].message and "2027 年的休市安排尚未补录" in found[0].message
    ws.edit_yaml(MON, lambda d: d["daily_analysis"].update(last=dt.date(2027, 1, 5)))
    assert ws.findings("MON011", as_of=dt.date(2027, 1, 6)) == []


def test_mon011_fires_on_a_day_without_analysis(ws):
    # before: only the latest analysis date was read; a week without analyses before it went unnoticed
    ws.replace(MON, "2026-11-16, 2026-11-17, 2026-11-18", "2026-11-16, 2026-11-18")
    found = ws.findings("MON011")
    assert [f.message for f in found] == [
        "交易日 2026-11-17 没有监控日志每日分析记录（daily_analysis.days，检查最近 7 天，settings.daily_analysis_check_days）："
        "补做分析并登记日期"]
    assert found[0].line == line_of(ws, MON, "days: [")
    ws.edit_yaml(MON, lambda d: d["daily_analysis"].pop("days"))
    assert [f.message[:40] for f in ws.findings("MON011")] == ["没有逐日登记每日分析（daily_analysis.days）：只记最近一次，无法确认每个交易日都做了分析；"[:40]]


def test_mon011_window_follows_the_setting_and_skips_closed_days(ws):
    ws.edit_yaml(MON, lambda d: d["daily_analysis"]["days"].remove(dt.date(2026, 11, 3)))
    assert ws.findings("MON011") == []  # outside the default 7 days
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(daily_analysis_check_days=21))
    assert [f.message[:22] for f in ws.findings("MON011")] == ["交易日 2026-11-03 没有监控日志每日分析记录"[:22]]
    # an analysis on a weekend as well (more than required) is fine
    ws.edit_yaml(MON, lambda d: d["daily_analysis"]["days"].extend([dt.date(2026, 11, 3), dt.date(2026, 11, 14)]))
    assert ws.findings("MON011") == []


def test_mon011_fires_on_scope_and_untracked_anomaly(ws):
    def change(d):
        d["daily_analysis"]["scope"] = ["监控日志"]
        d["daily_analysis"]["anomalies"][1].pop("action")
    ws.edit_yaml(MON, change)
    assert messages(ws, "MON011") == ["2026-11-20 发现的异常“核心存储控制器电池自检告警一次”没有写明跟踪处理（action）",
                                      "每日分析的范围没有包括巡检记录"]


# -- MON012 quarterly evaluation ------------------------------------------------------------------------------------

def drop_quarter(label):
    return lambda d: d.update(quarterly_reviews=[r for r in d["quarterly_reviews"] if r["quarter"] != label])


def test_mon012_fires_on_missing_quarter(ws):
    ws.edit_yaml(MON, drop_quarter("2025-Q2"))
    found = ws.findings("MON012")
    assert [f.message for f in found] == ["2025-Q2 季度没有全面评估监控日志和操作记录（quarterly_reviews 中 quarter: 2025-Q2）"]
    assert found[0].line == line_of(ws, MON, "quarterly_reviews:")


def test_mon012_grace_period_after_quarter_end(ws):
    ws.edit_yaml(MON, drop_quarter("2026-Q3"))
    assert ws.findings("MON012", as_of=dt.date(2026, 10, 20)) == []
    assert len(ws.findings("MON012")) == 1


def test_mon012_quarters_before_records_since_are_not_required(ws):
    ws.edit_yaml(MON, drop_quarter("2025-Q1"))
    ws.edit_yaml(MON, lambda d: d.update(records_since=dt.date(2025, 4, 1)))
    assert ws.findings("MON012") == []


def test_mon012_fires_on_scope_and_report(ws):
    def change(d):
        review = next(r for r in d["quarterly_reviews"] if r["quarter"] == "2026-Q1")
        review["scope"] = ["监控日志"]
        review.pop("report")
    ws.edit_yaml(MON, change)
    assert messages(ws, "MON012") == ["2026-Q1 季度的全面评估没有评估报告（report）", "2026-Q1 季度的全面评估范围没有包括操作记录"]
