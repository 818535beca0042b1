"""运维组织 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest

from checks.rules import get
from conftest import Case, Part, case_id, check_case, findings, fired

TRAININGS = "registers/trainings.yaml"
STAFF = "registers/staff.yaml"
ORG = "registers/organisation.yaml"
POSITIONS = "registers/positions.yaml"


def test_quiet_on_sample(sample_result):
    for rule in ("ORG001", "ORG002", "ORG003", "ORG004", "ORG005", "ORG006", "ORG007", "ORG008", "ORG009", "ORG010"):
        assert fired(sample_result, rule) == [], rule


def _person(data, pid):
    return next(p for p in data["staff"] if p["id"] == pid)


def person(pid, change):
    """An edit of the staff register letting ``change(person)`` mutate one person."""
    return lambda d: change(_person(d, pid))


def _drop_record(rid):
    return lambda d: d["records"].pop(next(i for i, r in enumerate(d["records"]) if r["id"] == rid))


def _not_operations_or_outsourced(d):
    _person(d, "P019").pop("qualifications")  # 稽核审计部，不是运维人员
    _person(d, "P018").pop("qualifications")
    _person(d, "P018")["outsourced"] = True  # 外包人员由供应商管理


def _drop_security_training(d):
    d["plans"][1]["items"] = [i for i in d["plans"][1]["items"] if i["category"] != "安全"]


def _incomplete_record(d):
    d["records"][0].pop("record")
    d["records"][0].pop("attendees")


def _future_record_of_unknown_item(d):
    d["records"][-1]["date"] = dt.date(2026, 12, 5)
    d["records"][-1]["plan_item"] = "TRN-2026-99"


CASES = [
    Case("ORG001-fires-without-operations-head", "ORG001", ORG, lambda d: d["responsibilities"].pop("operations_head"),
         [(Part("运维组织负责人"), "")]),
    Case("ORG001-fires-when-head-has-left", "ORG001", ORG, lambda d: d["responsibilities"].update(operations_head="P020"),
         [Part("已不在职")], only=False),
    Case("ORG002-fires-without-backup", "ORG002", POSITIONS, lambda d: d["positions"][2].pop("backup"),  # 系统管理员
         [("关键岗位“系统管理员”未设置备岗（backup）", "")]),
    Case("ORG002-fires-when-backup-is-primary", "ORG002", POSITIONS,
         lambda d: d["positions"][0].update(backup=d["positions"][0]["primary"]), [Part("同一人")], only=False),
    Case("ORG002-fires-when-backup-has-left", "ORG002", POSITIONS, lambda d: d["positions"][1].update(backup="P020"),
         [Part("韩冬（P020） 已不在职")], only=False),
    Case("ORG002-fires-when-key-position-missing", "ORG002", POSITIONS, lambda d: d["positions"].pop(4),  # 安全管理员
         [Part("缺少关键岗位“安全管理员”")], only=False),
    Case("ORG003-fires-on-incompatible-pair", "ORG003", POSITIONS,
         lambda d: d["positions"][4].update(backup="P005"),  # 系统管理员 as 安全管理员 backup
         [Part("刘洋（P005）")]),
    # --- ORG004 从业资格
    Case("ORG004-fires-without-qualification", "ORG004", STAFF, person("P003", lambda p: p.pop("qualifications")),
         [("经营机构运维人员 王芳（P003） 没有从业资格记录（qualifications）", "")]),
    Case("ORG004-fires-on-other-qualification-only", "ORG004", STAFF,
         person("P007", lambda p: p.update(qualifications=[{"name": "CISSP"}])), [Part("没有从业资格")]),
    Case("ORG004-ignores-non-operations-staff-and-outsourced", "ORG004", STAFF, _not_operations_or_outsourced, []),
    # --- ORG005 保密协议
    Case("ORG005-fires-without-agreement", "ORG005", STAFF, person("P010", lambda p: p.pop("confidentiality")),
         [("黄丽（P010） 没有保密协议记录（confidentiality）", "")]),
    Case("ORG005-fires-without-scope-and-term", "ORG005", STAFF,
         person("P011", lambda p: (p["confidentiality"].pop("scope"), p["confidentiality"].pop("term"))),
         ["林峰（P011） 的保密协议缺少：保密范围（scope）、保密期限（term）"]),
    Case("ORG005-fires-on-expired-agreement", "ORG005", STAFF,
         person("P017", lambda p: p["confidentiality"].update(until=dt.date(2026, 1, 1))), ["罗斌（P017） 的保密协议已于 2026-01-01 到期，应续签"]),
    Case("ORG005-ignores-staff-who-left", "ORG005", STAFF, person("P020", lambda p: p.pop("confidentiality")), []),
    # --- ORG006 年度培训计划
    Case("ORG006-fires-without-current-plan", "ORG006", TRAININGS, lambda d: d["plans"].pop(1),
         [("没有 2026 年度培训计划（plans 中 year: 2026）", "")]),
    Case("ORG006-grace-period-in-january", "ORG006", TRAININGS, lambda d: d["plans"].pop(1), [], as_of=dt.date(2026, 1, 20)),
    Case("ORG006-fires-once-january-is-over", "ORG006", TRAININGS, lambda d: d["plans"].pop(1),
         [Part("2026 年度培训计划")], as_of=dt.date(2026, 2, 10)),
    Case("ORG006-fires-when-category-missing", "ORG006", TRAININGS, _drop_security_training,
         ["2026 年度培训计划缺少安全类培训项目（category）"]),
    Case("ORG006-fires-when-not-approved", "ORG006", TRAININGS, lambda d: d["plans"][1].pop("approved"),
         ["2026 年度培训计划没有批准日期（approved）"]),
    # --- ORG007 按计划培训并留存记录
    Case("ORG007-fires-when-planned-training-not-recorded", "ORG007", TRAININGS, _drop_record("TRR-2026-07"),
         [("培训项目 TRN-2026-07“账号权限管理与安全日志审计”计划于 2026 年 7 月举行，但没有培训记录（records 中 plan_item: TRN-2026-07）",
           "month: 7")]),
    # TRN-2026-10 计划于 11 月举行：11 月尚未结束，没有记录不报告
    Case("ORG007-waits-until-the-month-has-ended", "ORG007", TRAININGS, _drop_record("TRR-2026-09"), [],
         as_of=dt.date(2026, 10, 31)),
    Case("ORG007-fires-once-the-month-has-ended", "ORG007", TRAININGS, _drop_record("TRR-2026-09"),
         [Part("培训项目 TRN-2026-09")], as_of=dt.date(2026, 11, 1)),
    # --- ORG008 培训记录完整
    Case("ORG008-fires-on-incomplete-record", "ORG008", TRAININGS, _incomplete_record,
         ["培训记录 TRR-2025-01缺少：参训人员（attendees）、培训记录（签到表等）（record）"]),
    Case("ORG008-fires-on-future-date-and-unknown-plan-item", "ORG008", TRAININGS, _future_record_of_unknown_item,
         [Part("培训日期 2026-12-05 晚于检查日期 2026-11-21"), Part("“TRN-2026-99”不在任何年度培训计划中")], only=False),
    # -- ORG010 岗位职责及技能要求
    # before: org-3 was only a register entry; a position without skills went unnoticed
    Case("ORG010-fires-on-a-position-without-skills-or-duties", "ORG010", POSITIONS,
         [lambda d: d["positions"][5].pop("skills"), lambda d: d["positions"][6].update(duties=[" "], skills=[])],
         [("岗位 运维值班负责人（duty-lead）没有规定技能要求（skills）", ""),
          ("岗位 应用运维工程师（application-ops）没有规定岗位职责（duties）和技能要求（skills）", "")]),
    Case("ORG010-quiet-with-duties-and-skills", "ORG010", POSITIONS, None, []),  # every position of the sample
    Case("ORG010-quiet-with-one-skill", "ORG010", POSITIONS,
         lambda d: d["positions"][5].update(skills=["交接班流程"]), []),  # one skill is enough
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_org003_emptying_the_setting_cannot_combine_security_and_system_admin(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][4].update(backup="P005"))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(
        incompatible_positions=[], combinable_positions=[["system-admin", "security-admin"]]))
    found = findings(ws, "ORG003")
    assert len(found) == 1 and "这两个岗位不得兼任" in found[0].message


def test_org003_key_positions_are_separate_by_default(ws):
    # 机房管理员's backup also backs up 网络管理员: not in the default list, yet two key positions
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][1].update(backup="P008"))
    found = findings(ws, "ORG003")
    assert [f.message for f in found] == [
        f"{_name(ws, 'P008')}（P008） 同时在“机房管理员”和“网络管理员”岗位任职：关键岗位应分离；"
        "确需兼岗且两岗相互制约的，在 settings.combinable_positions 中声明（[room-admin, network-admin]）"]


def test_org003_declared_mutually_restricting_pair_may_be_combined(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][1].update(backup="P008"))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(
        combinable_positions=[["network-admin", "room-admin"]]))
    assert findings(ws, "ORG003") == []


def test_org003_non_key_positions_may_be_combined(sample_result):
    # P015 is 应用运维工程师 and also on the 监控值班员 roster: neither is a key position
    assert fired(sample_result, "ORG003") == []


def _name(ws, pid):
    return next(p["name"] for p in ws.load_yaml(STAFF)["staff"] if p["id"] == pid)


def test_org004_fires_on_expired_qualification(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P004")["qualifications"][0].update(valid_until=dt.date(2026, 6, 30)))
    found = ws.findings("ORG004")
    assert len(found) == 1
    assert "陈磊（P004）" in found[0].message and "已于 2026-06-30 过期" in found[0].message
    assert "2026-06-30" in ws.read(STAFF).split("\n")[found[0].line - 1]


def test_org004_quiet_for_core_institution(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P003").pop("qualifications"))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].update(type="核心机构"))
    assert ws.findings("ORG004") == []


def test_org006_defers_to_schema_error_in_current_plan(ws):
    ws.edit_yaml(TRAININGS, lambda d: d["plans"][1]["items"][0].update(category="管理"))
    assert ws.findings("ORG006") == []
    assert any(f.file == TRAININGS for f in ws.check().findings if f.rule == "SCH001")


def test_org009_warns_for_untrained_staff(ws):
    def drop(d):
        for record in d["records"]:
            record["attendees"] = [p for p in record["attendees"] if p != "P008"]
    ws.edit_yaml(TRAININGS, drop)
    found = ws.findings("ORG009")
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].message.startswith("运维人员 吴静（P008） 近 12 个月（2025-11-21 以来）没有参加培训的记录")
    assert found[0].file == STAFF


# --- settings can only be stricter than the standard ------------------------------

# Settings where a larger value checks more (retention, how far back records are read, how early a warning
# comes, how long before a test it is announced): these have a lower bound; every other number is a cycle or
# a deadline, where a larger value is looser, and has an upper bound (the standard's, or the stated default).
LARGER_IS_STRICTER = {
    "calendar_warning_days", "backup_log_window_days", "warranty_warning_days", "supplies_expiry_warning_days",
    "operation_record_retention_days", "log_retention_days", "drill_record_retention_days", "test_announcement_days",
    "contact_warning_days", "handover_check_days", "daily_check_days", "patrol_check_days", "daily_analysis_check_days",
}


def _settings_schema():
    import json
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas/organisation.schema.json").read_text("utf-8"))
    return schema["properties"]["settings"]["properties"]


def test_every_numeric_setting_is_bounded_on_its_looser_side():
    from dataclasses import fields

    from checks.settings import Settings

    schema = _settings_schema()
    for f in fields(Settings):
        assert f.name in schema, f"{f.name} is not in the schema"
        if schema[f.name].get("type") != "integer":
            continue
        if f.name in LARGER_IS_STRICTER:
            assert "minimum" in schema[f.name], f.name
        else:
            assert "maximum" in schema[f.name], f"{f.name}: a larger cycle or deadline is looser and needs a maximum"
            assert getattr(Settings(), f.name) <= schema[f.name]["maximum"], f.name


def test_a_looser_setting_is_rejected_and_the_default_applies(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(change_review_days=60))
    result = ws.check()
    assert any(f.rule == "SCH001" and f.file == "registers/organisation.yaml" for f in result.findings)
    assert result.handbook.settings.change_review_days == 10  # the invalid register's settings are not used


@pytest.mark.parametrize("name,floor,default", [
    ("backup_log_window_days", 14, 31), ("handover_check_days", 7, 7), ("daily_check_days", 7, 7), ("patrol_check_days", 7, 7),
    ("daily_analysis_check_days", 7, 7)])
def test_a_look_back_window_below_its_floor_is_rejected(ws, name, floor, default):
    # a shorter window checks less history: below the floor the setting is refused and the default applies
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update({name: floor - 1}))
    result = ws.check(rules=[get("SCH001")])
    assert any(f.rule == "SCH001" and f.file == "registers/organisation.yaml" for f in result.findings)
    assert getattr(result.handbook.settings, name) == default
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update({name: floor + 30}))  # longer: stricter
    result = ws.check(rules=[get("SCH001")])
    assert not any(f.rule == "SCH001" for f in result.findings)
    assert getattr(result.handbook.settings, name) == floor + 30
