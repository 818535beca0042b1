"""应急准备：应急组织体系（指挥决策机构、执行机构、决策递补顺序）。"""

from __future__ import annotations

from ..findings import Hit
from . import rule
from ._emergency import active, person_label

CHAPTER = "应急准备"

# -- 应急组织体系 ----------------------------------------------------------------

DEPARTMENTS = ("业务", "技术", "风险控制", "结算", "财务", "客服", "安保", "综合")


@rule("EMG001", name="emergency-bodies", title="明确应急指挥决策机构和执行机构", clause="prep-1", needs=("emergency",))
def emergency_bodies(handbook):
    """
    ## 检查什么
    `registers/emergency.yaml` 中记录了应急指挥决策机构 `command` 和执行机构 `execution`：
    各有名称和职责 `duties`；执行机构有在职的负责人 `lead`，并至少有一个工作组；每个工作组都有组长
    （运维人员填 `lead`，其他部门负责人填 `lead_name`），组长和组员都在职。

    ## 为什么
    标准要求：“证券期货机构应建立健全网络与信息安全事件应急处置组织体系，明确网络与信息安全事件的
    应急指挥决策机构和执行机构，负责网络与信息安全事件的预防预警、应急处置、报告和调查处理工作。”

    ## 如何修复
    按机构的应急处置组织体系文件补齐两个机构的名称、成立文件、职责，以及执行机构的负责人和工作组。

    ## 示例
    ```yaml
    execution:
      name: 网络与信息安全事件应急工作小组
      duties: [事件的预防预警和监测, 组织实施应急处置, 信息报告, 配合调查处理]
      lead: P002
      teams:
        - {name: 技术处置组, lead: P004, members: [P005, P006, P007]}
    ```
    """
    register = handbook.register("emergency")
    root = handbook.root_of("emergency")
    for key, label in (("command", "应急指挥决策机构"), ("execution", "应急执行机构")):
        body = root.sub(key)
        if body is None:
            yield Hit(register.at(key), f"未明确{label}（{key}）")
            continue
        if not body.get("duties"):
            yield Hit(body.at("name"), f"{label}“{body.get('name')}”未写明职责（duties）")
    execution = root.sub("execution")
    if execution is None:
        return
    lead = execution.get("lead")
    if not lead:
        yield Hit(execution.at("name"), "应急执行机构未指定负责人（lead）")
    elif not active(handbook, lead):
        yield Hit(execution.at("lead"), f"应急执行机构负责人 {person_label(handbook, lead)} 已不在职")
    teams = execution.records("teams")
    if not teams:
        yield Hit(execution.at("name"), "应急执行机构没有工作组（teams）")
    for team in teams:
        if not team.get("lead") and not team.get("lead_name"):
            yield Hit(team.at("name"), f"应急工作组“{team.get('name')}”未指定组长（lead 或 lead_name）")
        for field, pid, loc in [("lead", team.get("lead"), team.at("lead"))] + [
                ("members", p, where) for p, where in team.items("members")]:
            if pid and not active(handbook, pid):
                yield Hit(loc, f"应急工作组“{team.get('name')}”的{'组长' if field == 'lead' else '组员'} "
                               f"{person_label(handbook, pid)} 已不在职")


@rule("EMG002", name="command-body-composition", title="应急指挥决策机构由主要领导负责、有关部门负责人参加",
      clause="prep-2", needs=("emergency",))
