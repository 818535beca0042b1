"""设备和软件管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Found, Line, Part, case_id, check_case, fired

DEVICES = "registers/devices.yaml"
SOFTWARE = "registers/software.yaml"
RULES = [f"AST{n:03d}" for n in range(1, 19)]


def line_of(ws, rel, text, start_after=None):
    """The 1-based line of the first line containing ``text`` (after the line containing ``start_after``)."""
    lines = ws.read(rel).split("\n")
    begin = 0
    if start_after is not None:
        begin = next(i for i, line in enumerate(lines) if start_after in line)
    return next(i for i, line in enumerate(lines) if i >= begin and text in line) + 1


def record(data, key, rid):
    return next(r for r in data[key] if r["id"] == rid)


def edit(ws, rel, key, rid, change):
    ws.edit_yaml(rel, lambda d: change(record(d, key, rid)))


def device(rid, change):
    """An edit of the device register letting ``change(device)`` mutate one device (for a :class:`~conftest.Case`)."""
    return lambda d: change(record(d, "devices", rid))


def software(rid, change):
    """An edit of the software register letting ``change(software)`` mutate one entry."""
    return lambda d: change(record(d, "software", rid))


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def test_no_traceback_on_minimal_records(ws):
    def minimal(data):
        data["devices"].append({"id": "DEV-SRV-099", "name": "待登记服务器"})
    ws.edit_yaml(DEVICES, minimal)
    ws.edit_yaml(SOFTWARE, lambda d: d["software"].append({"id": "SW-099", "name": "待登记软件"}))
    result = ws.check()
    assert not [f for f in result.findings if f.rule == "INT001"]
    assert any(f.rule == "AST002" and "DEV-SRV-099" in f.message for f in result.findings)
    assert any(f.rule == "AST004" and "SW-099" in f.message for f in result.findings)


ORG = "registers/organisation.yaml"


def _scrapped_without_record_and_future_event(d):
    d["events"] = [e for e in d["events"] if e["type"] != "报废"]
    d["events"].append({"date": dt.date(2026, 12, 1), "type": "其他", "description": "预登记"})


CASES = [
    # -- AST001
    Case("AST001-fires-without-asset-owner", "AST001", ORG, lambda d: d["responsibilities"].pop("asset_owner"),
         [("未指定设备和软件管理责任人（responsibilities.asset_owner）", "")]),
    Case("AST001-fires-when-owner-has-left", "AST001", ORG, ("  asset_owner: P003", "  asset_owner: P020"),
         [("设备和软件管理责任人 韩冬（P020） 已不在职", Line("asset_owner: P020"))]),
    # -- AST002
    Case("AST002-fires-on-missing-fields", "AST002", DEVICES,
         [('    serial: "NF5270M6-2305B0317"\n', ""), ("    warranty_until: 2028-05-31\n", "")],
         [("设备“行情及网上交易前置服务器”（DEV-SRV-003）缺少设备清单内容：设备序列号（serial）、设备保修期（warranty_until）",
           Line("id: DEV-SRV-003"))]),
    Case("AST002-fires-when-device-owner-has-left", "AST002", DEVICES, device("DEV-SEC-003", lambda d: d.update(owner="P020")),
         ["设备“入侵防御系统”（DEV-SEC-003）的使用责任人 韩冬（P020） 已不在职"]),
    # -- AST003
    Case("AST003-fires-without-start-record", "AST003", DEVICES,
         device("DEV-SEC-003", lambda d: d.update(events=[e for e in d["events"] if e["type"] != "启用"])),
         [("设备“入侵防御系统”（DEV-SEC-003）状态为“在用”，但没有“启用”过程记录（events）",
           Line("status: 在用", after="id: DEV-SEC-003"))]),
    Case("AST003-fires-on-scrapped-without-record-and-future-dates", "AST003", DEVICES,
         device("DEV-SRV-090", _scrapped_without_record_and_future_event),
         ["设备“原集中交易服务器”（DEV-SRV-090）已报废，但没有“报废”过程记录（events）",
          "设备“原集中交易服务器”（DEV-SRV-090）的“其他”记录日期 2026-12-01 晚于检查日期"], only=False),
    # -- AST004
    Case("AST004-fires-on-missing-fields", "AST004", SOFTWARE, ("    maintenance_until: 2027-05-31\n", ""),
         [("软件“云衢行情服务系统”（SW-002）缺少软件清单内容：软件维护期（maintenance_until）", Line("id: SW-002"))]),
    Case("AST004-does-not-require-installation-for-software-in-stock", "AST004", SOFTWARE,
         software("SW-008", lambda s: (s.update(status="在库"), s.pop("installed_on"))), []),
    Case("AST004-requires-installation-for-software-in-use", "AST004", SOFTWARE,
         [software("SW-008", lambda s: (s.update(status="在库"), s.pop("installed_on"))),
          software("SW-008", lambda s: s.update(status="在用"))],
         ["软件“Zabbix 监控平台”（SW-008）缺少软件清单内容：软件安装设备（installed_on）"]),
    # -- AST005
    Case("AST005-fires-on-pirated-software", "AST005", SOFTWARE,
         ("licence: {type: 商业许可, genuine: true, certificate: 授权证书 KY-", "licence: {type: 商业许可, genuine: false, certificate: 授权证书 KY-"),
         [("软件“银河麒麟高级服务器操作系统”（SW-007）不是正版软件（licence.genuine: false），应使用正版软件", Line("genuine: false"))]),
    Case("AST005-fires-without-certificate", "AST005", SOFTWARE, software("SW-002", lambda s: s["licence"].pop("certificate")),
         ["软件“云衢行情服务系统”（SW-002）未保存软件授权证书（licence.certificate）"]),
    Case("AST005-fires-on-expired-licence-and-too-many-installations", "AST005", SOFTWARE,
         software("SW-007", lambda s: s["licence"].update(expires=dt.date(2026, 10, 31), seats=4)),
         ["软件“银河麒麟高级服务器操作系统”（SW-007）的授权已于 2026-10-31 到期，仍在使用",
          "软件“银河麒麟高级服务器操作系统”（SW-007）安装在 6 台设备上，超过授权数量 4"], only=False),
    # -- AST006
    Case("AST006-fires-when-version-contradicts-upgrade", "AST006", SOFTWARE, ('    version: "6.2.0"\n', '    version: "6.3.0"\n'),
         [("软件“青岚集中交易系统”（SW-001）的版本 6.3.0 与最近一次升级记录（2026-04-04）的版本 6.2.0 不一致", Line('version: "6.3.0"'))]),
    Case("AST006-fires-without-scrap-record", "AST006", SOFTWARE,
         software("SW-090", lambda s: s.update(events=[e for e in s["events"] if e["type"] != "报废"])),
         ["软件“Red Hat Enterprise Linux 6（原行情服务器）”（SW-090）已报废，但没有“报废”过程记录（events）"]),
    # -- AST007
    Case("AST007-fires-when-test-is-after-start", "AST007", DEVICES,
         ("validation_test: {date: 2023-06-02,", "validation_test: {date: 2023-06-20,"),
         [("设备“行情及网上交易前置服务器”（DEV-SRV-003）的验证性测试日期 2023-06-20 晚于启用日期 2023-06-10，应在投入使用前测试",
           Line("date: 2023-06-20"))]),
    Case("AST007-fires-without-test-record", "AST007", SOFTWARE, software("SW-002", lambda s: s.pop("validation_test")),
         [("软件“云衢行情服务系统”（SW-002）已于 2019-10-08 投入使用，但没有验证性测试记录（validation_test）", "")]),
    Case("AST007-fires-on-failed-test-and-missing-record", "AST007", DEVICES,
         device("DEV-SEC-003", lambda d: (d["validation_test"].update(result="不通过"), d["validation_test"].pop("record"))),
         ["设备“入侵防御系统”（DEV-SEC-003）的验证性测试结论为“不通过”，却已投入使用",
          "设备“入侵防御系统”（DEV-SEC-003）的验证性测试没有保留测试记录（validation_test.record）"], only=False),
    Case("AST007-uses-first-start-record-without-in-service", "AST007", DEVICES,
         device("DEV-SEC-003", lambda d: (d.pop("in_service"), d["validation_test"].update(date=dt.date(2024, 5, 12)))),
         ["设备“入侵防御系统”（DEV-SEC-003）的验证性测试日期 2024-05-12 晚于启用日期 2024-05-11，应在投入使用前测试"]),
    # -- AST008
    Case("AST008-fires-without-label", "AST008", DEVICES, device("DEV-SEC-002", lambda d: d.update(label=False)),
         [("设备“交易区防火墙”（DEV-SEC-002）没有在明显位置粘贴设备标识（label）", Line("label: false"))]),
    Case("AST008-fires-when-label-missing", "AST008", DEVICES, device("DEV-SRV-007", lambda d: d.pop("label")),
         [(Part("（DEV-SRV-007）没有在明显位置粘贴设备标识"), Line("id: DEV-SRV-007"))]),
    # -- AST010
    Case("AST010-warns-past-service-life", "AST010", DEVICES, device("DEV-NET-004", lambda d: d.pop("life_extension")),
         [Found("设备“互联网接入路由器”（DEV-NET-004）已于 2026-01-11 达到 6 年使用年限，仍在使用；请评估后更换或办理超期使用审批（life_extension）",
                severity="warning")]),
    Case("AST010-warns-when-extension-has-expired", "AST010", DEVICES,
         device("DEV-NET-004", lambda d: d["life_extension"].update(until=dt.date(2026, 6, 30))),
         ["设备“互联网接入路由器”（DEV-NET-004）已超过 6 年使用年限（2026-01-11 到期），超期使用批准也已于 2026-06-30 到期"]),
    # -- AST011
    Case("AST011-fires-when-inventory-is-overdue", "AST011", ORG,
         lambda d: d["settings"].update(inventory_interval_months=12),  # the default cycle
         [Found("设备最近一次全面盘点于 2026-06-26，已超过 12 个月的盘点周期（应于 2027-06-26 前再次盘点），涉及 18 台设备",
                Line("date: 2026-06-26", after="inventories:"), file=DEVICES),
          "软件最近一次全面盘点于 2026-06-26，已超过 12 个月的盘点周期（应于 2027-06-26 前再次盘点），涉及 11 个软件"],
         as_of=dt.date(2027, 7, 1), ordered=False),
    # -- AST012
    Case("AST012-warns-before-warranty-ends", "AST012", DEVICES,
         ("    warranty_until: 2028-05-31\n", "    warranty_until: 2026-12-15\n"),
         [("设备“行情及网上交易前置服务器”（DEV-SRV-003）的保修期将于 2026-12-15 结束（24 天后），请及时续保或安排更换",
           Line("warranty_until: 2026-12-15"), "warning")]),
    # -- AST013
    Case("AST013-fires-when-maintenance-has-ended", "AST013", SOFTWARE,
         ("    maintenance_until: 2027-05-31\n", "    maintenance_until: 2026-10-31\n"),
         [("软件“云衢行情服务系统”（SW-002）的维护期已于 2026-10-31 结束，仍在使用", Line("maintenance_until: 2026-10-31"), "error")]),
    # -- AST014
    Case("AST014-fires-on-offsite-repair-without-approval", "AST014", DEVICES,
         device("DEV-SRV-006", lambda d: [e.pop("approval") for e in d["events"] if e["type"] == "维修"]),
         ["设备“运维管理服务器”（DEV-SRV-006）2024-07-08 外送维修，但没有记录审批（approval）"]),
    Case("AST014-fires-on-offsite-repair-without-data-protection", "AST014", DEVICES,
         ("        data_protection: 送修前拆除全部硬盘，编号封存于机房保险柜；送修单注明不含任何存储介质\n", ""),
         [("设备“运维管理服务器”（DEV-SRV-006）2024-07-08 外送维修，但没有记录防止数据泄露的措施（data_protection）",
           Line("- date: 2024-07-08"))]),
    Case("AST014-fires-when-repair-does-not-say-whether-offsite", "AST014", DEVICES, ("（现场更换）, offsite: false,", "（现场更换）,"),
         ["设备“UPS 不间断电源”（DEV-UPS-001）2025-08-14 的维修记录没有写明是否外送维修（offsite）"]),
    # -- AST015
    Case("AST015-fires-without-media-wiping", "AST015", DEVICES, device("DEV-SRV-090", lambda d: d.pop("media_wiped")),
         [("设备“原集中交易服务器”（DEV-SRV-090）已报废，没有存储介质信息清除或销毁的记录（media_wiped）", Line("status: 报废"))]),
    Case("AST015-fires-without-witness-or-after-handover", "AST015", DEVICES,
         device("DEV-SRV-091", lambda d: (d["media_wiped"].pop("witness"), d["media_wiped"].update(date=dt.date(2023, 7, 10)))),
         ["设备“原行情服务器”（DEV-SRV-091）的介质清除或销毁记录缺少监督人（witness）",
          "设备“原行情服务器”（DEV-SRV-091）的介质清除日期 2023-07-10 晚于移交日期 2023-07-06，应在移交前清除"], only=False),
    Case("AST015-ignores-devices-without-storage-media", "AST015", DEVICES,
         device("DEV-UPS-001", lambda d: d.update(status="停用")), []),
    Case("AST015-fires-once-storage-media-are-not-stated", "AST015", DEVICES,
         [device("DEV-UPS-001", lambda d: d.update(status="停用")), device("DEV-UPS-001", lambda d: d.pop("storage_media"))],
         [Part("（DEV-UPS-001）已停用，没有存储介质信息清除或销毁的记录")]),
    # -- AST016
    Case("AST016-fires-without-handover", "AST016", DEVICES, device("DEV-SRV-091", lambda d: d.pop("disposal")),
         [("设备“原行情服务器”（DEV-SRV-091）已停用，没有移交指定部门的记录（disposal）", "")]),
    Case("AST016-fires-on-incomplete-software-handover", "AST016", SOFTWARE,
         software("SW-090", lambda s: s["disposal"].pop("record")),
         [("软件“Red Hat Enterprise Linux 6（原行情服务器）”（SW-090）的下线移交记录缺少记录（record）", "")]),
    # -- AST017
    Case("AST017-fires-without-scrap-approval", "AST017", DEVICES, (" approval: 资产报废审批单 ZC-BF-2019-017,", ""),
         [("设备“原集中交易服务器”（DEV-SRV-090）已报废，没有资产报废审批记录（disposal.approval）",
           Line("disposal: {handed_to: 资产管理部门（计划财务部资产管理岗）, date: 2019-11-12"))]),
    # -- AST018
    Case("AST018-fires-on-software-installed-on-retired-device", "AST018", SOFTWARE,
         ("    installed_on: [DEV-SRV-006]\n    purpose: 主机、网络和应用监控",
          "    installed_on: [DEV-SRV-006, DEV-SRV-091]\n    purpose: 主机、网络和应用监控"),
         [("在用软件“Zabbix 监控平台”（SW-008）登记安装在已停用的设备“原行情服务器”（DEV-SRV-091）上",
           Line("installed_on: [DEV-SRV-006, DEV-SRV-091]"))]),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_ast003_fires_when_location_contradicts_transfer(ws):
    ws.replace(DEVICES, "    location: 主机房 C 列 01 机柜 U20-U37\n", "    location: 主机房 A 列 02 机柜 U20-U37\n")
    found = ws.findings("AST003")
    assert len(found) == 1 and "DEV-NET-002" in found[0].message and "不一致" in found[0].message
    assert found[0].line == line_of(ws, DEVICES, "location: 主机房 A 列 02 机柜 U20-U37")


def test_ast006_fires_when_installation_contradicts_transfer(ws):
    edit(ws, SOFTWARE, "software", "SW-008", lambda s: s["events"].append(
        {"date": dt.date(2026, 3, 1), "type": "转移", "to": ["DEV-SRV-005"], "by": "P017"}))
    found = ws.findings("AST006")
    assert len(found) == 1 and "SW-008" in found[0].message and "DEV-SRV-005" in found[0].message


def test_ast009_fires_without_service_life(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-003", lambda d: d.pop("service_life_years"))
    edit(ws, SOFTWARE, "software", "SW-004", lambda s: s.pop("service_life_years"))
    messages = sorted(f.message for f in ws.findings("AST009"))
    assert messages == ["设备“行情及网上交易前置服务器”（DEV-SRV-003）没有规定使用年限（service_life_years）",
                        "软件“衡川清算系统”（SW-004）没有规定使用年限（service_life_years）"]


def test_ast011_accepts_a_device_inventoried_on_its_own_and_respects_settings(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(inventory_interval_months=4))
    found = ws.findings("AST011")
    assert len(found) == 2 and all("超过 4 个月" in f.message for f in found)
    ws.edit_yaml(DEVICES, lambda d: d["inventories"].append({"date": dt.date(2026, 11, 20), "record": "盘点表 PD-2026-03"}))
    edit(ws, SOFTWARE, "software", "SW-001", lambda s: s.update(last_inventory=dt.date(2026, 10, 1)))
    assert [f.message for f in ws.findings("AST011")] == [
        "软件最近一次全面盘点于 2026-06-26，已超过 4 个月的盘点周期（应于 2026-10-26 前再次盘点），涉及 10 个软件"]


def test_ast011_fires_without_any_inventory(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(inventory_interval_months=12))  # the default cycle
    ws.edit_yaml(DEVICES, lambda d: d.pop("inventories"))
    found = ws.findings("AST011")
    assert len(found) == 1 and found[0].file == DEVICES
    assert found[0].message.startswith("18 台设备（DEV-SRV-001、DEV-SRV-002、DEV-SRV-003、DEV-SRV-004、DEV-SRV-005等）入库已超过 12 个月")


def test_ast012_warns_after_warranty_ended_and_before_maintenance_ends(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-003", lambda d: d.update(warranty_until=dt.date(2026, 5, 1)))
    edit(ws, SOFTWARE, "software", "SW-002", lambda s: s.update(maintenance_until=dt.date(2027, 1, 10)))
    messages = [f.message for f in ws.findings("AST012")]
    assert "设备“入侵防御系统”（DEV-SEC-003）的保修期已于 2026-05-01 结束，仍在使用" in messages
    assert "软件“云衢行情服务系统”（SW-002）的维护期将于 2027-01-10 结束（50 天后），请及时续签维护" in messages


def test_ast012_ignores_devices_not_in_use(sample_result, ws):
    # DEV-SRV-090 (报废) and DEV-SRV-091 (停用) are long out of warranty in the sample.
    assert fired(sample_result, "AST012") == []


def test_ast017_ignores_retired_but_not_scrapped(sample_result):
    # DEV-SRV-091 is 停用 (awaiting scrapping) without an approval yet: that is fine.
    assert fired(sample_result, "AST017") == []
