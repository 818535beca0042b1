"""mkdocs hooks: build the intranet site from the checker's model and findings, for one audience.

Listed in ``mkdocs.yml`` (``hooks: [checks/site/hooks.py]``); ``opsbook build``
passes the audience and the as-of date in ``extra.opsbook``.  What happens:

* ``on_config``: check the handbook once (``engine.check``) and keep the result
  for the whole build (:mod:`checks.site.context`).
* ``on_files``: remove every document the audience may not see (and attachments
  only hidden documents use) before mkdocs reads anything; add the generated
  pages; build the navigation from what is left.
* ``on_page_markdown``: the document's metadata, the 已废止 banner, the revisions.
* links to hidden documents become “（受限文档）”: a Markdown tree processor for
  Markdown links, ``on_page_content`` for raw HTML, titles in 《》 and paths.
* ``on_post_build``: a last look over every written file for a hidden page's
  path or address; if one is found the output is deleted and the build fails.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import posixpath
import re
import shutil
import xml.etree.ElementTree as etree
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import markdown
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, InclusionLevel

from checks import dates
from checks.site import context as site_context
from checks.site import pages
from checks.site.audience import RESTRICTED_TEXT, document_level
from checks.site.context import KIND_ORDER, KIND_ZH, SiteContext
from checks.site.render import Linker, doc_label, esc, fmt_date, sensitivity_badge, status_badge, table

log = logging.getLogger("mkdocs.plugins.opsbook")

PACKAGE = Path(__file__).resolve().parent
# Files under these folders of docs/ are the site's own assets (styles, scripts, logos), published to every
# reader; every other attachment is published only when a visible document links to it.
ASSET_DIRS = ("assets/", "stylesheets/", "javascripts/")
_MD_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
_HTML_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_DOC_STATUS_FOR_MATERIAL = {"obsolete": "deprecated"}
OFFLINE_SHIM = "assets/javascripts/iframe-worker.js"


def _ctx() -> SiteContext:
    ctx = site_context.current()
    if ctx is None:
        raise PluginError("opsbook: 站点上下文尚未建立（on_config 未运行）")
    return ctx


def _options(config) -> dict:
    extra = config.extra.get("opsbook") if hasattr(config.extra, "get") else None  # a mkdocs LegacyConfig
    return dict(extra) if hasattr(extra, "items") else {}


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        return None
    parsed = dates.as_date(str(value))
    if parsed is None:
        raise PluginError(f"opsbook: extra.opsbook.as_of 应为日期 YYYY-MM-DD，收到“{value}”")
    return parsed


# -- config -------------------------------------------------------------------

@event_priority(100)
def on_config(config):
    options = _options(config)
    root = Path(options.get("root") or os.environ.get("OPSBOOK_ROOT") or Path(config.config_file_path or ".").parent)
    level = options.get("audience") or os.environ.get("OPSBOOK_AUDIENCE") or "internal"
    as_of = _as_date(options.get("as_of") or os.environ.get("OPSBOOK_AS_OF"))
    try:
        ctx = SiteContext.create(root, level, as_of)
    except Exception as exc:  # the checker never raises on bad input; this is a bug, said plainly
        raise PluginError(f"opsbook: 检查手册时出错（{type(exc).__name__}: {exc}）") from exc
    docs_dir = Path(config.docs_dir).resolve()
    try:
        ctx.docs_prefix = docs_dir.relative_to(ctx.root).as_posix().rstrip("/") + "/"
    except ValueError:
        ctx.docs_prefix = "docs/"
    site_context.set_current(ctx)

    # Anchors that keep Chinese characters (the default slugify drops them).  Set here rather than
    # with a !!python tag in mkdocs.yml: no YAML tag in this project constructs a Python object.
    from pymdownx.slugs import slugify

    config.mdx_configs.setdefault("toc", {}).setdefault("slugify", slugify(case="lower"))

    # Opened from a folder (file://), browsers refuse web workers: a local shim (no CDN) runs the search
    # worker in an iframe, and on_post_build writes the index as a script the page can load.
    polyfills = list(config.extra.get("polyfills") or [])
    if OFFLINE_SHIM not in polyfills:
        polyfills.append(OFFLINE_SHIM)
    config.extra["polyfills"] = polyfills
    config.extra["opsbook_site"] = {
        "version": ctx.version_label,
        "commit": ctx.version.commit[:12] if ctx.version else "",
        "version_date": ctx.version_date,
        "as_of": ctx.as_of.isoformat(),
        "sample_date": ctx.handbook.sample_date.isoformat() if ctx.handbook.sample_date else "",
        "audience": ctx.level,
        "audience_zh": ctx.level_zh,
        "organisation": ctx.organisation_name() or "",
    }
    # Links to hidden documents are replaced before mkdocs resolves them (no "not found" warnings).
    config.markdown_extensions.append(RestrictedLinksExtension())
    _load_jieba_words()
    return config


def _load_jieba_words() -> None:
    words = PACKAGE / "jieba_words.txt"
    try:
        import jieba
    except ImportError:  # the search plugin then indexes without segmentation
        return
    jieba.setLogLevel(logging.WARNING)
    if words.is_file() and not getattr(jieba, "_opsbook_words", False):
        jieba.load_userdict(str(words))
        jieba._opsbook_words = True


# -- files and navigation -------------------------------------------------------

def _referenced_assets(ctx: SiteContext, docs: list) -> set:
    """docs_dir paths of the files (images, attachments) that visible documents link to."""
    out = set()
    for doc in docs:
        src = ctx.src_uri(doc)
        if src is None:
            continue
        base = posixpath.dirname(src)
        for target in _MD_LINK.findall(doc.body) + _HTML_REF.findall(doc.body):
            target = unquote(target.split("#", 1)[0].split("?", 1)[0])
            if not target or "://" in target or target.startswith(("mailto:", "data:")):
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            out.add(posixpath.normpath(path))
    return out


@event_priority(100)
def on_files(files, config):
    ctx = _ctx()
    docs_dir = os.path.normpath(config.docs_dir)
    visible_docs = ctx.visible_documents()
    assets = _referenced_assets(ctx, visible_docs)
    hidden_src, hidden_urls = set(), set()
    for file in list(files):
        if file.generated_by is not None or not file.abs_src_path:
            continue
        try:
            inside = os.path.commonpath([docs_dir, os.path.normpath(file.abs_src_path)]) == docs_dir
        except ValueError:  # another drive (Windows)
            inside = False
        if not inside:
            continue  # a theme file
        keep = True
        if file.is_documentation_page():
            doc = ctx.document_for_src(file.src_uri)
            keep = doc is not None and ctx.audience.document_visible(doc)
        elif not file.src_uri.startswith(ASSET_DIRS):
            keep = file.src_uri in assets
        if not keep:
            hidden_src.add(file.src_uri)
            hidden_urls.add(file.url)
            files.remove(file)
    # The documents the model knows but mkdocs does not list (excluded by mkdocs) are hidden too.
    for doc in ctx.handbook.documents:
        if not ctx.audience.document_visible(doc):
            src = ctx.src_uri(doc)
            if src:
                hidden_src.add(src)
                hidden_urls.add(File(src, None, "", config.use_directory_urls).url)
    ctx.hidden_src, ctx.hidden_urls = hidden_src, hidden_urls

    taken = set(files.src_uris)
    generated: dict[str, tuple] = {}  # key -> (src_uri, title, builder)
    home = files.get_file_from_path("index.md")
    if home is None:
        generated["home"] = (pages.unique("index.md", taken), "首页", pages.home_page)
    for key, (src, title) in pages.FIXED.items():
        builder = {"catalog": pages.catalog_page, "registers": pages.registers_index_page,
                   "dashboard": pages.dashboard_page, "clauses": pages.clauses_page,
                   "rules": pages.rules_index_page}[key]
        generated[key] = (pages.unique(src, taken), title, builder)
    registers_dir = posixpath.dirname(generated["registers"][0])
    for name in pages.visible_registers(ctx):
        src = pages.unique(posixpath.join(registers_dir, f"{name}.md"), taken)
        generated[f"register:{name}"] = (src, pages.register_title(ctx, name),
                                         lambda c, url, n=name: pages.register_page(c, n, url))
    rules_dir = posixpath.dirname(generated["rules"][0])
    for rule in ctx.result.rules:
        src = pages.unique(posixpath.join(rules_dir, f"{rule.id}.md"), taken)
        generated[f"rule:{rule.id}"] = (src, f"{rule.id} {rule.title}",
                                        lambda c, url, r=rule: pages.rule_page(c, r, url))
    new_files = {}
    for key, (src, _, _) in generated.items():
        # One page per rule is listed on the rules index, not in the navigation: material renders the whole
        # navigation into every page, and a hundred more entries would make every page (and the build) heavy.
        inclusion = InclusionLevel.NOT_IN_NAV if key.startswith("rule:") else InclusionLevel.INCLUDED
        file = File.generated(config, src, content="", inclusion=inclusion)
        files.append(file)
        new_files[key] = file
        ctx.page_urls[key] = src
        ctx.generated[src] = key
        ctx.hidden_src.discard(src)
        ctx.hidden_urls.discard(file.url)
    ctx.files = files
    for key, (src, _, builder) in generated.items():
        try:
            new_files[key].content_string = builder(ctx, new_files[key].url)
        except Exception as exc:  # a generated page must never stop the site
            log.warning(f"opsbook: 生成页面 {src} 失败：{type(exc).__name__}: {exc}")
            title = generated[key][1]
            new_files[key].content_string = (pages.front_matter(title) + f"# {esc(title)}\n\n"
                                             f'!!! failure "页面生成失败"\n    {esc(type(exc).__name__)}: {esc(exc)}\n')
    config.nav = _navigation(ctx, files, generated, config.nav)
    return files


def _doc_nav_entry(ctx, doc):
    return {doc_label(doc): ctx.src_uri(doc)}


def _navigation(ctx: SiteContext, files, generated: dict, user_nav):
    if user_nav:
        return _filter_nav(ctx, user_nav, files)
    docs = [d for d in ctx.visible_documents() if ctx.src_uri(d) and files.get_file_from_path(ctx.src_uri(d))]
    home_src = "index.md" if files.get_file_from_path("index.md") else None
    nav = []
    if home_src:
        nav.append({"首页": home_src})
    doc_section = [{"文档目录": generated["catalog"][0]}]
    groups: dict = {}
    obsolete = []
    for doc in docs:
        if ctx.src_uri(doc) == home_src:
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
            doc_section.append({KIND_ZH.get(kind, "其他"): [_doc_nav_entry(ctx, d) for d in members]})
    if obsolete:
        doc_section.append({"已废止": [_doc_nav_entry(ctx, d) for d in sorted(obsolete, key=key)]})
    nav.append({"文档": doc_section})
    registers = [generated["registers"][0]]
    registers += [{title: src} for k, (src, title, _) in generated.items() if k.startswith("register:")]
    nav.append({"台账": registers})
    nav.append({"合规": [{"合规看板": generated["dashboard"][0]}, {"条款矩阵": generated["clauses"][0]},
                       {"规则": generated["rules"][0]}]})
    return nav


def _filter_nav(ctx, items, files):
    """A navigation written in mkdocs.yml, without the entries the audience may not see."""
    out = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, str):
            if "://" in item or files.get_file_from_path(item) is not None:
                out.append(item)
        elif isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, list):
                    sub = _filter_nav(ctx, value, files)
                    if sub:
                        out.append({title: sub})
                elif isinstance(value, str) and ("://" in value or files.get_file_from_path(value) is not None):
                    out.append({title: value})
    return out


# -- pages --------------------------------------------------------------------

def _relative_md(from_src: str, to_src: str) -> str:
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def _banner(ctx: SiteContext, doc, src: str) -> str:
    status = doc.status
    if status == "obsolete":
        when = doc.meta.date("obsoleted")
        successor = ctx.audience.document_by_id(doc.meta.get("superseded_by"))
        lines = [f"本文档已于 {when.isoformat()} 废止" if when else "本文档已废止", "，不得作为执行依据。"]
        if successor is not None and ctx.src_uri(successor):
            lines.append(f"现行文档：[{doc_label(successor)}]({_relative_md(src, ctx.src_uri(successor))})。")
        elif doc.meta.get("superseded_by"):
            lines.append("替代它的现行文档超出您的阅读权限。")
        else:
            lines.append("未注明替代文档。")
        return '!!! danger "已废止"\n\n    ' + "".join(lines) + "\n\n"
    if status == "draft":
        return '!!! warning "草稿"\n\n    本文档是草稿，尚未批准发布，不得作为执行依据。\n\n'
    return ""


def _metadata(ctx: SiteContext, doc, page_url: str) -> str:
    link = Linker(ctx, page_url)
    meta = doc.meta
    nxt = ctx.next_review(doc) if doc.status != "obsolete" else None
    overdue = nxt is not None and nxt < ctx.as_of and doc.status == "active"
    items = [
        ("编号", esc(doc.doc_id or "—")),
        ("版本", esc(meta.get("version") or "—")),
        ("敏感性", sensitivity_badge(document_level(doc))),
        ("状态", status_badge(doc.status)),
        ("分类", esc(meta.get("category") or "—")),
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
        items.append(("覆盖", esc(meta.get("covers"))))
    if doc.status == "obsolete":
        items.append(("废止日期", esc(fmt_date(meta.date("obsoleted")))))
        items.append(("被替代为", link.document_id(meta.get("superseded_by")) if meta.get("superseded_by") else "—"))
    supersedes = meta.get("supersedes")
    if isinstance(supersedes, list) and supersedes:
        items.append(("替代", "、".join(link.document_id(s) for s in supersedes)))
    wide = [
        ("使用范围", esc(ctx.audience.redact(str(meta.get("scope") or "—")))),
        ("使用权限", esc(ctx.audience.redact(str(meta.get("access") or "—")))),
        ("审批权限", esc(ctx.audience.redact(str(meta.get("approval_authority") or "—")))),
        ("存放方式", esc(ctx.audience.redact(str(meta.get("storage") or "—")))),
    ]
    cells = "".join(f'<div class="ob-field"><dt>{esc(k)}</dt><dd>{v}</dd></div>' for k, v in items)
    cells += "".join(f'<div class="ob-field ob-wide"><dt>{esc(k)}</dt><dd>{v}</dd></div>' for k, v in wide)
    # Open on every document; folded on the home page, where the reader wants the text first.
    is_open = "" if ctx.src_uri(doc) == "index.md" else " open"
    return (f'<details class="info ob-docinfo" data-search-exclude{is_open}><summary>文档信息</summary>'
            f'<dl class="ob-docmeta">{cells}</dl></details>\n\n')


def _revisions(ctx: SiteContext, doc) -> str:
    revisions = doc.meta.get("revisions")
    if not isinstance(revisions, list) or not revisions:
        return ""
    rows = []
    for rev in revisions:
        if not isinstance(rev, dict):
            continue
        rows.append([esc(rev.get("version", "—")), esc(fmt_date(dates.as_date(rev.get("date")) or rev.get("date"))),
                     esc(ctx.person(rev.get("author"))), esc(ctx.person(rev.get("approver"))),
                     esc(ctx.audience.redact(str(rev.get("summary") or "")))])
    return ("\n\n## 修订记录 {#opsbook-revisions}\n\n"
            + table(["版本", "日期", "修订人", "审批人", "修订说明"], rows, cls="ob-revisions") + "\n")


def _insert_after_h1(markdown_text: str, block: str) -> str:
    lines = markdown_text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if re.match(r"^#\s+\S", line):
            return "\n".join(lines[: i + 1]) + "\n\n" + block + "\n".join(lines[i + 1:])
        break
    return block + markdown_text


@event_priority(-50)  # after mkdocs-macros: what we add is never run through Jinja
def on_page_markdown(markdown_text, page, config, files):
    ctx = _ctx()
    ctx.current_src = page.file.src_uri
    if page.file.src_uri in ctx.generated:
        return markdown_text
    doc = ctx.document_for_src(page.file.src_uri)
    if doc is None:
        return markdown_text
    status = _DOC_STATUS_FOR_MATERIAL.get(doc.status)
    if status:
        page.meta["status"] = status
    else:
        page.meta.pop("status", None)
    block = _banner(ctx, doc, page.file.src_uri) + _metadata(ctx, doc, page.file.url)
    return _insert_after_h1(markdown_text, block) + _revisions(ctx, doc)


# -- links to hidden documents -------------------------------------------------

def _hidden_target(ctx: SiteContext, base_src: str, base_url: str, href: str) -> bool:
    """Whether a link (as written, relative to a page) points at a hidden document or attachment."""
    if not href or href.startswith("#"):
        return False
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return False
    path = unquote(parts.path)
    if not path:
        return False
    candidates = set()
    for base in (posixpath.dirname(base_src), posixpath.dirname(base_url.rstrip("/")) if base_url.endswith("/") else posixpath.dirname(base_url), base_url.rstrip("/")):
        target = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(base, path))
        candidates.add(target)
        if target.endswith(".html"):
            candidates.add(target[:-5] + ".md")
        if path.endswith("/"):
            candidates.add(posixpath.join(target, "index.md"))
            candidates.add(target + ".md")
            candidates.add(target + "/")
        candidates.add(target + "/")
    hidden = getattr(ctx, "hidden_src", set()) | getattr(ctx, "hidden_urls", set())
    return any(c in hidden for c in candidates)


class _RestrictedLinks(markdown.treeprocessors.Treeprocessor):
    def run(self, root):
        ctx = site_context.current()
        if ctx is None or not getattr(ctx, "current_src", None):
            return root
        src = ctx.current_src
        file = ctx.files.get_file_from_path(src) if ctx.files is not None else None
        url = file.url if file is not None else src
        for element in list(root.iter()):
            key = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            if key is None or not _hidden_target(ctx, src, url, element.get(key, "")):
                continue
            tail = element.tail
            element.clear()
            element.tag = "span"
            element.set("class", "ob-restricted")
            element.text = RESTRICTED_TEXT
            element.tail = tail
        return root


class RestrictedLinksExtension(markdown.Extension):
    def extendMarkdown(self, md):
        # Before mkdocs' own link processing (priority 0), which would warn about the missing page.
        md.treeprocessors.register(_RestrictedLinks(md), "opsbook_restricted_links", 0.5)


_A_TAG = re.compile(r"<a\b[^>]*?\bhref\s*=\s*([\"'])(.*?)\1[^>]*>.*?</a>", re.S | re.I)
_IMG_TAG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*([\"'])(.*?)\1[^>]*>", re.S | re.I)


def on_page_content(html, page, config, files):
    ctx = _ctx()
    src, url = page.file.src_uri, page.file.url
    restricted = f'<span class="ob-restricted">{RESTRICTED_TEXT}</span>'

    def replace(match):
        return restricted if _hidden_target(ctx, src, url, match.group(2)) else match.group(0)

    html = _A_TAG.sub(replace, html)
    html = _IMG_TAG.sub(replace, html)
    # Titles in 《》 and paths of hidden documents written as plain text.
    for doc in ctx.audience.hidden_documents:
        title = doc.meta.get("title")
        if isinstance(title, str) and title.strip():
            html = html.replace("《" + esc(title.strip()) + "》", RESTRICTED_TEXT)
    pattern = _marker_pattern(ctx)
    if pattern is not None:
        html = pattern.sub(RESTRICTED_TEXT, html)
    # “[title](link)（POL-07）”: the id after a removed link goes with it.
    ids = [str(d.doc_id) for d in ctx.audience.hidden_documents if d.doc_id]
    if ids:
        after = re.compile(re.escape(restricted) + r"\s*[（(]\s*(?:" + "|".join(map(re.escape, ids)) + r")\s*[）)]")
        html = after.sub(restricted, html)
    return html


def _path_markers(ctx: SiteContext) -> set:
    """The strings that would name a hidden page's file or address."""
    out = set()
    for value in getattr(ctx, "hidden_src", set()) | getattr(ctx, "hidden_urls", set()):
        value = value.rstrip("/")
        if not value or value in ("index.html", "index.md"):
            continue
        for form in (value, quote(value)):
            out.add(form)
    for doc in ctx.audience.hidden_documents:
        out.add(doc.path)
        out.add(quote(doc.path))
    return {m for m in out if "/" in m or "." in m}


