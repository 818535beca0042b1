"""监控分析：关键对象与主要监控指标、报警、24 小时监控、人工巡检、预警阈值、监测频度、日志、每日分析和季度评估。"""

from __future__ import annotations

import datetime as dt
import re

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import CI_RETIRED as RETIRED, ci_name as _ci_name, config_items

CHAPTER = "监控分析"

DAY = dt.timedelta(days=1)

# 标准列出的影响信息系统正常运行的关键对象（门户网站在机构有门户网站时适用）
KEY_CATEGORIES = ("机房环境", "网络", "通信线路", "主机", "存储", "数据库", "核心交易业务相关的应用系统", "安全设备")
PORTAL = "门户网站"

# 主要监控指标：逐字摘自标准（“主要监控指标具体如下”），每类对象的监控指标至少包括这些
INDICATORS = {
    "机房": ("电力状态", "空调运行状态", "消防设施状态", "温湿度", "漏水", "人员及设备进出"),
    "网络与通信": ("设备运行状态", "中央处理器使用率", "通信连接状态", "网络流量", "核心节点间网络延时", "丢包率"),
    "主机": ("设备运行状态", "中央处理器使用率", "内存利用率", "磁盘空间利用率", "通信端口状态"),
    "存储": ("设备运行状态", "数据交换延时", "存储电池状态"),
    "安全设备": ("设备运行状态", "中央处理器使用率", "内存利用率", "端口状态", "数据流量", "并发连接数", "安全事件记录情况"),
    "数据库": ("日志信息", "表空间使用率", "连接数"),
    "核心交易业务相关的应用系统": ("进程的活动状态", "日志信息", "中央处理器使用率", "内存利用率", "并发线程数量", "并发处理量", "关键业务指标"),
    "门户网站": ("网页内容", "日均访问量"),
}
# 对象类别 -> 标准“主要监控指标”中的分组
INDICATOR_GROUP = {
    "机房环境": "机房",
    "网络": "网络与通信",
    "通信线路": "网络与通信",
    "主机": "主机",
    "存储": "存储",
    "安全设备": "安全设备",
    "数据库": "数据库",
    "核心交易业务相关的应用系统": "核心交易业务相关的应用系统",
    "门户网站": "门户网站",
}

# 巡检内容：机房设施（电力、空调、消防、安防）和设备运行状况（主机、网络、通信、安全设备）
PATROL_CONTENT = ("电力", "空调", "消防", "安防", "主机", "网络", "通信", "安全设备")
LOG_CLASSES = ("操作日志", "系统日志", "应用日志", "安全日志")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


# -- shared helpers ------------------------------------------------------------

def _root(handbook):
    return handbook.root_of("monitoring")




def _in_service(item) -> bool:
    return item.get("status") not in RETIRED


def _has_portal(handbook, items) -> bool:
    declared = _root(handbook).get("has_portal")
    if isinstance(declared, bool):
        return declared
    return any(PORTAL in str(item.get("name", "")) and _in_service(item) for item in (items or {}).values())


def _objects(handbook):
    return handbook.records("monitoring", "objects")


def _label(obj) -> str:
    return f"监控对象“{obj.get('name', obj.id)}”（{obj.id}）"


def _active_problem(handbook, person) -> bool:
    return bool(person) and handbook.has_left(person)


def _span(a, b) -> str:
    return a.isoformat() if a == b else f"{a} 至 {b}"


# -- rules ---------------------------------------------------------------------

@rule("MON001", name="key-objects-monitored", title="关键对象全部纳入监控并配备监控工具", clause="mon-1",
      needs=("monitoring",))
