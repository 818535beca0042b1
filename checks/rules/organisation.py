"""运维组织：运维组织负责人、关键岗位主备岗、岗位分离。"""

from __future__ import annotations

from ..findings import Hit
from . import rule

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
    resp = handbook.root_of("organisation").sub("responsibilities")
    if resp is None or not resp.get("operations_head"):
        yield Hit(handbook.register("organisation").at("responsibilities"), "未指定运维组织负责人（responsibilities.operations_head）")
        return
    head = resp["operations_head"]
    if head in handbook.staff and not handbook.active_staff(head):
        yield Hit(resp.at("operations_head"), f"运维组织负责人 {handbook.person_name(head)} 已不在职")
    if not resp.get("operations_head_appointed"):
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
            yield Hit(position.at("backup"), f"关键岗位“{label}”的主岗和备岗是同一人（{handbook.person_name(primary)}）")
        for role, person in (("主岗", primary), ("备岗", backup)):
            if person and person in handbook.staff and not handbook.active_staff(person):
                field = "primary" if role == "主岗" else "backup"
                yield Hit(position.at(field), f"关键岗位“{label}”的{role} {handbook.person_name(person)} 已不在职")


@rule("ORG003", name="incompatible-positions", title="不相容岗位不得由同一人兼任", clause="org-5", needs=("positions", "organisation"))
def incompatible_positions(handbook):
    """
    ## 检查什么
    机构设置 `settings.incompatible_positions` 列出不得由同一人兼任的岗位对（默认：安全管理员
    不与系统管理员、数据库管理员、网络管理员兼任）。同一人在这样一对岗位上都任职
    （主岗、备岗或其他在岗人员）时报告。

    ## 为什么
    标准要求：“关键岗位应进行分离，兼岗时应满足岗位相互制约的要求。”例如安全管理员
    负责审核系统管理员的账号和权限操作，同一人兼任就失去了制约。

    ## 如何修复
    调整岗位安排，让这对岗位由不同的人担任；确需调整不相容岗位的定义时，修改机构设置并在
    评审记录中说明理由。
    """
    positions = {p.id: p for p in handbook.records("positions") if p.id}
    holders: dict = {}
    for pid, position in positions.items():
        people = [position.get("primary"), position.get("backup"), *position.get("others", [])]
        holders[pid] = {p for p in people if p}
    for pair in handbook.settings.incompatible_positions:
        if len(pair) != 2 or pair[0] not in positions or pair[1] not in positions:
            continue
        a, b = (positions[p] for p in pair)
        for person in sorted(holders[a.id] & holders[b.id]):
            yield Hit(
                b.at(),
                f"{handbook.person_name(person)} 同时在“{a.get('name', a.id)}”和“{b.get('name', b.id)}”岗位任职，这两个岗位按设置不得兼任",
            )
