"""供应商管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Line, Part, case_id, check_case, fired

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


def sup(sid, change):
    """An edit of the register letting ``change(supplier)`` mutate one supplier (for a :class:`~conftest.Case`)."""
    return lambda d: change(next(s for s in d["suppliers"] if s["id"] == sid))


def out(change):
    """An edit of the register letting ``change(arrangement)`` mutate the outsourcing arrangement OUT-001."""
    return lambda d: change(d["outsourcing"][0])


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


ORG = "registers/organisation.yaml"
OUT = "外包服务“机房及系统驻场运维服务”（OUT-001）"

CASES = [
    # -- SUP001
    Case("SUP001-fires-without-scope", "SUP001", SUPPLIERS,
         ("      scope: 账户系统技术支持、中登接口变更适配、适当性管理规则更新；故障响应 30 分钟\n", ""),
         [("供应商“北辰信通科技有限公司”（SUP-003）的合同缺少：服务要求和范围（contract.scope）", Line("contract:", after="id: SUP-003"))]),
    Case("SUP001-fires-without-contract-or-when-expired", "SUP001", SUPPLIERS,
         [sup("SUP-006", lambda s: s.pop("contract")), sup("SUP-002", lambda s: s["contract"].update(expires=dt.date(2026, 10, 31)))],
         ["供应商“沪联通信服务有限公司”（SUP-006）没有合同记录（contract）",
          "供应商“云衢数据科技有限公司”（SUP-002）的合同已于 2026-10-31 到期，仍在合作中"], only=False),
    # -- SUP002
    Case("SUP002-fires-without-confidentiality-agreement", "SUP002", SUPPLIERS, sup("SUP-005", lambda s: s.pop("confidentiality_agreement")),
         [("供应商“远拓计算机系统有限公司”（SUP-005）没有签署保密协议的记录（confidentiality_agreement.signed）", Line("id: SUP-005"))]),
    Case("SUP002-fires-when-agreement-expired-or-not-filed", "SUP002", SUPPLIERS,
         sup("SUP-008", lambda s: (s["confidentiality_agreement"].update(until=dt.date(2026, 1, 1)),
                                   s["confidentiality_agreement"].pop("record"))),
         ["供应商“浦江物业管理有限公司”（SUP-008）的保密协议已于 2026-01-01 到期",
          "供应商“浦江物业管理有限公司”（SUP-008）的保密协议没有记录存放位置（confidentiality_agreement.record）"], only=False),
    # -- SUP003
    Case("SUP003-fires-on-incomplete-commitment", "SUP003", SUPPLIERS,
         sup("SUP-002", lambda s: s["commitment_letter"].update(covers=["无恶意代码或未授权功能"])),
         ["供应商“云衢数据科技有限公司”（SUP-002）的承诺书未包括：无违反法律法规的功能模块、符合行业技术规范和技术指引"]),
    Case("SUP003-fires-without-commitment-letter", "SUP003", SUPPLIERS, sup("SUP-006", lambda s: s.pop("commitment_letter")),
         [("供应商“沪联通信服务有限公司”（SUP-006）没有签署承诺书的记录（commitment_letter.signed）", Line("id: SUP-006"))]),
    Case("SUP003-accepts-a-reasoned-exemption-only", "SUP003", SUPPLIERS,
         sup("SUP-008", lambda s: s["commitment_letter"].update(not_applicable="  ")),
         ["供应商“浦江物业管理有限公司”（SUP-008）没有签署承诺书的记录（commitment_letter.signed）"]),
    # -- SUP004
    Case("SUP004-ignores-other-categories", "SUP004", SUPPLIERS,
         sup("SUP-007", lambda s: s["contract"].pop("regulator_inspection_clause")), []),
    Case("SUP004-fires-once-the-category-needs-the-clause", "SUP004", SUPPLIERS,
         [sup("SUP-007", lambda s: s["contract"].pop("regulator_inspection_clause")), sup("SUP-007", lambda s: s.update(category="结算"))],
         [Part("（SUP-007）提供结算类产品或服务")]),
    # SUP-002 relabelled as a hardware supplier: it still supplies the quote system (CI-APP-QUOTE)
    Case("SUP004-reads-what-the-cmdb-says-a-supplier-supplies", "SUP004", SUPPLIERS,
         sup("SUP-002", lambda s: (s.update(category="硬件"), s["contract"].pop("regulator_inspection_clause"))),
         ["供应商“云衢数据科技有限公司”（SUP-002）的供应类别写为“硬件”，但配置库显示它供应交易业务系统 行情系统（CI-APP-QUOTE），"
          "合同未明确供应商应接受证券期货行业监管部门的信息安全延伸检查（contract.regulator_inspection_clause）"]),
    # the clause is in its contract: compliant whatever the label
    Case("SUP004-quiet-with-the-clause", "SUP004", SUPPLIERS, sup("SUP-002", lambda s: s.update(category="硬件")), []),
    Case("SUP004-quiet-when-the-cmdb-shows-no-trading-system", "SUP004", SUPPLIERS,  # 运维外包, supplies no trading system
         [sup("SUP-002", lambda s: s.update(category="硬件")), sup("SUP-007", lambda s: s["contract"].pop("regulator_inspection_clause"))],
         []),
    # -- SUP005
    Case("SUP005-fires-when-evaluation-is-overdue", "SUP005", SUPPLIERS, None,
         ["供应商“青岚软件技术有限公司”（SUP-001）最近一次评价于 2025-12-22，已超过 12 个月（应于 2026-12-22 前完成）"]
         + [Part("已超过 12 个月")] * 7, as_of=dt.date(2027, 1, 15), ordered=False),  # eight suppliers in all
    Case("SUP005-fires-without-any-evaluation", "SUP005", SUPPLIERS, sup("SUP-004", lambda s: s.pop("evaluations")),
         [("供应商“衡川清算技术有限公司”（SUP-004）没有评价记录（自 2019-08-01 起），应每 12 个月至少一次", Line("id: SUP-004"))]),
    Case("SUP005-fires-without-report-or-content", "SUP005", SUPPLIERS,
         sup("SUP-003", lambda s: (s["evaluations"][0].pop("report"), s["evaluations"][0].pop("staff_performance"))),
         ["供应商“北辰信通科技有限公司”（SUP-003）2025-12-23 的评价未包括：人员工作情况（staff_performance）",
          "供应商“北辰信通科技有限公司”（SUP-003）2025-12-23 的评价没有形成评价报告（report）"]),
    Case("SUP005-respects-settings", "SUP005", ORG, lambda d: d["settings"].update(supplier_evaluation_months=6),
         [Part("已超过 6 个月")] * 8),  # all eight suppliers
    # -- SUP006
    Case("SUP006-fires-when-information-is-stale", "SUP006", SUPPLIERS, sup("SUP-005", lambda s: s.update(info_updated=dt.date(2025, 6, 30))),
         ["供应商“远拓计算机系统有限公司”（SUP-005）的信息最近一次更新于 2025-06-30，已超过 12 个月（应于 2026-06-30 前更新）"]),
    Case("SUP006-fires-without-update-date", "SUP006", SUPPLIERS, sup("SUP-001", lambda s: s.pop("info_updated")),
         [("供应商“青岚软件技术有限公司”（SUP-001）没有记录供应商信息的更新日期（info_updated）", Line("id: SUP-001"))]),
    # -- SUP007
    Case("SUP007-fires-on-overdue-improvement", "SUP007", SUPPLIERS,
         ("due: 2026-03-31, status: 已完成, closed: 2026-03-15,", "due: 2026-03-31, status: 进行中,"),
         [("供应商“云衢数据科技有限公司”（SUP-002）的改进事项“行情延迟告警后 2 个工作日内提交分析报告”要求 2026-03-31 前完成，目前仍为“进行中”",
           Line("行情延迟告警后 2 个工作日内提交分析报告"))]),
    Case("SUP007-fires-without-status-or-closing-date", "SUP007", SUPPLIERS,
         [("due: 2026-03-31, status: 已完成, closed: 2026-02-27,", "due: 2026-03-31, status: 已完成,"),
          sup("SUP-004", lambda s: s["evaluations"][0].update(improvements=[{"item": "清算异常通报时限"}]))],
         ["供应商“青岚软件技术有限公司”（SUP-001）的改进事项“夜间电话支持响应超时”已完成，但没有记录完成日期（closed）",
          "供应商“衡川清算技术有限公司”（SUP-004）的改进事项“清算异常通报时限”没有记录改进情况（status）"], only=False),
    # -- SUP008
    Case("SUP008-fires-without-personal-agreement", "SUP008", SUPPLIERS, out(lambda o: person(o, "孙立").pop("confidentiality_signed")),
         [(f"{OUT}的外包人员孙立没有签订保密协议（confidentiality_signed）", Line("name: 孙立"))]),
    Case("SUP008-fires-when-agreement-signed-after-start", "SUP008", SUPPLIERS,
         ("        confidentiality_signed: 2025-02-26\n", "        confidentiality_signed: 2025-03-10\n"),
         [(f"{OUT}的外包人员孙立于 2025-03-03 进场，保密协议却在 2025-03-10 才签订", Line("confidentiality_signed: 2025-03-10"))]),
    Case("SUP008-fires-without-company-agreement", "SUP008", SUPPLIERS, out(lambda o: o.pop("confidentiality")),
         [f"{OUT}没有与外包公司签订保密协议的记录（confidentiality.signed）"]),
    # -- SUP009
    Case("SUP009-fires-without-accountability", "SUP009", SUPPLIERS, out(lambda o: o.pop("accountability")),
         [(f"{OUT}没有明确外包公司的责任及追究方式（accountability）", Line("id: OUT-001"))]),
    # -- SUP010
    Case("SUP010-fires-without-permissions", "SUP010", SUPPLIERS,
         out(lambda o: (person(o, "钱志伟").pop("permissions"), person(o, "钱志伟").pop("scope"))),
         [(f"{OUT}的外包人员钱志伟未界定：活动范围（scope）、操作权限（permissions）", Line("name: 钱志伟"))]),
    Case("SUP010-ignores-staff-who-have-left", "SUP010", SUPPLIERS, out(lambda o: person(o, "周宏").pop("permissions")), []),
    Case("SUP010-fires-without-staff", "SUP010", SUPPLIERS,
         [out(lambda o: person(o, "周宏").pop("permissions")), out(lambda o: o.pop("staff"))],
         [f"{OUT}没有列出外包人员（staff）"]),
    # -- SUP011
    # the sample's organisation checks monthly (outsourcing_supervision_months: 1), as its 供应商管理制度 says
    Case("SUP011-fires-when-supervision-is-overdue", "SUP011", SUPPLIERS, None,
         [(f"{OUT}最近一次监督检查于 2026-10-30，已超过 1 个月（应于 2026-11-30 前完成）", Line("date: 2026-10-30"))],
         as_of=dt.date(2027, 2, 1)),
    Case("SUP011-fires-without-records", "SUP011", SUPPLIERS, out(lambda o: o.pop("supervision_records")),
         [f"{OUT}没有监督检查记录（自 2025-01-01 起），应每 1 个月至少一次"]),
    Case("SUP011-fires-on-record-without-content", "SUP011", SUPPLIERS,
         out(lambda o: o["supervision_records"].append({"date": dt.date(2026, 11, 20), "by": "P002"})),
         [f"{OUT}2026-11-20 的监督检查没有保留记录（content 或 record）"]),
    # -- SUP012
    Case("SUP012-fires-on-entry-without-exit", "SUP012", SUPPLIERS,
         ('{entered: "2026-11-20 08:39", left: "2026-11-20 17:58"}', '{entered: "2026-11-20 08:39"}'),
         [(f"{OUT}的驻场人员钱志伟于 2026-11-20 08:39 入场后没有离场记录", Line('{entered: "2026-11-20 08:39"}'))]),
    Case("SUP012-fires-on-exit-before-entry-and-future-entry", "SUP012", SUPPLIERS,
         [('{entered: "2026-11-18 08:35", left: "2026-11-18 17:50"}', '{entered: "2026-11-18 08:35", left: "2026-11-17 17:50"}'),
          out(lambda o: person(o, "钱志伟")["onsite"].append({"entered": "2026-11-23 08:40", "left": "2026-11-23 18:00"}))],
         [f"{OUT}的驻场人员孙立的离场时间 2026-11-17 17:50 早于入场时间 2026-11-18 08:35",
          f"{OUT}的驻场人员钱志伟的入场时间 2026-11-23 08:40 晚于检查日期"], only=False),
    Case("SUP012-fires-on-incomplete-offboarding", "SUP012", SUPPLIERS,
         [("access_revoked: true, badge_returned: true,", "access_revoked: false, badge_returned: true,"),
          out(lambda o: person(o, "周宏").update(onsite=[{"entered": "2025-03-05 09:00", "left": "2025-03-05 10:00"}]))],
         [f"{OUT}的驻场人员周宏的离场交接未完成或未记录：注销账号和权限（access_revoked）",
          f"{OUT}的驻场人员周宏已于 2025-02-28 撤场，2025-03-05 09:00 仍有入场记录"], only=False),
    Case("SUP012-fires-without-records", "SUP012", SUPPLIERS,
         out(lambda o: (person(o, "孙立").pop("onsite"), person(o, "孙立").pop("entry_log"))),
         [f"{OUT}的驻场人员孙立没有入场和离场记录（onsite 或 entry_log）"]),
    Case("SUP012-fires-when-arrangement-ends", "SUP012", SUPPLIERS,
         [out(lambda o: (person(o, "孙立").pop("onsite"), person(o, "孙立").pop("entry_log"))), out(lambda o: o.update(status="已终止"))],
         [f"{OUT}的驻场人员钱志伟已离场，没有离场交接记录（offboarded）"], only=False),
    # -- SUP013
    Case("SUP013-fires-when-quality-evaluation-is-overdue", "SUP013", SUPPLIERS, None,
         [f"{OUT}最近一次服务质量评估于 2026-06-29，已超过 12 个月（应于 2027-06-29 前完成）"], as_of=dt.date(2027, 7, 1)),
    # -- SUP014
    Case("SUP014-fires-without-exit-plan", "SUP014", SUPPLIERS, out(lambda o: o.pop("exit_plan")),
         [(f"{OUT}没有制定外包服务意外终止的应急措施（exit_plan）", Line("id: OUT-001"))]),
    Case("SUP014-fires-on-empty-exit-plan", "SUP014", SUPPLIERS, out(lambda o: o.update(exit_plan={"reviewed": dt.date(2026, 6, 29)})),
         [Part("（OUT-001）没有制定外包服务意外终止的应急措施")]),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


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


def test_sup012_allows_an_open_entry_today(ws):
    outsourcing(ws, lambda o: person(o, "钱志伟")["onsite"].append({"entered": "2026-11-21 09:02", "purpose": "周末系统维护配合"}))
    assert ws.findings("SUP012") == []
    assert ws.findings("SUP012", as_of=dt.date(2026, 11, 22))[0].message.endswith("于 2026-11-21 09:02 入场后没有离场记录")


def test_sup013_respects_settings_and_requires_reports(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(outsourcing_evaluation_months=4))
    assert len(ws.findings("SUP013")) == 1
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(outsourcing_evaluation_months=12))
    outsourcing(ws, lambda o: o["quality_evaluations"][2].pop("report"))
    assert [f.message for f in ws.findings("SUP013")] == ["外包服务“机房及系统驻场运维服务”（OUT-001）2026-06-29 的服务质量评估没有评估报告（report）"]
