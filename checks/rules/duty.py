"""运维值班管理：值班负责人及备岗、值班安排表、主备岗不同时离岗、交接班记录、值班电话。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import employed_on as _employed_on

CHAPTER = "运维值班管理"

DAY = dt.timedelta(days=1)


# -- shared helpers ------------------------------------------------------------

def _duty_pair(handbook):
    """(lead, backup, record, lead_field, backup_field) of the duty lead, or Nones.

    ``duty_lead.lead``/``backup`` win; otherwise the position named by
    ``duty_lead.position`` gives its primary and backup (and ``record`` is that
    position, so that findings point at it)."""
    root = handbook.root_of("duty")
    duty_lead = root.sub("duty_lead") if root else None
    if duty_lead is None:
        return None, None, None, None, None
    lead, backup = duty_lead.get("lead"), duty_lead.get("backup")
    if lead and backup:
        return lead, backup, duty_lead, "lead", "backup"
    position = _lead_position(handbook, duty_lead)
    if position is not None:
        return lead or position.get("primary"), backup or position.get("backup"), position, "primary", "backup"
    return lead, backup, duty_lead, "lead", "backup"


def _lead_position(handbook, duty_lead):
    position_id = duty_lead.get("position")
    if not position_id:
        return None
    return next((p for p in handbook.records("positions") if p.id == position_id), None)


def _interval(value, end: bool):
    """A leave bound as a datetime: a date means the whole day (from its start, or to its end)."""
    moment = dates.as_datetime(value) if isinstance(value, str) and ":" in value else None
    if moment is not None:
        return moment
    day = dates.as_date(value)
    if day is None:
        return None
    return dt.datetime.combine(day + DAY, dt.time()) if end else dt.datetime.combine(day, dt.time())


def _leaves(handbook):
    """(person, start, end, record) for every readable leave record, end exclusive."""
    root = handbook.root_of("duty")
    out = []
    for leave in root.records("leaves") if root else []:
        start, end = _interval(leave.get("from"), False), _interval(leave.get("to"), True)
        if leave.get("person") and start and end and end > start:
            out.append((leave["person"], start, end, leave))
    return out


def _days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The calendar days the interval [start, end) touches."""
    out, day = [], start.date()
    while dt.datetime.combine(day, dt.time()) < end:
        out.append(day)
        day += DAY
    return out


def _span(a: dt.date, b: dt.date) -> str:
    return a.isoformat() if a == b else f"{a} 至 {b}（{(b - a).days + 1} 天）"


def _roster_days(handbook) -> set:
    days = set()
    root = handbook.root_of("duty")
    for roster in root.records("rosters") if root else []:
        start, end = roster.date("from"), roster.date("to")
        if start and end:
            days.update(start + DAY * i for i in range((end - start).days + 1))
    return days


# -- rules ---------------------------------------------------------------------

