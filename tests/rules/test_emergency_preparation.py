"""应急准备 rules (EMG): each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import AS_OF, due_around, fired

from checks.rules import get

EMG = "registers/emergency.yaml"
CON = "registers/emergency_contacts.yaml"
DRL = "registers/drills.yaml"
TRN = "registers/trainings.yaml"
RULES = tuple(f"EMG{n:03d}" for n in range(1, 38))


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def findings(ws, rule, as_of=AS_OF):
    """The rule's findings on the workspace (only this rule runs)."""
    return ws.findings(rule, as_of)


def messages(ws, rule, **kw):
    """The rule's messages, sorted (findings come in file and line order)."""
    return sorted(f.message for f in findings(ws, rule, **kw))


def by_id(items, ident, key="id"):
    return next(item for item in items if item.get(key) == ident)


def plan_path(ws):
    """The sample's emergency plan (the document with id PLN-01)."""
    for rel in ws.files("docs", "*.md"):
        if "\nid: PLN-01\n" in ws.read(rel):
            return rel
    return "docs/plans/emergency-plan.md"


HEADINGS = ("编制目的和依据", "适用范围", "组织体系及职责", "预防措施、保障措施与应急准备", "预警监测、处置和信息报送",
            "事件分级分类", "事件报告流程", "事件处置的一般原则", "事件处置的具体方案", "内部调查处理及分析总结",
            "统一解释口径和通知公告模板")
SCENARIO = "### 交易系统中断\n\n切换至备机；按事件报告流程报告上海证监局。\n"


def write_plan(ws, headings=HEADINGS, scenario=SCENARIO):
    """Replace the plan's body (its front matter is kept) with the given ## headings."""
    rel = plan_path(ws)
    _, front, _ = ws.read(rel).split("---\n", 2)
    parts = ["# 网络与信息安全事件应急预案\n"]
    for heading in headings:
        parts.append(f"## {heading}\n\n" + (scenario if heading == "事件处置的具体方案" else "正文。\n"))
    ws.write(rel, "---\n" + front + "---\n" + "\n".join(parts))
    return rel


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def test_fixture_plan_is_quiet(ws):
    write_plan(ws)
    for rule in ("EMG004", "EMG005", "EMG006"):
        assert ws.findings(rule) == [], rule


# -- EMG001 command and execution bodies ----------------------------------------

def test_emg001_fires_without_execution_body(ws):
    ws.edit_yaml(EMG, lambda d: d.pop("execution"))
    found = findings(ws, "EMG001")
    assert [f.message for f in found] == ["未明确应急执行机构（execution）"]
    assert found[0].file == EMG


def test_emg001_fires_on_departed_lead_and_team_without_lead(ws):
    def change(d):
        d["execution"]["lead"] = "P020"
        d["execution"]["teams"][1].pop("lead_name")
    ws.edit_yaml(EMG, change)
    assert messages(ws, "EMG001") == sorted(["应急执行机构负责人 韩冬（P020） 已不在职",
                                      "应急工作组“业务协调组”未指定组长（lead 或 lead_name）"])


def test_emg001_fires_without_duties(ws):
    ws.edit_yaml(EMG, lambda d: d["command"].pop("duties"))
    assert messages(ws, "EMG001") == sorted(["应急指挥决策机构“网络与信息安全事件应急领导小组”未写明职责（duties）"])


# -- EMG002 composition -----------------------------------------------------------

def test_emg002_fires_when_leader_is_not_principal(ws):
    ws.edit_yaml(EMG, lambda d: d["command"]["leader"].update(principal=False))
    found = findings(ws, "EMG002")
    assert len(found) == 1 and "未标明为主要领导" in found[0].message
    assert found[0].line == line_of(ws, EMG, "name: 沈国华")


def test_emg002_fires_on_missing_departments(ws):
    def change(d):
        members = d["command"]["members"]
        members[:] = [m for m in members if m["department"] != "安保"]
        by_id(members, "财务", "department")["status"] = "left"
    ws.edit_yaml(EMG, change)
    assert messages(ws, "EMG002") == sorted(["应急指挥决策机构成员缺少以下部门的负责人：财务、安保"])


# -- EMG003 decision succession --------------------------------------------------

def test_emg003_fires_with_one_decision_maker(ws):
    ws.edit_yaml(EMG, lambda d: d["decision"].update(succession=d["decision"]["succession"][:1]))
    assert messages(ws, "EMG003") == sorted(["决策递补顺序只有 1 人，至少应有两人，确保第一决策人不在时有人负责决策和报告"])


def test_emg003_fires_on_departed_and_unknown_people(ws):
    def change(d):
        chain = d["decision"]["succession"]
        chain[4]["person"] = "P020"
        chain[3]["name"] = "王五"
    ws.edit_yaml(EMG, change)
    assert messages(ws, "EMG003") == sorted([
        "决策递补顺序第 4 位 王五 不是应急指挥决策机构中在任的人员（没有人员编号时，须是 command 中在任的负责人或成员）",
        "决策递补顺序第 5 位 韩冬（P020） 已不在职",
    ])


def test_emg003_fires_without_mechanism(ws):
    ws.edit_yaml(EMG, lambda d: d["decision"].pop("mechanism"))
    assert messages(ws, "EMG003") == sorted(["未写明应急决策机制（decision.mechanism）"])


# -- EMG004–EMG006 plan contents ---------------------------------------------------

def test_emg004_fires_on_missing_contents(ws):
    rel = write_plan(ws, [h for h in HEADINGS if h not in ("事件分级分类", "适用范围")])
    found = findings(ws, "EMG004")
    assert [f.message for f in found] == ["应急预案《网络与信息安全事件应急预案》缺少以下内容（二级标题）：适用范围、事件分级分类"]
    assert found[0].file == rel


