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


# -- one hostile handbook ------------------------------------------------------------------------
# The sample with the hostile edits of several test modules in one tree, built once per test run per generator
# through ``opsbook build`` (a real build takes many seconds): test_site_hostile.py (docs/hostile/, Jinja and
# HTML in documents and register values), test_site_variants.py (docs/variant/, awkward documents),
# test_site_hostile_audience.py (a mistyped restricted mobile number), test_site_hostile_config.py
# (docs/hostile/config.md, mkdocs.yml, register and schema titles) and test_hostile.py (the corpus cases
# marked ``build: true``, in docs/).  Each module's documents have their own paths and ids; where two modules
# edit one value, the value carries both edits.

# test_site_hostile.py
HOSTILE_SECRET_TITLE = "绝密灾备切换口令表"
HOSTILE_SECRET_TEXT = "口令-ZX81-绝密正文"
HOSTILE_EVIL_TITLE = '<img src=x onerror=alert(11)>标题注入'

_HOSTILE_JINJA = FRONT.format(id="HOS-01", title="宏攻击", sensitivity="public") + """
# 宏攻击

一：{{ ''.__class__.__mro__[1].__subclasses__() }}

二：{{ cycler.__init__.__globals__.os.popen('touch PWNED-1').read() }}

三：{{ config }} {{ page }} {{ self }}

四：{% include "hostile/secret.md" %}

五：{{ person.__globals__ }}
"""

_HOSTILE_JINJA_CALL = FRONT.format(id="HOS-02", title="宏属性攻击", sensitivity="public") + """
# 宏属性攻击

{{ org_name().__class__.__base__.__subclasses__() }}

{{ register_table("staff", columns=lipsum.__globals__) }}
"""

_HOSTILE_HTML_BODY = FRONT.format(id="HOS-03", title=HOSTILE_EVIL_TITLE, sensitivity="public") + """
# 正文 <b onclick="alert(12)">注入</b>

<script>alert("XSS-13")</script>

<a href="javascript:alert(14)">点我</a> [也点我](javascript:alert(15)) ![图](data:image/svg+xml;base64,PHN2Zz4=)

<img src="x.png" onerror="alert(16)">

## 参见 绝密灾备切换口令表 {#see-绝密灾备切换口令表}

另见《绝密灾备切换口令表》与 [口令表](secret.md)。

{{ register_table("positions", columns=["id", "name"]) }}

{{ register_table("emergency_contacts", "liaisons") }} {{ doc_link("SEC-09") }} {{ contacts_table() }}

{{ register_value("staff", "staff", "P001", "mobile") }}
"""

_HOSTILE_RUNTIME = FRONT.format(id="HOS-05", title="宏运行出错", sensitivity="public") + """
# 宏运行出错

{{ register_table("staff", columns=5) }}
"""

_HOSTILE_TITLE_BREAKOUT = FRONT.format(id="HOS-04", title="</title><script>alert(18)</script>", sensitivity="public") + """
正文没有一级标题：页面标题取自头信息。
"""

_HOSTILE_SECRET = FRONT.format(id="SEC-09", title=HOSTILE_SECRET_TITLE, sensitivity="confidential") + f"""
# {HOSTILE_SECRET_TITLE}

{HOSTILE_SECRET_TEXT}
"""

# test_site_variants.py (its policy is VAR-01: the sample has a POL-01 of its own)
VARIANT_SECRET_TITLE = "绝密网络布局说明"

_VARIANT_HOME = FRONT.format(id="IDX-01", title="变体首页", sensitivity="public") + """
# 变体首页

本手册属于 {{ org_name() }}，负责人 {{ person("P001") }}。

见 {{ doc_link("VAR-01") }} 与 {{ doc_link("SEC-01") }}；原始 HTML：<a href="secret.md">绝密网络布局说明（原文链接）</a>。

存放位置 docs/variant/secret.md，参见《绝密网络布局说明》。

## 自定义锚点 {#custom-anchor}

{{ register_table("positions", columns=["id", "name"]) }}

```jinja
{{ ansible_hostname }} {% if x %}y{% endif %}
```

行内代码 `{{ inline_var }}` 保持原样。

![示意图](img/ok.png)
"""

