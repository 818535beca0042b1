"""历史记录与证据留存：读取 git 历史的规则。

这些规则比较同一手册的两个版本（合并请求的基线与本次修改，或审计区间中的每一次提交），
检查只有从历史中才能看出的问题：配置项改了却没有变更记录、证据在保存期内被删除、
文档正文改了版本却没变、已发布的修订记录和审批记录被改写。

它们在 ``opsbook check --base REV``（合并请求）和 ``opsbook check --since REV``（审计区间）
时运行；单独 ``opsbook check`` 只有一个版本，不运行它们。每条规则的函数接收 ``(base, head)``
两个手册模型。
"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from . import rule

CHAPTER = "历史记录与证据留存"
ONE_YEAR = 365


def _present(handbook, name: str, key: str) -> list:
    """Every mapping of a register's list ``key``, including records that broke their schema
    (rules don't see those; SCH001 reports them): a record that became invalid was not deleted."""
    from ..model import Record

    reg = handbook.register(name)
    items = reg.data.get(key) if reg is not None and isinstance(reg.data, dict) else None
    return [Record(reg, (key, i), item) for i, item in enumerate(items) if isinstance(item, dict)] \
        if isinstance(items, list) else []


def _top(handbook, name: str, key: str):
    """Where to report something that is no longer in the head: the list it was in, or the file's top."""
    reg = handbook.register(name)
    return reg.at(key) if reg is not None else None


# -- 配置管理 -------------------------------------------------------------------

def _names(change, item_id) -> bool:
    """Whether a change record names a configuration item (its targets or the CMDB update)."""
    targets = change.get("targets") or []
    updated = change.sub("cmdb_updated")
    items = (updated.get("items") if updated else None) or []
    return item_id in (targets if isinstance(targets, list) else []) or item_id in (items if isinstance(items, list) else [])


def _without_history(record) -> dict:
    return {k: v for k, v in record.data.items() if k != "history"}


@rule("HIS001", name="configuration-change-has-record", title="配置项的增删改有变更记录", clause="config-6",
      needs=("configuration", "changes"), kind="history")
def configuration_change_has_record(base, head):
    """
    ## 检查什么
    与基线相比，`registers/configuration.yaml` 中新增、修改、替换（换了编号）或删除的每个配置项，
    都有一条变更记录写明它：本次新增或修改的变更（`registers/changes.yaml`）在 `targets` 或
    `cmdb_updated.items` 中列出了它，或者它的 `history` 新增了一条引用这类变更的记录。
    只在配置项的 `history` 中追加记录不算修改。

    ## 为什么
    标准要求：“配置项的添加、修改、替换、删除应有变更记录；”配置库只应随经过审批的变更而变，
    否则配置库与生产环境的一致性无从追溯。

    ## 如何修复
    为这次配置库的修改登记（或补全）变更记录，在 `targets` 或 `cmdb_updated.items` 中写明配置项编号，
    并在配置项的 `history` 中引用变更编号。

    ## 示例
    ```yaml
    # registers/configuration.yaml
    - id: CI-APP-TRADE
      version: V6.2.0
      history:
        - {date: 2026-04-04, action: 修改, change: CHG-2026-012, by: P016, description: 升级至 V6.2.0}
    # registers/changes.yaml
    - id: CHG-2026-012
      targets: [CI-APP-TRADE, CI-DB-TRADE]
      cmdb_updated: {date: 2026-04-04, items: [CI-APP-TRADE, CI-DB-TRADE], by: P016}
    ```
    """
    before = {r.id: r for r in base.records("configuration", "items") if r.id}
    after = {r.id: r for r in head.records("configuration", "items") if r.id}
    present = {r.id for r in _present(head, "configuration", "items")}
    changes_before = {c.id: c for c in base.records("changes") if c.id}
    changes_after = {c.id: c for c in head.records("changes") if c.id}
    touched = [c for cid, c in changes_after.items() if cid not in changes_before or changes_before[cid].data != c.data]

    def recorded(item_id, item=None, old=None) -> bool:
        if any(_names(c, item_id) for c in touched):
            return True
        if item is None:
            return False
        cited = {e.get("change") for e in item.records("history")}
        if old is not None:
            cited -= {e.get("change") for e in old.records("history")}
        return any(cid in changes_after and _names(changes_after[cid], item_id) for cid in cited if cid)

    for item_id, item in after.items():
        old = before.get(item_id)
        if old is None:
            if not recorded(item_id, item):
                yield Hit(item.at("id"), f"新增了配置项 {item_id}，但没有变更记录写明它（变更的 targets 或 cmdb_updated.items）")
        elif _without_history(old) != _without_history(item) and not recorded(item_id, item, old):
            fields = sorted(set(old.data) ^ set(item.data) | {k for k in old.data if k in item.data and old.data[k] != item.data[k]})
            fields = [f for f in fields if f != "history"]
            yield Hit(item.at(fields[0]) if fields and fields[0] in item.data else item.at("id"),
                      f"修改了配置项 {item_id}（{'、'.join(fields)}），但没有变更记录写明它（变更的 targets 或 cmdb_updated.items）")
    for item_id in before:
        if item_id not in present and not recorded(item_id):
            yield Hit(_top(head, "configuration", "items"), f"删除了配置项 {item_id}，但没有变更记录写明它（变更的 targets 或 cmdb_updated.items）",
                      key=f"items/{item_id}")


# -- 证据在保存期内不得删除 ------------------------------------------------------

def _removed_within(base, head, register: str, key: str, ident, when, days: int):
    """Records of ``register``'s list ``key`` in the base that the head no longer has, whose date
    (``when(record)``) is less than ``days`` before the head's as-of date: ``(record, date, until)``."""
    kept = {ident(r) for r in _present(head, register, key)}
    for record in base.records(register, key):
        if ident(record) in kept:
            continue
        day = when(record)
        if day is None:
            continue
        until = day + dt.timedelta(days=days)
        if until > head.as_of:
            yield record, day, until


def _label(record, fallback: str) -> str:
    return str(record.id) if record.id else fallback


OPERATION_LISTS = (
    # list key, Chinese name, identity, date
    ("operations", "操作记录", lambda r: r.id or (r.get("start"), r.get("procedure")), lambda r: dates.as_date(r.get("start"))),
    ("daily_checks", "日常检查记录", lambda r: (str(r.get("date")), r.get("by")), lambda r: r.date("date")),
    ("patrols", "巡检记录", lambda r: (str(r.get("date")), r.get("route"), r.get("time")), lambda r: r.date("date")),
)


@rule("HIS002", name="operation-records-kept", title="操作记录在保存期内不被删除", clause="ops-7",
      needs=("operations",), kind="history", dated=True)
def operation_records_kept(base, head):
    """
    ## 检查什么
    与基线相比，`registers/operations.yaml` 中被删除的操作记录（`operations`）、日常检查记录
    （`daily_checks`）和巡检记录（`patrols`），其日期距检查日期都已超过保存期限
    `settings.operation_record_retention_days`（默认 365 天）。

    ## 为什么
    标准要求：“操作过程应进行记录留痕，记录的保存时间不少于一年。”台账是这些记录的登记，
    在保存期内删除登记就是删除证据。

    ## 如何修复
    恢复被删除的记录。记录写错时改正它而不是删除；保存期满后才可以归档删除。

    ## 示例
    ```yaml
    operations:
      - {id: OP-2026-1120-01, kind: 例行操作, procedure: 集中交易系统开盘前检查, start: "2026-11-20 08:05", operator: P015, reviewer: P016, result: 成功}
    ```
    """
    days = head.settings.operation_record_retention_days
    for key, name, ident, when in OPERATION_LISTS:
        for record, day, until in _removed_within(base, head, "operations", key, ident, when, days):
            label = _label(record, f"{day.isoformat()} 的{name}")
            yield Hit(_top(head, "operations", key), f"删除了{name} {label}（{day.isoformat()}），它应保存至 {until.isoformat()}"
                                                      f"（保存期 {days} 天）", key=f"{key}/{label}")


def _earliest_moved(base, head, register: str, path: tuple, ident, days: int):
    """Entries (with an ``earliest`` date) of a list that the head removed, or whose ``earliest``
    moved later to inside the retention window: ``(entry in base, entry in head or None, new earliest)``."""
    def entries(handbook, everything: bool):
        if everything and len(path) == 1:
            return {ident(r): r for r in _present(handbook, register, path[0])}
        node = handbook.root_of(register)
        for part in path[:-1]:
            node = node.sub(part) if node else None
        return {ident(r): r for r in (node.records(path[-1]) if node else [])}

    before, after = entries(base, False), entries(head, True)
    horizon = head.as_of - dt.timedelta(days=days)
    for name, old in before.items():
        new = after.get(name)
        old_earliest = old.date("earliest")
        if new is None:
            yield old, None, None
            continue
        new_earliest = new.date("earliest")
        if old_earliest and new_earliest and new_earliest > old_earliest and new_earliest > horizon:
            yield old, new, new_earliest


def _purged(base, head, register: str, path: tuple, ident, days: int, name, field: str, removed: str, purged: str):
    """Hits for :func:`_earliest_moved`: ``删除了{name}{removed}`` for an entry removed, and
    ``{name}的{field}由 … 推后到 …，{purged}`` for one whose earliest date moved inside the window."""
    for old, new, earliest in _earliest_moved(base, head, register, path, ident, days):
        if new is None:
            yield Hit(_top(head, register, path[0]), f"删除了{name(old)}{removed}",
                      key="/".join(str(p) for p in (*path, *ident(old))))
        else:
            yield Hit(new.at("earliest"), f"{name(old)}的{field}由 {old.date('earliest').isoformat()} 推后到 "
                                          f"{earliest.isoformat()}，{purged}")


@rule("HIS003", name="monitoring-logs-kept", title="监控日志在保存期内不被删除", clause="mon-20",
      needs=("monitoring",), kind="history", dated=True)
def monitoring_logs_kept(base, head):
    """
    ## 检查什么
    与基线相比，`registers/monitoring.yaml` 的 `logs.classes` 中没有删除任何一类日志，
    也没有把某类日志的最早可查日期 `earliest` 推后到保存期限 `settings.log_retention_days`
    （默认 365 天）之内，即没有删除保存期内的日志。

    ## 为什么
    标准要求：“证券期货机构应保存监控产生的日志，保存时间不少于一年。”把 `earliest` 推后，
    意味着更早的日志已被清除；在保存期内清除就是删除证据。

    ## 如何修复
    从备份或归档中恢复被清除的日志，并把 `earliest` 改回实际最早可查的日期；调整日志类别时保留原类别直到保存期满。

    ## 示例
    ```yaml
    logs:
      classes:
        - {type: 监控日志, central: true, location: 日志审计平台 / 监控日志分区, retention_days: 400, earliest: 2024-12-01}
    ```
    """
    days = head.settings.log_retention_days
    yield from _purged(base, head, "monitoring", ("logs", "classes"), lambda r: (r.get("type"),), days,
                       lambda r: f"日志类别“{r.get('type')}”", "最早可查日期",
                       f"的登记；日志应至少保存 {days} 天，请恢复登记并写明其日志的存放位置", f"清除了保存期（{days} 天）内的日志")


@rule("HIS004", name="history-data-kept", title="交易业务系统历史数据在一年内不被删除", clause="data-6",
      needs=("backups",), kind="history", dated=True)
def history_data_kept(base, head):
    """
    ## 检查什么
    与基线相比，`registers/backups.yaml` 的历史数据保留记录（`history`）中没有删除任何一条，
    也没有把某类历史数据的现存最早日期 `earliest` 推后到检查日期前一年之内。

    ## 为什么
    标准要求：“交易业务系统历史数据至少保留一年；”把 `earliest` 推后说明更早的数据已被清理，
    清理了不满一年的数据，就是提前删除了历史数据。

    ## 如何修复
    从备份中恢复被清理的历史数据，并把 `earliest` 改回实际最早日期；系统下线时保留其历史数据记录直到保留期满。

    ## 示例
    ```yaml
    history:
      - {system: CI-APP-TRADE, data: 委托、成交、资金和股份变动流水, location: 集中交易历史库；月末磁带, retention: 7300, earliest: 2019-10-08}
    ```
    """
    yield from _purged(base, head, "backups", ("history",), lambda r: (r.get("system"), r.get("data")), ONE_YEAR,
                       lambda r: f"{r.get('system')} 的历史数据“{r.get('data')}”", "现存最早日期",
                       "的保留记录；历史数据至少保留一年", "清理了不满一年的历史数据")


@rule("HIS005", name="drill-records-kept", title="演练记录在两年内不被删除", clause="prep-48",
      needs=("drills",), kind="history", dated=True)
def drill_records_kept(base, head):
    """
    ## 检查什么
    与基线相比，`registers/drills.yaml` 中被删除的演练记录（`drills`），其演练日期距检查日期都已超过
    `settings.drill_record_retention_days`（默认 730 天）。

    ## 为什么
    标准要求：“应记录演练情况，演练记录至少保存两年；”删除两年内的演练记录，
    半年一次演练、演练问题整改等要求就失去了证据。

    ## 如何修复
    恢复被删除的演练记录；记录有误时改正，不要删除。

    ## 示例
    ```yaml
    drills:
      - {id: DRL-2026-01, plan: DPL-2026-01, title: 行情中断应急演练, date: 2026-06-13, status: 已完成}
    ```
    """
    days = head.settings.drill_record_retention_days
    for record, day, until in _removed_within(base, head, "drills", "drills", lambda r: r.id, lambda r: r.date("date"), days):
        yield Hit(_top(head, "drills", "drills"), f"删除了演练记录 {record.id}（{day.isoformat()}），它应保存至 {until.isoformat()}",
                  key=f"drills/{record.id}")


# -- 文档管理 -------------------------------------------------------------------

def _docs(handbook) -> dict:
    return {d.doc_id: d for d in handbook.docs() if d.doc_id}


def _body(document) -> str:
    return "\n".join(line.rstrip() for line in document.body.strip().split("\n"))


def _published(document) -> bool:
    return document.status != "draft"


@rule("HIS006", name="document-version-on-change", title="文档正文修改时更新版本并记录修订", clause="doc-4",
      needs=(), kind="history")
def document_version_on_change(base, head):
    """
    ## 检查什么
    与基线相比，正文有改动的每篇已发布文档（`status` 不是 `draft`），其版本 `version` 都变了，
    并且 `revisions` 中有一条新版本的修订记录。只改空白不算改动。

    ## 为什么
    标准要求：“证券期货机构应规范文档的发布管理，对文档的版本应当进行控制。”正文改了而版本不变，
    读者手里的“同一版本”就有了两种内容，审批记录也对不上。

    ## 如何修复
    提高 `version`，并在 `revisions` 中增加一条该版本的记录（日期、编写人、审批人、修订内容）。

    ## 示例
    ```yaml
    version: "5.1"
    revisions:
      - {version: "5.1", date: 2026-11-20, author: P002, approver: P001, summary: 更新应急联络人}
    ```
    """
    before = _docs(base)
    for doc_id, doc in _docs(head).items():
        old = before.get(doc_id)
        if old is None or not _published(old) or not _published(doc) or _body(old) == _body(doc):
            continue
        version = doc.meta.get("version")
        if version is not None and version == old.meta.get("version"):
            yield Hit(doc.at("version"), f"文档 {doc_id} 的正文已修改，但版本 version 仍为 {version}；请提高版本并增加修订记录")
        elif not any(str(r.get("version")) == str(version) for r in doc.meta.records("revisions")):
            yield Hit(doc.at("revisions"), f"文档 {doc_id} 的正文已修改、版本改为 {version}，但 revisions 中没有该版本的修订记录")


@rule("HIS007", name="revision-record-unchanged", title="已发布的修订记录和文档审批信息不被改写", clause="doc-4",
      needs=(), kind="history")
def revision_record_unchanged(base, head):
    """
    ## 检查什么
    与基线相比，每篇文档已有的修订记录（`revisions` 中每个版本的日期、编写人、审批人和修订内容）
    没有被改写或删除；版本 `version` 不变时，文档的审批人 `approver` 和发布时间 `published` 也没有被改写。

    ## 为什么
    标准要求：“证券期货机构应规范文档的发布管理，对文档的版本应当进行控制。”修订记录和审批信息是
    已经发生的事实，发布后改写它们，文档的版本历史就不再可信。

    ## 如何修复
    恢复原来的记录；确需更正时，发布新版本并在新的修订记录中说明更正内容。

    ## 示例
    ```yaml
    revisions:
      - {version: "5.0", date: 2026-03-27, author: P002, approver: P001, summary: 年度评估修订}
      - {version: "5.1", date: 2026-11-20, author: P002, approver: P001, summary: 更正 5.0 版修订记录中的日期}
    ```
    """
    before = _docs(base)
    for doc_id, doc in _docs(head).items():
        old = before.get(doc_id)
        if old is None or not _published(old):
            continue
        now = {str(r.get("version")): r for r in doc.meta.records("revisions") if r.get("version") is not None}
        for revision in old.meta.records("revisions"):
            version = revision.get("version")
            if version is None:
                continue
            current = now.get(str(version))
            if current is None:
                yield Hit(doc.at("revisions"), f"文档 {doc_id} 删除了 {version} 版的修订记录", key=f"revisions/{version}")
            elif current.data != revision.data:
                fields = sorted({k for k in set(current.data) | set(revision.data) if current.data.get(k) != revision.data.get(k)})
                yield Hit(current.at(fields[0]) if fields[0] in current.data else current.at(),
                          f"文档 {doc_id} 改写了已发布的 {version} 版修订记录（{'、'.join(fields)}）", key=f"revisions/{version}")
        if doc.meta.get("version") == old.meta.get("version"):
            for field, name in (("approver", "审批人"), ("published", "发布时间")):
                if old.meta.get(field) is not None and doc.meta.get(field) != old.meta.get(field):
                    yield Hit(doc.at(field), f"文档 {doc_id} 在版本 {doc.meta.get('version')} 不变的情况下改写了{name}（{field}）")


# -- 系统变更 -------------------------------------------------------------------

@rule("HIS008", name="change-approval-unchanged", title="变更审批记录留痕，不被改写", clause="change-4",
      needs=("changes",), kind="history")
def change_approval_unchanged(base, head):
    """
    ## 检查什么
    与基线相比，`registers/changes.yaml` 中已经有审批记录（`approval`）的变更，其审批记录
    （审批时间、风险评估、审批意见、审批单）和审批人 `approver` 都没有被改写或删除。

    ## 为什么
    标准要求：“变更审批人应在充分评估变更的技术风险和业务风险的基础上进行审批，审批记录应留痕并满足审计需要。”
    审批之后再改写审批记录，审计看到的就不是审批时的判断。

    ## 如何修复
    恢复原来的审批记录；方案有变时重新提交审批，把新的审批作为新的记录（或新的变更）登记。

    ## 示例
    ```yaml
    approval:
      date: 2026-03-30 16:30
      risk_assessment: {technical: …, business: …}
      opinion: 同意。
      record: OA 变更审批单 BG-2026-0312
    ```
    """
    before = {c.id: c for c in base.records("changes") if c.id}
    for change in head.records("changes"):
        old = before.get(change.id)
        if old is None or not old.get("approval"):
            continue
        new_approval = change.data.get("approval")
        if not new_approval:
            yield Hit(change.at("id"), f"变更 {change.id} 删除了已有的审批记录（approval）", key=f"changes/{change.id}/approval")
            continue
        old_approval = old.data.get("approval")
        if isinstance(old_approval, dict) and isinstance(new_approval, dict) and old_approval != new_approval:
            fields = sorted({k for k in set(old_approval) | set(new_approval) if old_approval.get(k) != new_approval.get(k)})
            yield Hit(change.at("approval", fields[0]) if fields[0] in new_approval else change.at("approval"),
                      f"变更 {change.id} 改写了已有的审批记录（approval：{'、'.join(fields)}）")
        if old.get("approver") and change.get("approver") != old.get("approver"):
            yield Hit(change.at("approver"), f"变更 {change.id} 在审批之后更换了审批人（approver）")