def test_emg004_matches_numbered_headings_but_not_subheadings(ws):
    headings = [f"{i}、{h}" for i, h in enumerate(HEADINGS, 1) if h != "事件报告流程"]
    write_plan(ws, headings, scenario="### 报告流程\n\n报告。\n")
    assert messages(ws, "EMG004") == sorted(["应急预案《网络与信息安全事件应急预案》缺少以下内容（二级标题）：事件报告流程"])


def test_emg004_fires_without_plan(ws):
    ws.remove(plan_path(ws))
    assert messages(ws, "EMG004") == sorted(["缺少网络与信息安全事件应急预案（头信息 kind: plan，covers: 应急处置，如 PLN-01）"])


def test_emg004_fires_on_draft_plan(ws):
    ws.edit_front_matter(plan_path(ws), lambda m: m.update(status="draft"))
    assert messages(ws, "EMG004") == sorted(["应急预案《网络与信息安全事件应急预案》不是现行版本（状态为 draft）"])


def test_emg005_fires_without_scenarios_or_reporting(ws):
    write_plan(ws, scenario="各类故障按运维操作手册处置。\n")
    assert sorted(messages(ws, "EMG005")) == [
        "应急预案《网络与信息安全事件应急预案》的“事件处置的具体方案”没有写明报告流程",
        "应急预案《网络与信息安全事件应急预案》的“事件处置的具体方案”没有按技术故障分节（###）",
    ]
    assert all(f.severity == "warning" for f in findings(ws, "EMG005"))


def test_emg006_fires_without_templates(ws):
    write_plan(ws, HEADINGS[:-1])
    assert messages(ws, "EMG006") == sorted(["应急预案《网络与信息安全事件应急预案》缺少“统一解释口径和通知公告模板”章节（二级标题）"])


def test_emg006_fires_on_empty_section(ws):
    rel = write_plan(ws)
    ws.write(rel, ws.read(rel).replace("## 统一解释口径和通知公告模板\n\n正文。\n", "## 统一解释口径和通知公告模板\n"))
    assert messages(ws, "EMG006") == sorted(["应急预案《网络与信息安全事件应急预案》的“统一解释口径和通知公告模板”一节没有内容"])


# -- EMG007 / EMG008 evaluation ---------------------------------------------------------

def test_emg007_fires_on_a_year_without_evaluation(ws):
    ws.edit_yaml(EMG, lambda d: d.update(evaluations=[e for e in d["evaluations"] if e["date"].year != 2025]
                                         + [{"date": dt.date(2024, 3, 29), "trigger": "年度"}]))
    found = findings(ws, "EMG007")
    assert [f.message for f in found] == ["2025 年没有应急预案评估记录；应每年至少评估一次"]
    assert found[0].line == line_of(ws, EMG, "evaluations:")


def test_emg007_current_year_not_required_until_it_ends(ws):
    ws.edit_yaml(EMG, lambda d: d.update(evaluations=[e for e in d["evaluations"] if e["date"].year == 2025]))
    assert findings(ws, "EMG007") == []
    assert messages(ws, "EMG007", as_of=dt.date(2027, 1, 4)) == ["2026 年没有应急预案评估记录；应每年至少评估一次"]


def test_emg007_fires_without_evaluations(ws):
    ws.edit_yaml(EMG, lambda d: d.update(evaluations=[]))
    assert messages(ws, "EMG007") == sorted(["没有应急预案评估记录（evaluations）；应每年至少评估一次"])


def test_emg008_fires_when_no_evaluation_after_drill(ws):
    ws.edit_yaml(EMG, lambda d: d["evaluations"].pop())  # the 2026-09-29 evaluation after DRL-2026-02
    found = findings(ws, "EMG008")
    assert [f.message for f in found] == [
        "演练 DRL-2026-02（2026-09-19）之后没有应急预案评估记录（registers/emergency.yaml 的 evaluations）"]
    assert found[0].file == DRL and found[0].line == line_of(ws, DRL, "date: 2026-09-19")


def test_emg008_allows_time_after_the_drill(ws):
    ws.edit_yaml(EMG, lambda d: d["evaluations"].pop())
    assert findings(ws, "EMG008", as_of=dt.date(2026, 10, 10)) == []


def test_emg008_evaluation_due_30_days_after_the_drill(ws):
    ws.edit_yaml(EMG, lambda d: d["evaluations"].pop())
    obligation = due_around(ws, "EMG008", "DRL-2026-02", dt.date(2026, 10, 19))  # 2026-09-19 + 30 days
    assert obligation.what == "演练 DRL-2026-02 后评估应急预案" and obligation.owner == "P002"  # the plan's maintainer
    assert ws.due("EMG008", dt.date(2026, 9, 18)) == []  # before the drill took place nothing is due


# -- EMG009 / EMG010 filing ----------------------------------------------------------------

def test_emg009_fires_on_wrong_regulator(ws):
    ws.edit_yaml(EMG, lambda d: d["filings"][-1].update(to="上海市地方金融监督管理局"))
    found = findings(ws, "EMG009")
    assert [f.message for f in found] == ["应急预案报备给了“上海市地方金融监督管理局”；经营机构应向中国证券监督管理委员会上海监管局报备"]
    assert found[0].line == line_of(ws, EMG, "上海市地方金融监督管理局")


def test_emg009_accepts_short_name_and_fires_without_filings(ws):
    ws.edit_yaml(EMG, lambda d: d["filings"][-1].update(to="上海证监局"))
    assert findings(ws, "EMG009") == []
    ws.edit_yaml(EMG, lambda d: d.update(filings=[]))
    assert messages(ws, "EMG009") == sorted(["应急预案没有报备记录（filings）；经营机构应向中国证券监督管理委员会上海监管局报备"])


