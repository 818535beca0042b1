"""制度和流程管理：标准列出的管理制度和操作流程齐全、现行，并按周期评审。"""

from __future__ import annotations

from .. import dates
from ..findings import Hit
from ..model import STATUS_ZH, Location
from ..obligations import Obligation
from . import rule

CHAPTER = "制度和流程管理"

POLICIES = ("机房管理", "网络与系统管理", "数据和介质管理", "交付管理", "测试管理", "配置管理", "安全管理",
            "值班管理", "监控管理", "文档管理", "设备和软件管理", "供应商管理", "关联单位关系管理", "检查审计")
PROCEDURES = ("日常操作", "事件处理", "问题处理", "系统变更", "应急处置")


def _required(handbook, kind: str, areas, noun: str):
    have = {}
    for document in handbook.docs(kind):
        area = document.meta.get("covers")
        if area and document.status == "active":
            have.setdefault(area, document)
    kind_zh = {"policy": "policy", "procedure": "procedure"}[kind]
    for area in areas:
        if area in have:
            continue
        # the current document may have lost its kind (or broken its front matter): point at it, not at an old one
        others = [d for d in handbook.documents if d.has_front_matter and d.meta.get("covers") == area
                  and d.meta.get("kind") != kind and d.status == "active"]
        if others:
            doc = others[0]
            written = doc.meta.get("kind")
            state = f"kind 为“{written}”" if written else "没有写 kind"
            yield Hit(doc.meta.at("kind") if written else doc.meta.at(),
                      f"《{doc.title}》是现行的“{area}”文档，但{state}，因此不算作{noun}：应为 kind: {kind_zh}")
            continue
        candidates = [d for d in handbook.docs(kind) if d.meta.get("covers") == area]
        # a draft on its way to replace it says more than an obsolete predecessor
        candidates.sort(key=lambda d: (d.status != "draft", d.path))
        if candidates:
            doc = candidates[0]
            yield Hit(doc.meta.at("status"), f"“{area}”{noun}没有现行版本：《{doc.title}》的状态为"
                                             f"{STATUS_ZH.get(doc.status, doc.status)}（status: {doc.status}）")
        else:
            yield Hit(Location("docs/", None), f"缺少“{area}”{noun}（kind: {kind}，covers: {area}）")


@rule("POL001", name="required-policies", title="运维管理制度齐全", clause="policy-2")
def required_policies(handbook):
    """
    ## 检查什么
    标准列出的 14 项运维管理制度各有一篇现行文档：头信息 `kind: policy`、`status: active`，
    `covers` 为对应的制度名称。

    ## 为什么
    标准要求：“运维管理制度应包括但不限于：机房管理、网络与系统管理、数据和介质管理、
    交付管理、测试管理、配置管理、安全管理、值班管理、监控管理、文档管理、设备和软件管理、
    供应商管理、关联单位关系管理、检查审计等制度。”

    ## 如何修复
    在 `docs/policies/` 中新增缺少的制度（可从示例手册复制后修改），或把草稿审批发布为现行。
    """
    return _required(handbook, "policy", POLICIES, "管理制度")


@rule("POL002", name="required-procedures", title="运维操作流程齐全", clause="policy-3")
def required_procedures(handbook):
    """
    ## 检查什么
    标准列出的 5 项运维操作流程各有一篇现行文档：`kind: procedure`、`status: active`，
    `covers` 为对应的流程名称。

    ## 为什么
    标准要求：“运维操作流程应包括但不限于日常操作、事件处理、问题处理、系统变更、应急处置等流程。”

    ## 如何修复
    在 `docs/procedures/` 中新增缺少的流程，或把草稿审批发布为现行。
    """
    return _required(handbook, "procedure", PROCEDURES, "操作流程")


@rule("POL003", name="review-cycle", title="制度和流程按周期评审", clause="policy-5", dated=True)
def review_cycle(handbook):
    """
    ## 检查什么
    每篇现行的管理制度（`kind: policy`）和操作流程（`kind: procedure`）都有最近评审日期
    `last_reviewed`，且距检查日期不超过评审周期：文档头信息的 `review_cycle_months`，
    或机构设置 `settings.review_cycle_months`（默认 12 个月）。评审日期不得晚于检查日期。

    ## 为什么
    标准要求：“至少每年一次评审、修订运维管理制度和操作流程。”

    ## 如何修复
    组织评审；评审后更新 `last_reviewed`，内容有修订时同时升级 `version` 并增加一条修订记录。

    ## 示例
    ```yaml
    last_reviewed: 2026-03-15
    ```
    """
    for document in handbook.docs():
        if document.meta.get("kind") not in ("policy", "procedure") or document.status != "active":
            continue
        reviewed = document.meta.date("last_reviewed")
        if reviewed is None:
            yield Hit(document.meta.at(), f"《{document.title}》没有最近评审日期（last_reviewed）")
            continue
        if reviewed > handbook.as_of:
            yield Hit(document.meta.at("last_reviewed"), f"《{document.title}》的评审日期 {reviewed} 晚于检查日期 {handbook.as_of}")
            continue
        months = review_months(handbook, document)
        due = review_due(handbook, document)
        yield Obligation(
            f"评审《{document.title}》", due, document.meta.at("last_reviewed"),
            f"《{document.title}》上次评审于 {reviewed}，已超过 {months} 个月的评审周期（应于 {due} 前评审）",
            owner=document.meta.get("owner"), cycle=f"每 {months} 个月",
            key=f"{document.path}|review")


def review_months(handbook, document) -> int:
    """The document's review cycle: its own ``review_cycle_months`` or the organisation's setting."""
    months = document.meta.get("review_cycle_months")
    return months if isinstance(months, int) and months > 0 else handbook.settings.review_cycle_months


def review_due(handbook, document):
    """The date by which a document must next be reviewed (None without a review date).
    The one definition of “review due”: POL003 and the site's document pages both use it."""
    reviewed = document.meta.date("last_reviewed")
    return dates.add_months(reviewed, review_months(handbook, document)) if reviewed else None
