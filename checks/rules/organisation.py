"""运维组织：运维组织负责人、关键岗位主备岗、岗位分离、从业资格、保密协议和培训。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import annual_plan, appointed, missing_fields

CHAPTER = "运维组织"

KEY_POSITIONS = ("机房管理员", "网络管理员", "系统管理员", "数据库管理员", "安全管理员")


@rule("ORG001", name="operations-head", title="任命运维组织负责人", clause="org-2", needs=("organisation", "staff"))
def operations_head(handbook):
    """
    ## 检查什么
    `registers/organisation.yaml` 的 `responsibilities.operations_head` 指定了运维组织负责人，
    此人是在职人员，并记录了任命日期。

    ## 为什么
    标准要求：“证券期货机构应任命运维组织负责人，负责组织、协调、管理信息系统的运行维护工作。”

    ## 如何修复
    填写负责人的人员编号和任命日期（`operations_head_appointed`），最好同时填写任命文件。

    ## 示例
    ```yaml
    responsibilities:
      operations_head: P002
      operations_head_appointed: 2023-07-01
    ```
    """
    yield from appointed(handbook, "operations_head", "运维组织负责人")
    resp = handbook.root_of("organisation").sub("responsibilities")
    if resp and resp.get("operations_head") and not resp.get("operations_head_appointed"):
        yield Hit(resp.at("operations_head"), "未记录运维组织负责人的任命日期（operations_head_appointed）")


@rule("ORG002", name="key-position-backup", title="关键岗位设置主备岗", clause="org-4", needs=("positions", "staff"))
def key_position_backup(handbook):
    """
    ## 检查什么
    五个关键岗位（机房管理员、网络管理员、系统管理员、数据库管理员、安全管理员）都在
    `registers/positions.yaml` 中，标为 `key: true`，并且各有主岗 `primary` 和备岗 `backup`：
    两人不同，都是在职人员。

    ## 为什么
    标准要求：“运维岗位应至少包括机房管理员、网络管理员、系统管理员、数据库管理员、
    安全管理员等关键岗位，并设置主备岗”。主岗休假、离职或突发缺勤时，备岗须能立即接手。

    ## 如何修复
    补齐缺少的岗位或备岗；人员离职后，及时把岗位交给在职人员。

    ## 示例
    ```yaml
    - id: system-admin
      name: 系统管理员
      key: true
      primary: P005
      backup: P010
    ```
    """
    register = handbook.register("positions")
    positions = handbook.records("positions")
    names = {p.get("name") for p in positions}
    for name in KEY_POSITIONS:
        if name not in names:
            yield Hit(register.at("positions"), f"缺少关键岗位“{name}”")
    for position in positions:
        if position.get("name") not in KEY_POSITIONS and not position.get("key"):
            continue
        label = position.get("name", position.id)
        if position.get("name") in KEY_POSITIONS and not position.get("key"):
            yield Hit(position.at("name"), f"“{label}”是标准规定的关键岗位，应标为 key: true")
        primary, backup = position.get("primary"), position.get("backup")
        if not primary:
            yield Hit(position.at(), f"关键岗位“{label}”未设置主岗（primary）")
        if not backup:
            yield Hit(position.at(), f"关键岗位“{label}”未设置备岗（backup）")
        if primary and backup and primary == backup:
            yield Hit(position.at("backup"), f"关键岗位“{label}”的主岗和备岗是同一人 {handbook.person_name(primary)}")
        for role, person in (("主岗", primary), ("备岗", backup)):
            if person and handbook.has_left(person):
                field = "primary" if role == "主岗" else "backup"
                yield Hit(position.at(field), f"关键岗位“{label}”的{role} {handbook.person_name(person)} 已不在职")


# 安全管理员 checks the others' work: it is never combined with them, whatever the settings say.
ALWAYS_SEPARATE = (("security-admin", "system-admin"), ("security-admin", "database-admin"),
                   ("security-admin", "network-admin"))


@rule("ORG003", name="incompatible-positions", title="关键岗位分离，兼岗须相互制约", clause="org-5", needs=("positions", "organisation"))
def incompatible_positions(handbook):
    """
    ## 检查什么
    关键岗位（标准列出的五个岗位，以及 `key: true` 的岗位）由不同的人担任：同一人在两个关键岗位上
    都任职（主岗、备岗或其他在岗人员）时报告，除非机构设置 `settings.combinable_positions` 声明这对
    岗位可以兼任（两岗相互制约，例如机房管理员与网络管理员互为监督）。

    以下岗位对无论如何设置都不得兼任：安全管理员与系统管理员、数据库管理员、网络管理员；
    `settings.incompatible_positions` 可以再增加不得兼任的岗位对（包括非关键岗位），但不能删去这些。

    ## 为什么
    标准要求：“关键岗位应进行分离，兼岗时应满足岗位相互制约的要求。”分离是原则，兼岗是例外：
    只有明确认定两岗相互制约时才可以兼任。安全管理员负责审核系统管理员的账号和权限操作，
    同一人兼任就失去了制约。

    ## 如何修复
    调整岗位安排，让这对岗位由不同的人担任；确需兼岗且两岗相互制约的，在 `combinable_positions`
    中声明这对岗位，并在岗位评审记录中说明制约方式。

    ## 示例
    ```yaml
    settings:
      combinable_positions:
        - [room-admin, network-admin]   # 机房与网络互查操作记录
    ```
    """
    positions = {p.id: p for p in handbook.records("positions") if p.id}
    holders: dict = {}
    for pid, position in positions.items():
        others = position.get("others", [])
        people = [position.get("primary"), position.get("backup"), *(others if isinstance(others, list) else [])]
        holders[pid] = {p for p in people if p}
    settings = handbook.settings
    never = {frozenset(pair) for pair in ALWAYS_SEPARATE}
    never |= {frozenset(pair) for pair in settings.incompatible_positions if len(set(pair)) == 2}
    allowed = {frozenset(pair) for pair in settings.combinable_positions if len(set(pair)) == 2} - never
    key = [pid for pid, p in positions.items() if p.get("key") is True or p.get("name") in KEY_POSITIONS]
    pairs = {frozenset((a, b)) for i, a in enumerate(key) for b in key[i + 1:]} | never
    order = list(positions)
    for pair in sorted(pairs, key=lambda pr: sorted(order.index(p) if p in order else len(order) for p in pr)):
        if pair in allowed or not pair <= set(positions):
            continue
        a, b = sorted((positions[p] for p in pair), key=lambda p: order.index(p.id))
        for person in sorted(holders[a.id] & holders[b.id]):
            if pair in never:
                why = "这两个岗位不得兼任（安全管理员或 settings.incompatible_positions 所列岗位对）"
            else:
                why = ("关键岗位应分离；确需兼岗且两岗相互制约的，在 settings.combinable_positions 中声明"
                       f"（[{a.id}, {b.id}]）")
            yield Hit(b.at(), f"{handbook.person_name(person)} 同时在“{a.get('name', a.id)}”和“{b.get('name', b.id)}”"
                              f"岗位任职：{why}")


# --- 从业资格、保密协议、培训 ----------------------------------------------------

TRAINING_CATEGORIES = ("技术", "业务", "安全")  # 标准列出的培训类别
QUALIFICATION_WORDS = ("从业资格", "执业")


def _position_holders(handbook) -> set:
    holders = set()
    if handbook.usable("positions"):
        for position in handbook.records("positions"):
            others = position.get("others", [])
            people = [position.get("primary"), position.get("backup"), *(others if isinstance(others, list) else [])]
            holders.update(p for p in people if isinstance(p, str))
    return holders


def _operations_staff(handbook, include_outsourced=False):
    """在职的运维人员：在 positions.yaml 中任岗（主岗、备岗或其他在岗人员），或所在部门名称含“运维”。"""
    holders = _position_holders(handbook)
    for person in handbook.staff.values():
        if person.get("status", "active") != "active":
            continue
        if person.get("outsourced") and not include_outsourced:
            continue
        if person.id in holders or "运维" in str(person.get("department", "")):
            yield person


def _is_practice_qualification(qualification) -> bool:
    name = str(qualification.get("name", ""))
    return any(word in name for word in QUALIFICATION_WORDS)


def _month_end(year: int, month: int) -> dt.date:
    return dates.add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)


@rule("ORG004", name="practice-qualification", title="经营机构运维人员具有从业资格", clause="org-8",
      needs=("organisation", "staff"), dated=True)
def practice_qualification(handbook):
    """
    ## 检查什么
    机构类型为经营机构（`organisation.type: 经营机构`）时，每位在职的自有运维人员都在
    `registers/staff.yaml` 的 `qualifications` 中记录了有效的从业资格：名称含“从业资格”或
    “执业”（如 证券从业资格、期货从业资格、证券执业证书），取得日期 `obtained` 不晚于检查日期，
    有效期 `valid_until`（如填写）不早于检查日期。

    运维人员指在 `registers/positions.yaml` 中任岗（主岗、备岗或 `others`）或所在部门名称含
    “运维”的在职人员；驻场外包人员（`outsourced: true`）由供应商管理，不在本规则范围内。

    ## 为什么
    标准要求：“经营机构运维人员应具有相应的从业资格。”

    ## 如何修复
    补充资格名称、证书编号和取得日期；资格过期的人员应尽快完成注册或年检，之前不得独立上岗。

    ## 示例
    ```yaml
    qualifications:
      - {name: 证券从业资格, number: S0000118030003, obtained: 2018-09-15}
    ```
    """
    organisation = handbook.root_of("organisation").sub("organisation")
    if organisation is None or organisation.get("type") != "经营机构":
        return
    as_of = handbook.as_of
    for person in _operations_staff(handbook):
        who = handbook.person_name(person.id)
        qualifications = person.records("qualifications")
        practice = [q for q in qualifications if _is_practice_qualification(q)]
        if not qualifications:
            yield Hit(person.at(), f"经营机构运维人员 {who} 没有从业资格记录（qualifications）")
            continue
        if not practice:
            yield Hit(person.at("qualifications"),
                      f"经营机构运维人员 {who} 的资格中没有从业资格（名称应含“从业资格”或“执业”，如 证券从业资格）")
            continue
        valid = [q for q in practice
                 if (q.date("obtained") is None or q.date("obtained") <= as_of)
                 and (q.date("valid_until") is None or q.date("valid_until") >= as_of)]
        if valid:
            # renewing it is due when the last valid one lapses (none lapses: nothing is due)
            if all(q.date("valid_until") for q in valid):
                q = max(valid, key=lambda q: q.date("valid_until"))
                yield Obligation(f"运维人员 {who} 的从业资格续期", q.date("valid_until"), q.at("valid_until"), "",
                                 owner=person.id, cycle="资格到期前", key=f"{person.source.path}#{person.id}|qualification")
            continue
        q = practice[0]
        label = f"“{q.get('name')}”" + (f"（{q.get('number')}）" if q.get("number") else "")
        if q.date("valid_until") and q.date("valid_until") < as_of:
            yield Obligation(f"运维人员 {who} 的从业资格续期", q.date("valid_until"), q.at("valid_until"),
                             f"经营机构运维人员 {who} 的从业资格{label}已于 {q.date('valid_until')} 过期",
                             owner=person.id, cycle="资格到期前", key=f"{person.source.path}#{person.id}|qualification")
        else:
            yield Hit(q.at("obtained"), f"经营机构运维人员 {who} 的从业资格{label}取得日期 {q.date('obtained')} 晚于检查日期 {as_of}")


CONFIDENTIALITY_FIELDS = {"signed": "签署日期", "scope": "保密范围", "term": "保密期限"}


@rule("ORG005", name="confidentiality-agreement", title="运维人员签署保密协议并写明保密范围和期限", clause="org-9",
      needs=("staff",), dated=True)
def confidentiality_agreement(handbook):
    """
    ## 检查什么
    `registers/staff.yaml` 中每位在职人员（含驻场外包人员）都有保密协议 `confidentiality`，
    写明签署日期 `signed`（不晚于检查日期）、保密范围 `scope` 和保密期限 `term`；协议本身有
    终止日期 `until` 时，该日期不早于检查日期。

    ## 为什么
    标准要求：“证券期货机构应与运维人员签署保密协议，保密协议应至少包括保密范围、保密期限等内容。”

    ## 如何修复
    与该人员签署（或续签）保密协议，把签署日期、保密范围、保密期限和协议存放位置记入名册。

    ## 示例
    ```yaml
    confidentiality:
      signed: 2018-03-12
      scope: 机房设施、设备及信息系统技术资料
      term: 在职期间及离职后两年
      record: 人事档案 HR-2018-032
    ```
    """
    for person in handbook.staff.values():
        if person.get("status", "active") != "active":
            continue
        who = handbook.person_name(person.id)
        agreement = person.sub("confidentiality")
        if agreement is None:
            yield Hit(person.at(), f"{who} 没有保密协议记录（confidentiality）")
            continue
        missing = missing_fields(agreement, CONFIDENTIALITY_FIELDS)
        if missing:
            yield Hit(person.at("confidentiality"), f"{who} 的保密协议缺少：{'、'.join(missing)}")
        signed, until = agreement.date("signed"), agreement.date("until")
        if signed and signed > handbook.as_of:
            yield Hit(agreement.at("signed"), f"{who} 的保密协议签署日期 {signed} 晚于检查日期 {handbook.as_of}")
        if until:
            yield Obligation(f"与 {who} 续签保密协议", until, agreement.at("until"), f"{who} 的保密协议已于 {until} 到期，应续签",
                             cycle="协议到期前", key=f"{person.source.path}#{person.id}|confidentiality")


@rule("ORG006", name="annual-training-plan", title="制定年度培训计划，覆盖技术、业务、安全培训", clause="org-10",
      needs=("trainings",), dated=True)
def annual_training_plan(handbook):
    """
    ## 检查什么
    `registers/trainings.yaml` 的 `plans` 中有检查日期所在年度的培训计划，记录了批准日期
    `approved`（不晚于检查日期）和批准人 `approver`，其培训项目 `items` 至少各有一项
    技术、业务、安全类培训（`category`）。

    新年度开始后的宽限期内（设置 `annual_plan_grace_days`，默认 31 天）计划可仍在审批中，
    此时不要求当年计划已经存在。

    ## 为什么
    标准要求：“证券期货机构应制定年度培训计划，对运维人员进行必要的技术、业务、安全等培训，
    并留存培训记录。”

    ## 如何修复
    编制并审批本年度培训计划，补齐缺少类别的培训项目。

    ## 示例
    ```yaml
    plans:
      - year: 2026
        approved: 2025-12-26
        approver: P001
        items:
          - {id: TRN-2026-01, topic: 集中交易系统架构与日常运维, category: 技术, month: 1, audience: 运维中心全体, hours: 4}
          - {id: TRN-2026-02, topic: 证券经纪与融资融券业务流程, category: 业务, month: 2, audience: 应用运维, hours: 3}
          - {id: TRN-2026-03, topic: 网络安全意识与数据安全, category: 安全, month: 3, audience: 全体人员, hours: 2}
    ```
    """
    plan = yield from annual_plan(handbook, "trainings", "plans", "培训计划", "制定并批准")
    if plan is None:
        return
    year = plan.get("year")
    present = {item.get("category") for item in plan.records("items")}
    missing = [c for c in TRAINING_CATEGORIES if c not in present]
    if missing:
        yield Hit(plan.at("items"), f"{year} 年度培训计划缺少{'、'.join(missing)}类培训项目（category）")


@rule("ORG007", name="planned-training-held", title="计划的培训按期举行并留存记录", clause="org-10",
      needs=("trainings",), dated=True)
def planned_training_held(handbook):
    """
    ## 检查什么
    各年度培训计划中，计划月份 `month` 已经结束的每个培训项目，都在 `records` 中有对应的培训
    记录（`plan_item` 为该项目编号，培训日期不晚于检查日期）。计划项目没有计划月份时也报告，
    因为无法判断它是否按期举行。

    ## 为什么
    标准要求：“证券期货机构应制定年度培训计划，对运维人员进行必要的技术、业务、安全等培训，
    并留存培训记录。”计划只有被执行并留下记录才有意义。

    ## 如何修复
    补录已举行培训的记录（`plan_item` 填计划项目编号）；确实推迟或取消的，修订培训计划
    （调整月份或删除项目，并在计划的 `notes` 中说明原因）。

    ## 示例
    ```yaml
    records:
      - id: TRR-2026-03
        plan_item: TRN-2026-03
        date: 2026-03-18
        topic: 网络安全意识与数据安全
        category: 安全
        attendees: [P003, P004, P005]
        trainer: P007 孙浩
        record: 培训档案 2026/03 签到表及考试成绩
    ```
    """
    held = {}
    for record in handbook.records("trainings", "records"):
        when = record.date("date")
        if record.get("plan_item") and when and when <= handbook.as_of:
            held.setdefault(record.get("plan_item"), when)
    for plan in handbook.records("trainings", "plans"):
        year = plan.get("year")
        if not isinstance(year, int) or year > handbook.as_of.year:
            continue
        for item in plan.records("items"):
            label = f"培训项目 {item.id}“{item.get('topic', '')}”"
            month = item.get("month")
            if not isinstance(month, int) or not 1 <= month <= 12:
                yield Hit(item.at("id"), f"{label}没有计划月份（month），无法确认是否按计划举行")
                continue
            if item.id in held:
                continue
            yield Obligation(f"举行{label}并登记培训记录", _month_end(year, month), item.at("month"),
                             f"{label}计划于 {year} 年 {month} 月举行，但没有培训记录（records 中 plan_item: {item.id}）",
                             cycle="按年度培训计划",
                             key=f"{item.source.path}#{item.id}|held")


RECORD_FIELDS = {"topic": "培训主题", "category": "培训类别", "attendees": "参训人员", "record": "培训记录（签到表等）"}


@rule("ORG008", name="training-record-complete", title="培训记录完整", clause="org-10",
      needs=("trainings",), dated=True)
def training_record_complete(handbook):
    """
    ## 检查什么
    `registers/trainings.yaml` 的每条培训记录都写明培训主题 `topic`、类别 `category`、参训人员
    `attendees` 和留存的培训记录 `record`（签到表、考核结果等的编号或存放位置）；培训日期不晚于
    检查日期；填写了 `plan_item` 的，该编号在培训计划中存在。

    ## 为什么
    标准要求：“证券期货机构应制定年度培训计划，对运维人员进行必要的技术、业务、安全等培训，并留存培训记录。”
    没有参训人员和签到记录的培训，无法证明谁接受了培训。

    ## 如何修复
    补齐字段；把签到表、课件和考核结果归档后填写其位置。
    """
    items = {item.id for plan in handbook.records("trainings", "plans") for item in plan.records("items") if item.id}
    for record in handbook.records("trainings", "records"):
        label = f"培训记录 {record.id}"
        missing = missing_fields(record, RECORD_FIELDS)
        if missing:
            yield Hit(record.at("id"), f"{label}缺少：{'、'.join(missing)}")
        when = record.date("date")
        if when and when > handbook.as_of:
            yield Hit(record.at("date"), f"{label}的培训日期 {when} 晚于检查日期 {handbook.as_of}（尚未举行的培训只列在计划中）")
        item = record.get("plan_item")
        if item and item not in items:
            yield Hit(record.at("plan_item"), f"{label}对应的计划项目“{item}”不在任何年度培训计划中")


@rule("ORG009", name="staff-trained", title="运维人员定期参加培训", clause="org-10", severity="warning",
      needs=("trainings", "staff"), dated=True)
def staff_trained(handbook):
    """
    ## 检查什么
    每位在职运维人员（含驻场外包人员）在最近 `staff_training_months` 个月（默认 12 个月）内至少
    参加过一次培训（出现在某条培训记录的 `attendees` 中）。入职不满该期限的人员不检查。

    ## 为什么
    标准要求：“证券期货机构应制定年度培训计划，对运维人员进行必要的技术、业务、安全等培训，并留存培训记录。”
    长期没有参加培训的人员，知识和技能可能跟不上系统和业务的变化。是否“必要”仍需人工判断，
    因此本规则只作提醒。

    ## 如何修复
    安排该人员参加培训，或补录其参加培训的记录（`attendees` 中加上其人员编号）。
    """
    months = handbook.settings.staff_training_months
    since = dates.add_months(handbook.as_of, -months)
    last: dict = {}
    for record in handbook.records("trainings", "records"):
        when = record.date("date")
        if when is None or when > handbook.as_of:
            continue
        attendees = record.get("attendees", [])
        for person in attendees if isinstance(attendees, list) else []:
            if isinstance(person, str) and (person not in last or last[person] < when):
                last[person] = when
    for person in _operations_staff(handbook, include_outsourced=True):
        joined = person.date("joined")
        if joined and joined > since:
            continue
        when = last.get(person.id)
        before = f"，最近一次培训是 {when}" if when else ""
        start = when
        # trained within ``months`` of the as-of date: the next training is due ``months`` after the last one
        yield Obligation(f"安排运维人员 {handbook.person_name(person.id)} 参加培训",
                         dates.add_months(start, months) if start else handbook.as_of - dt.timedelta(days=1), person.at(),
                         f"运维人员 {handbook.person_name(person.id)} 近 {months} 个月（{since} 以来）没有参加培训的记录{before}",
                         cycle=f"每 {months} 个月", key=f"{person.source.path}#{person.id}|training")


@rule("ORG010", name="position-duties-skills", title="规定岗位职责及技能要求", clause="org-3", needs=("positions",))
def position_duties_skills(handbook):
    """
    ## 检查什么
    `registers/positions.yaml` 中每个运维岗位都规定了岗位职责 `duties` 和技能要求 `skills`
    （各至少一项，不是空白）。

    ## 为什么
    标准要求：“证券期货机构应合理设置运维岗位，规定岗位职责及技能要求，并符合如下要求：”
    没有写明职责的岗位，出了问题无从追究；没有技能要求，就无法判断任岗人员是否胜任、该培训什么。
    岗位设置是否“合理”仍需人工判断。

    ## 如何修复
    按岗位说明书补写职责和技能要求。

    ## 示例
    ```yaml
    - id: duty-lead
      name: 运维值班负责人
      duties: [日常操作的部署、检查、风险控制和业务衔接, 交接班管理]
      skills: [交易业务系统日常操作流程, 运维风险识别与控制]
    ```
    """
    for position in handbook.records("positions"):
        missing = [zh for key, zh in (("duties", "岗位职责（duties）"), ("skills", "技能要求（skills）"))
                   if not [v for v in position.get(key, []) or [] if isinstance(v, str) and v.strip()]]
        if missing:
            where = position.at("duties") if "duties" in position else position.at("id")
            yield Hit(where, f"岗位 {position.get('name', position.id)}（{position.id}）没有规定{'和'.join(missing)}")

