"""系统测试 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import due_around, findings, fired

REG = "registers/system_tests.yaml"
RULES = tuple(f"TST{n:03d}" for n in range(1, 19))


def edit(ws, key, record_id, fn):
    """Let ``fn(record)`` mutate one record of the list ``key``."""
    def change(data):
        (record,) = [r for r in data[key] if r["id"] == record_id]
        fn(record)
    ws.edit_yaml(REG, change)


def plan(ws, plan_id, fn):
    edit(ws, "plans", plan_id, fn)


def env(ws, env_id, fn):
    edit(ws, "environments", env_id, fn)


def prt(ws, test_id, fn):
    edit(ws, "production_tests", test_id, fn)


def line_of(ws, text, after=None):
    lines = ws.read(REG).split("\n")
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- plans ----------------------------------------------------------------------

def test_tst001_fires_without_methods(ws):
    plan(ws, "TST-2026-02", lambda p: (p.pop("methods"), p.pop("requirements")))
    found = ws.findings("TST001")
    assert [f.message for f in found] == ["测试方案 TST-2026-02（行情系统 V3.8 升级测试） 缺少：上线要求（requirements）、测试方法（methods）"]
    assert found[0].file == REG and found[0].line == line_of(ws, "id: TST-2026-02")


def test_tst001_fires_on_production_test_without_known_plan(ws):
    prt(ws, "PRT-2026-02", lambda t: t.update(plan="TST-2026-09"))
    assert [f.message for f in ws.findings("TST001")] == [
        "生产环境测试 PRT-2026-02（行情系统 V3.8 全公司测试） 所属的测试方案“TST-2026-09”不在测试方案列表（plans）中"]


def test_tst002_fires_on_missing_aspect(ws):
    plan(ws, "TST-2026-01", lambda p: p.update(aspects=["功能", "性能", "安全性", "稳定性"]))
    found = ws.findings("TST002")
    assert [f.message for f in found] == ["测试方案 TST-2026-01（集中交易系统 V6.2 升级测试） 未覆盖：容量"]
    assert found[0].line == line_of(ws, "aspects:", after="id: TST-2026-01")


def test_tst002_fires_on_aspect_without_cases(ws):
    plan(ws, "TST-2026-02", lambda p: p["cases"][3].update(count=0))  # 安全性
    assert [f.message for f in ws.findings("TST002")] == ["测试方案 TST-2026-02（行情系统 V3.8 升级测试） 的测试用例未覆盖：安全性"]


def test_tst003_fires_on_finished_plan_without_report(ws):
    plan(ws, "TST-2026-01", lambda p: p.pop("report"))
    assert [f.message for f in ws.findings("TST003")] == ["测试方案 TST-2026-01（集中交易系统 V6.2 升级测试） 已完成，但没有测试报告（report）"]


def test_tst003_fires_on_report_without_analysis(ws):
    plan(ws, "TST-2026-02", lambda p: p["report"].pop("analysis"))
    assert [f.message for f in ws.findings("TST003")] == ["测试方案 TST-2026-02（行情系统 V3.8 升级测试） 的测试报告缺少：测试结果分析评估（analysis）"]


def test_tst003_quiet_while_testing(ws):
    # TST-2026-03 is still being tested and has no report.
    plan(ws, "TST-2026-03", lambda p: p.pop("report", None))
    assert ws.findings("TST003") == []


def test_tst004_fires_without_equipment(ws):
    plan(ws, "TST-2026-03", lambda p: p["resources"].pop("equipment"))
    assert [f.message for f in ws.findings("TST004")] == [
        "测试方案 TST-2026-03（融资融券系统 2026 年第四季度版本测试） 未写明设备资源（resources.equipment）"]


# -- simulation environments ---------------------------------------------------------

def test_tst005_fires_on_unknown_environment(ws):
    plan(ws, "TST-2026-02", lambda p: p.update(environment="ENV-SIM-09"))
    assert [f.message for f in ws.findings("TST005")] == [
        "测试方案 TST-2026-02（行情系统 V3.8 升级测试） 所用的模拟环境“ENV-SIM-09”未在 environments 中登记"]


def test_tst005_fires_on_shared_environment(ws):
    env(ws, "ENV-SIM-01", lambda e: e.update(independent=False))
    found = ws.findings("TST005")
    assert [f.message for f in found] == ["模拟环境 ENV-SIM-01（集中交易模拟环境） 未确认为独立的模拟环境（independent: true）"]
    assert found[0].line == line_of(ws, "independent: false")


def test_tst005_fires_when_the_environment_cannot_hold_the_tested_system(ws):
    # the quote system test claims ENV-SIM-01, which has no quote system
    plan(ws, "TST-2026-02", lambda p: p.update(environment="ENV-SIM-01"))
    assert [f.message for f in findings(ws, "TST005")] == [
        "测试方案 TST-2026-02（行情系统 V3.8 升级测试） 的被测系统 CI-APP-QUOTE 不在所用的"
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 中（systems）：该环境无法模拟这些系统"]


def test_tst005_quiet_when_the_environment_holds_more_than_tested(ws):
    env(ws, "ENV-SIM-02", lambda e: e["systems"].append("CI-APP-ACCOUNT"))  # a bigger environment is fine
    assert findings(ws, "TST005") == []


def test_tst006_fires_on_different_architecture(ws):
    env(ws, "ENV-SIM-02", lambda e: e.update(consistent_architecture=False))
    assert [f.message for f in ws.findings("TST006")] == [
        "模拟环境 ENV-SIM-02（行情与互联网应用模拟环境） 未确认逻辑架构与生产环境一致（consistent_architecture: true）"]


def test_tst006_architecture_is_read_from_the_cmdb(ws):
    # the flag still says consistent, but the margin system's database is missing from the environment
    env(ws, "ENV-SIM-01", lambda e: e["systems"].remove("CI-DB-MARGIN"))
    assert [f.message for f in findings(ws, "TST006")] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 包含 CI-APP-MARGIN，但没有它在生产环境中依赖的 CI-DB-MARGIN"
        "（registers/configuration.yaml 的 relations：依赖），逻辑架构与生产环境不一致"]


def test_tst006_quiet_when_dependencies_are_simulated(ws):
    env(ws, "ENV-SIM-02", lambda e: e["systems"].extend(["CI-APP-TRADE", "CI-DB-TRADE"]))  # more, all complete
    assert findings(ws, "TST006") == []


def test_tst007_fires_when_not_separated(ws):
    env(ws, "ENV-SIM-01", lambda e: e.pop("separate_from_production"))
    assert [f.message for f in ws.findings("TST007")] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 未确认与生产环境分离（separate_from_production: true），不得对生产环境进行干扰"]


def test_tst007_fires_without_isolation_measures(ws):
    env(ws, "ENV-SIM-01", lambda e: e.pop("isolation"))
    assert [f.message for f in ws.findings("TST007")] == ["模拟环境 ENV-SIM-01（集中交易模拟环境） 没有写明与生产环境的隔离措施（isolation）"]


def test_tst007_fires_without_an_isolation_check(ws):
    # before: separate_from_production: true and a sentence were enough
    env(ws, "ENV-SIM-02", lambda e: e.pop("isolation_checks"))
    found = ws.findings("TST007")
    assert [f.message for f in found] == [
        "模拟环境 ENV-SIM-02（行情与互联网应用模拟环境） 没有隔离验证记录（isolation_checks）：应至少每 12 个月检查一次"
        "（settings.simulation_isolation_check_months），记下日期、检查人、方法、结果和记录"]
    assert found[0].file == REG


def test_tst007_fires_on_an_old_or_failed_isolation_check(ws):
    env(ws, "ENV-SIM-01", lambda e: e["isolation_checks"].pop())  # the 2026 check: the latest is 2025-07-11
    assert [f.message for f in ws.findings("TST007")] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 最近一次隔离验证在 2025-07-11，已超过 12 个月"
        "（settings.simulation_isolation_check_months），应于 2026-07-11 前再检查一次"]
    env(ws, "ENV-SIM-02", lambda e: e["isolation_checks"][0].update(result="未通过"))
    assert any("最近一次隔离验证（2026-06-12）未通过" in f.message for f in ws.findings("TST007"))


def test_tst007_next_isolation_check_due_a_year_after_the_last(ws):
    env(ws, "ENV-SIM-01", lambda e: e["isolation_checks"].pop())  # the latest is 2025-07-11
    obligation = due_around(ws, "TST007", "ENV-SIM-01", dt.date(2026, 7, 11))
    assert obligation.what == "对模拟环境 ENV-SIM-01（集中交易模拟环境）进行隔离验证"
    assert obligation.owner == "P007"  # the security administrator (positions.yaml security-admin)


def test_tst007_quiet_with_a_stricter_cycle_met(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(simulation_isolation_check_months=6))
    assert ws.findings("TST007") == []  # both checks on 2026-06-12 are within six months of 2026-11-21
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(simulation_isolation_check_months=4))
    assert len(ws.findings("TST007")) == 2


def test_tst007_fires_when_an_incident_names_the_environment_until_reverified(ws):
    def interference(d):
        d["incidents"][3]["cause"] = "ENV-SIM-01 压力测试流量经误开的防火墙策略进入生产网，交易网关拥塞"
    ws.edit_yaml("registers/incidents.yaml", interference)
    found = ws.findings("TST007")
    assert len(found) == 1 and found[0].file == "registers/incidents.yaml"
    assert found[0].message.startswith("事件 INC-2026-004 涉及 模拟环境 ENV-SIM-01（集中交易模拟环境）（2026-11-10 发现），模拟环境不得对生产环境进行干扰")
    env(ws, "ENV-SIM-01", lambda e: e["isolation_checks"].append(
        {"date": dt.date(2026, 11, 13), "by": "P007", "method": "整改后复扫", "result": "通过", "record": "GL-2026-03"}))
    assert ws.findings("TST007") == []


def test_tst008_fires_when_a_different_model_has_no_risk(ws):
    # before: any sentence in equipment_differences passed; now the difference comes from the device register
    env(ws, "ENV-SIM-01", lambda e: e["equipment_items"][0].pop("risk"))
    found = ws.findings("TST008")
    assert [f.message for f in found] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 的交易服务器（华为 RH2288H V3）与生产设备不同"
        "（DEV-SRV-001 为 华为 FusionServer 2288H V5；DEV-SRV-002 为 华为 FusionServer 2288H V5），"
        "没有识别由此带来的测试结果正确性风险：在 risk 中写明影响和应对"]
    assert found[0].line == line_of(ws, "model: 华为 RH2288H V3")


def test_tst008_fires_on_fewer_devices_or_no_counterpart(ws):
    env(ws, "ENV-SIM-01", lambda e: e["equipment_items"][1].update(count=1, production_devices=["DEV-SRV-005", "DEV-SRV-004"]))
    assert [f.message for f in ws.findings("TST008")] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 的数据库服务器（华为 FusionServer 2288H V5）与生产设备不同"
        "（数量 1 台，少于生产的 2 台），没有识别由此带来的测试结果正确性风险：在 risk 中写明影响和应对"]


def test_tst008_fires_without_items_or_on_a_retired_counterpart(ws):
    env(ws, "ENV-SIM-02", lambda e: e["equipment_items"][1].pop("risk"))
    env(ws, "ENV-SIM-01", lambda e: e.pop("equipment_items"))
    env(ws, "ENV-SIM-02", lambda e: e["equipment_items"][0].update(production_devices=["DEV-SRV-091"], risk="同系列"))
    assert sorted(f.message for f in ws.findings("TST008")) == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 没有登记测试设备明细（equipment_items）：逐类写明型号、数量和对应的生产设备（设备清单编号），与生产不同的写明风险（risk）",
        "模拟环境 ENV-SIM-02（行情与互联网应用模拟环境） 的行情服务器 对应的生产设备 DEV-SRV-091 已停用，不是现在的生产设备：按现在的生产设备更新 production_devices",
        "模拟环境 ENV-SIM-02（行情与互联网应用模拟环境） 的门户 Web 服务器 没有对应的生产设备（production_devices），无法确认与生产相同：写明对应的生产设备，或在 risk 中写明设备不同带来的测试结果风险",
    ]


def test_tst008_quiet_when_the_test_equipment_matches_or_exceeds_production(ws):
    # same model, more units than production: stricter than needed, no risk to write
    def same_as_production(e):
        item = e["equipment_items"][0]
        item.pop("risk")
        item.update(model="华为 FusionServer  2288H V5", count=3)  # spacing differs: the same model
    env(ws, "ENV-SIM-01", same_as_production)
    assert ws.findings("TST008") == []


def test_tst008_ignores_unused_environment(ws):
    ws.edit_yaml(REG, lambda d: d["environments"].append({"id": "ENV-SIM-09", "name": "待建环境"}))
    assert ws.findings("TST008") == []


def test_tst009_fires_on_shared_passwords(ws):
    env(ws, "ENV-SIM-02", lambda e: e.update(passwords_distinct=False))
    found = ws.findings("TST009")
    assert [f.message for f in found] == [
        "模拟环境 ENV-SIM-02（行情与互联网应用模拟环境） 未确认密码与生产系统严格区分（passwords_distinct: true）"]


def test_tst009_fires_without_a_recent_password_check(ws):
    # before: passwords_distinct: true and a sentence were enough
    env(ws, "ENV-SIM-02", lambda e: e.pop("password_checks"))
    assert [f.message for f in ws.findings("TST009")] == [
        "模拟环境 ENV-SIM-02（行情与互联网应用模拟环境） 没有密码区分抽查记录（password_checks）：应至少每 3 个月检查一次"
        "（settings.simulation_password_check_months），记下日期、检查人、方法、结果和记录"]
    env(ws, "ENV-SIM-01", lambda e: e["password_checks"].pop())  # latest now 2026-06-26: over the sample's 3 months
    assert any(f.message == "模拟环境 ENV-SIM-01（集中交易模拟环境） 最近一次密码区分抽查在 2026-06-26，已超过 3 个月"
               "（settings.simulation_password_check_months），应于 2026-09-26 前再检查一次" for f in ws.findings("TST009"))


def test_tst009_fires_on_a_failed_check_or_a_self_check(ws):
    env(ws, "ENV-SIM-01", lambda e: e["password_checks"][-1].update(result="未通过", by="P010"))
    assert sorted(f.message for f in ws.findings("TST009")) == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 2026-09-25 的密码区分抽查由本环境的系统管理员 黄丽（P010） 进行，自查不能证明区分：应由其他人员抽查",
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 最近一次密码区分抽查（2026-09-25）未通过：整改后重新检查，记下结果为“通过”的检查",
    ]


def test_tst009_next_password_check_due_a_quarter_after_the_last(ws):
    obligation = due_around(ws, "TST009", "ENV-SIM-01", dt.date(2026, 12, 25))  # 2026-09-25, the sample checks quarterly
    assert obligation.what == "对模拟环境 ENV-SIM-01（集中交易模拟环境）进行密码区分抽查" and obligation.owner == "P007"


def test_tst009_the_next_check_is_never_owned_by_the_environments_own_administrator(ws):
    env(ws, "ENV-SIM-01", lambda e: e.update(admins=["P010", "P007"]))
    env(ws, "ENV-SIM-01", lambda e: e["password_checks"][-1].update(by="P012"))
    (obligation,) = [o for o in ws.due("TST009") if "ENV-SIM-01" in o.what]
    assert obligation.owner == "P012"  # the security administrator administers it: whoever checked last
    env(ws, "ENV-SIM-01", lambda e: e["password_checks"][-1].update(by="P010"))
    (obligation,) = [o for o in ws.due("TST009") if "ENV-SIM-01" in o.what]
    assert obligation.owner is None  # nobody fit to check: the register's maintainer


def test_tst009_default_cycle_is_a_year_and_a_check_after_the_as_of_date_does_not_count(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].pop("simulation_password_check_months"))
    env(ws, "ENV-SIM-01", lambda e: e.update(password_checks=[e["password_checks"][0]]))  # 2025-12-26 only
    assert ws.findings("TST009") == []  # within the default 12 months
    env(ws, "ENV-SIM-01", lambda e: e.update(password_checks=[
        {"date": dt.date(2026, 12, 1), "by": "P007", "result": "通过"}]))
    assert [f.message[:60] for f in ws.findings("TST009")] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 没有密码区分抽查记录（password_checks）：应至少每 12 个月检查一次"[:60]]


def test_tst010_warns_on_same_admin(ws):
    env(ws, "ENV-SIM-01", lambda e: e.update(admins=["P010", "P005"]))
    found = ws.findings("TST010")
    assert [f.message for f in found] == ["模拟环境 ENV-SIM-01（集中交易模拟环境） 的系统管理员 刘洋（P005） 同时是生产系统管理员，宜由不同人员担任"]
    assert found[0].severity == "warning"


def test_tst010_production_admin_is_known_from_the_positions_register(ws):
    # production_admins no longer lists P005, but positions.yaml still makes P005 the system admin
    env(ws, "ENV-SIM-01", lambda e: e.update(admins=["P005"], production_admins=["P010"]))
    found = findings(ws, "TST010")
    assert [f.message for f in found] == [
        "模拟环境 ENV-SIM-01（集中交易模拟环境） 的系统管理员 刘洋（P005） 是生产系统管理员岗位"
        "（positions.yaml 中 system-admin 的主岗），宜由不同人员担任"]


# -- production tests ------------------------------------------------------------

PRT1 = "生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试）"
PRT2 = "生产环境测试 PRT-2026-02（行情系统 V3.8 全公司测试）"


def item(test, content, system=None):
    """The backup item of ``content`` (for ``system``) in a production test's backup_before."""
    return next(i for i in test["backup_before"]["items"] if i["content"] == content and (system is None or system in i["systems"]))