def key_objects_monitored(handbook):
    """
    ## 检查什么
    `registers/monitoring.yaml` 中：

    - 标准列出的每一类关键对象都至少有一个监控对象（`objects` 的 `category`）：机房环境、网络、通信线路、
      主机、存储、数据库、核心交易业务相关的应用系统、安全设备；机构有门户网站时（`has_portal: true`，
      不填时看配置库中有没有名称含“门户网站”的配置项）还有门户网站；
    - 登记了监控和报警工具（`tools`），每个监控对象都写明所用工具（`tools`），且工具已登记；
    - 每个监控对象写明监控的是什么：配置项 `cis`、设备 `devices` 或通信线路 `lines`；
    - 配置库中在用的每个配置项（状态不是停用或下线）都出现在某个监控对象的 `cis` 中。

    ## 为什么
    标准要求：“证券期货机构应采取监控措施，配备监控和报警工具，对影响信息系统正常运行的关键对象，
    包括机房环境、网络、通信线路、主机、存储、数据库、核心交易业务相关的应用系统、安全设备等进行监控。”

    ## 如何修复
    为缺少的类别增加监控对象，写明使用的监控工具和监控的配置项或设备；配置库新增配置项时，同时把它
    纳入相应的监控对象。

    ## 示例
    ```yaml
    objects:
      - id: MON-STO
        name: 核心存储
        category: 存储
        cis: [CI-STO-01]
        devices: [DEV-STO-001]
        tools: [MT-01]
    ```
    """
    register = handbook.register("monitoring")
    items = config_items(handbook)
    objects = _objects(handbook)
    tools = {t.id for t in handbook.records("monitoring", "tools") if t.id}
    if not tools:
        yield Hit(register.at(), "没有登记监控和报警工具（tools）")
    categories = {o.get("category") for o in objects}
    required = list(KEY_CATEGORIES) + ([PORTAL] if _has_portal(handbook, items) else [])
    for category in required:
        if category not in categories:
            yield Hit(register.at("objects") if objects else register.at(), f"没有监控“{category}”类关键对象（objects 中 category: {category}）")
    for obj in objects:
        used = obj.get("tools", [])
        if not used:
            yield Hit(obj.at(), f"{_label(obj)}没有写明使用的监控工具（tools）")
        for tool in used:
            if tools and tool not in tools:
                yield Hit(obj.at("tools"), f"{_label(obj)}使用的监控工具 {tool} 未在 tools 中登记")
        if not (obj.get("cis") or obj.get("devices") or obj.get("lines")):
            yield Hit(obj.at(), f"{_label(obj)}没有写明监控的配置项（cis）、设备（devices）或通信线路（lines）")
    if items is None:
        return
    monitored = {ci for o in objects for ci in o.get("cis", [])}
    for ci, item in items.items():
        if _in_service(item) and ci not in monitored:
            yield Hit(register.at("objects") if objects else register.at(), f"配置项 {_ci_name(items, ci)} 没有纳入任何监控对象")


@rule("MON002", name="main-indicators", title="监控指标覆盖标准列出的主要监控指标", clause="mon-9",
      needs=("monitoring",))
def main_indicators(handbook):
    """
    ## 检查什么
    每个监控对象的监控指标 `indicators` 至少包括标准为其类别列出的全部主要监控指标（用标准原文的
    名称；可以增加其他指标）：

    | 对象类别 | 主要监控指标 |
    | --- | --- |
    | 机房环境 | 电力状态、空调运行状态、消防设施状态、温湿度、漏水、人员及设备进出 |
    | 网络、通信线路 | 设备运行状态、中央处理器使用率、通信连接状态、网络流量、核心节点间网络延时、丢包率 |
    | 主机 | 设备运行状态、中央处理器使用率、内存利用率、磁盘空间利用率、通信端口状态 |
    | 存储 | 设备运行状态、数据交换延时、存储电池状态 |
    | 安全设备 | 设备运行状态、中央处理器使用率、内存利用率、端口状态、数据流量、并发连接数、安全事件记录情况 |
    | 数据库 | 日志信息、表空间使用率、连接数 |
    | 核心交易业务相关的应用系统 | 进程的活动状态、日志信息、中央处理器使用率、内存利用率、并发线程数量、并发处理量、关键业务指标 |
    | 门户网站 | 网页内容、日均访问量 |

    ## 为什么
    标准在“主要监控指标具体如下：”之后逐类列出了这些指标，例如“存储：设备运行状态、数据交换延时、
    存储电池状态等；”。少监控一项，这一类故障就只能靠用户报障才被发现。

    ## 如何修复
    在监控工具中增加缺少的监控项，并把指标名称补入 `indicators`。
    """
    for obj in _objects(handbook):
        group = INDICATOR_GROUP.get(obj.get("category"))
        if group is None:
            continue
        have = set(obj.get("indicators", []))
        missing = [i for i in INDICATORS[group] if i not in have]
        if missing:
            where = obj.at("indicators") if obj.get("indicators") else obj.at()
            yield Hit(where, f"{_label(obj)}缺少“{group}”类主要监控指标：{'、'.join(missing)}")


@rule("MON003", name="alert-methods", title="监控对象配置报警方式", clause="mon-1", needs=("monitoring",))
def alert_methods(handbook):
    """
    ## 检查什么
    每个监控对象都写明报警方式 `alerts`（声光、电话、短信、邮件、即时消息中的一种或几种）。

    ## 为什么
    标准要求“配备监控和报警工具”，“报警方式可包括声光、电话、短信、邮件等。”只有采集、没有报警的
    监控，在无人盯屏时等于没有监控。

    ## 如何修复
    在监控工具中为该对象配置报警，并把报警方式写入 `alerts`。交易时段以外依靠自动报警的对象，
    应包括能叫醒备勤人员的方式（电话或短信）。

    ## 示例
    ```yaml
    alerts: [声光, 电话, 短信]
    ```
    """
    for obj in _objects(handbook):
        if not obj.get("alerts"):
            yield Hit(obj.at(), f"{_label(obj)}没有配置报警方式（alerts：声光、电话、短信、邮件等）")


