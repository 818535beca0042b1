"""交付管理 rules: each fires on a broken copy and stays quiet on the sample."""

from conftest import fired

DELIVERIES = "registers/deliveries.yaml"
RULES = ("DLV001", "DLV002", "DLV003", "DLV004")


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def delivery(data, did):
    return next(d for d in data["deliveries"] if d["id"] == did)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- DLV001 交付工作清单 ---------------------------------------------------------

def test_dlv001_fires_on_a_missing_kind(ws):
    def drop(d):
        items = delivery(d, "DLV-2026-01")["checklist"]
        items[:] = [i for i in items if i["kind"] not in ("硬件", "协议和合同")]
    ws.edit_yaml(DELIVERIES, drop)
    found = ws.findings("DLV001")
    assert [f.message for f in found] == [
        "交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”的交付工作清单缺少：硬件、协议和合同（不涉及的写 applicable: false 并说明）"]
    assert found[0].file == DELIVERIES and found[0].line == line_of(ws, DELIVERIES, "checklist:")


def test_dlv001_fires_on_unexplained_not_applicable(ws):
    ws.replace(DELIVERIES, "{kind: 相关工具, applicable: false, notes: 使用现有存储管理工具}", "{kind: 相关工具, applicable: false}")
    found = ws.findings("DLV001")
    assert [f.message for f in found] == [
        "交付事项 DLV-2026-03“融资融券数据库扩容磁盘柜交付”的清单中“相关工具”标为不涉及，但没有说明原因（notes）"]
    assert found[0].line == line_of(ws, DELIVERIES, "{kind: 相关工具, applicable: false}")


def test_dlv001_fires_without_checklist_and_quiet_while_planned(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-02").pop("checklist"))
    assert [f.message for f in ws.findings("DLV001")] == ["交付事项 DLV-2026-02“行情系统 V3.8 升级交付”没有交付工作清单（checklist）"]
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-02").update(status="计划中"))
    assert ws.findings("DLV001") == []


# -- DLV002 培训和说明 -----------------------------------------------------------

def test_dlv002_fires_on_a_missing_topic(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-01")["training"].pop(1))  # 运维要求的那次
    found = ws.findings("DLV002")
    assert [f.message for f in found] == ["交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”的培训和说明未涵盖：运维要求"]
    assert found[0].line == line_of(ws, DELIVERIES, "training:")


def test_dlv002_fires_without_training(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-01").pop("training"))
    assert [f.message for f in ws.findings("DLV002")] == [
        "交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”已完成，但没有对运维人员和相关各方进行培训和说明的记录（training）"]


def test_dlv002_quiet_while_under_way(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-02").pop("training"))
    assert ws.findings("DLV002") == []


# -- DLV003 交付实施计划 ---------------------------------------------------------

def test_dlv003_fires_without_receiver_duties(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-02")["plan"]["responsibilities"].pop("receiver"))
    found = ws.findings("DLV003")
    assert [f.message for f in found] == ["交付事项 DLV-2026-02“行情系统 V3.8 升级交付”的交付实施计划没有划定接收方职责（responsibilities）"]


def test_dlv003_fires_without_steps(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-03")["plan"].pop("steps"))
    assert [f.message for f in ws.findings("DLV003")] == [
        "交付事项 DLV-2026-03“融资融券数据库扩容磁盘柜交付”的交付实施计划没有交付的步骤（steps）"]


def test_dlv003_fires_without_plan(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-01").pop("plan"))
    assert [f.message for f in ws.findings("DLV003")] == ["交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”没有交付实施计划（plan）"]


# -- DLV004 交付过程记录 ---------------------------------------------------------

def test_dlv004_fires_without_records(ws):
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-01").pop("records"))
    assert [f.message for f in ws.findings("DLV004")] == [
        "交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”已完成，但没有交付过程记录（records）"]


def test_dlv004_fires_on_an_unfinished_step(ws):
    ws.replace(DELIVERIES, "{step: 上线后观察与验收, due: 2026-04-17, done: 2026-04-17}", "{step: 上线后观察与验收, due: 2026-04-17}")
    found = ws.findings("DLV004")
    assert [f.message for f in found] == ["交付事项 DLV-2026-01“集中交易系统 V6.2 升级交付”已完成，但步骤“上线后观察与验收”没有记录完成日期（done）"]
    assert found[0].line == line_of(ws, DELIVERIES, "{step: 上线后观察与验收, due: 2026-04-17}")


def test_dlv004_quiet_while_under_way(ws):
    # DLV-2026-02 尚在观察期：最后一步没有完成日期，不报告
    ws.edit_yaml(DELIVERIES, lambda d: delivery(d, "DLV-2026-02").pop("records"))
    assert ws.findings("DLV004") == []
