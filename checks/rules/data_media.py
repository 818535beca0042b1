"""数据与介质管理：数据管理责任人、备份及验证策略、每交易日备份、历史数据保留、
在线数据的访问和修改、核心交易业务系统备份数据的季度有效性验证、离线数据调阅登记。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation, first_person, responsible
from . import rule
from ._common import appointed, CI_RETIRED as RETIRED

CHAPTER = "数据与介质管理"

POLICY_FIELDS = {
    "scope": "备份范围",
    "method": "备份方式",
    "frequency": "备份频度",
    "location": "存放地点",
    "retention": "存放时限",
    "verification": "有效性验证方式",
    "owner": "管理责任人",
}
DAILY = ("实时", "每交易日", "每日")  # “至少每交易日备份一次”: as often or more often
ONE_YEAR = 365
SHOWN_DATES = 10


def _items(handbook) -> dict:
    return handbook.by_id("configuration", "items")


def _name(handbook, ci_id) -> str:
    item = _items(handbook).get(ci_id)
    return f"{item.get('name')}（{ci_id}）" if item is not None and item.get("name") else str(ci_id)


def _systems(handbook, flag: str) -> list:
    """Configuration items marked ``flag: true`` (trading / core) that are still in service."""
    return [r for r in _items(handbook).values() if r.get(flag) is True and r.get("status") not in RETIRED]


def _policies(handbook) -> dict:
    out: dict = {}
    for policy in handbook.records("backups", "policies"):
        out.setdefault(policy.get("system"), []).append(policy)
    return out


def _start(handbook, item, policies) -> dt.date | None:
    """The first day the system's data had to be kept: in service, or its backup policy in force."""
    days = [item.date("in_service")] + [p.date("since") for p in policies]
    days = [d for d in days if d]
    return max(days) if days else None


def _list_dates(days) -> str:
    shown = "、".join(d.isoformat() for d in days[:SHOWN_DATES])
    return shown + (f" 等 {len(days)} 天" if len(days) > SHOWN_DATES else "")


@rule("DAT001", name="data-owner", title="明确数据管理责任人", clause="data-2", needs=("organisation", "staff"))
def data_owner(handbook):
    """
    ## 检查什么
    `registers/organisation.yaml` 的 `responsibilities.data_owner` 指定了数据管理责任人，且此人在职。

    ## 为什么
    标准要求：“证券期货机构应明确数据管理责任人，负责数据的收集、使用、备份、检查等策略的制定和执行工作。”

    ## 如何修复
    填写数据管理责任人的人员编号；责任人离职时及时改派在职人员。

    ## 示例
    ```yaml
    responsibilities:
      data_owner: P006
    ```
    """
    yield from appointed(handbook, "data_owner", "数据管理责任人")


@rule("DAT002", name="backup-policy-complete", title="备份及验证策略要素齐全", clause="data-3",
      needs=("backups", "staff"))
def backup_policy_complete(handbook):
    """
    ## 检查什么
    `registers/backups.yaml` 的每条备份及验证策略（`policies`）都写明：备份范围 `scope`、
    备份方式 `method`、备份频度 `frequency`、存放地点 `location`、存放时限 `retention`（天）、
    有效性验证方式 `verification` 和管理责任人 `owner`，且管理责任人在职。

    ## 为什么
    标准要求：“证券期货机构应按照国家和监管部门的有关要求，制定数据备份及验证策略，
    明确备份范围、备份方式、备份频度、存放地点、存放时限、有效性验证方式和管理责任人。”

    ## 如何修复
    补齐缺少的要素；管理责任人离职时改派在职人员。

    ## 示例
    ```yaml
    policies:
      - id: BKP-01
        system: CI-APP-TRADE
        scope: 集中交易数据库全库、交易日终清算数据
        method: 数据库全量备份 + 归档日志备份
        frequency: 每交易日
        location: 主机房备份存储；同城灾备中心磁带库
        retention: 365
        verification: 每季度在测试环境恢复并核对账务数据
        owner: P006
    ```
    """
    for policy in handbook.records("backups", "policies"):
        label = f"{_name(handbook, policy.get('system'))} 的备份策略 {policy.id} "
        missing = [f"{zh}（{key}）" for key, zh in POLICY_FIELDS.items() if policy.get(key) in (None, "", [])]
        if missing:
            yield Hit(policy.at(), f"{label}缺少：{'、'.join(missing)}")
        owner = policy.get("owner")
        if owner and handbook.has_left(owner):
            yield Hit(policy.at("owner"), f"{label}的管理责任人 {handbook.person_name(owner)} 已不在职")