REACHING_ALERTS = ("电话", "短信", "即时消息")  # alerts that reach someone who is not at the screen


def _automatic_evidence(handbook, entry, off, items):
    """Off-hours monitoring left to tools: each system must be a monitoring object (``objects[].cis``)
    with a tool and an alert that reaches a person away from the screen."""
    watched: dict = {}
    for obj in _objects(handbook):
        for ci in obj.get("cis", []):
            watched.setdefault(ci, []).append(obj)
    for ci in entry.get("systems", []):
        objs = watched.get(ci, [])
        name = _ci_name(items or {}, ci)
        if not objs or not any(o.get("tools") for o in objs):
            yield Hit(off.at("auto_monitoring"), f"{name} 交易时段以外依靠自动监控（auto_monitoring: true），"
                                                 "但它不是任何配备了监控工具的监控对象（objects 的 cis、tools）")
        elif not any(a in REACHING_ALERTS for o in objs for a in o.get("alerts", [])):
            methods = "、".join(dict.fromkeys(a for o in objs for a in o.get("alerts", []))) or "无"
            yield Hit(off.at("auto_alerting"), f"{name} 交易时段以外依靠自动报警（auto_alerting: true），但其监控对象的"
                                               f"报警方式只有{methods}，无人值守时通知不到备勤人员（应包括电话、短信或即时消息）")


@rule("MON004", name="trading-24h-monitoring", title="交易业务系统 24 小时监控", clause="mon-4",
      needs=("monitoring", "staff"))
def trading_24h_monitoring(handbook):
    """
    ## 检查什么
    `registers/monitoring.yaml` 的 `trading_monitoring` 中，配置库里每个交易业务系统（`trading: true`）
    和核心交易业务系统（`core: true`）（状态不是停用或下线）都被一条记录覆盖（`systems` 中列出），
    该记录：

    - 交易时段：指定了监控人员 `trading_hours.watchers`，且都在职；
    - 交易时段以外：有人工监控（`off_hours.manual: true`），或者同时开启了自动监控系统
      （`auto_monitoring: true`）和自动报警系统（`auto_alerting: true`）。依靠自动监控时，不只看这两个标记：
      每个系统都必须是配备了监控工具的监控对象（`objects` 的 `cis` 和 `tools`），且报警方式中有能通知到
      不在监控屏前的人的方式（电话、短信或即时消息）。

    配置库不可用时，只检查已登记的记录。

    ## 为什么
    标准要求：“证券期货机构应采取人工值守和自动化工具相结合的方式，对交易业务系统进行24小时监控。”
    “交易时段应指定人员对交易业务系统进行监控，交易时段以外如无法做到人工监控，应开启自动监控系统和
    自动报警系统。”

    ## 如何修复
    指定交易时段的监控人员（通常为监控值班员）；夜间和非交易日无人盯屏时，确认自动监控和自动报警
    已开启并推送到备勤人员，然后如实登记。

    ## 示例
    ```yaml
    trading_monitoring:
      - systems: [CI-APP-TRADE, CI-APP-MARGIN]
        trading_hours: {watchers: [P017, P018]}
        off_hours: {manual: false, auto_monitoring: true, auto_alerting: true}
    ```
    """
    register = handbook.register("monitoring")
    entries = handbook.records("monitoring", "trading_monitoring")
    items = config_items(handbook)
    for entry in entries:
        names = "、".join(_ci_name(items, s) for s in entry.get("systems", []))
        hours = entry.sub("trading_hours")
        watchers = hours.get("watchers", []) if hours else []
        if not watchers:
            yield Hit(entry.at("trading_hours") if hours else entry.at(), f"{names} 交易时段没有指定监控人员（trading_hours.watchers）")
        for person in watchers:
            if _active_problem(handbook, person):
                yield Hit(hours.at("watchers"), f"{names} 交易时段的监控人员 {handbook.person_name(person)} 已不在职")
        off = entry.sub("off_hours")
        if off is None:
            yield Hit(entry.at(), f"{names} 没有登记交易时段以外的监控安排（off_hours）")
        elif off.get("manual") is not True:
            missing = [zh for key, zh in (("auto_monitoring", "自动监控系统"), ("auto_alerting", "自动报警系统"))
                       if off.get(key) is not True]
            if missing:
                yield Hit(off.at(), f"{names} 交易时段以外没有人工监控，也没有开启{'和'.join(missing)}")
            else:
                yield from _automatic_evidence(handbook, entry, off, items)
    if items is None:
        if not entries:
            yield Hit(register.at(), "没有登记交易业务系统的 24 小时监控安排（trading_monitoring）")
        return
    listed = {s for e in entries for s in e.get("systems", [])}
    for ci, item in items.items():
        if (item.get("trading") or item.get("core")) and _in_service(item) and ci not in listed:
            where = register.at("trading_monitoring") if entries else register.at()
            yield Hit(where, f"交易业务系统 {_ci_name(items, ci)} 没有登记 24 小时监控安排（trading_monitoring）")


