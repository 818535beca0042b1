"""供应商管理：合同、保密协议和承诺书、监管延伸检查条款、定期评价，以及运维外包服务管理。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation, responsible
from . import rule
from ._common import blank as _blank

CHAPTER = "供应商管理"

# 涉及证券期货交易、行情、开户、结算的软件产品或技术服务
INSPECTED_CATEGORIES = ("交易", "行情", "开户", "结算")
COMMITMENTS = ("无恶意代码或未授权功能", "无违反法律法规的功能模块", "符合行业技术规范和技术指引")
CONTRACT_FIELDS = {
    "id": "合同编号",
    "signed": "签订日期",
    "scope": "服务要求和范围",
    "responsibilities": "供应商的责任、义务",
}
EVALUATION_FIELDS = {
    "quality": "服务质量",
    "contract_performance": "合同履行情况",
    "staff_performance": "人员工作情况",
}


def _supplier(rec) -> str:
    name = rec.get("name")
    return f"供应商“{name}”（{rec.id}）" if name else f"供应商 {rec.id}"


def _suppliers(handbook):
    """Suppliers the firm still works with."""
    return [s for s in handbook.records("suppliers") if s.get("status") != "已终止"]


def _supplier_owner(handbook):
    return responsible(handbook, "supplier_owner")


def _arrangement(rec) -> str:
    name = rec.get("name")
    return f"外包服务“{name}”（{rec.id}）" if name else f"外包服务 {rec.id}"


def _arrangements(handbook):
    """Outsourcing arrangements still running."""
    return [o for o in handbook.records("suppliers", "outsourcing") if o.get("status") != "已终止"]


def _present_staff(arrangement):
    return [p for p in arrangement.records("staff") if p.get("status") != "已离场"]


def _periodic(handbook, records, months: int, start, what: str, where_none, label: str, owner=None):
    """The obligation shared by evaluations and supervision: a dated record every ``months``.

    ``start`` is when the first record becomes due from (contract signed, arrangement start);
    without it a missing record is due now.  ``label`` names the supplier or arrangement.
    """
    as_of = handbook.as_of
    dated = [r for r in records if r.date("date") and r.date("date") <= as_of]
    cycle = f"每 {months} 个月"
    if not dated:
        due = dates.add_months(start, months) if start else as_of - dt.timedelta(days=1)
        since = f"（自 {start} 起）" if start else ""
        return Obligation(f"{label}{what}", due, where_none, f"{label}没有{what}记录{since}，应每 {months} 个月至少一次",
                          owner=owner, cycle=cycle, key=f"{where_none.file}|{label}|{what}")
    latest = max(dated, key=lambda r: r.date("date"))
    due = dates.add_months(latest.date("date"), months)
    return Obligation(f"{label}{what}", due, latest.at("date"),
                      f"{label}最近一次{what}于 {latest.date('date')}，已超过 {months} 个月（应于 {due} 前完成）",
                      owner=owner, cycle=cycle, key=f"{latest.source.path}|{label}|{what}")


@rule("SUP001", name="supplier-contract", title="合同明确供应商责任义务和服务要求范围", clause="supplier-2",
      needs=("suppliers",), dated=True)
def supplier_contract(handbook):
    """
    ## 检查什么
    每个合作中的供应商（`status` 不是“已终止”）都有合同记录 `contract`：合同编号 `id`、签订日期
    `signed`、服务要求和范围 `scope`、供应商应承担的责任和义务 `responsibilities`；合同到期日
    `expires` 没有过去。

    ## 为什么
    标准要求：“证券期货机构应在与供应商签订的合同中明确其应承担的责任、义务，并约定服务要求和
    范围等内容。”合同到期而服务仍在继续，双方的责任义务就失去了约定。

    ## 如何修复
    补充合同信息（摘录合同中相应条款的要点）；合同到期前续签，续签后更新合同编号和日期。

    ## 示例
    ```yaml
    contract:
      id: MC-IT-2026-003
      signed: 2026-01-10
      expires: 2026-12-31
      scope: 集中交易系统 7×24 小时技术支持、版本升级、现场服务（响应 30 分钟、到场 2 小时）
      responsibilities: 保证系统稳定运行；按约定时限响应和修复；因乙方原因造成损失的承担赔偿责任
      regulator_inspection_clause: true
    ```
    """
    for supplier in _suppliers(handbook):
        contract = supplier.sub("contract")
        if contract is None:
            yield Hit(supplier.at(), f"{_supplier(supplier)}没有合同记录（contract）")
            continue
        missing = [f"{zh}（contract.{key}）" for key, zh in CONTRACT_FIELDS.items() if _blank(contract.get(key))]
        if missing:
            yield Hit(contract.at(), f"{_supplier(supplier)}的合同缺少：{'、'.join(missing)}")
        expires = contract.date("expires")
        if expires:
            yield Obligation(f"与{_supplier(supplier)}续签合同", expires, contract.at("expires"),
                             f"{_supplier(supplier)}的合同已于 {expires} 到期，仍在合作中",
                             owner=_supplier_owner(handbook), cycle="合同到期前", key=f"{supplier.source.path}#{supplier.id}|contract")


@rule("SUP002", name="supplier-confidentiality", title="与供应商签署保密协议", clause="supplier-3",
      needs=("suppliers",), dated=True)
def supplier_confidentiality(handbook):
    """
    ## 检查什么
    每个合作中的供应商都有保密协议 `confidentiality_agreement`：签署日期 `signed` 和协议存放位置
    `record`；协议有终止日期 `until` 的，没有过期。

    ## 为什么
    标准要求：“证券期货机构应与供应商签署保密协议，不得泄露所服务机构的保密信息”。

    ## 如何修复
    与供应商签署保密协议（可作为合同附件），填写签署日期和存放位置；到期前续签。

    ## 示例
    ```yaml
    confidentiality_agreement: {signed: 2022-03-01, record: 合同柜 C-02 / 保密协议 BM-2022-005}
    ```
    """
    for supplier in _suppliers(handbook):
        agreement = supplier.sub("confidentiality_agreement")
        if agreement is None or _blank(agreement.get("signed")):
            where = agreement.at() if agreement else supplier.at()
            yield Hit(where, f"{_supplier(supplier)}没有签署保密协议的记录（confidentiality_agreement.signed）")
            continue
        if _blank(agreement.get("record")):
            yield Hit(agreement.at(), f"{_supplier(supplier)}的保密协议没有记录存放位置（confidentiality_agreement.record）")
        until = agreement.date("until")
        if until:
            yield Obligation(f"与{_supplier(supplier)}续签保密协议", until, agreement.at("until"),
                             f"{_supplier(supplier)}的保密协议已于 {until} 到期",
                             owner=_supplier_owner(handbook), cycle="协议到期前", key=f"{supplier.source.path}#{supplier.id}|nda")


@rule("SUP003", name="supplier-commitment-letter", title="供应商签署无恶意代码等承诺书", clause="supplier-3",
      needs=("suppliers",))
def supplier_commitment_letter(handbook):
    """
    ## 检查什么
    每个合作中的供应商都签署了承诺书 `commitment_letter`：签署日期 `signed`、存放位置 `record`，
    承诺内容 `covers` 包括三项：无恶意代码或未授权功能、无违反法律法规的功能模块、符合行业技术
    规范和技术指引。只提供物业等服务、不提供任何软硬件产品或技术服务的供应商，可以在
    `not_applicable` 中说明不适用的原因。

    ## 为什么
    标准要求：“要求供应商签署承诺书，承诺产品不存在恶意代码或未授权的功能，不提供违反我国法律
    法规的功能模块，并符合证券期货行业有关技术规范和技术指引。”

    ## 如何修复
    请供应商签署包含三项承诺的承诺书，填写签署日期、承诺内容和存放位置。

    ## 示例
    ```yaml
    commitment_letter:
      signed: 2022-03-01
      covers: [无恶意代码或未授权功能, 无违反法律法规的功能模块, 符合行业技术规范和技术指引]
      record: 合同柜 C-02 / 承诺书 CN-2022-003
    ```
    """
    for supplier in _suppliers(handbook):
        letter = supplier.sub("commitment_letter")
        if letter is not None and not _blank(letter.get("not_applicable")):
            continue
        if letter is None or _blank(letter.get("signed")):
            where = letter.at() if letter else supplier.at()
            yield Hit(where, f"{_supplier(supplier)}没有签署承诺书的记录（commitment_letter.signed）")
            continue
        covered = {value for value, _ in letter.items("covers")}
        missing = [c for c in COMMITMENTS if c not in covered]
        if missing:
            yield Hit(letter.at("covers") if "covers" in letter else letter.at(),
                      f"{_supplier(supplier)}的承诺书未包括：{'、'.join(missing)}")
        if _blank(letter.get("record")):
            yield Hit(letter.at(), f"{_supplier(supplier)}的承诺书没有记录存放位置（commitment_letter.record）")


@rule("SUP004", name="regulator-inspection-clause", title="交易、行情、开户、结算类合同约定接受监管延伸检查",
      clause="supplier-4", needs=("suppliers",))
def regulator_inspection_clause(handbook):
    """
    ## 检查什么
    提供交易、行情、开户或结算类产品或服务的合作中供应商，合同中明确了供应商应接受证券期货
    行业监管部门的信息安全延伸检查（`contract.regulator_inspection_clause: true`）。是否提供这类产品
    或服务，不只看供应商自报的供应类别 `category`：配置库（`registers/configuration.yaml`）中由它供应
    （`supplier`）的在用交易业务系统（`trading: true`）同样说明它在范围内。没有合同记录的由 SUP001 报告。

    ## 为什么
    标准要求：“证券期货机构应在涉及证券期货交易、行情、开户、结算等软件产品或技术服务的采购
    合同中，明确供应商应接受证券期货行业监管部门的信息安全延伸检查。”供应类别是登记时写下的标签，
    供应商后来承接了交易系统，标签不会自己改变；配置库记录的是它实际供应什么。

    ## 如何修复
    在合同（或补充协议）中增加延伸检查条款，然后填写 `regulator_inspection_clause: true`；
    供应类别写错的一并改正。

    ## 示例
    ```yaml
    category: 交易
    contract:
      regulator_inspection_clause: true
    ```
    """
    supplied: dict = {}
    for item in handbook.records("configuration", "items"):
        if item.get("trading") is True and item.get("status") not in ("停用", "下线") and item.get("supplier"):
            supplied.setdefault(item.get("supplier"), []).append(item)
    for supplier in _suppliers(handbook):
        category = supplier.get("category")
        systems = supplied.get(supplier.id, [])
        if category not in INSPECTED_CATEGORIES and not systems:
            continue
        contract = supplier.sub("contract")
        if contract is None or contract.get("regulator_inspection_clause") is True:
            continue
        where = contract.at("regulator_inspection_clause") if "regulator_inspection_clause" in contract else contract.at()
        if category in INSPECTED_CATEGORIES:
            what = f"提供{category}类产品或服务"
        else:
            names = "、".join(f"{i.get('name', i.id)}（{i.id}）" for i in systems)
            what = f"的供应类别写为“{category or '未填写'}”，但配置库显示它供应交易业务系统 {names}"
        yield Hit(where, f"{_supplier(supplier)}{what}，合同未明确供应商应接受"
                         "证券期货行业监管部门的信息安全延伸检查（contract.regulator_inspection_clause）")


@rule("SUP005", name="supplier-evaluation", title="定期评价供应商并形成评价报告", clause="supplier-5",
      needs=("suppliers",), dated=True)
def supplier_evaluation(handbook):
    """
    ## 检查什么
    每个合作中的供应商在评价周期内（`settings.supplier_evaluation_months`，默认 12 个月）评价过一次：
    `evaluations` 中最近一次评价距检查日期不超过一个周期；合作开始（`since`，未填时取合同签订日期）
    不满一个周期的不要求。每次评价都包括服务质量 `quality`、合同履行情况 `contract_performance`、
    人员工作情况 `staff_performance`，并形成评价报告 `report`。

    ## 为什么
    标准要求：“证券期货机构应定期收集、更新供应商信息，组织对供应商的服务质量、合同履行情况、
    人员工作情况等内容进行评价，形成评价报告，并跟踪和记录供应商改进情况。”

    ## 如何修复
    组织评价，把评价要点和报告编号记入 `evaluations`。

    ## 示例
    ```yaml
    evaluations:
      - date: 2025-12-22
        by: [P002, P015]
        quality: 全年故障响应均在约定时限内
        contract_performance: 按合同完成两次版本升级
        staff_performance: 驻场工程师稳定，熟悉业务
        result: 良好
        report: 供应商评价报告 GYS-PJ-2025-01
    ```
    """
    months = handbook.settings.supplier_evaluation_months
    for supplier in _suppliers(handbook):
        contract = supplier.sub("contract")
        start = supplier.date("since") or (contract.date("signed") if contract else None)
        evaluations = supplier.records("evaluations")
        yield _periodic(handbook, evaluations, months, start, "评价", supplier.at(), _supplier(supplier),
                        _supplier_owner(handbook))
        for evaluation in evaluations:
            missing = [f"{zh}（{key}）" for key, zh in EVALUATION_FIELDS.items() if _blank(evaluation.get(key))]
            if missing:
                yield Hit(evaluation.at(), f"{_supplier(supplier)}{evaluation.get('date')} 的评价未包括：{'、'.join(missing)}")
            if _blank(evaluation.get("report")):
                yield Hit(evaluation.at(), f"{_supplier(supplier)}{evaluation.get('date')} 的评价没有形成评价报告（report）")


@rule("SUP006", name="supplier-info-updated", title="定期收集、更新供应商信息", clause="supplier-5",
      needs=("suppliers",), dated=True)
def supplier_info_updated(handbook):
    """
    ## 检查什么
    每个合作中的供应商都记录了最近一次收集、更新供应商信息的日期 `info_updated`，且距检查日期
    不超过供应商评价周期（`settings.supplier_evaluation_months`，默认 12 个月）。

    ## 为什么
    标准要求：“证券期货机构应定期收集、更新供应商信息”。供应商的资质、股权、联系人和经营状况
    发生变化时，机构应及时掌握。

    ## 如何修复
    向供应商收集最新的资质证明、联系人和经营信息，更新供应商档案后填写 `info_updated`。
    """
    months = handbook.settings.supplier_evaluation_months
    for supplier in _suppliers(handbook):
        updated = supplier.date("info_updated")
        if updated is None:
            yield Hit(supplier.at(), f"{_supplier(supplier)}没有记录供应商信息的更新日期（info_updated）")
            continue
        due = dates.add_months(updated, months)
        yield Obligation(f"更新{_supplier(supplier)}的信息", due, supplier.at("info_updated"),
                         f"{_supplier(supplier)}的信息最近一次更新于 {updated}，已超过 {months} 个月（应于 {due} 前更新）",
                         owner=_supplier_owner(handbook), cycle=f"每 {months} 个月", key=f"{supplier.source.path}#{supplier.id}|info")


@rule("SUP007", name="supplier-improvements", title="跟踪和记录供应商改进情况", clause="supplier-5",
      needs=("suppliers",), dated=True)
def supplier_improvements(handbook):
    """
    ## 检查什么
    供应商评价中提出的每项改进要求 `improvements` 都记录了改进情况 `status`；已完成的写明完成日期
    `closed`；未完成的如有要求完成日期 `due`，没有逾期。

    ## 为什么
    标准要求对供应商“进行评价，形成评价报告，并跟踪和记录供应商改进情况”。

    ## 如何修复
    跟进供应商的改进，更新 `status`，完成后填写 `closed` 和跟踪记录；逾期的督促供应商并在下次
    评价中体现。

    ## 示例
    ```yaml
    improvements:
      - {item: 行情延迟告警响应偏慢, due: 2026-03-31, status: 已完成, closed: 2026-03-15, record: 跟踪记录 GJ-2026-02}
    ```
    """
    for supplier in _suppliers(handbook):
        for evaluation in supplier.records("evaluations"):
            for item in evaluation.records("improvements"):
                label = f"{_supplier(supplier)}的改进事项“{item.get('item')}”"
                status = item.get("status")
                if not status:
                    yield Hit(item.at(), f"{label}没有记录改进情况（status）")
                elif status == "已完成":
                    if item.date("closed") is None:
                        yield Hit(item.at("status"), f"{label}已完成，但没有记录完成日期（closed）")
                elif item.date("due"):
                    yield Obligation(f"完成{label}", item.date("due"), item.at("due"),
                                     f"{label}要求 {item.date('due')} 前完成，目前仍为“{status}”",
                                     owner=_supplier_owner(handbook), cycle="一次", key=f"{supplier.source.path}#{supplier.id}|{label}")


@rule("SUP008", name="outsourcing-confidentiality", title="与外包公司及外包人员签订保密协议", clause="supplier-7",
      needs=("suppliers",))
def outsourcing_confidentiality(handbook):
    """
    ## 检查什么
    每项进行中的运维外包服务（`outsourcing`）都有与外包公司签订的保密协议 `confidentiality`
    （签署日期 `signed`），每名在岗外包人员都有本人签订的保密协议（`confidentiality_signed`），
    且签署日期不晚于其进场日期 `start` 和第一次入场。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“与外包公司及外包人员签订保密协议；”

    ## 如何修复
    与外包公司签订保密协议；外包人员进场前由本人签署保密协议，填写签署日期和存放位置。

    ## 示例
    ```yaml
    confidentiality: {signed: 2024-12-20, record: 合同柜 C-07 / 保密协议 BM-2024-019}
    staff:
      - name: 钱志伟
        start: 2025-01-02
        confidentiality_signed: 2024-12-28
    ```
    """
    for arrangement in _arrangements(handbook):
        company = arrangement.sub("confidentiality")
        if company is None or _blank(company.get("signed")):
            yield Hit(company.at() if company else arrangement.at(),
                      f"{_arrangement(arrangement)}没有与外包公司签订保密协议的记录（confidentiality.signed）")
        for person in _present_staff(arrangement):
            name = person.get("name")
            signed = person.date("confidentiality_signed")
            if signed is None:
                yield Hit(person.at(), f"{_arrangement(arrangement)}的外包人员{name}没有签订保密协议（confidentiality_signed）")
                continue
            entries = [v.datetime("entered").date() for v in person.records("onsite") if v.datetime("entered")]
            starts = [d for d in (person.date("start"), min(entries) if entries else None) if d]
            first = min(starts) if starts else None
            if first and signed > first:
                yield Hit(person.at("confidentiality_signed"),
                          f"{_arrangement(arrangement)}的外包人员{name}于 {first} 进场，保密协议却在 {signed} 才签订")


@rule("SUP009", name="outsourcing-accountability", title="明确外包公司的责任及追究方式", clause="supplier-8",
      needs=("suppliers",))
def outsourcing_accountability(handbook):
    """
    ## 检查什么
    每项进行中的运维外包服务都写明了外包公司应当承担的责任及追究方式 `accountability`。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“明确外包公司应当承担的责任及追究方式；”

    ## 如何修复
    摘录外包合同中责任和违约追究条款的要点，注明条款位置。
    """
    for arrangement in _arrangements(handbook):
        if _blank(arrangement.get("accountability")):
            yield Hit(arrangement.at(), f"{_arrangement(arrangement)}没有明确外包公司的责任及追究方式（accountability）")


@rule("SUP010", name="outsourced-staff-boundaries", title="界定外包人员的工作职责、活动范围和操作权限",
      clause="supplier-9", needs=("suppliers",))
def outsourced_staff_boundaries(handbook):
    """
    ## 检查什么
    每项进行中的运维外包服务的每名在岗外包人员都写明了工作职责 `duties`、活动范围 `scope` 和
    操作权限 `permissions`；外包服务至少列出一名外包人员。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“明确界定外包人员的工作职责、活动范围、操作权限；”

    ## 如何修复
    按外包合同和岗位安排写明每人的职责、可进入的区域和系统操作权限，并据此开通门禁和账号。

    ## 示例
    ```yaml
    duties: 主机房日常巡检，配合设备上下架
    scope: 主机房、运维中心办公区；不得进入交易运营区
    permissions: 堡垒机普通运维账号（经审批的工单操作），无生产数据库账号
    ```
    """
    fields = {"duties": "工作职责", "scope": "活动范围", "permissions": "操作权限"}
    for arrangement in _arrangements(handbook):
        if not arrangement.records("staff"):
            yield Hit(arrangement.at(), f"{_arrangement(arrangement)}没有列出外包人员（staff）")
            continue
        for person in _present_staff(arrangement):
            missing = [f"{zh}（{key}）" for key, zh in fields.items() if _blank(person.get(key))]
            if missing:
                yield Hit(person.at(), f"{_arrangement(arrangement)}的外包人员{person.get('name')}未界定：{'、'.join(missing)}")


@rule("SUP011", name="outsourcing-supervision", title="监督检查外包人员工作并保留记录", clause="supplier-10",
      needs=("suppliers",), dated=True)
def outsourcing_supervision(handbook):
    """
    ## 检查什么
    每项进行中的运维外包服务都有监督检查记录 `supervision_records`，最近一次距检查日期不超过
    3 个月（设置 `outsourcing_supervision_months`）；服务开始 `start` 不满一个周期的不要求。
    每条记录都有检查内容 `content` 或记录编号 `record`。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“对外包人员工作情况进行监督和检查，并保留相应记录；”

    ## 如何修复
    由本机构管理人定期检查外包人员的工作（操作记录、堡垒机审计、出勤等），记录检查日期、
    检查人、内容和记录编号。

    ## 示例
    ```yaml
    supervision_records:
      - {date: 2026-09-30, by: P002, content: 抽查 9 月堡垒机操作日志 32 条，均有工单, record: 外包检查记录 WB-2026-09}
    ```
    """
    months = handbook.settings.outsourcing_supervision_months
    for arrangement in _arrangements(handbook):
        records = arrangement.records("supervision_records")
        yield _periodic(handbook, records, months, arrangement.date("start"), "监督检查", arrangement.at(),
                        _arrangement(arrangement), arrangement.get("manager") or _supplier_owner(handbook))
        for record in records:
            if _blank(record.get("content")) and _blank(record.get("record")):
                yield Hit(record.at(), f"{_arrangement(arrangement)}{record.get('date')} 的监督检查没有保留记录（content 或 record）")


@rule("SUP012", name="onsite-entry-exit", title="管理驻场外包人员的入场和离场", clause="supplier-11",
      needs=("suppliers",), dated=True)
def onsite_entry_exit(handbook):
    """
    ## 检查什么
    驻场外包人员（`resident: true`）的入场和离场有记录：
    - 在岗的驻场人员有入场和离场记录 `onsite`，或完整出入记录的存放位置 `entry_log`；
    - 每条入场记录都有离场时间 `left`（检查日期当天入场、尚未离场的除外），离场不早于入场，
      入场不晚于检查日期；
    - 已离场的人员（`status: 已离场`，或外包服务已终止）有离场交接记录 `offboarded`：撤场日期、
      已注销账号和权限（`access_revoked: true`）、已收回门禁卡（`badge_returned` 不为 false），
      撤场之后没有入场记录。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“对驻场外包人员的入场和离场进行管理；”

    ## 如何修复
    补登离场时间（可从门禁系统导出）；人员撤场时当天收回门禁卡、注销账号，并记录。

    ## 示例
    ```yaml
    resident: true
    entry_log: 门禁系统出入记录（每月导出，档案柜 B-07）
    onsite:
      - {entered: "2026-11-20 08:39", left: "2026-11-20 17:58"}
    ```
    """
    as_of = handbook.as_of
    for arrangement in handbook.records("suppliers", "outsourcing"):
        ended = arrangement.get("status") == "已终止"
        for person in arrangement.records("staff"):
            if person.get("resident") is not True:
                continue
            name = person.get("name")
            label = f"{_arrangement(arrangement)}的驻场人员{name}"
            gone = ended or person.get("status") == "已离场"
            visits = person.records("onsite")
            if not gone and not visits and _blank(person.get("entry_log")):
                yield Hit(person.at(), f"{label}没有入场和离场记录（onsite 或 entry_log）")
            for visit in visits:
                entered, left = visit.datetime("entered"), visit.datetime("left")
                if entered is None:
                    continue
                if entered.date() > as_of:
                    yield Hit(visit.at("entered"), f"{label}的入场时间 {dates.fmt(entered)} 晚于检查日期")
                elif left is None:
                    if entered.date() < as_of:
                        yield Hit(visit.at("entered"), f"{label}于 {dates.fmt(entered)} 入场后没有离场记录")
                elif left < entered:
                    yield Hit(visit.at("left"), f"{label}的离场时间 {dates.fmt(left)} 早于入场时间 {dates.fmt(entered)}")
            if not gone:
                continue
            exit_ = person.sub("offboarded")
            if exit_ is None:
                yield Hit(person.at(), f"{label}已离场，没有离场交接记录（offboarded）")
                continue
            problems = []
            if exit_.date("date") is None:
                problems.append("撤场日期（date）")
            if exit_.get("access_revoked") is not True:
                problems.append("注销账号和权限（access_revoked）")
            if exit_.get("badge_returned") is False:
                problems.append("收回门禁卡（badge_returned）")
            if problems:
                yield Hit(exit_.at(), f"{label}的离场交接未完成或未记录：{'、'.join(problems)}")
            left_on = exit_.date("date")
            for visit in visits:
                entered = visit.datetime("entered")
                if left_on and entered and entered.date() > left_on:
                    yield Hit(visit.at("entered"), f"{label}已于 {left_on} 撤场，{dates.fmt(entered)} 仍有入场记录")


@rule("SUP013", name="outsourcing-quality-evaluation", title="定期评估外包服务质量", clause="supplier-12",
      needs=("suppliers",), dated=True)
def outsourcing_quality_evaluation(handbook):
    """
    ## 检查什么
    每项进行中的运维外包服务在评估周期内（`settings.outsourcing_evaluation_months`，默认 12 个月）
    评估过服务质量：`quality_evaluations` 中最近一次评估距检查日期不超过一个周期；服务开始 `start`
    不满一个周期的不要求。每次评估都有评估报告 `report`。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“定期评估外包的服务质量；”

    ## 如何修复
    组织评估（可结合监督检查记录、服务指标和用户意见），记录评估日期、结论和报告编号。
    """
    months = handbook.settings.outsourcing_evaluation_months
    for arrangement in _arrangements(handbook):
        evaluations = arrangement.records("quality_evaluations")
        yield _periodic(handbook, evaluations, months, arrangement.date("start"), "服务质量评估", arrangement.at(),
                        _arrangement(arrangement), arrangement.get("manager") or _supplier_owner(handbook))
        for evaluation in evaluations:
            if _blank(evaluation.get("report")):
                yield Hit(evaluation.at(), f"{_arrangement(arrangement)}{evaluation.get('date')} 的服务质量评估没有评估报告（report）")


@rule("SUP014", name="outsourcing-exit-plan", title="制定外包服务意外终止的应急措施", clause="supplier-13",
      needs=("suppliers",))
def outsourcing_exit_plan(handbook):
    """
    ## 检查什么
    每项进行中的运维外包服务都有意外终止的应急措施 `exit_plan`：写明措施 `measures`，或指向载有
    措施的文档 `document`。

    ## 为什么
    标准要求加强运维外包服务管理，包括：“制定外包服务意外终止的应急措施。”外包公司突然停止服务时，
    机构需要能立即由自有人员或备选服务商接手。

    ## 如何修复
    制定应急措施（自有人员接手安排、知识和文档交接要求、备选服务商），写入 `exit_plan`。

    ## 示例
    ```yaml
    exit_plan:
      document: POL-12
      measures: 外包人员负责的巡检由机房管理员 A/B 角接手；备选服务商为远拓计算机系统有限公司
      reviewed: 2026-06-29
    ```
    """
    for arrangement in _arrangements(handbook):
        plan = arrangement.sub("exit_plan")
        if plan is None or (_blank(plan.get("measures")) and _blank(plan.get("document"))):
            yield Hit(plan.at() if plan else arrangement.at(),
                      f"{_arrangement(arrangement)}没有制定外包服务意外终止的应急措施（exit_plan）")