@rule("DUT001", name="duty-lead", title="指定运维值班负责人并设备岗", clause="duty-2", needs=("duty", "positions", "staff"))
def duty_lead(handbook):
    """
    ## 检查什么
    `registers/duty.yaml` 的 `duty_lead` 指定了运维值班负责人和他的备岗：两人都填写、
    不是同一人、都在职。`duty_lead.position` 引用 `registers/positions.yaml` 中的岗位
    （如 `duty-lead`）时，取该岗位的主岗和备岗；也可以不设岗位，直接填写 `lead` 和 `backup`
    （两者都填时以直接填写的为准）。

    ## 为什么
    标准要求：“证券期货机构应指定运维值班负责人。”“运维值班负责人应有备岗。”
    值班负责人负责日常操作的部署、检查、风险控制和业务衔接，不在岗时须有人能立即接替。

    ## 如何修复
    在岗位台账中为值班负责人岗位设置主岗和备岗，或在 `duty_lead` 中直接填写；人员离职后
    及时调整。

    ## 示例
    ```yaml
    duty_lead:
      position: duty-lead      # 或者：lead: P013 / backup: P014
      appointed: 2024-01-02
    ```
    """
    register = handbook.register("duty")
    duty_lead_rec = handbook.root_of("duty").sub("duty_lead")
    if duty_lead_rec is None:
        yield Hit(register.at(), "未指定运维值班负责人（duty_lead）")
        return
    position_id = duty_lead_rec.get("position")
    direct = duty_lead_rec.get("lead") and duty_lead_rec.get("backup")
    if position_id and not direct and _lead_position(handbook, duty_lead_rec) is None:
        yield Hit(duty_lead_rec.at("position"), f"值班负责人岗位“{position_id}”不在 registers/positions.yaml 中")
        return
    lead, backup, rec, lead_field, backup_field = _duty_pair(handbook)
    from_position = rec.source is not duty_lead_rec.source or rec.path != duty_lead_rec.path
    where = f"（岗位 {position_id}）" if from_position else ""
    if not lead:
        yield Hit(rec.at(), f"未指定运维值班负责人{where}")
    if not backup:
        yield Hit(rec.at(), f"运维值班负责人没有备岗{where}")
    if lead and backup and lead == backup:
        yield Hit(rec.at(backup_field), f"运维值班负责人和备岗是同一人 {handbook.person_name(lead)}")
    for role, person, key in (("运维值班负责人", lead, lead_field), ("值班负责人备岗", backup, backup_field)):
        if person and handbook.has_left(person):
            yield Hit(rec.at(key), f"{role} {handbook.person_name(person)} 已不在职")


def _register_owner(handbook):
    root = handbook.root_of("duty")
    return root.get("owner") if root else None


@rule("DUT002", name="roster-coverage", title="值班安排表覆盖每一天", clause="duty-6", needs=("duty", "staff"),
      dated=True)
def roster_coverage(handbook):
    """
    ## 检查什么
    `registers/duty.yaml` 的 `rosters` 中：

    - 有一张值班安排表的期间（`from`～`to`）包含检查日期；
    - 每张安排表期间内的每一个日历日（含周末和节假日）至少安排了一个班次（`shifts` 中
      `date` 为该日的一条）；
    - 班次日期在安排表期间之内；
    - 被安排值班的人员（`lead`、`staff`）在值班日期仍在职。

    ## 为什么
    标准要求：“证券期货机构应制定运维值班安排表，可根据实际情况实施倒班制度。”
    信息系统 24 小时运行，非交易日同样需要有人值班或备勤；漏排的日子就是无人值守的日子。

    ## 如何修复
    在下一期开始前编制并审批新的值班安排表；补齐漏排的日期；有人离职时调整排班。

    ## 示例
    ```yaml
    rosters:
      - id: ROS-2026-12
        from: 2026-12-01
        to: 2026-12-31
        approved_by: P002
        shifts:
          - {date: 2026-12-01, shift: 白班, lead: P013, staff: [P017, P018]}
          - {date: 2026-12-01, shift: 夜间备勤, staff: [P005]}
    ```
    """
    register = handbook.register("duty")
    rosters = handbook.records("duty", "rosters")
    if not rosters:
        yield Hit(register.at(), "没有运维值班安排表（rosters）")
        return
    covering = False
    for roster in rosters:
        start, end = roster.date("from"), roster.date("to")
        label = roster.get("title") or roster.id
        if start is None or end is None:
            continue
        if end < start:
            yield Hit(roster.at("to"), f"值班安排表“{label}”的截止日期 {end} 早于起始日期 {start}")
            continue
        if start <= handbook.as_of <= end:
            covering = True
        shifts = roster.records("shifts")
        covered = set()
        for shift in shifts:
            day = shift.date("date")
            if day is None:
                continue
            covered.add(day)
            if not start <= day <= end:
                yield Hit(shift.at("date"), f"值班安排表“{label}”中 {day} 的班次不在安排表期间 {start} 至 {end} 内")
            people = [shift.get("lead"), *shift.get("staff", [])]
            for person in dict.fromkeys(p for p in people if p):
                if not _employed_on(handbook, person, day):
                    yield Hit(shift.at(), f"{day} 的班次安排了已离职的 {handbook.person_name(person)}")
        missing = [start + DAY * i for i in range((end - start).days + 1) if start + DAY * i not in covered]
        for a, b in dates.day_runs(missing):
            yield Hit(roster.at("shifts") if shifts else roster.at(),
                      f"值班安排表“{label}”中 {_span(a, b)} 没有安排值班")
    latest = max((r.date("to") for r in rosters if r.date("to")), default=None)
    hint = f"（最近一张截止于 {latest}）" if latest else ""
    message = f"没有覆盖检查日期 {handbook.as_of} 的值班安排表{hint}"
    if latest and (covering or latest < handbook.as_of):  # the next roster is due when the last one ends
        yield Obligation("编制下一期值班安排表", latest, register.at("rosters"), message,
                         owner=_register_owner(handbook), cycle="每期值班安排表结束前", key="duty|next-roster")
    elif not covering:
        yield Hit(register.at("rosters"), message)


