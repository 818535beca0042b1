"""Bad input becomes findings that name the file and line; the other files are still checked."""

import subprocess
import sys
from pathlib import Path

import pytest

from checks import engine
from checks.findings import Hit
from checks.rules import Rule
from conftest import fired

LOADER_RULES = ("ENC001", "YAML001", "YAML002", "SCH001", "SCH002", "FILE001")


def by_file(result, path):
    """The findings on one file (each rule among them noted as firing, for test_every_rule_has_tests)."""
    found = [f for f in result.findings if f.file == path]
    for rule in {f.rule for f in found}:
        fired(result, rule)
    return found


@pytest.mark.parametrize("rule", LOADER_RULES)
def test_loader_rules_quiet_on_sample(sample_result, rule):
    assert fired(sample_result, rule) == []


def test_loader_rules_quiet_on_a_well_formed_edit(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"].reverse())
    ws.write("docs/notes.md", "---\ntitle: 测试\n---\n正文\n")
    result = ws.check()
    assert [rule for rule in LOADER_RULES if fired(result, rule)] == []


def test_duplicate_key_is_reported_at_its_line(ws):
    ws.replace("registers/positions.yaml", "  - id: room-admin\n    name: 机房管理员\n",
               "  - id: room-admin\n    name: 机房管理员\n    name: 机房管理员（重复）\n")
    line = ws.read("registers/positions.yaml").split("\n").index("    name: 机房管理员（重复）") + 1
    found = ws.findings("YAML002")
    assert [(f.file, f.line) for f in found] == [("registers/positions.yaml", line)]
    assert "重复出现" in found[0].message


def test_broken_yaml_names_file_and_line_and_others_still_checked(ws):
    ws.replace("registers/positions.yaml", "    primary: P004\n", "    primary: [P004\n")
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].pop("document_owner"))
    result = ws.check()
    broken = by_file(result, "registers/positions.yaml")
    assert [f.rule for f in broken] == ["YAML001"]
    assert broken[0].line is not None and broken[0].line > 1
    # another file's problem is still found
    assert any(f.rule == "DOC006" for f in result.findings)
    # rules that need the broken register are skipped rather than raising false alarms
    assert not any(f.rule in ("ORG002", "ORG003") for f in result.findings)


def test_wrong_type_is_reported_at_its_line(ws):
    ws.replace("registers/staff.yaml", 'phone: "021-60001004"', "phone: 02160001004")
    line = ws.read("registers/staff.yaml").split("\n").index("    phone: 02160001004") + 1
    found = [f for f in ws.findings("SCH001") if f.file == "registers/staff.yaml"]
    assert len(found) == 1
    assert found[0].line == line
    assert "（phone）写作 02160001004" in found[0].message
    assert "读成了数字 297796100" in found[0].message  # YAML 1.1 reads a leading 0 as octal
    assert '请加引号："02160001004"' in found[0].message


def test_invalid_record_is_skipped_by_rules_but_the_rest_is_checked(ws):
    # P004's record breaks the schema: rules don't read it, so ORG002 doesn't crash on it,
    # and REF001 reports nothing about it; P005's problems are still found.
    ws.replace("registers/staff.yaml", "    status: active\n", "    status: 在职\n")
    result = ws.check()
    schema = [f for f in result.findings if f.rule == "SCH001"]
    assert len(schema) == 1 and "状态（status）的值“在职”无效" in schema[0].message
    assert not any(f.rule == "INT001" for f in result.findings)


def test_unknown_field_and_missing_required(ws):
    ws.replace("registers/positions.yaml", "  - id: room-admin\n    name: 机房管理员\n", "  - id: room-admin\n    nmae: 机房管理员\n")
    found = [f for f in ws.findings("SCH001") if f.file == "registers/positions.yaml"]
    messages = " ".join(f.message for f in found)
    assert "未知字段：nmae" in messages and "缺少必填字段：岗位名称（name）" in messages
    line = ws.read("registers/positions.yaml").split("\n").index("  - id: room-admin") + 1
    assert all(f.line == line for f in found)


