"""The site's pages: document metadata, the 已废止 banner, dashboard, clause matrix, rules, registers;
and no request leaves the intranet."""

from __future__ import annotations

import posixpath
import re

import pytest

from checks import clauses as catalogue
from checks.model import Handbook
from checks.rules import all_rules
from sitekit import AS_OF, ROOT, html_text, site

pytestmark = pytest.mark.site

HANDBOOK = Handbook.load(ROOT, AS_OF)


@pytest.fixture(scope="module")
def internal():
    return site("internal")


def page_of(doc) -> str:
    return doc.url_path[:-3] + ".html"


def resolve(page: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href.split("#")[0]))


def test_every_page_shows_version_and_as_of(internal):
    for rel in ("index.html", "catalog.html", "dashboard.html", page_of(HANDBOOK.document("POL-08"))):
        text = html_text(internal.text(rel))
        assert "手册版本" in text and "检查日期 2026-11-21" in text, rel
        assert "读者级别" in text and "内部" in text


def test_document_page_shows_metadata(internal):
    doc = HANDBOOK.document("POL-08")
    text = html_text(internal.text(page_of(doc)))
    meta = doc.meta
    for label in ("编号", "版本", "敏感性", "状态", "分类", "编写人", "审批人", "发布时间", "最近评审", "下次评审",
                  "使用范围", "使用权限", "审批权限", "存放方式", "修订记录", "最近修改"):
        assert label in text, label
    assert "POL-08" in text and meta.get("version") in text
    assert HANDBOOK.person_name(meta.get("approver")) in text  # 周明远（P001）
    assert HANDBOOK.person_name(meta.get("author")) in text
    assert meta.get("scope") in text and meta.get("storage") in text
    for revision in meta.get("revisions"):
        assert revision["summary"] in text
    assert 'class="ob-badge ob-sens-internal"' in internal.text(page_of(doc))


def test_obsolete_document_has_a_banner_linking_to_its_successor(internal):
    old = HANDBOOK.document("POL-08-2022")
    new = HANDBOOK.document(old.meta.get("superseded_by"))
    page = page_of(old)
    html = internal.text(page)
    banner = re.search(r'<div class="admonition danger">(.*?)</div>', html, re.S)
    assert banner, "no 已废止 admonition"
    assert "已废止" in banner.group(1) and "不得作为执行依据" in banner.group(1)
    hrefs = re.findall(r'href="([^"]+)"', banner.group(1))
    assert any(resolve(page, h) == page_of(new) for h in hrefs), hrefs
    assert internal.exists(page_of(new))
    # the banner comes first in the article, before the metadata and the document's text
    article = html[html.index("<article"):]
    assert article.index("admonition danger") < article.index("ob-docinfo") < article.index("修订记录")


def test_catalog_shows_status_version_and_review_dates(internal):
    text = html_text(internal.text("catalog.html"))
    for heading in ("管理制度", "操作流程", "下次评审", "最近评审", "版本", "状态"):
        assert heading in text
    doc = HANDBOOK.document("POL-01")
    assert doc.title in text and str(doc.meta.get("version")) in text
    assert "已废止" in text  # POL-08-2022


def test_dashboard_lists_findings_with_links_to_rules(internal):
    html = internal.text("dashboard.html")
    text = html_text(html)
    assert "2026-11-21" in text and "手册版本" in text
    for label in ("错误", "警告", "按章节", "按文件"):
        assert label in text
    for href in re.findall(r'href="(rules/[A-Z]+\d{3}\.html)"', html):
        assert internal.exists(href), href


def test_clause_matrix_shows_every_clause(internal):
    chapters = catalogue.load(ROOT)
    html = internal.text("clauses.html")
    text = html_text(html)
    for chapter in chapters:
        assert chapter.title in text
        for clause in chapter.clauses:
            assert f'id="{clause.id}"' in html, clause.id
    assert "通过" in text and "落实方式" in text
    rule_links = set(re.findall(r'href="(rules/[A-Z]+\d{3}\.html)"', html))
    assert rule_links and all(internal.exists(h) for h in rule_links)


def test_rule_pages(internal):
    rules = all_rules()
    index = html_text(internal.text("rules/index.html"))
    clause_index = catalogue.index(catalogue.load(ROOT))
    for rule in rules:
        rel = f"rules/{rule.id}.html"
        assert internal.exists(rel), rule.id
        assert rule.id in index
        text = html_text(internal.text(rel))
        assert rule.title in text and ("错误" if rule.severity == "error" else "警告") in text
        assert "当前发现" in text
        if rule.clause in clause_index:
            assert clause_index[rule.clause].text in text, rule.id
            assert clause_index[rule.clause].heading in text
        # the docstring is rendered as Markdown
        if "## 检查什么" in rule.doc:
            assert "<h2" in internal.text(rel) and "检查什么" in text
        # the settings it reads, with the sample's values (as ruff's rule pages list options)
        assert "读取的设置" in text
        flat = re.sub(r"\s+", " ", text)
        for name, value in rule.setting_values(HANDBOOK):
            assert f"settings.{name} = {value}" in flat, (rule.id, name)


