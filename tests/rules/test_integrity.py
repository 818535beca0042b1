"""Integrity rules UID001 (编号唯一) and REF001 (引用存在): fire on a broken copy, quiet on the sample."""

from conftest import fired

CONFIG = "registers/configuration.yaml"
POSITIONS = "registers/positions.yaml"
ARCHIVED = "docs/archive/pol-08-2022-duty.md"


def line_of(ws, rel, text):
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def test_quiet_on_sample(sample_result):
    for rule in ("UID001", "REF001"):
        assert fired(sample_result, rule) == [], rule


# -- UID001 编号唯一 ---------------------------------------------------------------

def test_uid001_fires_on_a_duplicate_ci_id(ws):
    first = line_of(ws, CONFIG, "- id: CI-APP-ACCOUNT")
    second = line_of(ws, CONFIG, "- id: CI-APP-PORTAL")
    ws.replace(CONFIG, "- id: CI-APP-PORTAL", "- id: CI-APP-ACCOUNT")
    found = ws.findings("UID001")
    assert [f.message for f in found] == [f"编号“CI-APP-ACCOUNT”重复（第 {first} 行已使用）"]
    assert found[0].file == CONFIG and found[0].line == second


def test_uid001_fires_on_a_duplicate_document_id(ws):
    ws.edit_front_matter(ARCHIVED, lambda meta: meta.update(id="POL-08"))
    found = ws.findings("UID001")
    assert len(found) == 1
    assert found[0].message.startswith("文档编号“POL-08”与 docs/")
    assert found[0].file == "docs/policies/pol-08-duty.md"


def test_uid001_quiet_for_the_same_id_in_different_lists(ws):
    # 编号在同一列表内唯一：不同列表（如备份策略与在线数据访问授权）各自编号
    ws.replace("registers/backups.yaml", "{id: AUTH-2026-05,", "{id: BKP-04,")
    assert ws.findings("UID001") == []


# -- REF001 引用存在 ---------------------------------------------------------------

def test_ref001_fires_on_an_unknown_person(ws):
    ws.replace(POSITIONS, "    primary: P006\n", "    primary: P099\n")
    found = ws.findings("REF001")
    assert [f.message for f in found] == ["引用的人员“P099”不存在（registers/staff.yaml 中没有这一编号）"]
    assert found[0].file == POSITIONS and found[0].line == line_of(ws, POSITIONS, "primary: P099")


def test_ref001_fires_on_an_unknown_document(ws):
    ws.edit_front_matter(ARCHIVED, lambda meta: meta.update(superseded_by="POL-99"))
    found = ws.findings("REF001")
    assert len(found) == 1 and found[0].message.startswith("引用的文档“POL-99”不存在")
    assert found[0].file == ARCHIVED and found[0].line == line_of(ws, ARCHIVED, "superseded_by: POL-99")


def test_ref001_fires_on_an_unknown_change_in_ci_history(ws):
    ws.replace(CONFIG, "change: CHG-2026-049", "change: CHG-2026-999")
    found = ws.findings("REF001")
    assert [f.message for f in found] == ["引用的变更“CHG-2026-999”不存在（registers/changes.yaml 中没有这一编号）"]
    assert found[0].file == CONFIG and found[0].line == line_of(ws, CONFIG, "CHG-2026-999")


def test_ref001_fires_on_an_unknown_ci_relation(ws):
    ws.replace(CONFIG, "{type: 使用, target: CI-STO-01}", "{type: 使用, target: CI-STO-09}")
    found = ws.findings("REF001")
    assert found and all(f.message == "引用的配置项“CI-STO-09”不存在（registers/configuration.yaml 中没有这一编号）" for f in found)


def test_ref001_quiet_when_the_target_register_is_missing(ws):
    # 目标台账缺失时由 FILE001 报告，不逐条报告引用
    ws.replace(CONFIG, "change: CHG-2026-049", "change: CHG-2026-999")
    ws.remove("registers/changes.yaml")
    assert ws.findings("REF001") == []


def test_ref001_fires_on_an_evaluation_naming_a_drill_that_does_not_exist(ws):
    ws.replace("registers/emergency.yaml", "    drill: DRL-2026-02", "    drill: DRL-2026-09")
    found = ws.findings("REF001")
    assert [f.message for f in found] == ["引用的演练“DRL-2026-09”不存在（registers/drills.yaml 中没有这一编号）"]
    assert found[0].file == "registers/emergency.yaml"


def test_ref001_a_drill_a_submitted_report_covers_cannot_silently_disappear(ws):
    ws.edit_yaml("registers/drills.yaml", lambda d: d.update(drills=[x for x in d["drills"] if x["id"] != "DRL-2025-01"]))
    messages = [f.message for f in ws.findings("REF001") if f.file == "registers/drills.yaml"]
    assert "引用的演练“DRL-2025-01”不存在（registers/drills.yaml 中没有这一编号）" in messages
