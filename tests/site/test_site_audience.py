"""The site per audience: a document above the reader's level never reaches the output.

The sample's TEC-01 is confidential, PLN-01 and POL-07 are restricted; public and
internal readers must find no trace of them (page, search index, sitemap,
navigation, generated lists, links), confidential readers see everything.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from checks.model import Handbook
from checks.site.audience import Audience, document_level
from sitekit import AS_OF, ROOT, html_text, site

pytestmark = pytest.mark.site

HIDDEN_IDS = ("TEC-01", "PLN-01", "POL-07")
HANDBOOK = Handbook.load(ROOT, AS_OF)


def hidden_docs():
    docs = [HANDBOOK.document(i) for i in HIDDEN_IDS]
    assert all(docs), f"the sample should have {HIDDEN_IDS}"
    return docs


def page_of(doc) -> str:
    """The output file of a document (use_directory_urls: false)."""
    return doc.url_path[:-3] + ".html"


def markers(doc) -> list[str]:
    """Strings that would give a hidden document away: its source path, its page, in plain and URL form."""
    out = [doc.path, doc.url_path, page_of(doc)]
    return out + [quote(m) for m in out]


@pytest.fixture(scope="module", params=["public", "internal"])
def limited(request):
    return site(request.param)


@pytest.fixture(scope="module")
def confidential():
    return site("confidential")


@pytest.fixture(scope="module")
def internal():
    return site("internal")


@pytest.fixture(scope="module")
def public():
    return site("public")


def test_sample_has_the_expected_levels():
    levels = {i: document_level(HANDBOOK.document(i)) for i in HIDDEN_IDS}
    assert levels == {"TEC-01": "confidential", "PLN-01": "restricted", "POL-07": "restricted"}


def test_hidden_documents_have_no_page(limited):
    for doc in hidden_docs():
        assert not limited.exists(page_of(doc)), (limited, doc.doc_id)
        assert not limited.exists(doc.url_path), (limited, doc.doc_id)


def test_no_output_file_names_a_hidden_document(limited):
    tec = HANDBOOK.document("TEC-01")
    for path in limited.files(".html", ".xml", ".json", ".js", ".txt"):
        if path.suffix == ".js" and "search" not in path.parts:
            continue  # the theme's own scripts
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        for doc in hidden_docs():
            for marker in markers(doc):
                assert marker not in text, (limited, limited.rel(path), marker)
            assert f"《{doc.title}》" not in text, (limited, limited.rel(path), doc.title)
        # TEC-01's title is its own (the other titles are also the standard's words)
        assert tec.title not in text.replace("\u200b", ""), (limited, limited.rel(path))


def test_search_index_has_no_hidden_page(limited):
    docs = limited.search_docs()
    assert docs, "the search index is empty"
    hidden_pages = {page_of(d) for d in hidden_docs()}
    hidden_titles = {d.title for d in hidden_docs()}
    for entry in docs:
        assert entry["location"].split("#")[0] not in hidden_pages, entry["location"]
        assert entry["title"] not in hidden_titles, entry
        assert "TEC-01" not in entry["text"] and "TEC-01" not in entry["title"]


def test_sitemap_lists_visible_pages_only(public):
    sitemap = public.text("sitemap.xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert any(loc.endswith("/index.html") or loc.endswith("/opsbook/") for loc in locations), locations[:5]
    for doc in hidden_docs():
        assert not any(page_of(doc) in loc for loc in locations), doc.doc_id
    catalog_page = next(loc for loc in locations if loc.endswith("catalog.html"))
    assert catalog_page.startswith("http://127.0.0.1:8000/opsbook/")


def documents_nav(built) -> str:
    """The navigation of a page of each tab (with navigation.prune a page carries only its own section's
    entries: the catalog's carries every document's)."""
    nav = built.nav_text("catalog.html")
    assert "policies/" in nav  # the documents' entries are there
    return " ".join([built.nav_text("index.html"), nav, built.nav_text("registers/index.html"),
                     built.nav_text("dashboard.html")])


def test_navigation_and_generated_lists_do_not_name_hidden_documents(limited):
    nav = documents_nav(limited)
    assert "文档目录" in nav and "合规看板" in nav
    for page in ("catalog.html", "dashboard.html", "clauses.html", "registers/index.html", "rules/index.html"):
        text = html_text(limited.text(page))
        for doc in hidden_docs():
            assert doc.doc_id not in text, (limited, page, doc.doc_id)
            assert f"《{doc.title}》" not in text, (limited, page, doc.title)
    for doc in hidden_docs():
        assert doc.doc_id not in nav and doc.title not in nav, (limited, doc.doc_id)
        assert page_of(doc) not in nav


def test_catalog_lists_the_visible_documents(limited):
    audience = Audience(HANDBOOK, limited.audience)
    text = html_text(limited.text("catalog.html"))
    for doc in HANDBOOK.documents:
        if doc.doc_id and audience.document_visible(doc):
            assert doc.doc_id in text, (limited, doc.doc_id)


GUIDE = "guide.html"  # the handbook's guide (docs/guide.md), which links to every document


def test_links_to_hidden_documents_become_plain_text(internal):
    home = internal.text(GUIDE)
    assert "（受限文档）" in home
    for doc in hidden_docs():
        assert f'href="{page_of(doc)}"' not in home
    # the id written after a removed link goes with it
    assert "（受限文档）（POL-07）" not in home


def test_restricted_registers_are_hidden_from_internal_readers(internal, public, confidential):
    for name in ("budget", "emergency_contacts"):
        assert HANDBOOK.register(name) is not None
        assert not internal.exists(f"registers/{name}.html")
        assert f"registers/{name}.html" not in internal.text("registers/index.html")
        assert confidential.exists(f"registers/{name}.html")
    assert internal.exists("registers/staff.html")
    assert not public.exists("registers/staff.html")  # staff is internal


def test_public_readers_see_ids_not_names(public, internal):
    # the staff register is internal: a public page names people by id only
    name = HANDBOOK.staff["P014"].get("name")
    assert name not in html_text(public.text(GUIDE))
    assert "P014" in html_text(public.text(GUIDE))
    assert f"{name}（P014）" in html_text(internal.text(GUIDE))


def test_confidential_readers_see_everything(confidential):
    catalog = html_text(confidential.text("catalog.html"))
    nav = documents_nav(confidential)
    locations = {e["location"].split("#")[0] for e in confidential.search_docs()}
    for doc in hidden_docs():
        assert confidential.exists(page_of(doc)), doc.doc_id
        assert doc.doc_id in catalog and doc.title in catalog
        assert doc.title in nav
        assert page_of(doc) in locations
    home = confidential.text(GUIDE)
    assert 'href="technical/' in home and "（受限文档）" not in home


def test_findings_shown_only_with_their_files():
    """A finding is on the dashboard only for readers who may see its file and every file it refers to."""
    from checks import engine

    result = engine.check(ROOT, AS_OF)
    for audience in ("public", "internal"):
        rule = Audience(result.handbook, audience)
        dashboard = html_text(site(audience).text("dashboard.html"))
        for finding in result.findings:
            if rule.finding_visible(finding):
                assert finding.message in dashboard, (audience, finding)
            elif not any(rule.finding_visible(f) and f.message == finding.message for f in result.findings):
                assert finding.message not in dashboard, (audience, finding)


def test_personal_mobiles_stay_off_the_internal_site_and_its_search_index():
    """Staff mobiles are marked ``"x-sensitivity": "restricted"`` in the schema: the internal site (staff page
    included) and its search index never show them; a site for restricted (here confidential) readers does."""
    internal = site("internal")
    mobiles = [p["mobile"] for p in HANDBOOK.register("staff").data["staff"] if p.get("mobile")]
    assert mobiles
    for path in internal.files(".html", ".json", ".js", ".xml"):
        if "assets/" in internal.rel(path):
            continue
        text = path.read_text(encoding="utf-8")
        assert not [m for m in mobiles if m in text], internal.rel(path)
    assert "（受限字段）" in internal.text("registers/staff.html")
    assert mobiles[0] in site("confidential").text("registers/staff.html")