def test_tst011_fires_on_ticked_boxes_without_evidence(ws):
    # the old form: two booleans and a time; nothing shows what was backed up (before: quiet)
    prt(ws, "PRT-2026-01", lambda t: t.update(backup_before={
        "time": "2026-03-28 07:30", "data": True, "configuration": True, "record": "备份记录 BK-2026-0328"}))
    assert [f.message for f in ws.findings("TST011")] == [
        f"{PRT1} 的测试前备份没有备份明细（backup_before.items）：写明备份了哪些系统的数据和配置、何时完成、结果如何，"
        "勾选“已备份”不能证明"]


def test_tst011_fires_when_a_tested_system_has_no_configuration_backup(ws):
    prt(ws, "PRT-2026-01", lambda t: t["backup_before"]["items"].remove(item(t, "配置", "CI-DB-TRADE")))
    found = ws.findings("TST011")
    assert [f.message for f in found] == [
        f"{PRT1} 测试前没有成功备份 集中交易数据库（CI-DB-TRADE） 的配置：测试前应备份当前系统的数据和配置"]
    assert found[0].line == line_of(ws, "items:", after="id: PRT-2026-01")


def test_tst011_fires_on_a_failed_backup_and_a_contradicting_box(ws):
    prt(ws, "PRT-2026-02", lambda t: item(t, "数据").update(result="失败"))
    prt(ws, "PRT-2026-01", lambda t: t["backup_before"].update(configuration=False))
    assert sorted(f.message for f in ws.findings("TST011")) == sorted([
        f"{PRT2} 的数据备份“行情快照与昨收价基础数据导出”结果为“失败”，不能作为测试前备份",
        f"{PRT1} 写明未备份配置（configuration: false），与备份明细不一致"])