@rule("MON005", name="patrol-system", title="建立人工巡检制度：内容、频度、人员", clause="mon-5",
      needs=("monitoring", "staff"))
def patrol_system(handbook):
    """
    ## 检查什么
    `registers/monitoring.yaml` 的 `patrol.routes` 登记了人工巡检路线：

    - 各路线的巡检内容 `content` 合计覆盖电力、空调、消防、安防（机房设施）和主机、网络、通信、
      安全设备（设备运行状况）；
    - 每条路线写明巡检频度 `frequency`、巡检日 `days`（每日或交易日）和巡检人员 `people`，人员都在职。

    ## 为什么
    标准要求：“证券期货机构应建立辅助的人工巡检制度，规定巡检内容、频度、人员等。”并要求
    “巡检内容应覆盖电力、空调、消防、安防等机房设施，主机、网络、通信、安全等设备的运行状况。”

    ## 如何修复
    补齐巡检内容、频度和人员；人员离职后及时调整。巡检的具体做法写在机房管理制度或监控管理制度中，
    `patrol.policy` 写明制度编号。

    ## 示例
    ```yaml
    patrol:
      routes:
        - id: room
          name: 机房设施巡检
          content: [电力, 空调, 消防, 安防]
          frequency: 交易日开盘前和收盘后各一次，非交易日每日至少一次
          days: 每日
          people: [P003, P008]
    ```
    """
    register = handbook.register("monitoring")
    patrol = _root(handbook).sub("patrol")
    routes = patrol.records("routes") if patrol else []
    if not routes:
        yield Hit(patrol.at() if patrol else register.at(), "没有登记人工巡检制度的巡检路线（patrol.routes）")
        return
    content = {c for r in routes for c in r.get("content", [])}
    missing = [c for c in PATROL_CONTENT if c not in content]
    if missing:
        yield Hit(patrol.at("routes"), f"人工巡检内容没有覆盖：{'、'.join(missing)}")
    for route in routes:
        label = f"巡检路线“{route.get('name', route.id)}”"
        lacking = [zh for key, zh in (("content", "巡检内容"), ("frequency", "巡检频度"), ("days", "巡检日"), ("people", "巡检人员"))
                   if not route.get(key)]
        if lacking:
            yield Hit(route.at(), f"{label}没有规定{'、'.join(lacking)}")
        for person in route.get("people", []):
            if _active_problem(handbook, person):
                yield Hit(route.at("people"), f"{label}的巡检人员 {handbook.person_name(person)} 已不在职")


@rule("MON006", name="patrol-records", title="巡检结果及时记录，异常及时处理和报告", clause="mon-7",
      needs=("monitoring", "operations"), dated=True)
