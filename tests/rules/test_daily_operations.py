"""日常操作 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import findings, fired, line_of as _line_of
from checks.rules import get

OPS = "registers/operations.yaml"
RULES = ("OPS001", "OPS002", "OPS003", "OPS004", "OPS005", "OPS006", "OPS007")
CHG = "registers/changes.yaml"
MAN = "docs/manuals/operations-manual.md"

FRONT = """---
id: MAN-01
title: 测试操作手册
kind: manual
category: 技术文档
author: P015
approver: P002
version: "1.0"
status: {status}
revisions:
  - {{version: "1.0", date: 2026-10-08, author: P015, approver: P002, summary: 首次发布}}
---

# 测试操作手册
"""

COMPLETE = """
### 集中交易系统开盘前检查

**操作对象**：集中交易系统（CI-APP-TRADE）

**操作时间**：每个交易日 08:00～08:40

**操作步骤**：

1. 登录堡垒机；
2. 检查进程状态。

**操作指令**：

```bash
trade-ctl status --all
```

**操作要点**：系统日期不一致的，不得开市。

**复核要点**：复核人核对进程数量。

- **操作人**：高翔（P015）

**复核人：** 徐婷（P016）
"""

BROKEN = """
### 行情系统启动

**操作对象**：行情系统（CI-APP-QUOTE）

**操作时间**：每个交易日 08:10～08:50

**操作步骤**：按顺序启动接收服务和转发服务。

**操作要点**：先启动接收服务。

**复核要点**：核对昨收价。

**操作人**：高翔（P015）

**复核人**：
"""


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def manual_paths(ws):
    return [rel for rel in ws.files("docs", "*.md") if "kind: manual" in ws.read(rel)]


def write_manual(ws, body, status="active"):
    """Replace the sample's manuals with one fixture manual; return its path."""
    for rel in manual_paths(ws):
        ws.remove(rel)
    rel = "docs/manuals/test-manual.md"
    ws.write(rel, FRONT.format(status=status) + body)
    return rel


def edit_op(ws, op_id, **changes):
    def change(data):
        op = next(o for o in data["operations"] if o["id"] == op_id)
        for key, value in changes.items():
            if value is None:
                op.pop(key, None)
            else:
                op[key] = value
    ws.edit_yaml(OPS, change)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- OPS001 operations manual ----------------------------------------------------------

def test_ops001_fires_without_manual(ws):
    for rel in manual_paths(ws):
        ws.remove(rel)
    found = ws.findings("OPS001")
    assert [f.message for f in found] == ["没有操作手册（头信息 kind: manual 的现行文档）"]


def test_ops001_fires_on_draft_manual(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE, status="draft")
    found = ws.findings("OPS001")
    assert [f.message for f in found] == ["操作手册《测试操作手册》不是现行版本（状态为 draft）"]
    assert found[0].file == rel and found[0].line == line_of(ws, rel, "status: draft")


def test_ops001_fires_without_approver(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE)
    ws.replace(rel, "approver: P002\n", "")
    assert [f.message for f in ws.findings("OPS001")] == ["操作手册《测试操作手册》没有写明审批人（approver），不能视为经审批通过"]


def test_ops001_fires_when_not_reviewed(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE)
    ws.replace(rel, "status: active\n", "status: active\nlast_reviewed: 2025-09-30\n")
    ws.replace(rel, "date: 2026-10-08", "date: 2025-06-01")
    found = ws.findings("OPS001")
    assert [f.message for f in found] == ["操作手册《测试操作手册》最近一次评审或修订在 2025-09-30，已超过 12 个月（应于 2026-09-30 前评审）"]
    assert found[0].line == line_of(ws, rel, "last_reviewed: 2025-09-30")


def test_ops001_fires_without_any_review_date(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE)
    text = ws.read(rel)
    ws.write(rel, text[:text.index("revisions:")] + text[text.index("---", 5):])
    assert [f.message for f in ws.findings("OPS001")] == ["操作手册《测试操作手册》没有评审日期（last_reviewed）或修订记录，无法确认及时修订"]


# -- OPS002 eight elements ---------------------------------------------------------------

def test_ops002_quiet_on_complete_procedure(ws):
    write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE)
    assert ws.findings("OPS002") == []


def test_ops002_fires_on_missing_and_empty_elements(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE + BROKEN + "\n## 应急操作\n\n**操作指令**：不计入上一规程\n")
    found = ws.findings("OPS002")
    assert sorted(f.message for f in found) == sorted([
        "操作规程“行情系统启动”缺少要素：操作指令",
        "操作规程“行情系统启动”的要素内容为空：复核人",
    ])
    assert {f.file for f in found} == {rel}
    assert {f.line for f in found} == {line_of(ws, rel, "### 行情系统启动")}


