"""交付管理：交付工作清单、培训和说明、交付实施计划和交付过程记录。"""

from __future__ import annotations

from ..findings import Hit
from . import rule

CHAPTER = "交付管理"

CHECKLIST_KINDS = ("软件", "硬件", "技术文档", "管理手册", "使用手册", "培训材料", "相关工具", "协议和合同")
TRAINING_TOPICS = ("目的", "范围", "背景", "测试要求", "上线实施要求", "验收要求", "运维要求")
UNDER_WAY = ("实施中", "已完成")  # the checklist and the plan are drawn up before delivery starts


def _deliveries(handbook, statuses):
    for delivery in handbook.records("deliveries"):
        if delivery.get("status", "实施中") in statuses:
            yield delivery, f"交付事项 {delivery.id}“{delivery.get('name', '')}”"


@rule("DLV001", name="delivery-checklist", title="交付工作清单覆盖标准列出的各类交付物",
      clause="delivery-1", needs=("deliveries",))
def delivery_checklist(handbook):
    """
    ## 检查什么
    `registers/deliveries.yaml` 中每个实施中或已完成的交付事项都有交付工作清单 `checklist`，
    且清单涵盖标准列出的每一类：软件、硬件、技术文档、管理手册、使用手册、培训材料、
    相关工具、协议和合同。本次交付不涉及的类别也要写一条，标 `applicable: false` 并在
    `notes` 中说明，表示双方确认过不涉及。

    ## 为什么
    标准要求：“证券期货机构应制定交付工作清单，作为双方交付依据，清单包括信息系统相关的
    软件、硬件、技术文档、管理手册、使用手册、培训材料、相关工具、协议和合同等。”
    清单漏掉的类别，验收时就没有依据要求对方交付。

    ## 如何修复
    补齐清单中缺少的类别；确实不涉及的，写明不涉及及原因。

    ## 示例
    ```yaml
    checklist:
      - {kind: 软件, name: 融资融券系统 V5.2 安装介质及补丁包, delivered: 2026-07-10, received_by: P016}
      - {kind: 硬件, applicable: false, notes: 沿用现有服务器，不涉及硬件}
    ```
    """
    for delivery, label in _deliveries(handbook, UNDER_WAY):
        items = delivery.records("checklist")
        if not items:
            yield Hit(delivery.at(), f"{label}没有交付工作清单（checklist）")
            continue
        kinds = {item.get("kind") for item in items}
        missing = [k for k in CHECKLIST_KINDS if k not in kinds]
        if missing:
            yield Hit(delivery.at("checklist"), f"{label}的交付工作清单缺少：{'、'.join(missing)}（不涉及的写 applicable: false 并说明）")
        for item in items:
            if item.get("applicable") is False and not item.get("notes"):
                yield Hit(item.at(), f"{label}的清单中“{item.get('kind')}”标为不涉及，但没有说明原因（notes）")


@rule("DLV002", name="delivery-training", title="交付前对运维人员和相关各方进行培训和说明",
      clause="delivery-2", needs=("deliveries",))
def delivery_training(handbook):
    """
    ## 检查什么
    每个已完成的交付事项都有培训和说明记录（`training`）：有参加的运维人员 `attendees`，
    全部记录的内容 `topics` 合起来涵盖交付事项的目的、范围、背景、测试要求、上线实施要求、
    验收要求、运维要求。

    ## 为什么
    标准要求：“证券期货机构应对运维人员和所涉及的相关各方进行培训和说明，包括交付事项的
    目的、范围、背景、测试要求、上线实施要求、验收要求、运维要求等。”

    ## 如何修复
    补充培训记录；没有讲到的内容，补做一次说明并记录。

    ## 示例
    ```yaml
    training:
      - date: 2026-07-08
        attendees: [P015, P016, P006, P011]
        parties: [融资融券业务部, 青岚软件技术有限公司]
        topics: [目的, 范围, 背景, 测试要求, 上线实施要求, 验收要求, 运维要求]
        record: 培训签到表及课件 / DLV-2026-01
    ```
    """
    for delivery, label in _deliveries(handbook, ("已完成",)):
        sessions = delivery.records("training")
        if not sessions:
            yield Hit(delivery.at(), f"{label}已完成，但没有对运维人员和相关各方进行培训和说明的记录（training）")
            continue
        if not any(s.get("attendees") for s in sessions):
            yield Hit(delivery.at("training"), f"{label}的培训和说明没有记录参加的运维人员（attendees）")
        covered = {t for s in sessions for t in s.get("topics", [])}
        missing = [t for t in TRAINING_TOPICS if t not in covered]
        if missing:
            yield Hit(delivery.at("training"), f"{label}的培训和说明未涵盖：{'、'.join(missing)}")