def patrol_records(handbook):
    """
    ## 检查什么
    `registers/operations.yaml` 的巡检记录 `patrols` 中：

    - 检查日期之前最近 N 天（机构设置 `settings.patrol_check_days`，默认 7 天；不含检查日期当天）里，
      每条巡检路线（`registers/monitoring.yaml` 的 `patrol.routes`）在它的每个巡检日（`days: 每日`
      为每个日历日，`days: 交易日` 为交易日；超出已知交易日历、是否为交易日未知的工作日只给出警告）
      都有一条记录（`route` 为路线编号）；
    - 结果为“异常”的记录写明了异常情况 `anomalies`、处理情况 `handling`，并写明报告对象 `reported_to`
      或事件编号 `incident`；
    - 记录的路线已登记，日期不晚于检查日期。

    ## 为什么
    标准要求：“巡检结果应及时记录，如遇异常应及时处理，并按规定要求进行报告。”

    ## 如何修复
    补录漏记的巡检记录；异常记录补充处理情况和报告对象（按事件处理流程报告的，写事件编号）。

    ## 示例
    ```yaml
    patrols:
      - {date: 2026-11-20, route: room, by: [P003], result: 正常}
      - {date: 2026-11-16, route: devices, by: [P009], result: 异常, anomalies: 专线端口 CRC 错误增长,
         handling: 核实为运营商割接，已关闭, reported_to: P013}
    ```
    """
    patrol = _root(handbook).sub("patrol")
    routes = {r.id: r for r in (patrol.records("routes") if patrol else []) if r.id}
    operations = handbook.register("operations")
    records = handbook.records("operations", "patrols")
    window = handbook.settings.patrol_check_days
    done: dict = {}
    for record in records:
        day, route = record.date("date"), record.get("route")
        if day is None:
            continue
        done.setdefault(route, set()).add(day)
        if routes and route not in routes:
            yield Hit(record.at("route"), f"{day} 的巡检记录所写路线“{route}”未在 monitoring.yaml 的 patrol.routes 中登记")
        if day > handbook.as_of:
            yield Hit(record.at("date"), f"巡检记录日期 {day} 晚于检查日期 {handbook.as_of}")
        if record.get("result") == "异常":
            lacking = [zh for key, zh in (("anomalies", "异常情况"), ("handling", "处理情况")) if not record.get(key)]
            if not (record.get("reported_to") or record.get("incident")):
                lacking.append("报告对象或事件编号")
            if lacking:
                yield Hit(record.at(), f"{day} 的巡检发现异常，但没有写明{'、'.join(lacking)}")
    wanted_days = [handbook.as_of - DAY * i for i in range(window, 0, -1)]
    calendar = handbook.calendar
    for route_id, route in routes.items():
        trading_only = route.get("days") == "交易日"
        wanted = [d for d in wanted_days if not trading_only or calendar.is_trading_day(d)]
        unknown = [d for d in wanted_days if trading_only and calendar.status(d) is None
                   and d not in done.get(route_id, set())]
        if unknown:
            yield Hit(route.at("days"), f"巡检路线“{route.get('name', route_id)}”按交易日巡检，{_span(unknown[0], unknown[-1])} "
                                        f"{'的工作日' if unknown[0] != unknown[-1] else ''}是否为交易日未知：{calendar.unknown_note(unknown)}；这些日子的巡检记录暂未检查",
                      severity="warning")
        missing = [d for d in wanted if d not in done.get(route_id, set())]
        where = operations.at("patrols") if records else operations.at()
        label = route.get("name", route_id)
        # each day's patrol is recorded that day: the runs of days missed, and today's
        for a, b in dates.day_runs(missing):
            yield Obligation(f"巡检路线“{label}”{a} 的巡检", a, where,
                             f"巡检路线“{label}”{_span(a, b)} 没有巡检记录（检查最近 {window} 天）",
                             cycle=route.get("days") or "每天", key=f"operations|patrol|{route_id}|{a}")
        for day in (handbook.as_of, handbook.as_of + DAY):  # today's and tomorrow's
            if (not trading_only or handbook.calendar.is_trading_day(day)) and day not in done.get(route_id, set()):
                yield Obligation(f"巡检路线“{label}”{day} 的巡检", day, where, "",
                                 cycle=route.get("days") or "每天", key=f"operations|patrol|{route_id}|{day}")


@rule("MON007", name="threshold-review", title="设置预警阈值并定期检查和评估", clause="mon-8",
      needs=("monitoring",), dated=True)
def threshold_review(handbook):
    """
    ## 检查什么
    每个监控对象都登记了预警阈值 `thresholds`（至少一条，写明指标和阈值）；`threshold_reviews` 中最近一次
    阈值检查和评估距检查日期不超过机构设置 `settings.threshold_review_months`（默认 12 个月），
    且不晚于检查日期。

    ## 为什么
    标准要求：“证券期货机构应正确设置自动化监控工具的预警阈值，并定期进行检查和评估。”系统扩容、升级后，
    过松的阈值会漏报，过紧的阈值会让值班人员对告警麻木。

    ## 如何修复
    为对象补充阈值；组织阈值评估（各对象管理员参加），把评估日期、人员、结论和记录位置写入
    `threshold_reviews`。

    ## 示例
    ```yaml
    thresholds:
      - {indicator: 表空间使用率, warning: ≥ 80%, critical: ≥ 90%}
    threshold_reviews:
      - {date: 2026-11-13, by: [P013, P006], result: 阈值评估合理, record: 阈值评估记录 YZ-2026-02}
    ```
    """
    register = handbook.register("monitoring")
    for obj in _objects(handbook):
        thresholds = obj.records("thresholds")
        if not thresholds:
            yield Hit(obj.at(), f"{_label(obj)}没有设置预警阈值（thresholds）")
            continue
        for threshold in thresholds:
            if not (threshold.get("warning") or threshold.get("critical")):
                yield Hit(threshold.at(), f"{_label(obj)}的指标“{threshold.get('indicator')}”没有填写阈值（warning 或 critical）")
    months = handbook.settings.threshold_review_months
    reviews = handbook.records("monitoring", "threshold_reviews")
    for review in reviews:
        when = review.date("date")
        if when and when > handbook.as_of:
            yield Hit(review.at("date"), f"阈值评估日期 {when} 晚于检查日期 {handbook.as_of}")
    done = [r.date("date") for r in reviews if r.date("date") and r.date("date") <= handbook.as_of]
    if not done:
        yield Hit(register.at("threshold_reviews") if reviews else register.at(), "没有预警阈值的检查和评估记录（threshold_reviews）")
        return
    last = max(done)
    due = dates.add_months(last, months)
    yield Obligation("检查和评估监控预警阈值", due, register.at("threshold_reviews"),
                     f"预警阈值最近一次检查和评估在 {last}，已超过 {months} 个月（应于 {due} 前评估）",
                     cycle=f"每 {months} 个月", key="monitoring|threshold-review")