def _pairs(handbook):
    """(label, primary, backup, record) of every key position and of the duty lead."""
    out = []
    for position in handbook.records("positions"):
        if position.get("key") and position.get("primary") and position.get("backup"):
            out.append((position.get("name", position.id), position["primary"], position["backup"], position))
    lead, backup, rec, _, _ = _duty_pair(handbook)
    if lead and backup and lead != backup and not any(p == lead and b == backup for _, p, b, _ in out):
        out.append(("运维值班负责人", lead, backup, rec))
    return out


@rule("DUT003", name="primary-backup-not-both-away", title="主备岗不得同时离岗", clause="duty-5",
      needs=("duty", "positions"))
def primary_backup_not_both_away(handbook):
    """
    ## 检查什么
    把 `registers/duty.yaml` 的请假与离岗记录（`leaves`：人员、开始、结束）与
    `registers/positions.yaml` 中各关键岗位（`key: true`）的主岗和备岗、以及运维值班负责人和
    其备岗对照：同一岗位的主岗和备岗有时间重叠的请假或离岗时报告，按连续的日期合并为一条，
    写明哪几天两人同时不在岗。

    请假写日期时表示整天（含首尾两天）；不足一天的离岗写日期时间（`"2026-11-19 14:00"`），
    只有时段确实重叠才算同时离岗。

    ## 为什么
    标准要求：“主备岗不得同时离岗。”这句紧接在“运维值班负责人应有备岗。”之后，也适用于
    运维组织中设置了主备岗的各关键岗位：主备岗同时不在，岗位就无人可以处置故障。

    ## 如何修复
    调整请假安排，让主岗和备岗错开；确实无法错开时，先调整岗位（指定临时代岗人员并在
    岗位台账中登记），再批准请假。

    ## 示例
    ```yaml
    leaves:
      - {person: P004, kind: 培训, from: 2026-11-09, to: 2026-11-13, approved_by: P002, substitute: P009}
      - {person: P006, kind: 离岗, from: "2026-11-19 14:00", to: "2026-11-19 17:00"}
    ```
    """
    leaves = _leaves(handbook)
    by_person: dict = {}
    for person, start, end, rec in leaves:
        by_person.setdefault(person, []).append((start, end, rec))
    for label, primary, backup, _ in _pairs(handbook):
        for a_start, a_end, a_rec in by_person.get(primary, []):
            for b_start, b_end, b_rec in by_person.get(backup, []):
                start, end = max(a_start, b_start), min(a_end, b_end)
                if end <= start:
                    continue
                for first, last in dates.day_runs(_days(start, end)):
                    yield Hit(
                        b_rec.at(),
                        f"“{label}”的主岗 {handbook.person_name(primary)} 和备岗 {handbook.person_name(backup)} "
                        f"在 {_span(first, last)} 同时请假或离岗",
                    )