def test_tst011_fires_on_a_backup_taken_before_the_last_trading_session(ws):
    # the quote system's data was saved on Friday 14:00; Friday afternoon's trading came after it
    prt(ws, "PRT-2026-02", lambda t: item(t, "数据").update(time="2026-11-06 14:00"))
    found = ws.findings("TST011")
    assert len(found) == 1  # one finding: the backup is no evidence, the missing data backup is the same problem
    assert found[0].message.startswith(f"{PRT2} 的数据备份“行情快照与昨收价基础数据导出”完成于 2026-11-06 14:00，"
                                       "此后到测试开始（2026-11-07 09:00）之间还有交易时段 2026-11-06（周五）")
    assert found[0].message.endswith("备份的已不是测试时系统的当前状态，应在最后一个交易时段结束后重新备份")


def test_tst011_fires_on_backup_after_start(ws):
    prt(ws, "PRT-2026-02", lambda t: t["backup_before"].update(time="2026-11-07 09:30"))
    assert [f.message for f in ws.findings("TST011")] == [
        f"{PRT2} 的备份时间 2026-11-07 09:30 晚于测试开始 2026-11-07 09:00"]
    prt(ws, "PRT-2026-02", lambda t: (t["backup_before"].pop("time"), item(t, "配置").update(time="2026-11-07 09:30")))
    assert [f.message for f in ws.findings("TST011")] == [
        f"{PRT2} 的配置备份“行情系统程序目录与行情源配置打包”完成于 2026-11-07 09:30，晚于测试开始 2026-11-07 09:00"]


