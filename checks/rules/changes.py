"""系统变更：角色与分离、变更方案、审批、实施窗口与交易时段、变更前后测试、配置库更新、变更复核。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..calendar import describe
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import blank as _empty, time_span, window as _window

CHAPTER = "系统变更"

CANCELLED = "已取消"
APPROVED = ("已批准", "已实施", "已复核", "已回退")  # the approval must exist
IMPLEMENTED = ("已实施", "已复核", "已回退")  # tests and the implementation record must exist
CMDB_UPDATED = ("已实施", "已复核")  # a rolled-back change leaves the configuration as it was
PENDING = ("申请中", "已批准")

ROLES = {"applicant": "申请人", "approver": "审批人", "implementer": "实施人", "reviewer": "复核人"}
# Pairs of roles that must be held by different people (settings.change_role_separation).
APPLICATION_FIELDS = {
    "objective": "目标",
    "targets": "对象",
    "window": "时间",
    "people": "人员",
    "urgency": "紧急程度",
    "steps": "操作步骤",
    "test_plan": "测试方案",
    "implementation_plan": "实施方案",
    "risk_controls": "风险防控措施",
    "contingency": "应急预案",
    "rollback": "回退方案",
}


def _changes(handbook, statuses=None):
    for change in handbook.records("changes"):
        status = change.get("status")
        if status == CANCELLED:
            continue
        if statuses is None or status in statuses:
            yield change


_span = time_span


def _name(change) -> str:
    return f"变更 {change.id}"


@rule("CHG001", name="change-roles", title="变更明确申请人、审批人、实施人、复核人并相互分离", clause="change-2",
      needs=("changes",))
def change_roles(handbook):
    """
    ## 检查什么
    每项变更（已取消的除外）都填写了四个角色：申请人 `applicant`、审批人 `approver`、
    实施人 `implementer`、复核人 `reviewer`。以下角色须由不同的人担任（机构设置
    `settings.change_role_separation`，默认两对）：

    - 申请人与审批人：不得审批自己申请的变更；
    - 实施人与复核人：不得复核自己实施的变更。

    尚未实施的变更（申请中、已批准）中的角色须由在职人员担任。

    ## 为什么
    标准要求：“证券期货机构应明确系统变更中的角色，至少包括：申请人、审批人、实施人、复核人。”
    审批和复核是对申请和实施的制约，同一人兼任就失去了制约；标准也要求“关键岗位应进行分离，
    兼岗时应满足岗位相互制约的要求”。申请人可以同时是实施人，审批人可以同时是复核人。

    ## 如何修复
    补齐角色；同一人担任了须分离的两个角色时，改由另一人审批或复核。

    ## 示例
    ```yaml
    - id: CHG-2026-027
      applicant: P006
      approver: P002
      implementer: P006
      reviewer: P011
    ```
    """
    pairs = handbook.settings.change_role_separation
    for change in _changes(handbook):
        missing = [f"{zh}（{key}）" for key, zh in ROLES.items() if not change.get(key)]
        if missing:
            yield Hit(change.at("id"), f"{_name(change)} 未明确角色：{'、'.join(missing)}")
        for pair in pairs:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(p in ROLES for p in pair):
                continue
            first, second = pair
            person = change.get(first)
            if person and person == change.get(second):
                yield Hit(change.at(second),
                          f"{_name(change)} 的{ROLES[first]}和{ROLES[second]}是同一人 {handbook.person_name(person)}，"
                          f"这两个角色须由不同的人担任")
        if change.get("status") in PENDING:
            for key, zh in ROLES.items():
                person = change.get(key)
                if person and handbook.has_left(person):
                    yield Hit(change.at(key), f"{_name(change)} 的{zh} {handbook.person_name(person)} 已不在职，请改由在职人员担任")


@rule("CHG002", name="change-application", title="变更申请包含完整的变更方案", clause="change-3", needs=("changes",))
def change_application(handbook):
    """
    ## 检查什么
    每项变更（已取消的除外）的申请都写明了变更方案的全部内容：目标 `objective`、对象 `targets`
    （配置项）、时间 `window`（开始 `start` 和结束 `end`）、人员 `people`、紧急程度 `urgency`、
    操作步骤 `steps`、测试方案 `test_plan`、实施方案 `implementation_plan`、风险防控措施
    `risk_controls`、应急预案 `contingency`、回退方案 `rollback`；并且窗口的结束时间晚于开始时间。

    ## 为什么
    标准要求：“变更申请人应提交正式的变更申请，申请中应有明确的变更方案，内容至少包括：目标、
    对象、时间、人员、紧急程度、操作步骤、测试方案、实施方案、风险防控措施、应急预案、回退方案等。”

    ## 如何修复
    在变更记录中补齐缺少的内容；内容较长时可写要点并注明方案文档的编号。

    ## 示例
    ```yaml
    window:
      start: 2026-06-20 20:00
      end: 2026-06-21 02:00    # 跨零点时写次日日期
    urgency: 中
    rollback: 使用 opatch rollback 回退补丁；必要时从 RMAN 备份恢复。
    ```
    """
    for change in _changes(handbook):
        missing = [f"{zh}（{key}）" for key, zh in APPLICATION_FIELDS.items() if _empty(change.get(key))]
        start, end = _window(change)
        window = change.sub("window")
        if window is not None and "时间（window）" not in missing:
            parts = [f"{zh}（window.{key}）" for key, zh in (("start", "开始时间"), ("end", "结束时间")) if not window.get(key)]
            missing.extend(parts)
        if missing:
            yield Hit(change.at("id"), f"{_name(change)} 的变更方案缺少：{'、'.join(missing)}")
        if start and end and end <= start:
            yield Hit(window.at("end"), f"{_name(change)} 的实施窗口结束时间 {dates.fmt(end)} 不晚于开始时间 {dates.fmt(start)}"
                                        "（跨零点的窗口请写次日的日期）")


@rule("CHG003", name="change-approval", title="变更审批评估技术风险和业务风险并留痕", clause="change-4", needs=("changes",))
def change_approval(handbook):
    """
    ## 检查什么
    已批准、已实施、已复核或已回退的变更都有审批记录 `approval`，包括：审批时间 `date`、
    技术风险评估 `risk_assessment.technical`、业务风险评估 `risk_assessment.business`、
    审批意见 `opinion` 和审批记录的编号或存放位置 `record`。

    ## 为什么
    标准要求：“变更审批人应在充分评估变更的技术风险和业务风险的基础上进行审批，审批记录应留痕并满足审计需要。”
    审计时需要能从台账找到每项变更的审批单，并看到审批人评估了哪些风险。

    ## 如何修复
    补录审批信息。紧急变更经电话等方式审批的，记录审批时间，并把录音或事后补签的审批单写入 `record`。

    ## 示例
    ```yaml
    approval:
      date: 2026-06-15 17:10
      risk_assessment:
        technical: 补丁已在模拟环境安装和回退各 2 次。
        business: 假期内实施，不影响交易。
      opinion: 同意在 6 月 20 日 20:00 至 21 日 02:00 实施。
      record: OA 变更审批单 BG-2026-0608
    ```
    """
    for change in _changes(handbook, APPROVED):
        approval = change.sub("approval")
        if approval is None:
            yield Hit(change.at("status"), f"{_name(change)} 状态为“{change.get('status')}”，但没有审批记录（approval）")
            continue
        risk = approval.sub("risk_assessment")
        missing = []
        if not approval.get("date"):
            missing.append("审批时间（date）")
        for key, zh in (("technical", "技术风险评估"), ("business", "业务风险评估")):
            if risk is None or _empty(risk.get(key)):
                missing.append(f"{zh}（risk_assessment.{key}）")
        for key, zh in (("opinion", "审批意见"), ("record", "审批记录（留痕）")):
            if _empty(approval.get(key)):
                missing.append(f"{zh}（{key}）")
        if missing:
            yield Hit(change.at("approval"), f"{_name(change)} 的审批缺少：{'、'.join(missing)}")


@rule("CHG004", name="change-approved-before-window", title="变更在实施窗口开始前审批", clause="change-5",
      needs=("changes",))
def change_approved_before_window(handbook):
    """
    ## 检查什么
    已批准、已实施、已复核或已回退的变更，审批时间 `approval.date` 早于实施窗口的开始时间
    `window.start`，也早于实际开始实施的时间 `implementation.start`（填写了时）。

    ## 为什么
    标准要求：“变更审批人应确定变更实施时间窗口，除紧急变更外，不得在交易时段进行变更实施。”
    窗口由审批人确定，审批必然在实施之前；先实施后审批的变更等于未经审批。紧急变更同样
    须先审批（可以是电话审批，事后补签），再实施。

    ## 如何修复
    核对审批时间和窗口是否填错；确属先实施后审批的，按违规变更处理并在备注中说明。
    """
    for change in _changes(handbook, APPROVED):
        approval = change.sub("approval")
        approved = approval.datetime("date") if approval else None
        if approved is None:
            continue
        start, _ = _window(change)
        if start and approved >= start:
            yield Hit(approval.at("date"),
                      f"{_name(change)} 的审批时间 {dates.fmt(approved)} 不早于实施窗口开始时间 {dates.fmt(start)}："
                      "变更应在窗口开始前审批")
        implementation = change.sub("implementation")
        begun = implementation.datetime("start") if implementation else None
        if begun and approved >= begun and not (start and approved >= start):
            yield Hit(approval.at("date"),
                      f"{_name(change)} 的审批时间 {dates.fmt(approved)} 不早于实际开始实施时间 {dates.fmt(begun)}")


@rule("CHG005", name="change-outside-trading-hours", title="除紧急变更外不得在交易时段实施变更", clause="change-5",
      needs=("changes",))
def change_outside_trading_hours(handbook):
    """
    ## 检查什么
    每项变更（已取消的除外）的实施窗口 `window` 和实际实施时间 `implementation`（填写了时）
    不与任何交易时段重叠。交易时段来自交易日历：交易日由 exchange-calendars（上交所）和
    `registers/calendar.yaml` 中已公告的休市安排确定，时段为该台账的 `trading_hours`（日盘）
    和 `night_sessions`（期货夜盘，节假日前的晚间没有夜盘）。超出已知日历的工作日交易状态未知：
    窗口落在这些日子时给出警告（说明缺少哪一年的休市安排），不按违规报告，也不假定为非交易日。

    紧急变更（`emergency: true`）可以在交易时段实施，但必须写明紧急变更原因 `emergency_reason`，
    紧急程度 `urgency` 为“紧急”。

    ## 为什么
    标准要求：“变更审批人应确定变更实施时间窗口，除紧急变更外，不得在交易时段进行变更实施。”

    ## 如何修复
    把窗口调整到非交易时段（收市后、周末或节假日），并重新审批；确属紧急变更的，标为紧急变更并写明原因。

    ## 示例
    ```yaml
    emergency: true
    emergency_reason: 开盘后发现折算率参数导入有误，若不立即修正将触发错误的追保通知。
    urgency: 紧急
    window:
      start: 2026-08-13 10:20
      end: 2026-08-13 10:50
    ```
    """
    calendar = handbook.calendar
    for change in _changes(handbook):
        candidates = []
        start, end = _window(change)
        window = change.sub("window")
        if start:
            candidates.append(("实施窗口", start, end if end and end > start else None, window.at("start")))
        implementation = change.sub("implementation")
        if implementation is not None and implementation.datetime("start"):
            begun, ended = implementation.datetime("start"), implementation.datetime("end")
            candidates.append(("实际实施时间", begun, ended if ended and ended > begun else None, implementation.at("start")))
        for label, a, b, where in candidates:
            overlap = calendar.trading_overlap(a, b)
            if overlap is None:
                unknown = calendar.uncertain_days(a, b)
                if unknown and change.get("emergency") is not True:
                    yield Hit(where, f"{_name(change)} 的{label} {_span(a, b)} 涉及交易状态未知的日子 "
                                     f"{'、'.join(d.isoformat() for d in unknown)}：{calendar.unknown_note(unknown)}，"
                                     "无法判断是否与交易时段重叠；补录后本检查会重新判断", severity="warning")
                    break
                continue
            if change.get("emergency") is True:
                problems = []
                if _empty(change.get("emergency_reason")):
                    problems.append("没有写明紧急变更原因（emergency_reason）")
                if change.get("urgency") != "紧急":
                    problems.append(f"紧急程度为“{change.get('urgency', '（未填）')}”而不是“紧急”")
                if problems:
                    yield Hit(change.at("emergency"),
                              f"{_name(change)} 作为紧急变更在交易时段（{describe(overlap)}）实施，但{'，'.join(problems)}")
                break  # one finding per change is enough
            yield Hit(where, f"{_name(change)} 的{label} {_span(a, b)} 与交易时段重叠：{describe(overlap)}；"
                             "除紧急变更外，不得在交易时段实施变更")
            break


@rule("CHG006", name="change-tests", title="变更前后组织测试并提交测试记录", clause="change-6", needs=("changes",))
def change_tests(handbook):
    """
    ## 检查什么
    已实施、已复核或已回退的变更在 `tests` 中各有至少一条“变更前”和“变更后”的测试，每条测试
    有日期 `date` 和测试记录或报告 `record`；变更前测试的日期不晚于实施窗口开始的日期，变更后
    测试的日期不早于实施窗口开始的日期。

    ## 为什么
    标准要求：“应按照测试方案，组织变更前后的测试，测试后应提交测试记录或报告。”

    ## 如何修复
    补录测试记录（测试日期、环境、结果和记录编号）；没有做变更后测试的，应立即补做验证。

    ## 示例
    ```yaml
    tests:
      - phase: 变更前
        date: 2026-06-10
        environment: 模拟环境 ENV-SIM-01
        result: 补丁安装、回退及压测均通过
        record: 测试记录 TR-2026-0610
      - phase: 变更后
        date: 2026-06-21
        result: 健康检查正常
        record: 变更验证记录 BG-2026-0608-V
    ```
    """
    for change in _changes(handbook, IMPLEMENTED):
        start, _ = _window(change)
        tests = change.records("tests")
        for phase in ("变更前", "变更后"):
            if not any(t.get("phase") == phase for t in tests):
                yield Hit(change.at("tests") if tests else change.at("status"),
                          f"{_name(change)} 已实施，但没有{phase}测试的记录（tests 中 phase: {phase}）")
        for test in tests:
            phase = test.get("phase")
            missing = [zh for key, zh in (("date", "日期（date）"), ("record", "测试记录或报告（record）")) if _empty(test.get(key))]
            if missing:
                yield Hit(test.at("phase"), f"{_name(change)} 的{phase}测试缺少{'、'.join(missing)}")
            when = test.date("date")
            if when and start:
                if phase == "变更前" and when > start.date():
                    yield Hit(test.at("date"), f"{_name(change)} 的变更前测试日期 {when} 晚于实施窗口开始 {dates.fmt(start)}")
                if phase == "变更后" and when < start.date():
                    yield Hit(test.at("date"), f"{_name(change)} 的变更后测试日期 {when} 早于实施窗口开始 {dates.fmt(start)}")


@rule("CHG007", name="change-implemented-cmdb", title="按实施方案实施变更并及时更新配置库", clause="change-7",
      needs=("changes",))
def change_implemented_cmdb(handbook):
    """
    ## 检查什么
    已实施、已复核或已回退的变更有实施记录 `implementation`（实际开始时间 `start`、结束时间
    `end`、记录 `record`），实际实施时间在批准的窗口之内。

    已实施或已复核的变更（已回退的除外：配置已恢复原状）有配置库更新记录 `cmdb_updated`：
    更新日期 `date` 不早于窗口开始，且不晚于窗口结束后若干天（机构设置
    `settings.change_cmdb_update_days`，默认 3 天）；更新的配置项 `items` 包括变更对象 `targets`
    中的每个配置项。

    ## 为什么
    标准要求：“变更实施人应按照变更实施方案进行变更，并及时更新配置库。”配置库与实际不一致，
    后续的变更评估、事件处理和审计都会以错误的配置为依据。

    ## 如何修复
    补录实施记录；更新配置库中变更对象的版本、参数等属性，并在 `cmdb_updated` 中记录日期和配置项。
    超出窗口实施的，说明原因并经审批人确认。

    ## 示例
    ```yaml
    implementation:
      start: 2026-06-20 20:10
      end: 2026-06-21 01:25
      result: 成功
      record: 实施记录 BG-2026-0608-S
    cmdb_updated:
      date: 2026-06-22
      items: [CI-DB-TRADE]
      by: P016
    ```
    """
    days = handbook.settings.change_cmdb_update_days
    for change in _changes(handbook, IMPLEMENTED):
        start, end = _window(change)
        implementation = change.sub("implementation")
        if implementation is None:
            yield Hit(change.at("status"), f"{_name(change)} 已实施，但没有实施记录（implementation）")
        else:
            missing = [zh for key, zh in (("start", "实际开始时间（start）"), ("end", "实际结束时间（end）"),
                                          ("record", "实施记录（record）")) if _empty(implementation.get(key))]
            if missing:
                yield Hit(change.at("implementation"), f"{_name(change)} 的实施记录缺少：{'、'.join(missing)}")
            begun, ended = implementation.datetime("start"), implementation.datetime("end")
            if start and end and end > start:
                outside = [(k, v) for k, v in (("start", begun), ("end", ended)) if v and not (start <= v <= end)]
                for key, value in outside[:1]:
                    yield Hit(implementation.at(key),
                              f"{_name(change)} 的实际实施时间 {_span(begun, ended)} 超出批准的窗口 {_span(start, end)}：应按实施方案在窗口内实施")
        if change.get("status") not in CMDB_UPDATED:
            continue
        cmdb = change.sub("cmdb_updated")
        if cmdb is None or not cmdb.get("date"):
            yield Hit(change.at("cmdb_updated") if cmdb else change.at("status"),
                      f"{_name(change)} 已实施，但没有配置库更新记录（cmdb_updated.date）")
            continue
        updated = cmdb.date("date")
        finished = (end or start)
        if updated and finished and updated > finished.date() + dt.timedelta(days=days):
            yield Hit(cmdb.at("date"), f"{_name(change)} 的配置库在 {updated} 才更新，距变更结束（{finished.date()}）"
                                       f"超过 {days} 天，未及时更新")
        if updated and start and updated < start.date():
            yield Hit(cmdb.at("date"), f"{_name(change)} 的配置库更新日期 {updated} 早于变更实施（{dates.fmt(start)}）")
        targets = [t for t in change.get("targets", []) if isinstance(t, str)]
        updated_items = set(cmdb.get("items", []) or [])
        absent = [t for t in targets if t not in updated_items]
        if absent:
            yield Hit(cmdb.at("items") if cmdb.get("items") else cmdb.at("date"),
                      f"{_name(change)} 的变更对象 {'、'.join(absent)} 不在配置库更新记录（cmdb_updated.items）中")


@rule("CHG008", name="change-review", title="变更复核评估目标达成、生产影响和配置库更新", clause="change-8",
      needs=("changes",))
def change_review(handbook):
    """
    ## 检查什么
    状态为“已复核”的变更，以及填写了复核 `review` 的变更，其复核记录包括：复核日期 `date`
    （不早于实施窗口开始）、变更目标的达成情况 `goal_achieved`、对生产环境的影响
    `production_impact`、配置库更新情况 `cmdb_checked`。复核记录中填写了复核人 `review.reviewer`
    时，须与变更的复核人 `reviewer` 一致。

    ## 为什么
    标准要求：“变更复核人应对变更记录和变更结果进行评估，评估内容应至少包括变更目标的达成情况、
    对生产环境的影响、配置库更新情况。”

    ## 如何修复
    复核人补写复核记录的三项评估内容；复核人变更时，同时修改变更的 `reviewer`。

    ## 示例
    ```yaml
    review:
      date: 2026-06-24
      goal_achieved: 补丁版本为 19.27，漏洞复测通过，目标达成。
      production_impact: 两个交易日运行平稳，性能与补丁前一致。
      cmdb_checked: 配置库数据库版本已更新为 19.27。
    ```
    """
    for change in _changes(handbook):
        review = change.sub("review")
        if review is None:
            if change.get("status") == "已复核":
                yield Hit(change.at("status"), f"{_name(change)} 状态为“已复核”，但没有复核记录（review）")
            continue
        missing = [f"{zh}（{key}）" for key, zh in (("date", "复核日期"), ("goal_achieved", "变更目标的达成情况"),
                                                   ("production_impact", "对生产环境的影响"),
                                                   ("cmdb_checked", "配置库更新情况")) if _empty(review.get(key))]
        if missing:
            yield Hit(change.at("review"), f"{_name(change)} 的复核缺少：{'、'.join(missing)}")
        start, _ = _window(change)
        when = review.date("date")
        if when and start and when < start.date():
            yield Hit(review.at("date"), f"{_name(change)} 的复核日期 {when} 早于变更实施（{dates.fmt(start)}）")
        who = review.get("reviewer")
        if who and change.get("reviewer") and who != change.get("reviewer"):
            yield Hit(review.at("reviewer"), f"{_name(change)} 的复核记录由 {handbook.person_name(who)} 填写，"
                                             f"与变更的复核人 {handbook.person_name(change.get('reviewer'))} 不一致")


@rule("CHG009", name="change-review-due", title="变更实施后及时复核", clause="change-8", severity="warning",
      needs=("changes",), dated=True)
def change_review_due(handbook):
    """
    ## 检查什么
    已实施或已回退、但还没有复核记录 `review` 的变更，实施结束（实际结束时间，没有时为窗口结束）
    后超过若干天（机构设置 `settings.change_review_days`，默认 10 天）仍未复核时提醒。

    ## 为什么
    标准要求：“变更复核人应对变更记录和变更结果进行评估，评估内容应至少包括变更目标的达成情况、
    对生产环境的影响、配置库更新情况。”复核拖得越久，对生产环境影响的观察越难追溯。

    ## 如何修复
    提醒复核人完成复核，填写 `review` 并把状态改为“已复核”（已回退的变更保持“已回退”）。
    """
    days = handbook.settings.change_review_days
    for change in _changes(handbook, ("已实施", "已回退")):
        if change.sub("review") is not None:
            continue
        implementation = change.sub("implementation")
        finished = implementation.datetime("end") if implementation else None
        if finished is None:
            finished = _window(change)[1] or _window(change)[0]
        if finished is None:
            continue
        waited = (handbook.as_of - finished.date()).days
        yield Obligation(f"复核{_name(change)}", finished.date() + dt.timedelta(days=days), change.at("status"),
                         f"{_name(change)} 已于 {finished.date()} 实施完成 {waited} 天，尚未复核"
                         f"：复核人 {handbook.person_name(change.get('reviewer')) if change.get('reviewer') else '未指定'}，期限 {days} 天",
                         owner=change.get("reviewer"), cycle="一次", key=f"{change.source.path}#{change.id}|review")