@rule("DAT003", name="trading-backup-policy", title="交易业务系统每交易日备份的策略",
      clause="data-5", needs=("backups", "configuration"))
def trading_backup_policy(handbook):
    """
    ## 检查什么
    配置库中每个在用的交易业务系统（`registers/configuration.yaml` 中 `trading: true`，
    运行状态不是停用或下线）在 `registers/backups.yaml` 中都有备份策略，且至少有一条策略的备份频度
    不低于每交易日一次：“每交易日”“每日”或“实时”（实时复制比每交易日更频繁，同样满足要求）。

    ## 为什么
    标准要求：“交易业务系统数据应至少每交易日备份一次；”没有策略，或策略的频度低于每交易日，
    备份就不可能每交易日进行。

    ## 如何修复
    为该系统增加备份策略，或把频度改为 `每交易日`。

    ## 示例
    ```yaml
    policies:
      - id: BKP-03
        system: CI-APP-MARGIN
        frequency: 每交易日
    ```
    """
    policies = _policies(handbook)
    register = handbook.register("backups")
    for item in _systems(handbook, "trading"):
        mine = policies.get(item.id, [])
        if not mine:
            yield Hit(register.at("policies"), f"交易业务系统 {_name(handbook, item.id)} 没有备份策略")
            continue
        if not any(p.get("frequency") in DAILY for p in mine):
            policy = mine[0]
            yield Hit(policy.at("frequency"),
                      f"交易业务系统 {_name(handbook, item.id)} 的备份频度为“{policy.get('frequency', '未填写')}”，"
                      "低于标准要求的至少每交易日一次：至少一条备份策略的频度应为每交易日、每日或实时")


@rule("DAT004", name="daily-backup-log", title="交易业务系统数据每交易日都有备份记录",
      clause="data-5", needs=("backups", "configuration"), dated=True)
def daily_backup_log(handbook):
    """
    ## 检查什么
    对每个在用的交易业务系统（`trading: true`），在最近 `backup_log_window_days` 天
    （机构设置，默认 31 天）内、直到检查日期前最后一个交易日为止的每个交易日，
    `registers/backups.yaml` 的备份记录（`logs`）中都有该系统的备份日期。交易日按
    上海证券交易所日历（exchange-calendars XSHG，及 `registers/calendar.yaml` 的补充）计算，
    国庆、春节等休市日不要求备份；超出已知交易日历的工作日是否为交易日未知，不按缺失报告，
    而是给出一条警告，说明缺少哪一年的休市安排。系统投产日期（`in_service`）或其备份策略执行日期
    （`since`）之前的日子不检查。检查日期当天的备份在日终进行，不在检查范围内。

    ## 为什么
    标准要求：“交易业务系统数据应至少每交易日备份一次；”漏掉一个交易日的备份，
    该日发生故障时当天的交易数据就可能无法恢复。

    ## 如何修复
    核实该交易日是否已备份：已备份的，从备份系统日志补录日期；未备份的，立即补做备份，
    按事件处理流程记录并查明原因，再补录。

    ## 示例
    ```yaml
    logs:
      - system: CI-APP-TRADE
        record: 备份管理平台 / 作业报告
        dates: [2026-11-16, 2026-11-17, 2026-11-18, 2026-11-19, 2026-11-20]
    ```
    """
    window = handbook.settings.backup_log_window_days
    if not isinstance(window, int) or window < 1:
        window = 31
    calendar = handbook.calendar
    last = calendar.previous_trading_day(handbook.as_of)
    first = handbook.as_of - dt.timedelta(days=window)
    policies = _policies(handbook)
    logs: dict = {}
    for log in handbook.root_of("backups").records("logs"):
        logs.setdefault(log.get("system"), []).append(log)
    register = handbook.register("backups")
    unknown = calendar.unknown_days(first, handbook.as_of - dt.timedelta(days=1))
    if unknown and _systems(handbook, "trading"):
        yield Hit(register.at("logs") if "logs" in handbook.root_of("backups") else register.at(),
                  f"尚不能确定 {_list_dates(unknown)}{'' if len(unknown) > SHOWN_DATES else ' '}是否为交易日："
                  f"{calendar.unknown_note(unknown)}；这些日子的交易业务系统备份记录暂未检查", severity="warning")
    for item in _systems(handbook, "trading"):
        start = first
        begun = _start(handbook, item, policies.get(item.id, []))
        if begun and begun > start:
            start = begun
        required = calendar.trading_days(start, last)
        if not required:
            continue
        mine = logs.get(item.id, [])
        if not mine:
            yield Hit(register.at("logs"),
                      f"交易业务系统 {_name(handbook, item.id)} 没有备份记录（logs），"
                      f"{required[0]} 至 {required[-1]} 的 {len(required)} 个交易日均无法证明已备份")
            continue
        done = {dates.as_date(d) for log in mine for d, _ in log.items("dates")}
        missing = [d for d in required if d not in done]
        # each trading day's backup is due that day: the first one missing, else the next trading day's
        today = handbook.as_of if calendar.is_trading_day(handbook.as_of) else calendar.next_trading_day(handbook.as_of)
        owner = first_person(handbook, *(p.get("owner") for p in policies.get(item.id, [])))
        yield Obligation(f"备份交易业务系统 {_name(handbook, item.id)} 并登记备份记录", missing[0] if missing else today,
                         mine[0].at("dates"),
                         f"交易业务系统 {_name(handbook, item.id)} 缺少 {len(missing)} 个交易日的备份记录：{_list_dates(missing)}",
                         owner=owner, cycle="每个交易日", key=f"backups|daily|{item.id}")


