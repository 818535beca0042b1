"""The site on a handbook with awkward documents: macros, Jinja-like text, broken front matter, raw HTML
links and attachments of hidden documents.  Built once (internal) from the sample with them in docs/variant/,
in the shared hostile handbook."""

from __future__ import annotations

import re

import pytest

from sitekit import HOSTILE_ORG_NAME, VARIANT_SECRET_TITLE, Site, hostile_built, html_text

pytestmark = pytest.mark.site

SECRET_TITLE = VARIANT_SECRET_TITLE
HOME = "variant/home.html"  # the variant's home page (docs/variant/home.md)


@pytest.fixture(scope="module")
def variant() -> Site:
    """The shared hostile handbook (sitekit.hostile_site): this module's documents are in docs/variant/ (home.md,
    pol-01.md with the id VAR-01, the hidden secret.md, nofront.md, badlevel.md, yamlerror.md and img/)."""
    return hostile_built().site


def test_macros_render_register_data(variant):
    html = variant.text(HOME)
    text = html_text(html)
    # the register's name (the shared handbook's is hostile: shown as text), in the page's own body
    assert HOSTILE_ORG_NAME in html_text(re.search(r"<article\b.*?</article>", html, re.S).group(0))
    assert "周明远（P001）" in text
    assert 'href="pol-01.html"' in html  # doc_link to a visible document
    assert "security-admin" in text or "安全管理员" in text  # register_table("positions")


def test_code_and_anchors_are_not_jinja(variant):
    html = variant.text(HOME)
    text = re.sub(r"\s+", "", html_text(html))  # code is highlighted: one span per token
    assert "{{ansible_hostname}}{%ifx%}y{%endif%}" in text
    assert "{{inline_var}}" in text
    assert 'id="custom-anchor"' in html


def test_unparsable_jinja_is_published_as_written(variant):
    assert "{{ broken 未闭合的花括号" in html_text(variant.text("variant/pol-01.html"))


def test_hidden_document_is_not_named_anywhere(variant):
    assert not variant.exists("variant/secret.html")
    for path in variant.files(".html", ".json", ".xml"):
        text = path.read_text(encoding="utf-8")
        assert SECRET_TITLE not in text and "secret.html" not in text and "secret.md" not in text, variant.rel(path)
    home = html_text(variant.text(HOME))
    assert home.count("（受限文档）") >= 3  # doc_link, raw HTML link, 《title》 (and the path)


def test_attachments_follow_their_documents(variant):
    assert variant.exists("variant/img/ok.png")
    assert not variant.exists("variant/img/secret.png")  # only the hidden document used it


@pytest.mark.parametrize("name", ["nofront", "badlevel", "yamlerror"])
def test_documents_without_a_valid_level_are_confidential(variant, name):
    assert not variant.exists(f"variant/{name}.html")
    # with navigation.prune a page carries only its own section's entries: the catalog's carries every document's
    documents = variant.nav_text("catalog.html")
    assert "variant/pol-01.html" in documents  # this module's visible documents are listed there
    nav = variant.nav_text("index.html") + " " + documents
    assert name not in nav