def test_ops002_fires_without_section(ws):
    rel = write_manual(ws, "## 日常操作\n" + COMPLETE)
    found = ws.findings("OPS002")
    assert [f.message for f in found] == ["操作手册《测试操作手册》中没有“## 交易业务系统操作规程”一节"]
    assert found[0].file == rel


def test_ops002_fires_on_empty_section(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n\n待补充。\n\n## 应急操作\n" + COMPLETE)
    found = ws.findings("OPS002")
    assert [f.message for f in found] == ["《测试操作手册》的“交易业务系统操作规程”下没有任何操作规程（### 标题）"]
    assert found[0].line == line_of(ws, rel, "## 交易业务系统操作规程")


def test_ops002_fires_on_sample_manual_when_an_element_is_dropped(ws):
    rel = next(r for r in manual_paths(ws))
    ws.replace(rel, "**复核要点**", "复核要点")  # only the first procedure loses its bold label
    found = ws.findings("OPS002")
    assert len(found) == 1 and found[0].message.endswith("缺少要素：复核要点")


# -- OPS003 special and temporary operations ----------------------------------------------

def test_ops003_fires_when_approved_after_start(ws):
    edit_op(ws, "OP-2026-1118-01", approved="2026-11-18 20:10")
    found = ws.findings("OPS003")
    assert [f.message for f in found] == [
        "特殊操作 OP-2026-1118-01（调整融资融券标的证券折算率参数） 在 2026-11-18 20:10 才批准，晚于开始时间 2026-11-18 20:00：应经批准后方可执行"]
    assert found[0].file == OPS and found[0].line == line_of(ws, OPS, "approved: 2026-11-18 20:10")


def test_ops003_fires_without_approval(ws):
    edit_op(ws, "OP-2026-0925-01", approved=None, approved_by=None)
    assert [f.message for f in ws.findings("OPS003")] == [
        "临时操作 OP-2026-0925-01（导出融资融券客户担保品明细（监管报送专项）） 没有审批记录（缺少批准人、批准时间）"]


def test_ops003_fires_when_one_person_does_it_all(ws):
    edit_op(ws, "OP-2026-1118-01", reviewer="P016", approved_by="P016")
    messages = sorted(f.message for f in ws.findings("OPS003"))
    assert messages == [
        "特殊操作 OP-2026-1118-01（调整融资融券标的证券折算率参数） 的批准人 徐婷（P016） 同时是执行人，不能自己批准自己的操作",
        "特殊操作 OP-2026-1118-01（调整融资融券标的证券折算率参数） 的操作人和复核人是同一人 徐婷（P016），不是双岗执行",
    ]


def test_ops003_fires_without_reviewer_and_record(ws):
    edit_op(ws, "OP-2026-0814-01", reviewer=None, record=None)
    messages = sorted(f.message for f in ws.findings("OPS003"))
    assert messages == [
        "特殊操作 OP-2026-0814-01（修正 3 个客户资金账户的冻结标志（生产数据修改）） 没有写明操作记录的位置（record），无法证明记录留痕",
        "特殊操作 OP-2026-0814-01（修正 3 个客户资金账户的冻结标志（生产数据修改）） 没有双岗执行（缺少复核人）",
    ]


def test_ops003_staff_who_left_later_is_fine(ws):
    edit_op(ws, "OP-2026-0814-01", reviewer="P020")  # 韩冬 left on 2025-12-31
    assert [f.message for f in ws.findings("OPS003")] == [
        "特殊操作 OP-2026-0814-01（修正 3 个客户资金账户的冻结标志（生产数据修改）） 的复核人 韩冬（P020） 在操作日期 2026-08-14 已不在职"]
    edit_op(ws, "OP-2026-0814-01", approved="2025-08-14 15:50", start="2025-08-14 16:30", end="2025-08-14 16:55")
    assert ws.findings("OPS003") == []


def test_ops003_ignores_routine_operations(ws):
    edit_op(ws, "OP-2026-1120-01", reviewer=None)
    assert ws.findings("OPS003") == []


# -- OPS004 record retention ----------------------------------------------------------------

def edit_store(ws, index, **changes):
    ws.edit_yaml(OPS, lambda d: d["record_stores"][index].update(changes))


def test_ops004_fires_on_short_retention(ws):
    edit_store(ws, 0, retention_days=180)
    found = ws.findings("OPS004")
    assert [f.message for f in found] == ["操作记录存放处“堡垒机会话录像和命令日志”的保存期限 180 天少于 365 天"]
    assert found[0].line == line_of(ws, OPS, "retention_days: 180")


def test_ops004_fires_when_records_do_not_reach_back(ws):
    edit_store(ws, 0, earliest_record=dt.date(2026, 3, 1))
    assert [f.message for f in ws.findings("OPS004")] == [
        "操作记录存放处“堡垒机会话录像和命令日志”最早只能查到 2026-03-01 的记录，不满 365 天（应至少可查到 2025-11-21 或系统投产之日的记录）"]


def test_ops004_young_system_needs_records_since_go_live(ws):
    def change(d):
        item = next(i for i in d["items"] if i["id"] == "CI-APP-QUOTE")
        item["in_service"] = dt.date(2026, 5, 1)
    ws.edit_yaml("registers/configuration.yaml", change)
    ws.edit_yaml(OPS, lambda d: d["record_stores"].append(
        {"id": "OPR-03", "name": "新行情系统操作日志", "systems": ["CI-APP-QUOTE"], "location": "日志审计平台",
         "retention_days": 400, "earliest_record": dt.date(2026, 5, 1)}))
    assert ws.findings("OPS004") == []


def test_ops004_fires_on_uncovered_trading_system(ws):
    def change(d):
        for store in d["record_stores"]:
            store["systems"].remove("CI-APP-CLEAR")
    ws.edit_yaml(OPS, change)
    found = ws.findings("OPS004")
    assert [f.message for f in found] == ["交易业务系统 清算系统（CI-APP-CLEAR） 的操作记录没有登记存放位置和保存期限"]
    assert found[0].line == line_of(ws, OPS, "record_stores:")


def test_ops004_fires_without_stores(ws):
    ws.edit_yaml(OPS, lambda d: d.pop("record_stores"))
    assert [f.message for f in ws.findings("OPS004")] == ["没有登记交易业务系统操作记录的存放位置和保存期限（record_stores）"]


def test_ops004_respects_settings(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(operation_record_retention_days=1100))
    assert [f.message for f in ws.findings("OPS004")] == ["操作记录存放处“堡垒机会话录像和命令日志”的保存期限 1095 天少于 1100 天"]


# -- OPS005 environments ------------------------------------------------------------------------

def test_ops005_fires_when_not_separate(ws):
    def change(d):
        d["environments"][0]["monitoring"]["separate"] = False
        d["environments"][0]["operation"]["shared_with"] = ["测试"]
    ws.edit_yaml(OPS, change)
    messages = sorted(f.message for f in ws.findings("OPS005"))
    names = "集中交易系统（CI-APP-TRADE）、网上交易系统（CI-APP-ONLINE）、融资融券系统（CI-APP-MARGIN）、行情系统（CI-APP-QUOTE）"
    assert messages == [f"{names} 的操作环境仍与测试环境共用，应严格分离", f"{names} 的监控环境没有独立设置（monitoring.separate 应为 true）"]


def test_ops005_fires_on_unlisted_core_system(ws):
    ws.edit_yaml(OPS, lambda d: d["environments"][0]["systems"].remove("CI-APP-QUOTE"))
    found = ws.findings("OPS005")
    assert [f.message for f in found] == ["核心交易业务系统 行情系统（CI-APP-QUOTE） 没有登记独立的操作和监控环境（environments）"]
    assert found[0].line == line_of(ws, OPS, "environments:")


def test_ops005_fires_without_dev_test(ws):
    ws.edit_yaml(OPS, lambda d: d["environments"][0].pop("dev_test"))
    assert len(ws.findings("OPS005")) == 1 and "dev_test" in ws.findings("OPS005")[0].message


def test_ops005_separation_is_read_from_the_test_register(ws):
    # operations.yaml still says all is separate; the test register says ENV-SIM-02 is not
    ws.edit_yaml("registers/system_tests.yaml",
                 lambda d: next(e for e in d["environments"] if e["id"] == "ENV-SIM-02").update(separate_from_production=False))
    assert [f.message for f in findings(ws, "OPS005")] == [
        "行情系统（CI-APP-QUOTE） 的模拟环境 ENV-SIM-02（行情与互联网应用模拟环境）在 registers/system_tests.yaml 中"
        "未确认与生产环境分离（separate_from_production: true），与开发、测试环境严格分离没有依据"]


def test_ops005_quiet_for_test_environments_of_other_systems(ws):
    ws.edit_yaml("registers/system_tests.yaml", lambda d: d["environments"].append(
        {"id": "ENV-SIM-09", "name": "门户预发布环境", "systems": ["CI-APP-PORTAL"], "separate_from_production": False}))
    assert findings(ws, "OPS005") == []  # the portal is not a core trading system


# -- OPS006 routine operations follow the manual ------------------------------------------------------

def test_ops006_fires_on_unknown_procedure(ws):
    edit_op(ws, "OP-2026-1120-02", procedure="行情系统开机")
    found = ws.findings("OPS006")
    assert [f.message for f in found] == ["例行操作 OP-2026-1120-02 依据的操作规程“行情系统开机”不在现行操作手册中"]
    assert found[0].line == line_of(ws, OPS, "procedure: 行情系统开机")


def test_ops006_fires_on_missing_procedure_and_reviewer(ws):
    edit_op(ws, "OP-2026-1120-03", procedure=None, reviewer=None)
    messages = sorted(f.message for f in ws.findings("OPS006"))
    assert messages == ["交易业务系统例行操作 OP-2026-1120-03 没有写明所依据的操作规程（procedure）",
                        "交易业务系统例行操作 OP-2026-1120-03 缺少复核人"]


def test_ops006_fires_when_operator_reviews_himself(ws):
    edit_op(ws, "OP-2026-1120-05", reviewer="P006")
    assert [f.message for f in ws.findings("OPS006")] == ["交易业务系统例行操作 OP-2026-1120-05 的操作人和复核人是同一人 赵敏（P006）"]


def test_ops006_quiet_on_non_trading_routine_operation(ws):
    ws.edit_yaml(OPS, lambda d: d["operations"].append(
        {"id": "OP-2026-1120-09", "kind": "例行操作", "title": "门户网站内容发布", "systems": ["CI-APP-PORTAL"],
         "start": "2026-11-20 10:00", "operator": "P016"}))
    assert ws.findings("OPS006") == []


# -- OPS007 manual revised after a change ---------------------------------------------------

def edit_change(ws, change_id, change):
    def edit(data):
        change(next(c for c in data["changes"] if c["id"] == change_id))
    ws.edit_yaml(CHG, edit)


def edit_revision(ws, version, **changes):
    ws.edit_front_matter(MAN, lambda m: next(r for r in m["revisions"] if r["version"] == version).update(changes))


def test_ops007_fires_when_a_change_to_a_manual_system_left_the_manual_alone(ws):
    # the OS patch of the trading servers (2026-10-03) says nothing about the manual: OPS001 saw a manual
    # reviewed within the year and was quiet; the change register shows the gap
    edit_change(ws, "CHG-2026-044", lambda c: c.pop("manuals"))
    assert ws.findings("OPS001") == []
    found = ws.findings("OPS007")
    assert [f.message for f in found] == [
        "变更 CHG-2026-044 于 2026-10-03 实施，改变了操作手册《运维操作手册》涉及的 交易服务器操作系统（CI-OS-TRADE）、"
        "交易服务器 01（CI-SRV-TRADE-01）、交易服务器 02（CI-SRV-TRADE-02），10 天内（2026-10-13 前，"
        "settings.manual_revision_days）没有修订手册，也没有写明无需修订的理由（manuals: [{document: MAN-01, version: …}]）"]
    assert found[0].file == CHG and found[0].line == _line_of(ws, CHG, "status:", after="id: CHG-2026-044")


def test_ops007_lists_a_pending_revision_as_due_and_fires_after_the_deadline(ws):
    # the quote system upgrade was implemented on 2026-11-14: the revision is due by 2026-11-24
    edit_change(ws, "CHG-2026-052", lambda c: c.pop("manuals"))
    assert ws.findings("OPS007") == []
    due = get("OPS007").due(ws.load())
    assert [(d.what, d.due) for d in due] == [
        ("修订操作手册《运维操作手册》或写明无需修订的理由（变更 CHG-2026-052）", dt.date(2026, 11, 24))]
    assert due[0].owner == "P016"  # the implementer
    assert [f.message[:40] for f in ws.findings("OPS007", dt.date(2026, 11, 25))] == [
        "变更 CHG-2026-052 于 2026-11-14 实施，改变了操作手册《运维操作手册》涉及的 行情系统（CI-APP-QUOTE）"[:40]]


def test_ops007_fires_on_a_late_revision(ws):
    # revision 4.3 (2026-11-13) is far later than ten days after the OS patch of 2026-10-03
    edit_change(ws, "CHG-2026-044", lambda c: c.update(manuals=[{"document": "MAN-01", "version": "4.3"}]))
    assert [f.message for f in ws.findings("OPS007")] == [
        "变更 CHG-2026-044 于 2026-10-03 实施，手册《运维操作手册》2026-11-13 才修订为 4.3 版，超过 10 天"
        "（应不晚于 2026-10-13，settings.manual_revision_days），未及时修订"]


def test_ops007_fires_on_a_version_the_manual_does_not_have_or_a_revision_before_the_change(ws):
    edit_change(ws, "CHG-2026-052", lambda c: c.update(manuals=[{"document": "MAN-01", "version": "4.4"}]))
    assert [f.message for f in ws.findings("OPS007")] == [
        "变更 CHG-2026-052 写明手册《运维操作手册》修订为 4.4 版，但手册的修订记录（revisions）中没有 4.4 版"]
    edit_change(ws, "CHG-2026-052", lambda c: c.update(manuals=[{"document": "MAN-01", "version": "4.2"}]))
    assert [f.message for f in ws.findings("OPS007")] == [
        "手册《运维操作手册》4.2 版修订于 2026-06-19，早于变更 CHG-2026-052 的申请（2026-10-26），不是依据本次变更的修订"]


def test_ops007_fires_on_an_unapproved_revision(ws):
    ws.edit_front_matter(MAN, lambda m: next(r for r in m["revisions"] if r["version"] == "4.3").pop("approver"))
    found = ws.findings("OPS007")
    assert [f.message for f in found] == [
        "手册《运维操作手册》4.3 版（依据变更 CHG-2026-052 修订）没有审批人（approver），修订应经审批通过后执行"]
    assert found[0].file == MAN


def test_ops007_fires_on_an_answer_with_neither_or_both(ws):
    edit_change(ws, "CHG-2026-035", lambda c: c["manuals"][0].update(version="4.3"))
    edit_change(ws, "CHG-2026-027", lambda c: c["manuals"][0].pop("reason"))
    assert sorted(f.message for f in ws.findings("OPS007")) == [
        "变更 CHG-2026-027 对手册 MAN-01 没有写修订后的版本（version）或无需修订的理由（reason）",
        "变更 CHG-2026-035 对手册 MAN-01 同时写了修订版本和无需修订的理由：只写其一"]


def test_ops007_reads_the_systems_from_the_procedures_when_the_front_matter_names_none(ws):
    # the fixture manual has no `systems`; its procedure's 操作对象 names CI-APP-TRADE
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE)
    ws.replace(rel, "date: 2026-10-08", "date: 2019-07-05")  # issued before the changes of 2026
    assert ws.findings("OPS007") == []  # CHG-2026-012 (CI-APP-TRADE) gives its reason for MAN-01
    edit_change(ws, "CHG-2026-012", lambda c: c.pop("manuals"))
    assert [f.message[:60] for f in ws.findings("OPS007")] == [
        "变更 CHG-2026-012 于 2026-04-04 实施，改变了操作手册《测试操作手册》涉及的 集中交易系统（CI-APP-TRADE）"[:60]]