def _shift_windows(handbook):
    """Shift name -> (start time, end time) from ``shift_types``."""
    root = handbook.root_of("duty")
    out = {}
    for shift_type in root.records("shift_types") if root else []:
        start, end = dates.as_time(shift_type.get("start")), dates.as_time(shift_type.get("end"))
        if shift_type.get("name") and start and end:
            out[shift_type["name"]] = (start, end)
    return out


@rule("DUT004", name="rostered-while-away", title="值班人员请假期间不得排班", clause="duty-7", severity="warning",
      needs=("duty",))
def rostered_while_away(handbook):
    """
    ## 检查什么
    值班安排表中被安排值班（`lead` 或 `staff`）的人员，在该班次时段内有请假或离岗记录时提醒。
    班次时段取 `shift_types` 中同名班次的开始和结束时间（结束早于开始表示跨过午夜）；
    没有定义的班次按整天计算。

    ## 为什么
    标准要求：“在值班期间值班人员不得擅离岗位。”请假获批后仍留在值班表上，实际就是该班次
    缺人；值班表应与请假同步调整，写明谁来顶班。

    ## 如何修复
    调整值班安排表，把该班次改由其他人员值班（可在 `note` 中说明替班原因），或撤销请假。
    """
    windows = _shift_windows(handbook)
    by_person: dict = {}
    for person, start, end, rec in _leaves(handbook):
        by_person.setdefault(person, []).append((start, end, rec))
    for roster in handbook.records("duty", "rosters"):
        for shift in roster.records("shifts"):
            day = shift.date("date")
            if day is None:
                continue
            window = windows.get(shift.get("shift"))
            if window:
                s_start = dt.datetime.combine(day, window[0])
                s_end = dt.datetime.combine(day + DAY if window[1] <= window[0] else day, window[1])
            else:
                s_start, s_end = dt.datetime.combine(day, dt.time()), dt.datetime.combine(day + DAY, dt.time())
            for person in dict.fromkeys(p for p in (shift.get("lead"), *shift.get("staff", [])) if p):
                for start, end, _ in by_person.get(person, []):
                    if start < s_end and s_start < end:
                        name = f"“{shift.get('shift')}”" if shift.get("shift") else ""
                        yield Hit(shift.at(), f"{handbook.person_name(person)} 在 {day} 的{name}班次期间请假或离岗，"
                                              "但仍在值班安排表上，应调整排班")
                        break


