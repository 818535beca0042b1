"""运维值班管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Found, Line, Part, case_id, check_case, fired

DUTY = "registers/duty.yaml"
RULES = ("DUT001", "DUT002", "DUT003", "DUT004", "DUT005", "DUT006", "DUT007", "DUT008", "DUT009")


def line_of(ws, rel, text):
    """The 1-based line of the first line of ``rel`` containing ``text``."""
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def add_leave(person, kind, start, end):
    """An edit adding a leave (for a :class:`~conftest.Case`)."""
    return lambda d: d["leaves"].append({"person": person, "kind": kind, "from": start, "to": end})


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


POSITIONS = "registers/positions.yaml"


def drop_day(day):
    def change(d):
        roster = d["rosters"][0]
        roster["shifts"] = [s for s in roster["shifts"] if s["date"] != day]
    return change


def drop_handover(day):
    return lambda d: d.update(handovers=[h for h in d["handovers"] if h["date"] != day])


def _shift_outside_period_and_left_staff(d):
    d["rosters"][0]["shifts"].append({"date": dt.date(2026, 12, 1), "shift": "白班", "staff": ["P017"]})
    d["rosters"][0]["shifts"][0]["staff"] = ["P020"]


def _incomplete_handovers(d):
    d["handovers"][-1]["incoming"] = ["P015"]
    d["handovers"][-2].pop("notes")


def _direct_duty_lead(d):
    d["duty_lead"].pop("position")
    d["duty_lead"].update(lead="P013", backup="P014")


CASES = [
    # -- DUT001 duty lead
    Case("DUT001-fires-without-duty-lead", "DUT001", DUTY, lambda d: d.pop("duty_lead"),
         [("未指定运维值班负责人（duty_lead）", "")]),
    Case("DUT001-fires-when-position-has-no-backup", "DUT001", POSITIONS,
         lambda d: d["positions"][5].pop("backup"),  # duty-lead
         [("运维值班负责人没有备岗（岗位 duty-lead）", "")]),
    Case("DUT001-direct-names-same-person", "DUT001", DUTY, lambda d: d.update(duty_lead={"lead": "P013", "backup": "P013"}),
         [("运维值班负责人和备岗是同一人 马超（P013）", Line("backup: P013"))]),
    Case("DUT001-direct-backup-has-left", "DUT001", DUTY, lambda d: d.update(duty_lead={"lead": "P013", "backup": "P020"}),
         ["值班负责人备岗 韩冬（P020） 已不在职"]),
    Case("DUT001-unknown-position", "DUT001", DUTY, lambda d: d["duty_lead"].update(position="night-lead"),
         [("值班负责人岗位“night-lead”不在 registers/positions.yaml 中", Line("position: night-lead"))]),
    Case("DUT001-direct-names-quiet", "DUT001", DUTY, lambda d: d.update(duty_lead={"lead": "P013", "backup": "P014"}), []),
    # -- DUT002 roster
    Case("DUT002-fires-on-uncovered-days", "DUT002", DUTY, [drop_day(dt.date(2026, 11, 10)), drop_day(dt.date(2026, 11, 11))],
         [("值班安排表“2026 年 11 月运维值班安排表”中 2026-11-10 至 2026-11-11（2 天） 没有安排值班", Line("shifts:"))]),
    Case("DUT002-fires-when-as-of-not-covered", "DUT002", DUTY, lambda d: d["rosters"][0].update(to=dt.date(2026, 11, 30)),
         [("没有覆盖检查日期 2026-12-02 的值班安排表（最近一张截止于 2026-11-30）", Line("rosters:"))],
         as_of=dt.date(2026, 12, 2)),
    Case("DUT002-fires-on-shift-outside-period-and-left-staff", "DUT002", DUTY, _shift_outside_period_and_left_staff,
         ["2026-11-01 的班次安排了已离职的 韩冬（P020）",
          "值班安排表“2026 年 11 月运维值班安排表”中 2026-12-01 的班次不在安排表期间 2026-11-01 至 2026-11-30 内"],
         ordered=False),
    Case("DUT002-fires-without-roster", "DUT002", DUTY, lambda d: d.update(rosters=[]), ["没有运维值班安排表（rosters）"]),
    # -- DUT003 primary and backup away together
    Case("DUT003-fires-when-key-position-both-away", "DUT003", DUTY,
         add_leave("P009", "请假", dt.date(2026, 11, 12), dt.date(2026, 11, 16)),
         [("“网络管理员”的主岗 陈磊（P004） 和备岗 郑凯（P009） 在 2026-11-12 至 2026-11-13（2 天） 同时请假或离岗",
           Line("person: P009"))]),
    Case("DUT003-fires-for-duty-lead", "DUT003", DUTY, add_leave("P014", "请假", dt.date(2026, 11, 6), dt.date(2026, 11, 6)),
         ["“运维值班负责人”的主岗 马超（P013） 和备岗 朱琳（P014） 在 2026-11-06 同时请假或离岗"]),
    Case("DUT003-partial-day-overlap", "DUT003", DUTY, add_leave("P011", "离岗", "2026-11-19 16:00", "2026-11-19 18:00"),
         ["“数据库管理员”的主岗 赵敏（P006） 和备岗 林峰（P011） 在 2026-11-19 同时请假或离岗"]),
    Case("DUT003-quiet-when-hours-do-not-overlap", "DUT003", DUTY,
         add_leave("P011", "离岗", "2026-11-19 09:00", "2026-11-19 12:00"), []),
    # -- DUT004 rostered while away
    Case("DUT004-fires-when-rostered-on-leave", "DUT004", DUTY,
         add_leave("P018", "请假", dt.date(2026, 11, 20), dt.date(2026, 11, 20)),
         [Found("梁爽（P018） 在 2026-11-20 的“白班”班次期间请假或离岗，但仍在值班安排表上，应调整排班",
                Line("date: 2026-11-20"), "warning")]),  # the day shift comes first
    Case("DUT004-quiet-outside-shift-hours", "DUT004", DUTY,
         add_leave("P005", "离岗", "2026-11-20 10:00", "2026-11-20 12:00"), []),  # night on call
    # -- DUT005 handovers
    Case("DUT005-fires-on-missing-day", "DUT005", DUTY, drop_handover(dt.date(2026, 11, 18)),
         [("2026-11-18 没有交接班记录（检查最近 7 天）", Line("handovers:"))]),
    Case("DUT005-as-of-day-not-required", "DUT005", DUTY, drop_handover(dt.date(2026, 11, 21)), []),
    Case("DUT005-fires-within-the-last-seven-days", "DUT005", DUTY, drop_handover(dt.date(2026, 11, 14)),
         [Part("2026-11-14")]),
    # as of 11-22 the window is 11-15 … 11-21: 11-14 no longer matters
    Case("DUT005-only-last-seven-days", "DUT005", DUTY, drop_handover(dt.date(2026, 11, 14)), [],
         as_of=dt.date(2026, 11, 22)),
    Case("DUT005-fires-on-incomplete-record", "DUT005", DUTY, _incomplete_handovers,
         ["2026-11-20 的交接班记录缺少：交接事项", "2026-11-21 的交接班记录中 高翔（P015） 既是交班人又是接班人"],
         ordered=False),
    # -- DUT006 / DUT007 duty phone
    Case("DUT006-fires-without-phone", "DUT006", DUTY, lambda d: d.pop("duty_phone"), ["未设置运维值班电话（duty_phone）"]),
    Case("DUT007-quiet-without-phone", "DUT007", DUTY, lambda d: d.pop("duty_phone"), []),
    Case("DUT006-fires-without-number", "DUT006", DUTY, lambda d: d["duty_phone"].pop("number"),
         [("运维值班电话未填写号码（duty_phone.number）", Line("duty_phone:"))]),
    # the sample's organisation tests the phone weekly (duty_phone_test_days: 7), as its 值班管理制度 says
    Case("DUT007-fires-when-test-is-old", "DUT007", DUTY, lambda d: d["duty_phone"].update(tested=dt.date(2026, 9, 30)),
         [Found("值班电话最近一次畅通测试在 2026-09-30，已超过 7 天", Line("tested: 2026-09-30"), "warning")]),
    Case("DUT007-fires-without-test", "DUT007", DUTY, lambda d: d["duty_phone"].pop("tested"),
         ["没有值班电话畅通测试记录（duty_phone.tested）"]),
    # -- DUT009 值班负责人的职责
    # before: duty-3 was a register entry: a duty lead whose position lists only 交接班管理 passed
    Case("DUT009-fires-when-the-duty-lead-position-omits-a-duty", "DUT009", POSITIONS,
         lambda d: d["positions"][5].update(duties=["日常操作的部署和检查", "交接班管理"]),
         [("运维值班负责人的职责（岗位 duty-lead 的 duties）没有写明：风险控制、业务衔接；"
           "标准要求值班负责人负责日常操作的部署、检查、风险控制、业务衔接", "")]),
    Case("DUT009-reads-duties-from-duty-lead-without-a-position", "DUT009", DUTY, _direct_duty_lead,
         [Part("运维值班负责人的职责（duty_lead 的 duties）没有写明")]),
    Case("DUT009-quiet-when-the-duty-lead-lists-the-duties", "DUT009", DUTY,
         [_direct_duty_lead,
          lambda d: d["duty_lead"].update(duties=["日常操作的部署", "日常操作的检查", "风险控制", "与业务部门的业务衔接", "交接班"])],
         []),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


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