@rule("MON008", name="monitoring-frequency", title="针对不同系统设置监测频度", clause="mon-18", needs=("monitoring",))
def monitoring_frequency(handbook):
    """
    ## 检查什么
    每个监控对象都写明监测频度 `frequency`（如“每 30 秒”“交易时段每 15 秒，其他时段每 60 秒”）。

    ## 为什么
    标准要求：“证券期货机构应针对不同系统设置合理的监测频度。”频度是否“合理”需要结合系统的重要性
    判断（本手册的监控管理制度规定核心交易业务系统交易时段不低于每 30 秒一次），但每个对象都必须
    有明确的频度，评估时才有依据。

    ## 如何修复
    按监控工具中的实际采集间隔填写 `frequency`。
    """
    for obj in _objects(handbook):
        if not obj.get("frequency"):
            yield Hit(obj.at(), f"{_label(obj)}没有设置监测频度（frequency）")


def _log_classes(handbook):
    logs = _root(handbook).sub("logs")
    return logs, (logs.records("classes") if logs else [])


@rule("MON009", name="central-classified-logs", title="集中分类存储操作、系统、应用、安全日志", clause="mon-19",
      needs=("monitoring",))
def central_classified_logs(handbook):
    """
    ## 检查什么
    `registers/monitoring.yaml` 的 `logs` 写明集中存储平台 `central_store`，并在 `classes` 中分别登记
    操作日志、系统日志、应用日志、安全日志：每类都集中存储（`central: true`）并写明存放位置 `location`。

    ## 为什么
    标准要求：“证券期货机构应记录并集中分类存储必要的操作日志、系统日志、应用日志、安全日志等，
    留存日志应满足审计的需要。”分散在各台服务器上的日志，故障或入侵后往往已被覆盖或篡改。

    ## 如何修复
    把缺少的日志类别接入日志集中平台并登记其来源和位置。
    """
    register = handbook.register("monitoring")
    logs, classes = _log_classes(handbook)
    if logs is None:
        yield Hit(register.at(), "没有登记日志的集中分类存储（logs）")
        return
    if not logs.get("central_store"):
        yield Hit(logs.at(), "没有写明日志集中存储平台（logs.central_store）")
    by_type: dict = {}
    for cls in classes:
        by_type.setdefault(cls.get("type"), []).append(cls)
    for kind in LOG_CLASSES:
        found = by_type.get(kind)
        if not found:
            yield Hit(logs.at("classes") if classes else logs.at(), f"没有登记“{kind}”的集中存储（logs.classes 中 type: {kind}）")
            continue
        for cls in found:
            if cls.get("central") is not True:
                yield Hit(cls.at("central") if "central" in cls else cls.at(), f"“{kind}”没有集中存储（central 应为 true）")
            if not cls.get("location"):
                yield Hit(cls.at(), f"“{kind}”没有写明存放位置（location）")


@rule("MON010", name="monitoring-log-retention", title="监控日志保存不少于一年", clause="mon-20",
      needs=("monitoring",), dated=True)
