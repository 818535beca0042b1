"""The built site in a real browser: Debian's Chromium driven by Playwright.

The site is served by a local http.server on 127.0.0.1 under a sub-path
(/opsbook/), as an intranet web server would; every request the page makes is
recorded and must stay on 127.0.0.1.  Never run `playwright install`: the
tests use /usr/bin/chromium (.ci/install-browser.sh installs it).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from checks.model import Handbook
from sitekit import AS_OF, ROOT, scratch_dir, site

pytestmark = [pytest.mark.browser, pytest.mark.site]

CHROMIUM = Path(os.environ.get("OPSBOOK_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
MOUNT = "opsbook"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} 不存在：浏览器测试需要 Debian 的 chromium（.ci/install-browser.sh 会安装）",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="需要 Python 包 playwright")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(built):
    """A built site served at http://127.0.0.1:PORT/opsbook/ (a sub-path, as on an intranet server)."""
    root = scratch_dir("serve")
    (root / MOUNT).symlink_to(built.path, target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{MOUNT}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server():
    """The internal build (mkdocs-material)."""
    yield from _serve(site("internal"))


@pytest.fixture(scope="module")
def zensical_server():
    """The same staged tree rendered by Zensical."""
    yield from _serve(site("internal", "zensical"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A page that records every request it makes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.requests = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    yield tab
    context.close()


def off_host(requests) -> list[str]:
    return [url for url in requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname != "127.0.0.1"]


def test_home_page_renders_in_chinese(page, server):
    page.goto(server + "index.html", wait_until="networkidle")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert "信息技术运维手册" in page.title()
    assert page.locator(".md-search__input").get_attribute("placeholder") == "搜索"
    assert page.locator(".ob-version").is_visible()
    page.screenshot(path=str(scratch_dir("shots") / "home.png"))
    assert off_host(page.requests) == []


def search(page, query: str) -> None:
    box = page.locator(".md-search__input")
    box.click()
    box.fill(query)
    page.keyboard.press("End")  # the theme searches on keyup, which fill() does not send


def test_chinese_search_finds_backup_pages(page, server):
    page.goto(server + "index.html", wait_until="networkidle")
    search(page, "备份")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15000)
    assert results.count() > 0
    meta = page.locator(".md-search-result__meta").inner_text()
    assert "符合条件的结果" in meta, meta
    # a two-word query segmented like the index (jieba at build time)
    search(page, "应急演练")
    page.wait_for_timeout(300)
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)
    assert "应急演练" in page.locator(".md-search-result__list").inner_text().replace("\u200b", "")
    page.screenshot(path=str(scratch_dir("shots") / "search.png"))
    assert off_host(page.requests) == []


def test_obsolete_banner_is_visible(page, server):
    handbook = Handbook.load(ROOT, AS_OF)
    old = handbook.document("POL-08-2022")
    page.goto(server + old.url_path[:-3] + ".html", wait_until="networkidle")
    banner = page.locator(".admonition.danger").first
    assert banner.is_visible()
    assert "已废止" in banner.inner_text()
    page.screenshot(path=str(scratch_dir("shots") / "obsolete.png"))
    banner.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(handbook.document("POL-08").url_path[:-3] + ".html")
    assert off_host(page.requests) == []


def test_generated_pages_load_without_external_requests(page, server):
    for rel in ("dashboard.html", "clauses.html", "catalog.html", "registers/index.html", "rules/index.html"):
        page.goto(server + rel, wait_until="networkidle")
        assert page.locator("article h1").first.is_visible(), rel
    assert off_host(page.requests) == []
    assert any(url.endswith("search/search_index.json") for url in page.requests)


def test_search_works_when_opened_from_a_folder(page):
    """Windows users open site/index.html from a share: pages, links and search work from file://."""
    built = site("internal")
    page.goto((built.path / "index.html").as_uri(), wait_until="load")
    search(page, "备份")
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)
    page.locator(".md-search-result__item a").first.click()
    page.wait_for_load_state("load")
    target = urlsplit(page.url)
    assert target.scheme == "file" and target.path.endswith(".html"), page.url
    assert page.locator("article h1").first.is_visible()
    assert all(urlsplit(url).scheme in ("file", "data", "about", "blob") for url in page.requests), off_host(page.requests)