@rule("DUT005", name="handover-records", title="交接班留存记录", clause="duty-8", needs=("duty",), dated=True)
def handover_records(handbook):
    """
    ## 检查什么
    检查日期之前最近 N 天（机构设置 `settings.handover_check_days`，默认 7 天；不含检查日期
    当天，当天的交接可能尚未发生）中，凡在值班安排表期间内的日子，`registers/duty.yaml` 的
    `handovers` 中都至少有一条该日的交接班记录。每条记录写明交班人 `outgoing`、接班人
    `incoming` 和交接事项 `notes`，交班人与接班人不是同一人，日期不晚于检查日期。

    粒度：本手册按“每个值班日至少一条”记录交接班（如早 8:00 夜间备勤与白班交接）；
    实行多次交接的机构可以每次交接写一条。

    ## 为什么
    标准要求：“证券期货机构应制定交接班流程，并严格执行，留存记录。”交接班记录是值班
    连续性的证据：未处理完的告警和操作必须交到下一班手里。

    ## 如何修复
    补录缺少日期的交接班记录（从值班日志系统中摘录）；台账中只需保留最近的记录，更早的
    记录写明归档位置 `handover_archive`。

    ## 示例
    ```yaml
    handovers:
      - {date: 2026-11-20, time: "08:00", outgoing: [P010], incoming: [P013, P017], notes: 夜间无告警。}
    ```
    """
    register = handbook.register("duty")
    window = handbook.settings.handover_check_days
    handovers = handbook.records("duty", "handovers")
    have = set()
    for handover in handovers:
        day = handover.date("date")
        if day is None:
            continue
        have.add(day)
        if day > handbook.as_of:
            yield Hit(handover.at("date"), f"交接班记录日期 {day} 晚于检查日期 {handbook.as_of}")
        outgoing, incoming = handover.get("outgoing", []), handover.get("incoming", [])
        missing = [zh for key, zh in (("outgoing", "交班人"), ("incoming", "接班人"), ("notes", "交接事项"))
                   if not handover.get(key)]
        if missing:
            yield Hit(handover.at(), f"{day} 的交接班记录缺少：{'、'.join(missing)}")
        same = [p for p in outgoing if p in incoming]
        if same:
            names = "、".join(handbook.person_name(p) for p in same)
            yield Hit(handover.at("incoming"), f"{day} 的交接班记录中 {names} 既是交班人又是接班人")
    roster_days = _roster_days(handbook)
    wanted = [handbook.as_of - DAY * i for i in range(window, 0, -1)]
    missing_days = [d for d in wanted if d in roster_days and d not in have]
    # each day's handover is recorded that day: the runs of days missed, then today's and tomorrow's
    for a, b in dates.day_runs(missing_days):
        yield Obligation(f"登记 {a} 的交接班记录", a, register.at("handovers"),
                         f"{_span(a, b)} 没有交接班记录（检查最近 {window} 天）", cycle="每天", key=f"duty|handover|{a}")
    for day in (handbook.as_of, handbook.as_of + DAY):
        if day in roster_days and day not in have:
            yield Obligation(f"登记 {day} 的交接班记录", day, register.at("handovers"), "",
                             cycle="每天", key=f"duty|handover|{day}")


@rule("DUT006", name="duty-phone", title="设置运维值班电话", clause="duty-9", needs=("duty",))
def duty_phone(handbook):
    """
    ## 检查什么
    `registers/duty.yaml` 的 `duty_phone.number` 记录了运维值班电话（文字，须加引号）。

    ## 为什么
    标准要求：“证券期货机构应设置运维值班电话，并保持畅通。”值班电话是业务部门、
    交易所和关联单位找到运维人员的唯一固定入口。

    ## 如何修复
    填写值班电话；最好同时填写值班手机和无人接听时的转接安排。

    ## 示例
    ```yaml
    duty_phone:
      number: "021-60009999"
      mobile: "13900009999"
    ```
    """
    phone = handbook.root_of("duty").sub("duty_phone")
    if phone is None:
        yield Hit(handbook.register("duty").at(), "未设置运维值班电话（duty_phone）")
    elif not phone.get("number"):
        yield Hit(phone.at(), "运维值班电话未填写号码（duty_phone.number）")


@rule("DUT007", name="duty-phone-tested", title="值班电话定期测试畅通", clause="duty-9", severity="warning",
      needs=("duty",), dated=True)
def duty_phone_tested(handbook):
    """
    ## 检查什么
    `duty_phone.tested` 记录了最近一次值班电话畅通测试的日期，距检查日期不超过
    机构设置 `settings.duty_phone_test_days`（默认 31 天），且不晚于检查日期。

    ## 为什么
    标准要求：“证券期货机构应设置运维值班电话，并保持畅通。”线路故障、欠费或转接失效往往在真正需要时才被发现；
    定期拨测并登记，是“畅通”的可检查证据。

    ## 如何修复
    拨测值班电话和转接（值班手机），把日期写入 `duty_phone.tested`，测试人写入 `tested_by`。
    """
    phone = handbook.root_of("duty").sub("duty_phone")
    if phone is None or not phone.get("number"):
        return
    days = handbook.settings.duty_phone_test_days
    tested = phone.date("tested")
    if tested is None:
        yield Hit(phone.at(), "没有值班电话畅通测试记录（duty_phone.tested）")
    elif tested > handbook.as_of:
        yield Hit(phone.at("tested"), f"值班电话测试日期 {tested} 晚于检查日期 {handbook.as_of}")
    else:
        yield Obligation("测试值班电话是否畅通", tested + DAY * days, phone.at("tested"),
                         f"值班电话最近一次畅通测试在 {tested}，已超过 {days} 天",
                         owner=phone.get("tested_by") or _register_owner(handbook), cycle=f"每 {days} 天",
                         key="duty|phone-test")


