"""The staged tree rendered by Zensical (the successor of Material for MkDocs, which runs no mkdocs hooks):
the same pages as the mkdocs-material build, nothing hidden, nothing fetched from the internet."""

from __future__ import annotations

import re

import pytest

from checks.model import Handbook
from sitekit import AS_OF, ROOT, site

pytestmark = pytest.mark.site

HANDBOOK = Handbook.load(ROOT, AS_OF)


@pytest.fixture(scope="module")
def zensical():
    return site("internal", "zensical")


def pages(built) -> set:
    return {built.rel(p) for p in built.files(".html") if not built.rel(p).startswith("assets/")}


def test_same_pages_as_mkdocs(zensical):
    assert pages(zensical) == pages(site("internal"))


def test_no_hidden_content(zensical):
    hidden = [d for d in HANDBOOK.documents if d.sensitivity in ("restricted", "confidential")]
    assert hidden
    mobile = HANDBOOK.register("staff").data["staff"][0]["mobile"]
    for path in zensical.files(".html", ".json", ".xml"):
        text = path.read_text(encoding="utf-8")
        for doc in hidden:
            assert doc.url_path not in text and doc.url_path[:-3] + ".html" not in text, (zensical.rel(path), doc.path)
        assert mobile not in text, zensical.rel(path)
    assert not zensical.exists("registers/emergency_contacts.html")


def test_no_page_loads_from_the_internet(zensical):
    for path in zensical.files(".html"):
        text = path.read_text(encoding="utf-8")
        external = re.findall(r"<(?:script|link|img|iframe)\b[^>]*?(?:src|href)=\"(https?://[^\"]+)\"", text)
        assert external == [], (zensical.rel(path), external[:3])
        assert "unpkg.com" not in text and "fonts.googleapis" not in text, zensical.rel(path)


def test_document_page_has_card_and_history(zensical):
    text = zensical.text("policies/pol-08-duty.html")
    assert "ob-docinfo" in text and "修订记录" in text and "手册版本" in text