@rule("DLV003", name="delivery-plan", title="交付实施计划划定双方职责和交付步骤",
      clause="delivery-3", needs=("deliveries",))
def delivery_plan(handbook):
    """
    ## 检查什么
    每个实施中或已完成的交付事项都有交付实施计划 `plan`：写明交付方职责
    `responsibilities.provider`、接收方职责 `responsibilities.receiver`，以及交付的步骤 `steps`。

    ## 为什么
    标准要求：“证券期货机构应制定交付实施计划，划定交付双方的职责，交付的步骤，并对交付过程
    留存记录。”

    ## 如何修复
    补充交付实施计划的双方职责和步骤。

    ## 示例
    ```yaml
    plan:
      document: 交付档案 / DLV-2026-01 交付实施计划.docx
      responsibilities:
        provider: 青岚软件负责版本交付、安装部署、数据迁移和现场保障
        receiver: 运维中心负责环境准备、验收测试、上线审批和上线后运维
      steps:
        - {step: 测试环境部署与验收测试, due: 2026-07-03, done: 2026-07-03}
    ```
    """
    for delivery, label in _deliveries(handbook, UNDER_WAY):
        plan = delivery.sub("plan")
        if plan is None:
            yield Hit(delivery.at(), f"{label}没有交付实施计划（plan）")
            continue
        resp = plan.sub("responsibilities")
        missing = [zh for key, zh in (("provider", "交付方职责"), ("receiver", "接收方职责")) if not (resp and resp.get(key))]
        if missing:
            yield Hit(plan.at("responsibilities") if resp else plan.at(),
                      f"{label}的交付实施计划没有划定{'和'.join(missing)}（responsibilities）")
        if not plan.records("steps"):
            yield Hit(plan.at(), f"{label}的交付实施计划没有交付的步骤（steps）")


@rule("DLV004", name="delivery-records", title="交付过程留存记录", clause="delivery-3", needs=("deliveries",))
def delivery_records(handbook):
    """
    ## 检查什么
    每个已完成的交付事项都有交付过程记录 `records`（每条有日期和记录的存放位置 `record`），
    并且交付实施计划的每个步骤都记录了完成日期 `done`。

    ## 为什么
    标准要求：“证券期货机构应制定交付实施计划，划定交付双方的职责，交付的步骤，并对交付过程
    留存记录。”

    ## 如何修复
    补充交付过程记录（交接单、验收报告、上线记录等的存放位置），并填写各步骤的完成日期。

    ## 示例
    ```yaml
    records:
      - {date: 2026-07-20, description: 上线验收, record: 交付档案 / DLV-2026-01 验收报告.pdf}
    ```
    """
    for delivery, label in _deliveries(handbook, ("已完成",)):
        records = delivery.records("records")
        if not records:
            yield Hit(delivery.at(), f"{label}已完成，但没有交付过程记录（records）")
        for record in records:
            if not record.get("record"):
                yield Hit(record.at(), f"{label}的交付过程记录（{record.get('date')}）没有写明记录的存放位置（record）")
        plan = delivery.sub("plan")
        for step in plan.records("steps") if plan else []:
            if not step.get("done"):
                yield Hit(step.at(), f"{label}已完成，但步骤“{step.get('step')}”没有记录完成日期（done）")
