"""The staged site and what is due: the sample's fixed date and banner, the dashboard's due-soon section,
the calendar feeds per audience and per owner, the employee home page.  Staging only (no generator)."""

from __future__ import annotations

import re

import pytest
import yaml
from icalendar import Calendar

from checks.site import stage as site_stage
from sitekit import AS_OF, ROOT, scratch_dir


@pytest.fixture(scope="module")
def staged():
    """Staged with no date: the sample's own fixed date."""
    return site_stage.stage(ROOT, scratch_dir("due") / "staged", "internal", None, site_url="http://opsbook.intra/internal/")


@pytest.fixture(scope="module")
def staged_public():
    return site_stage.stage(ROOT, scratch_dir("due-public") / "staged", "public", AS_OF)


def _config(staged) -> dict:
    text = (staged.dir / "mkdocs.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_sample_date_without_as_of_and_its_banner_on_every_page(staged):
    site = _config(staged)["extra"]["opsbook_site"]
    assert site["as_of"] == site["sample_date"] == "2026-11-21"
    main = (staged.dir / "overrides" / "main.html").read_text(encoding="utf-8")
    assert "示例手册，检查日期固定为 {{ site.sample_date | e }}" in main and "{% block announce %}" in main


def test_explicit_as_of_wins(staged_public):
    site = _config(staged_public)["extra"]["opsbook_site"]
    assert site["sample_date"] == "" and site["as_of"] == AS_OF.isoformat()


def test_dashboard_due_soon_section(staged):
    dashboard = (staged.docs_dir / "dashboard.md").read_text(encoding="utf-8")
    assert "## 即将到期 {#opsbook-due}" in dashboard
    assert 'data-filter="owner"' in dashboard and 'data-filter="chapter"' in dashboard
    assert 'data-owner="马超"' in dashboard
    assert re.search(r'href="registers/changes\.html#CHG-2026-052"', dashboard)
    assert 'href="due.ics"' in dashboard and 'href="due-P013.ics"' in dashboard
    assert '<svg class="ob-chart"' in dashboard  # per-chapter status
    assert "## 按文件" in dashboard


def test_feeds_for_the_audience_and_each_owner(staged, staged_public):
    feed = Calendar.from_ical((staged.docs_dir / "due.ics").read_bytes())
    events = feed.walk("VEVENT")
    assert events and all(str(e["URL"]).startswith("http://opsbook.intra/internal/") for e in events if "URL" in e)
    mine = Calendar.from_ical((staged.docs_dir / "due-P013.ics").read_bytes()).walk("VEVENT")
    assert mine and all("负责人：马超" in str(e["DESCRIPTION"]) for e in mine)
    assert {str(e["UID"]) for e in mine} <= {str(e["UID"]) for e in events}
    # a public reader's feed has nothing from registers above public
    public = Calendar.from_ical((staged_public.docs_dir / "due.ics").read_bytes()).walk("VEVENT")
    assert all("registers/" not in str(e["DESCRIPTION"]) for e in public)


def test_home_page_for_employees(staged):
    home = (staged.docs_dir / "index.md").read_text(encoding="utf-8")
    assert "今日值班（2026-11-21）" in home and "马超（P013）" in home
    assert 'href="tel:02160009999"' in home  # the duty phone
    assert "即将到期" in home and "常用制度" in home
    assert "手册导读与编辑指南" in home  # the guide has a page of its own
    assert (staged.docs_dir / "guide.md").is_file()


def test_most_read_policies_count_citations_not_mentions(tmp_path_factory):
    """常用制度 ranks policies by links from documents and by the fields the schemas type as a document; an id
    written in free text is not a citation (POL-1 would otherwise also be counted in every POL-10)."""
    from conftest import Workspace

    ws = Workspace(tmp_path_factory)
    use = "registers/document_use.yaml"
    entry = ws.read(use).split("  - id: DU-2026-07\n", 1)[1].split("\n  - id:", 1)[0]
    cited = "".join(f"  - id: DU-T-{n}\n" + entry.replace("document: POL-07", "document: POL-03") + "\n"
                    for n in range(6))
    ws.replace(use, "uses:\n", "uses:\n" + cited)
    ws.replace(use, "description: >-\n", "description: >-\n  " + "依据 POL-11 " * 50 + "\n")
    home = (site_stage.stage(ws.root, scratch_dir("most-read") / "staged", "internal", AS_OF).docs_dir
            / "index.md").read_text(encoding="utf-8")
    listed = re.findall(r">(POL-\d+) ", home.split("## 常用制度", 1)[1].split("</ul>", 1)[0])
    assert listed[0] == "POL-03" and len(listed) == 6
    assert "POL-11" not in listed


def test_search_boosts_registers_over_rules(staged):
    register = (staged.docs_dir / "registers" / "backups.md").read_text(encoding="utf-8")
    rule = (staged.docs_dir / "rules" / "DAT004.md").read_text(encoding="utf-8")
    assert '"boost": 4' in register and '"备份"' in register
    assert '"boost": 0.3' in rule
