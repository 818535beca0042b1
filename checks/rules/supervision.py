"""督促检查：每日检查人、每季内部检查、年度运维审计、检查审计范围和整改措施。"""

from __future__ import annotations

import datetime as dt
import re

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import action_open, appointed, day_span

CHAPTER = "督促检查"

INTERNAL = "内部检查"
ANNUAL = "年度审计"
# 标准要求检查和审计范围至少包括的五项评估内容（与 schemas/inspections.schema.json 的枚举一致）
SCOPE = (
    "制度和流程的合理性和完整性",
    "制度和流程的执行情况",
    "文档、配置、数据的有效性",
    "整体安全状况",
    "运维人员履职能力",
)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _record_quarter(record) -> int | None:
    match = _QUARTER.match(str(record.get("quarter", "")))
    if match:
        return dates.quarter_index(int(match.group(1)), int(match.group(2)))
    when = record.date("date")
    return dates.quarter_index(*dates.quarter_of(when)) if when else None


def _first_inspection_quarter(handbook) -> int | None:
    """台账中最早的内部检查所属的季度。"""
    quarters = [_record_quarter(r) for r in handbook.records("inspections") if r.get("type") == INTERNAL]
    quarters = [q for q in quarters if q is not None]
    return min(quarters) if quarters else None


def _audit_year(record) -> int | None:
    year = record.get("year")
    if isinstance(year, int):
        return year
    when = record.date("date")
    return when.year if when else None


def _raw(register, key) -> set:
    """台账中（包括不符合 schema、规则看不到的记录）出现的 quarter 或 year 值：有 schema 错误时由 SCH001 报告。"""
    data = register.data if register is not None and isinstance(register.data, dict) else {}
    items = data.get("inspections")
    return {str(item.get(key)) for item in items if isinstance(item, dict)} if isinstance(items, list) else set()


def _established(handbook) -> dt.date | None:
    root = handbook.root_of("organisation")
    organisation = root.sub("organisation") if root else None
    return organisation.date("operations_unit_established") if organisation else None


@rule("AUD001", name="quarterly-inspection", title="每季开展内部检查并形成检查报告", clause="audit-3",
      needs=("inspections",), dated=True)
def quarterly_inspection(handbook):
    """
    ## 检查什么
    每个已结束的季度都有一次内部检查（`registers/inspections.yaml` 中 `type: 内部检查`，
    `quarter` 为该季度，如 `2026-Q3`），并有检查报告 `report`；检查日期和报告日期不晚于检查日期。

    检查的季度范围：从台账中最早的内部检查所属季度起，至少包括最近四个已结束的季度（不早于运维
    组织设立的季度）。季度结束后有 `inspection_report_months` 个月（默认 1 个月，即下一季度第一个月
    的月底前）用于完成上一季度的检查和报告，期间不报告该季度。

    ## 为什么
    标准要求：“证券期货机构应每季组织开展内部检查，形成检查报告。”

    ## 如何修复
    组织该季度的内部检查，把检查报告归档并填写其位置；已经检查但没有记录的，补录记录。

    ## 示例
    ```yaml
    - id: INS-2026-Q3
      type: 内部检查
      quarter: 2026-Q3
      date: 2026-10-12
      lead: P002
      inspectors: [P014, P016]
      scope: [制度和流程的合理性和完整性, 制度和流程的执行情况, 文档、配置、数据的有效性, 整体安全状况, 运维人员履职能力]
      report: 档案柜 C-01 / 2026-Q3 运维内部检查报告.pdf
    ```
    """
    as_of = handbook.as_of
    months = handbook.settings.inspection_report_months
    records: dict = {}
    for record in handbook.records("inspections"):
        if record.get("type") == INTERNAL:
            index = _record_quarter(record)
            if index is not None:
                records.setdefault(index, []).append(record)
    last = dates.quarter_index(*dates.quarter_of(as_of)) - 1
    first = last - 3
    start = _first_inspection_quarter(handbook)
    if start is not None:
        first = min(first, start)
    established = _established(handbook)
    if established is not None:
        first = max(first, dates.quarter_index(*dates.quarter_of(established)))
    register = handbook.register("inspections")
    for index in range(first, last + 2):  # up to the current quarter, whose report is due after it
        due = dates.add_months(dates.quarter_end(index) + dt.timedelta(days=1), months) - dt.timedelta(days=1)
        label = dates.quarter_label(index)
        found = records.get(index)
        if not found:
            if label in _raw(register, "quarter"):
                continue  # 记录存在但不符合 schema：SCH001 已报告
            yield Obligation(f"完成 {label} 季度内部检查并形成检查报告", due, register.at("inspections"),
                             f"{label} 季度没有内部检查记录（type: 内部检查，quarter: {label}）",
                             cycle="每季度", key=f"inspections|quarterly|{label}")
            continue
        if as_of <= due:
            continue  # 季度结束后的宽限期内
        if not any(r.get("report") for r in found):
            yield Hit(found[0].at("id"), f"{label} 季度的内部检查 {found[0].id} 没有检查报告（report）")
        for record in found:
            for key, zh in (("date", "检查日期"), ("report_date", "报告日期")):
                when = record.date(key)
                if when and when > as_of:
                    yield Hit(record.at(key), f"内部检查 {record.id} 的{zh} {when} 晚于检查日期 {as_of}")