def command_body_composition(handbook):
    """
    ## 检查什么
    应急指挥决策机构 `command` 的负责人 `leader` 是本机构的主要领导（`principal: true`）且在任；
    成员 `members` 中在任的部门负责人覆盖业务、技术、风险控制、结算、财务、客服、安保、综合八类部门
    （`department`）。

    ## 为什么
    标准要求：“证券期货机构网络与信息安全事件应急处置指挥决策机构应由主要领导负责，成员包括但不限于
    业务、技术、风险控制、结算、财务、客服、安保及综合等有关部门的负责人。”

    ## 如何修复
    由董事长或总经理等主要领导担任组长；为缺少的部门类别补充该部门负责人。人员离任后把其 `status`
    改为 `left` 并补充继任者。

    ## 示例
    ```yaml
    command:
      name: 网络与信息安全事件应急领导小组
      leader: {name: 沈国华, title: 总经理, principal: true}
      members:
        - {department: 风险控制, unit: 风险管理部, name: 蒋晓梅, title: 首席风险官}
    ```
    """
    root = handbook.root_of("emergency")
    command = root.sub("command")
    if command is None:
        return  # EMG001
    leader = command.sub("leader")
    if leader is None:
        yield Hit(command.at("name"), f"应急指挥决策机构“{command.get('name')}”未指定负责人（leader）")
    else:
        if leader.get("principal") is not True:
            yield Hit(leader.at("name"), f"应急指挥决策机构负责人 {leader.get('name')} 未标明为主要领导（principal: true）；"
                                         "标准要求由主要领导负责")
        if leader.get("status") == "left" or (leader.get("person") and not active(handbook, leader.get("person"))):
            yield Hit(leader.at("name"), f"应急指挥决策机构负责人 {leader.get('name')} 已离任")
    present = set()
    for member in command.records("members"):
        if member.get("status") == "left" or (member.get("person") and not active(handbook, member.get("person"))):
            continue
        present.add(member.get("department"))
    missing = [d for d in DEPARTMENTS if d not in present]
    if missing:
        yield Hit(command.at("members"), f"应急指挥决策机构成员缺少以下部门的负责人：{'、'.join(missing)}")


@rule("EMG003", name="decision-succession", title="明确应急决策机制和决策递补顺序", clause="prep-3",
      needs=("emergency", "staff"))
def decision_succession(handbook):
    """
    ## 检查什么
    `decision.mechanism` 写明了应急决策机制；`decision.succession` 按顺序列出至少两名决策人，
    顺序号不重复，人员不重复，并且都在任：有人员编号的须在职，其他人须是应急指挥决策机构中
    在任的负责人或成员。

    ## 为什么
    标准要求：“证券期货机构应明确网络与信息安全事件应急决策机制，以及决策递补顺序，确保各种情况下，
    有人负责决策和报告。”只有一个决策人，或者递补顺序里的人已经离任，他不在时就没有人能决策。

    ## 如何修复
    补充决策机制说明和递补人；人员变动后及时更新递补顺序。

    ## 示例
    ```yaml
    decision:
      mechanism: 领导小组组长决定启动一级响应和对外报告；组长不能履职时按递补顺序由下一人决定。
      succession:
        - {order: 1, name: 沈国华, title: 总经理}
        - {order: 2, name: 周明远, title: 首席信息官, person: P001}
    ```
    """
    register = handbook.register("emergency")
    root = handbook.root_of("emergency")
    decision = root.sub("decision")
    if decision is None:
        yield Hit(register.at("decision"), "未明确应急决策机制和决策递补顺序（decision）")
        return
    if not decision.get("mechanism"):
        yield Hit(decision.at(), "未写明应急决策机制（decision.mechanism）")
    command = root.sub("command")
    current, departed = set(), set()
    if command is not None:
        people = ([command.sub("leader")] if command.sub("leader") else []) + command.records("members")
        for person in people:
            gone = person.get("status") == "left" or (person.get("person") and not active(handbook, person.get("person")))
            (departed if gone else current).add(person.get("name"))
    chain = decision.records("succession")
    if len(chain) < 2:
        yield Hit(decision.at("succession") if chain else decision.at(),
                  f"决策递补顺序只有 {len(chain)} 人，至少应有两人，确保第一决策人不在时有人负责决策和报告")
    seen_orders, seen_people = set(), set()
    for entry in chain:
        order, name, pid = entry.get("order"), entry.get("name"), entry.get("person")
        if order in seen_orders:
            yield Hit(entry.at("order"), f"决策递补顺序号 {order} 重复")
        seen_orders.add(order)
        key = pid or name
        if key in seen_people:
            yield Hit(entry.at("name"), f"决策递补顺序中 {name} 出现了两次")
        seen_people.add(key)
        if pid:
            if not active(handbook, pid):
                yield Hit(entry.at("person"), f"决策递补顺序第 {order} 位 {person_label(handbook, pid)} 已不在职")
        elif name in departed or (command is not None and name not in current):
            yield Hit(entry.at("name"), f"决策递补顺序第 {order} 位 {name} 不是应急指挥决策机构中在任的人员"
                                        "（没有人员编号时，须是 command 中在任的负责人或成员）")
