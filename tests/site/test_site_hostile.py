"""Hostile content, built for real (mkdocs-material): Jinja that reaches for Python, the configuration or
another document; HTML in titles, bodies and register values; a heading that names a hidden document.
Each must run no code, publish no raw markup and name no hidden text anywhere in the output (pages,
navigation, tables of contents, search index)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checks.site import build as site_build
from sitekit import (AS_OF, HOSTILE_SECRET_TEXT, HOSTILE_SECRET_TITLE, ROOT, Site, copy_sample, hostile_built,
                     html_text)

pytestmark = pytest.mark.site

SECRET_TITLE = HOSTILE_SECRET_TITLE
SECRET_TEXT = HOSTILE_SECRET_TEXT


@pytest.fixture(scope="module")
def hostile():
    """The shared hostile handbook (sitekit.hostile_site): this module's documents are in docs/hostile/
    (jinja.md, jinja-call.md, html.md, title.md, runtime.md and the hidden secret.md)."""
    built = hostile_built()
    return built.root, built.site


def all_text(site: Site) -> dict:
    return {site.rel(p): p.read_text(encoding="utf-8") for p in site.files(".html", ".json", ".xml", ".js", ".txt")
            if "assets/" not in site.rel(p) or "search" in site.rel(p)}


def test_no_code_ran(hostile):
    root, _ = hostile
    assert not list(root.rglob("PWNED*"))
    # `touch` would have written into the working directory of the build (or beside the copy):
    # look there without walking the whole temporary folder, where other programs come and go
    for folder in {Path.cwd(), root.parent, ROOT}:
        assert not list(folder.glob("PWNED*")), folder


def test_jinja_reaches_nothing(hostile):
    _, site = hostile
    for page in ("hostile/jinja.html", "hostile/jinja-call.html"):
        text = html_text(site.text(page))
        assert "subclasses" in text or "{{" in text  # published as written
        for leak in ("<class", "function", "Undefined", "Traceback", "site_name", "SiteContext", SECRET_TEXT):
            assert leak not in text, (page, leak)


def test_macro_errors_are_findings(hostile):
    _, site = hostile
    dashboard = html_text(site.text("dashboard.html"))
    assert "DOC021" in dashboard and "宏攻击" in dashboard  # refused by the grammar (opsbook check says so too)
    assert re.search(r"DOC021\s+\S+\s+《宏攻击》", dashboard)  # that finding on that document (the shared handbook has more)
    assert "《宏运行出错》中的宏未展开，按原文发布：宏执行出错：TypeError" in dashboard  # failed while running
    page = html_text(site.text("hostile/runtime.html"))
    assert 'register_table("staff", columns=5)' in page and "Traceback" not in page


def test_no_raw_markup_anywhere(hostile):
    _, site = hostile
    for rel, text in all_text(site).items():
        for article in re.findall(r"<article\b.*?</article>", text, re.S) or ([text] if not rel.endswith(".html") else []):
            assert "<script" not in article.lower(), rel
            assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", article, re.I), rel
            assert not re.search(r"(?:href|src)\s*=\s*[\"']?\s*(?:javascript|data):", article, re.I), rel
        if rel.endswith(".html"):
            assert "alert(11)>" not in text.replace("&gt;", ">").split("<article")[0] or "&lt;img" in text, rel
            assert not re.search(r"<img src=x onerror", text), rel
            assert not re.search(r"<script>alert\((?:1[378]|21)\)", text), rel


def test_titles_are_escaped_in_navigation_title_and_search(hostile):
    _, site = hostile
    html = site.text("hostile/html.html")
    assert "&lt;img src=x onerror=alert(11)&gt;标题注入" in html  # shown as text in nav and <title>
    assert "<img src=x onerror" not in html
    for doc in site.search_docs():
        assert "<img src=x" not in doc["title"] and "<script>alert" not in doc["text"]


def test_hidden_document_is_named_nowhere(hostile):
    _, site = hostile
    assert not site.exists("hostile/secret.html")
    for rel, text in all_text(site).items():
        plain = json.dumps(json.loads(text), ensure_ascii=False) if rel.endswith(".json") else text
        assert SECRET_TITLE not in plain and SECRET_TEXT not in plain, rel
        assert "secret.md" not in plain and "secret.html" not in plain, rel
    html = site.text("hostile/html.html")
    toc = re.search(r'<nav class="md-nav md-nav--secondary".*?</nav>', html, re.S).group(0)
    assert "参见 （受限文档）" in html_text(toc)
    assert "（受限文档）" in html_text(html)


def test_macros_apply_the_audience(hostile):
    _, site = hostile
    text = html_text(site.text("hostile/html.html"))
    assert "（受限台账）" in text and "（受限字段）" in text
    mobile = "13900001001"  # P001's, in staff and emergency_contacts
    for rel, body in all_text(site).items():
        assert mobile not in body, rel


def test_register_values_are_escaped(hostile):
    _, site = hostile
    assert "明川&lt;script&gt;alert(21)&lt;/script&gt;证券" in site.text("index.html")  # footer, from the register
    page = site.text("registers/positions.html")
    assert "&lt;script&gt;alert(17)&lt;/script&gt;岗位" in page
    assert "<script>alert(17)" not in page


def test_unsafe_config_is_refused(tmp_path):
    root = copy_sample(tmp_path / "h", with_docs=False)
    (root / "mkdocs.yml").write_text("site_name: !!python/object/apply:os.system ['touch PWNED-2']\n", encoding="utf-8")
    with pytest.raises(site_build.BuildError, match="YAML"):
        site_build.build(root, site_dir=tmp_path / "out", audience="internal", as_of=AS_OF)
    assert not list(tmp_path.rglob("PWNED*"))


def test_config_alias_bomb_and_link_are_refused_before_anything_is_built(tmp_path):
    """mkdocs.yml goes through the bounded loader like every other file: an alias bomb (which the
    config's plain-data copy would expand) is refused at once, and a mkdocs.yml that links to a file
    outside the repository is not read."""
    from checks.site.stage import read_config

    root = copy_sample(tmp_path / "h", with_docs=False)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 10) + "]\n" for n in range(8))
    (root / "mkdocs.yml").write_text("site_name: 手册\nextra:\n  " + bomb.replace("\n", "\n  ").rstrip() + "\n",
                                     encoding="utf-8")
    with pytest.raises(site_build.BuildError, match="展开后增加的值超过"):
        read_config(root)
    outside = tmp_path / "outside.yml"
    outside.write_text("site_name: 外部的配置\n", encoding="utf-8")
    (root / "mkdocs.yml").unlink()
    (root / "mkdocs.yml").symlink_to(outside)
    with pytest.raises(site_build.BuildError, match="符号链接"):
        read_config(root)
