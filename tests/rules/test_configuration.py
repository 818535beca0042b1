"""配置管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Line, case_id, check_case, fired, line_of

CONFIG = "registers/configuration.yaml"
ORG = "registers/organisation.yaml"
RULES = ("CFG001", "CFG002", "CFG003", "CFG004", "CFG005", "CFG006", "CFG007")


def item(data, ci):
    return next(i for i in data["items"] if i["id"] == ci)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def isolate_firewall(d):
    item(d, "CI-SEC-FW-01")["relations"] = [{"type": "防护", "target": "CI-APP-PORTAL"}]
    item(d, "CI-NET-CORE-01")["relations"] = []
    item(d, "CI-APP-ONLINE")["relations"] = [{"type": "依赖", "target": "CI-APP-TRADE"}]
    item(d, "CI-APP-QUOTE")["relations"] = [{"type": "运行于", "target": "CI-SRV-TRADE-01"}]
    for ci in ("CI-SRV-TRADE-01", "CI-SRV-TRADE-02", "CI-STO-01"):
        item(d, ci)["relations"] = [r for r in item(d, ci)["relations"] if r["target"] != "CI-NET-CORE-01"]


def _drop_description_and_relations(d):
    item(d, "CI-STO-01").pop("description")
    item(d, "CI-STO-01").pop("relations")


def _add_server(registered, **more):
    return lambda d: d["items"].append({
        "id": "CI-SRV-TRADE-03", "name": "交易服务器 03", "type": "服务器", "description": "扩容服务器",
        "owner": "P005", "status": "运行", "registered": registered,
        "relations": [{"type": "连接", "target": "CI-NET-CORE-01"}], **more,
    })


CASES = [
    # -- CFG001 配置管理负责人
    Case("CFG001-fires-without-owner", "CFG001", ORG, lambda d: d["responsibilities"].pop("configuration_owner"),
         [("未指定配置管理负责人（responsibilities.configuration_owner）", "")]),
    Case("CFG001-fires-when-owner-has-left", "CFG001", ORG,
         lambda d: d["responsibilities"].update(configuration_owner="P020"), ["配置管理负责人 韩冬（P020） 已不在职"]),
    # -- CFG002 配置库覆盖范围
    Case("CFG002-fires-when-a-kind-is-not-linked-to-trading", "CFG002", CONFIG, isolate_firewall,
         [("配置库中没有与交易业务系统关联的“网络设备”类配置项", Line("items:")),
          ("配置库中没有与交易业务系统关联的“安全设备”类配置项", Line("items:"))], ordered=False),
    Case("CFG002-fires-without-trading-systems", "CFG002", CONFIG, lambda d: [i.pop("trading", None) for i in d["items"]],
         ["配置库中没有标为交易业务系统（trading: true）的配置项"]),
    # -- CFG003 配置项属性
    Case("CFG003-fires-on-missing-attributes", "CFG003", CONFIG, _drop_description_and_relations,
         [("配置项 CI-STO-01“核心存储”缺少属性：描述（description）、关联关系（relations）", Line("id: CI-STO-01"))]),
    Case("CFG003-fires-when-owner-has-left", "CFG003", CONFIG, lambda d: item(d, "CI-APP-PORTAL").update(owner="P020"),
         ["配置项 CI-APP-PORTAL“门户网站”的维护责任人 韩冬（P020） 已不在职"]),
    Case("CFG003-quiet-for-retired-item-of-a-leaver", "CFG003", CONFIG,
         lambda d: item(d, "CI-APP-PORTAL").update(owner="P020", status="下线"), []),
    # -- CFG004 变更记录
    Case("CFG004-fires-on-history-without-change", "CFG004", CONFIG,
         ("action: 修改, change: CHG-2026-049, by: P016,", "action: 修改, by: P016,"),
         [("配置项 CI-NET-CORE-01“核心交换机”的修改（2026-10-26）没有变更记录（change）", Line("action: 修改, by: P016,"))]),
    Case("CFG004-fires-on-item-added-without-change", "CFG004", CONFIG, _add_server(dt.date(2026, 11, 10)),
         [("配置项 CI-SRV-TRADE-03“交易服务器 03”于 2026-11-10 纳入配置库（晚于配置库建立日期 2021-06-30），但没有“添加”的变更记录",
           Line("registered: 2026-11-10"))]),
    Case("CFG004-quiet-when-the-addition-has-a-change", "CFG004", CONFIG,
         _add_server(dt.date(2026, 10, 4), history=[{"date": dt.date(2026, 10, 4), "action": "添加", "change": "CHG-2026-044"}]),
         []),
    Case("CFG004-fires-without-registration-date", "CFG004", CONFIG, lambda d: item(d, "CI-APP-PORTAL").pop("registered"),
         ["配置项 CI-APP-PORTAL“门户网站”未填写纳入配置库日期（registered），但没有“添加”的变更记录"]),
    # -- CFG005 配置库备份
    Case("CFG005-fires-when-backup-is-overdue", "CFG005", CONFIG, lambda d: d["backups"].pop(),  # 去掉 2026-10-31
         [("配置库最近一次备份是 2026-09-30，已 52 天，超过备份间隔 31 天", Line("date: 2026-09-30"))]),
    Case("CFG005-fires-on-a-gap", "CFG005", CONFIG, lambda d: d["backups"].pop(6),  # 去掉 2026-05-31
         ["配置库备份 2026-04-30 至 2026-06-30 间隔 61 天，超过备份间隔 31 天"]),
    Case("CFG005-follows-the-setting", "CFG005", ORG, lambda d: d["settings"].update(cmdb_backup_days=20),
         ["配置库最近一次备份是 2026-10-31，已 21 天，超过备份间隔 20 天",
          "配置库备份 2026-04-30 至 2026-05-31 间隔 31 天，超过备份间隔 20 天"], only=False),
    Case("CFG005-fires-without-location", "CFG005", CONFIG, lambda d: d["backups"][-1].pop("location"),
         ["2026-10-31 的配置库备份没有写明存放地点（location）"]),
    # -- CFG006 配置库审计
    Case("CFG006-fires-when-audit-is-overdue", "CFG006", CONFIG, ("    date: 2025-12-18\n", "    date: 2025-10-15\n"),
         [("配置库最近一次审计是 2025-10-15，应在 2026-10-15 前再次审计（周期 12 个月）", Line("date: 2025-10-15"))]),
    Case("CFG006-follows-the-setting", "CFG006", ORG, lambda d: d["settings"].update(cmdb_audit_months=6),
         ["配置库最近一次审计是 2025-12-18，应在 2026-06-18 前再次审计（周期 6 个月）"]),
    Case("CFG006-fires-without-audit", "CFG006", CONFIG, lambda d: d["audits"].pop(0),
         ["没有配置库审计记录（audits 中 kind: 审计）"]),
    # -- CFG007 不一致情况及时纠正并留存记录
    Case("CFG007-fires-on-uncorrected-finding", "CFG007", CONFIG,
         (", corrected: 2026-06-26, correction: 按现场核实结果更正描述", ""),
         [("配置库检查（2026-06-24）发现的不一致“交易服务器 02 的机柜位置登记错误”发现已超过 30 天，仍未记录纠正（corrected）",
           Line("交易服务器 02 的机柜位置登记错误"))]),
    Case("CFG007-fires-on-late-correction", "CFG007", CONFIG, ("corrected: 2026-06-26", "corrected: 2026-09-01"),
         ["配置库检查（2026-06-24）发现的不一致“交易服务器 02 的机柜位置登记错误”到 2026-09-01 才纠正，超过 30 天，未及时纠正"]),
    Case("CFG007-quiet-within-the-grace-period", "CFG007", CONFIG, lambda d: d["audits"].append({
        "date": dt.date(2026, 11, 10), "kind": "检查", "by": ["P016"], "record": "配置管理平台 / 检查记录 CMDB-CHK-2026-11",
        "findings": [{"description": "核心存储固件版本未更新", "ci": "CI-STO-01"}]}), []),
    Case("CFG007-fires-without-record", "CFG007", CONFIG, lambda d: d["audits"][2].pop("record"),
         ["配置库检查（2026-10-28）没有留存记录（record）"]),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_cfg004_fires_once_without_the_cmdb_start_date(ws):
    ws.edit_yaml(CONFIG, lambda d: d.pop("established"))
    found = ws.findings("CFG004")
    assert len(found) == 1
    assert found[0].message.startswith("配置库未写明建立日期（established），无法确认 CI-APP-TRADE、")
    assert found[0].line == line_of(ws, CONFIG, "items:")