def test_emg009_core_institution_files_with_csrc(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].update(type="核心机构"))
    found = findings(ws, "EMG009")
    assert len(found) == 5 and all(f.message.endswith("核心机构应向中国证监会报备") for f in found)
    ws.edit_yaml(EMG, lambda d: [f.update(to="中国证券监督管理委员会") for f in d["filings"]])
    assert findings(ws, "EMG009") == []


def revise_plan(ws, version, day):
    def change(meta):
        meta["version"] = version
        meta["revisions"].append({"version": version, "date": day, "author": "P002", "approver": "P001", "summary": "修订"})
    ws.edit_front_matter(plan_path(ws), change)


def test_emg010_fires_when_revision_not_refiled(ws):
    revise_plan(ws, "5.1", dt.date(2026, 6, 30))
    found = findings(ws, "EMG010")
    assert [f.message for f in found] == [
        "应急预案《网络与信息安全事件应急预案》已修订为 5.1 版（2026-06-30），最近一次报备的是 5.0 版（2026-04-03）；"
        "重大变化后应及时重新报备（非重大变化请在评估记录中写 major_change: false）"]
    assert found[0].file == EMG and found[0].line == line_of(ws, EMG, "filings:")


def test_emg010_quiet_for_minor_change_or_within_grace(ws):
    revise_plan(ws, "5.1", dt.date(2026, 11, 10))
    assert findings(ws, "EMG010") == []  # revised 11 days ago: still time to file
    assert len(findings(ws, "EMG010", as_of=dt.date(2026, 12, 31))) == 1
    ws.edit_yaml(EMG, lambda d: d["evaluations"].append(
        {"date": dt.date(2026, 11, 6), "trigger": "其他", "revised_version": "5.1", "major_change": False}))
    assert findings(ws, "EMG010", as_of=dt.date(2026, 12, 31)) == []


def test_emg010_refiling_due_30_days_after_the_revision(ws):
    revise_plan(ws, "5.2", dt.date(2026, 12, 5))  # the sample's 5.1 of 2026-11-21 is the first not filed
    obligation = due_around(ws, "EMG010", "5.1 版", dt.date(2026, 12, 21))
    assert obligation.what == "向中国证券监督管理委员会上海监管局重新报备应急预案《网络与信息安全事件应急预案》5.1 版"
    assert obligation.owner == "P002"


def test_emg010_a_version_without_a_dated_revision_is_reported_at_once(ws):
    def change(meta):
        meta["version"] = "5.2"
        meta["revisions"] = [r for r in meta["revisions"] if r["version"] != "5.1"]
    ws.edit_front_matter(plan_path(ws), change)
    assert ws.due("EMG010") == []
    (found,) = findings(ws, "EMG010")
    assert found.message.startswith("应急预案《网络与信息安全事件应急预案》已修订为 5.2 版，最近一次报备的是 5.0 版（2026-04-03）")


# -- EMG011 / EMG012 ---------------------------------------------------------------------

def test_emg011_fires_without_it_head_or_duty_lead(ws):
    ws.edit_yaml(CON, lambda d: d["duty_line"].update(watch=["P013"]))
    found = findings(ws, "EMG011")
    assert [f.message for f in found] == ["应急值守负责人（duty_line.watch）不包括信息技术负责人 周明远（P001）"]
    assert found[0].line == line_of(ws, CON, "watch:")
    ws.edit_yaml(CON, lambda d: d["duty_line"].update(watch=["P001"]))
    assert messages(ws, "EMG011") == sorted(["应急值守负责人（duty_line.watch）不包括运维值班负责人（马超（P013）、朱琳（P014））"])


def test_emg012_warns_when_key_staff_never_practised(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: by_id(d["positions"], "network-admin").update(backup="P019"))
    found = findings(ws, "EMG012")
    assert [f.message for f in found] == [
        "网络管理员备岗 宋佳（P019） 近 12 个月没有参加应急演练或应急培训，无法证明其熟练掌握应急预案"]
    assert found[0].severity == "warning" and found[0].file == "registers/positions.yaml"


def test_emg012_counts_drill_participation(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: by_id(d["positions"], "network-admin").update(backup="P019"))
    ws.edit_yaml(DRL, lambda d: by_id(d["drills"], "DRL-2026-02")["participants"].append("P019"))
    assert findings(ws, "EMG012") == []


def test_emg012_next_practice_due_a_year_after_the_last(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: by_id(d["positions"], "network-admin").update(backup="P019"))
    ws.edit_yaml(DRL, lambda d: by_id(d["drills"], "DRL-2026-02")["participants"].append("P019"))
    obligation = due_around(ws, "EMG012", "宋佳（P019）", dt.date(2027, 9, 19))  # the drill of 2026-09-19
    assert obligation.what == "网络管理员备岗 宋佳（P019） 参加应急演练或应急培训" and obligation.owner == "P019"
    assert ws.due("EMG012") and all(o.due > AS_OF for o in ws.due("EMG012"))  # nobody is late on the sample


# -- EMG013–EMG015 agreements ------------------------------------------------------------------

def test_emg013_fires_on_uncovered_category(ws):
    ws.edit_yaml(EMG, lambda d: d["agreements"].pop())  # AGR-06 安全服务
    found = findings(ws, "EMG013")
    assert [f.message for f in found] == ["没有有效的“安全服务”应急响应及服务保障协议，也未在 self_sufficient 中说明自身力量足以满足应急要求"]
    ws.edit_yaml(EMG, lambda d: d.update(self_sufficient=[{"category": "安全服务", "reason": "安全管理组具备处置能力"}]))
    assert findings(ws, "EMG013") == []