def test_register_pages_render_nested_data(internal):
    text = html_text(internal.text("registers/staff.html"))
    staff = HANDBOOK.register("staff").data["staff"]
    assert staff[0]["name"] in text and staff[0]["id"] in text
    # a nested mapping (the confidentiality agreement) is shown field by field, not as a Python dict
    assert "{'" not in text and "datetime.date" not in text
    assert "registers/staff.yaml" in text
    index = html_text(internal.text("registers/index.html"))
    assert "运维人员" in index or HANDBOOK.register("staff").data.get("title") in index


# -- no request leaves the intranet -------------------------------------------

# Addresses inside the theme's JavaScript bundle that the site never uses: mermaid (only when a page has a
# mermaid diagram), a ResizeObserver polyfill (only in browsers without it), the GitHub/GitLab APIs (only with
# repo_url), and a licence comment.
KNOWN_UNUSED = ("https://unpkg.com/mermaid", "https://unpkg.com/resize-observer-polyfill", "https://api.github.com",
                "https://clipboardjs.com", "https://${", "https://github.com", "https://gitlab.com",
                "https://bit.ly/2s3ChXG")  # the last one: text of a console warning of the search worker
EXTERNAL = re.compile(r"""(?:^|[\s"'(=,])((?:https?:)?//[A-Za-z0-9][^\s"'()<>]*)""")
ATTRIBUTE = re.compile(r"""\b(src|href|srcset|action|poster|data|content)\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""", re.I)


def off_site(url: str) -> bool:
    url = url.strip()
    return bool(re.match(r"^(?:https?:)?//", url, re.I)) and not re.match(r"^https?://127\.0\.0\.1[:/]", url)


@pytest.mark.parametrize("audience", ["public", "internal", "confidential"])
def test_no_external_resources(audience):
    built = site(audience)
    problems = []
    for path in built.files(".html", ".css", ".xml"):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".xml":
            continue  # the sitemap lists the site's own addresses (site_url)
        if path.suffix == ".html":
            for name, value in ATTRIBUTE.findall(text):
                if name.lower() == "content":
                    continue
                for url in re.split(r"\s*,\s*", value) if name.lower() == "srcset" else [value]:
                    if off_site(url):
                        problems.append(f"{built.rel(path)}: {name}={url}")
            for style in re.findall(r"<style[^>]*>(.*?)</style>", text, re.S):
                problems += [f"{built.rel(path)}: {u}" for u in CSS_URL.findall(style) for u in u if off_site(u)]
            assert 'class="mermaid"' not in text, built.rel(path)
        else:
            for groups in CSS_URL.findall(text):
                for url in groups:
                    if url and off_site(url):
                        problems.append(f"{built.rel(path)}: {url}")
    for path in built.files(".js"):
        code = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8", errors="replace"), flags=re.S)  # licences
        code = re.sub(r"(?m)(?<![:\"'\w\\])//[^\n]*$", "", code)  # line comments
        for url in EXTERNAL.findall(code):
            if url.startswith("http") and off_site(url) and not url.startswith(KNOWN_UNUSED):
                problems.append(f"{built.rel(path)}: {url}")
    assert not problems, problems[:20]


def test_no_web_fonts_or_analytics(internal):
    html = internal.text("index.html")
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    assert "googletagmanager" not in html and "__analytics" not in html


def test_links_are_relative_and_resolve(internal):
    """Every link inside the site is relative and points at a file that exists (works under any sub-path)."""
    broken = []
    for path in internal.files(".html"):
        rel = internal.rel(path)
        if rel == "404.html":
            continue
        for name, value in ATTRIBUTE.findall(path.read_text(encoding="utf-8")):
            if name.lower() not in ("href", "src") or not value or value.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
                continue
            assert not value.startswith("/"), f"{rel}: absolute link {value}"
            if off_site(value):
                continue
            target = resolve(rel, value.split("?")[0])
            if target in (".", ""):
                target = "index.html"
            if not (internal.path / target).is_file() and not (internal.path / target / "index.html").is_file():
                broken.append(f"{rel} -> {value}")
    assert not broken, broken[:20]