def test_tst011_quiet_on_more_than_required(ws):
    # a backup after Friday's close, one right at the start, extra systems, and the booleans kept beside the evidence
    def more(t):
        item(t, "数据").update(time="2026-11-06 17:30")
        item(t, "配置").update(time="2026-11-07 09:00", systems=["CI-APP-QUOTE", "CI-APP-ONLINE"])
        t["backup_before"].update(data=True, configuration=True)
        t["backup_before"]["items"].append({"content": "数据", "systems": ["CI-APP-QUOTE"], "what": "二次导出",
                                            "time": "2026-11-07 08:50", "result": "成功"})
    prt(ws, "PRT-2026-02", more)
    assert ws.findings("TST011") == []


def test_tst011_quiet_for_planned_test(sample_result):
    assert not any("PRT-2026-03" in f.message for f in fired(sample_result, "TST011"))


def test_tst012_fires_without_announcement(ws):
    prt(ws, "PRT-2026-01", lambda t: t.pop("announcement"))
    found = ws.findings("TST012")
    assert [f.message for f in found] == [
        "生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试） 没有发布系统测试公告的记录（announcement.date），测试开始于 2026-03-28 08:30"]


def test_tst012_fires_on_announcement_on_the_day(ws):
    prt(ws, "PRT-2026-02", lambda t: t["announcement"].update(date=dt.date(2026, 11, 7)))
    assert [f.message for f in ws.findings("TST012")] == [
        "生产环境测试 PRT-2026-02（行情系统 V3.8 全公司测试） 的测试公告于 2026-11-07 发布，测试开始于 2026-11-07 09:00："
        "应至少提前 1 天（settings.test_announcement_days），即不晚于 2026-11-06 发布"]


