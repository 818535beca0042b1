"""配置管理：配置管理负责人、配置库的覆盖范围、配置项属性、变更记录、配置库的备份、检查和审计。

配置项编号唯一（config-5）和历史记录的关联性（config-7）由 integrity 模块的
UID001、REF001 检查。
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .. import dates
from ..findings import Hit
from ..obligations import Obligation, responsible
from . import rule
from ._common import appointed, CI_RETIRED as RETIRED

CHAPTER = "配置管理"

# 标准列出的交易业务系统配置项类别（“网络”对应类型“网络设备”）
TRADING_KINDS = ("服务器", "存储", "网络设备", "安全设备", "操作系统", "应用软件", "数据库")
ATTRIBUTES = {
    "id": "编号",
    "name": "名称",
    "description": "描述",
    "owner": "维护责任人",
    "status": "运行状态",
    "relations": "关联关系",
}
ONE_YEAR = 365



def _label(item) -> str:
    return f"配置项 {item.id}“{item.get('name', '')}”" if item.get("name") else f"配置项 {item.id}"


@rule("CFG001", name="configuration-owner", title="明确配置管理负责人", clause="config-1",
      needs=("organisation", "staff"))
def configuration_owner(handbook):
    """
    ## 检查什么
    `registers/organisation.yaml` 的 `responsibilities.configuration_owner` 指定了配置管理负责人，
    且此人在职。（配置管理流程本身是否制定，由 POL001 检查配置管理制度。）

    ## 为什么
    标准要求：“证券期货机构应制定配置管理流程，明确配置管理负责人。”

    ## 如何修复
    填写配置管理负责人的人员编号；负责人离职时及时改派。

    ## 示例
    ```yaml
    responsibilities:
      configuration_owner: P016
    ```
    """
    yield from appointed(handbook, "configuration_owner", "配置管理负责人")


@rule("CFG002", name="cmdb-coverage", title="配置库覆盖交易业务系统的各类配置项", clause="config-2",
      needs=("configuration",))
def cmdb_coverage(handbook):
    """
    ## 检查什么
    `registers/configuration.yaml` 中有标为交易业务系统（`trading: true`）的配置项；从这些
    配置项出发、沿关联关系 `relations`（双向）能到达的配置项中，服务器、存储、网络设备、
    安全设备、操作系统、应用软件、数据库每一类都至少有一个。

    ## 为什么
    标准要求：“证券期货机构应建立配置库，对交易业务系统的服务器、存储、网络、安全设备，
    操作系统、应用软件、数据库等进行管理。”某一类配置项没有与交易业务系统关联，说明它没有
    纳入配置库，或关联关系没有登记。

    ## 如何修复
    把缺少的配置项纳入配置库，并登记它与交易业务系统的关联关系。

    ## 示例
    ```yaml
    - id: CI-SEC-FW-01
      name: 互联网防火墙
      type: 安全设备
      relations:
        - {type: 防护, target: CI-APP-ONLINE}
    ```
    """
    register = handbook.register("configuration")
    items = handbook.by_id("configuration", "items")
    trading = [i for i in items.values() if i.get("trading") is True]
    if not trading:
        yield Hit(register.at("items"), "配置库中没有标为交易业务系统（trading: true）的配置项")
        return
    links = defaultdict(set)
    for item in items.values():
        for relation in item.records("relations"):
            target = relation.get("target")
            if target in items:
                links[item.id].add(target)
                links[target].add(item.id)
    seen = {i.id for i in trading}
    todo = list(seen)
    while todo:
        for other in links[todo.pop()]:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    kinds = {items[i].get("type") for i in seen}
    for kind in TRADING_KINDS:
        if kind not in kinds:
            yield Hit(register.at("items"), f"配置库中没有与交易业务系统关联的“{kind}”类配置项")


@rule("CFG003", name="ci-attributes", title="配置项属性齐全", clause="config-4", needs=("configuration", "staff"))
def ci_attributes(handbook):
    """
    ## 检查什么
    配置库中每个配置项都有：编号 `id`、名称 `name`、描述 `description`、维护责任人 `owner`、
    运行状态 `status` 和至少一条关联关系 `relations`；运行中的配置项（非停用、下线）的
    维护责任人在职。

    ## 为什么
    标准要求：“配置项属性至少包括编号、名称、描述、维护责任人、运行状态、关联关系等；”
    维护责任人离职而未改派，配置项就无人维护。

    ## 如何修复
    补齐缺少的属性；维护责任人离职时改派在职人员。

    ## 示例
    ```yaml
    - id: CI-DB-TRADE
      name: 集中交易数据库
      type: 数据库
      description: 集中交易系统的 Oracle 数据库，RAC 双节点
      owner: P006
      status: 运行
      relations:
        - {type: 运行于, target: CI-SRV-TRADE-01}
    ```
    """
    for item in handbook.records("configuration", "items"):
        missing = [f"{zh}（{key}）" for key, zh in ATTRIBUTES.items() if item.get(key) in (None, "", [])]
        if missing:
            yield Hit(item.at(), f"{_label(item)}缺少属性：{'、'.join(missing)}")
        owner = item.get("owner")
        if owner and item.get("status") not in RETIRED and handbook.has_left(owner):
            yield Hit(item.at("owner"), f"{_label(item)}的维护责任人 {handbook.person_name(owner)} 已不在职")


@rule("CFG004", name="ci-change-record", title="配置项的添加、修改、替换、删除有变更记录", clause="config-6",
      needs=("configuration",))
def ci_change_record(handbook):
    """
    ## 检查什么
    配置项历史记录 `history` 中的每一条添加、修改、替换、删除都引用了变更记录 `change`
    （变更是否存在由 REF001 检查）。配置库建立（`established`）之后才纳入的配置项
    （`registered` 晚于 `established`，或未填写 `registered`）应有一条“添加”的历史记录。

    ## 为什么
    标准要求：“配置项的添加、修改、替换、删除应有变更记录；”没有变更记录的配置改动，
    无法追溯其审批、测试和复核。

    ## 如何修复
    在历史记录中填写对应的变更编号（`CHG-…`）；没有走变更流程的改动，应补办变更并查明原因。
    配置库建立时初始登记的配置项，填写不晚于 `established` 的 `registered`。

    ## 示例
    ```yaml
    history:
      - {date: 2026-09-19, action: 替换, change: CHG-2026-044, by: P007, description: 更换为新型号下一代防火墙}
    ```
    """
    root = handbook.root_of("configuration")
    established = dates.as_date(root.get("established"))
    unknown = []  # registered, but the CMDB's own start is not recorded
    for item in root.records("items"):
        history = item.records("history")
        for entry in history:
            if not entry.get("change"):
                yield Hit(entry.at(), f"{_label(item)}的{entry.get('action', '')}（{entry.get('date')}）没有变更记录（change）")
        if any(e.get("action") == "添加" for e in history):
            continue
        registered = item.date("registered")
        if registered is None:
            yield Hit(item.at(), f"{_label(item)}未填写纳入配置库日期（registered），但没有“添加”的变更记录")
        elif established is None:
            unknown.append(item.id)
        elif registered > established:
            yield Hit(item.at("registered"),
                      f"{_label(item)}于 {registered} 纳入配置库（晚于配置库建立日期 {established}），但没有“添加”的变更记录")
    if unknown:
        shown = "、".join(unknown[:5]) + (f" 等 {len(unknown)} 个" if len(unknown) > 5 else "")
        yield Hit(handbook.register("configuration").at("items"),
                  f"配置库未写明建立日期（established），无法确认 {shown}配置项是初始登记的：它们没有“添加”的变更记录")


def _owner(handbook):
    """The configuration register's maintainer, or the organisation's configuration owner."""
    root = handbook.root_of("configuration")
    return (root.get("owner") if root else None) or responsible(handbook, "configuration_owner")


@rule("CFG005", name="cmdb-backup", title="定期备份配置库", clause="config-8", needs=("configuration",), dated=True)
def cmdb_backup(handbook):
    """
    ## 检查什么
    `registers/configuration.yaml` 的配置库备份记录（`backups`）中，最近一次备份距检查日期不超过
    `cmdb_backup_days` 天（机构设置，默认 31 天）；最近一年内相邻两次备份的间隔也不超过该天数；
    每次备份写明存放地点 `location`。

    ## 为什么
    标准要求：“证券期货机构应定期对配置库进行备份。”配置库是变更和故障处理的依据，
    损坏后无法恢复将影响应急处置。

    ## 如何修复
    立即备份配置库并记录；把配置库备份纳入日常操作（如每月末执行）。

    ## 示例
    ```yaml
    backups:
      - {date: 2026-10-31, location: 配置管理平台备份库；同城灾备中心, operator: P016}
    ```
    """
    days = handbook.settings.cmdb_backup_days
    root = handbook.root_of("configuration")
    register = handbook.register("configuration")
    backups = [(b.date("date"), b) for b in root.records("backups")]
    backups = sorted(((d, b) for d, b in backups if d and d <= handbook.as_of), key=lambda x: x[0])
    if not backups:
        yield Hit(register.at("backups") if "backups" in root else register.at(), "没有配置库备份记录（backups）")
        return
    for _, backup in backups:
        if not backup.get("location"):
            yield Hit(backup.at(), f"{backup.get('date')} 的配置库备份没有写明存放地点（location）")
    last, record = backups[-1]
    age = (handbook.as_of - last).days
    yield Obligation("备份配置库", last + dt.timedelta(days=days), record.at("date"),
                     f"配置库最近一次备份是 {last}，已 {age} 天，超过备份间隔 {days} 天",
                     owner=_owner(handbook), cycle=f"每 {days} 天", key="configuration|backup")
    year_ago = handbook.as_of - dt.timedelta(days=ONE_YEAR)
    for (before, _), (after, backup) in zip(backups, backups[1:]):
        if after >= year_ago and (after - before).days > days:
            yield Hit(backup.at("date"),
                      f"配置库备份 {before} 至 {after} 间隔 {(after - before).days} 天，超过备份间隔 {days} 天")


@rule("CFG006", name="cmdb-audit", title="定期审计配置库", clause="config-9", needs=("configuration",), dated=True)
def cmdb_audit(handbook):
    """
    ## 检查什么
    `registers/configuration.yaml` 的检查与审计记录（`audits`）中，最近一次审计（`kind: 审计`）
    距检查日期不超过 `cmdb_audit_months` 个月（机构设置，默认 12 个月）。

    ## 为什么
    标准要求：“证券期货机构应及时检查并定期审计配置库，对发现的不一致情况及时纠正，并留存记录。”

    ## 如何修复
    组织一次配置库审计（核对配置库与实际配置、变更记录），并记录结果。

    ## 示例
    ```yaml
    audits:
      - id: CMDB-AUD-2025
        date: 2025-12-18
        kind: 审计
        by: [P019, P016]
        record: 稽核审计部 / 2025 年度配置库审计报告.pdf
    ```
    """
    months = handbook.settings.cmdb_audit_months
    root = handbook.root_of("configuration")
    register = handbook.register("configuration")
    audits = [a for a in root.records("audits") if a.get("kind") == "审计" and a.date("date") and a.date("date") <= handbook.as_of]
    if not audits:
        yield Hit(register.at("audits") if "audits" in root else register.at(), "没有配置库审计记录（audits 中 kind: 审计）")
        return
    latest = max(audits, key=lambda a: a.date("date"))
    due = dates.add_months(latest.date("date"), months)
    yield Obligation("审计配置库", due, latest.at("date"),
                     f"配置库最近一次审计是 {latest.date('date')}，应在 {due} 前再次审计（周期 {months} 个月）",
                     owner=_owner(handbook), cycle=f"每 {months} 个月", key="configuration|audit")


@rule("CFG007", name="cmdb-findings-corrected", title="配置库不一致情况及时纠正并留存记录", clause="config-9",
      needs=("configuration",), dated=True)
def cmdb_findings_corrected(handbook):
    """
    ## 检查什么
    配置库的每次检查或审计（`audits`）都留存了记录 `record`；发现的每项不一致情况（`findings`）
    都记录了纠正日期 `corrected`，不晚于发现后 `cmdb_correction_days` 天（默认 30 天）。
    尚在纠正期限内的未纠正项不报告；纠正是否及时只检查最近一年内的检查和审计。

    ## 为什么
    标准要求：“证券期货机构应及时检查并定期审计配置库，对发现的不一致情况及时纠正，并留存记录。”

    ## 如何修复
    纠正不一致（更新配置库或恢复实际配置），填写 `corrected` 和 `correction`；补充检查或审计
    记录的存放位置。

    ## 示例
    ```yaml
    findings:
      - {description: CI-DB-MARGIN 的版本与实际不符, ci: CI-DB-MARGIN, corrected: 2025-12-24, correction: 按实际版本更新配置库}
    ```
    """
    grace = handbook.settings.cmdb_correction_days
    for audit in handbook.root_of("configuration").records("audits"):
        when = audit.date("date")
        label = f"配置库{audit.get('kind', '检查')}（{audit.get('date')}）"
        if not audit.get("record"):
            yield Hit(audit.at(), f"{label}没有留存记录（record）")
        for finding in audit.records("findings"):
            corrected = finding.date("corrected")
            what = f"{label}发现的不一致“{finding.get('description', '')}”"
            if corrected is None:
                if when:
                    yield Obligation(f"纠正{what}", when + dt.timedelta(days=grace), finding.at(),
                                     f"{what}发现已超过 {grace} 天，仍未记录纠正（corrected）",
                                     owner=_owner(handbook), cycle="一次", key=f"configuration|{what}")
            elif when and (handbook.as_of - when).days <= ONE_YEAR and (corrected - when).days > grace:
                yield Hit(finding.at("corrected"), f"{what}到 {corrected} 才纠正，超过 {grace} 天，未及时纠正")