def monitoring_log_retention(handbook):
    """
    ## 检查什么
    `logs.classes` 中登记了监控日志（`type: 监控日志`），保存期限 `retention_days` 不少于机构设置
    `settings.log_retention_days`（默认 365 天）；填写了最早可查日志日期 `earliest` 时，它应早于检查日期
    前一个保存期限，或不晚于台账的记录起始日期 `records_since`。

    ## 为什么
    标准要求：“证券期货机构应保存监控产生的日志，保存时间不少于一年。”季度评估、事件调查和审计都要
    回看监控日志。

    ## 如何修复
    调整日志平台的保存策略（或定期归档）使监控日志保存一年以上，并在台账中更新。

    ## 示例
    ```yaml
    - {type: 监控日志, central: true, location: 日志审计平台 / 监控日志分区, retention_days: 400, earliest: 2024-12-01}
    ```
    """
    register = handbook.register("monitoring")
    logs, classes = _log_classes(handbook)
    minimum = handbook.settings.log_retention_days
    found = [c for c in classes if c.get("type") == "监控日志"]
    if not found:
        yield Hit(logs.at("classes") if logs and classes else (logs.at() if logs else register.at()),
                  "没有登记监控日志的保存（logs.classes 中 type: 监控日志）")
        return
    since = _root(handbook).date("records_since")
    cutoff = handbook.as_of - dt.timedelta(days=minimum)
    for cls in found:
        days = cls.get("retention_days")
        if not isinstance(days, int):
            yield Hit(cls.at(), "监控日志没有写明保存期限（retention_days）")
        elif days < minimum:
            yield Hit(cls.at("retention_days"), f"监控日志的保存期限 {days} 天少于 {minimum} 天")
        earliest = cls.date("earliest")
        if earliest and earliest > cutoff and not (since and earliest <= since):
            yield Hit(cls.at("earliest"), f"监控日志最早只能查到 {earliest}，不满 {minimum} 天（应至少可查到 {cutoff}）")


@rule("MON011", name="daily-log-analysis", title="每日分析核心交易业务系统监控日志及巡检记录", clause="mon-21",
      needs=("monitoring",), dated=True)
def daily_log_analysis(handbook):
    """
    ## 检查什么
    `registers/monitoring.yaml` 的 `daily_analysis`：

    - 最近一次分析日期 `last` 不早于检查日期之前的最后一个交易日（交易日历见 `registers/calendar.yaml`；
      检查日期当天的分析可能尚未完成），且不晚于检查日期；此后是否为交易日未知的日子
      （超出已知交易日历）只给出警告；
    - 逐日登记的分析日期 `days` 中，检查日期之前最近 `settings.daily_analysis_check_days` 天
      （默认 7 天，至少 7 天；不含检查日期当天）的每个交易日都有；
    - 分析范围 `scope` 包括监控日志和巡检记录，写明评估记录的位置 `location`；
    - 发现的每个异常（`anomalies`）都写明了跟踪处理 `action`。

    ## 为什么
    标准要求：“证券期货机构应每日分析核心交易业务系统监控日志及巡检记录，形成评估记录，跟踪处理日志
    分析中发现的异常事件。”未报警的小异常往往是故障的前兆，只有逐日分析才能发现。

    ## 如何修复
    完成漏做的分析并登记日期；为异常补充跟踪处理情况，已处理完的标为 `已关闭` 并填写关闭日期。
    """
    register = handbook.register("monitoring")
    analysis = _root(handbook).sub("daily_analysis")
    if analysis is None:
        yield Hit(register.at(), "没有监控日志每日分析记录（daily_analysis）")
        return
    last = analysis.date("last")
    expected = handbook.calendar.previous_trading_day(handbook.as_of)
    if last is None:
        yield Hit(analysis.at(), "没有写明最近一次每日分析的日期（daily_analysis.last）")
    elif last > handbook.as_of:
        yield Hit(analysis.at("last"), f"每日分析日期 {last} 晚于检查日期 {handbook.as_of}")
    else:
        # each trading day's analysis is due that day: the next one after ``last`` is overdue once it has passed
        yield Obligation("登记监控日志每日分析", handbook.calendar.next_trading_day(last), analysis.at("last"),
                         f"最近一次监控日志每日分析在 {last}，交易日 {expected} 的分析尚未登记",
                         owner=analysis.get("by"), cycle="每个交易日", key="monitoring|daily-analysis")
        if last >= expected and (unknown := handbook.calendar.unknown_days(max(last, expected) + DAY, handbook.as_of - DAY)):
            yield Hit(analysis.at("last"), f"最近一次监控日志每日分析在 {last}，此后 {_span(unknown[0], unknown[-1])} "
                                           f"是否为交易日未知：{handbook.calendar.unknown_note(unknown)}；这些日子的每日分析暂未检查",
                      severity="warning")
    # every trading day of the window has its analysis, not only the latest one
    window = handbook.settings.daily_analysis_check_days
    calendar = handbook.calendar
    if "days" not in analysis:
        yield Hit(analysis.at("last") if "last" in analysis else analysis.at(),
                  "没有逐日登记每日分析（daily_analysis.days）：只记最近一次，无法确认每个交易日都做了分析；"
                  f"把最近 {window} 天内每个交易日的分析日期记入 days")
    else:
        done = {d for d in (dates.as_date(v) for v in analysis.get("days", []) or []) if d}
        # days after `last` are already reported above as not yet analysed
        gaps = [d for d in (handbook.as_of - DAY * i for i in range(window, 0, -1))
                if calendar.is_trading_day(d) and d not in done and (last is None or d <= last)]
        if gaps:
            listed = "、".join(d.isoformat() for d in gaps[:5]) + (f" 等 {len(gaps)} 天" if len(gaps) > 5 else "")
            yield Hit(analysis.at("days"), f"交易日 {listed} 没有监控日志每日分析记录（daily_analysis.days，检查最近 {window} 天，"
                                           "settings.daily_analysis_check_days）：补做分析并登记日期")
    scope = analysis.get("scope", [])
    missing = [s for s in ("监控日志", "巡检记录") if s not in scope]
    if missing:
        yield Hit(analysis.at("scope") if scope else analysis.at(), f"每日分析的范围没有包括{'和'.join(missing)}")
    if not analysis.get("location"):
        yield Hit(analysis.at(), "没有写明每日评估记录的位置（daily_analysis.location）")
    for anomaly in analysis.records("anomalies"):
        if not anomaly.get("action"):
            yield Hit(anomaly.at(), f"{anomaly.get('found')} 发现的异常“{anomaly.get('description')}”没有写明跟踪处理（action）")