@rule("DAT005", name="history-retention", title="交易业务系统历史数据至少保留一年",
      clause="data-6", needs=("backups", "configuration"), dated=True)
def history_retention(handbook):
    """
    ## 检查什么
    每个在用的交易业务系统（`trading: true`）在 `registers/backups.yaml` 的 `history` 中都有
    历史数据保留记录，保留期限 `retention` 不少于 365 天；若填写了现存最早数据日期 `earliest`，
    则它不晚于检查日期前一年（系统投产 `in_service` 不满一年的，不晚于投产日期）。

    ## 为什么
    标准要求：“交易业务系统历史数据至少保留一年；”法律法规对客户交易记录等有更长的
    保存要求，保留期限应取其中最长者。

    ## 如何修复
    补充历史数据保留记录，或把保留期限延长到至少 365 天；现存数据不足一年的，
    从离线备份恢复缺失的历史数据并查明原因。

    ## 示例
    ```yaml
    history:
      - system: CI-APP-TRADE
        data: 委托、成交、资金和股份变动流水
        location: 历史数据库（集中交易历史库）
        retention: 7300
        earliest: 2019-10-08
    ```
    """
    entries: dict = {}
    for entry in handbook.root_of("backups").records("history"):
        entries.setdefault(entry.get("system"), []).append(entry)
    register = handbook.register("backups")
    year_ago = handbook.as_of - dt.timedelta(days=ONE_YEAR)
    for item in _systems(handbook, "trading"):
        mine = entries.get(item.id, [])
        if not mine:
            yield Hit(register.at("history") if "history" in handbook.root_of("backups") else register.at(),
                      f"交易业务系统 {_name(handbook, item.id)} 没有历史数据保留记录（history）")
            continue
        for entry in mine:
            retention = entry.get("retention")
            if not isinstance(retention, int) or isinstance(retention, bool):
                yield Hit(entry.at(), f"{_name(handbook, item.id)} 的历史数据没有写明保留期限（retention，天）")
            elif retention < ONE_YEAR:
                yield Hit(entry.at("retention"),
                          f"{_name(handbook, item.id)} 的历史数据保留期限为 {retention} 天，应至少保留一年（365 天）")
            earliest = entry.date("earliest")
            if earliest:
                need = year_ago
                in_service = item.date("in_service")
                if in_service and in_service > need:
                    need = in_service
                if earliest > need:
                    yield Hit(entry.at("earliest"),
                              f"{_name(handbook, item.id)} 现存最早的历史数据为 {earliest}，不足一年（应不晚于 {need}）")


@rule("DAT006", name="online-access-authorised", title="在线数据的访问、复制经过授权",
      clause="data-7", needs=("backups", "configuration", "staff"))