_VARIANT_BROKEN = FRONT.format(id="VAR-01", title="语法有误的制度", sensitivity="internal") + """
# 语法有误的制度

这一行有 {{ broken 未闭合的花括号，应按原文发布。
"""

_VARIANT_SECRET = FRONT.format(id="SEC-01", title=VARIANT_SECRET_TITLE, sensitivity="confidential") + """
# 绝密网络布局说明

![拓扑](img/secret.png)
"""

_VARIANT_NO_FRONT = "# 没有头信息的文档\n\n正文。\n"
_VARIANT_BAD_LEVEL = FRONT.format(id="BAD-01", title="级别无效的文档", sensitivity="top-secret") + "\n# 级别无效\n"
_VARIANT_YAML_ERROR = "---\nid: YML-01\ntitle: [未闭合\nsensitivity: public\n---\n\n# YAML 有误\n"

# test_site_hostile_audience.py: a mobile number (x-sensitivity: restricted) that its pattern rejects, on P003
# (P001's mobile is test_site_hostile.py's: it must appear nowhere)
AUDIENCE_TYPO = "1390000100X"
AUDIENCE_TYPO_OF = 'mobile: "13900001003"'

# test_site_hostile_config.py; the organisation's name also carries test_site_hostile.py's <script>
CONFIG_EVIL_ORG = '<img src=x onerror=alert(31)>明川'
HOSTILE_ORG_NAME = CONFIG_EVIL_ORG + "<script>alert(21)</script>证券"

_CONFIG_CSS = """
extra_css:
  - https://evil.example/x.css
  - //evil.example/y.css
"""

_CONFIG_DOC = FRONT.format(id="HOS-21", title="配置攻击](javascript:alert(54)) [乙", sensitivity="public") + """
# 配置攻击

=== "甲"

    一

=== "乙"

    二

行内 `#!python print(1)` 代码。

地址：{{ register_value("organisation", "organisation", "address") }}；本文：{{ doc_link("HOS-21") }}；
{{ org_name(short=true) }}。

{{ register_table("positions", columns=["id", "name"]) }}

"""