def test_tst012_planned_test_needs_announcement_only_when_near(ws):
    # PRT-2026-03 starts on 2026-12-12 and has no announcement yet.
    assert ws.findings("TST012") == []
    found = ws.findings("TST012", as_of=dt.date(2026, 12, 11))
    assert len(found) == 1 and "PRT-2026-03" in found[0].message


def test_tst013_fires_when_organiser_is_not_operations_staff(ws):
    prt(ws, "PRT-2026-02", lambda t: t.update(organiser="P019"))
    found = ws.findings("TST013")
    assert len(found) == 1 and "宋佳（P019） 不在任何运维岗位上" in found[0].message


def test_tst013_fires_without_organiser(ws):
    prt(ws, "PRT-2026-03", lambda t: t.pop("organiser"))
    assert [f.message for f in ws.findings("TST013")] == [
        "生产环境测试 PRT-2026-03（融资融券系统第四季度版本全网测试） 没有指定组织人（organiser）"]


def test_tst014_fires_without_upgrade_design(ws):
    prt(ws, "PRT-2026-01", lambda t: t["upgrade"].pop("contingency"))
    assert [f.message for f in ws.findings("TST014")] == [
        "生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试） 缺少：应急预案（upgrade.contingency）"]


def test_tst014_fires_when_the_upgrade_change_began_before_the_test_ended(ws):
    # before: any change number passed; CHG-2026-012 (V6.2, 2026-04-04) named for a test held after it
    prt(ws, "PRT-2026-02", lambda t: t["upgrade"].update(change="CHG-2026-012"))
    assert [f.message for f in ws.findings("TST014")] == [
        "生产环境测试 PRT-2026-02（行情系统 V3.8 全公司测试） 的升级变更 CHG-2026-012 在 2026-04-04 09:00 开始实施，"
        "早于测试结束（2026-11-07 12:00）：升级过程应根据测试结果设计，请核对变更编号或时间"]