def online_access_authorised(handbook):
    """
    ## 检查什么
    每个在用的交易业务系统（`trading: true`）在 `registers/backups.yaml` 的 `authorisations`
    中都有在线数据访问授权：列出授权人员 `persons`，有审批人 `approver` 和审批日期 `approved`；
    授权人员都是在职人员（离职人员的授权应已收回）。实际接触过在线数据的人也对照授权名单：
    数据修改记录（`modifications`）的操作人和复核人，在修改日期须在该系统已批准的授权名单中。

    ## 为什么
    标准要求在线数据“未经授权不得访问、复制；”授权名单是判断一次访问是否经过授权的依据，
    离职人员仍在名单上意味着授权没有及时收回。

    ## 如何修复
    为系统建立授权记录并经审批；人员离职或调岗时从名单中删除并重新审批。

    ## 示例
    ```yaml
    authorisations:
      - id: AUTH-01
        system: CI-APP-TRADE
        data: 集中交易数据库生产数据
        access: [访问, 复制]
        persons: [P006, P011]
        approver: P002
        approved: 2026-01-05
    ```
    """
    grants: dict = {}
    for grant in handbook.root_of("backups").records("authorisations"):
        grants.setdefault(grant.get("system"), []).append(grant)
        label = f"{_name(handbook, grant.get('system'))} 的在线数据访问授权 {grant.id} "
        if not grant.get("persons"):
            yield Hit(grant.at(), f"{label}没有列出授权人员（persons）")
        if not grant.get("approver") or not grant.get("approved"):
            yield Hit(grant.at(), f"{label}没有审批人和审批日期（approver、approved）")
        for person, where in grant.items("persons"):
            if handbook.has_left(person):
                yield Hit(where, f"{label}中的 {handbook.person_name(person)} 已不在职，其授权应收回")
    register = handbook.register("backups")
    root = handbook.root_of("backups")
    for item in _systems(handbook, "trading"):
        if item.id not in grants:
            yield Hit(register.at("authorisations") if "authorisations" in root else register.at(),
                      f"交易业务系统 {_name(handbook, item.id)} 没有在线数据访问授权记录（authorisations）")
    # who actually touched online data: whoever modified or checked a modification of a system's data
    for change in root.records("modifications"):
        system, day = change.get("system"), change.date("date")
        if not system or day is None:
            continue
        authorised = {p for g in grants.get(system, []) if g.date("approved") and g.date("approved") <= day
                      for p in g.get("persons", []) or []}
        for role, key in (("操作人", "operator"), ("复核人", "reviewer")):
            person = change.get(key)
            if person and person not in authorised:
                yield Hit(change.at(key), f"数据修改 {change.id}（{day}）的{role} {handbook.person_name(person)} 不在"
                                          f"{_name(handbook, system)} 当时有效的在线数据访问授权（authorisations 的 persons）中："
                                          "未经授权不得访问、复制；先经审批把此人加入授权名单")


@rule("DAT007", name="data-modification-controlled", title="数据修改经审批、双岗操作并记录日志",
      clause="data-8", needs=("backups",))
def data_modification_controlled(handbook):
    """
    ## 检查什么
    `registers/backups.yaml` 的每条数据修改记录（`modifications`）：有审批人 `approver` 和
    审批日期 `approved`，审批不晚于修改日期 `date`；有操作人 `operator` 和复核人 `reviewer`，
    且不是同一人，审批人也不是操作人；记录了操作日志 `log`。

    ## 为什么
    标准要求：“对数据的修改应通过审批，双岗操作并记录操作日志。”

    ## 如何修复
    补充审批记录、复核人和操作日志的存放位置。事后补批的修改应按事件处理流程说明原因。

    ## 示例
    ```yaml
    modifications:
      - id: DM-2026-003
        date: 2026-08-12
        system: CI-APP-CLEAR
        description: 更正一笔因交易所回报延迟导致的清算数据
        approver: P002
        approved: 2026-08-12
        operator: P006
        reviewer: P011
        log: 数据库审计日志 / DM-2026-003 操作记录.pdf
    ```
    """
    for mod in handbook.root_of("backups").records("modifications"):
        label = f"数据修改 {mod.id} "
        approver, approved, when = mod.get("approver"), mod.date("approved"), mod.date("date")
        operator, reviewer = mod.get("operator"), mod.get("reviewer")
        if not approver or not approved:
            yield Hit(mod.at(), f"{label}没有审批人和审批日期（approver、approved）")
        elif when and approved > when:
            yield Hit(mod.at("approved"), f"{label}的审批日期 {approved} 晚于修改日期 {when}：修改应先经审批")
        if not operator or not reviewer:
            yield Hit(mod.at(), f"{label}没有双岗操作：应有操作人（operator）和复核人（reviewer）")
        elif operator == reviewer:
            yield Hit(mod.at("reviewer"), f"{label}的操作人和复核人是同一人 {handbook.person_name(operator)}，不是双岗操作")
        if approver and operator and approver == operator:
            yield Hit(mod.at("approver"), f"{label}的审批人与操作人是同一人 {handbook.person_name(operator)}")
        if not mod.get("log"):
            yield Hit(mod.at(), f"{label}没有记录操作日志（log）")


