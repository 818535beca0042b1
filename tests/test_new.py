"""`opsbook new record|document`: skeletons from the schemas, appended in place; SCH003 points at each placeholder."""

from __future__ import annotations

from checks.cli import main
from checks.placeholders import MARK

from conftest import AS_OF, findings


def _new(ws, *args):
    return main(["--root", str(ws.root), "new", *args, "--as-of", AS_OF.isoformat()])


def test_new_record_appends_after_the_last_item_changing_no_other_line(ws, capsys):
    before = ws.read("registers/drills.yaml").split("\n")
    assert _new(ws, "record", "drills", "drills") == 0
    after = ws.read("registers/drills.yaml").split("\n")
    added = [line for line in after if line not in before]
    assert "  - id: DRL-2026-04" in after  # the next free id
    assert "    date: 2026-11-21" in after  # today's date in the required date
    assert any(line.strip().startswith("# 演练日期") for line in added)  # the field's title as a comment
    # every original line is still there, in order
    kept = [line for line in after if line in before]
    assert kept == before
    assert after.index("  - id: DRL-2026-04") < after.index("reports:")
    assert "registers/drills.yaml:" in capsys.readouterr().out


def test_placeholders_are_findings_at_their_lines(ws):
    assert findings(ws, "SCH003") == []
    assert _new(ws, "record", "emergency_contacts", "notifications") == 0
    hits = findings(ws, "SCH003")
    assert len(hits) == 1 and hits[0].file == "registers/emergency_contacts.yaml"
    line = ws.read("registers/emergency_contacts.yaml").split("\n")[hits[0].line - 1]
    assert line.strip().startswith("- to: " + MARK)
    assert findings(ws, "SCH001") == []  # a placeholder is not also a wrong value
    text = ws.read("registers/emergency_contacts.yaml").replace(f"{MARK}通知对象类别", "监管部门")
    ws.write("registers/emergency_contacts.yaml", text)
    assert findings(ws, "SCH003") == [] and findings(ws, "SCH001") == []


def test_a_register_with_several_lists_asks_which(ws, capsys):
    assert _new(ws, "record", "trainings") == 2
    assert "plans" in capsys.readouterr().err
    assert _new(ws, "record", "trainings", "nothing") == 2
    assert _new(ws, "record", "no_such_register") == 2


def test_new_document_is_a_draft_with_the_next_id(ws, capsys):
    assert _new(ws, "document", "--kind", "procedure", "--title", "介质销毁流程") == 0
    assert "docs/procedures/prc-06.md" in capsys.readouterr().out
    text = ws.read("docs/procedures/prc-06.md")
    assert 'id: "PRC-06"' in text and 'status: "draft"' in text and "# 介质销毁流程" in text
    hits = findings(ws, "SCH003")
    assert hits and all(h.file == "docs/procedures/prc-06.md" for h in hits)
    assert any("审批人" in h.message for h in hits)


def test_new_record_in_an_empty_list(ws):
    assert "closures: []" in ws.read("registers/calendar.yaml")
    assert _new(ws, "record", "calendar", "closures") == 0
    text = ws.read("registers/calendar.yaml")
    assert "closures: []" not in text and "closures:\n" in text
    from checks import engine

    data = engine.load(ws.root, AS_OF).registers["calendar"].data
    assert len(data["closures"]) == 1 and data["announced_years"] == []
