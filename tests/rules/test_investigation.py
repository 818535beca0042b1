"""调查处理 rules (INV): each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired, findings, line_of, messages

INC = "registers/incidents.yaml"
RULES = tuple(f"INV{n:03d}" for n in range(1, 6))


def incident(ident, fn):
    def change(d):
        fn(next(i for i in d["incidents"] if i["id"] == ident))
    return change


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- INV001 summary report ----------------------------------------------------------------

def test_inv001_fires_on_closed_incident_without_summary(ws):
    ws.edit_yaml(INC, incident("INC-2026-001", lambda i: i.pop("summary_report")))
    found = findings(ws, "INV001")
    assert [f.message for f in found] == ["事件 INC-2026-001（行情系统行情转发延迟）已关闭，但没有事件总结报告（summary_report）"]
    assert found[0].line == line_of(ws, INC, "status: 已关闭", after="id: INC-2026-001")


def test_inv001_fires_on_incomplete_summary(ws):
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: i["summary_report"].pop("record")))
    assert messages(ws, "INV001") == ["事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）的事件总结报告缺少存放位置（record）"]


def test_inv001_fires_on_a_summary_dated_before_recovery_or_after_closing(ws):
    # before: any date passed; a summary written before the response ended sums up nothing
    ws.edit_yaml(INC, incident("INC-2026-001", lambda i: i["summary_report"].update(date=dt.date(2026, 1, 14))))
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: i["summary_report"].update(date=dt.date(2026, 5, 20))))
    assert messages(ws, "INV001") == [
        "事件 INC-2026-001（行情系统行情转发延迟）的事件总结报告日期 2026-01-14 早于系统恢复 2026-01-15 10:49："
        "总结报告在应急处置结束后形成，请核对日期",
        "事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）的事件总结报告日期 2026-05-20 晚于事件关闭 2026-05-15："
        "总结报告完成前事件不应关闭，请核对日期或把状态改回“调查中”"]


def test_inv001_quiet_on_a_summary_the_day_of_recovery_or_closing(ws):
    ws.edit_yaml(INC, incident("INC-2026-001", lambda i: i["summary_report"].update(date=dt.date(2026, 1, 15))))
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: i["summary_report"].update(date=dt.date(2026, 5, 15))))
    assert findings(ws, "INV001") == []


def test_inv001_quiet_while_investigating(ws):
    # INC-2026-004 is 调查中 without a summary report; ordinary INC-2026-003 needs none
    ws.edit_yaml(INC, incident("INC-2026-004", lambda i: i.update(status="处置中")))
    assert findings(ws, "INV001") == []


# -- INV002 corrective actions and accountability ---------------------------------------------

def test_inv002_fires_without_actions_or_accountability(ws):
    ws.edit_yaml(INC, incident("INC-2026-001", lambda i: (i.pop("corrective_actions"), i.pop("accountability"))))
    assert messages(ws, "INV002") == [
        "事件 INC-2026-001（行情系统行情转发延迟）已关闭，但没有整改措施（corrective_actions）",
        "事件 INC-2026-001（行情系统行情转发延迟）已关闭，但没有责任追究结论（accountability.decision）",
    ]


def test_inv002_fires_on_overdue_or_ownerless_action(ws):
    def change(i):
        i["corrective_actions"][0]["due"] = dt.date(2026, 11, 15)
        i["corrective_actions"][1].pop("owner")
    ws.edit_yaml(INC, incident("INC-2026-004", change))
    found = findings(ws, "INV002")
    assert sorted(f.message for f in found) == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）的整改措施“修正备用互联网线路 BGP 路由优先级并做切换测试”已超过完成期限 2026-11-15，尚未完成",
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）的整改措施“要求沪联通信提供主备线路物理路由分离证明”缺少责任人（owner）",
    ]
    assert any(f.line == line_of(ws, INC, "due: 2026-11-15") for f in found)


def test_inv002_fires_on_departed_owner(ws):
    ws.edit_yaml(INC, incident("INC-2026-004", lambda i: i["corrective_actions"][1].update(owner="P020")))
    assert messages(ws, "INV002") == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）的整改措施“要求沪联通信提供主备线路物理路由分离证明”的责任人 韩冬（P020） 已不在职"]


# -- INV003 summary report submitted ------------------------------------------------------------

def test_inv003_fires_when_summary_not_submitted(ws):
    ws.edit_yaml(INC, incident("INC-2026-001", lambda i: i["summary_report"].pop("to")))
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: i["summary_report"].update(to="稽核审计部")))
    assert messages(ws, "INV003") == [
        "事件 INC-2026-001（行情系统行情转发延迟）的事件总结报告没有写明报送对象（to）；应报送中国证券监督管理委员会上海监管局",
        "事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）的事件总结报告报送给了“稽核审计部”；经营机构应报送中国证券监督管理委员会上海监管局",
    ]


def test_inv003_quiet_for_not_reportable(ws):
    ws.edit_yaml(INC, incident("INC-2026-001", lambda i: (i["summary_report"].pop("to"), i.update(reportable=False))))
    assert findings(ws, "INV003") == []


# -- INV004 / INV005 cause unknown -------------------------------------------------------------------

def test_inv004_fires_when_closed_without_supplementary_report(ws):
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: (i.pop("supplementary_report"), i.pop("cause"))))
    found = findings(ws, "INV004")
    assert [f.message for f in found] == ["事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）原因未查明即关闭，没有补充报告（supplementary_report）"]
    assert found[0].line == line_of(ws, INC, "status: 已关闭", after="id: INC-2026-002")


def test_inv004_names_the_cause_found_later_instead_of_calling_it_unknown(ws):
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: i.pop("supplementary_report")))
    (message,) = messages(ws, "INV004")
    assert "原因未查明" not in message
    assert message.startswith("事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）处置时原因暂不能确定（cause_known: false），"
                              "后来认定的原因“核心存储控制器固件缺陷")
    assert message.endswith("没有以补充报告（supplementary_report）提交即已关闭")


def test_inv004_a_cause_known_label_without_a_cause_is_not_evidence(ws):
    # the label says known, the record shows no cause: treated as undetermined
    ws.edit_yaml(INC, incident("INC-2026-004", lambda i: i.pop("cause")))
    assert messages(ws, "INV004") == [
        "事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）没有写明原因（cause），按原因暂不能确定处理，"
        "但没有初步分析报告（preliminary_report）"]
    ws.edit_yaml(INC, incident("INC-2026-004", lambda i: i.update(
        preliminary_report={"date": dt.date(2026, 11, 13), "to": "中国证券监督管理委员会上海监管局"})))
    assert findings(ws, "INV004") == []  # preliminary analysis given: compliant while the investigation goes on


def test_inv004_fires_without_preliminary_report(ws):
    ws.edit_yaml(INC, incident("INC-2026-004", lambda i: i.update(cause_known=False)))
    assert messages(ws, "INV004") == ["事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）原因暂不能确定，但没有初步分析报告（preliminary_report）"]


def test_inv004_fires_on_reports_out_of_order(ws):
    ws.edit_yaml(INC, incident("INC-2026-002", lambda i: i["supplementary_report"].update(date=dt.date(2026, 3, 18))))
    assert messages(ws, "INV004") == ["事件 INC-2026-002（集中交易系统开盘后委托响应缓慢）的补充报告日期 2026-03-18 早于"
                                      "初步分析报告 2026-03-20：补充报告在初步分析之后提交，请核对日期"]


def test_inv005_warns_when_cause_stays_unknown(ws):
    ws.edit_yaml(INC, incident("INC-2026-004", lambda i: i.update(
        cause_known=False, preliminary_report={"date": dt.date(2026, 11, 13), "to": "中国证券监督管理委员会上海监管局"})))
    assert findings(ws, "INV005") == []  # 11 days after recovery
    assert findings(ws, "INV004") == []
    found = findings(ws, "INV005", as_of=dt.date(2026, 12, 20))
    assert [f.message for f in found] == ["事件 INC-2026-004（互联网主线路中断导致部分网上交易客户无法登录）原因至今未查明（已 40 天），尚未提交补充报告"]
    assert found[0].severity == "warning"