def test_tst014_quiet_when_the_upgrade_follows_the_test(ws):
    # the sample: CHG-2026-052 starts 2026-11-14, a week after the test; a change right after the test is fine too
    ws.edit_yaml("registers/changes.yaml", lambda d: [c["window"].update(start="2026-11-07 12:00") for c in d["changes"]
                                                      if c["id"] == "CHG-2026-052"])
    assert ws.findings("TST014") == []


def test_tst015_fires_when_related_system_users_not_coordinated(ws):
    prt(ws, "PRT-2026-01", lambda t: t["related_systems"][1].pop("participants"))
    found = ws.findings("TST015")
    assert [f.message for f in found] == [
        "生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试） 涉及相关系统“清算系统”，但没有写明参与测试的该系统用户（participants）"]


def test_tst015_reads_the_systems_involved_from_the_configuration_register(ws):
    # before: only the related systems a test listed itself were checked; 融资融券 depends on 集中交易 in the CMDB
    prt(ws, "PRT-2026-01", lambda t: t.update(related_systems=[r for r in t["related_systems"] if r["system"] != "CI-APP-MARGIN"]))
    found = ws.findings("TST015")
    assert [f.message for f in found] == [
        "生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试） 测试的 CI-APP-TRADE 被 融资融券系统（CI-APP-MARGIN）依赖"
        "（registers/configuration.yaml 的 relations），测试内容涉及该系统：应协调它的用户参与测试，"
        "在 related_systems 中写明该系统（system）和参与的用户（participants）"]
    assert found[0].file == REG and found[0].line == line_of(ws, "related_systems:")


