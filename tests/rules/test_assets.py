"""设备和软件管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired

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


# -- AST001 ------------------------------------------------------------------
def test_ast001_fires_without_asset_owner(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].pop("asset_owner"))
    found = ws.findings("AST001")
    assert [f.message for f in found] == ["未指定设备和软件管理责任人（responsibilities.asset_owner）"]
    assert found[0].file == "registers/organisation.yaml"


def test_ast001_fires_when_owner_has_left(ws):
    ws.replace("registers/organisation.yaml", "  asset_owner: P003", "  asset_owner: P020")
    found = ws.findings("AST001")
    assert [f.message for f in found] == ["设备和软件管理责任人 韩冬（P020） 已不在职"]
    assert found[0].line == line_of(ws, "registers/organisation.yaml", "asset_owner: P020")


# -- AST002 ------------------------------------------------------------------
def test_ast002_fires_on_missing_fields(ws):
    ws.replace(DEVICES, '    serial: "NF5270M6-2305B0317"\n', "")
    ws.replace(DEVICES, "    warranty_until: 2028-05-31\n", "")
    found = ws.findings("AST002")
    assert [f.message for f in found] == ["设备“行情及网上交易前置服务器”（DEV-SRV-003）缺少设备清单内容：设备序列号（serial）、设备保修期（warranty_until）"]
    assert found[0].file == DEVICES and found[0].line == line_of(ws, DEVICES, "id: DEV-SRV-003")


def test_ast002_fires_when_device_owner_has_left(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-003", lambda d: d.update(owner="P020"))
    found = ws.findings("AST002")
    assert [f.message for f in found] == ["设备“入侵防御系统”（DEV-SEC-003）的使用责任人 韩冬（P020） 已不在职"]


# -- AST003 ------------------------------------------------------------------
def test_ast003_fires_without_start_record(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-003", lambda d: d.update(events=[e for e in d["events"] if e["type"] != "启用"]))
    found = ws.findings("AST003")
    assert [f.message for f in found] == ["设备“入侵防御系统”（DEV-SEC-003）状态为“在用”，但没有“启用”过程记录（events）"]
    assert found[0].line == line_of(ws, DEVICES, "status: 在用", start_after="id: DEV-SEC-003")


def test_ast003_fires_when_location_contradicts_transfer(ws):
    ws.replace(DEVICES, "    location: 主机房 C 列 01 机柜 U20-U37\n", "    location: 主机房 A 列 02 机柜 U20-U37\n")
    found = ws.findings("AST003")
    assert len(found) == 1 and "DEV-NET-002" in found[0].message and "不一致" in found[0].message
    assert found[0].line == line_of(ws, DEVICES, "location: 主机房 A 列 02 机柜 U20-U37")


def test_ast003_fires_on_scrapped_without_record_and_future_dates(ws):
    def change(d):
        d["events"] = [e for e in d["events"] if e["type"] != "报废"]
        d["events"].append({"date": dt.date(2026, 12, 1), "type": "其他", "description": "预登记"})
    edit(ws, DEVICES, "devices", "DEV-SRV-090", change)
    messages = [f.message for f in ws.findings("AST003")]
    assert "设备“原集中交易服务器”（DEV-SRV-090）已报废，但没有“报废”过程记录（events）" in messages
    assert "设备“原集中交易服务器”（DEV-SRV-090）的“其他”记录日期 2026-12-01 晚于检查日期" in messages


# -- AST004 ------------------------------------------------------------------
def test_ast004_fires_on_missing_fields(ws):
    ws.replace(SOFTWARE, "    maintenance_until: 2027-05-31\n", "")
    found = ws.findings("AST004")
    assert [f.message for f in found] == ["软件“云衢行情服务系统”（SW-002）缺少软件清单内容：软件维护期（maintenance_until）"]
    assert found[0].file == SOFTWARE and found[0].line == line_of(ws, SOFTWARE, "id: SW-002")


def test_ast004_does_not_require_installation_for_software_in_stock(ws):
    edit(ws, SOFTWARE, "software", "SW-008", lambda s: (s.update(status="在库"), s.pop("installed_on")))
    assert ws.findings("AST004") == []
    edit(ws, SOFTWARE, "software", "SW-008", lambda s: s.update(status="在用"))
    assert [f.message for f in ws.findings("AST004")] == ["软件“Zabbix 监控平台”（SW-008）缺少软件清单内容：软件安装设备（installed_on）"]


# -- AST005 ------------------------------------------------------------------
def test_ast005_fires_on_pirated_software(ws):
    ws.replace(SOFTWARE, "licence: {type: 商业许可, genuine: true, certificate: 授权证书 KY-", "licence: {type: 商业许可, genuine: false, certificate: 授权证书 KY-")
    found = ws.findings("AST005")
    assert [f.message for f in found] == ["软件“银河麒麟高级服务器操作系统”（SW-007）不是正版软件（licence.genuine: false），应使用正版软件"]
    assert found[0].line == line_of(ws, SOFTWARE, "genuine: false")


def test_ast005_fires_without_certificate(ws):
    edit(ws, SOFTWARE, "software", "SW-002", lambda s: s["licence"].pop("certificate"))
    assert [f.message for f in ws.findings("AST005")] == ["软件“云衢行情服务系统”（SW-002）未保存软件授权证书（licence.certificate）"]


def test_ast005_fires_on_expired_licence_and_too_many_installations(ws):
    edit(ws, SOFTWARE, "software", "SW-007", lambda s: s["licence"].update(expires=dt.date(2026, 10, 31), seats=4))
    messages = [f.message for f in ws.findings("AST005")]
    assert "软件“银河麒麟高级服务器操作系统”（SW-007）的授权已于 2026-10-31 到期，仍在使用" in messages
    assert "软件“银河麒麟高级服务器操作系统”（SW-007）安装在 6 台设备上，超过授权数量 4" in messages


# -- AST006 ------------------------------------------------------------------
def test_ast006_fires_when_version_contradicts_upgrade(ws):
    ws.replace(SOFTWARE, '    version: "6.2.0"\n', '    version: "6.3.0"\n')
    found = ws.findings("AST006")
    assert [f.message for f in found] == ["软件“青岚集中交易系统”（SW-001）的版本 6.3.0 与最近一次升级记录（2026-04-04）的版本 6.2.0 不一致"]
    assert found[0].line == line_of(ws, SOFTWARE, 'version: "6.3.0"')


def test_ast006_fires_without_scrap_record(ws):
    edit(ws, SOFTWARE, "software", "SW-090", lambda s: s.update(events=[e for e in s["events"] if e["type"] != "报废"]))
    assert [f.message for f in ws.findings("AST006")] == ["软件“Red Hat Enterprise Linux 6（原行情服务器）”（SW-090）已报废，但没有“报废”过程记录（events）"]


def test_ast006_fires_when_installation_contradicts_transfer(ws):
    edit(ws, SOFTWARE, "software", "SW-008", lambda s: s["events"].append(
        {"date": dt.date(2026, 3, 1), "type": "转移", "to": ["DEV-SRV-005"], "by": "P017"}))
    found = ws.findings("AST006")
    assert len(found) == 1 and "SW-008" in found[0].message and "DEV-SRV-005" in found[0].message


# -- AST007 ------------------------------------------------------------------
def test_ast007_fires_when_test_is_after_start(ws):
    ws.replace(DEVICES, "validation_test: {date: 2023-06-02,", "validation_test: {date: 2023-06-20,")
    found = ws.findings("AST007")
    assert [f.message for f in found] == ["设备“行情及网上交易前置服务器”（DEV-SRV-003）的验证性测试日期 2023-06-20 晚于启用日期 2023-06-10，应在投入使用前测试"]
    assert found[0].file == DEVICES and found[0].line == line_of(ws, DEVICES, "date: 2023-06-20")


def test_ast007_fires_without_test_record(ws):
    edit(ws, SOFTWARE, "software", "SW-002", lambda s: s.pop("validation_test"))
    found = ws.findings("AST007")
    assert [f.message for f in found] == ["软件“云衢行情服务系统”（SW-002）已于 2019-10-08 投入使用，但没有验证性测试记录（validation_test）"]
    assert found[0].file == SOFTWARE


def test_ast007_fires_on_failed_test_and_missing_record(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-003", lambda d: (d["validation_test"].update(result="不通过"), d["validation_test"].pop("record")))
    messages = [f.message for f in ws.findings("AST007")]
    assert "设备“入侵防御系统”（DEV-SEC-003）的验证性测试结论为“不通过”，却已投入使用" in messages
    assert "设备“入侵防御系统”（DEV-SEC-003）的验证性测试没有保留测试记录（validation_test.record）" in messages


def test_ast007_uses_first_start_record_without_in_service(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-003", lambda d: (d.pop("in_service"), d["validation_test"].update(date=dt.date(2024, 5, 12))))
    assert [f.message for f in ws.findings("AST007")] == [
        "设备“入侵防御系统”（DEV-SEC-003）的验证性测试日期 2024-05-12 晚于启用日期 2024-05-11，应在投入使用前测试"]


# -- AST008 ------------------------------------------------------------------
def test_ast008_fires_without_label(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-002", lambda d: d.update(label=False))
    found = ws.findings("AST008")
    assert [f.message for f in found] == ["设备“交易区防火墙”（DEV-SEC-002）没有在明显位置粘贴设备标识（label）"]
    assert found[0].line == line_of(ws, DEVICES, "label: false")


def test_ast008_fires_when_label_missing(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-007", lambda d: d.pop("label"))
    found = ws.findings("AST008")
    assert len(found) == 1 and found[0].line == line_of(ws, DEVICES, "id: DEV-SRV-007")


# -- AST009 ------------------------------------------------------------------
def test_ast009_fires_without_service_life(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-003", lambda d: d.pop("service_life_years"))
    edit(ws, SOFTWARE, "software", "SW-004", lambda s: s.pop("service_life_years"))
    messages = sorted(f.message for f in ws.findings("AST009"))
    assert messages == ["设备“行情及网上交易前置服务器”（DEV-SRV-003）没有规定使用年限（service_life_years）",
                        "软件“衡川清算系统”（SW-004）没有规定使用年限（service_life_years）"]


# -- AST010 ------------------------------------------------------------------
def test_ast010_warns_past_service_life(ws):
    edit(ws, DEVICES, "devices", "DEV-NET-004", lambda d: d.pop("life_extension"))
    found = ws.findings("AST010")
    assert [f.message for f in found] == [
        "设备“互联网接入路由器”（DEV-NET-004）已于 2026-01-11 达到 6 年使用年限，仍在使用；请评估后更换或办理超期使用审批（life_extension）"]
    assert found[0].severity == "warning"


def test_ast010_warns_when_extension_has_expired(ws):
    edit(ws, DEVICES, "devices", "DEV-NET-004", lambda d: d["life_extension"].update(until=dt.date(2026, 6, 30)))
    assert [f.message for f in ws.findings("AST010")] == [
        "设备“互联网接入路由器”（DEV-NET-004）已超过 6 年使用年限（2026-01-11 到期），超期使用批准也已于 2026-06-30 到期"]


# -- AST011 ------------------------------------------------------------------
def test_ast011_fires_when_inventory_is_overdue(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(inventory_interval_months=12))  # the default cycle
    found = ws.findings("AST011", as_of=dt.date(2027, 7, 1))
    assert sorted(f.message for f in found) == [
        "设备最近一次全面盘点于 2026-06-26，已超过 12 个月的盘点周期（应于 2027-06-26 前再次盘点），涉及 18 台设备",
        "软件最近一次全面盘点于 2026-06-26，已超过 12 个月的盘点周期（应于 2027-06-26 前再次盘点），涉及 11 个软件",
    ]
    device = next(f for f in found if f.file == DEVICES)
    assert device.line == line_of(ws, DEVICES, "date: 2026-06-26", start_after="inventories:")


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


# -- AST012 ------------------------------------------------------------------
def test_ast012_warns_before_warranty_ends(ws):
    ws.replace(DEVICES, "    warranty_until: 2028-05-31\n", "    warranty_until: 2026-12-15\n")
    found = ws.findings("AST012")
    assert [f.message for f in found] == ["设备“行情及网上交易前置服务器”（DEV-SRV-003）的保修期将于 2026-12-15 结束（24 天后），请及时续保或安排更换"]
    assert found[0].severity == "warning" and found[0].line == line_of(ws, DEVICES, "warranty_until: 2026-12-15")


def test_ast012_warns_after_warranty_ended_and_before_maintenance_ends(ws):
    edit(ws, DEVICES, "devices", "DEV-SEC-003", lambda d: d.update(warranty_until=dt.date(2026, 5, 1)))
    edit(ws, SOFTWARE, "software", "SW-002", lambda s: s.update(maintenance_until=dt.date(2027, 1, 10)))
    messages = [f.message for f in ws.findings("AST012")]
    assert "设备“入侵防御系统”（DEV-SEC-003）的保修期已于 2026-05-01 结束，仍在使用" in messages
    assert "软件“云衢行情服务系统”（SW-002）的维护期将于 2027-01-10 结束（50 天后），请及时续签维护" in messages


def test_ast012_ignores_devices_not_in_use(sample_result, ws):
    # DEV-SRV-090 (报废) and DEV-SRV-091 (停用) are long out of warranty in the sample.
    assert fired(sample_result, "AST012") == []


# -- AST013 ------------------------------------------------------------------
def test_ast013_fires_when_maintenance_has_ended(ws):
    ws.replace(SOFTWARE, "    maintenance_until: 2027-05-31\n", "    maintenance_until: 2026-10-31\n")
    found = ws.findings("AST013")
    assert [f.message for f in found] == ["软件“云衢行情服务系统”（SW-002）的维护期已于 2026-10-31 结束，仍在使用"]
    assert found[0].severity == "error" and found[0].line == line_of(ws, SOFTWARE, "maintenance_until: 2026-10-31")


# -- AST014 ------------------------------------------------------------------
def test_ast014_fires_on_offsite_repair_without_approval(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-006", lambda d: [e.pop("approval") for e in d["events"] if e["type"] == "维修"])
    found = ws.findings("AST014")
    assert [f.message for f in found] == ["设备“运维管理服务器”（DEV-SRV-006）2024-07-08 外送维修，但没有记录审批（approval）"]


def test_ast014_fires_on_offsite_repair_without_data_protection(ws):
    ws.replace(DEVICES, "        data_protection: 送修前拆除全部硬盘，编号封存于机房保险柜；送修单注明不含任何存储介质\n", "")
    found = ws.findings("AST014")
    assert [f.message for f in found] == ["设备“运维管理服务器”（DEV-SRV-006）2024-07-08 外送维修，但没有记录防止数据泄露的措施（data_protection）"]
    assert found[0].line == line_of(ws, DEVICES, "- date: 2024-07-08")


def test_ast014_fires_when_repair_does_not_say_whether_offsite(ws):
    ws.replace(DEVICES, "（现场更换）, offsite: false,", "（现场更换）,")
    assert [f.message for f in ws.findings("AST014")] == ["设备“UPS 不间断电源”（DEV-UPS-001）2025-08-14 的维修记录没有写明是否外送维修（offsite）"]


# -- AST015 ------------------------------------------------------------------
def test_ast015_fires_without_media_wiping(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-090", lambda d: d.pop("media_wiped"))
    found = ws.findings("AST015")
    assert [f.message for f in found] == ["设备“原集中交易服务器”（DEV-SRV-090）已报废，没有存储介质信息清除或销毁的记录（media_wiped）"]
    assert found[0].line == line_of(ws, DEVICES, "status: 报废")


def test_ast015_fires_without_witness_or_after_handover(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-091", lambda d: (d["media_wiped"].pop("witness"), d["media_wiped"].update(date=dt.date(2023, 7, 10))))
    messages = [f.message for f in ws.findings("AST015")]
    assert "设备“原行情服务器”（DEV-SRV-091）的介质清除或销毁记录缺少监督人（witness）" in messages
    assert "设备“原行情服务器”（DEV-SRV-091）的介质清除日期 2023-07-10 晚于移交日期 2023-07-06，应在移交前清除" in messages


def test_ast015_ignores_devices_without_storage_media(ws):
    edit(ws, DEVICES, "devices", "DEV-UPS-001", lambda d: d.update(status="停用"))
    assert ws.findings("AST015") == []
    edit(ws, DEVICES, "devices", "DEV-UPS-001", lambda d: d.pop("storage_media"))
    assert len(ws.findings("AST015")) == 1


# -- AST016 ------------------------------------------------------------------
def test_ast016_fires_without_handover(ws):
    edit(ws, DEVICES, "devices", "DEV-SRV-091", lambda d: d.pop("disposal"))
    found = ws.findings("AST016")
    assert [f.message for f in found] == ["设备“原行情服务器”（DEV-SRV-091）已停用，没有移交指定部门的记录（disposal）"]
    assert found[0].file == DEVICES


def test_ast016_fires_on_incomplete_software_handover(ws):
    edit(ws, SOFTWARE, "software", "SW-090", lambda s: s["disposal"].pop("record"))
    found = ws.findings("AST016")
    assert [f.message for f in found] == ["软件“Red Hat Enterprise Linux 6（原行情服务器）”（SW-090）的下线移交记录缺少记录（record）"]
    assert found[0].file == SOFTWARE


# -- AST017 ------------------------------------------------------------------
def test_ast017_fires_without_scrap_approval(ws):
    ws.replace(DEVICES, " approval: 资产报废审批单 ZC-BF-2019-017,", "")
    found = ws.findings("AST017")
    assert [f.message for f in found] == ["设备“原集中交易服务器”（DEV-SRV-090）已报废，没有资产报废审批记录（disposal.approval）"]
    assert found[0].line == line_of(ws, DEVICES, "disposal: {handed_to: 资产管理部门（计划财务部资产管理岗）, date: 2019-11-12")


def test_ast017_ignores_retired_but_not_scrapped(sample_result):
    # DEV-SRV-091 is 停用 (awaiting scrapping) without an approval yet: that is fine.
    assert fired(sample_result, "AST017") == []


# -- AST018 ------------------------------------------------------------------
def test_ast018_fires_on_software_installed_on_retired_device(ws):
    ws.replace(SOFTWARE, "    installed_on: [DEV-SRV-006]\n    purpose: 主机、网络和应用监控",
               "    installed_on: [DEV-SRV-006, DEV-SRV-091]\n    purpose: 主机、网络和应用监控")
    found = ws.findings("AST018")
    assert [f.message for f in found] == ["在用软件“Zabbix 监控平台”（SW-008）登记安装在已停用的设备“原行情服务器”（DEV-SRV-091）上"]
    assert found[0].line == line_of(ws, SOFTWARE, "installed_on: [DEV-SRV-006, DEV-SRV-091]")