def _quarters_back(as_of: dt.date, count: int):
    """The ``count`` quarters that ended before ``as_of``, newest first: (year, quarter, first day, last day)."""
    year, quarter = dates.quarter_of(as_of)
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        first = dt.date(year, 3 * quarter - 2, 1)
        last = dates.add_months(first, 3) - dt.timedelta(days=1)
        yield year, quarter, first, last


@rule("DAT008", name="core-backup-verified-quarterly", title="核心交易业务系统备份数据每季度验证",
      clause="data-11", needs=("backups", "configuration"), dated=True)
def core_backup_verified_quarterly(handbook):
    """
    ## 检查什么
    每个在用的核心交易业务系统（`registers/configuration.yaml` 中 `core: true`），在检查日期前
    已经结束的最近四个季度里，每个季度都至少有一条备份数据有效性验证记录
    （`registers/backups.yaml` 的 `verifications`，`system` 为该系统）。系统投产
    （`in_service`）或备份策略执行（`since`）之前开始的季度不要求；当前季度结束后才要求。

    ## 为什么
    标准要求：“应至少每季度对核心交易业务系统的备份数据进行一次有效性验证，如发现问题应
    采取措施修复备份数据，并查明原因；”未经验证的备份在需要恢复时可能无法使用。

    ## 如何修复
    尽快对该系统的备份数据做一次恢复验证并记录；以后按季度安排验证（可写入年度运维计划）。

    ## 示例
    ```yaml
    verifications:
      - id: VER-2026-09
        system: CI-APP-TRADE
        date: 2026-09-19
        method: 将最近一次全量备份恢复到测试环境，核对客户资金和持仓总数
        result: 通过
        operator: P006
        record: 运维档案 / 2026-Q3 备份恢复验证报告.pdf
    ```
    """
    policies = _policies(handbook)
    checks: dict = {}
    for check in handbook.root_of("backups").records("verifications"):
        when = check.date("date")
        if when and when <= handbook.as_of:
            checks.setdefault(check.get("system"), []).append(when)
    register = handbook.register("backups")
    for item in _systems(handbook, "core"):
        mine = policies.get(item.id, [])
        begun = _start(handbook, item, mine)
        where = mine[0].at() if mine else register.at("verifications") if "verifications" in handbook.root_of("backups") else register.at()
        owner = first_person(handbook, *(p.get("owner") for p in mine), responsible(handbook, "data_owner"))
        this_year, this_quarter = dates.quarter_of(handbook.as_of)
        this_first = dt.date(this_year, 3 * this_quarter - 2, 1)
        current = (this_year, this_quarter, this_first, dates.add_months(this_first, 3) - dt.timedelta(days=1))
        for year, quarter, first, last in (current, *_quarters_back(handbook.as_of, 4)):
            if begun and begun > first:
                continue
            if not any(first <= d <= last for d in checks.get(item.id, [])):
                yield Obligation(f"验证核心交易业务系统 {_name(handbook, item.id)} {year} 年第 {quarter} 季度的备份数据有效性",
                                 last, where,
                                 f"核心交易业务系统 {_name(handbook, item.id)} 在 {year} 年第 {quarter} 季度没有备份数据有效性验证记录",
                                 owner=owner, cycle="每季度", key=f"backups|verify|{item.id}|{year}-Q{quarter}")


@rule("DAT009", name="verification-failure-fixed", title="备份验证发现问题须修复并查明原因",
      clause="data-11", needs=("backups",))
