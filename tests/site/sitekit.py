"""Helpers for the site tests: the sample handbook built once per audience per test process.

Builds are lazy (only the audiences a selected test needs are built) and shared
by every test module (a build takes several seconds).  This is a plain module,
not a conftest.py: a second conftest.py would shadow ``from conftest import``
in the other tests.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import atexit
import os
import pickle
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from checks.site import build as site_build

try:
    import fcntl  # POSIX: a parallel run's processes take turns building (elsewhere each builds its own)
except ImportError:  # pragma: no cover - Windows
    fcntl = None

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 21)
SITE_URL = "http://127.0.0.1:8000/opsbook/"  # for the sitemap of the public build only
#: a folder every process of the test run shares (set by conftest.pytest_configure): builds are made once there
SHARED_ENV = "OPSBOOK_TEST_SHARED"


# The front matter of a test document (a valid policy at some sensitivity).
FRONT = """---
id: {id}
title: '{title}'
kind: policy
category: 制度文档
author: P014
approver: P001
version: "1.0"
sensitivity: {sensitivity}
scope: 全体
access: 全体可阅读
approval_authority: 信息技术负责人批准
status: active
published: 2026-01-05
last_reviewed: 2026-01-05
storage: 本仓库
revisions:
  - {{version: "1.0", date: 2026-01-05, author: P014, approver: P001, summary: 首次发布}}
---
"""


class Site:
    """A built site and questions about it."""

    def __init__(self, path: Path, audience: str):
        self.path = path
        self.audience = audience

    def __repr__(self):
        return f"Site({self.audience})"

    def exists(self, rel: str) -> bool:
        return (self.path / rel).is_file()

    def text(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def files(self, *suffixes) -> list[Path]:
        return sorted(p for p in self.path.rglob("*") if p.is_file() and (not suffixes or p.suffix in suffixes))

    def rel(self, path: Path) -> str:
        return path.relative_to(self.path).as_posix()

    def search_docs(self) -> list[dict]:
        """The search index entries, with jieba's zero-width separators removed."""
        data = json.loads(self.text("search/search_index.json"))
        return [{k: (v.replace("\u200b", "") if isinstance(v, str) else v) for k, v in d.items()} for d in data["docs"]]

    def nav_text(self, rel: str = "index.html") -> str:
        """The text and link targets of the navigation (tabs and sidebar) of a page."""
        parser = _NavText()
        parser.feed(self.text(rel))
        return parser.text()


class _NavText(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = attrs.get("class") or ""
        if self.depth:
            if tag not in self.VOID:
                self.depth += 1
            if tag == "a" and attrs.get("href"):
                self.parts.append(attrs["href"])
        elif tag == "nav" and ("md-nav" in classes.split() or "md-tabs" in classes.split()):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)

    def text(self):
        return " ".join(p.strip() for p in self.parts if p.strip())


def html_text(text: str) -> str:
    """The text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


_ONCE: dict[str, object] = {}
_SCRATCH: list[Path] = []


def scratch_dir(prefix: str) -> Path:
    """A temporary directory removed when the test process ends."""
    path = Path(tempfile.mkdtemp(prefix=f"opsbook-{prefix}-"))
    _SCRATCH.append(path)
    return path


@atexit.register
def _cleanup():
    for path in _SCRATCH:
        shutil.rmtree(path, ignore_errors=True)


def once(key: str, make: Callable[[Path], object]):
    """``make(folder)`` once per test run, its (picklable) result shared by every test module and by the
    processes of a parallel run: the first to ask makes it in a shared folder, the others wait and read it."""
    if key in _ONCE:
        return _ONCE[key]
    shared = os.environ.get(SHARED_ENV)
    if shared and fcntl is not None:
        folder = Path(shared) / key
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            done = folder / "result.pickle"
            if done.exists():
                result = pickle.loads(done.read_bytes())
            else:
                (folder / "work").mkdir(exist_ok=True)
                result = make(folder / "work")
                done.write_bytes(pickle.dumps(result))
    else:
        result = make(scratch_dir(key))
    _ONCE[key] = result
    return result


def site(audience: str, generator: str = "mkdocs") -> Site:
    """The sample built for an audience (by mkdocs-material or Zensical), once per test run."""
    key = audience if generator == "mkdocs" else f"{audience}-{generator}"

    def make(folder: Path) -> Site:
        out = folder / "site"
        site_build.build(ROOT, site_dir=out, audience=audience, as_of=AS_OF,
                         site_url=SITE_URL if audience == "public" else None, generator=generator)
        return Site(out, audience)

    return once(f"site-{key}", make)


def copy_sample(dest: Path, with_docs: bool = True) -> Path:
    """A copy of the sample handbook (optionally without its documents) to build variants of."""
    for part in ("registers", "schemas", "standard", "mkdocs.yml") + (("docs",) if with_docs else ()):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        elif source.is_file():
            shutil.copy2(source, dest / part)
    (dest / "docs").mkdir(exist_ok=True)
    return dest
