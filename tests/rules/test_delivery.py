"""交付管理 rules: each fires on a broken copy and stays quiet on the sample."""

import pytest
from conftest import Case, Line, case_id, check_case, fired

DELIVERIES = "registers/deliveries.yaml"
RULES = ("DLV001", "DLV002", "DLV003", "DLV004")


def delivery(data, did):
    return next(d for d in data["deliveries"] if d["id"] == did)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def _drop_kinds(d):
    items = delivery(d, "DLV-2026-01")["checklist"]
    items[:] = [i for i in items if i["kind"] not in ("硬件", "协议和合同")]


def _pop(did, *keys):
    def change(d):
        record = delivery(d, did)
        for key in keys[:-1]:
            record = record[key]
        record.pop(keys[-1])
    return change


CASES = [
    # -- DLV001 交付工作清单
    Case("DLV001-fires-on-a-missing-kind", "DLV001", DELIVERIES, _drop_kinds,
         [("交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”的交付工作清单缺少：硬件、协议和合同（不涉及的写 applicable: false 并说明）",
           Line("checklist:"))]),
    Case("DLV001-fires-on-unexplained-not-applicable", "DLV001", DELIVERIES,
         ("{kind: 相关工具, applicable: false, notes: 使用现有存储管理工具}", "{kind: 相关工具, applicable: false}"),
         [("交付事项 DLV-2026-03“融资融券数据库扩容磁盘柜交付”的清单中“相关工具”标为不涉及，但没有说明原因（notes）",
           Line("{kind: 相关工具, applicable: false}"))]),
    Case("DLV001-fires-without-checklist", "DLV001", DELIVERIES, _pop("DLV-2026-02", "checklist"),
         ["交付事项 DLV-2026-02“行情系统 V3.8 升级交付”没有交付工作清单（checklist）"]),
    Case("DLV001-quiet-without-checklist-while-planned", "DLV001", DELIVERIES,
         [_pop("DLV-2026-02", "checklist"), lambda d: delivery(d, "DLV-2026-02").update(status="计划中")], []),
    # -- DLV002 培训和说明
    Case("DLV002-fires-on-a-missing-topic", "DLV002", DELIVERIES,
         lambda d: delivery(d, "DLV-2026-01")["training"].pop(1),  # 运维要求的那次
         [("交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”的培训和说明未涵盖：运维要求", Line("training:"))]),
    Case("DLV002-fires-without-training", "DLV002", DELIVERIES, _pop("DLV-2026-01", "training"),
         ["交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”已完成，但没有对运维人员和相关各方进行培训和说明的记录（training）"]),
    Case("DLV002-quiet-while-under-way", "DLV002", DELIVERIES, _pop("DLV-2026-02", "training"), []),
    # -- DLV003 交付实施计划
    Case("DLV003-fires-without-receiver-duties", "DLV003", DELIVERIES,
         _pop("DLV-2026-02", "plan", "responsibilities", "receiver"),
         ["交付事项 DLV-2026-02“行情系统 V3.8 升级交付”的交付实施计划没有划定接收方职责（responsibilities）"]),
    Case("DLV003-fires-without-steps", "DLV003", DELIVERIES, _pop("DLV-2026-03", "plan", "steps"),
         ["交付事项 DLV-2026-03“融资融券数据库扩容磁盘柜交付”的交付实施计划没有交付的步骤（steps）"]),
    Case("DLV003-fires-without-plan", "DLV003", DELIVERIES, _pop("DLV-2026-01", "plan"),
         ["交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”没有交付实施计划（plan）"]),
    # -- DLV004 交付过程记录
    Case("DLV004-fires-without-records", "DLV004", DELIVERIES, _pop("DLV-2026-01", "records"),
         ["交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”已完成，但没有交付过程记录（records）"]),
    Case("DLV004-fires-on-an-unfinished-step", "DLV004", DELIVERIES,
         ("{step: 上线后观察与验收, due: 2026-04-17, done: 2026-04-17}", "{step: 上线后观察与验收, due: 2026-04-17}"),
         [("交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”已完成，但步骤“上线后观察与验收”没有记录完成日期（done）",
           Line("{step: 上线后观察与验收, due: 2026-04-17}"))]),
    # DLV-2026-02 尚在观察期：最后一步没有完成日期，不报告
    Case("DLV004-quiet-while-under-way", "DLV004", DELIVERIES, _pop("DLV-2026-02", "records"), []),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)
