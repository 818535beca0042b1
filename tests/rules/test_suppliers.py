"""供应商管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import findings, fired

SUPPLIERS = "registers/suppliers.yaml"
RULES = [f"SUP{n:03d}" for n in range(1, 15)]


def line_of(ws, text, start_after=None):
    lines = ws.read(SUPPLIERS).split("\n")
    begin = 0
    if start_after is not None:
        begin = next(i for i, line in enumerate(lines) if start_after in line)
    return next(i for i, line in enumerate(lines) if i >= begin and text in line) + 1


def supplier(ws, sid, change):
    ws.edit_yaml(SUPPLIERS, lambda d: change(next(s for s in d["suppliers"] if s["id"] == sid)))


def outsourcing(ws, change):
    ws.edit_yaml(SUPPLIERS, lambda d: change(d["outsourcing"][0]))


def person(data, name):
    return next(p for p in data["staff"] if p["name"] == name)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def test_no_traceback_on_minimal_records(ws):
    def minimal(data):
        data["suppliers"].append({"id": "SUP-099", "name": "新供应商"})
        data["outsourcing"].append({"id": "OUT-099", "supplier": "SUP-099", "staff": [{"name": "某人", "resident": True}]})
    ws.edit_yaml(SUPPLIERS, minimal)
    result = ws.check()
    assert not [f for f in result.findings if f.rule == "INT001"]
    rules = {f.rule for f in result.findings if "SUP-099" in f.message or "OUT-099" in f.message}
    assert {"SUP001", "SUP002", "SUP003", "SUP005", "SUP006", "SUP008", "SUP009", "SUP010", "SUP011",
            "SUP012", "SUP013", "SUP014"} <= rules


def test_terminated_suppliers_are_not_checked(ws):
    supplier(ws, "SUP-006", lambda s: (s.update(status="已终止"), s.pop("contract"), s.pop("evaluations")))
    result = ws.check()
    assert not [f for f in result.findings if f.rule.startswith("SUP") and "SUP-006" in f.message]


# -- SUP001 ------------------------------------------------------------------
def test_sup001_fires_without_scope(ws):
    ws.replace(SUPPLIERS, "      scope: 账户系统技术支持、中登接口变更适配、适当性管理规则更新；故障响应 30 分钟\n", "")
    found = ws.findings("SUP001")
    assert [f.message for f in found] == ["供应商“北辰信通科技有限公司”（SUP-003）的合同缺少：服务要求和范围（contract.scope）"]
    assert found[0].file == SUPPLIERS and found[0].line == line_of(ws, "contract:", start_after="id: SUP-003")


def test_sup001_fires_without_contract_or_when_expired(ws):
    supplier(ws, "SUP-006", lambda s: s.pop("contract"))
    supplier(ws, "SUP-002", lambda s: s["contract"].update(expires=dt.date(2026, 10, 31)))
    messages = [f.message for f in ws.findings("SUP001")]
    assert "供应商“沪联通信服务有限公司”（SUP-006）没有合同记录（contract）" in messages
    assert "供应商“云衢数据科技有限公司”（SUP-002）的合同已于 2026-10-31 到期，仍在合作中" in messages


# -- SUP002 ------------------------------------------------------------------
def test_sup002_fires_without_confidentiality_agreement(ws):
    supplier(ws, "SUP-005", lambda s: s.pop("confidentiality_agreement"))
    found = ws.findings("SUP002")
    assert [f.message for f in found] == ["供应商“远拓计算机系统有限公司”（SUP-005）没有签署保密协议的记录（confidentiality_agreement.signed）"]
    assert found[0].line == line_of(ws, "id: SUP-005")


def test_sup002_fires_when_agreement_expired_or_not_filed(ws):
    supplier(ws, "SUP-008", lambda s: (s["confidentiality_agreement"].update(until=dt.date(2026, 1, 1)),
                                       s["confidentiality_agreement"].pop("record")))
    messages = [f.message for f in ws.findings("SUP002")]
    assert "供应商“浦江物业管理有限公司”（SUP-008）的保密协议已于 2026-01-01 到期" in messages
    assert "供应商“浦江物业管理有限公司”（SUP-008）的保密协议没有记录存放位置（confidentiality_agreement.record）" in messages


# -- SUP003 ------------------------------------------------------------------
def test_sup003_fires_on_incomplete_commitment(ws):
    supplier(ws, "SUP-002", lambda s: s["commitment_letter"].update(covers=["无恶意代码或未授权功能"]))
    found = ws.findings("SUP003")
    assert [f.message for f in found] == ["供应商“云衢数据科技有限公司”（SUP-002）的承诺书未包括：无违反法律法规的功能模块、符合行业技术规范和技术指引"]


def test_sup003_fires_without_commitment_letter(ws):
    supplier(ws, "SUP-006", lambda s: s.pop("commitment_letter"))
    found = ws.findings("SUP003")
    assert [f.message for f in found] == ["供应商“沪联通信服务有限公司”（SUP-006）没有签署承诺书的记录（commitment_letter.signed）"]
    assert found[0].line == line_of(ws, "id: SUP-006")


def test_sup003_accepts_a_reasoned_exemption_only(ws):
    supplier(ws, "SUP-008", lambda s: s["commitment_letter"].update(not_applicable="  "))
    assert [f.message for f in ws.findings("SUP003")] == ["供应商“浦江物业管理有限公司”（SUP-008）没有签署承诺书的记录（commitment_letter.signed）"]


# -- SUP004 ------------------------------------------------------------------
def test_sup004_fires_without_inspection_clause(ws):
    text = ws.read(SUPPLIERS)
    start = text.index("id: SUP-002")
    at = text.index("regulator_inspection_clause: true", start)
    ws.write(SUPPLIERS, text[:at] + "regulator_inspection_clause: false" + text[at + len("regulator_inspection_clause: true"):])
    found = ws.findings("SUP004")
    assert [f.message for f in found] == [
        "供应商“云衢数据科技有限公司”（SUP-002）提供行情类产品或服务，合同未明确供应商应接受证券期货行业监管部门的信息安全延伸检查"
        "（contract.regulator_inspection_clause）"]
    assert found[0].line == line_of(ws, "regulator_inspection_clause: false", start_after="id: SUP-002")


def test_sup004_ignores_other_categories(ws):
    supplier(ws, "SUP-007", lambda s: s["contract"].pop("regulator_inspection_clause"))
    assert ws.findings("SUP004") == []
    supplier(ws, "SUP-007", lambda s: s.update(category="结算"))
    assert len(ws.findings("SUP004")) == 1


def test_sup004_reads_what_the_cmdb_says_a_supplier_supplies(ws):
    # SUP-002 relabelled as a hardware supplier: it still supplies the quote system (CI-APP-QUOTE)
    supplier(ws, "SUP-002", lambda s: (s.update(category="硬件"), s["contract"].pop("regulator_inspection_clause")))
    found = findings(ws, "SUP004")
    assert [f.message for f in found] == [
        "供应商“云衢数据科技有限公司”（SUP-002）的供应类别写为“硬件”，但配置库显示它供应交易业务系统 行情系统（CI-APP-QUOTE），"
        "合同未明确供应商应接受证券期货行业监管部门的信息安全延伸检查（contract.regulator_inspection_clause）"]


def test_sup004_quiet_when_the_cmdb_shows_no_trading_system_and_with_the_clause(ws):
    supplier(ws, "SUP-002", lambda s: s.update(category="硬件"))
    assert findings(ws, "SUP004") == []  # the clause is in its contract: compliant whatever the label
    supplier(ws, "SUP-007", lambda s: s["contract"].pop("regulator_inspection_clause"))
    assert findings(ws, "SUP004") == []  # 运维外包, supplies no trading system


# -- SUP005 ------------------------------------------------------------------
def test_sup005_fires_when_evaluation_is_overdue(ws):
    found = ws.findings("SUP005", as_of=dt.date(2027, 1, 15))
    assert len(found) == 8
    assert "供应商“青岚软件技术有限公司”（SUP-001）最近一次评价于 2025-12-22，已超过 12 个月（应于 2026-12-22 前完成）" in [f.message for f in found]


def test_sup005_fires_without_any_evaluation(ws):
    supplier(ws, "SUP-004", lambda s: s.pop("evaluations"))
    found = ws.findings("SUP005")
    assert [f.message for f in found] == ["供应商“衡川清算技术有限公司”（SUP-004）没有评价记录（自 2019-08-01 起），应每 12 个月至少一次"]
    assert found[0].line == line_of(ws, "id: SUP-004")


def test_sup005_fires_without_report_or_content(ws):
    supplier(ws, "SUP-003", lambda s: (s["evaluations"][0].pop("report"), s["evaluations"][0].pop("staff_performance")))
    messages = [f.message for f in ws.findings("SUP005")]
    assert messages == ["供应商“北辰信通科技有限公司”（SUP-003）2025-12-23 的评价未包括：人员工作情况（staff_performance）",
                        "供应商“北辰信通科技有限公司”（SUP-003）2025-12-23 的评价没有形成评价报告（report）"]


def test_sup005_respects_settings(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(supplier_evaluation_months=6))
    assert len(ws.findings("SUP005")) == 8


# -- SUP006 ------------------------------------------------------------------
def test_sup006_fires_when_information_is_stale(ws):
    supplier(ws, "SUP-005", lambda s: s.update(info_updated=dt.date(2025, 6, 30)))
    found = ws.findings("SUP006")
    assert [f.message for f in found] == ["供应商“远拓计算机系统有限公司”（SUP-005）的信息最近一次更新于 2025-06-30，已超过 12 个月（应于 2026-06-30 前更新）"]


def test_sup006_fires_without_update_date(ws):
    supplier(ws, "SUP-001", lambda s: s.pop("info_updated"))
    found = ws.findings("SUP006")
    assert [f.message for f in found] == ["供应商“青岚软件技术有限公司”（SUP-001）没有记录供应商信息的更新日期（info_updated）"]
    assert found[0].line == line_of(ws, "id: SUP-001")


# -- SUP007 ------------------------------------------------------------------
def test_sup007_fires_on_overdue_improvement(ws):
    ws.replace(SUPPLIERS, "due: 2026-03-31, status: 已完成, closed: 2026-03-15,", "due: 2026-03-31, status: 进行中,")
    found = ws.findings("SUP007")
    assert [f.message for f in found] == ["供应商“云衢数据科技有限公司”（SUP-002）的改进事项“行情延迟告警后 2 个工作日内提交分析报告”要求 2026-03-31 前完成，目前仍为“进行中”"]
    assert found[0].line == line_of(ws, "行情延迟告警后 2 个工作日内提交分析报告")


def test_sup007_fires_without_status_or_closing_date(ws):
    ws.replace(SUPPLIERS, "due: 2026-03-31, status: 已完成, closed: 2026-02-27,", "due: 2026-03-31, status: 已完成,")
    supplier(ws, "SUP-004", lambda s: s["evaluations"][0].update(improvements=[{"item": "清算异常通报时限"}]))
    messages = [f.message for f in ws.findings("SUP007")]
    assert "供应商“青岚软件技术有限公司”（SUP-001）的改进事项“夜间电话支持响应超时”已完成，但没有记录完成日期（closed）" in messages
    assert "供应商“衡川清算技术有限公司”（SUP-004）的改进事项“清算异常通报时限”没有记录改进情况（status）" in messages


# -- SUP008 ------------------------------------------------------------------
def test_sup008_fires_without_personal_agreement(ws):
    outsourcing(ws, lambda o: person(o, "孙立").pop("confidentiality_signed"))
    found = ws.findings("SUP008")
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）的外包人员孙立没有签订保密协议（confidentiality_signed）"]
    assert found[0].line == line_of(ws, "name: 孙立")


def test_sup008_fires_when_agreement_signed_after_start(ws):
    ws.replace(SUPPLIERS, "        confidentiality_signed: 2025-02-26\n", "        confidentiality_signed: 2025-03-10\n")
    found = ws.findings("SUP008")
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）的外包人员孙立于 2025-03-03 进场，保密协议却在 2025-03-10 才签订"]
    assert found[0].line == line_of(ws, "confidentiality_signed: 2025-03-10")


def test_sup008_fires_without_company_agreement(ws):
    outsourcing(ws, lambda o: o.pop("confidentiality"))
    assert [f.message for f in ws.findings("SUP008")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）没有与外包公司签订保密协议的记录（confidentiality.signed）"]


# -- SUP009 ------------------------------------------------------------------
def test_sup009_fires_without_accountability(ws):
    outsourcing(ws, lambda o: o.pop("accountability"))
    found = ws.findings("SUP009")
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）没有明确外包公司的责任及追究方式（accountability）"]
    assert found[0].line == line_of(ws, "id: OUT-001")


# -- SUP010 ------------------------------------------------------------------
def test_sup010_fires_without_permissions(ws):
    outsourcing(ws, lambda o: (person(o, "钱志伟").pop("permissions"), person(o, "钱志伟").pop("scope")))
    found = ws.findings("SUP010")
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）的外包人员钱志伟未界定：活动范围（scope）、操作权限（permissions）"]
    assert found[0].line == line_of(ws, "name: 钱志伟")


def test_sup010_ignores_staff_who_have_left_and_fires_without_staff(ws):
    outsourcing(ws, lambda o: person(o, "周宏").pop("permissions"))
    assert ws.findings("SUP010") == []
    outsourcing(ws, lambda o: o.pop("staff"))
    assert [f.message for f in ws.findings("SUP010")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）没有列出外包人员（staff）"]


# -- SUP011 ------------------------------------------------------------------
def test_sup011_fires_when_supervision_is_overdue(ws):
    # the sample's organisation checks monthly (outsourcing_supervision_months: 1), as its 供应商管理制度 says
    found = ws.findings("SUP011", as_of=dt.date(2027, 2, 1))
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）最近一次监督检查于 2026-10-30，已超过 1 个月（应于 2026-11-30 前完成）"]
    assert found[0].line == line_of(ws, "date: 2026-10-30")


def test_sup011_fires_without_records(ws):
    outsourcing(ws, lambda o: o.pop("supervision_records"))
    assert [f.message for f in ws.findings("SUP011")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）没有监督检查记录（自 2025-01-01 起），应每 1 个月至少一次"]


def test_sup011_fires_on_record_without_content(ws):
    outsourcing(ws, lambda o: o["supervision_records"].append({"date": dt.date(2026, 11, 20), "by": "P002"}))
    assert [f.message for f in ws.findings("SUP011")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）2026-11-20 的监督检查没有保留记录（content 或 record）"]


# -- SUP012 ------------------------------------------------------------------
def test_sup012_fires_on_entry_without_exit(ws):
    ws.replace(SUPPLIERS, '{entered: "2026-11-20 08:39", left: "2026-11-20 17:58"}', '{entered: "2026-11-20 08:39"}')
    found = ws.findings("SUP012")
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员钱志伟于 2026-11-20 08:39 入场后没有离场记录"]
    assert found[0].line == line_of(ws, '{entered: "2026-11-20 08:39"}')


def test_sup012_allows_an_open_entry_today(ws):
    outsourcing(ws, lambda o: person(o, "钱志伟")["onsite"].append({"entered": "2026-11-21 09:02", "purpose": "周末系统维护配合"}))
    assert ws.findings("SUP012") == []
    assert ws.findings("SUP012", as_of=dt.date(2026, 11, 22))[0].message.endswith("于 2026-11-21 09:02 入场后没有离场记录")


def test_sup012_fires_on_exit_before_entry_and_future_entry(ws):
    ws.replace(SUPPLIERS, '{entered: "2026-11-18 08:35", left: "2026-11-18 17:50"}', '{entered: "2026-11-18 08:35", left: "2026-11-17 17:50"}')
    outsourcing(ws, lambda o: person(o, "钱志伟")["onsite"].append({"entered": "2026-11-23 08:40", "left": "2026-11-23 18:00"}))
    messages = [f.message for f in ws.findings("SUP012")]
    assert "外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员孙立的离场时间 2026-11-17 17:50 早于入场时间 2026-11-18 08:35" in messages
    assert "外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员钱志伟的入场时间 2026-11-23 08:40 晚于检查日期" in messages


def test_sup012_fires_on_incomplete_offboarding(ws):
    ws.replace(SUPPLIERS, "access_revoked: true, badge_returned: true,", "access_revoked: false, badge_returned: true,")
    outsourcing(ws, lambda o: person(o, "周宏").update(onsite=[{"entered": "2025-03-05 09:00", "left": "2025-03-05 10:00"}]))
    messages = [f.message for f in ws.findings("SUP012")]
    assert "外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员周宏的离场交接未完成或未记录：注销账号和权限（access_revoked）" in messages
    assert "外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员周宏已于 2025-02-28 撤场，2025-03-05 09:00 仍有入场记录" in messages


def test_sup012_fires_without_records_and_when_arrangement_ends(ws):
    outsourcing(ws, lambda o: (person(o, "孙立").pop("onsite"), person(o, "孙立").pop("entry_log")))
    assert [f.message for f in ws.findings("SUP012")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员孙立没有入场和离场记录（onsite 或 entry_log）"]
    outsourcing(ws, lambda o: o.update(status="已终止"))
    messages = [f.message for f in ws.findings("SUP012")]
    assert "外包服务“机房及系统驻场运维服务”（OUT-001）的驻场人员钱志伟已离场，没有离场交接记录（offboarded）" in messages


# -- SUP013 ------------------------------------------------------------------
def test_sup013_fires_when_quality_evaluation_is_overdue(ws):
    found = ws.findings("SUP013", as_of=dt.date(2027, 7, 1))
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）最近一次服务质量评估于 2026-06-29，已超过 12 个月（应于 2027-06-29 前完成）"]


def test_sup013_respects_settings_and_requires_reports(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(outsourcing_evaluation_months=4))
    assert len(ws.findings("SUP013")) == 1
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(outsourcing_evaluation_months=12))
    outsourcing(ws, lambda o: o["quality_evaluations"][2].pop("report"))
    assert [f.message for f in ws.findings("SUP013")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）2026-06-29 的服务质量评估没有评估报告（report）"]


# -- SUP014 ------------------------------------------------------------------
def test_sup014_fires_without_exit_plan(ws):
    outsourcing(ws, lambda o: o.pop("exit_plan"))
    found = ws.findings("SUP014")
    assert [f.message for f in found] == ["外包服务“机房及系统驻场运维服务”（OUT-001）没有制定外包服务意外终止的应急措施（exit_plan）"]
    assert found[0].line == line_of(ws, "id: OUT-001")


def test_sup014_fires_on_empty_exit_plan(ws):
    outsourcing(ws, lambda o: o.update(exit_plan={"reviewed": dt.date(2026, 6, 29)}))
    assert len(ws.findings("SUP014")) == 1