@rule("MON012", name="quarterly-evaluation", title="每季度全面评估监控日志和操作记录", clause="mon-22",
      needs=("monitoring",), dated=True)
def quarterly_evaluation(handbook):
    """
    ## 检查什么
    `registers/monitoring.yaml` 的 `quarterly_reviews` 中，每个已结束的季度都有一次全面评估（`quarter`
    如 `2026-Q3`），有评估报告 `report`，评估范围 `scope` 包括监控日志和操作记录，报告日期不晚于检查日期。

    检查的季度范围：从记录起始日期 `records_since`（不填时为最早一次评估）所在季度起，至少包括最近一个
    已结束的季度。季度结束后有 `settings.quarterly_evaluation_days` 天（默认 30 天）的宽限期用于形成报告，
    宽限期内不报告该季度。

    ## 为什么
    标准要求：“应至少每季度全面评估监控日志和操作记录，分析异常情况，形成评估报告。”

    ## 如何修复
    组织该季度的全面评估，把评估报告归档并登记；已评估但没有登记的，补录记录。

    ## 示例
    ```yaml
    - {quarter: 2026-Q3, date: 2026-10-13, by: P013, scope: [监控日志, 操作记录], report: 档案室 A-02 / 2026-Q3 监控与操作评估报告.pdf}
    ```
    """
    register = handbook.register("monitoring")
    as_of = handbook.as_of
    grace = handbook.settings.quarterly_evaluation_days
    reviews: dict = {}
    for review in handbook.records("monitoring", "quarterly_reviews"):
        match = _QUARTER.match(str(review.get("quarter", "")))
        if match:
            reviews.setdefault(dates.quarter_index(int(match.group(1)), int(match.group(2))), []).append(review)
        when = review.date("date")
        if when and when > as_of:
            yield Hit(review.at("date"), f"{review.get('quarter')} 季度评估的报告日期 {when} 晚于检查日期 {as_of}")
    last = dates.quarter_index(*dates.quarter_of(as_of)) - 1
    since = _root(handbook).date("records_since")
    first = dates.quarter_index(*dates.quarter_of(since)) if since else min([*reviews, last])
    for index in range(first, last + 2):  # up to the current quarter, whose evaluation is due after it
        label = dates.quarter_label(index)
        found = reviews.get(index)
        if not found:
            yield Obligation(f"全面评估 {label} 季度的监控日志和操作记录", dates.quarter_end(index) + dt.timedelta(days=grace),
                             register.at("quarterly_reviews") if reviews else register.at(),
                             f"{label} 季度没有全面评估监控日志和操作记录（quarterly_reviews 中 quarter: {label}）",
                             cycle="每季度", key=f"monitoring|quarterly|{label}")
            continue
        if as_of <= dates.quarter_end(index) + dt.timedelta(days=grace):
            continue
        if not any(r.get("report") for r in found):
            yield Hit(found[0].at(), f"{label} 季度的全面评估没有评估报告（report）")
        scope = {s for r in found for s in r.get("scope", [])}
        missing = [s for s in ("监控日志", "操作记录") if s not in scope]
        if missing:
            yield Hit(found[0].at(), f"{label} 季度的全面评估范围没有包括{'和'.join(missing)}")