def verification_failure_fixed(handbook):
    """
    ## 检查什么
    `registers/backups.yaml` 中结果为“未通过”的每条有效性验证记录，都写明了修复备份数据的措施
    `fix` 和查明的原因 `cause`。每条验证记录都应写明结果 `result`。

    ## 为什么
    标准要求：“应至少每季度对核心交易业务系统的备份数据进行一次有效性验证，如发现问题应
    采取措施修复备份数据，并查明原因；”

    ## 如何修复
    修复备份数据（如重新做一次全量备份并再次验证），填写 `fix`、`fixed` 和 `cause`。

    ## 示例
    ```yaml
    - id: VER-2026-05
      system: CI-APP-MARGIN
      date: 2026-05-16
      result: 未通过
      issues: 恢复到 5 月 14 日时缺少一个归档日志文件
      fix: 重新执行全量备份，并于 5 月 23 日再次验证通过
      fixed: 2026-05-18
      cause: 归档日志清理脚本的保留参数在 4 月调整时被误改
    ```
    """
    for check in handbook.root_of("backups").records("verifications"):
        label = f"{check.get('date')} 对 {_name(handbook, check.get('system'))} 的备份验证"
        result = check.get("result")
        if not result:
            yield Hit(check.at(), f"{label}没有写明验证结果（result）")
        elif result == "未通过":
            missing = [zh for key, zh in (("fix", "修复措施（fix）"), ("cause", "原因（cause）")) if not check.get(key)]
            if missing:
                yield Hit(check.at("result"), f"{label}未通过，但没有记录{'和'.join(missing)}")


@rule("DAT010", name="offline-access-approved", title="离线数据调阅、复制、传输、查询经审批并登记",
      clause="data-12", needs=("backups",))
def offline_access_approved(handbook):
    """
    ## 检查什么
    `registers/backups.yaml` 的每条离线数据调阅登记（`offline_access`）：有申请人 `requester`、
    审批人 `approver` 和审批日期 `approved`，审批不晚于办理日期 `date`，审批人不是申请人；
    有登记号 `registered`。

    ## 为什么
    标准要求：“离线数据的调阅、复制、传输、查询，应按照拟定的流程办理审批手续，并进行登记；”

    ## 如何修复
    按数据和介质管理制度补办审批并登记；事后补批的，应说明原因。

    ## 示例
    ```yaml
    offline_access:
      - id: OFF-2026-07
        date: 2026-11-05
        kind: 查询
        data: 2025 年度融资融券合约历史数据（离线备份）
        purpose: 监管报送数据核对
        requester: P016
        approver: P002
        approved: 2026-11-04
        registered: LX-2026-031
    ```
    """
    for access in handbook.root_of("backups").records("offline_access"):
        label = f"离线数据{access.get('kind', '使用')} {access.id} "
        approver, approved, when = access.get("approver"), access.date("approved"), access.date("date")
        requester = access.get("requester")
        if not requester:
            yield Hit(access.at(), f"{label}没有记录申请人（requester）")
        if not approver or not approved:
            yield Hit(access.at(), f"{label}没有办理审批手续：缺少审批人或审批日期（approver、approved）")
        else:
            if when and approved > when:
                yield Hit(access.at("approved"), f"{label}的审批日期 {approved} 晚于办理日期 {when}：应先审批后办理")
            if requester and approver == requester:
                yield Hit(access.at("approver"), f"{label}由申请人 {handbook.person_name(requester)} 自己审批")
        if not access.get("registered"):
            yield Hit(access.at(), f"{label}没有登记号（registered）")


@rule("DAT011", name="backup-transport-protected", title="备份数据带离存储环境时采取安全措施",
      clause="data-13", needs=("backups",))
def backup_transport_protected(handbook):
    """
    ## 检查什么
    `registers/backups.yaml` 中：
    - 备份介质定期带离存储环境的备份策略（`offsite: true`，如磁带送异地存放）写明了带离时的
      安全措施 `transport`；
    - 离线数据调阅登记中每条“传输”（`kind: 传输`，备份数据被带出存储环境）写明了安全措施
      `protection`。

    ## 为什么
    标准要求：“备份数据带离存储环境时应采取必要的安全措施。”备份介质在运送途中丢失或被复制，
    等于全部数据泄露。

    ## 如何修复
    写明采取的措施，如介质加密、专用密码箱、双人押运、交接签字；没有措施的，先补上措施再带离。

    ## 示例
    ```yaml
    policies:
      - id: BKP-01
        offsite: true
        transport: 磁带加密；专用密码箱双人押运；灾备中心交接签字
    ```
    """
    for policy in handbook.records("backups", "policies"):
        if policy.get("offsite") is True and not policy.get("transport"):
            yield Hit(policy.at("offsite"),
                      f"{_name(handbook, policy.get('system'))} 的备份策略 {policy.id} 的介质带离存储环境，但没有写明安全措施（transport）")
    for access in handbook.root_of("backups").records("offline_access"):
        if access.get("kind") == "传输" and not access.get("protection"):
            yield Hit(access.at("kind"), f"离线数据传输 {access.id} 把备份数据带离存储环境，但没有记录安全措施（protection）")