def test_emg013_fires_on_expired_agreement(ws):
    ws.edit_yaml(EMG, lambda d: d["agreements"][0].update(valid_until=dt.date(2026, 10, 31)))
    assert messages(ws, "EMG013") == sorted([
        "通信保障协议 AGR-01（沪联通信服务有限公司）已于 2026-10-31 到期",
        "没有有效的“通信”应急响应及服务保障协议，也未在 self_sufficient 中说明自身力量足以满足应急要求",
    ])


def test_emg014_fires_on_incomplete_agreement(ws):
    def change(d):
        d["agreements"][1].pop("scope")
        d["agreements"][1]["party_contact"] = {"name": "潘国庆"}
    ws.edit_yaml(EMG, change)
    found = findings(ws, "EMG014")
    assert [f.message for f in found] == ["保障协议 AGR-02（浦江物业管理有限公司）缺少：对方联系电话（party_contact.phone）、服务内容及范围（scope）"]
    assert found[0].line == line_of(ws, EMG, "id: AGR-02")


def test_emg015_fires_when_not_checked(ws):
    ws.edit_yaml(EMG, lambda d: d["agreements"][0].update(last_checked=dt.date(2025, 10, 9)))
    assert messages(ws, "EMG015") == sorted(["保障协议 AGR-01（沪联通信服务有限公司）最近一次检查评估是 2025-10-09，已超过 12 个月"])


def test_emg015_new_agreement_counts_from_signing(ws):
    ws.edit_yaml(EMG, lambda d: d["agreements"][0].pop("last_checked"))
    assert findings(ws, "EMG015") == []  # signed 2025-12-30
    ws.edit_yaml(EMG, lambda d: d["agreements"][0].update(signed=dt.date(2025, 6, 30)))
    assert messages(ws, "EMG015") == sorted(["保障协议 AGR-01（沪联通信服务有限公司）自 2025-06-30 签订后从未检查评估，已超过 12 个月"])


def test_emg015_check_due_a_year_after_the_last_or_the_signing(ws):
    ws.edit_yaml(EMG, lambda d: d["agreements"][0].update(last_checked=dt.date(2025, 10, 9)))
    obligation = due_around(ws, "EMG015", "AGR-01", dt.date(2026, 10, 9))
    assert obligation.what == "检查评估保障协议 AGR-01（沪联通信服务有限公司）的执行情况" and obligation.owner == "P004"
    ws.edit_yaml(EMG, lambda d: d["agreements"][0].pop("last_checked"))
    due_around(ws, "EMG015", "AGR-01", dt.date(2026, 12, 30))  # signed 2025-12-30


# -- EMG016–EMG018 contact handbook ----------------------------------------------------------------

def test_emg016_fires_on_stale_or_phoneless_contacts(ws):
    def change(d):
        d["contacts"][16]["verified"] = dt.date(2026, 3, 1)  # 上海证监局 张伟
        d["contacts"][18].pop("phone")  # 上交所
    ws.edit_yaml(CON, change)
    found = findings(ws, "EMG016")
    assert [f.message for f in found] == [
        "应急联络人“中国证券监督管理委员会上海监管局机构监管处张伟”的联络方式最近核实于 2026-03-01，已超过 180 天",
        "应急联络人“上海证券交易所技术服务热线（值班）”没有联络电话",
    ]


def test_emg016_respects_freshness_setting(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(contact_freshness_days=30))
    assert len(findings(ws, "EMG016")) > 5
    ws.edit_yaml(CON, lambda d: d.update(contacts=[]))
    assert messages(ws, "EMG016") == sorted(["应急处置联络手册没有联络方式（contacts）"])


def test_emg016_verification_due_180_days_after_the_last(ws):
    ws.edit_yaml(CON, lambda d: d["contacts"][16].update(verified=dt.date(2026, 3, 1)))
    obligation = due_around(ws, "EMG016", "张伟", dt.date(2026, 8, 28))
    assert obligation.what == "核实应急联络人“中国证券监督管理委员会上海监管局机构监管处张伟”的联络方式"
    assert obligation.owner is None  # the register's maintainer


def test_emg017_fires_when_update_not_notified(ws):
    ws.edit_yaml(CON, lambda d: d["handbook"].update(updated=dt.date(2026, 11, 5)))
    found = findings(ws, "EMG017")
    assert [f.message for f in found] == ["应急处置联络手册 2026-11-05 更新后没有通知相关单位的记录（handbook.distributed）："
                                          "应在更新后 7 天内（2026-11-12 前，settings.contact_notice_days）通知"]
    assert found[0].line == line_of(ws, CON, "updated: 2026-11-05")


def test_emg017_measures_how_soon_the_update_was_notified(ws):
    # before: a distribution any time after the update passed; the sample's 2026.3 went out two days after
    ws.edit_yaml(CON, lambda d: d["handbook"].update(updated=dt.date(2026, 10, 20)))
    assert [f.message for f in findings(ws, "EMG017")] == [
        "应急处置联络手册 2026-10-20 更新后到 2026-10-30 才通知相关单位，超过 7 天（settings.contact_notice_days），未及时通知"]
    # within the days allowed, not yet notified is not yet late; a stricter 3 days still passes the sample
    ws.edit_yaml(CON, lambda d: d["handbook"].update(updated=dt.date(2026, 11, 18)))
    assert findings(ws, "EMG017") == []
    ws.edit_yaml(CON, lambda d: d["handbook"].update(updated=dt.date(2026, 10, 28)))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(contact_notice_days=3))
    assert findings(ws, "EMG017") == []