@rule("AUD002", name="annual-it-audit", title="年度审计包含运维管理审计项目并形成审计报告", clause="audit-4",
      needs=("inspections",), dated=True)
def annual_it_audit(handbook):
    """
    ## 检查什么
    每个已结束的年度都有一项信息系统运维管理审计（`type: 年度审计`，`year` 为审计工作年度），
    并有审计报告 `report`；审计日期和报告日期不晚于检查日期。

    检查的年度范围：从台账中最早的年度审计或内部检查所在年度起，至少包括上一年度（不早于运维
    组织设立的年度）。
    年度结束后有 `audit_report_days` 天（默认 90 天）的宽限期用于完成审计报告。

    ## 为什么
    标准要求：“证券期货机构应在每年审计工作中包含信息系统运维管理工作审计项目，并形成审计报告。”

    ## 如何修复
    请稽核审计部在年度审计计划中安排信息系统运维管理审计项目；审计完成后登记审计记录和报告位置。

    ## 示例
    ```yaml
    - id: AUD-2025
      type: 年度审计
      year: 2025
      date: 2025-11-10
      lead: P019
      report: 稽核审计部档案 / 明川稽〔2025〕27号
    ```
    """
    as_of = handbook.as_of
    grace = handbook.settings.audit_report_days
    audits: dict = {}
    for record in handbook.records("inspections"):
        if record.get("type") != ANNUAL:
            continue
        year = _audit_year(record)
        if year is not None:
            audits.setdefault(year, []).append(record)
    last = as_of.year - 1
    first = last
    starts = list(audits)
    start = _first_inspection_quarter(handbook)
    if start is not None:
        starts.append(start // 4)
    first = min([first, *starts])
    established = _established(handbook)
    if established is not None:
        first = max(first, established.year)
    register = handbook.register("inspections")
    for year in range(first, last + 2):  # up to this year, whose audit is due after it
        due = dt.date(year, 12, 31) + dt.timedelta(days=grace)
        found = audits.get(year)
        if not found:
            if str(year) in _raw(register, "year"):
                continue  # 记录存在但不符合 schema：SCH001 已报告
            yield Obligation(f"完成 {year} 年度信息系统运维管理审计", due, register.at("inspections"),
                             f"{year} 年度审计工作中没有信息系统运维管理审计项目（type: 年度审计，year: {year}）",
                             cycle="每年", key=f"inspections|audit|{year}")
            continue
        if as_of <= due:
            continue
        if not any(r.get("report") for r in found):
            yield Hit(found[0].at("id"), f"{year} 年度运维管理审计 {found[0].id} 没有审计报告（report）")
        for record in found:
            for key, zh in (("date", "审计日期"), ("report_date", "报告日期")):
                when = record.date(key)
                if when and when > as_of:
                    yield Hit(record.at(key), f"审计 {record.id} 的{zh} {when} 晚于检查日期 {as_of}")


@rule("AUD003", name="inspection-scope", title="检查和审计范围覆盖标准规定的五项评估", clause="audit-5",
      needs=("inspections",))
def inspection_scope(handbook):
    """
    ## 检查什么
    每次内部检查（`type: 内部检查`）和年度运维管理审计（`type: 年度审计`）的检查范围 `scope`
    都包括标准规定的五项评估：制度和流程的合理性和完整性、制度和流程的执行情况、
    文档、配置、数据的有效性、整体安全状况、运维人员履职能力。专项审计（`type: 专项审计`，
    如经费核算审计）不检查范围。

    ## 为什么
    标准要求：“检查和审计范围至少包括对运维管理制度和操作流程的合理性和完整性进行评估，
    对运维管理制度和操作流程的执行情况进行评估，对文档、配置、数据的有效性进行评估，对整体
    安全状况进行评估，对运维人员履职能力进行评估等。”

    ## 如何修复
    在检查方案中补充缺少的评估内容，并在记录的 `scope` 中列出；某次检查另有重点时写在 `focus` 中。
    """
    for record in handbook.records("inspections"):
        kind = record.get("type")
        if kind not in (INTERNAL, ANNUAL):
            continue
        scope = record.get("scope") or []
        noun = "内部检查" if kind == INTERNAL else "审计"
        if not scope:
            yield Hit(record.at("id"), f"{noun} {record.id} 没有记录检查范围（scope）")
            continue
        missing = [s for s in SCOPE if s not in scope]
        if missing:
            yield Hit(record.at("scope"), f"{noun} {record.id} 的检查范围缺少：{'；'.join(missing)}")


ACTION_FIELDS = {"kind": "措施类型", "description": "措施内容", "owner": "责任人", "due": "完成期限"}


def _actions(handbook):
    for record in handbook.records("inspections"):
        for finding in record.records("findings"):
            yield record, finding


@rule("AUD004", name="corrective-actions", title="检查和审计发现的问题有纠正性或预防性措施", clause="audit-6",
      needs=("inspections",), dated=True)
def corrective_actions(handbook):
    """
    ## 检查什么
    检查和审计记录中每个发现的问题（`findings`）至少有一项措施（`actions`），每项措施写明类型
    `kind`（纠正性/预防性）、内容 `description`、责任人 `owner` 和完成期限 `due`。已完成
    （`status: closed`）的措施写明完成日期 `closed`，且不晚于检查日期；未完成措施的责任人应在职。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”没有责任人和期限的
    措施无法跟踪落实。

    ## 如何修复
    为问题制定整改措施，明确责任人和完成期限；措施完成后把状态改为 closed 并填写完成日期和证明。
    责任人离职的，把措施交给在职人员。

    ## 示例
    ```yaml
    findings:
      - id: INS-2026-Q3-01
        description: 两台交易服务器的操作系统补丁未按季度更新
        actions:
          - {kind: 纠正性, description: 完成补丁更新, owner: P005, due: 2026-10-31, status: closed, closed: 2026-10-24}
          - {kind: 预防性, description: 补丁更新纳入季度变更计划, owner: P002, due: 2026-12-31, status: open}
    ```
    """
    for record, finding in _actions(handbook):
        label = f"{record.id} 发现的问题 {finding.id}"
        actions = finding.records("actions")
        if not actions:
            yield Hit(finding.at("id"), f"{label} 没有纠正性或预防性措施（actions）")
            continue
        for number, action in enumerate(actions, 1):
            where = f"{label} 的第 {number} 项措施"
            missing = [f"{zh}（{key}）" for key, zh in ACTION_FIELDS.items() if not action.get(key)]
            if missing:
                yield Hit(action.at(), f"{where}缺少：{'、'.join(missing)}")
            closed = action.date("closed")
            if not action_open(action):
                if closed is None:
                    yield Hit(action.at("status"), f"{where}已完成，但没有完成日期（closed）")
                elif closed > handbook.as_of:
                    yield Hit(action.at("closed"), f"{where}的完成日期 {closed} 晚于检查日期 {handbook.as_of}")
            else:
                owner = action.get("owner")
                if owner and handbook.has_left(owner):
                    yield Hit(action.at("owner"), f"{where}尚未完成，责任人 {handbook.person_name(owner)} 已不在职")


@rule("AUD005", name="overdue-actions", title="整改措施逾期未完成", clause="audit-6", needs=("inspections",), dated=True)
def overdue_actions(handbook):
    """
    ## 检查什么
    检查和审计发现的问题的措施，未完成（`status` 不是 `closed`）且完成期限 `due` 早于检查日期的，
    作为错误报告。

    ## 为什么
    标准要求：“证券期货机构应对检查和审计的结果采取纠正性和预防性的措施。”检查审计的目的是
    “督促运维工作持续改进”，逾期未完成的措施说明整改没有落实。

    ## 如何修复
    尽快完成措施并把状态改为 closed、填写完成日期；确需延期的，经运维组织负责人批准后修改
    完成期限，并在措施内容中说明延期原因。
    """
    for record, finding in _actions(handbook):
        for number, action in enumerate(finding.records("actions"), 1):
            if not action_open(action) or action.date("due") is None:
                continue
            due = action.date("due")
            owner = action.get("owner")
            who = f"，责任人 {handbook.person_name(owner)}" if owner else ""
            yield Obligation(f"完成 {record.id} 发现的问题 {finding.id} 的第 {number} 项措施", due, action.at("due"),
                             f"{record.id} 发现的问题 {finding.id} 的第 {number} 项措施已于 {due} 到期，仍未完成{who}",
                             owner=owner, cycle="一次", key=f"{action.source.path}#{record.id}|{finding.id}|{number}")


@rule("AUD006", name="daily-check-person", title="指定日常操作每日检查人", clause="audit-2", needs=("organisation", "staff"))
def daily_check_person(handbook):
    """
    ## 检查什么
    `registers/organisation.yaml` 的 `responsibilities.daily_check` 指定了负责每日检查日常操作
    执行情况的人员，且此人在职。

    ## 为什么
    标准要求：“证券期货机构应指定人员负责对日常操作执行情况进行每日检查，确保运维管理制度和
    操作流程有效执行。”

    ## 如何修复
    填写每日检查人的人员编号；人员离职或调岗时及时更换。

    ## 示例
    ```yaml
    responsibilities:
      daily_check: P013
    ```
    """
    yield from appointed(handbook, "daily_check", "日常操作每日检查人")


@rule("AUD007", name="daily-checks-done", title="每个交易日都有日常操作每日检查记录", clause="audit-2",
      needs=("operations", "organisation", "staff"), dated=True)
def daily_checks_done(handbook):
    """
    ## 检查什么
    `registers/operations.yaml` 的 `daily_checks` 中，检查日期之前最近 N 天（机构设置
    `settings.daily_check_days`，默认 7 天；不含检查日期当天，当天的检查在收市后进行）的每个交易日
    都有一条每日检查记录；每条记录：

    - 日期不晚于检查日期，同一天只有一条；
    - 写明检查人 `by`，检查人在职；检查人是每日检查人（`responsibilities.daily_check`）以外的人时给出提醒；
    - 结论为“发现问题”的，写明发现的问题 `issues` 和纠正情况 `corrections`。

    超出已知交易日历、是否为交易日未知的工作日只给出警告，说明缺少哪一年的休市安排。

    ## 为什么
    标准要求：“证券期货机构应指定人员负责对日常操作执行情况进行每日检查，确保运维管理制度和
    操作流程有效执行。”只指定了人而没有逐日的检查记录，无法证明检查确实每日进行；
    漏掉的日子正是操作差错最容易被忽略的时候。

    ## 如何修复
    补做漏掉的检查并登记；确实未检查的，在记录中如实写明原因并安排补查。

    ## 示例
    ```yaml
    daily_checks:
      - {date: 2026-11-18, by: P013, result: 发现问题, issues: 启动检查表复核人漏签一项, corrections: 当日补签}
      - {date: 2026-11-19, by: P013, result: 正常}
    ```
    """
    register = handbook.register("operations")
    records = handbook.records("operations", "daily_checks")
    resp = handbook.root_of("organisation").sub("responsibilities")
    appointed_person = resp.get("daily_check") if resp else None
    window = handbook.settings.daily_check_days
    seen: dict = {}
    for record in records:
        day = record.date("date")
        if day is None:
            continue
        if day in seen:
            yield Hit(record.at("date"), f"{day} 有两条每日检查记录，请合并为一条")
        seen[day] = record
        if day > handbook.as_of:
            yield Hit(record.at("date"), f"每日检查记录日期 {day} 晚于检查日期 {handbook.as_of}")
        person = record.get("by")
        if not person:
            yield Hit(record.at(), f"{day} 的每日检查没有写明检查人（by）")
        elif handbook.has_left(person):
            yield Hit(record.at("by"), f"{day} 的每日检查人 {handbook.person_name(person)} 已不在职")
        elif appointed_person and person != appointed_person and person in handbook.staff:
            yield Hit(record.at("by"), f"{day} 的每日检查由 {handbook.person_name(person)} 完成，不是指定的每日检查人 "
                                       f"{handbook.person_name(appointed_person)}；代为检查的，请在组织台账中写明代理安排",
                      severity="warning")
        if record.get("result") == "发现问题":
            lacking = [zh for key, zh in (("issues", "发现的问题（issues）"), ("corrections", "纠正情况（corrections）"))
                       if not record.get(key)]
            if lacking:
                yield Hit(record.at(), f"{day} 的每日检查发现问题，但没有写明{'、'.join(lacking)}")
    calendar = handbook.calendar
    days = [handbook.as_of - dt.timedelta(days=i) for i in range(window, 0, -1)]
    missing = [d for d in days if calendar.is_trading_day(d) and d not in seen]
    where = register.at("daily_checks") if "daily_checks" in register.root else register.at()
    runs: list = []
    for day in missing:  # consecutive trading days (a weekend between does not break a run)
        if runs and calendar.next_trading_day(runs[-1][-1]) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    # each trading day's check is recorded that day: the runs of days missed, then today's and tomorrow's
    for run in runs:
        span = f"{run[0]} " if len(run) == 1 else f"{run[0]} 至 {run[-1]} 的 {len(run)} 个交易日"
        yield Obligation(f"登记 {run[0]} 的日常操作每日检查", run[0], where, f"{span}没有日常操作每日检查记录（检查最近 {window} 天）",
                         owner=appointed_person, cycle="每个交易日", key=f"operations|daily-check|{run[0]}")
    for day in (handbook.as_of, handbook.as_of + dt.timedelta(days=1)):
        if calendar.is_trading_day(day) and day not in seen:
            yield Obligation(f"登记 {day} 的日常操作每日检查", day, where, "", owner=appointed_person,
                             cycle="每个交易日", key=f"operations|daily-check|{day}")
    unknown = [d for d in days if calendar.status(d) is None and d not in seen]
    if unknown:
        span = f"{unknown[0]} " if len(unknown) == 1 else f"{day_span(unknown[0], unknown[-1])} 的工作日"
        yield Hit(where, f"{span}是否为交易日未知：{calendar.unknown_note(unknown)}；"
                         "这些日子的每日检查记录暂未检查", severity="warning")
