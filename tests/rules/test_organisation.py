"""运维组织 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest

from checks.rules import get
from conftest import findings, fired

TRAININGS = "registers/trainings.yaml"
STAFF = "registers/staff.yaml"


def test_quiet_on_sample(sample_result):
    for rule in ("ORG001", "ORG002", "ORG003", "ORG004", "ORG005", "ORG006", "ORG007", "ORG008", "ORG009", "ORG010"):
        assert fired(sample_result, rule) == [], rule


def test_org001_fires_without_operations_head(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].pop("operations_head"))
    found = ws.findings("ORG001")
    assert len(found) == 1
    assert found[0].file == "registers/organisation.yaml"
    assert "运维组织负责人" in found[0].message


def test_org001_fires_when_head_has_left(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].update(operations_head="P020"))
    assert any("已不在职" in f.message for f in ws.findings("ORG001"))


def test_org002_fires_without_backup(ws):
    def drop_backup(data):
        data["positions"][2].pop("backup")  # 系统管理员
    ws.edit_yaml("registers/positions.yaml", drop_backup)
    found = ws.findings("ORG002")
    assert [f.message for f in found] == ["关键岗位“系统管理员”未设置备岗（backup）"]
    assert found[0].line is not None


def test_org002_fires_when_backup_is_primary(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].update(backup=d["positions"][0]["primary"]))
    assert any("同一人" in f.message for f in ws.findings("ORG002"))


def test_org002_fires_when_backup_has_left(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][1].update(backup="P020"))
    assert any("韩冬（P020） 已不在职" in f.message for f in ws.findings("ORG002"))


def test_org002_fires_when_key_position_missing(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"].pop(4))  # 安全管理员
    assert any("缺少关键岗位“安全管理员”" in f.message for f in ws.findings("ORG002"))


def test_org003_fires_on_incompatible_pair(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][4].update(backup="P005"))  # 系统管理员 as 安全管理员 backup
    found = ws.findings("ORG003")
    assert len(found) == 1 and "刘洋（P005）" in found[0].message


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


# --- ORG004 从业资格 ------------------------------------------------------------

def _person(data, pid):
    return next(p for p in data["staff"] if p["id"] == pid)


def test_org004_fires_without_qualification(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P003").pop("qualifications"))
    found = ws.findings("ORG004")
    assert [f.message for f in found] == ["经营机构运维人员 王芳（P003） 没有从业资格记录（qualifications）"]
    assert found[0].file == STAFF and found[0].line is not None


def test_org004_fires_on_expired_qualification(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P004")["qualifications"][0].update(valid_until=dt.date(2026, 6, 30)))
    found = ws.findings("ORG004")
    assert len(found) == 1
    assert "陈磊（P004）" in found[0].message and "已于 2026-06-30 过期" in found[0].message
    assert "2026-06-30" in ws.read(STAFF).split("\n")[found[0].line - 1]


def test_org004_fires_on_other_qualification_only(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P007").update(qualifications=[{"name": "CISSP"}]))
    found = ws.findings("ORG004")
    assert len(found) == 1 and "没有从业资格" in found[0].message


def test_org004_ignores_non_operations_staff_and_outsourced(ws):
    def change(d):
        _person(d, "P019").pop("qualifications")  # 稽核审计部，不是运维人员
        _person(d, "P018").pop("qualifications")
        _person(d, "P018")["outsourced"] = True  # 外包人员由供应商管理
    ws.edit_yaml(STAFF, change)
    assert ws.findings("ORG004") == []


def test_org004_quiet_for_core_institution(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P003").pop("qualifications"))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].update(type="核心机构"))
    assert ws.findings("ORG004") == []


# --- ORG005 保密协议 ------------------------------------------------------------

def test_org005_fires_without_agreement(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P010").pop("confidentiality"))
    found = ws.findings("ORG005")
    assert [f.message for f in found] == ["黄丽（P010） 没有保密协议记录（confidentiality）"]
    assert found[0].file == STAFF


def test_org005_fires_without_scope_and_term(ws):
    def change(d):
        _person(d, "P011")["confidentiality"].pop("scope")
        _person(d, "P011")["confidentiality"].pop("term")
    ws.edit_yaml(STAFF, change)
    found = ws.findings("ORG005")
    assert [f.message for f in found] == ["林峰（P011） 的保密协议缺少：保密范围（scope）、保密期限（term）"]


def test_org005_fires_on_expired_agreement(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P017")["confidentiality"].update(until=dt.date(2026, 1, 1)))
    assert [f.message for f in ws.findings("ORG005")] == ["罗斌（P017） 的保密协议已于 2026-01-01 到期，应续签"]


def test_org005_ignores_staff_who_left(ws):
    ws.edit_yaml(STAFF, lambda d: _person(d, "P020").pop("confidentiality"))
    assert ws.findings("ORG005") == []


# --- ORG006 年度培训计划 --------------------------------------------------------

def test_org006_fires_without_current_plan(ws):
    ws.edit_yaml(TRAININGS, lambda d: d["plans"].pop(1))
    found = ws.findings("ORG006")
    assert [f.message for f in found] == ["没有 2026 年度培训计划（plans 中 year: 2026）"]
    assert found[0].file == TRAININGS


def test_org006_grace_period_in_january(ws):
    ws.edit_yaml(TRAININGS, lambda d: d["plans"].pop(1))
    assert ws.findings("ORG006", as_of=dt.date(2026, 1, 20)) == []
    assert len(ws.findings("ORG006", as_of=dt.date(2026, 2, 10))) == 1


def test_org006_fires_when_category_missing(ws):
    def drop_security(d):
        d["plans"][1]["items"] = [i for i in d["plans"][1]["items"] if i["category"] != "安全"]
    ws.edit_yaml(TRAININGS, drop_security)
    assert [f.message for f in ws.findings("ORG006")] == ["2026 年度培训计划缺少安全类培训项目（category）"]


def test_org006_defers_to_schema_error_in_current_plan(ws):
    ws.edit_yaml(TRAININGS, lambda d: d["plans"][1]["items"][0].update(category="管理"))
    assert ws.findings("ORG006") == []
    assert any(f.file == TRAININGS for f in ws.check().findings if f.rule == "SCH001")


def test_org006_fires_when_not_approved(ws):
    ws.edit_yaml(TRAININGS, lambda d: d["plans"][1].pop("approved"))
    assert [f.message for f in ws.findings("ORG006")] == ["2026 年度培训计划没有批准日期（approved）"]


# --- ORG007 按计划培训并留存记录 ------------------------------------------------

def test_org007_fires_when_planned_training_not_recorded(ws):
    ws.edit_yaml(TRAININGS, lambda d: d["records"].pop(next(i for i, r in enumerate(d["records"]) if r["id"] == "TRR-2026-07")))
    found = ws.findings("ORG007")
    assert [f.message for f in found] == [
        "培训项目 TRN-2026-07“账号权限管理与安全日志审计”计划于 2026 年 7 月举行，但没有培训记录（records 中 plan_item: TRN-2026-07）"]
    assert found[0].file == TRAININGS
    assert "month: 7" in ws.read(TRAININGS).split("\n")[found[0].line - 1]


def test_org007_waits_until_the_month_has_ended(ws):
    # TRN-2026-10 计划于 11 月举行：11 月尚未结束，没有记录不报告
    ws.edit_yaml(TRAININGS, lambda d: d["records"].pop(next(i for i, r in enumerate(d["records"]) if r["id"] == "TRR-2026-09")))
    assert ws.findings("ORG007", as_of=dt.date(2026, 10, 31)) == []
    assert len(ws.findings("ORG007", as_of=dt.date(2026, 11, 1))) == 1


# --- ORG008 培训记录完整 --------------------------------------------------------

def test_org008_fires_on_incomplete_record(ws):
    def change(d):
        d["records"][0].pop("record")
        d["records"][0].pop("attendees")
    ws.edit_yaml(TRAININGS, change)
    assert [f.message for f in ws.findings("ORG008")] == ["培训记录 TRR-2025-01缺少：参训人员（attendees）、培训记录（签到表等）（record）"]


def test_org008_fires_on_future_date_and_unknown_plan_item(ws):
    def change(d):
        d["records"][-1]["date"] = dt.date(2026, 12, 5)
        d["records"][-1]["plan_item"] = "TRN-2026-99"
    ws.edit_yaml(TRAININGS, change)
    messages = [f.message for f in ws.findings("ORG008")]
    assert any("培训日期 2026-12-05 晚于检查日期 2026-11-21" in m for m in messages)
    assert any("“TRN-2026-99”不在任何年度培训计划中" in m for m in messages)


# --- ORG009 运维人员定期培训（警告） --------------------------------------------

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


# -- ORG010 岗位职责及技能要求 ------------------------------------------------------

POSITIONS = "registers/positions.yaml"


def test_org010_fires_on_a_position_without_skills_or_duties(ws):
    # before: org-3 was only a register entry; a position without skills went unnoticed
    ws.edit_yaml(POSITIONS, lambda d: d["positions"][5].pop("skills"))
    ws.edit_yaml(POSITIONS, lambda d: d["positions"][6].update(duties=[" "], skills=[]))
    found = ws.findings("ORG010")
    assert [f.message for f in found] == [
        "岗位 运维值班负责人（duty-lead）没有规定技能要求（skills）",
        "岗位 应用运维工程师（application-ops）没有规定岗位职责（duties）和技能要求（skills）"]
    assert found[0].file == POSITIONS


def test_org010_quiet_with_duties_and_skills(ws):
    assert ws.findings("ORG010") == []  # every position of the sample
    ws.edit_yaml(POSITIONS, lambda d: d["positions"][5].update(skills=["交接班流程"]))  # one skill is enough
    assert ws.findings("ORG010") == []