def test_emg017_notice_due_7_days_after_the_update_until_sent(ws):
    ws.edit_yaml(CON, lambda d: d["handbook"].update(updated=dt.date(2026, 11, 5)))
    obligation = due_around(ws, "EMG017", "通知相关单位", dt.date(2026, 11, 12))
    assert obligation.what == "将应急处置联络手册 2026.3 版（2026-11-05 更新）通知相关单位" and obligation.owner == "P014"
    # sent late is a fact of the record: a finding, nothing still due
    ws.edit_yaml(CON, lambda d: d["handbook"]["distributed"].append(
        {"date": dt.date(2026, 11, 16), "version": "2026.3", "to": "相关单位", "method": "电子邮件"}))
    assert ws.due("EMG017") == [] and len(findings(ws, "EMG017")) == 1


def test_emg018_fires_without_related_units_or_leader(ws):
    ws.edit_yaml(CON, lambda d: d.update(contacts=[c for c in d["contacts"] if c["group"] != "关联单位" and c.get("name") != "沈国华"]))
    assert messages(ws, "EMG018") == sorted([
        "应急处置联络手册没有“关联单位”的应急联络方式",
        "应急处置联络手册的“组织体系”中没有应急指挥决策机构负责人 沈国华",
    ])


# -- EMG019–EMG022 liaisons and duty line ------------------------------------------------------------

def test_emg019_fires_without_it_head_and_backup(ws):
    ws.edit_yaml(CON, lambda d: d.update(liaisons=[dict(d["liaisons"][1], role="主联络人")]))
    assert messages(ws, "EMG019") == sorted(["通报联络人中没有信息技术负责人 周明远（P001）（role: 主联络人）",
                                      "通报联络人中没有信息技术负责人的备岗（role: 备岗）"])


def test_emg019_fires_on_departed_liaison(ws):
    ws.edit_yaml(CON, lambda d: d["liaisons"][1].update(person="P020"))
    found = findings(ws, "EMG019")
    assert [f.message for f in found] == ["通报联络人 韩冬（P020） 已不在职"]
    assert found[0].line == line_of(ws, CON, "person: P020")


def test_emg020_fires_without_fax(ws):
    ws.edit_yaml(CON, lambda d: d["liaisons"][1].pop("fax"))
    assert messages(ws, "EMG020") == sorted(["通报联络人 李建国（P002） 缺少：传真（fax）"])


def test_emg021_fires_without_notification(ws):
    ws.edit_yaml(CON, lambda d: d.update(notifications=[n for n in d["notifications"] if n["to"] != "行业协会"]))
    assert messages(ws, "EMG021") == sorted([
        "通报联络人于 2026-01-05 变更后，7 天内（2026-01-12 前，settings.liaison_notice_days）没有通知行业协会（没有任何通知记录）"])
    # without any change date, a target never told is still a finding
    ws.edit_yaml(CON, lambda d: [p.pop(k, None) for p in d["liaisons"] for k in ("since", "updated")])
    assert messages(ws, "EMG021") == ["没有将通报联络人及联络方式通知行业协会的记录"]


def test_emg021_fires_when_liaison_changed_after_notification(ws):
    ws.edit_yaml(CON, lambda d: d["liaisons"][1].update(since=dt.date(2026, 6, 1)))
    assert messages(ws, "EMG021") == sorted([
        "通报联络人于 2026-06-01 变更后，7 天内（2026-06-08 前，settings.liaison_notice_days）没有通知监管部门（最近一次通知是 2026-01-09）",
        "通报联络人于 2026-06-01 变更后，7 天内（2026-06-08 前，settings.liaison_notice_days）没有通知行业协会（最近一次通知是 2026-01-12）",
        "通报联络人于 2026-06-01 变更后，7 天内（2026-06-08 前，settings.liaison_notice_days）没有通知相关单位（最近一次通知是 2026-01-12）",
    ])


def test_emg021_fires_on_a_late_notification(ws):
    # the fax changed on 2026-01-05; telling the regulator on 2026-01-20 is too late (before: any later notice passed)
    ws.edit_yaml(CON, lambda d: d["notifications"][0].update(date=dt.date(2026, 1, 20)))
    found = findings(ws, "EMG021")
    assert [f.message for f in found] == [
        "通报联络人于 2026-01-05 变更，2026-01-20 才通知监管部门，超过 7 天（应不晚于 2026-01-12，settings.liaison_notice_days），未及时通知"]
    assert found[0].line == line_of(ws, CON, "date: 2026-01-20")


def test_emg021_lists_a_pending_notification_as_due(ws):
    # the backup liaison's phone changed three days ago: the notices are due within the week, not yet late
    ws.edit_yaml(CON, lambda d: d["liaisons"][1].update(updated=dt.date(2026, 11, 18)))
    assert findings(ws, "EMG021") == []
    due = get("EMG021").due(ws.load())
    assert sorted((d.what, d.due) for d in due) == sorted(
        (f"将通报联络人及联络方式通知{target}", dt.date(2026, 11, 25)) for target in ("相关单位", "监管部门", "行业协会"))
    assert len(findings(ws, "EMG021", as_of=dt.date(2026, 11, 26))) == 3


def test_emg021_quiet_on_prompt_notices_under_a_stricter_setting(ws):
    # stricter than the default: notices within 2 days of the change, with a 2-day deadline
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(liaison_notice_days=2))
    ws.edit_yaml(CON, lambda d: [n.update(date=dt.date(2026, 1, 5 + i)) for i, n in enumerate(d["notifications"])])
    assert findings(ws, "EMG021") == []
    # the sample's notice to 行业协会 on 2026-01-12 is 7 days after the change: too late for a 2-day deadline
    ws.edit_yaml(CON, lambda d: d["notifications"][1].update(date=dt.date(2026, 1, 12)))
    assert len(findings(ws, "EMG021")) == 1


