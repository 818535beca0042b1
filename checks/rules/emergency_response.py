"""应急处置：风险隐患的核实与预警报告、启动预案和恢复、处置期间的值班与通报、投资者说明、记录与证据、事件报告。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from . import rule
from ._common import incident_label as _label
from ._emergency import is_regulator, regulator

CHAPTER = "应急处置"

AFTER_RECOVERY = ("已恢复", "调查中", "已关闭")


def security_events(handbook) -> list:
    """The incidents handled as 网络与信息安全事件: all but those marked ``security_event: false``
    (ordinary incidents of the 事件处理流程, to which these chapters do not apply)."""
    return [i for i in handbook.records("incidents", "incidents") if i.get("security_event") is not False]


def _leave_span(leave):
    """A leave as [start, end): a date is the whole day, a date and time is exact."""
    def bound(value, end):
        moment = dates.as_datetime(value)
        if moment is not None:
            return moment
        day = dates.as_date(value)
        if day is None:
            return None
        return dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time())
    first, last = bound(leave.get("from"), False), bound(leave.get("to"), True)
    return (first, last) if first and last else None


def _recipients(reports) -> set:
    return {r.get("to") for r in reports if r.get("to")}


@rule("RSP001", name="alert-verified-and-reported", title="风险隐患尽快核实、采取防范措施并预警报告",
      clause="resp-1", needs=("incidents",))
def alert_verified_and_reported(handbook):
    """
    ## 检查什么
    `registers/incidents.yaml` 的每条风险隐患预警（`alerts`）都记录了核实时间 `verified`（不早于发现
    时间 `detected`，且在发现后 `settings.alert_verification_minutes` 分钟内，默认 30 分钟，即应急处置流程规定的
    核实时限）和防范措施 `measures`；标为重要情况（`important: true`）的有预警报告 `reports`。

    ## 为什么
    标准要求：“证券期货机构应在发现可能导致异常的风险隐患时，尽快加以核实，立即采取必要的防范措施，
    如有重要情况应按照有关规定进行预警报告。”

    ## 如何修复
    补记核实时间、已采取的防范措施和预警报告（时间、对象）。

    ## 示例
    ```yaml
    alerts:
      - id: ALT-2026-01
        detected: "2026-07-08 09:12"
        verified: "2026-07-08 09:35"
        measures: 切换至备用控制器，暂停非必要批处理
        important: true
        reports: [{time: "2026-07-08 10:05", to: 中国证券监督管理委员会上海监管局}]
    ```
    """
    for alert in handbook.records("incidents", "alerts"):
        label = f"预警 {alert.id}（{alert.get('title')}）"
        detected, verified = alert.datetime("detected"), alert.datetime("verified")
        if verified is None:
            yield Hit(alert.at("id"), f"{label}没有记录核实时间（verified）")
        elif detected and verified < detected:
            yield Hit(alert.at("verified"), f"{label}的核实时间 {verified:%Y-%m-%d %H:%M} 早于发现时间 "
                                            f"{detected:%Y-%m-%d %H:%M}：核实在发现之后，请核对两个时间")
        elif detected and verified - detected > dt.timedelta(minutes=handbook.settings.alert_verification_minutes):
            took = int((verified - detected).total_seconds() // 60)
            yield Hit(alert.at("verified"), f"{label}于 {detected:%Y-%m-%d %H:%M} 发现，{verified:%Y-%m-%d %H:%M} 才核实，"
                                            f"用时 {_duration(took)}，超过 {handbook.settings.alert_verification_minutes} 分钟"
                                            "（settings.alert_verification_minutes），未做到尽快核实")
        if not alert.get("measures"):
            yield Hit(alert.at("id"), f"{label}没有记录防范措施（measures）")
        if alert.get("important") and not alert.records("reports"):
            yield Hit(alert.at("important"), f"{label}是重要情况，但没有预警报告记录（reports）")


@rule("RSP002", name="alert-lift-reported", title="解除预警后按相同路径报告", clause="resp-2", needs=("incidents",))
def alert_lift_reported(handbook):
    """
    ## 检查什么
    已解除（有 `lifted`）且曾经预警报告的预警，解除预警报告 `lift_reports` 覆盖了预警报告 `reports`
    的全部对象（`to`）。

    ## 为什么
    标准要求：“解除预警后，按相同路径进行报告。”

    ## 如何修复
    向当初接收预警报告的每个对象报告解除预警，并在 `lift_reports` 中记录。
    """
    for alert in handbook.records("incidents", "alerts"):
        reported = _recipients(alert.records("reports"))
        if not alert.get("lifted") or not alert.records("reports"):
            continue
        missing = sorted(reported - _recipients(alert.records("lift_reports")))
        if not alert.records("lift_reports"):
            yield Hit(alert.at("lifted"), f"预警 {alert.id} 已解除，但没有解除预警报告（lift_reports）")
        elif missing:
            yield Hit(alert.at("lift_reports"), f"预警 {alert.id} 解除后没有向{'、'.join(missing)}报告；应按预警报告的相同路径报告")


@rule("RSP003", name="plan-activated-and-recovered", title="发生事件后立即启动应急预案并尽快恢复",
      clause="resp-3", needs=("incidents",))
def plan_activated_and_recovered(handbook):
    """
    ## 检查什么
    每个网络与信息安全事件（`security_event: false` 的普通运维事件除外，下同）都记录了启动应急预案的时间 `plan_activated`
    （不早于发现时间 `detected`，且在发现后 `settings.plan_activation_minutes` 分钟内：默认 15 分钟，即应急预案
    “事件报告流程”中发现人 5 分钟内报告值班负责人、值班负责人 10 分钟内报告并启动处置流程）；状态为已恢复、
    调查中或已关闭的事件记录了恢复正常运行的时间 `recovered`（不早于发现时间）。

    ## 为什么
    标准要求：“证券期货机构应在发生网络与信息安全事件后，立即启动应急预案，迅速采取应急措施，尽快
    恢复信息系统正常运行。”这两个时间是评价处置是否及时的依据。

    ## 如何修复
    按处置记录补填时间（格式 "YYYY-MM-DD HH:MM"）。
    """
    for incident in security_events(handbook):
        detected = incident.datetime("detected")
        activated = incident.datetime("plan_activated")
        if activated is None:
            yield Hit(incident.at("id"), f"{_label(incident)}没有记录启动应急预案的时间（plan_activated）")
        elif detected and activated < detected:
            yield Hit(incident.at("plan_activated"), f"{_label(incident)}启动应急预案的时间 {activated:%Y-%m-%d %H:%M} 早于"
                                                     f"发现时间 {detected:%Y-%m-%d %H:%M}：请核对两个时间")
        elif detected and activated - detected > dt.timedelta(minutes=handbook.settings.plan_activation_minutes):
            took = int((activated - detected).total_seconds() // 60)
            yield Hit(incident.at("plan_activated"), f"{_label(incident)}于 {detected:%Y-%m-%d %H:%M} 发现，{activated:%Y-%m-%d %H:%M} "
                                                     f"才启动应急预案，用时 {_duration(took)}，超过 {handbook.settings.plan_activation_minutes} 分钟"
                                                     "（settings.plan_activation_minutes），不是立即启动")
        recovered = incident.datetime("recovered")
        if recovered is None and incident.get("status") in AFTER_RECOVERY:
            yield Hit(incident.at("status"), f"{_label(incident)}状态为{incident.get('status')}，但没有记录恢复时间（recovered）")
        elif recovered and detected and recovered < detected:
            yield Hit(incident.at("recovered"), f"{_label(incident)}的恢复时间 {recovered:%Y-%m-%d %H:%M} 早于发现时间 "
                                                f"{detected:%Y-%m-%d %H:%M}：请核对两个时间")


@rule("RSP004", name="on-duty-during-response", title="应急处置结束前专人 24 小时值班", clause="resp-5",
      needs=("incidents",))
def on_duty_during_response(handbook):
    """
    ## 检查什么
    每个网络与信息安全事件都记录了处置期间专人值班的人员 `on_duty`；这些人在发现到恢复期间
    没有请假、培训或离岗（对照 `registers/duty.yaml` 的 `leaves`）——不在岗的人不可能是处置期间的值班人员。

    ## 为什么
    标准要求：“证券期货机构应在应急处置结束前，保证专人24小时值班。”值班安排是否真正做到 24 小时
    不间断，需对照值班记录人工核对。

    ## 如何修复
    在事件记录中填写处置期间的值班人员。
    """
    leaves = handbook.records("duty", "leaves") if handbook.usable("duty") else []
    for incident in security_events(handbook):
        if not incident.get("on_duty"):
            yield Hit(incident.at("id"), f"{_label(incident)}没有记录处置期间的专人值班（on_duty）")
            continue
        start = incident.datetime("detected")
        if start is None:
            continue
        end = incident.datetime("recovered") or start + dt.timedelta(minutes=1)
        # someone on leave during the response was not the one on duty: the leave register says so
        for person, where in incident.items("on_duty"):
            for leave in leaves:
                if leave.get("person") != person:
                    continue
                away = _leave_span(leave)
                if away and away[0] < end and start < away[1]:
                    yield Hit(where, f"{_label(incident)}记录的处置期间值班人员 {handbook.person_name(person)} "
                                     f"当时{leave.get('kind', '离岗')}（registers/duty.yaml 的 leaves：{leave.get('from')} 至 "
                                     f"{leave.get('to')}），不在岗：on_duty 应写实际在岗值班的人员"
                                     + (f"，如其代岗人 {handbook.person_name(leave.get('substitute'))}" if leave.get("substitute") else ""))
                    break


@rule("RSP005", name="progress-notified", title="及时通报事件处置进展", clause="resp-6", needs=("incidents",))
def progress_notified(handbook):
    """
    ## 检查什么
    每个网络与信息安全事件至少有一条处置进展通报记录（`progress`：时间、对象）。

    ## 为什么
    标准要求：“应急处置人员应保持联系方式畅通，及时向有关方面通报事件处置进展情况。”

    ## 如何修复
    补记向应急领导小组、业务部门、客服和相关单位通报进展的时间和对象。
    """
    for incident in security_events(handbook):
        if not incident.records("progress"):
            yield Hit(incident.at("id"), f"{_label(incident)}没有处置进展通报记录（progress）")


@rule("RSP006", name="investors-informed", title="及时向投资者说明事件真实情况", clause="resp-7",
      needs=("incidents",))
def investors_informed(handbook):
    """
    ## 检查什么
    影响投资者的网络与信息安全事件（`investor_impact: true`）至少有一条向投资者的说明（`announcements`：时间、渠道），
    且最早一条不晚于发现时间 `detected` 后 `settings.investor_notice_minutes` 分钟（默认 30 分钟，即应急处置流程
    规定的首次对客说明时限；只能设得更短）。

    ## 为什么
    标准要求：“证券期货机构应及时向投资者说明事件的真实情况，引导投资者采取应急措施，取得投资者的
    理解与配合，配合媒体的采访报道。”

    ## 如何修复
    按应急预案的统一解释口径和通知公告模板发布说明，并记录时间、渠道和内容。
    """
    for incident in security_events(handbook):
        if incident.get("investor_impact") is not True:
            continue
        times = [a.datetime("time") for a in incident.records("announcements") if a.datetime("time")]
        if not times:
            yield Hit(incident.at("investor_impact"), f"{_label(incident)}影响投资者，但没有向投资者说明的记录（announcements）")
            continue
        detected = incident.datetime("detected")
        limit = handbook.settings.investor_notice_minutes
        if detected and min(times) > detected + dt.timedelta(minutes=limit):
            late = int((min(times) - detected).total_seconds() // 60)
            yield Hit(incident.at("announcements"), f"{_label(incident)}于 {detected:%Y-%m-%d %H:%M} 发现，向投资者的首次说明在 "
                                                    f"{min(times):%Y-%m-%d %H:%M}，间隔 {_duration(late)}，超过 {limit} 分钟"
                                                    "（settings.investor_notice_minutes），不够及时")


@rule("RSP007", name="response-records", title="做好应急处置记录并保留证据", clause="resp-8", needs=("incidents",))
def response_records(handbook):
    """
    ## 检查什么
    每个网络与信息安全事件都登记了应急处置记录的存放位置 `record` 和保留的证据 `evidence`（日志、截图、录音等及存放位置）。

    ## 为什么
    标准要求：“证券期货机构应做好应急处置的相关记录，保留有关证据。”事后的调查处理和责任认定都依赖这些记录。

    ## 如何修复
    整理处置记录和证据并登记存放位置；证据应在调查处理结束前保留。
    """
    for incident in security_events(handbook):
        missing = [zh for key, zh in (("record", "应急处置记录（record）"), ("evidence", "证据（evidence）"))
                   if not incident.get(key)]
        if missing:
            yield Hit(incident.at("id"), f"{_label(incident)}没有登记{'和'.join(missing)}")


def _reportable(incident) -> bool:
    return incident.get("reportable") is not False


def _regulator_reports(handbook, incident):
    return [r for r in incident.records("reports") if is_regulator(handbook, r.get("to"))]


@rule("RSP008", name="incident-reported", title="按有关规定向监管机构报告事件", clause="resp-9",
      needs=("incidents", "organisation"))
def incident_reported(handbook):
    """
    ## 检查什么
    每个网络与信息安全事件都有向监管机构（经营机构为住所地证监局，核心机构为中国证监会）的报告 `reports`；
    按有关规定无须报告的事件须写 `reportable: false` 并在 `not_reportable_reason` 中说明理由。

    ## 为什么
    标准要求：“证券期货机构应在网络与信息安全事件发生后，按有关规定报告事件情况，并保持持续报告，
    直至系统恢复正常运行，报告要素应完备、及时、准确，不得迟报、漏报、谎报或瞒报。”

    ## 如何修复
    补记报告的时间、对象、类型（初报/续报/终报）和记录；未报告的，立即按有关规定报告。

    ## 示例
    ```yaml
    reports:
      - {time: "2026-03-16 10:05", to: 中国证券监督管理委员会上海监管局, kind: 初报, method: 电话及监管报送系统}
    ```
    """
    kind, name = regulator(handbook)
    for incident in security_events(handbook):
        if not _reportable(incident):
            if not incident.get("not_reportable_reason"):
                yield Hit(incident.at("reportable"), f"{_label(incident)}标为无须报告，但没有说明理由（not_reportable_reason）")
            continue
        if not _regulator_reports(handbook, incident):
            others = _recipients(incident.records("reports"))
            extra = f"（只报告了{'、'.join(sorted(others))}）" if others else ""
            yield Hit(incident.at("id"), f"{_label(incident)}没有向{name}报告的记录{extra}")


@rule("RSP009", name="reported-until-recovery", title="持续报告直至系统恢复正常运行", clause="resp-9",
      needs=("incidents", "organisation"))
def reported_until_recovery(handbook):
    """
    ## 检查什么
    已向监管机构报告且已恢复正常运行（有 `recovered`）的网络与信息安全事件，有一次向监管机构的报告时间不早于恢复时间
    （系统恢复后的续报或终报）。

    ## 为什么
    标准要求“按有关规定报告事件情况，并保持持续报告，直至系统恢复正常运行”。只有初报、没有恢复后的
    报告，监管机构无从知道事件是否已经结束。

    ## 如何修复
    系统恢复后向监管机构报告恢复情况，并记录（`kind: 终报`）。
    """
    _, name = regulator(handbook)
    for incident in security_events(handbook):
        recovered = incident.datetime("recovered")
        reports = _regulator_reports(handbook, incident)
        if not _reportable(incident) or recovered is None or not reports:
            continue
        if not any(r.datetime("time") and r.datetime("time") >= recovered for r in reports):
            yield Hit(incident.at("reports"), f"{_label(incident)}于 {recovered:%Y-%m-%d %H:%M} 恢复，"
                                              f"但之后没有向{name}报告恢复情况")


@rule("RSP010", name="incident-reported-in-time", title="事件发现后在规定时限内向监管机构首次报告（不得迟报）",
      clause="resp-9", needs=("incidents", "organisation"))
def incident_reported_in_time(handbook):
    """
    ## 检查什么
    每个须报告的网络与信息安全事件，从发现时间 `detected` 到第一次向监管机构报告（`reports` 中
    发给监管机构、时间最早的一条）不超过机构设置 `settings.incident_report_minutes`（默认 30 分钟，
    即应急预案“事件报告流程”规定的电话初报时限）；报告时间不早于发现时间。没有发现时间的，
    无法衡量是否迟报，同样报告。没有任何监管报告的事件由 RSP008 报告。

    ## 为什么
    标准要求：“证券期货机构应在网络与信息安全事件发生后，按有关规定报告事件情况，并保持持续报告，
    直至系统恢复正常运行，报告要素应完备、及时、准确，不得迟报、漏报、谎报或瞒报。”只检查“报告了”
    不能发现迟报：三小时后才打出的第一个电话，也是一次报告。“及时”的具体时限由监管规定和本机构的
    应急预案确定，设置中的分钟数即为这一时限，只能设得更短。

    ## 如何修复
    核对事件档案中的报告记录，把第一次电话报告的实际时间写入 `reports`；确属迟报的，在事件调查中
    查明原因，按预案追究责任并整改报告流程。

    ## 示例
    ```yaml
    detected: "2026-11-10 13:47"
    reports:
      - {time: "2026-11-10 14:00", to: 中国证券监督管理委员会上海监管局, kind: 初报, method: 电话}
    ```
    """
    _, name = regulator(handbook)
    limit = handbook.settings.incident_report_minutes
    for incident in security_events(handbook):
        if not _reportable(incident):
            continue
        timed = [(r.datetime("time"), r) for r in _regulator_reports(handbook, incident) if r.datetime("time")]
        if not timed:
            continue
        first, report = min(timed, key=lambda pair: pair[0])
        detected = incident.datetime("detected")
        if detected is None:
            yield Hit(incident.at("id"), f"{_label(incident)}没有写明发现时间（detected），无法确认首次报告是否及时")
            continue
        minutes = int((first - detected).total_seconds() // 60)
        if minutes < 0:
            yield Hit(report.at("time"), f"{_label(incident)}首次向{name}报告的时间 {first:%Y-%m-%d %H:%M} "
                                         f"早于发现时间 {detected:%Y-%m-%d %H:%M}，请核对时间")
        elif minutes > limit:
            yield Hit(report.at("time"), f"{_label(incident)}于 {detected:%Y-%m-%d %H:%M} 发现，首次向{name}报告在 "
                                         f"{first:%Y-%m-%d %H:%M}，间隔 {_duration(minutes)}，超过 {limit} 分钟的报告时限"
                                         "（settings.incident_report_minutes），属于迟报")


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} 分钟"
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


@rule("RSP011", name="progress-cadence", title="处置期间按规定间隔通报进展", clause="resp-6", needs=("incidents",))
def progress_cadence(handbook):
    """
    ## 检查什么
    每个已恢复的网络与信息安全事件，从启动应急预案（`plan_activated`，未填时取发现时间 `detected`）到恢复
    （`recovered`）期间，相邻两次进展通报（`progress`）之间、启动到第一次通报之间，都不超过机构设置
    `settings.progress_report_minutes`（默认 30 分钟，即应急处置流程“处置进展每 30 分钟向决策机构通报一次”）；
    恢复后有一次通报（告知已恢复）。没有任何通报记录的事件由 RSP005 报告。

    ## 为什么
    标准要求：“应急处置人员应保持联系方式畅通，及时向有关方面通报事件处置进展情况。”只有一条通报记录
    不能说明“及时”：处置持续两小时而中间无人通报，业务部门和客服就只能猜测。

    ## 如何修复
    核对处置记录表，补记漏登的通报；确实没有按时通报的，在事件总结中分析原因并改进通报安排。

    ## 示例
    ```yaml
    plan_activated: "2026-03-16 09:34"
    recovered: "2026-03-16 10:25"
    progress:
      - {time: "2026-03-16 09:45", to: 应急领导小组, summary: 正在排查}
      - {time: "2026-03-16 10:15", to: 应急领导小组, summary: 决定切换至备库}
      - {time: "2026-03-16 10:30", to: 应急领导小组, summary: 已恢复正常}
    ```
    """
    limit = handbook.settings.progress_report_minutes
    for incident in security_events(handbook):
        start = incident.datetime("plan_activated") or incident.datetime("detected")
        recovered = incident.datetime("recovered")
        times = sorted(p.datetime("time") for p in incident.records("progress") if p.datetime("time"))
        if start is None or recovered is None or recovered <= start or not times:
            continue
        previous = start
        for when in [t for t in times if t <= recovered] + [recovered]:
            gap = int((when - previous).total_seconds() // 60)
            if gap > limit:
                what = "恢复" if when == recovered and when not in times else f"{when:%H:%M} 的通报"
                yield Hit(incident.at("progress"), f"{_label(incident)}在 {previous:%Y-%m-%d %H:%M} 之后到{what}之间 "
                                                   f"{gap} 分钟没有通报处置进展，超过 {limit} 分钟（settings.progress_report_minutes）")
            previous = max(previous, when)
        if not any(t >= recovered for t in times):
            yield Hit(incident.at("progress"), f"{_label(incident)}于 {recovered:%Y-%m-%d %H:%M} 恢复，但恢复后没有通报")
