"""运维值班管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired

DUTY = "registers/duty.yaml"
RULES = ("DUT001", "DUT002", "DUT003", "DUT004", "DUT005", "DUT006", "DUT007", "DUT008", "DUT009")


def line_of(ws, rel, text):
    """The 1-based line of the first line of ``rel`` containing ``text``."""
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def add_leave(ws, **leave):
    ws.edit_yaml(DUTY, lambda d: d["leaves"].append(leave))


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


# -- DUT001 duty lead ------------------------------------------------------------

def test_dut001_fires_without_duty_lead(ws):
    ws.edit_yaml(DUTY, lambda d: d.pop("duty_lead"))
    found = ws.findings("DUT001")
    assert [f.message for f in found] == ["未指定运维值班负责人（duty_lead）"]
    assert found[0].file == DUTY


def test_dut001_fires_when_position_has_no_backup(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][5].pop("backup"))  # duty-lead
    found = ws.findings("DUT001")
    assert [f.message for f in found] == ["运维值班负责人没有备岗（岗位 duty-lead）"]
    assert found[0].file == "registers/positions.yaml" and found[0].line is not None


def test_dut001_direct_names_same_person(ws):
    ws.edit_yaml(DUTY, lambda d: d.update(duty_lead={"lead": "P013", "backup": "P013"}))
    found = ws.findings("DUT001")
    assert [f.message for f in found] == ["运维值班负责人和备岗是同一人 马超（P013）"]
    assert found[0].file == DUTY and found[0].line == line_of(ws, DUTY, "backup: P013")


def test_dut001_direct_backup_has_left(ws):
    ws.edit_yaml(DUTY, lambda d: d.update(duty_lead={"lead": "P013", "backup": "P020"}))
    assert [f.message for f in ws.findings("DUT001")] == ["值班负责人备岗 韩冬（P020） 已不在职"]


def test_dut001_unknown_position(ws):
    ws.edit_yaml(DUTY, lambda d: d["duty_lead"].update(position="night-lead"))
    found = ws.findings("DUT001")
    assert [f.message for f in found] == ["值班负责人岗位“night-lead”不在 registers/positions.yaml 中"]
    assert found[0].line == line_of(ws, DUTY, "position: night-lead")


def test_dut001_direct_names_quiet(ws):
    ws.edit_yaml(DUTY, lambda d: d.update(duty_lead={"lead": "P013", "backup": "P014"}))
    assert ws.findings("DUT001") == []


# -- DUT002 roster -----------------------------------------------------------------

def drop_day(day):
    def change(d):
        roster = d["rosters"][0]
        roster["shifts"] = [s for s in roster["shifts"] if s["date"] != day]
    return change


def test_dut002_fires_on_uncovered_days(ws):
    ws.edit_yaml(DUTY, drop_day(dt.date(2026, 11, 10)))
    ws.edit_yaml(DUTY, drop_day(dt.date(2026, 11, 11)))
    found = ws.findings("DUT002")
    assert [f.message for f in found] == [
        "值班安排表“2026 年 11 月运维值班安排表”中 2026-11-10 至 2026-11-11（2 天） 没有安排值班"]
    assert found[0].file == DUTY and found[0].line == line_of(ws, DUTY, "shifts:")


def test_dut002_fires_when_as_of_not_covered(ws):
    ws.edit_yaml(DUTY, lambda d: d["rosters"][0].update(to=dt.date(2026, 11, 30)))
    found = ws.findings("DUT002", as_of=dt.date(2026, 12, 2))
    assert [f.message for f in found] == ["没有覆盖检查日期 2026-12-02 的值班安排表（最近一张截止于 2026-11-30）"]
    assert found[0].line == line_of(ws, DUTY, "rosters:")


def test_dut002_fires_on_shift_outside_period_and_left_staff(ws):
    def change(d):
        d["rosters"][0]["shifts"].append({"date": dt.date(2026, 12, 1), "shift": "白班", "staff": ["P017"]})
        d["rosters"][0]["shifts"][0]["staff"] = ["P020"]
    ws.edit_yaml(DUTY, change)
    messages = sorted(f.message for f in ws.findings("DUT002"))
    assert messages == [
        "2026-11-01 的班次安排了已离职的 韩冬（P020）",
        "值班安排表“2026 年 11 月运维值班安排表”中 2026-12-01 的班次不在安排表期间 2026-11-01 至 2026-11-30 内",
    ]


def test_dut002_fires_without_roster(ws):
    ws.edit_yaml(DUTY, lambda d: d.update(rosters=[]))
    assert [f.message for f in ws.findings("DUT002")] == ["没有运维值班安排表（rosters）"]


# -- DUT003 primary and backup away together -----------------------------------------

def test_dut003_fires_when_key_position_both_away(ws):
    add_leave(ws, person="P009", kind="请假", **{"from": dt.date(2026, 11, 12), "to": dt.date(2026, 11, 16)})
    found = ws.findings("DUT003")
    assert [f.message for f in found] == [
        "“网络管理员”的主岗 陈磊（P004） 和备岗 郑凯（P009） 在 2026-11-12 至 2026-11-13（2 天） 同时请假或离岗"]
    assert found[0].file == DUTY and found[0].line == line_of(ws, DUTY, "person: P009")


def test_dut003_fires_for_duty_lead(ws):
    add_leave(ws, person="P014", kind="请假", **{"from": dt.date(2026, 11, 6), "to": dt.date(2026, 11, 6)})
    assert [f.message for f in ws.findings("DUT003")] == [
        "“运维值班负责人”的主岗 马超（P013） 和备岗 朱琳（P014） 在 2026-11-06 同时请假或离岗"]


def test_dut003_partial_day_overlap(ws):
    add_leave(ws, person="P011", kind="离岗", **{"from": "2026-11-19 16:00", "to": "2026-11-19 18:00"})
    assert [f.message for f in ws.findings("DUT003")] == [
        "“数据库管理员”的主岗 赵敏（P006） 和备岗 林峰（P011） 在 2026-11-19 同时请假或离岗"]


def test_dut003_quiet_when_hours_do_not_overlap(ws):
    add_leave(ws, person="P011", kind="离岗", **{"from": "2026-11-19 09:00", "to": "2026-11-19 12:00"})
    assert ws.findings("DUT003") == []


# -- DUT004 rostered while away --------------------------------------------------------

def test_dut004_fires_when_rostered_on_leave(ws):
    add_leave(ws, person="P018", kind="请假", **{"from": dt.date(2026, 11, 20), "to": dt.date(2026, 11, 20)})
    found = ws.findings("DUT004")
    assert [f.message for f in found] == ["梁爽（P018） 在 2026-11-20 的“白班”班次期间请假或离岗，但仍在值班安排表上，应调整排班"]
    assert found[0].severity == "warning"
    assert found[0].line == line_of(ws, DUTY, "date: 2026-11-20")  # the day shift comes first


def test_dut004_quiet_outside_shift_hours(ws):
    add_leave(ws, person="P005", kind="离岗", **{"from": "2026-11-20 10:00", "to": "2026-11-20 12:00"})  # night on call
    assert ws.findings("DUT004") == []


# -- DUT005 handovers ---------------------------------------------------------------------

def drop_handover(day):
    return lambda d: d.update(handovers=[h for h in d["handovers"] if h["date"] != day])


def test_dut005_fires_on_missing_day(ws):
    ws.edit_yaml(DUTY, drop_handover(dt.date(2026, 11, 18)))
    found = ws.findings("DUT005")
    assert [f.message for f in found] == ["2026-11-18 没有交接班记录（检查最近 7 天）"]
    assert found[0].file == DUTY and found[0].line == line_of(ws, DUTY, "handovers:")


def test_dut005_as_of_day_not_required(ws):
    ws.edit_yaml(DUTY, drop_handover(dt.date(2026, 11, 21)))
    assert ws.findings("DUT005") == []


def test_dut005_only_last_seven_days(ws):
    ws.edit_yaml(DUTY, drop_handover(dt.date(2026, 11, 14)))
    assert len(ws.findings("DUT005")) == 1
    # as of 11-22 the window is 11-15 … 11-21: 11-14 no longer matters
    assert ws.findings("DUT005", as_of=dt.date(2026, 11, 22)) == []


def test_dut005_fires_on_incomplete_record(ws):
    def change(d):
        d["handovers"][-1]["incoming"] = ["P015"]
        d["handovers"][-2].pop("notes")
    ws.edit_yaml(DUTY, change)
    messages = sorted(f.message for f in ws.findings("DUT005"))
    assert messages == ["2026-11-20 的交接班记录缺少：交接事项", "2026-11-21 的交接班记录中 高翔（P015） 既是交班人又是接班人"]


# -- DUT006 / DUT007 duty phone ---------------------------------------------------------------

def test_dut006_fires_without_phone(ws):
    ws.edit_yaml(DUTY, lambda d: d.pop("duty_phone"))
    found = ws.findings("DUT006")
    assert [f.message for f in found] == ["未设置运维值班电话（duty_phone）"]
    assert ws.findings("DUT007") == []


def test_dut006_fires_without_number(ws):
    ws.edit_yaml(DUTY, lambda d: d["duty_phone"].pop("number"))
    found = ws.findings("DUT006")
    assert [f.message for f in found] == ["运维值班电话未填写号码（duty_phone.number）"]
    assert found[0].line == line_of(ws, DUTY, "duty_phone:")


def test_dut007_fires_when_test_is_old(ws):
    ws.edit_yaml(DUTY, lambda d: d["duty_phone"].update(tested=dt.date(2026, 9, 30)))
    found = ws.findings("DUT007")
    # the sample's organisation tests the phone weekly (duty_phone_test_days: 7), as its 值班管理制度 says
    assert [f.message for f in found] == ["值班电话最近一次畅通测试在 2026-09-30，已超过 7 天"]
    assert found[0].severity == "warning" and found[0].line == line_of(ws, DUTY, "tested: 2026-09-30")


def test_dut007_fires_without_test(ws):
    ws.edit_yaml(DUTY, lambda d: d["duty_phone"].pop("tested"))
    assert [f.message for f in ws.findings("DUT007")] == ["没有值班电话畅通测试记录（duty_phone.tested）"]


# -- DUT008 duty policy scope ------------------------------------------------------------------

def duty_policy(ws):
    return next(rel for rel in ws.files("docs", "*.md")
                if "covers: 值班管理" in ws.read(rel) and "status: active" in ws.read(rel))


def test_dut008_fires_when_policy_omits_an_area(ws):
    rel = duty_policy(ws)
    text = ws.read(rel)
    head, body = text.split("\n---\n", 1)
    ws.write(rel, head + "\n---\n" + body.replace("问题处理", "问题管理").replace("应急处置", "应急管理"))
    found = ws.findings("DUT008")
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].message.endswith("没有写到：问题处理、应急处置")
    assert found[0].file == rel and found[0].line == line_of(ws, rel, "covers: 值班管理")


def test_dut008_ignores_line_breaks(ws):
    rel = duty_policy(ws)
    text = ws.read(rel)
    head, body = text.split("\n---\n", 1)
    ws.write(rel, head + "\n---\n" + body.replace("日常操作", "日常\n操作"))
    assert ws.findings("DUT008") == []


# -- DUT009 值班负责人的职责 ------------------------------------------------------

def test_dut009_fires_when_the_duty_lead_position_omits_a_duty(ws):
    # before: duty-3 was a register entry: a duty lead whose position lists only 交接班管理 passed
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][5].update(duties=["日常操作的部署和检查", "交接班管理"]))
    found = ws.findings("DUT009")
    assert [f.message for f in found] == [
        "运维值班负责人的职责（岗位 duty-lead 的 duties）没有写明：风险控制、业务衔接；"
        "标准要求值班负责人负责日常操作的部署、检查、风险控制、业务衔接"]
    assert found[0].file == "registers/positions.yaml"


def test_dut009_reads_duties_from_duty_lead_without_a_position(ws):
    def direct(d):
        d["duty_lead"].pop("position")
        d["duty_lead"].update(lead="P013", backup="P014")
    ws.edit_yaml(DUTY, direct)
    assert len(ws.findings("DUT009")) == 1
    ws.edit_yaml(DUTY, lambda d: d["duty_lead"].update(duties=["日常操作的部署", "日常操作的检查", "风险控制", "与业务部门的业务衔接", "交接班"]))
    assert ws.findings("DUT009") == []