def test_emg022_fires_on_office_hours_duty_line(ws):
    ws.edit_yaml(CON, lambda d: d["duty_line"].update(hours="工作日 8:30—17:30"))
    assert messages(ws, "EMG022") == sorted(["应急值守时间为“工作日 8:30—17:30”，应实行 7×24 小时联络制度"])
    ws.edit_yaml(CON, lambda d: d["duty_line"].update(hours="7x24"))
    assert findings(ws, "EMG022") == []
    ws.edit_yaml(CON, lambda d: d.pop("duty_line"))
    assert messages(ws, "EMG022") == sorted(["未登记应急值守电话（duty_line）"])


def test_emg022_a_7x24_label_needs_a_recent_dial_test(ws):
    # sample: tested 2026-11-16, the organisation tests weekly (duty_phone_test_days: 7)
    assert findings(ws, "EMG022", as_of=dt.date(2026, 11, 23)) == []
    assert messages(ws, "EMG022", as_of=dt.date(2026, 11, 24)) == [
        "应急值守电话最近一次拨测在 2026-11-16，已超过 7 天（settings.duty_phone_test_days），无法证明电话始终可用"]
    ws.edit_yaml(CON, lambda d: d["duty_line"].pop("last_tested"))
    assert messages(ws, "EMG022") == ["应急值守电话没有拨测记录（duty_line.last_tested），无法证明电话始终可用"]


def test_emg022_fires_without_forwarding_and_on_a_departed_watcher(ws):
    ws.edit_yaml(CON, lambda d: (d["duty_line"].pop("forwarding"), d["duty_line"].update(watch=["P013", "P020"])))
    assert messages(ws, "EMG022") == [
        "应急值守负责人 韩冬（P020） 已不在职",
        "没有写明应急值守电话无人接听时的转接方式（duty_line.forwarding）：7×24 联络要求无人接听时也能接通"]


# -- EMG023 / EMG024 ---------------------------------------------------------------------------------------

def test_emg023_fires_on_missing_card(ws):
    ws.edit_yaml(EMG, lambda d: d.update(cards=[c for c in d["cards"] if c["name"] not in ("马超", "苏婉")]))
    assert messages(ws, "EMG023") == sorted(["苏婉 没有应急工作卡片", "马超（P013） 没有应急工作卡片"])


def test_emg023_fires_on_card_without_tasks_or_contacts(ws):
    def change(d):
        d["cards"][0].pop("tasks")
        d["cards"][1]["contacts"] = [{"name": "沈国华"}]
    ws.edit_yaml(EMG, change)
    assert messages(ws, "EMG023") == sorted(["沈国华 的应急工作卡片没有写明关键任务（tasks）",
                                      "周明远 的应急工作卡片没有带联络方式的主要应急联络人（contacts）"])


def test_emg024_fires_on_missing_kind_and_location(ws):
    def change(d):
        d["tech_docs"].pop()  # 应急操作手册
        d["tech_docs"][0].pop("location")
    ws.edit_yaml(EMG, change)
    assert messages(ws, "EMG024") == sorted(["技术资料“网络拓扑与设备配置说明”未写明存放位置（location）",
                                      "技术资料和软件备份缺少：应急操作手册"])


# -- EMG025–EMG029 spares, supplies, funds -----------------------------------------------------------------

def test_emg025_fires_on_unchecked_spare(ws):
    def change(d):
        d["spares"][0]["last_check"] = dt.date(2026, 4, 1)
        d["spares"][1]["quantity"] = 0
    ws.edit_yaml(EMG, change)
    assert messages(ws, "EMG025") == sorted(["备品配件“交易服务器电源模块”最近一次评估检测是 2026-04-01，已超过 6 个月",
                                      "备品配件“交易服务器内存条 64GB”数量为 0"])
    ws.edit_yaml(EMG, lambda d: d.update(spares=[]))
    assert messages(ws, "EMG025") == sorted(["没有重要设备备品配件记录（spares）"])


def test_emg025_check_due_six_months_after_the_last_by_the_devices_owner(ws):
    ws.edit_yaml(EMG, lambda d: d["spares"][0].update(last_check=dt.date(2026, 4, 1)))
    obligation = due_around(ws, "EMG025", "交易服务器电源模块", dt.date(2026, 10, 1))
    assert obligation.owner == "P005"  # DEV-SRV-001's owner
    ws.edit_yaml(EMG, lambda d: d["spares"][0].update(devices=["DEV-XXX-999"]))
    assert [o.owner for o in ws.due("EMG025") if "电源模块" in o.what][:1] == ["P003"]  # else the asset manager


def test_emg026_fires_on_missing_category_and_stale_inventory(ws):
    def change(d):
        d["supplies"] = [s for s in d["supplies"] if s["category"] != "应急照明"]
        d["supplies"][0]["last_inventory"] = dt.date(2026, 3, 1)
    ws.edit_yaml(EMG, change)
    # the sample's organisation inventories supplies quarterly (supplies_check_months: 3), as its plan says
    assert messages(ws, "EMG026") == sorted(["应急物资“卫星电话”最近一次盘点是 2026-03-01，已超过 3 个月",
                                      "没有储备以下类别的应急设备或物资：应急照明"])


def test_emg026_inventory_due_a_quarter_after_the_last(ws):
    ws.edit_yaml(EMG, lambda d: d["supplies"][0].update(last_inventory=dt.date(2026, 8, 20)))
    obligation = due_around(ws, "EMG026", "卫星电话", dt.date(2026, 11, 20))  # the sample inventories quarterly
    assert obligation.what == "盘点应急物资“卫星电话”" and obligation.owner == "P003"  # the asset manager


def test_emg027_fires_on_expired_supply(ws):
    ws.edit_yaml(EMG, lambda d: d["supplies"][3].update(expires=dt.date(2026, 11, 1)))
    found = findings(ws, "EMG027")
    assert [f.message for f in found] == ["应急物资“手提式七氟丙烷灭火器”已于 2026-11-01 过期，应及时更新"]
    assert found[0].line == line_of(ws, EMG, "expires: 2026-11-01")
    assert findings(ws, "EMG028") == []