def test_tst015_quiet_when_dependants_are_tested_listed_or_retired(ws):
    # 行情系统 has no dependant in the CMDB: listing 网上交易系统 anyway (more than required) is fine
    assert ws.findings("TST015") == []
    # a dependant that is itself under test needs no coordination as a related system
    prt(ws, "PRT-2026-01", lambda t: (t.update(related_systems=[r for r in t["related_systems"] if r["system"] != "CI-APP-MARGIN"]),
                                      t["systems"].append("CI-APP-MARGIN")))
    assert ws.findings("TST015") == []
    # a retired dependant is not involved
    prt(ws, "PRT-2026-01", lambda t: t["systems"].remove("CI-APP-MARGIN"))
    ws.edit_yaml("registers/configuration.yaml", lambda d: [i.update(status="下线") for i in d["items"] if i["id"] == "CI-APP-MARGIN"])
    assert ws.findings("TST015") == []


def test_tst016_fires_on_core_test_within_one_department(ws):
    prt(ws, "PRT-2026-02", lambda t: t.update(scope="相关部门"))
    assert [f.message for f in ws.findings("TST016")] == [
        "生产环境测试 PRT-2026-02（行情系统 V3.8 全公司测试） 是核心交易业务系统的上线测试，测试范围应为“全市场”或“全公司”（当前为“相关部门”）"]


def test_tst016_reads_core_flag_from_configuration(ws):
    # Without core_trading, CI-APP-QUOTE's core: true in the configuration register decides.
    prt(ws, "PRT-2026-02", lambda t: (t.pop("core_trading"), t.update(scope="相关部门")))
    assert len(ws.findings("TST016")) == 1
    # before: the test's own core_trading: false took the core 行情系统 out of scope; the CMDB decides
    prt(ws, "PRT-2026-02", lambda t: t.update(core_trading=False))
    assert len(ws.findings("TST016")) == 1
    # a system the CMDB does not mark core: quiet, unless the test itself says it is core trading
    prt(ws, "PRT-2026-02", lambda t: t.update(systems=["CI-APP-PORTAL"]))
    assert ws.findings("TST016") == []
    prt(ws, "PRT-2026-02", lambda t: t.update(core_trading=True))
    assert len(ws.findings("TST016")) == 1


