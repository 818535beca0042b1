"""配置管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired

CONFIG = "registers/configuration.yaml"
ORG = "registers/organisation.yaml"
RULES = ("CFG001", "CFG002", "CFG003", "CFG004", "CFG005", "CFG006", "CFG007")


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def item(data, ci):
    return next(i for i in data["items"] if i["id"] == ci)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- CFG001 配置管理负责人 -------------------------------------------------------

def test_cfg001_fires_without_owner(ws):
    ws.edit_yaml(ORG, lambda d: d["responsibilities"].pop("configuration_owner"))
    found = ws.findings("CFG001")
    assert [f.message for f in found] == ["未指定配置管理负责人（responsibilities.configuration_owner）"]
    assert found[0].file == ORG


def test_cfg001_fires_when_owner_has_left(ws):
    ws.edit_yaml(ORG, lambda d: d["responsibilities"].update(configuration_owner="P020"))
    assert [f.message for f in ws.findings("CFG001")] == ["配置管理负责人 韩冬（P020） 已不在职"]


# -- CFG002 配置库覆盖范围 -------------------------------------------------------

def test_cfg002_fires_when_a_kind_is_not_linked_to_trading(ws):
    def isolate_firewall(d):
        item(d, "CI-SEC-FW-01")["relations"] = [{"type": "防护", "target": "CI-APP-PORTAL"}]
        item(d, "CI-NET-CORE-01")["relations"] = []
        item(d, "CI-APP-ONLINE")["relations"] = [{"type": "依赖", "target": "CI-APP-TRADE"}]
        item(d, "CI-APP-QUOTE")["relations"] = [{"type": "运行于", "target": "CI-SRV-TRADE-01"}]
        for ci in ("CI-SRV-TRADE-01", "CI-SRV-TRADE-02", "CI-STO-01"):
            item(d, ci)["relations"] = [r for r in item(d, ci)["relations"] if r["target"] != "CI-NET-CORE-01"]
    ws.edit_yaml(CONFIG, isolate_firewall)
    found = ws.findings("CFG002")
    assert sorted(f.message for f in found) == sorted([
        "配置库中没有与交易业务系统关联的“网络设备”类配置项",
        "配置库中没有与交易业务系统关联的“安全设备”类配置项",
    ])
    assert found[0].file == CONFIG and found[0].line == line_of(ws, CONFIG, "items:")


def test_cfg002_fires_without_trading_systems(ws):
    ws.edit_yaml(CONFIG, lambda d: [i.pop("trading", None) for i in d["items"]])
    assert [f.message for f in ws.findings("CFG002")] == ["配置库中没有标为交易业务系统（trading: true）的配置项"]


# -- CFG003 配置项属性 -----------------------------------------------------------

def test_cfg003_fires_on_missing_attributes(ws):
    def drop(d):
        item(d, "CI-STO-01").pop("description")
        item(d, "CI-STO-01").pop("relations")
    ws.edit_yaml(CONFIG, drop)
    found = ws.findings("CFG003")
    assert [f.message for f in found] == ["配置项 CI-STO-01“核心存储”缺少属性：描述（description）、关联关系（relations）"]
    assert found[0].line == line_of(ws, CONFIG, "id: CI-STO-01")


def test_cfg003_fires_when_owner_has_left(ws):
    ws.edit_yaml(CONFIG, lambda d: item(d, "CI-APP-PORTAL").update(owner="P020"))
    assert [f.message for f in ws.findings("CFG003")] == ["配置项 CI-APP-PORTAL“门户网站”的维护责任人 韩冬（P020） 已不在职"]


def test_cfg003_quiet_for_retired_item_of_a_leaver(ws):
    ws.edit_yaml(CONFIG, lambda d: item(d, "CI-APP-PORTAL").update(owner="P020", status="下线"))
    assert ws.findings("CFG003") == []


# -- CFG004 变更记录 -------------------------------------------------------------

def test_cfg004_fires_on_history_without_change(ws):
    ws.replace(CONFIG, "action: 修改, change: CHG-2026-049, by: P016,", "action: 修改, by: P016,")
    found = ws.findings("CFG004")
    assert [f.message for f in found] == ["配置项 CI-NET-CORE-01“核心交换机”的修改（2026-10-26）没有变更记录（change）"]
    assert found[0].line == line_of(ws, CONFIG, "action: 修改, by: P016,")


def test_cfg004_fires_on_item_added_without_change(ws):
    def add(d):
        d["items"].append({
            "id": "CI-SRV-TRADE-03", "name": "交易服务器 03", "type": "服务器", "description": "扩容服务器",
            "owner": "P005", "status": "运行", "registered": dt.date(2026, 11, 10),
            "relations": [{"type": "连接", "target": "CI-NET-CORE-01"}],
        })
    ws.edit_yaml(CONFIG, add)
    found = ws.findings("CFG004")
    assert [f.message for f in found] == [
        "配置项 CI-SRV-TRADE-03“交易服务器 03”于 2026-11-10 纳入配置库（晚于配置库建立日期 2021-06-30），但没有“添加”的变更记录"]
    assert found[0].line == line_of(ws, CONFIG, "registered: 2026-11-10")


def test_cfg004_quiet_when_the_addition_has_a_change(ws):
    def add(d):
        d["items"].append({
            "id": "CI-SRV-TRADE-03", "name": "交易服务器 03", "type": "服务器", "description": "扩容服务器",
            "owner": "P005", "status": "运行", "registered": dt.date(2026, 10, 4),
            "relations": [{"type": "连接", "target": "CI-NET-CORE-01"}],
            "history": [{"date": dt.date(2026, 10, 4), "action": "添加", "change": "CHG-2026-044"}],
        })
    ws.edit_yaml(CONFIG, add)
    assert ws.findings("CFG004") == []


def test_cfg004_fires_without_registration_date(ws):
    ws.edit_yaml(CONFIG, lambda d: item(d, "CI-APP-PORTAL").pop("registered"))
    assert [f.message for f in ws.findings("CFG004")] == [
        "配置项 CI-APP-PORTAL“门户网站”未填写纳入配置库日期（registered），但没有“添加”的变更记录"]


# -- CFG005 配置库备份 -----------------------------------------------------------

def test_cfg005_fires_when_backup_is_overdue(ws):
    ws.edit_yaml(CONFIG, lambda d: d["backups"].pop())  # 去掉 2026-10-31
    found = ws.findings("CFG005")
    assert [f.message for f in found] == ["配置库最近一次备份是 2026-09-30，已 52 天，超过备份间隔 31 天"]
    assert found[0].line == line_of(ws, CONFIG, "date: 2026-09-30")


def test_cfg005_fires_on_a_gap(ws):
    ws.edit_yaml(CONFIG, lambda d: d["backups"].pop(6))  # 去掉 2026-05-31
    assert [f.message for f in ws.findings("CFG005")] == ["配置库备份 2026-04-30 至 2026-06-30 间隔 61 天，超过备份间隔 31 天"]


def test_cfg005_follows_the_setting(ws):
    ws.edit_yaml(ORG, lambda d: d["settings"].update(cmdb_backup_days=20))
    messages = [f.message for f in ws.findings("CFG005")]
    assert "配置库最近一次备份是 2026-10-31，已 21 天，超过备份间隔 20 天" in messages
    assert "配置库备份 2026-04-30 至 2026-05-31 间隔 31 天，超过备份间隔 20 天" in messages


def test_cfg005_fires_without_location(ws):
    ws.edit_yaml(CONFIG, lambda d: d["backups"][-1].pop("location"))
    assert [f.message for f in ws.findings("CFG005")] == ["2026-10-31 的配置库备份没有写明存放地点（location）"]


# -- CFG006 配置库审计 -----------------------------------------------------------

def test_cfg006_fires_when_audit_is_overdue(ws):
    ws.replace(CONFIG, "    date: 2025-12-18\n", "    date: 2025-10-15\n")
    found = ws.findings("CFG006")
    assert [f.message for f in found] == ["配置库最近一次审计是 2025-10-15，应在 2026-10-15 前再次审计（周期 12 个月）"]
    assert found[0].line == line_of(ws, CONFIG, "date: 2025-10-15")


def test_cfg006_follows_the_setting(ws):
    ws.edit_yaml(ORG, lambda d: d["settings"].update(cmdb_audit_months=6))
    assert [f.message for f in ws.findings("CFG006")] == ["配置库最近一次审计是 2025-12-18，应在 2026-06-18 前再次审计（周期 6 个月）"]


def test_cfg006_fires_without_audit(ws):
    ws.edit_yaml(CONFIG, lambda d: d["audits"].pop(0))
    assert [f.message for f in ws.findings("CFG006")] == ["没有配置库审计记录（audits 中 kind: 审计）"]


# -- CFG007 不一致情况及时纠正并留存记录 -------------------------------------------

def test_cfg007_fires_on_uncorrected_finding(ws):
    ws.replace(CONFIG, ", corrected: 2026-06-26, correction: 按现场核实结果更正描述", "")
    found = ws.findings("CFG007")
    assert [f.message for f in found] == ["配置库检查（2026-06-24）发现的不一致“交易服务器 02 的机柜位置登记错误”发现已超过 30 天，仍未记录纠正（corrected）"]
    assert found[0].line == line_of(ws, CONFIG, "交易服务器 02 的机柜位置登记错误")


def test_cfg007_fires_on_late_correction(ws):
    ws.replace(CONFIG, "corrected: 2026-06-26", "corrected: 2026-09-01")
    assert [f.message for f in ws.findings("CFG007")] == [
        "配置库检查（2026-06-24）发现的不一致“交易服务器 02 的机柜位置登记错误”到 2026-09-01 才纠正，超过 30 天，未及时纠正"]


def test_cfg007_quiet_within_the_grace_period(ws):
    ws.edit_yaml(CONFIG, lambda d: d["audits"].append({
        "date": dt.date(2026, 11, 10), "kind": "检查", "by": ["P016"], "record": "配置管理平台 / 检查记录 CMDB-CHK-2026-11",
        "findings": [{"description": "核心存储固件版本未更新", "ci": "CI-STO-01"}],
    }))
    assert ws.findings("CFG007") == []


def test_cfg007_fires_without_record(ws):
    ws.edit_yaml(CONFIG, lambda d: d["audits"][2].pop("record"))
    assert [f.message for f in ws.findings("CFG007")] == ["配置库检查（2026-10-28）没有留存记录（record）"]


def test_cfg004_fires_once_without_the_cmdb_start_date(ws):
    ws.edit_yaml(CONFIG, lambda d: d.pop("established"))
    found = ws.findings("CFG004")
    assert len(found) == 1
    assert found[0].message.startswith("配置库未写明建立日期（established），无法确认 CI-APP-TRADE、")
    assert found[0].line == line_of(ws, CONFIG, "items:")
