"""Hostile content beyond the page bodies, built for real by both generators: a mkdocs.yml whose
settings name Python callables, link to javascript:, or load fonts, logos and style sheets from the
internet; a register value that reaches every page's footer; link destinations that only Markdown's
block structure (quotes, admonitions, list items) or nested brackets reveal.  Nothing may run, nothing
active may reach any part of any page (header, footer, sidebars included) and nothing may be requested
from outside the site.  (Link destinations hidden in containers are tested without a build in
test_markup_hostile.py and built here too.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checks.site import build as site_build
from test_markup_hostile import HIDDEN_URLS
from sitekit import AS_OF, FRONT, Site, copy_sample, scratch_dir

EVIL_ORG = '<img src=x onerror=alert(31)>明川'

HOSTILE_CONFIG = """
extra_css:
  - https://evil.example/x.css
  - //evil.example/y.css
"""

DOC = FRONT.format(id="HOS-21", title="配置攻击](javascript:alert(54)) [乙", sensitivity="public") + """
# 配置攻击

=== "甲"

    一

=== "乙"

    二

行内 `#!python print(1)` 代码。

地址：{{ register_value("organisation", "organisation", "address") }}；本文：{{ doc_link("HOS-21") }}；
{{ org_name(short=true) }}。

{{ register_table("positions", columns=["id", "name"]) }}

""" + "\n".join(HIDDEN_URLS.values())


def hostile_tree(prefix: str) -> Path:
    root = copy_sample(scratch_dir(prefix), with_docs=False)
    (root / "docs" / "index.md").write_text(DOC, encoding="utf-8")
    org = root / "registers" / "organisation.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace("name: 明川证券股份有限公司", f"name: '{EVIL_ORG}'", 1),
                   encoding="utf-8")
    # Markdown in register values, register titles, schema titles and YAML keys (every one reaches a page)
    text = org.read_text(encoding="utf-8")
    text = text.replace("address: 上海市浦东新区", "address: '[点我](javascript:alert(51)) {: onclick=alert(55) }'")
    text = text.replace("short_name: 明川证券", "short_name: '明川*[x](javascript:alert(56))*'")
    org.write_text(text.replace("title: 机构概况与设置", "title: '机构 {: onclick=alert(52) }'", 1), encoding="utf-8")
    schema = root / "schemas" / "positions.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"title": "岗位名称"', '"title": "名称 {: onclick=alert(53) }"'),
                      encoding="utf-8")
    positions = root / "registers" / "positions.yaml"
    positions.write_text(positions.read_text(encoding="utf-8") + "\n'备注 {: onclick=alert(57) }': '[点](javascript:alert(58))'\n",
                         encoding="utf-8")
    cfg = (root / "mkdocs.yml").read_text(encoding="utf-8")
    cfg = cfg.replace("  font: false ", "  font: {text: Roboto, code: Roboto Mono}\n  logo: https://evil.example/logo.png\n"
                      "  favicon: //evil.example/favicon.ico\n  #")
    cfg = cfg.replace("  - pymdownx.inlinehilite\n",
                      "  - pymdownx.inlinehilite:\n      custom_inline:\n        - name: math\n          class: math\n"
                      "          format: {object: os.system, kwds: {command: 'touch {root}/PWNED-INLINE'}}\n"
                      "  - pymdownx.tabbed:\n      alternate_style: true\n"
                      "      slugify: {object: os.system, kwds: {command: 'touch {root}/PWNED-TABBED'}}\n")
    cfg = cfg.replace("extra:\n", "extra:\n  homepage: 'javascript:alert(32)'\n") + HOSTILE_CONFIG
    cfg = cfg.replace("{root}", str(root))
    (root / "mkdocs.yml").write_text(cfg, encoding="utf-8")
    return root


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def built(request):
    root = hostile_tree(f"hostile-config-{request.param}")
    out = root / "site"
    site_build.build(root, site_dir=out, audience="internal", as_of=AS_OF, generator=request.param)
    return root, Site(out, "internal"), request.param


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
