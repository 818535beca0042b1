"""例外管理：registers/waivers.yaml 中登记的例外（豁免）本身是否有效。

例外是经批准、限期接受的已知差距：有效期内，它覆盖的发现在每一种输出中显示为“已豁免”，
不使门禁失败。这里的规则保证例外不会变成永久的开关：过期的例外、指向不存在的规则的例外、
未经有权人批准的例外都是错误；不再覆盖任何发现的例外是警告。
"""

from __future__ import annotations

from .. import waivers as wv
from ..findings import Hit
from . import rule

CHAPTER = "例外管理"

_EXAMPLE = """
    ```yaml
    waivers:
      - id: WVR-2026-01
        rule: SUP004
        record: SUP-006
        reason: 供应商年度评价因合同续签谈判推迟，12 月底前完成
        requested_by: P002
        approved_by: P001
        approved: 2026-11-16
        expires: 2026-12-31
    ```
"""


def _doc(text: str) -> str:
    return text.replace("{example}", _EXAMPLE)


@rule("WAV001", name="waiver-expired", title="例外到期后不再生效", clause="audit-6", needs=("waivers",), dated=True)
def waiver_expired(handbook):
    """
    ## 检查什么
    `registers/waivers.yaml` 中每条例外的到期日期 `expires` 不早于检查日期。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”检查发现的差距暂时不能纠正时，例外记录接受它的理由、审批和纠正期限。
    例外是限期接受的差距，不是永久的开关。到期后它覆盖的发现重新计入门禁，
    例外本身也报告为错误，提醒整改或重新审批。

    ## 如何修复
    差距已消除时删除这条例外；仍需延期时由有权人重新审批，登记新的审批日期和到期日期。

    ## 示例
    {example}
    """
    for w in wv.waivers(handbook):
        if w.expires and w.expires < handbook.as_of:
            yield Hit(w.record.at("expires"), f"例外 {w.id}（规则 {w.rule}，{w.scope}）已于 {w.expires.isoformat()} 到期，"
                                              "不再豁免；请整改后删除，或重新审批")


@rule("WAV002", name="waiver-unmatched", title="例外覆盖了实际存在的发现", clause="audit-6", severity="warning",
      needs=("waivers",), kind="findings")
def waiver_unmatched(handbook):
    """
    ## 检查什么
    每条有效的例外至少覆盖本次检查的一个发现（规则相同，且文件、记录编号、文档编号与例外写明的一致）。
    这条规则由检查引擎在全部规则运行之后判断；只运行部分规则时不报告。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”检查发现的差距暂时不能纠正时，例外记录接受它的理由、审批和纠正期限。
    不覆盖任何发现的例外，要么问题已经解决、例外应当删除，要么范围写错了、想豁免的发现并没有被豁免。

    ## 如何修复
    问题已解决时删除例外；否则按发现的文件、记录编号改正 `file`、`record` 或 `document`。

    ## 示例
    {example}
    """
    return ()


@rule("WAV003", name="waiver-unknown-rule", title="例外指向存在的规则", clause="audit-6", needs=("waivers",))
def waiver_unknown_rule(handbook):
    """
    ## 检查什么
    每条例外的 `rule` 是规则目录中存在的规则（`opsbook rules` 列出全部规则），且不是例外管理自身的规则（WAV）。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”检查发现的差距暂时不能纠正时，例外记录接受它的理由、审批和纠正期限。
    规则编号写错的例外什么也豁免不了，却让人以为差距已被接受。

    ## 如何修复
    按 `opsbook rules` 或站点的规则页改正规则编号。

    ## 示例
    {example}
    """
    for w in wv.waivers(handbook):
        if ("rule", "unknown") in wv.problems(handbook, w):
            yield Hit(w.record.at("rule"), f"例外 {w.id} 指向的规则“{w.rule}”不存在（或是例外管理自身的规则，不能豁免）")


@rule("WAV004", name="waiver-approval", title="例外由有权人批准，且不是申请人本人", clause="audit-6",
      needs=("waivers", "organisation", "staff"))
def waiver_approval(handbook):
    """
    ## 检查什么
    每条例外的审批人 `approved_by` 是设置 `settings.waiver_approvers` 所列责任（`responsibilities` 的键，
    默认 `it_head` 信息技术负责人）的担任者，不是申请人 `requested_by` 本人，且仍然在职。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”检查发现的差距暂时不能纠正时，例外记录接受它的理由、审批和纠正期限。
    接受一项合规差距是管理决定，应由有权限的人作出，并与申请人分离，否则例外就成了自己给自己开的口子。

    ## 如何修复
    请有权人审批；需要其他人也能审批时，在 `registers/organisation.yaml` 的 `settings.waiver_approvers` 中加入其责任。

    ## 示例
    ```yaml
    # registers/organisation.yaml
    settings:
      waiver_approvers: [it_head, operations_head]
    ```
    """
    allowed = wv.approvers(handbook)
    names = "、".join(f"{handbook.person_name(p)}（{k}）" for p, k in allowed.items()) or "（无人：responsibilities 中未指定）"
    for w in wv.waivers(handbook):
        for field, kind in wv.problems(handbook, w):
            if kind == "self":
                yield Hit(w.record.at("approved_by"), f"例外 {w.id} 的审批人与申请人都是 {handbook.person_name(w.approved_by)}，不得自己审批")
            elif kind == "authority":
                yield Hit(w.record.at("approved_by"), f"例外 {w.id} 的审批人{handbook.person_name(w.approved_by)}"
                                                      f"没有例外审批权限；有权审批的是：{names}")
            elif kind == "left":
                yield Hit(w.record.at("approved_by"), f"例外 {w.id} 的审批人{handbook.person_name(w.approved_by)}已不在职，请重新审批")


@rule("WAV005", name="waiver-scope-period", title="例外写明范围，有效期不超过上限", clause="audit-6",
      needs=("waivers", "organisation"))
def waiver_scope_period(handbook):
    """
    ## 检查什么
    每条例外至少写明一个覆盖范围（`file` 文件、`record` 记录编号或 `document` 文档编号），
    到期日期不早于审批日期，且从审批到到期不超过 `settings.waiver_max_days` 天（默认 180 天）。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”检查发现的差距暂时不能纠正时，例外记录接受它的理由、审批和纠正期限。
    不写范围的例外会豁免一条规则的全部发现；过长的例外等于永久豁免。限定范围和期限，
    差距才会按时回到门禁中。

    ## 如何修复
    写明范围；把到期日期改到上限之内，到期前整改，确需延期时重新审批。

    ## 示例
    {example}
    """
    limit = handbook.settings.waiver_max_days
    for w in wv.waivers(handbook):
        for field, kind in wv.problems(handbook, w):
            if kind == "scope":
                yield Hit(w.record.at("id"), f"例外 {w.id} 没有写明覆盖范围（file、record 或 document 至少一项），不会豁免任何发现")
            elif kind == "order":
                yield Hit(w.record.at("expires"), f"例外 {w.id} 的到期日期 {w.expires.isoformat()} 早于审批日期 {w.approved.isoformat()}")
            elif kind == "too-long":
                days = (w.expires - w.approved).days
                yield Hit(w.record.at("expires"), f"例外 {w.id} 有效期 {days} 天，超过上限 {limit} 天（settings.waiver_max_days）")


for _rule in (waiver_expired, waiver_unmatched, waiver_unknown_rule, waiver_approval, waiver_scope_period):
    _rule.__doc__ = _doc(_rule.__doc__)
