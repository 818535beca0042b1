"""``opsbook due`` and the calendar feed; the sample's fixed check date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from icalendar import Calendar

from checks import engine
from checks.commands.due import feed
from checks import obligations
from checks.tree import FsTree, OverlayTree
from conftest import AS_OF, ROOT, run_opsbook

DAY = dt.timedelta(days=1)


def opsbook(*args, root=ROOT):
    """``opsbook --root ROOT ARGS`` in this process: (exit code, standard output as bytes, standard error)."""
    run = run_opsbook("--root", str(root), *args, cwd=ROOT)
    return run.returncode, run.stdout_bytes, run.stderr


def _events(ics: bytes) -> dict:
    cal = Calendar.from_ical(ics)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _feed(as_of, changes=None, **kw):
    tree = FsTree(ROOT) if not changes else OverlayTree(FsTree(ROOT), changes)
    handbook = engine.load(tree, as_of)
    items = obligations.within(obligations.collect(handbook), handbook.as_of, 60)
    return feed(handbook, items, **kw)


def test_due_lists_a_month_with_owners_overdue_first():
    code, out, _ = opsbook("due", "--as-of", "2026-11-21", "--within", "30")
    text = out.decode("utf-8")
    assert code == 0
    lines = text.strip().splitlines()
    assert "编制下一期值班安排表" in text and "负责人：马超" in text
    # a drill's open issue, owned by the issue's own owner; the plan's refiling, by the plan's maintainer
    assert any("完成演练 DRL-2026-02 发现的问题" in line and "负责人：罗斌" in line for line in text.splitlines())
    assert any("重新报备应急预案《网络与信息安全事件应急预案》5.1 版" in line and "负责人：李建国" in line
               for line in text.splitlines())
    assert lines[-1].startswith("截至 2026-11-21：30 天内到期")
    code, out, _ = opsbook("due", "--as-of", "2026-12-05", "--within", "30")
    lines = out.decode("utf-8").strip().splitlines()
    assert "逾期" in lines[0]
    assert "已逾期 0 项" not in lines[-1]


def test_due_json_csv_and_owner_filter():
    code, out, _ = opsbook("due", "--as-of", "2026-11-21", "--format", "json", "--owner", "P013")
    data = json.loads(out)
    assert code == 0 and data["obligations"]
    assert {o["owner"] for o in data["obligations"]} == {"P013"}
    first = data["obligations"][0]
    assert {"due", "days_left", "what", "owner_name", "rule", "clause", "file", "line", "uid"} <= set(first)
    code, out, _ = opsbook("due", "--as-of", "2026-11-21", "--format", "csv", "--owner", "马超")
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert rows[0][:4] == ["到期日", "剩余天数", "事项", "负责人"]
    assert len(rows) > 1 and all(r[3] == "马超" for r in rows[1:])


def test_due_usage_errors():
    code, _, err = opsbook("due", "--as-of", "2026-13-01")
    assert code == 2 and "--as-of" in err
    code, _, err = opsbook("due", "--within", "-1")
    assert code == 2
    code, _, err = opsbook("due", "--owner", "不存在的人")
    assert code == 2 and "人员台账" in err


def test_ics_parses_with_chinese_titles_owner_clause_link_and_alarm():
    events = _events(_feed(AS_OF, site_url="http://opsbook.intra/internal/"))
    assert events
    roster = next(e for e in events.values() if str(e["SUMMARY"]) == "编制下一期值班安排表")
    assert roster.decoded("DTSTART") == dt.date(2026, 11, 30)
    description = str(roster["DESCRIPTION"])
    assert "负责人：马超" in description and "条款：duty-6" in description
    assert str(roster["URL"]) == "http://opsbook.intra/internal/registers/duty.html"
    alarm = roster.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == -3 * DAY
    record = next(e for e in events.values() if "CHG-2026-052" in str(e["SUMMARY"]))
    assert str(record["URL"]).endswith("registers/changes.html#CHG-2026-052")


def test_ics_without_site_url_has_no_links():
    events = _events(_feed(AS_OF))
    assert all("URL" not in e for e in events.values())


def test_uids_are_stable_across_two_builds_a_day_apart():
    today, tomorrow = _events(_feed(AS_OF)), _events(_feed(AS_OF + DAY))
    common = set(today) & set(tomorrow)
    # everything still due tomorrow keeps its UID (and its date)
    assert len(common) >= len(today) - 1
    for uid in common:
        assert today[uid].decoded("DTSTART") == tomorrow[uid].decoded("DTSTART")
    assert _feed(AS_OF) == _feed(AS_OF)


def test_feeds_sharing_their_events_are_the_feeds_written_alone():
    """The site writes the feed of all obligations and one per owner with each event written once: the same
    bytes as Calendar.to_ical writes for each feed on its own."""
    handbook = engine.load(FsTree(ROOT), AS_OF)
    items = obligations.within(obligations.collect(handbook), handbook.as_of, 60)
    owner = next(d.owner for d in items if d.owner)
    mine = [d for d in items if d.owner == owner]
    shared: dict = {}
    together = [feed(handbook, items, events=shared), feed(handbook, mine, name="x", events=shared)]
    assert together == [feed(handbook, items), feed(handbook, mine, name="x")]
    assert len(shared) == len(items) and 0 < len(mine) < len(items)
    whole = Calendar.from_ical(together[0])  # the library reads it back: every event, each with its alarm,
    assert whole.to_ical() == together[0]  # and writes it again byte for byte
    assert [str(e["UID"]) for e in whole.walk("VEVENT")] == [d.uid for d in items]
    assert len(whole.walk("VALARM")) == len(items)


def test_a_met_obligation_disappears():
    before = _events(_feed(AS_OF))
    phone = [uid for uid, e in before.items() if str(e["SUMMARY"]) == "测试值班电话是否畅通"]
    assert len(phone) == 1
    text = (ROOT / "registers/duty.yaml").read_text(encoding="utf-8")
    import re

    tested = re.search(r"tested: (\d{4}-\d{2}-\d{2})", text)
    met = text.replace(tested.group(0), "tested: 2026-11-21", 1)
    after = _events(_feed(AS_OF, {"registers/duty.yaml": met}))
    assert phone[0] not in after
    nxt = [e for e in after.values() if str(e["SUMMARY"]) == "测试值班电话是否畅通"]
    assert nxt and nxt[0].decoded("DTSTART") > before[phone[0]].decoded("DTSTART")


def test_due_writes_ics_to_a_file(tmp_path):
    out = tmp_path / "due.ics"
    code, _, _ = opsbook("due", "--as-of", "2026-11-21", "--format", "ics", "--output", str(out))
    assert code == 0 and _events(out.read_bytes())


# -- the sample's fixed date ---------------------------------------------------

def test_sample_uses_its_fixed_date_without_as_of():
    handbook = engine.load(ROOT)
    assert handbook.as_of == AS_OF == handbook.sample_date
    explicit = engine.load(ROOT, AS_OF + DAY)
    assert explicit.as_of == AS_OF + DAY and explicit.sample_date is None


def test_a_real_handbook_uses_today():
    from checks import dates

    text = (ROOT / "registers/organisation.yaml").read_text(encoding="utf-8")
    assert "  sample_date: 2026-11-21\n" in text
    tree = OverlayTree(FsTree(ROOT), {"registers/organisation.yaml": text.replace("  sample_date: 2026-11-21\n", "")})
    handbook = engine.load(tree)
    assert handbook.as_of == dates.today() and handbook.sample_date is None


def test_check_says_the_date_is_fixed_and_passes():
    code, out, _ = opsbook("check")
    last = out.decode("utf-8").strip().splitlines()[-1]
    assert code == 0
    assert last.startswith("截至 2026-11-21（示例手册，检查日期固定为 2026-11-21") and "检查通过" in last
    code, out, _ = opsbook("check", "--as-of", "2026-11-22")
    assert "示例手册" not in out.decode("utf-8").strip().splitlines()[-1]
    code, out, _ = opsbook("check", "--format", "json")
    assert json.loads(out)["sample_date"] == "2026-11-21"


def test_sample_date_is_schema_bounded():
    text = (ROOT / "registers/organisation.yaml").read_text(encoding="utf-8")
    tree = OverlayTree(FsTree(ROOT), {"registers/organisation.yaml": text.replace("sample_date: 2026-11-21", "sample_date: 明天")})
    result = engine.check(tree, AS_OF)
    assert [f for f in result.findings if f.file == "registers/organisation.yaml" and f.rule.startswith("SCH")]