def test_emg028_warns_before_expiry(ws):
    ws.edit_yaml(EMG, lambda d: d["supplies"][3].update(expires=dt.date(2026, 12, 10)))
    found = findings(ws, "EMG028")
    assert [f.message for f in found] == ["应急物资“手提式七氟丙烷灭火器”将于 2026-12-10 到期，请及时更新"]
    assert found[0].severity == "warning" and findings(ws, "EMG027") == []
    ws.edit_yaml(EMG, lambda d: d["supplies"][3].update(expires=dt.date(2027, 1, 31)))
    assert findings(ws, "EMG028") == []


def test_emg029_fires_without_current_year_funds(ws):
    ws.edit_yaml(EMG, lambda d: d.update(funds=d["funds"][:1]))
    assert messages(ws, "EMG029") == sorted(["没有 2026 年的应急保障资金记录（funds）"])
    ws.edit_yaml(EMG, lambda d: d["funds"].append({"year": 2026, "amount": 0}))
    assert messages(ws, "EMG029") == sorted(["2026 年应急保障资金没有金额（amount）", "2026 年应急保障资金没有批准日期（approved）"])


# -- EMG030–EMG034 drills --------------------------------------------------------------------------------------

def test_emg030_fires_on_incomplete_plan(ws):
    def change(d):
        d["plans"][1].pop("method")
        d["plans"][1].pop("recovery_verification")
    ws.edit_yaml(DRL, change)
    found = findings(ws, "EMG030")
    assert [f.message for f in found] == ["应急演练计划 DPL-2026-01 缺少：方式（method）、系统恢复与验证要求（recovery_verification）"]
    assert found[0].line == line_of(ws, DRL, "id: DPL-2026-01")


def test_emg030_fires_on_drill_without_plan(ws):
    def change(d):
        d["drills"][0].pop("plan")
        d["drills"][1]["plan"] = "DPL-2026-09"
    ws.edit_yaml(DRL, change)
    assert messages(ws, "EMG030") == sorted(["演练 DRL-2025-01 没有对应的演练计划（plan）", "演练 DRL-2026-01 引用的演练计划 DPL-2026-09 不存在"])


def test_emg031_fires_on_half_year_without_drill(ws):
    ws.edit_yaml(DRL, lambda d: d.update(drills=[x for x in d["drills"] if x["id"] != "DRL-2026-01"]))
    found = findings(ws, "EMG031")
    assert [f.message for f in found] == ["2026 年上半年没有组织应急演练；每半年应至少组织一次"]
    assert found[0].file == DRL


def test_emg031_current_half_not_required_until_it_ends(ws):
    ws.edit_yaml(DRL, lambda d: by_id(d["drills"], "DRL-2026-02").update(status="计划中"))
    assert findings(ws, "EMG031") == []
    assert messages(ws, "EMG031", as_of=dt.date(2027, 1, 5)) == ["2026 年下半年没有组织应急演练；每半年应至少组织一次"]


def test_emg031_first_half_from_records_since(ws):
    ws.edit_yaml(DRL, lambda d: d.update(records_since=dt.date(2025, 1, 1)))
    assert messages(ws, "EMG031") == sorted(["2025 年上半年没有组织应急演练；每半年应至少组织一次"])
    ws.edit_yaml(DRL, lambda d: d.update(drills=[]))
    ws.edit_yaml(DRL, lambda d: d.pop("records_since"))
    assert messages(ws, "EMG031") == sorted(["没有应急演练记录；每半年应至少组织一次应急演练"])


def test_emg032_fires_on_missing_or_early_disposed_record(ws):
    def change(d):
        d["drills"][0].pop("record")
        d["drills"][1]["record_disposed"] = dt.date(2026, 10, 1)
    ws.edit_yaml(DRL, change)
    assert messages(ws, "EMG032") == sorted([
        "演练 DRL-2025-01（2025-10-25）没有登记演练记录的存放位置（record）",
        "演练 DRL-2026-01（2026-04-18）的记录于 2026-10-01 销毁，应保存至 2028-04-17（至少两年）",
    ])


def test_emg032_quiet_after_retention(ws):
    ws.edit_yaml(DRL, lambda d: d["drills"][0].update(record_disposed=dt.date(2027, 11, 1)))
    assert findings(ws, "EMG032", as_of=dt.date(2027, 12, 1)) == []


def test_emg033_fires_on_overdue_or_ownerless_issue(ws):
    def change(d):
        issues = by_id(d["drills"], "DRL-2026-01")["issues"]
        issues[0]["due"] = dt.date(2026, 10, 31)
        by_id(d["drills"], "DRL-2026-02")["issues"][1].pop("owner")
    ws.edit_yaml(DRL, change)
    found = findings(ws, "EMG033")
    assert [f.message for f in found] == [
        "演练 DRL-2026-01 发现的问题“备用行情源切换依赖手工执行 5 条命令”已超过完成期限 2026-10-31，尚未关闭",
        "演练 DRL-2026-02 发现的问题“数据库切换后监控平台个别指标采集需手工重启”缺少：责任人（owner）",
    ]
    assert found[0].line == line_of(ws, DRL, "due: 2026-10-31")


def test_emg033_fires_on_departed_owner(ws):
    ws.edit_yaml(DRL, lambda d: by_id(d["drills"], "DRL-2026-01")["issues"][0].update(owner="P020"))
    assert messages(ws, "EMG033") == sorted(["演练 DRL-2026-01 发现的问题“备用行情源切换依赖手工执行 5 条命令”的责任人 韩冬（P020） 已不在职"])


