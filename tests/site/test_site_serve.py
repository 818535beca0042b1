"""``opsbook serve`` (what ``make serve`` runs): edit a file while it runs; the next request shows the change."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from sitekit import AS_OF, ROOT, copy_sample, site

pytestmark = pytest.mark.site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read().decode("utf-8")


def test_serve_rebuilds_on_every_change(tmp_path):
    root = copy_sample(tmp_path / "h")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "checks", "--root", str(root), "serve", "--as-of", "2026-11-21",
                             "--dev-addr", f"127.0.0.1:{port}"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    said: list[str] = []
    started = threading.Event()

    def read_messages():  # all of them, so that the pipe never fills
        for line in proc.stderr:
            said.append(line)
            if "预览地址" in line:
                started.set()

    threading.Thread(target=read_messages, daemon=True).start()

    def heard(text: str, since: int) -> bool:  # the message is printed just before the page is served
        deadline = time.time() + 10
        while time.time() < deadline:
            if any(text in line for line in said[since:]):
                return True
            time.sleep(0.05)
        return False

    try:
        assert started.wait(120), "".join(said[-20:])
        url = f"http://127.0.0.1:{port}/policies/pol-08-duty.html"
        assert "值班管理制度" in get(url)
        index = json.loads(get(f"http://127.0.0.1:{port}/search/search_index.json"))
        pages = {entry["location"].split("#")[0] for entry in index["docs"]}
        doc = root / "docs" / "policies" / "pol-08-duty.md"
        before = len(said)
        doc.write_text(doc.read_text(encoding="utf-8").replace("\n# ", "\n编辑后的第一段：服务运行中修改。\n\n# ", 1),
                       encoding="utf-8")
        assert "服务运行中修改" in get(url)  # the request waits for the rebuild
        # only the pages whose staged text changed were rendered again; the search index still has every page
        assert heard("只有 1 个页面有变化", before), "".join(said[before:])
        index = json.loads(get(f"http://127.0.0.1:{port}/search/search_index.json"))
        assert {entry["location"].split("#")[0] for entry in index["docs"]} == pages
        assert any("服务运行中修改" in entry["text"].replace("\u200b", "") for entry in index["docs"])  # segmented
        before = len(said)
        (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text(encoding="utf-8")
                                         .replace("site_name: 信息技术运维手册", "site_name: 改名后的手册"), encoding="utf-8")
        staff = root / "registers" / "staff.yaml"
        staff.write_text(staff.read_text(encoding="utf-8").replace("周明远", "周明远甲", 1), encoding="utf-8")
        assert "改名后的手册" in get(f"http://127.0.0.1:{port}/index.html")  # one rebuild for both changes
        assert "周明远甲" in get(f"http://127.0.0.1:{port}/registers/staff.html")
        assert heard("全部页面", before), "".join(said[before:])  # the configuration changed: a full build
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _tree(folder, files: dict):
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def test_only_changed_page_texts_allow_a_partial_render(tmp_path):
    from checks.site.build import _changed_pages

    base = {"mkdocs.yml": "nav: []\n", "docs/a.md": "# A\n", "docs/b.md": "# B\n", "docs/img/x.png": "png",
            "overrides/main.html": "{% extends 'base.html' %}"}
    old = _tree(tmp_path / "old", base)
    assert _changed_pages(old, _tree(tmp_path / "same", base)) == []
    assert _changed_pages(old, _tree(tmp_path / "page", {**base, "docs/b.md": "# B!\n"})) == ["docs/b.md"]
    for name, edit in [("config", {"mkdocs.yml": "nav: [a.md]\n"}), ("theme", {"overrides/main.html": "x"}),
                       ("attachment", {"docs/img/x.png": "gif"}), ("added", {"docs/c.md": "# C\n"})]:
        assert _changed_pages(old, _tree(tmp_path / name, {**base, **edit})) is None, name
    gone = _tree(tmp_path / "gone", base)
    (gone / "docs" / "b.md").unlink()
    assert _changed_pages(old, gone) is None


def test_a_partial_render_keeps_the_other_pages_search_entries_in_their_place(tmp_path):
    from checks.site.build import _merge_search_index

    def index(folder, docs):
        (folder / "search").mkdir(parents=True)
        (folder / "search" / "search_index.json").write_text(json.dumps({"config": {"lang": ["zh"]}, "docs": docs}))
        return folder

    entry = lambda location, text="": {"location": location, "title": location, "text": text}  # noqa: E731
    previous = index(tmp_path / "previous", [entry("a.html"), entry("b.html"), entry("b.html#s", "旧"), entry("c.html")])
    site = index(tmp_path / "site", [entry("b.html", "新"), entry("b.html#t", "新节")])
    _merge_search_index(previous, site, ["docs/b.md"])
    merged = json.loads((site / "search" / "search_index.json").read_text())
    assert [(e["location"], e["text"]) for e in merged["docs"]] == [
        ("a.html", ""), ("b.html", "新"), ("b.html#t", "新节"), ("c.html", "")]
    assert merged["config"] == {"lang": ["zh"]}


def test_a_partial_render_is_byte_identical_to_the_full_build(tmp_path):
    """The internal build as the last site, with one page and its search entries gone stale: the rebuild renders
    that page alone and gives, byte for byte, the full build of the same tree."""
    from checks.site import build

    full = site("internal").path
    previous = tmp_path / "previous"
    shutil.copytree(full, previous)
    page = previous / "policies" / "pol-08-duty.html"
    page.write_text("过时的页面", encoding="utf-8")
    index = previous / "search" / "search_index.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    stale_entries = [e for e in data["docs"] if e["location"].startswith("policies/pol-08-duty.html")]
    assert stale_entries
    for entry in stale_entries[1:]:
        entry["text"] = "过时的一节"
    data["docs"].remove(stale_entries[0])  # a section that is no longer on the page
    index.write_text(json.dumps(data), encoding="utf-8")
    work = tmp_path / "work"
    staged = build.stage(ROOT, work / "stage", "internal", AS_OF)  # what the last site was built from
    stale = staged.dir / "docs" / "policies" / "pol-08-duty.md"
    stale.write_text(stale.read_text(encoding="utf-8") + "\n过时的一段\n", encoding="utf-8")
    past = time.time() - 86400
    for path in staged.dir.rglob("*"):
        os.utime(path, (past, past))  # staged before the last site was rendered
    out, pages = build.rebuild(ROOT, tmp_path / "site", work, previous, "internal", AS_OF)
    assert pages == 1

    def files(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    got, want = files(out), files(full)
    assert sorted(got) == sorted(want)
    assert [rel for rel in sorted(want) if got[rel] != want[rel]] == []