def test_tst016_quiet_for_non_go_live_test(ws):
    prt(ws, "PRT-2026-02", lambda t: t.update(scope="相关部门", purpose="变更验证"))
    assert ws.findings("TST016") == []


def test_tst017_fires_on_unverified_restore(ws):
    prt(ws, "PRT-2026-02", lambda t: t["restore"].update(verified=False))
    found = ws.findings("TST017")
    assert [f.message for f in found] == [
        "生产环境测试 PRT-2026-02（行情系统 V3.8 全公司测试） 的恢复记录缺少：恢复有效性验证（verified: true）"]


def test_tst017_fires_when_production_is_restored_only_after_trading_opened(ws):
    # before: any restore time after the test's start passed; 2026-03-30 is a Monday, trading from 09:15
    prt(ws, "PRT-2026-01", lambda t: t["restore"].update(time="2026-03-30 10:00"))
    found = ws.findings("TST017")
    assert len(found) == 1 and found[0].line == line_of(ws, "time: 2026-03-30 10:00")
    assert found[0].message.startswith("生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试） 测试结束（2026-03-28 17:00）后到 "
                                       "2026-03-30 10:00 才恢复生产环境，其间有交易时段：")
    assert found[0].message.endswith("应在下一交易时段开始前恢复并验证")


def test_tst017_quiet_when_restored_before_the_next_session(ws):
    # Sunday night, long before Monday's opening: in time
    prt(ws, "PRT-2026-01", lambda t: t["restore"].update(time="2026-03-29 23:30"))
    assert ws.findings("TST017") == []


def test_tst017_warns_when_the_days_before_the_restore_are_unknown(ws):
    prt(ws, "PRT-2026-03", lambda t: t.update(status="已完成", window={"start": "2026-12-31 17:00", "end": "2026-12-31 20:00"},
                                             restore={"time": "2027-01-04 08:00", "verified": True, "verification": "核对", "record": "RV"}))
    found = ws.findings("TST017")
    assert [f.severity for f in found] == ["warning"] and "2027 年的休市安排尚未补录" in found[0].message


def test_tst017_fires_without_restore(ws):
    prt(ws, "PRT-2026-01", lambda t: t.pop("restore"))
    assert [f.message for f in ws.findings("TST017")] == [
        "生产环境测试 PRT-2026-01（集中交易系统 V6.2 上线全网测试） 没有测试后恢复生产环境的记录（restore）"]


def test_tst018_fires_in_trading_hours(ws):
    prt(ws, "PRT-2026-03", lambda t: t.update(window={"start": "2026-12-11 14:30", "end": "2026-12-11 18:00"}))
    found = ws.findings("TST018")
    assert [f.message for f in found] == [
        "生产环境测试 PRT-2026-03（融资融券系统第四季度版本全网测试） 的测试时间 2026-12-11 14:30–18:00 与交易时段重叠："
        "2026-12-11（周五）下午交易时段（含盘后固定价格交易） 13:00–15:30；交易时段不得使用生产环境进行测试"]
    assert found[0].line == line_of(ws, "start: 2026-12-11 14:30")


def test_tst018_has_no_emergency_exception_and_checks_unknown_days(ws):
    prt(ws, "PRT-2026-03", lambda t: t.update(window={"start": "2027-01-04 10:00", "end": "2027-01-04 11:00"}))
    found = ws.findings("TST018")
    assert len(found) == 1 and found[0].severity == "warning"
    assert "2027-01-04" in found[0].message and "2027 年的休市安排尚未补录" in found[0].message


def test_tst018_fires_without_window(ws):
    prt(ws, "PRT-2026-03", lambda t: t.pop("window"))
    assert [f.message for f in ws.findings("TST018")] == [
        "生产环境测试 PRT-2026-03（融资融券系统第四季度版本全网测试） 没有完整的测试时间（window.start、window.end），无法确认不在交易时段"]


def test_tst018_quiet_on_weekend_and_holiday(ws):
    prt(ws, "PRT-2026-03", lambda t: t.update(window={"start": "2026-10-02 09:00", "end": "2026-10-02 17:00"}))
    assert ws.findings("TST018") == []