def test_emg033_improvement_due_on_its_deadline_until_closed(ws):
    obligation = due_around(ws, "EMG033", "备用行情源切换", dt.date(2026, 12, 31))  # the sample's open issue
    assert obligation.owner == "P015"
    ws.edit_yaml(DRL, lambda d: by_id(d["drills"], "DRL-2026-01")["issues"][0].update(closed=dt.date(2026, 12, 20)))
    assert not [o for o in ws.due("EMG033", dt.date(2027, 1, 1)) if "备用行情源切换" in o.what]


def test_emg034_fires_without_yearly_report(ws):
    ws.edit_yaml(DRL, lambda d: d.update(reports=[]))
    found = findings(ws, "EMG034")
    assert [f.message for f in found] == ["没有 2025 年度应急演练情况报告（应于 2026-03-31 前向中国证券监督管理委员会上海监管局报告）"]
    assert findings(ws, "EMG034", as_of=dt.date(2026, 2, 15)) == []  # not yet due


def test_emg034_report_due_three_months_into_the_next_year(ws):
    ws.edit_yaml(DRL, lambda d: d.update(reports=[]))
    obligation = due_around(ws, "EMG034", "2025 年度", dt.date(2026, 3, 31))
    assert obligation.what == "向中国证券监督管理委员会上海监管局报送 2025 年度应急演练情况报告"
    # this year's report is listed before the year ends, due the next spring
    assert [o.due for o in ws.due("EMG034") if "2026 年度" in o.what] == [dt.date(2027, 3, 31)]


def test_emg034_fires_on_wrong_recipient(ws):
    ws.edit_yaml(DRL, lambda d: d["reports"][0].update(to="中国证券业协会"))
    assert messages(ws, "EMG034") == sorted(["2025 年度应急演练情况报告报送给了“中国证券业协会”；经营机构应报告中国证券监督管理委员会上海监管局"])


# -- EMG035 / EMG036 training -------------------------------------------------------------------------------------

def drop_emergency_trainings(d):
    d["records"] = [r for r in d["records"] if r.get("category") != "应急"]


def test_emg035_fires_without_emergency_training(ws):
    ws.edit_yaml(TRN, drop_emergency_trainings)
    found = findings(ws, "EMG035")
    assert [f.message for f in found] == ["没有应急培训记录（category: 应急）；应定期开展应急培训"]
    assert found[0].file == TRN


def test_emg035_fires_when_overdue(ws):
    assert messages(ws, "EMG035", as_of=dt.date(2027, 10, 1)) == ["最近一次应急培训是 2026-09-11，已超过 12 个月"]


def test_emg035_training_due_a_year_after_the_last(ws):
    obligation = due_around(ws, "EMG035", "应急培训", dt.date(2027, 9, 11))
    assert obligation.what == "开展应急培训" and obligation.owner is None  # the training register's maintainer


def test_emg036_warns_when_training_skips_the_rules(ws):
    def change(d):
        for record in d["records"]:
            if record.get("category") == "应急":
                record["topic"] = "网络与信息安全事件应急预案培训"
                record["materials"] = "培训档案 / 应急预案培训.pptx"
    ws.edit_yaml(TRN, change)
    found = findings(ws, "EMG036")
    assert [f.message for f in found] == ["近 12 个月的应急培训没有涉及证券期货业信息安全应急处置的有关规定"]
    assert found[0].file == TRN and found[0].line == line_of(ws, TRN, "records:")


def test_emg036_warns_when_training_skips_the_plan(ws):
    def change(d):
        for record in d["records"]:
            if record.get("category") == "应急":
                record["topic"] = "证券期货业网络和信息安全事件报告规定解读"
                record.pop("materials", None)
    ws.edit_yaml(TRN, change)
    found = findings(ws, "EMG036")
    assert [f.message for f in found] == ["近 12 个月的应急培训没有涉及应急预案"]
    assert found[0].severity == "warning"


# -- EMG037 应急通讯联络系统 ----------------------------------------------------------

def test_emg037_fires_on_an_untested_or_long_untested_system(ws):
    # before: prep-30 was a register entry; a satellite phone untested for a year went unnoticed
    ws.edit_yaml(CON, lambda d: d["communication_systems"][3].update(last_tested=dt.date(2025, 11, 1)))
    ws.edit_yaml(CON, lambda d: d["communication_systems"][1].pop("last_tested"))
    found = ws.findings("EMG037")
    assert sorted(f.message for f in found) == [
        "应急通讯系统“卫星电话”最近一次测试在 2025-11-01，已超过 6 个月（settings.communication_test_months），应于 2026-05-01 前再测试一次",
        "应急通讯系统“应急短信平台”没有测试记录（last_tested），无法确认有效",
    ]
    assert all(f.file == CON for f in found)


def test_emg037_fires_on_a_single_kind_of_communication(ws):
    ws.edit_yaml(CON, lambda d: d.update(communication_systems=d["communication_systems"][:1]))
    assert [f.message for f in ws.findings("EMG037")] == [
        "应急通讯联络系统（communication_systems）只有“固定电话”一种类型：应至少有两种不同类型的通讯方式，一种中断时仍能联络"]


def test_emg037_quiet_with_a_stricter_cycle_met(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(communication_test_months=3))
    assert ws.findings("EMG037") == []  # every system tested since 2026-09-19
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(communication_test_months=2))
    assert len(ws.findings("EMG037")) == 2  # 2026-09-19 + 2 months < 2026-11-21


def test_emg037_test_due_six_months_after_the_last(ws):
    ws.edit_yaml(CON, lambda d: d["communication_systems"][3].update(last_tested=dt.date(2025, 11, 1)))
    obligation = due_around(ws, "EMG037", "卫星电话", dt.date(2026, 5, 1))
    assert obligation.what == "测试应急通讯系统“卫星电话”"