def test_gbk_register(ws):
    ws.write("registers/positions.yaml", ws.read("registers/positions.yaml").encode("gb18030"))
    found = by_file(ws.check(), "registers/positions.yaml")
    assert [f.rule for f in found] == ["ENC001"]
    assert "GBK" in found[0].message and found[0].line == 2


def test_gbk_document(ws):
    ws.write("docs/gbk.md", "---\ntitle: 测试\n---\n正文\n".encode("gbk"))
    found = by_file(ws.check(), "docs/gbk.md")
    assert [f.rule for f in found] == ["ENC001"]


def test_missing_schema_line(ws):
    ws.write("registers/positions.yaml", ws.read("registers/positions.yaml").split("\n", 1)[1])
    found = by_file(ws.check(), "registers/positions.yaml")
    assert [f.rule for f in found] == ["SCH002"] and found[0].line == 1


def test_schema_line_pointing_outside_schemas(ws):
    text = ws.read("registers/positions.yaml").split("\n", 1)[1]
    ws.write("registers/positions.yaml", "# yaml-language-server: $schema=../../etc/passwd\n" + text)
    found = by_file(ws.check(), "registers/positions.yaml")
    assert [f.rule for f in found] == ["SCH002"]


def test_broken_front_matter_line_is_the_file_line(ws):
    ws.write("docs/broken.md", "---\ntitle: 测试\nversion: \"1.0\n---\n正文\n")
    found = [f for f in by_file(ws.check(), "docs/broken.md") if f.rule == "YAML001"]
    assert len(found) == 1 and found[0].line in (3, 4)


def test_document_front_matter_wrong_type(ws):
    ws.write("docs/typed.md", "---\ntitle: 测试\nversion: 2.1\nsensitivity: secret\n---\n正文\n")
    found = {(f.line, f.message.split("应为")[0]) for f in ws.check().findings if f.file == "docs/typed.md" and f.rule == "SCH001"}
    assert (3, "版本（version）") in found
    assert any(line == 4 for line, _ in found)


def test_register_that_is_a_list(ws):
    ws.write("registers/positions.yaml", "# yaml-language-server: $schema=../schemas/positions.schema.json\n- a\n- b\n")
    found = by_file(ws.check(), "registers/positions.yaml")
    assert [f.rule for f in found] == ["SCH001"]


def test_empty_register(ws):
    ws.write("registers/positions.yaml", "# yaml-language-server: $schema=../schemas/positions.schema.json\n")
    found = by_file(ws.check(), "registers/positions.yaml")
    assert [f.rule for f in found] == ["SCH001"]


def test_python_tag_is_refused(ws):
    ws.replace("registers/positions.yaml", "    primary: P003\n", "    primary: !!python/object/apply:os.system ['touch pwned']\n")
    found = by_file(ws.check(), "registers/positions.yaml")
    assert [f.rule for f in found] == ["YAML001"] and "标签" in found[0].message
    assert not ws.exists("pwned") and not Path("pwned").exists()


def test_a_crashing_rule_is_a_finding_not_a_traceback(ws):
    def boom(handbook):
        raise KeyError("oops")
        yield  # pragma: no cover

    crashing = Rule("TST999", "boom", "崩溃", None, "error", "测试", "files", (), boom, False)
    handbook = ws.load()
    findings = engine.run_rules(handbook, [crashing])
    assert [f.rule for f in findings] == ["INT001"]
    assert "TST999" in findings[0].message


def test_cli_never_prints_a_traceback_on_bad_input(ws):
    ws.path("registers/staff.yaml").write_bytes(b"\xff\xfe\x00garbage")
    ws.write("registers/positions.yaml", "{{{{")
    proc = subprocess.run([sys.executable, "-m", "checks", "--root", str(ws.root), "check", "--as-of", "2026-11-21"],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "registers/staff.yaml:1: error ENC001" in proc.stdout
    assert "registers/positions.yaml:1: error YAML001" in proc.stdout


def test_missing_register_is_reported_and_its_rules_skipped(ws):
    ws.remove("registers/positions.yaml")
    result = ws.check()
    missing = fired(result, "FILE001")
    assert [(f.file, f.line) for f in missing] == [("registers/positions.yaml", None)]
    assert "运维岗位" in missing[0].message
    assert not any(f.rule in ("ORG002", "ORG003") for f in result.findings)