DUTY_POLICY_AREAS = ("日常操作", "监控管理", "事件处理", "问题处理", "数据和介质管理", "机房管理", "安全管理", "应急处置")


@rule("DUT008", name="duty-policy-scope", title="值班管理制度规范八方面工作", clause="duty-1", severity="warning")
def duty_policy_scope(handbook):
    """
    ## 检查什么
    现行的值班管理制度（头信息 `kind: policy`、`covers: 值班管理`、`status: active`）正文中写到了
    标准要求规范的八方面工作：日常操作、监控管理、事件处理、问题处理、数据和介质管理、机房管理、
    安全管理、应急处置（按原文用词查找，忽略换行）。没有现行值班管理制度时由 POL001 报告。

    ## 为什么
    标准要求：“证券期货机构应建立运维值班管理制度，对日常操作、监控管理、事件处理、问题处理、
    数据和介质管理、机房管理、安全管理、应急处置进行规范。”

    ## 如何修复
    在制度中写明值班期间这几方面工作如何开展（可引用相应的制度和流程）。本规则只查找用词，是否
    “规范”到位仍需在制度评审时判断，因此只作提醒。
    """
    for document in handbook.docs("policy"):
        if document.meta.get("covers") != "值班管理" or document.status != "active":
            continue
        body = "".join(document.body.split())
        missing = [area for area in DUTY_POLICY_AREAS if area not in body]
        if missing:
            yield Hit(document.meta.at("covers"), f"值班管理制度《{document.title}》没有写到：{'、'.join(missing)}")


LEAD_DUTIES = ("部署", "检查", "风险控制", "业务衔接")


@rule("DUT009", name="duty-lead-duties", title="运维值班负责人负责日常操作的部署、检查、风险控制、业务衔接",
      clause="duty-3", needs=("duty", "positions"))
def duty_lead_duties(handbook):
    """
    ## 检查什么
    运维值班负责人的职责写明了日常操作的部署、检查、风险控制、业务衔接四项：`duty_lead.position`
    引用的岗位（`registers/positions.yaml`）的 `duties`，或不设岗位时 `duty_lead.duties`，
    合起来含“部署”“检查”“风险控制”“业务衔接”。

    ## 为什么
    标准要求：“运维值班负责人负责日常操作的部署、检查、风险控制、业务衔接等工作。”职责没有写进岗位，
    值班负责人就只是一个名字：谁部署当天的操作、谁检查、谁把控风险、谁与业务部门衔接都没有着落。

    ## 如何修复
    在值班负责人岗位的 `duties` 中写明这四项职责。

    ## 示例
    ```yaml
    - id: duty-lead
      name: 运维值班负责人
      duties: [日常操作的部署、检查、风险控制和业务衔接, 交接班管理]
    ```
    """
    duty_lead_rec = handbook.root_of("duty").sub("duty_lead")
    if duty_lead_rec is None:
        return  # DUT001 reports the missing duty lead
    position = _lead_position(handbook, duty_lead_rec)
    record = position if position is not None else duty_lead_rec
    duties = "".join(d for d in record.get("duties", []) or [] if isinstance(d, str))
    missing = [d for d in LEAD_DUTIES if d not in duties]
    if missing:
        where = record.at("duties") if "duties" in record else record.at()
        owner = f"岗位 {position.id} 的" if position is not None else "duty_lead 的"
        yield Hit(where, f"运维值班负责人的职责（{owner} duties）没有写明：{'、'.join(missing)}；"
                         "标准要求值班负责人负责日常操作的部署、检查、风险控制、业务衔接")

