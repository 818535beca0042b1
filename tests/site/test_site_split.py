"""A long register is split over several staged pages: an index page, parts below the size limit (dated
records by month), search entries per part, and every link to a record pointing at the part that holds it.

Staging only (no generator): a synthetic handbook (benchmarks/synth.py) with a few thousand records and a
small page limit (settings.site_page_kb), so that several registers are long."""

from __future__ import annotations

import html
import json
import posixpath
import re
import sys

import pytest

from checks.site import stage as site_stage
from sitekit import AS_OF, ROOT, scratch_dir

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402

LIMIT_KB = 120
HREF = re.compile(r'href="([^"#]+\.html)#([^"]+)"')


@pytest.fixture(scope="module")
def staged():
    root = scratch_dir("split") / "handbook"
    synth.synthesise(root, 4000, 0, AS_OF)
    org = root / "registers" / "organisation.yaml"
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace("\nsettings:\n", f"\nsettings:\n  site_page_kb: {LIMIT_KB}\n", 1), encoding="utf-8")
    return site_stage.stage(root, scratch_dir("split-out") / "staged", "internal", AS_OF)


def _front(text: str) -> dict:
    return json.loads(text.split("\n")[1])


def test_long_registers_are_split_into_parts_below_the_limit(staged):
    registers = staged.docs_dir / "registers"
    parts = sorted(p.name for p in registers.glob("*.*.md"))
    duty = [p for p in parts if p.startswith("duty.handovers.")]
    assert len(duty) >= 2, parts
    assert all(re.fullmatch(r"duty\.handovers\.\d{4}-\d{2}(-\d+)?\.md", p) for p in duty), duty  # by month
    for page in registers.glob("*.md"):
        assert page.stat().st_size <= LIMIT_KB * 1024, (page.name, page.stat().st_size)
    # the index page names every part; small registers stay one page
    index = (registers / "duty.md").read_text(encoding="utf-8")
    assert "分" in index and 'class="ob-table ob-parts"' in index
    for name in duty:
        assert f'href="{name[:-3]}.html"' in index
    assert not any(p.startswith(("staff.", "organisation.", "drills.")) for p in parts)
    assert "记录较多" not in (registers / "staff.md").read_text(encoding="utf-8")
    # the index lists the parts newest month first; each part holds its months
    listed = re.findall(r'href="(duty\.handovers\.[^"]+)\.html"', index)
    assert sorted(listed) == sorted(n[:-3] for n in duty)
    dates = []
    for name in (n + ".md" for n in listed):
        dates += [re.findall(r"<td>(\d{4}-\d{2})-\d{2}</td>", (registers / name).read_text(encoding="utf-8"))[:1]]
    months = [d[0] for d in dates if d]
    assert months == sorted(months, reverse=True)


def test_each_part_has_its_own_title_and_search_entries_and_stays_out_of_the_navigation(staged):
    registers = staged.docs_dir / "registers"
    part = next(registers.glob("duty.handovers.*.md"))
    front = _front(part.read_text(encoding="utf-8"))
    assert front["title"].startswith("运维值班安排与记录 · ") and front["search"]["boost"] > 1
    assert "值班" in front["tags"]
    assert part.read_text(encoding="utf-8").count("\n# ") == 1
    nav = json.dumps(staged.config["nav"], ensure_ascii=False)
    assert "duty.handovers." not in nav and "registers/duty.md" in nav
    assert "/registers/*.*.md" in staged.config["not_in_nav"]
    assert staged.ctx.generated[f"registers/{part.name}"] == "register-part:duty"


def _record_links(staged, src: str):
    text = (staged.docs_dir / src).read_text(encoding="utf-8")
    for href, anchor in HREF.findall(text):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src), html.unescape(href)))
        if target.startswith("registers/"):
            yield target[:-5] + ".md", html.unescape(anchor)


def test_record_links_point_at_the_part_that_holds_the_record(staged):
    docs = staged.docs_dir
    assert "\x02" not in "".join(p.read_text(encoding="utf-8") for p in docs.rglob("*.md"))  # no placeholder left
    links = list(_record_links(staged, "dashboard.md"))
    to_parts = [(t, a) for t, a in links if posixpath.basename(t).count(".") >= 3]  # name.list.part.md
    assert to_parts, "the dashboard links no record on a part page"
    pages = {}
    for target, anchor in links + [link for p in sorted((docs / "registers").glob("*.md"))
                                   for link in _record_links(staged, f"registers/{p.name}")]:
        if posixpath.basename(target).count(".") < 3:
            continue  # a register's own page (a nested record there has no anchor of its own yet)
        if target not in pages:
            pages[target] = (docs / target).read_text(encoding="utf-8")
        assert f'id="{html.escape(anchor)}"' in pages[target], (target, anchor)
    # the one function that places records agrees with the pages
    target, anchor = to_parts[0]
    register = posixpath.basename(target).split(".", 1)[0]
    assert staged.ctx.record_target(register, record_id=anchor) == (target, anchor)


def test_the_dashboard_and_rule_pages_stay_within_the_limit_and_point_to_the_rest(staged):
    """A large handbook's findings: each chapter on the dashboard lists what fits in its share of the page and
    names the rules of the rest; a rule page lists what fits and says where all of them are."""
    docs = staged.docs_dir
    findings = staged.ctx.findings
    dashboard = (docs / "dashboard.md").read_text(encoding="utf-8")
    assert len(dashboard.encode()) <= LIMIT_KB * 1024, len(dashboard.encode())
    listed = dashboard.count('<tr><td class="ob-where">')
    assert 0 < listed < len(findings)
    notes = re.findall(r"本章另有 (\d+) 项发现未在此列出，按规则见(.*?)。</p>", dashboard)
    assert notes and listed + sum(int(n) for n, _ in notes) == len(findings)
    assert all('href="rules/' in rules for _, rules in notes)
    by_rule = staged.ctx.findings_by_rule()
    for page in (docs / "rules").glob("*.md"):
        found = by_rule.get(page.stem, [])
        text = page.read_text(encoding="utf-8")
        assert len(text.encode()) <= LIMIT_KB * 1024 + 1024, (page.name, len(text.encode()))
        if "未在此列出" not in text:
            assert text.count('<tr><td class="ob-where">') == len(found), page.name


def test_a_rule_page_lists_what_fits_and_says_where_the_rest_are(staged, monkeypatch):
    from checks.site import pages

    by_rule = staged.ctx.findings_by_rule()
    rule_id, found = max(by_rule.items(), key=lambda kv: len(kv[1]))
    rule = next(r for r in staged.ctx.result.rules if r.id == rule_id)
    monkeypatch.setattr(staged.ctx.handbook.settings, "site_page_kb", 16)
    text = pages.rule_page(staged.ctx, rule, f"rules/{rule_id}.html")
    shown = text.count('<tr><td class="ob-where">')
    assert 0 < shown < len(found) and len(text.encode()) <= 16 * 1024 + 1024
    assert f"另有 {len(found) - shown} 项发现未在此列出" in text and "opsbook check" in text
