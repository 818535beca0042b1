"""Published versions in Chromium: the versions directory of test_publish.py served from 127.0.0.1 (and opened
from a folder); Material's version selector lists both versions, newest first, and switches between them."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from sitekit import scratch_dir
from test_site_browser import _QuietHandler, browser, off_host  # noqa: F401  (browser is a fixture)
from test_publish import V2_LINE, _published

pytestmark = [pytest.mark.browser, pytest.mark.site]


@pytest.fixture(scope="module")
def server():
    """The versions directory served at http://127.0.0.1:PORT/handbook/ as an intranet server would."""
    root = scratch_dir("publish-serve")
    (root / "handbook").symlink_to(_published().dest, target_is_directory=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/handbook/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def page(browser):  # noqa: F811
    """A page that records every request it makes and every script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.requests, tab.errors = [], []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


_TITLES = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll(".md-version__alias").forEach((alias) => alias.remove());
    return copy.textContent.trim();
})"""


def _selector(page) -> tuple[str, list[str]]:
    """The version shown in the header and the versions the selector lists, in order (titles without aliases)."""
    page.wait_for_selector(".md-version__current", state="attached", timeout=10000)
    current = page.evaluate(_TITLES, ".md-version__current")[0]
    listed = page.evaluate(_TITLES, ".md-version__list .md-version__link")
    return current, listed


def _guide(page) -> str:
    """The text of the handbook guide (docs/guide.md, which the second version changes) beside the current page."""
    page.goto(page.url.rsplit("/", 1)[0] + "/guide.html")
    return page.inner_text("article")


def test_selector_lists_both_versions_newest_first_and_navigates(page, server):
    page.goto(server)  # index.html → latest/
    page.wait_for_url("**/latest/index.html")
    current, listed = _selector(page)
    assert current == "v2（第二版）" and listed == ["v2（第二版）", "v1"]
    assert page.inner_text(".md-version__current .md-version__alias") == "latest"
    assert page.locator("[data-md-component=outdated]").is_hidden()
    assert V2_LINE in _guide(page)

    page.hover(".md-version")
    page.locator(".md-version__list .md-version__link", has_text="v1").click()
    page.wait_for_url("**/handbook/v1/**")
    current, listed = _selector(page)
    assert current == "v1" and listed == ["v2（第二版）", "v1"]
    assert V2_LINE not in page.inner_text("article")
    page.wait_for_selector("[data-md-component=outdated]:not([hidden])", timeout=10000)
    assert "您正在查看旧版本的手册" in page.inner_text("[data-md-component=outdated]")
    assert "发布版本 v1" in page.inner_text(".ob-version")

    page.locator(".ob-version a.ob-latest").click()  # the banner's link to the newest version
    page.wait_for_url("**/handbook/latest/index.html")
    assert V2_LINE in _guide(page)
    assert off_host(page.requests) == []
    assert page.errors == []


def test_selector_on_a_deep_page_opens_the_other_version(page, server):
    page.goto(server + "v1/dashboard.html")
    _selector(page)
    page.hover(".md-version")
    page.locator(".md-version__list .md-version__link", has_text="v2").click()
    page.wait_for_url("**/handbook/v2/**")
    assert "发布版本 v2" in page.inner_text(".ob-version")
    assert page.locator("[data-md-component=outdated]").is_hidden()


def test_versions_open_from_a_folder(page):
    """file://: no server, no selector (browsers refuse to fetch versions.json), but the root goes to latest/
    and every page still names its version and links to the newest."""
    page.goto((_published().dest / "index.html").as_uri())
    page.wait_for_url("**/latest/index.html")
    assert "发布版本 v2" in page.inner_text(".ob-version")
    assert V2_LINE in _guide(page)
    page.goto((_published().dest / "v1" / "dashboard.html").as_uri())
    assert "发布版本 v1" in page.inner_text(".ob-version")
    page.locator(".ob-version a.ob-latest").click()
    page.wait_for_url("**/latest/index.html")
    assert V2_LINE in _guide(page)
    page.locator(".ob-version a.ob-versions").click()
    page.wait_for_url("**/versions.html")
    page.locator("a", has_text="v1").first.click()
    page.wait_for_url("**/v1/index.html")
    assert "发布版本 v1" in page.inner_text(".ob-version")
    assert [url for url in page.requests if not url.startswith("file://")] == []
