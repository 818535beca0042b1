"""Stage the site: a docs tree for one audience, written from the model, that any generator can render.

``stage(root, out, audience, as_of)`` writes into ``out``:

* ``docs/``: only the documents the audience may see, each with its metadata
  card, 已废止/草稿 banner, revision record and git history written into its
  Markdown; raw HTML cleaned (no script, event handler or ``javascript:`` URL);
  macros expanded in the sandbox; links, headings, 《titles》 and paths that
  name hidden documents replaced by “（受限文档）”; the attachments visible
  documents link to; the generated pages (catalogue, registers, dashboard,
  clause matrix, rules).
* ``overrides/``: the theme overrides of this package.
* ``mkdocs.yml``: a generated configuration (read by mkdocs and by Zensical):
  the handbook's settings that are plain data and allowed, every text escaped,
  the navigation, no hooks and no plugin but search.

Nothing here imports mkdocs: these are plain functions over the model.
:func:`scan` looks over a generator's output afterwards (leaks, active markup).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import logging
import os
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import yaml

from .. import dates, markup, mdscan, templating
from ..findings import Finding
from ..model import SENSITIVITY_LEVELS
from . import pages
from .audience import RESTRICTED_TEXT, document_level
from .context import KIND_ORDER, KIND_ZH, RECORD_REF, SiteContext
from .macros import macros_for
from .render import (BOOST_DOCUMENT, search_terms, Linker, front_matter, doc_label, esc, fmt_date, md_esc, page_url,
                     sensitivity_badge, status_badge, table)

log = logging.getLogger("opsbook.site")

PACKAGE = Path(__file__).resolve().parent
OVERRIDES = PACKAGE / "overrides"
AUDIENCES = SENSITIVITY_LEVELS
MARKER = ".opsbook-output"  # written into every directory opsbook fills; only such directories are emptied
PROTECTED = ("docs", "registers", "schemas", "standard", "checks", ".git")
# Files under these folders of docs/ are the site's own assets, published to every reader; every other
# attachment only when a visible document links to it.  Only these kinds of file are ever published.
ASSET_DIRS = ("assets/", "stylesheets/", "images/")
ATTACHMENT_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".pdf", ".txt", ".csv", ".xlsx",
                       ".xls", ".docx", ".doc", ".pptx", ".ppt", ".zip", ".vsdx", ".css", ".woff", ".woff2"}
OFFLINE_SHIM = "assets/javascripts/iframe-worker.js"
MARKDOWN_EXTENSIONS = {"abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
                       "sane_lists", "smarty", "nl2br", "pymdownx.details", "pymdownx.highlight",
                       "pymdownx.inlinehilite", "pymdownx.superfences", "pymdownx.tasklist", "pymdownx.mark",
                       "pymdownx.tilde", "pymdownx.caret", "pymdownx.keys", "pymdownx.smartsymbols",
                       "pymdownx.tabbed", "pymdownx.betterem", "pymdownx.critic", "pymdownx.saneheaders"}
THEME_KEYS = ("language", "icon", "palette", "features", "logo", "favicon")
EXTRA_KEYS = ("generator", "status")
_DOC_STATUS_FOR_MATERIAL = {"obsolete": "deprecated"}
# Markdown links and images, <a href> and <img src> are found by mdscan (links, a_tags, img_tags): in linear time.
_REF_DEF = re.compile(r"^( {0,3}\[[^\]\n]+\]:\s*)(<[^>\n]*>|\S+)(.*)$", re.M)
_HTML_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_HEADING_LINE = re.compile(r"^(#{1,6}[ \t]+)(.*)$", re.M)


class BuildError(Exception):
    """The site could not be built (configuration, output directory, a leak caught by the last check)."""


@dataclass
class Staged:
    dir: Path  # the staged tree: mkdocs.yml, docs/, overrides/
    ctx: SiteContext | None  # None in what build hands a generator: the handbook is freed before it renders
    config: dict
    pages: list = field(default_factory=list)  # staged docs paths of every page

    @property
    def config_file(self) -> Path:
        return self.dir / "mkdocs.yml"

    @property
    def docs_dir(self) -> Path:
        return self.dir / "docs"


# -- output directories ----------------------------------------------------------

def prepare_output(root, out) -> Path:
    """Check and empty an output directory: never inside the handbook's sources nor the root itself; emptied
    only when empty or written by opsbook before (it has the marker file).  Returns the resolved path."""
    root = Path(root).resolve()
    out = Path(out).resolve()
    if out == root or out in root.parents:
        raise BuildError(f"输出目录 {out} 是手册目录或其上级目录，不能作为输出目录")
    for name in PROTECTED:
        guarded = root / name
        if out == guarded or guarded in out.parents:
            raise BuildError(f"输出目录 {out} 位于 {name}/ 中；请换一个目录（如 site/）")
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_dir():
            raise BuildError(f"输出目录 {out} 已存在且不是目录")
        entries = list(out.iterdir())
        # A site built before the marker existed has opsbook's own stylesheet: also ours.
        legacy = (out / "assets" / "stylesheets" / "opsbook.css").is_file() and (out / "index.html").is_file()
        if entries and not (out / MARKER).is_file() and not legacy:
            raise BuildError(f"输出目录 {out} 不是空目录，也不是 opsbook 以前写入的（没有 {MARKER}）；"
                             "为免删除您的文件，请换一个目录或先手动清空它")
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("此目录由 opsbook 生成，重新构建时会被清空。\n", encoding="utf-8")
    return out


# -- the handbook's mkdocs.yml ---------------------------------------------------------

def read_config(root: Path) -> dict:
    """The handbook's mkdocs.yml, read as every other file of the handbook is: never through a link, by the
    bounded loader (no YAML tag constructs an object; an alias bomb or deep nesting is refused)."""
    from ..model import read_file
    from ..tree import FsTree
    from ..yamlio import LoadError, load

    config_file = root / "mkdocs.yml"
    tree = FsTree(root)
    if tree.is_link("mkdocs.yml"):
        raise BuildError(f"{config_file} 是符号链接：站点配置只从仓库中的文件读取")
    if not config_file.is_file():
        raise BuildError(f"找不到站点配置 {config_file}")
    text, problem = read_file(tree, "mkdocs.yml")  # the size limit and the encoding, as for every file
    if problem:
        raise BuildError(f"{config_file}：{problem.message}")
    try:
        data = load(text)[0]
    except LoadError as exc:
        raise BuildError(f"{config_file} 第 {exc.problem.line} 行不是可用的 YAML（不允许标签，如 !!python；"
                         f"别名展开和嵌套层数有上限）：{exc.problem.message}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BuildError(f"{config_file} 应为映射（键: 值）")
    return data


def _plain(value, depth: int = 0):
    """Plain YAML data only (strings, numbers, booleans, lists, mappings with string keys)."""
    if depth > 8:
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    return str(value)


def _escape_all(value):
    if isinstance(value, str):
        return esc(value)
    if isinstance(value, list):
        return [_escape_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_all(v) for k, v in value.items()}
    return value


def _docs_source(root: Path, raw: dict) -> Path:
    docs = root / str(raw.get("docs_dir") or "docs")
    resolved = docs.resolve()
    if resolved == root or root not in resolved.parents:
        raise BuildError(f"docs_dir 应是手册目录中的子目录，收到“{raw.get('docs_dir')}”")
    return resolved


def _markdown_extensions(raw: dict) -> list:
    out = []
    items = raw.get("markdown_extensions") or []
    for item in items if isinstance(items, list) else []:
        name, conf = (item, None) if isinstance(item, str) else (next(iter(item.items())) if isinstance(item, dict) and item else (None, None))
        if name not in MARKDOWN_EXTENSIONS:
            if name:
                log.warning(f"opsbook: 不使用 mkdocs.yml 中的 Markdown 扩展“{name}”（不在允许的扩展之列）")
            continue
        conf = _options(name, conf) if isinstance(conf, dict) else {}
        if name == "toc":
            conf.pop("slugify", None)  # set by each generator's adapter (Chinese-keeping anchors)
        if name == "pymdownx.superfences":
            conf.pop("custom_fences", None)
        out.append({name: conf} if conf else name)
    return out


def _options(name: str, conf: dict) -> dict:
    """An extension's options from mkdocs.yml: plain values only (a string, number or boolean, or a list of
    them).  A mapping or a list of mappings is how generators name Python callables (Zensical imports
    ``{object: module.function, kwds: …}`` and calls it), so none is passed on."""
    out = {}
    for key, value in conf.items():
        scalar = lambda v: isinstance(v, (str, int, float, bool)) or v is None  # noqa: E731
        if scalar(value) or (isinstance(value, list) and all(scalar(v) for v in value)):
            out[str(key)] = value
        else:
            log.warning(f"opsbook: 不使用 mkdocs.yml 中 Markdown 扩展“{name}”的选项“{key}”（只接受字符串、数字、布尔值及其列表）")
    return out


def _local(url) -> bool:
    """A relative address inside the site (no scheme, no host, no way up): what a page may load.  Read as a
    browser reads it: character references decoded, whitespace and control characters dropped
    (“ //host/x” and “/\\host/x” name another host).  A link may leave the site; a style sheet or logo may not."""
    if not isinstance(url, str) or not markup.safe_url(url):
        return False
    url = re.sub(r"[\x00-\x20\x7f]", "", htmllib.unescape(url))
    parts = urlsplit(url)
    return (bool(url) and not parts.scheme and not parts.netloc and not url.startswith(("/", "\\"))
            and "\\" not in url and ".." not in url.split("/"))


def generated_config(raw: dict, ctx: SiteContext, nav: list, site_url: str | None, extra_config: dict | None) -> dict:
    theme_raw = raw.get("theme")
    theme_raw = theme_raw if isinstance(theme_raw, dict) else {}
    # No web fonts (they would be fetched from the internet): the operating system's Chinese fonts.
    theme = {"name": "material", "custom_dir": "overrides", "font": False}
    for key in THEME_KEYS:
        if key in theme_raw:
            theme[key] = _plain(theme_raw[key])
    for key in ("logo", "favicon"):  # files of the site only
        if key in theme and not _local(theme[key]):
            log.warning(f"opsbook: 不使用 mkdocs.yml 中 theme.{key}（只能是站点内的文件）")
            del theme[key]
    extra_raw = raw.get("extra") if isinstance(raw.get("extra"), dict) else {}
    extra = {k: _escape_all(_plain(extra_raw[k])) for k in EXTRA_KEYS if k in extra_raw}
    if "homepage" in extra and not (isinstance(extra_raw["homepage"], str) and markup.safe_url(extra_raw["homepage"])):
        log.warning("opsbook: 不使用 mkdocs.yml 中 extra.homepage（只能是相对地址或 http、https 地址）")
        del extra["homepage"]
    extra["polyfills"] = [OFFLINE_SHIM]
    extra["opsbook_site"] = {
        "version": ctx.version_label,
        "commit": ctx.version.commit[:12] if ctx.version else "",
        "version_date": ctx.version_date,
        "as_of": ctx.as_of.isoformat(),
        "sample_date": ctx.handbook.sample_date.isoformat() if ctx.handbook.sample_date else "",
        "audience": ctx.level,
        "audience_zh": ctx.level_zh,
        "organisation": ctx.organisation_name() or "",
    }
    extra.update(_plain(extra_config or {}))
    search = {}
    for item in raw.get("plugins") or []:
        name, conf = (item, {}) if isinstance(item, str) else (next(iter(item.items())) if isinstance(item, dict) and item else (None, {}))
        if name == "search" and isinstance(conf, dict):
            search = {k: _plain(v) for k, v in conf.items() if k in ("lang", "separator", "min_search_length")}
    config = {
        "site_name": esc(raw.get("site_name") or "信息技术运维手册"),
        "docs_dir": "docs",
        "use_directory_urls": False,
        "theme": theme,
        "plugins": [{"search": search} if search else "search"],
        "markdown_extensions": _markdown_extensions(raw),
        "extra": extra,
        "nav": nav,
        # one page per rule, listed on the rules page; the parts of a long register, listed on its page
        "not_in_nav": "/rules/*.md\n/registers/*.*.md",
    }
    for key in ("site_description", "site_author", "copyright"):
        if isinstance(raw.get(key), str):
            config[key] = esc(raw[key])
    url = site_url or raw.get("site_url")
    if isinstance(url, str) and re.match(r"^https?://", url):
        config["site_url"] = url
    css = raw.get("extra_css")
    if isinstance(css, list):
        config["extra_css"] = [c for c in css if _local(c) and c.endswith(".css")]
    return config


# -- which files of docs/ are published ----------------------------------------------

def _referenced(ctx: SiteContext, docs) -> set:
    """docs paths of the files (images, attachments) that visible documents link to."""
    out = set()
    for doc in docs:
        src = ctx.src_uri(doc)
        if src is None:
            continue
        base = posixpath.dirname(src)
        targets = [m.group(3).strip("<>") for m in mdscan.links(doc.body)] + _HTML_REF.findall(doc.body)
        targets += [m.group(2).strip("<>") for m in _REF_DEF.finditer(doc.body)]
        for target in targets:
            target = unquote(target.split("#", 1)[0].split("?", 1)[0])
            if not target or "://" in target or target.startswith(("mailto:", "data:", "tel:")):
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            out.add(posixpath.normpath(path))
    return out


def _source_files(docs_src: Path) -> list[str]:
    """Regular files under docs/ (no symbolic links: nothing is read from outside the repository)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(docs_src, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            out.append(path.relative_to(docs_src).as_posix())
    return out


# -- links, headings and titles that name hidden documents -----------------------------------

def hidden_target(ctx: SiteContext, base_src: str, href: str) -> bool:
    """Whether a link (as written in the page at ``base_src``) points at a hidden document or attachment."""
    href = htmllib.unescape(href.strip().strip("<>"))
    if not href or href.startswith("#"):
        return False
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return False
    path = unquote(parts.path)
    if not path:
        return False
    target = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(base_src), path))
    candidates = {target, target.rstrip("/") + "/index.md", target.rstrip("/") + ".md"}
    if target.endswith(".html"):
        candidates.add(target[:-5] + ".md")
    return any(c in ctx.hidden_src for c in candidates)


def _restricted_html() -> str:
    return f'<span class="ob-restricted">{RESTRICTED_TEXT}</span>'


def redact(ctx: SiteContext, src: str, text: str) -> str:
    """Rewrite what names a hidden document in a page's Markdown: links and images to it (Markdown and
    HTML), reference definitions, its title in 《》 and in headings, its path, its id after a removed link."""
    if not ctx.audience.hidden_documents and not ctx.hidden_src:
        return text
    restricted = _restricted_html()

    def md_link(match):
        return restricted if hidden_target(ctx, src, match.group(3)) else match.group(0)

    text = mdscan.sub(mdscan.links(text), text, md_link)
    text = _REF_DEF.sub(lambda m: (m.group(1) + "#" + "") if hidden_target(ctx, src, m.group(2)) else m.group(0), text)
    for tags in (mdscan.a_tags, mdscan.img_tags):
        text = mdscan.sub(tags(text), text, lambda m: restricted if hidden_target(ctx, src, m.group(2)) else m.group(0))
    titles = ctx.audience.hidden_titles
    for title in titles:
        for form in (title, esc(title)):
            text = text.replace("《" + form + "》", RESTRICTED_TEXT)

    def heading(match):  # a heading is short: a hidden title anywhere in it names the document
        line = match.group(2)
        for title in titles:
            if len(title) >= 2:
                line = line.replace(title, RESTRICTED_TEXT)
        return match.group(1) + ctx.audience.redact(line)

    text = _HEADING_LINE.sub(heading, text)
    pattern = marker_pattern(ctx)
    if pattern is not None:
        text = pattern.sub(RESTRICTED_TEXT, text)
    ids = [str(d.doc_id) for d in ctx.audience.hidden_documents if d.doc_id]
    if ids:
        after = re.compile("(" + re.escape(restricted) + "|" + re.escape(RESTRICTED_TEXT) + r")\s*[（(]\s*(?:"
                           + "|".join(map(re.escape, ids)) + r")\s*[）)]")
        text = after.sub(lambda m: m.group(1), text)
    return text


def _path_markers(ctx: SiteContext) -> set:
    """The strings that would name a hidden page's file or address."""
    out = set()
    for value in set(ctx.hidden_src) | set(ctx.hidden_urls):
        value = value.rstrip("/")
        if value and value not in ("index.html", "index.md"):
            out.update((value, quote(value)))
    for doc in ctx.audience.hidden_documents:
        out.update((doc.path, quote(doc.path)))
    return {m for m in out if "/" in m or "." in m}