def _marker_pattern(ctx: SiteContext):
    cached = getattr(ctx, "_marker_re", False)
    if cached is False:
        markers = sorted(_path_markers(ctx), key=len, reverse=True)
        cached = (re.compile(r"(?<![A-Za-z0-9_-])(?:" + "|".join(re.escape(m) for m in markers) + r")(?![A-Za-z0-9_-])")
                  if markers else None)
        ctx._marker_re = cached
    return cached


# -- after the build --------------------------------------------------------------

def on_post_build(config):
    ctx = _ctx()
    index = Path(config.site_dir) / "search" / "search_index.json"
    if index.is_file():  # for file:// (see on_config): the same index, as a script
        (index.parent / "search_index.js").write_text("var __index = " + index.read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    _write_feeds(ctx, Path(config.site_dir), config.site_url)
    pattern = _marker_pattern(ctx)
    leaks = []
    site = Path(config.site_dir)
    for path in site.rglob("*"):
        if not path.is_file() or path.suffix not in (".html", ".xml", ".json", ".txt", ".js"):
            continue
        if path.suffix == ".js" and path.parent.name != "search":
            continue  # the theme's scripts
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if path.suffix in (".json", ".js"):
            try:
                text = json.dumps(json.loads(text.split("=", 1)[1] if path.suffix == ".js" else text),
                                  ensure_ascii=False)
            except (ValueError, IndexError):
                pass
        found = sorted(set(pattern.findall(text))) if pattern is not None else []
        if found:
            leaks.append(f"{path.relative_to(site).as_posix()}（{'、'.join(found[:3])}）")
    if leaks:
        shutil.rmtree(site, ignore_errors=True)
        raise PluginError("opsbook: 输出中出现了读者无权查看的文档，已删除输出目录：" + "；".join(leaks[:10]))


def _write_feeds(ctx, site: Path, site_url) -> None:
    """The calendar feeds for this audience: every obligation due within a year (and overdue ones),
    and one feed per owner, next to the dashboard (linked from its 即将到期 section)."""
    from checks.commands.due import feed

    items = [d for d in ctx.obligations if d.days_left <= 366]
    site.mkdir(parents=True, exist_ok=True)
    (site / pages.FEED).write_bytes(feed(ctx.handbook, items, site_url=site_url or None))
    for owner in sorted({d.owner for d in items if d.owner}):
        mine = [d for d in items if d.owner == owner]
        (site / pages.feed_name(owner)).write_bytes(
            feed(ctx.handbook, mine, site_url=site_url or None, name=f"运维到期事项（{mine[0].owner_name}）"))


def on_serve(server, config, builder):
    ctx = site_context.current()
    if ctx is not None:
        for name in ("registers", "standard", "schemas"):
            path = ctx.root / name
            if path.is_dir():
                server.watch(str(path))
    return server
