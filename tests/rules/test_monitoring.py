"""监控分析 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Line, Part, case_id, check_case, fired

from checks.rules.monitoring import INDICATORS

MON = "registers/monitoring.yaml"
OPS = "registers/operations.yaml"
RULES = tuple(f"MON{n:03d}" for n in range(1, 13))


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def obj(object_id, change):
    """An edit of the register letting ``change(object)`` mutate one monitoring object."""
    def edit(data):
        change(next(o for o in data["objects"] if o["id"] == object_id))
    return edit


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


NAMES = "集中交易系统（CI-APP-TRADE）、网上交易系统（CI-APP-ONLINE）、融资融券系统（CI-APP-MARGIN）、行情系统（CI-APP-QUOTE）、清算系统（CI-APP-CLEAR）"
ORG = "registers/organisation.yaml"


def without_category(category):
    return lambda d: d.update(objects=[o for o in d["objects"] if o["category"] != category])


def trading_24h(change):
    return lambda d: change(d["trading_monitoring"][0])


def route(index, change):
    return lambda d: change(d["patrol"]["routes"][index])


def drop_patrol(day, name):
    return lambda d: d.update(patrols=[p for p in d["patrols"] if not (p["date"] == day and p["route"] == name)])


def log_class(kind, change):
    return lambda d: change(next(c for c in d["logs"]["classes"] if c["type"] == kind))


def without_log_class(kind):
    return lambda d: d["logs"].update(classes=[c for c in d["logs"]["classes"] if c["type"] != kind])


def drop_quarter(label):
    return lambda d: d.update(quarterly_reviews=[r for r in d["quarterly_reviews"] if r["quarter"] != label])


def _unknown_tool_and_no_targets(o):
    o["tools"] = ["MT-09"]
    o.pop("devices")


def _unreported_anomaly_and_unknown_route(d):
    anomaly = next(p for p in d["patrols"] if p.get("result") == "异常")
    anomaly.pop("reported_to")
    d["patrols"].append({"date": dt.date(2026, 11, 20), "route": "ups", "by": ["P003"], "result": "正常"})


def _analysis_scope_and_untracked_anomaly(d):
    d["daily_analysis"]["scope"] = ["监控日志"]
    d["daily_analysis"]["anomalies"][1].pop("action")


def _review_scope_and_report(d):
    review = next(r for r in d["quarterly_reviews"] if r["quarter"] == "2026-Q1")
    review["scope"] = ["监控日志"]
    review.pop("report")


CASES = [
    # -- MON001 key objects
    Case("MON001-fires-on-missing-category", "MON001", MON, without_category("存储"),
         [("没有监控“存储”类关键对象（objects 中 category: 存储）", Line("objects:")),
          ("配置项 核心存储（CI-STO-01） 没有纳入任何监控对象", Line("objects:"))], ordered=False),
    Case("MON001-fires-without-a-portal-object", "MON001", MON, without_category("门户网站"),
         ["没有监控“门户网站”类关键对象（objects 中 category: 门户网站）", "配置项 门户网站（CI-APP-PORTAL） 没有纳入任何监控对象"],
         ordered=False),
    Case("MON001-portal-only-when-the-firm-has-one", "MON001", MON,
         [without_category("门户网站"), lambda d: d.update(has_portal=False)],
         ["配置项 门户网站（CI-APP-PORTAL） 没有纳入任何监控对象"]),
    Case("MON001-fires-on-unknown-tool-and-missing-targets", "MON001", MON, obj("MON-ROOM", _unknown_tool_and_no_targets),
         ["监控对象“主机房动力环境”（MON-ROOM）使用的监控工具 MT-09 未在 tools 中登记",
          "监控对象“主机房动力环境”（MON-ROOM）没有写明监控的配置项（cis）、设备（devices）或通信线路（lines）"], ordered=False),
    Case("MON001-fires-without-tools", "MON001", MON, lambda d: d.pop("tools"), ["没有登记监控和报警工具（tools）"]),
    # -- MON002 indicators
    Case("MON002-fires-on-missing-indicator", "MON002", MON, obj("MON-LINE", lambda o: o["indicators"].remove("丢包率")),
         [("监控对象“交易所、行情和银行专线”（MON-LINE）缺少“网络与通信”类主要监控指标：丢包率",
           Line("indicators:", after="id: MON-LINE"))]),
    Case("MON002-other-category-needs-no-list", "MON002", MON,
         obj("MON-APP", lambda o: o.update(category="其他", indicators=["进程的活动状态"])), []),
    # -- MON003 alerts
    Case("MON003-fires-without-alerts", "MON003", MON, obj("MON-DB", lambda o: o.pop("alerts")),
         [("监控对象“交易数据库”（MON-DB）没有配置报警方式（alerts：声光、电话、短信、邮件等）", Line("id: MON-DB"))]),
    # -- MON004 24 hours
    Case("MON004-fires-without-auto-alerting", "MON004", MON, trading_24h(lambda e: e["off_hours"].update(auto_alerting=False)),
         [(f"{NAMES} 交易时段以外没有人工监控，也没有开启自动报警系统", Line("off_hours:"))]),
    Case("MON004-manual-off-hours-is-enough", "MON004", MON, trading_24h(lambda e: e.update(off_hours={"manual": True})), []),
    Case("MON004-fires-on-departed-watcher", "MON004", MON,
         trading_24h(lambda e: e["trading_hours"].update(watchers=["P017", "P020"])),
         [f"{NAMES} 交易时段的监控人员 韩冬（P020） 已不在职"]),
    Case("MON004-fires-without-watchers", "MON004", MON,
         [trading_24h(lambda e: e["trading_hours"].update(watchers=["P017", "P020"])),
          trading_24h(lambda e: e["trading_hours"].pop("watchers"))],
         [f"{NAMES} 交易时段没有指定监控人员（trading_hours.watchers）"]),
    Case("MON004-fires-on-uncovered-trading-system", "MON004", MON, trading_24h(lambda e: e["systems"].remove("CI-APP-CLEAR")),
         [("交易业务系统 清算系统（CI-APP-CLEAR） 没有登记 24 小时监控安排（trading_monitoring）", Line("trading_monitoring:"))]),
    # the flags say "automatic", but no monitoring object watches the clearing system any more
    Case("MON004-auto-flags-need-a-monitoring-object-that-watches-the-system", "MON004", MON,
         obj("MON-APP", lambda o: o["cis"].remove("CI-APP-CLEAR")),
         ["清算系统（CI-APP-CLEAR） 交易时段以外依靠自动监控（auto_monitoring: true），"
          "但它不是任何配备了监控工具的监控对象（objects 的 cis、tools）"]),
    Case("MON004-auto-alerting-must-reach-someone-away-from-the-screen", "MON004", MON,
         obj("MON-APP", lambda o: o.update(alerts=["声光", "邮件"])),
         [Part("报警方式只有声光、邮件，无人值守时通知不到备勤人员")] * 5),
    Case("MON004-instant-messaging-alone-reaches-the-standby", "MON004", MON,
         obj("MON-APP", lambda o: o.update(alerts=["即时消息"])), []),
    # -- MON005 patrol system
    Case("MON005-fires-on-missing-content", "MON005", MON,
         [route(0, lambda r: r["content"].remove("消防")), route(1, lambda r: r["content"].remove("通信"))],
         [("人工巡检内容没有覆盖：消防、通信", Line("routes:"))]),
    Case("MON005-fires-on-people", "MON005", MON,
         [route(1, lambda r: r.update(people=["P004", "P020"])), route(0, lambda r: r.pop("frequency"))],
         ["巡检路线“机房设施巡检”没有规定巡检频度", "巡检路线“设备运行状况巡检”的巡检人员 韩冬（P020） 已不在职"], ordered=False),
    Case("MON005-fires-without-patrol", "MON005", MON, lambda d: d.pop("patrol"), ["没有登记人工巡检制度的巡检路线（patrol.routes）"]),
    # -- MON006 patrol records
    Case("MON006-fires-on-missing-day", "MON006", OPS,
         [drop_patrol(dt.date(2026, 11, 18), "room"), drop_patrol(dt.date(2026, 11, 19), "room"),
          drop_patrol(dt.date(2026, 11, 19), "devices")],
         [("巡检路线“机房设施巡检”2026-11-18 至 2026-11-19 没有巡检记录（检查最近 7 天）", Line("patrols:")),
          ("巡检路线“设备运行状况巡检”2026-11-19 没有巡检记录（检查最近 7 天）", Line("patrols:"))], ordered=False),
    # the sample has no device patrol on 2026-11-14/15 (weekend): quiet; as of 2026-11-24 the window
    # 11-17 … 11-23 needs room patrols on 11-22 and 11-23 and a device patrol on Monday 11-23
    Case("MON006-trading-day-routes-skip-weekends", "MON006", OPS, None,
         ["巡检路线“机房设施巡检”2026-11-22 至 2026-11-23 没有巡检记录（检查最近 7 天）",
          "巡检路线“设备运行状况巡检”2026-11-23 没有巡检记录（检查最近 7 天）"], as_of=dt.date(2026, 11, 24), ordered=False),
    Case("MON006-fires-on-unreported-anomaly-and-unknown-route", "MON006", OPS, _unreported_anomaly_and_unknown_route,
         ["2026-11-16 的巡检发现异常，但没有写明报告对象或事件编号",
          "2026-11-20 的巡检记录所写路线“ups”未在 monitoring.yaml 的 patrol.routes 中登记"], ordered=False),
    # -- MON007 thresholds
    Case("MON007-fires-without-thresholds", "MON007", MON, obj("MON-STO", lambda o: o.pop("thresholds")),
         [("监控对象“核心存储”（MON-STO）没有设置预警阈值（thresholds）", Line("id: MON-STO"))]),
    # the sample's organisation sets threshold_review_months: 6, as its 监控管理制度 says
    Case("MON007-fires-when-review-is-old", "MON007", MON,
         lambda d: d.update(threshold_reviews=d["threshold_reviews"][:1]),  # 2025-11-14 only
         [("预警阈值最近一次检查和评估在 2025-11-14，已超过 6 个月（应于 2026-05-14 前评估）", Line("threshold_reviews:"))]),
    Case("MON007-fires-on-empty-threshold", "MON007", MON,
         obj("MON-DB", lambda o: o["thresholds"].append({"indicator": "连接数"})),
         ["监控对象“交易数据库”（MON-DB）的指标“连接数”没有填写阈值（warning 或 critical）"]),
    # -- MON008 frequency
    Case("MON008-fires-without-frequency", "MON008", MON, obj("MON-PORTAL", lambda o: o.pop("frequency")),
         [("监控对象“门户网站”（MON-PORTAL）没有设置监测频度（frequency）", Line("id: MON-PORTAL"))]),
    # -- MON009 / MON010 logs
    Case("MON009-fires-on-missing-class", "MON009", MON, without_log_class("安全日志"),
         [("没有登记“安全日志”的集中存储（logs.classes 中 type: 安全日志）", Line("classes:"))]),
    Case("MON009-fires-when-not-central", "MON009", MON,
         [log_class("应用日志", lambda c: c.update(central=False)), lambda d: d["logs"].pop("central_store")],
         ["“应用日志”没有集中存储（central 应为 true）", "没有写明日志集中存储平台（logs.central_store）"], ordered=False),
    Case("MON010-fires-on-short-retention", "MON010", MON, log_class("监控日志", lambda c: c.update(retention_days=180)),
         [("监控日志的保存期限 180 天少于 365 天", Line("retention_days: 180"))]),
    Case("MON010-fires-when-logs-do-not-reach-back", "MON010", MON,
         log_class("监控日志", lambda c: c.update(earliest=dt.date(2026, 3, 1))),
         ["监控日志最早只能查到 2026-03-01，不满 365 天（应至少可查到 2025-11-21）"]),
    Case("MON010-respects-settings", "MON010", ORG, lambda d: d["settings"].update(log_retention_days=450),
         ["监控日志的保存期限 400 天少于 450 天"], only=False),
    Case("MON010-fires-without-monitoring-logs", "MON010", MON, without_log_class("监控日志"),
         ["没有登记监控日志的保存（logs.classes 中 type: 监控日志）"]),
    # -- MON011 daily analysis
    Case("MON011-fires-when-analysis-is-late", "MON011", MON,
         lambda d: d["daily_analysis"].update(last=dt.date(2026, 11, 19)),
         [("最近一次监控日志每日分析在 2026-11-19，交易日 2026-11-20 的分析尚未登记", Line("last: 2026-11-19"))]),
    # Monday 2026-11-23: the previous trading day is still Friday 2026-11-20
    Case("MON011-weekend-does-not-count", "MON011", MON, None, [], as_of=dt.date(2026, 11, 23)),
    Case("MON011-fires-the-next-trading-day", "MON011", MON, None, [Part("2026-11-23")], as_of=dt.date(2026, 11, 24)),
    Case("MON011-fires-on-scope-and-untracked-anomaly", "MON011", MON, _analysis_scope_and_untracked_anomaly,
         ["2026-11-20 发现的异常“核心存储控制器电池自检告警一次”没有写明跟踪处理（action）", "每日分析的范围没有包括巡检记录"],
         ordered=False),
    # -- MON012 quarterly evaluation
    Case("MON012-fires-on-missing-quarter", "MON012", MON, drop_quarter("2025-Q2"),
         [("2025-Q2 季度没有全面评估监控日志和操作记录（quarterly_reviews 中 quarter: 2025-Q2）", Line("quarterly_reviews:"))]),
    Case("MON012-grace-period-after-quarter-end", "MON012", MON, drop_quarter("2026-Q3"), [], as_of=dt.date(2026, 10, 20)),
    Case("MON012-fires-after-the-grace-period", "MON012", MON, drop_quarter("2026-Q3"), [Part("2026-Q3")]),
    Case("MON012-quarters-before-records-since-are-not-required", "MON012", MON,
         [drop_quarter("2025-Q1"), lambda d: d.update(records_since=dt.date(2025, 4, 1))], []),
    Case("MON012-fires-on-scope-and-report", "MON012", MON, _review_scope_and_report,
         ["2026-Q1 季度的全面评估没有评估报告（report）", "2026-Q1 季度的全面评估范围没有包括操作记录"], ordered=False),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_mon007_respects_settings(ws):
    ws.edit_yaml(MON, lambda d: d.update(threshold_reviews=d["threshold_reviews"][:2]))  # last 2026-05-15
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(threshold_review_months=12))
    assert ws.findings("MON007") == []
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(threshold_review_months=6))
    assert messages(ws, "MON007") == ["预警阈值最近一次检查和评估在 2026-05-15，已超过 6 个月（应于 2026-11-15 前评估）"]


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