def write_hostile_tree(root: Path) -> Path:
    """The sample (with its documents) and every hostile edit of the modules named above, in ``root``."""
    from conftest import Workspace  # tests/ (conftest's folder) is on sys.path
    from test_hostile import BUILD_CASES, apply_case, load_case
    from test_markup_hostile import HIDDEN_URLS

    copy_sample(root)
    tree = Workspace.at(root)
    # test_site_hostile.py
    for name, text in {"jinja.md": _HOSTILE_JINJA, "jinja-call.md": _HOSTILE_JINJA_CALL, "html.md": _HOSTILE_HTML_BODY,
                       "title.md": _HOSTILE_TITLE_BREAKOUT, "runtime.md": _HOSTILE_RUNTIME,
                       "secret.md": _HOSTILE_SECRET}.items():
        tree.write(f"docs/hostile/{name}", text)
    first = re.search(r"name: (.+)", tree.read("registers/positions.yaml")).group(1)
    tree.replace("registers/positions.yaml", f"name: {first}", "name: '<script>alert(17)</script>岗位'")
    # test_site_variants.py
    tree.write("docs/variant/img/ok.png", b"\x89PNG\r\n\x1a\n")
    tree.write("docs/variant/img/secret.png", b"\x89PNG\r\n\x1a\n")
    for name, text in {"home.md": _VARIANT_HOME, "pol-01.md": _VARIANT_BROKEN, "secret.md": _VARIANT_SECRET,
                       "nofront.md": _VARIANT_NO_FRONT, "badlevel.md": _VARIANT_BAD_LEVEL,
                       "yamlerror.md": _VARIANT_YAML_ERROR}.items():
        tree.write(f"docs/variant/{name}", text)
    # test_site_hostile_audience.py
    tree.replace("registers/staff.yaml", AUDIENCE_TYPO_OF, f'mobile: "{AUDIENCE_TYPO}"')
    # test_site_hostile_config.py (and the organisation's name of test_site_hostile.py)
    tree.write("docs/hostile/config.md", _CONFIG_DOC + "\n".join(HIDDEN_URLS.values()))
    org = "registers/organisation.yaml"
    tree.replace(org, "  name: 明川证券股份有限公司", f"  name: '{HOSTILE_ORG_NAME}'")
    # Markdown in register values, register titles, schema titles and YAML keys (every one reaches a page)
    tree.replace(org, "address: 上海市浦东新区", "address: '[点我](javascript:alert(51)) {: onclick=alert(55) }'")
    tree.replace(org, "short_name: 明川证券", "short_name: '明川*[x](javascript:alert(56))*'")
    tree.replace(org, "title: 机构概况与设置", "title: '机构 {: onclick=alert(52) }'")
    tree.replace("schemas/positions.schema.json", '"title": "岗位名称"', '"title": "名称 {: onclick=alert(53) }"')
    tree.write("registers/positions.yaml", tree.read("registers/positions.yaml")
               + "\n'备注 {: onclick=alert(57) }': '[点](javascript:alert(58))'\n")
    cfg = "mkdocs.yml"
    tree.replace(cfg, "  font: false ", "  font: {text: Roboto, code: Roboto Mono}\n  logo: https://evil.example/logo.png\n"
                 "  favicon: //evil.example/favicon.ico\n  #")
    tree.replace(cfg, "  - pymdownx.inlinehilite\n",
                 "  - pymdownx.inlinehilite:\n      custom_inline:\n        - name: math\n          class: math\n"
                 f"          format: {{object: os.system, kwds: {{command: 'touch {root}/PWNED-INLINE'}}}}\n"
                 "  - pymdownx.tabbed:\n      alternate_style: true\n"
                 f"      slugify: {{object: os.system, kwds: {{command: 'touch {root}/PWNED-TABBED'}}}}\n")
    tree.replace(cfg, "extra:\n", "extra:\n  homepage: 'javascript:alert(32)'\n")
    tree.write(cfg, tree.read(cfg) + _CONFIG_CSS)
    # test_hostile.py: the corpus cases whose content an internal reader could see
    for name in BUILD_CASES:
        apply_case(tree, load_case("positive", name))
    return root


class HostileSite:
    """The hostile handbook built by one generator through ``opsbook build``: its tree (``root``), the
    command's exit code, output and duration, the site (None when the build failed) and, for mkdocs, the
    tree ``opsbook stage`` writes for the same reader (internal)."""

    def __init__(self, root: Path, generator: str, code: int, stdout: str, stderr: str, seconds: float,
                 site: Site | None, staged: Path | None):
        self.root, self.generator = root, generator
        self.code, self.stdout, self.stderr, self.seconds = code, stdout, stderr, seconds
        self.site, self.staged = site, staged

    def __repr__(self):
        return f"HostileSite({self.generator})"


def hostile_site(generator: str = "mkdocs") -> HostileSite:
    """The hostile handbook built (internal) by ``generator``, once per test run."""

    def make(folder: Path) -> HostileSite:
        import time

        from conftest import run_opsbook

        root = write_hostile_tree(folder / "root")
        out = root / "site"
        started = time.monotonic()
        code, stdout, stderr = run_opsbook("--root", root, "build", "--as-of", AS_OF.isoformat(), "--site-dir", out,
                                           "--generator", generator)
        seconds = time.monotonic() - started
        staged = site_build.stage_only(root, folder / "stage", "internal", AS_OF) if generator == "mkdocs" else None
        return HostileSite(root, generator, code, stdout, stderr, seconds, Site(out, "internal") if code == 0 else None,
                           staged)

    return once(f"hostile-{generator}", make)


def hostile_built(generator: str = "mkdocs") -> HostileSite:
    """:func:`hostile_site`, which must have built."""
    built = hostile_site(generator)
    assert built.code == 0 and built.site is not None, built.stderr
    return built
