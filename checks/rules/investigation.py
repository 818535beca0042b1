"""调查处理：内部调查、整改和责任追究，事件总结报告，原因暂不能确定时的初步分析和补充报告。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import action_open, incident_label as _label
from ._emergency import is_regulator, regulator
from .emergency_response import security_events

CHAPTER = "调查处理"


def _closed(incident) -> bool:
    return incident.get("status") == "已关闭"


@rule("INV001", name="summary-report", title="应急处置结束后形成事件总结报告", clause="inv-1", needs=("incidents",))
def summary_report(handbook):
    """
    ## 检查什么
    已关闭（`status: 已关闭`）的网络与信息安全事件（`security_event: false` 的普通运维事件除外，下同）都有事件总结报告 `summary_report`，写明日期 `date` 和报告存放位置 `record`。
    报告日期不早于系统恢复 `recovered`（应急处置结束后才能总结），不晚于事件关闭 `closed`。

    ## 为什么
    标准要求：“证券期货机构应建立事故调查处理机制，在网络与信息安全事件应急处置结束后，进行内部调查、
    责任追究和采取整改措施，并形成事件总结报告。”

    ## 如何修复
    完成事件总结报告后登记日期和存放位置；报告尚未完成的事件不要关闭（状态用“调查中”）。

    ## 示例
    ```yaml
    summary_report: {date: 2026-02-03, to: 中国证券监督管理委员会上海监管局, record: 事件档案 INC-2026-001/总结报告.pdf}
    ```
    """
    for incident in security_events(handbook):
        if not _closed(incident):
            continue
        report = incident.sub("summary_report")
        if report is None:
            yield Hit(incident.at("status"), f"{_label(incident)}已关闭，但没有事件总结报告（summary_report）")
            continue
        missing = [zh for key, zh in (("date", "日期（date）"), ("record", "存放位置（record）")) if not report.get(key)]
        if missing:
            yield Hit(report.at(), f"{_label(incident)}的事件总结报告缺少{'、'.join(missing)}")
        # the report sums up the investigation after the response ended: not before recovery, not after closing
        written, recovered, closed = report.date("date"), incident.datetime("recovered"), incident.date("closed")
        if written and recovered and written < recovered.date():
            yield Hit(report.at("date"), f"{_label(incident)}的事件总结报告日期 {written} 早于系统恢复 {dates.fmt(recovered)}："
                                         "总结报告在应急处置结束后形成，请核对日期")
        elif written and closed and written > closed:
            yield Hit(report.at("date"), f"{_label(incident)}的事件总结报告日期 {written} 晚于事件关闭 {closed}："
                                         "总结报告完成前事件不应关闭，请核对日期或把状态改回“调查中”")


@rule("INV002", name="investigation-actions", title="内部调查后采取整改措施并追究责任", clause="inv-1",
      needs=("incidents", "staff"), dated=True)
def investigation_actions(handbook):
    """
    ## 检查什么
    已关闭的网络与信息安全事件记录了整改措施 `corrective_actions`（至少一条）和责任追究结论 `accountability.decision`
    （经调查不涉及责任追究的也写明结论）。每条整改措施都有责任人 `owner` 和完成期限 `due`；未完成
    （没有 `closed`）的措施不得超过期限，其责任人须在职。

    ## 为什么
    标准要求：“证券期货机构应建立事故调查处理机制，在网络与信息安全事件应急处置结束后，进行内部调查、
    责任追究和采取整改措施，并形成事件总结报告。”

    ## 如何修复
    补记整改措施和责任追究结论；完成整改后填写完成日期；确需延期的，经批准后修改期限。
    """
    for incident in security_events(handbook):
        actions = incident.records("corrective_actions")
        if _closed(incident):
            if not actions:
                yield Hit(incident.at("status"), f"{_label(incident)}已关闭，但没有整改措施（corrective_actions）")
            accountability = incident.sub("accountability")
            if accountability is None or not accountability.get("decision"):
                yield Hit(incident.at("status"), f"{_label(incident)}已关闭，但没有责任追究结论（accountability.decision）")
        for action in actions:
            label = f"{_label(incident)}的整改措施“{str(action.get('action'))[:30]}”"
            missing = [zh for key, zh in (("owner", "责任人（owner）"), ("due", "完成期限（due）")) if not action.get(key)]
            if missing:
                yield Hit(action.at("action"), f"{label}缺少{'、'.join(missing)}")
            if not action_open(action):
                continue
            due = action.date("due")
            if due:  # open, with a deadline: overdue once it has passed
                yield Obligation(f"完成{label}", due, action.at("due"), f"{label}已超过完成期限 {due}，尚未完成",
                                 owner=action.get("owner"), cycle="一次", key=f"{action.source.path}#{incident.id}|{action.get('action')}")
            owner = action.get("owner")
            if owner and handbook.has_left(owner):
                yield Hit(action.at("owner"), f"{label}的责任人 {handbook.person_name(owner)} 已不在职")


@rule("INV003", name="summary-report-submitted", title="按有关规定报送事件总结报告", clause="inv-2",
      needs=("incidents", "organisation"))
def summary_report_submitted(handbook):
    """
    ## 检查什么
    须报告的（没有 `reportable: false`）已关闭事件，其事件总结报告写明了报送对象 `summary_report.to`，
    且是本机构的监管机构（经营机构为住所地证监局，核心机构为中国证监会）。

    ## 为什么
    标准要求：“证券期货机构应按照有关规定报送事件总结报告。”

    ## 如何修复
    向监管机构报送事件总结报告，并登记报送对象和日期。
    """
    kind, name = regulator(handbook)
    for incident in security_events(handbook):
        report = incident.sub("summary_report")
        if not _closed(incident) or report is None or incident.get("reportable") is False:
            continue
        to = report.get("to")
        if not to:
            yield Hit(report.at(), f"{_label(incident)}的事件总结报告没有写明报送对象（to）；应报送{name}")
        elif not is_regulator(handbook, to):
            yield Hit(report.at("to"), f"{_label(incident)}的事件总结报告报送给了“{to}”；{kind}应报送{name}")


def _cause_undetermined(incident) -> bool:
    """Whether the record shows no established cause: marked ``cause_known: false``, or no cause
    written at all (a ``cause_known: true`` label without a cause is not evidence of one)."""
    return incident.get("cause_known") is False or not incident.get("cause")


@rule("INV004", name="unknown-cause-reports", title="原因暂不能确定的事件先报初步分析、再报补充报告",
      clause="inv-3", needs=("incidents",))
def unknown_cause_reports(handbook):
    """
    ## 检查什么
    原因暂时无法确定的事件（`cause_known: false`，或者根本没有写明原因 `cause`：只标 `cause_known: true`
    而不写原因，不能证明原因已查明）：已恢复（有 `recovered`）后应有初步分析报告
    `preliminary_report`；关闭前应有补充报告 `supplementary_report`，其日期不早于初步分析报告。
    即：原因不明的事件一经关闭而没有补充报告，即报告为错误。

    ## 为什么
    标准要求：“暂时无法确定事件原因、责任和结论的，应先给出事件的初步分析判断，并组织力量尽快查找原因，
    认定事件责任，给出事件结论，采取整改措施，追究责任，并提交补充报告。”

    ## 如何修复
    登记初步分析报告；查明原因后提交补充报告并登记（日期、对象、存放位置），再关闭事件。尚未关闭、
    迟迟未能提交补充报告的事件由 INV005 提醒。
    """
    for incident in security_events(handbook):
        if not _cause_undetermined(incident):
            continue
        why = ("原因暂不能确定" if incident.get("cause_known") is False
               else "没有写明原因（cause），按原因暂不能确定处理")
        where = incident.at("cause_known") if "cause_known" in incident else incident.at("id")
        preliminary = incident.sub("preliminary_report")
        supplementary = incident.sub("supplementary_report")
        if (preliminary is None or not preliminary.get("date")) and (incident.get("recovered") or _closed(incident)):
            yield Hit(where, f"{_label(incident)}{why}，但没有初步分析报告（preliminary_report）")
        if _closed(incident) and (supplementary is None or not supplementary.get("date")):
            if incident.get("cause"):
                yield Hit(incident.at("status"), f"{_label(incident)}处置时原因暂不能确定（cause_known: false），后来认定的原因"
                                                 f"“{incident.get('cause')}”没有以补充报告（supplementary_report）提交即已关闭")
            else:
                yield Hit(incident.at("status"), f"{_label(incident)}原因未查明即关闭，没有补充报告（supplementary_report）")
        if preliminary and supplementary:
            first, second = preliminary.date("date"), supplementary.date("date")
            if first and second and second < first:
                yield Hit(supplementary.at("date"), f"{_label(incident)}的补充报告日期 {second} 早于初步分析报告 {first}："
                                                    "补充报告在初步分析之后提交，请核对日期")


@rule("INV005", name="unknown-cause-pending", title="原因不明的事件尽快查明并提交补充报告", clause="inv-3",
      severity="warning", needs=("incidents",), dated=True)
def unknown_cause_pending(handbook):
    """
    ## 检查什么
    尚未关闭、原因暂不能确定（`cause_known: false`）且还没有补充报告的事件，恢复（或发现）后超过
    `settings.supplementary_report_days`（默认 30）天时提醒。

    ## 为什么
    标准要求对暂时无法确定原因的事件“组织力量尽快查找原因，认定事件责任，给出事件结论，采取整改措施，
    追究责任，并提交补充报告”。长期悬而未决的事件需要管理层关注。

    ## 如何修复
    加快调查；查明原因后提交补充报告并登记。
    """
    days = handbook.settings.supplementary_report_days
    for incident in security_events(handbook):
        if not _cause_undetermined(incident) or incident.get("status") == "已关闭":
            continue
        supplementary = incident.sub("supplementary_report")
        if supplementary is not None and supplementary.get("date"):
            continue
        since = incident.datetime("recovered") or incident.datetime("detected")
        if since is None:
            continue
        elapsed = (handbook.as_of - since.date()).days
        yield Obligation(f"提交{_label(incident)}的补充报告", since.date() + dt.timedelta(days=days), incident.at("cause_known"),
                         f"{_label(incident)}原因至今未查明（已 {elapsed} 天），尚未提交补充报告",
                         owner=incident.get("commander"), cycle="一次", key=f"{incident.source.path}#{incident.id}|supplementary")