def test_ops007_fires_on_a_manual_that_names_no_system(ws):
    rel = write_manual(ws, "## 交易业务系统操作规程\n" + COMPLETE.replace("（CI-APP-TRADE）", ""))
    found = ws.findings("OPS007")
    assert [f.message for f in found] == [
        "操作手册《测试操作手册》没有写明涉及的信息系统（systems），规程的操作对象中也没有配置项编号："
        "无法判断哪些系统变更后需要修订手册"]
    assert found[0].file == rel


def test_ops007_quiet_on_rolled_back_and_other_systems_and_on_earlier_than_required_revisions(ws):
    # rolled back: the system is as it was; the firewall is no system of the manual
    edit_change(ws, "CHG-2026-044", lambda c: (c.pop("manuals"), c.update(status="已回退")))
    edit_change(ws, "CHG-2026-031", lambda c: c.pop("manuals", None))
    # stricter than required: the shortest deadline, and revision 4.3 approved the day before the change
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(manual_revision_days=0))
    assert ws.findings("OPS007") == []
    # a revision on the day of the change is on time even with a deadline of 0 days
    edit_revision(ws, "4.3", date=dt.date(2026, 11, 14))
    assert ws.findings("OPS007") == []
    edit_revision(ws, "4.3", date=dt.date(2026, 11, 15))
    assert len(ws.findings("OPS007")) == 1


def test_ops007_quiet_on_changes_before_the_manual_existed(ws):
    # a manual first issued after the OS patch of 2026-10-03 cannot have been revised for it
    edit_change(ws, "CHG-2026-044", lambda c: c.pop("manuals"))
    assert len(ws.findings("OPS007")) == 1
    ws.edit_front_matter(MAN, lambda m: m.update(revisions=[r for r in m["revisions"] if r["version"] == "4.3"],
                                                 published=dt.date(2026, 11, 13)))
    assert ws.findings("OPS007") == []