_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _trie(words, max_depth: int = 100) -> str:
    """The alternation of ``words`` as a trie (``docs/(?:a\\.md|b/c\\.md)``): the regex engine follows the text
    down one branch instead of trying every word at every position.  At each branch a longer word is tried
    before a word ending there, so it matches what the alternation of the words, longest first, matches.
    RecursionError beyond ``max_depth`` branchings on one word."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict, depth: int) -> str:
        if depth > max_depth:
            raise RecursionError(depth)
        out = []
        kids = sorted(k for k in node if k)
        while len(kids) == 1 and "" not in node:  # a run with no branch: written out as it is
            out.append(re.escape(kids[0]))
            node = node[kids[0]]
            kids = sorted(k for k in node if k)
        if not kids:
            return "".join(out)
        branches = [re.escape(k) + build(node[k], depth + 1) for k in kids] + ([""] if "" in node else [])
        return "".join(out) + "(?:" + "|".join(branches) + ")"

    return build(root, 0)


def _alternation(words) -> str:
    """The regex that matches any of ``words``, longest first: a trie (:func:`_trie`), or the plain alternation
    when the words nest deeper than a trie should."""
    try:
        return _trie(words)
    except RecursionError:
        return "|".join(re.escape(m) for m in sorted(words, key=len, reverse=True))


class Markers:
    """Hidden pages' paths and addresses as whole words: what ``(?<![A-Za-z0-9_-])(?:m1|m2|…)(?![A-Za-z0-9_-])``
    finds.  A leading look-behind keeps the regex engine from skipping straight to the places where a marker
    could begin (four times slower over a large site), so the markers are searched without it, as a trie, and
    a match right after a word character is tried again one character further on."""

    def __init__(self, markers):
        self._pattern = re.compile("(?:" + _alternation(markers) + r")(?![A-Za-z0-9_-])")
        self.words = tuple(sorted(markers))

    def finditer(self, text: str):
        search, pos = self._pattern.search, 0
        while (match := search(text, pos)) is not None:
            start = match.start()
            if start and text[start - 1] in _WORD_CHARS:
                pos = start + 1
                continue
            yield match
            pos = match.end()

    def findall(self, text: str) -> list[str]:
        return [match.group(0) for match in self.finditer(text)]

    def sub(self, replacement: str, text: str) -> str:
        out, last = [], 0
        for match in self.finditer(text):
            out += (text[last:match.start()], replacement)
            last = match.end()
        return "".join(out) + text[last:] if out else text


def marker_pattern(ctx: SiteContext) -> Markers | None:
    cached = getattr(ctx, "_marker_re", False)
    if cached is False:
        markers = _path_markers(ctx)
        cached = Markers(markers) if markers else None
        ctx._marker_re = cached
    return cached


# -- a document's page ----------------------------------------------------------------

def _relative_md(from_src: str, to_src: str) -> str:
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def banner(ctx: SiteContext, doc, src: str) -> str:
    status = doc.status
    if status == "obsolete":
        when = doc.meta.date("obsoleted")
        successor = ctx.audience.document_by_id(doc.meta.get("superseded_by"))
        lines = [f"本文档已于 {when.isoformat()} 废止" if when else "本文档已废止", "，不得作为执行依据。"]
        if successor is not None and ctx.src_uri(successor):
            lines.append(f"现行文档：[{md_esc(doc_label(successor))}]({_relative_md(src, ctx.src_uri(successor))})。")
        elif doc.meta.get("superseded_by"):
            lines.append("替代它的现行文档超出您的阅读权限。")
        else:
            lines.append("未注明替代文档。")
        return '!!! danger "已废止"\n\n    ' + "".join(lines) + "\n\n"
    if status == "draft":
        return '!!! warning "草稿"\n\n    本文档是草稿，尚未批准发布，不得作为执行依据。\n\n'
    return ""


def metadata_card(ctx: SiteContext, doc, src: str) -> str:
    link = Linker(ctx, page_url(src))
    meta = doc.meta
    nxt = ctx.next_review(doc) if doc.status != "obsolete" else None
    overdue = nxt is not None and nxt < ctx.as_of and doc.status == "active"
    items = [
        ("编号", esc(doc.doc_id or "—")),
        ("版本", esc(meta.get("version") or "—")),
        ("敏感性", sensitivity_badge(document_level(doc))),
        ("状态", status_badge(doc.status)),
        ("分类", esc(ctx.audience.redact(str(meta.get("category") or "—")))),
        ("类型", esc(KIND_ZH.get(meta.get("kind"), meta.get("kind") or "—"))),
        ("编写人", esc(ctx.person(meta.get("author")))),
        ("审批人", esc(ctx.person(meta.get("approver")))),
        ("维护人", esc(ctx.person(meta.get("owner")))),
        ("发布时间", esc(fmt_date(meta.date("published")))),
        ("生效日期", esc(fmt_date(meta.date("effective")))),
        ("最近评审", esc(fmt_date(meta.date("last_reviewed")))),
        ("下次评审", (f'<span class="ob-overdue">{esc(fmt_date(nxt))}（已逾期）</span>' if overdue else esc(fmt_date(nxt)))),
        ("最近修改", esc(ctx.last_changed().get(doc.path, "—")) + '<span class="ob-hint">（git）</span>'),
    ]
    if meta.get("covers"):
        items.append(("覆盖", esc(ctx.audience.redact(str(meta.get("covers"))))))
    if doc.status == "obsolete":
        items.append(("废止日期", esc(fmt_date(meta.date("obsoleted")))))
        items.append(("被替代为", link.document_id(meta.get("superseded_by")) if meta.get("superseded_by") else "—"))
    supersedes = meta.get("supersedes")
    if isinstance(supersedes, list) and supersedes:
        items.append(("替代", "、".join(link.document_id(s) for s in supersedes)))
    wide = [(label, esc(ctx.audience.redact(str(meta.get(key) or "—"))))
            for label, key in (("使用范围", "scope"), ("使用权限", "access"), ("审批权限", "approval_authority"),
                               ("存放方式", "storage"))]
    cells = "".join(f'<div class="ob-field"><dt>{esc(k)}</dt><dd>{v}</dd></div>' for k, v in items)
    cells += "".join(f'<div class="ob-field ob-wide"><dt>{esc(k)}</dt><dd>{v}</dd></div>' for k, v in wide)
    # Open on every document; folded on the home page, where the reader wants the text first.
    is_open = "" if src == "index.md" else " open"
    return (f'<details class="info ob-docinfo" data-search-exclude{is_open}><summary>文档信息</summary>'
            f'<dl class="ob-docmeta">{cells}</dl></details>\n\n')


def revisions(ctx: SiteContext, doc) -> str:
    records = doc.meta.get("revisions")
    if not isinstance(records, list) or not records:
        return ""
    rows = []
    for rev in records:
        if not isinstance(rev, dict):
            continue
        rows.append([esc(rev.get("version", "—")), esc(fmt_date(dates.as_date(rev.get("date")) or rev.get("date"))),
                     esc(ctx.person(rev.get("author"))), esc(ctx.person(rev.get("approver"))),
                     esc(ctx.audience.redact(str(rev.get("summary") or "")))])
    return ("\n\n## 修订记录 {#opsbook-revisions}\n\n"
            + table(["版本", "日期", "修订人", "审批人", "修订说明"], rows, cls="ob-revisions") + "\n")


def history(ctx: SiteContext, doc) -> str:
    """The commits that changed the document's file, newest first, beside its revision record; a commit that
    changed the body without adding a revision record is marked."""
    commits = ctx.history().get(doc.path) or []
    if not commits:
        return ""
    rows = []
    for commit in commits:
        if commit.created:
            note = "纳入版本库"
        elif commit.unrecorded:
            note = '<span class="ob-overdue">修改了正文，未增加修订记录</span>'
        elif commit.revision_added:
            note = "增加了修订记录"
        else:
            note = "只改了文档信息" if not commit.body_changed else ""
        withheld = ctx.hidden_commits is None or commit.sha in ctx.hidden_commits
        subject = "（此提交还修改了受限文档，提交说明不显示）" if withheld else ctx.audience.redact(commit.subject)
        rows.append([esc(commit.date), esc(commit.author), esc(subject),
                     f"<code>{esc(commit.sha[:8])}</code>", note])
    unrecorded = sum(1 for c in commits if c.unrecorded)
    out = "\n\n## 修改历史（git） {#opsbook-history}\n\n"
    if unrecorded:
        out += (f'!!! warning "修改历史与修订记录不一致"\n\n    有 {unrecorded} 次提交修改了正文却没有增加修订记录：'
                "正文的修改应在 `revisions` 中记录版本、日期和说明。\n\n")
    return out + table(["日期", "作者", "提交说明", "提交", "与修订记录"], rows, cls="ob-history") + "\n"


def _insert_after_h1(text: str, block: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if re.match(r"^#\s+\S", line):
            return "\n".join(lines[: i + 1]) + "\n\n" + block + "\n".join(lines[i + 1:])
        break
    return block + text


_HIDE = {"navigation", "toc", "footer", "path", "tags", "feedback"}


def document_page(ctx: SiteContext, doc, src: str) -> str:
    body = markup.clean(doc.body)
    if templating.has_macros(body):
        try:
            body = templating.render(body, macros_for(ctx, src))
        except templating.MacroError as exc:  # the page is published as written (cleaned), with a finding
            line = doc.body_line + exc.line - 1
            if not exc.static:  # DOC021 already reports what the grammar refuses
                ctx.notes.append(Finding(doc.path, line, "DOC021", "warning",
                                         f"《{doc.title}》中的宏未展开，按原文发布：{exc.message}"))
            log.warning(f"opsbook: {doc.path}:{line} 宏未展开，按原文发布：{exc.message}")
    body = redact(ctx, src, body)
    block = banner(ctx, doc, src) + metadata_card(ctx, doc, src)
    hide = doc.meta.get("hide")
    hide = [h for h in hide if h in _HIDE] if isinstance(hide, list) else None
    title = ctx.audience.redact(doc.title)
    tags = doc.meta.get("tags") if isinstance(doc.meta.get("tags"), list) else []
    head = front_matter(title, status=_DOC_STATUS_FOR_MATERIAL.get(doc.status), hide=hide or None,
                        tags=search_terms(title, *(ctx.audience.redact(str(t)) for t in tags)) or None,
                        search={"boost": BOOST_DOCUMENT})
    return head + _insert_after_h1(body, block) + revisions(ctx, doc) + history(ctx, doc)


# -- navigation ----------------------------------------------------------------------

def navigation(ctx: SiteContext, generated: dict, user_nav, home_src: str | None) -> list:
    if user_nav:
        filtered = _filter_nav(ctx, user_nav)
        if filtered:
            return filtered
    nav = []
    if home_src or "home" in generated:
        nav.append({"首页": home_src or generated["home"][0]})
    entry = lambda d: {esc(doc_label(d)): ctx.src_uri(d)}  # noqa: E731
    doc_section = [{"文档目录": generated["catalog"][0]}]
    groups: dict = {}
    obsolete = []
    for doc in ctx.visible_documents():
        src = ctx.src_uri(doc)
        if not src or src not in ctx.site_files or src == home_src:
            continue
        if doc.status == "obsolete":
            obsolete.append(doc)
            continue
        kind = doc.meta.get("kind")
        groups.setdefault(kind if kind in KIND_ZH else None, []).append(doc)
    key = lambda d: (str(d.doc_id or "~"), d.path)  # noqa: E731
    for kind in KIND_ORDER:
        members = sorted(groups.get(kind, []), key=key)
        if members:
            doc_section.append({KIND_ZH.get(kind, "其他"): [entry(d) for d in members]})
    if obsolete:
        doc_section.append({"已废止": [entry(d) for d in sorted(obsolete, key=key)]})
    nav.append({"文档": doc_section})
    registers = [generated["registers"][0]]
    registers += [{esc(title): src} for k, (src, title, _) in generated.items() if k.startswith("register:")]
    nav.append({"台账": registers})
    nav.append({"合规": [{"合规看板": generated["dashboard"][0]}, {"条款矩阵": generated["clauses"][0]},
                       {"规则": generated["rules"][0]}]})
    return nav


def _filter_nav(ctx: SiteContext, items) -> list:
    """A navigation written in mkdocs.yml, without the entries the audience may not see (titles escaped)."""
    out = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, str):
            if item in ctx.site_files:
                out.append(item)
        elif isinstance(item, dict):
            for title, value in item.items():
                title = esc(ctx.audience.redact(str(title)))
                if isinstance(value, list):
                    sub = _filter_nav(ctx, value)
                    if sub:
                        out.append({title: sub})
                elif isinstance(value, str) and (value in ctx.site_files
                                                 or (re.match(r"^https?://", value) and markup.safe_url(value))):
                    out.append({title: value})
    return out


# -- staging ----------------------------------------------------------------------

def stage(root, out, audience: str = "internal", as_of: dt.date | None = None, site_url: str | None = None,
          extra_config: dict | None = None, ctx: SiteContext | None = None) -> Staged:
    """Write the staged tree for one audience into ``out`` (checked and emptied by :func:`prepare_output`)."""
    root = Path(root).resolve()
    if audience not in AUDIENCES:
        raise BuildError(f"未知的敏感级别“{audience}”，应为 {'、'.join(AUDIENCES)} 之一")
    raw = read_config(root)
    docs_src = _docs_source(root, raw)
    out = prepare_output(root, out)
    if ctx is None:
        ctx = SiteContext.create(root, audience, as_of)
    ctx.docs_prefix = docs_src.relative_to(root).as_posix().rstrip("/") + "/"

    visible = ctx.visible_documents()
    referenced = _referenced(ctx, visible)
    published, hidden = [], set()
    for src in _source_files(docs_src):
        if src.endswith(".md"):
            doc = ctx.document_for_src(src)
            if doc is not None and ctx.audience.document_visible(doc):
                published.append(src)
            else:
                hidden.add(src)
        elif posixpath.splitext(src)[1].lower() in ATTACHMENT_SUFFIXES and (src.startswith(ASSET_DIRS) or src in referenced):
            published.append(src)
        else:
            hidden.add(src)
    for doc in ctx.handbook.documents:
        src = ctx.src_uri(doc)
        if src and not ctx.audience.document_visible(doc):
            hidden.add(src)
    ctx.hidden_src = hidden
    ctx.hidden_urls = {page_url(s) for s in hidden}
    ctx.site_files = set(published)

    # generated pages
    taken = set(published) | hidden
    generated: dict[str, tuple] = {}  # key -> (src, title, builder)
    home_src = "index.md" if "index.md" in ctx.site_files else None
    if home_src is None:
        generated["home"] = (pages.unique("index.md", taken), "首页", pages.home_page)
    builders = {"catalog": pages.catalog_page, "registers": pages.registers_index_page,
                "dashboard": pages.dashboard_page, "clauses": pages.clauses_page, "rules": pages.rules_index_page}
    for key, (src, title) in pages.FIXED.items():
        generated[key] = (pages.unique(src, taken), title, builders[key])
    registers_dir = posixpath.dirname(generated["registers"][0])
    for name in pages.visible_registers(ctx):
        src = pages.unique(posixpath.join(registers_dir, f"{name}.md"), taken)
        generated[f"register:{name}"] = (src, pages.register_title(ctx, name),
                                         lambda c, url, n=name: pages.register_page(c, n, url))
    rules_dir = posixpath.dirname(generated["rules"][0])
    for rule in ctx.result.rules:
        src = pages.unique(posixpath.join(rules_dir, f"{rule.id}.md"), taken)
        generated[f"rule:{rule.id}"] = (src, f"{rule.id} {rule.title}", lambda c, url, r=rule: pages.rule_page(c, r, url))
    for key, (src, _, _) in generated.items():
        taken.add(src)
        ctx.page_urls[key] = src
        ctx.generated[src] = key
        ctx.site_files.add(src)
        ctx.hidden_src.discard(src)
        ctx.hidden_urls.discard(page_url(src))

    docs_out = out / "docs"
    docs_out.mkdir()
    staged_pages = []
    # Until every register's pages are laid out (a long register is split into parts), a link to a record
    # is a placeholder; the pages that have one are rewritten at the end.
    ctx.records_placed, ctx.record_refs, ctx.record_pages = False, [], {}
    with_refs = []

    def write(src: str, text: str) -> None:
        target = docs_out / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        staged_pages.append(src)
        if RECORD_REF in text:
            with_refs.append(src)

    for src in published:
        if src.endswith(".md"):
            ctx.current_src = src
            write(src, document_page(ctx, ctx.document_for_src(src), src))
        else:
            target = docs_out / src
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(docs_src / src, target)
    # Documents first: a macro that failed adds its finding before the dashboard is written.  Then the
    # registers (which lays out their records), then the pages that link to records.
    ctx._vf = None
    order = sorted(generated.items(), key=lambda kv: not kv[0].startswith("register:"))
    for key, (src, title, builder) in order:
        if not key.startswith("register:"):
            ctx.records_placed = True
        ctx.current_src = src
        try:
            if key.startswith("register:"):
                built = pages.register_pages(ctx, key.split(":", 1)[1], src, taken)
            else:
                built = [(src, title, builder(ctx, page_url(src)))]
        except Exception as exc:  # a generated page must never stop the site
            log.warning(f"opsbook: 生成页面 {src} 失败：{type(exc).__name__}: {exc}")
            built = [(src, title, front_matter(title) + f"# {md_esc(title)}\n\n"
                      f'!!! failure "页面生成失败"\n    {esc(type(exc).__name__)}: {esc(exc)}\n')]
        for part_src, _, text in built:
            write(part_src, text)
    ctx.records_placed = True
    for src in with_refs:
        target = docs_out / src
        target.write_text(ctx.resolve_record_refs(target.read_text(encoding="utf-8"), src), encoding="utf-8")
    write_feeds(ctx, docs_out, site_url)
    shutil.copytree(OVERRIDES, out / "overrides")
    nav = navigation(ctx, generated, raw.get("nav"), home_src)
    config = generated_config(raw, ctx, nav, site_url, extra_config)
    (out / "mkdocs.yml").write_text("# 由 opsbook 生成的站点配置（请修改手册根目录的 mkdocs.yml，而不是本文件）\n"
                                    + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Staged(out, ctx, config, staged_pages)


def write_feeds(ctx: SiteContext, docs_out: Path, site_url: str | None) -> None:
    """The calendar feeds for this audience, beside the dashboard (its 即将到期 section links them):
    every obligation due within a year (overdue ones included), and one feed per owner."""
    from ..commands.due import feed

    items = [d for d in ctx.obligations if d.days_left <= 366]
    events: dict = {}  # each obligation's event written once, for the feed of all and its owner's
    (docs_out / pages.FEED).write_bytes(feed(ctx.handbook, items, site_url=site_url, events=events))
    for owner in sorted({d.owner for d in items if d.owner}):
        mine = [d for d in items if d.owner == owner]
        (docs_out / pages.feed_name(owner)).write_bytes(
            feed(ctx.handbook, mine, site_url=site_url, name=f"运维到期事项（{mine[0].owner_name.split('（')[0]}）",
                 events=events))


# -- after the generator ----------------------------------------------------------------

_ARTICLE = re.compile(r"<article\b[^>]*>(.*?)</article>", re.S)
# Active markup in a page's content: mdscan.first_active (<script, on…=, a javascript:/data:/vbscript: address).


_SCANNED = (".html", ".xml", ".json", ".txt", ".js", ".ics")
_PARALLEL_BYTES = 64 * 2**20  # a larger output is looked over by two processes (the site of a large handbook)
_WORKER_TIMEOUT = 1800  # seconds; a worker that takes longer is stopped and its files are looked over here


def scan(site: Path, ctx: SiteContext, processes: int | None = None) -> list[str]:
    """Look over a generator's output: a hidden page's path or address, a masked field's value, or active
    markup inside a page's content.  Returns what was found (empty when the output is clean), in the order
    of the files.  ``processes``: 1 looks over every file here; 2 gives half the pages to a second process
    (by default when the output is larger than 64 MB and the machine has a second core)."""
    return scan_output(site, *scan_inputs(ctx), processes=processes)


def scan_inputs(ctx: SiteContext) -> tuple:
    """What :func:`scan_output` looks for, taken from the staged context: the hidden pages' markers and the
    masked values not also published (longest first).  Taken before the generator runs, so that the handbook
    need not stay in memory while it renders."""
    return marker_pattern(ctx), sorted(ctx.masked - ctx.shown, key=len, reverse=True)


def scan_output(site: Path, pattern: "Markers | None", masked: list[str], processes: int | None = None) -> list[str]:
    """:func:`scan` with what it looks for already taken from the context (:func:`scan_inputs`)."""
    files = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in _SCANNED:
            continue
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".js" and "search" not in rel:
            continue  # the theme's scripts
        files.append((rel, path.stat().st_size))
    if processes is None:
        big = sum(size for _, size in files) > _PARALLEL_BYTES
        processes = 2 if big and (os.cpu_count() or 1) > 1 else 1
    rels = [rel for rel, _ in files]
    # every other page for the second process: the pages' sizes alternate about as much
    theirs = [rel for rel in rels if rel.endswith(".html")][1::2] if processes > 1 else []
    worker = _start_scan_worker(site, theirs, pattern, masked) if theirs else None
    skip = set(theirs)
    found = _scan_files(str(site), [rel for rel in rels if rel not in skip], pattern, masked)
    if theirs:
        found.update(_finish_scan_worker(worker, site, theirs, pattern, masked))
    return [problem for rel in rels for problem in found.get(rel, ())]


def _start_scan_worker(site: Path, rels: list[str], pattern, masked: list[str]):
    """``python -m checks.site.scanworker`` looking over ``rels`` while this process looks over the rest."""
    import subprocess
    import sys

    package_parent = str(Path(__file__).resolve().parents[2])  # the folder holding checks/, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)}
    request = json.dumps({"site": str(site), "files": rels, "markers": list(pattern.words) if pattern else [],
                          "masked": masked})
    try:
        proc = subprocess.Popen([sys.executable, "-m", "checks.site.scanworker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    except OSError:
        return None
    try:
        proc.stdin.write(request.encode("utf-8"))
        proc.stdin.close()
    except OSError:  # it ended before reading its request
        proc.kill()
        proc.wait()
        return None
    finally:
        proc.stdin = None  # written: communicate() only reads
    return proc


def _finish_scan_worker(proc, site: Path, rels: list[str], pattern, masked: list[str]) -> dict:
    """The worker's findings; when it could not start or did not finish, these files are looked over here."""
    if proc is not None:
        import subprocess

        try:
            out, _ = proc.communicate(timeout=_WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        if proc.returncode == 0:
            try:
                found = json.loads(out)
            except ValueError:
                found = None
            if isinstance(found, dict):
                return found
    return _scan_files(str(site), rels, pattern, masked)


def _scan_files(site: str, rels: list[str], pattern: "Markers | None", masked: list[str]) -> dict:
    """{file: what was found in it} for the files ``rels`` of the output ``site`` (:func:`scan`; also run in the
    second process, :mod:`checks.site.scanworker`)."""
    root = Path(site)
    # One pass for all masked values (a value occurs somewhere exactly when the alternation finds a match);
    # which ones, in the order of the message, only where one does.
    any_masked = _masked_pattern(masked)
    index = root / "search" / "search_index.json"
    index_text = None
    out = {}
    for rel in rels:
        path = root / rel
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if rel == "search/search_index.js":
            if index_text is None and index.is_file():
                index_text = index.read_text(encoding="utf-8")
            if index_text is not None and text == _SEARCH_SCRIPT + index_text:
                continue  # write_search_script's copy of the index, which is looked over as search_index.json
        if path.suffix in (".json", ".js"):
            try:
                text = json.dumps(json.loads(text.split("=", 1)[1] if path.suffix == ".js" else text), ensure_ascii=False)
            except (ValueError, IndexError):
                pass
        problems = []
        hits = sorted(set(pattern.findall(text))) if pattern is not None else []
        if any_masked is not None and any_masked.search(text):
            hits += [m for m in masked if m in text][:3]
        if hits:
            problems.append(f"{rel}（{'、'.join(hits[:3])}）")
        if path.suffix == ".html":
            for article in _ARTICLE.findall(text):
                active = mdscan.first_active(article)
                if active:
                    problems.append(f"{rel}（页面正文中有 {active.strip()}）")
                    break
        if problems:
            out[rel] = problems
    return out


_SEARCH_SCRIPT = "var __index = "


def _masked_pattern(masked: list[str]) -> re.Pattern | None:
    """A regex that matches where any of ``masked`` occurs (a trie of them; the plain alternation, longest first,
    when they nest too deep for one)."""
    return re.compile(_alternation(masked)) if masked else None


def write_search_script(site: Path) -> None:
    """For file:// browsing: the search index also as a script (the local shim loads it)."""
    index = site / "search" / "search_index.json"
    if index.is_file():
        (index.parent / "search_index.js").write_text(_SEARCH_SCRIPT + index.read_text(encoding="utf-8"),
                                                     encoding="utf-8")