def test_dashboard_due_soon_filters_by_owner_and_window(page, server):
    page.goto(server + "dashboard.html", wait_until="networkidle")
    rows = page.locator("#ob-due-table tbody tr")
    total = rows.count()
    assert total > 5
    owner = page.locator('select[data-filter="owner"]')
    page.select_option('select[data-filter="owner"]', "马超")
    visible = page.locator("#ob-due-table tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all(visible.nth(i).get_attribute("data-owner") == "马超" for i in range(visible.count()))
    owner.select_option("")
    page.select_option('select[data-filter="days"]', "7")
    days = [int(visible.nth(i).get_attribute("data-days")) for i in range(visible.count())]
    assert days and all(d <= 7 for d in days)
    # the record link opens the record on its register page
    link = page.locator("#ob-due-table a[href*='changes.html#CHG-2026-052']").first
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("details#CHG-2026-052").get_attribute("open") is not None
    assert off_host(page.requests) == []


def test_zensical_site_renders_and_stays_on_the_intranet(page, zensical_server):
    """Zensical renders the same staged tree; its pages (and search) request nothing from the internet:
    the CDN shim it would inject for offline use is not enabled, the local one is used."""
    for rel in ("index.html", "dashboard.html", "registers/staff.html", "policies/pol-08-duty.html"):
        page.goto(zensical_server + rel, wait_until="networkidle")
        assert page.locator("article h1").first.is_visible(), rel
    assert "信息技术运维手册" in page.title()
    assert page.locator(".ob-version").is_visible()  # opsbook's theme overrides apply
    page.screenshot(path=str(scratch_dir("shots") / "zensical.png"))
    assert off_host(page.requests) == []


@pytest.mark.parametrize("query, register", [("备份", "数据备份与验证"), ("值班", "运维值班安排与记录")])
def test_search_lists_the_register_among_the_first_three(page, server, query, register):
    page.goto(server + "index.html", wait_until="networkidle")
    search(page, query)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15000)
    page.wait_for_timeout(300)
    titles = [t.replace("\u200b", "") for t in page.locator(".md-search-result__item h1").all_inner_texts()[:3]]
    assert any(register in t for t in titles), titles
    assert off_host(page.requests) == []


def test_home_page_shows_todays_duty_team_with_phones(page, server):
    page.goto(server + "index.html", wait_until="networkidle")
    team = page.locator(".ob-duty-today table")
    assert team.is_visible()
    text = team.inner_text()
    assert "马超" in text and "当班负责人" in text  # the roster's lead on 2026-11-21
    phone = page.locator(".ob-duty-today a[href^='tel:']").first
    assert phone.get_attribute("href") == "tel:02160001013"
    assert "021-60009999" in page.locator(".ob-duty-phone").inner_text()
    assert page.locator("article h2", has_text="即将到期").is_visible()
    assert off_host(page.requests) == []


def test_tables_scroll_in_their_own_box_at_phone_width(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        for rel in ("dashboard.html", "registers/related_units.html", "index.html"):
            page.goto(server + rel, wait_until="networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 376, (rel, width)
        tel = page.locator("a.ob-tel").first
        assert tel.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    finally:
        context.close()


def test_tables_sort_and_filter_in_the_browser(page, server):
    page.goto(server + "registers/devices.html", wait_until="networkidle")
    table = page.locator(".ob-register table").first
    box = page.locator("input.ob-table-filter").first
    rows = table.locator("tbody tr")
    total = rows.count()
    box.fill("报废")
    shown = table.locator("tbody tr:not(.ob-filtered-out)")
    assert 0 < shown.count() < total
    box.fill("")
    header = table.locator("thead th").nth(1)
    header.click()
    first = rows.first.inner_text()
    header.click()
    assert rows.first.inner_text() != first
    assert header.get_attribute("data-sort") == "desc"
