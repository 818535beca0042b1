"""Hostile content beyond the page bodies, built for real by both generators: a mkdocs.yml whose
settings name Python callables, link to javascript:, or load fonts, logos and style sheets from the
internet; a register value that reaches every page's footer; link destinations that only Markdown's
block structure (quotes, admonitions, list items) or nested brackets reveal.  Nothing may run, nothing
active may reach any part of any page (header, footer, sidebars included) and nothing may be requested
from outside the site.  (Link destinations hidden in containers are tested without a build in
test_markup_hostile.py and built here too.)  The content is in the shared hostile handbook
(sitekit.hostile_site), so both generators face every hostile document and value of it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitekit import hostile_built


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def built(request):
    """The shared hostile handbook (sitekit.hostile_site, which has this module's edits: docs/hostile/config.md,
    mkdocs.yml, the organisation's register, the positions' register and schema) built by each generator."""
    hostile = hostile_built(request.param)
    return hostile.root, hostile.site, request.param


EXTERNAL = re.compile(r"<(?:link|script|img|iframe|source|video|audio)\b[^>]*?\b(?:href|src)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)
class _Active(HTMLParser):
    """Event-handler attributes and javascript:/data: addresses, as a browser reads the page (Material's own
    search "share" button is href="javascript:void(0)")."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or (name in ("href", "src", "action", "formaction", "xlink:href")
                                          and value.startswith(("javascript:", "data:", "vbscript:"))
                                          and value != "javascript:void(0)"):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    handle_startendtag = handle_starttag


def active(text: str) -> list:
    parser = _Active()
    parser.feed(text)
    return parser.found


@pytest.mark.site
def test_no_python_callable_from_config_runs(built):
    root, _, generator = built
    for folder in {root, root / "site", Path.cwd(), root.parent}:
        assert not list(folder.glob("PWNED*")), (generator, folder)
    assert not list(root.rglob("PWNED*")), generator


@pytest.mark.site
def test_no_page_requests_the_internet(built):
    _, site, generator = built
    for path in site.files(".html"):
        text = path.read_text(encoding="utf-8")
        found = EXTERNAL.search(text)
        assert found is None, (generator, site.rel(path), found and found.group(0))
        assert "fonts.googleapis" not in text and "evil.example" not in text, (generator, site.rel(path))


@pytest.mark.site
def test_nothing_active_anywhere_in_a_page(built):
    _, site, generator = built
    for path in site.files(".html"):
        text = path.read_text(encoding="utf-8")
        assert active(text) == [], (generator, site.rel(path))
        assert "<img src=x onerror" not in text, (generator, site.rel(path))


@pytest.mark.site
def test_register_value_in_footer_is_text(built):
    _, site, generator = built
    page = site.text("index.html")
    footer = page[page.index("md-copyright"):]
    assert "alert(31)" in footer and "&lt;img src=x onerror=alert(31)&gt;" in footer, generator
