"""``opsbook build``, ``opsbook stage`` and ``opsbook serve``: stage the site, then let a generator render it.

The staged tree (:mod:`checks.site.stage`) is everything a reader of one
audience may see, already redacted, escaped and cleaned.  A generator only turns
it into HTML; what is bound to each generator is the small adapter here:

* mkdocs-material (the default): ``mkdocs.config.load_config`` on the staged
  ``mkdocs.yml``, plus the one setting YAML cannot carry without a Python tag
  (Chinese-keeping heading anchors) and jieba's extra words for search.
* Zensical: the same staged tree and configuration, run as ``zensical build``;
  its search options and anchor setting in the form it reads.

After either, the same last steps run over the output: the search index as a
script (for file:// browsing) and the scan for hidden content and active markup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import yaml

# jieba (Chinese search segmentation) imports pkg_resources, which warns on every build; nothing to act on.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from .render import page_url  # noqa: E402
from .stage import (AUDIENCES, MARKER, BuildError, Staged, prepare_output, scan_inputs, scan_output, stage,  # noqa: E402
                    write_search_script)

PACKAGE = Path(__file__).resolve().parent
GENERATORS = ("mkdocs", "zensical")
WATCHED = ("docs", "registers", "schemas", "standard", "mkdocs.yml")

__all__ = ["AUDIENCES", "BuildError", "GENERATORS", "build", "stage_only", "serve", "render"]


# -- generators --------------------------------------------------------------------

def _render_mkdocs(staged: Staged, site: Path, strict: bool, dirty: bool = False) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException
    from pymdownx.slugs import slugify

    _quiet_logging()
    try:
        config = load_config(config_file=str(staged.config_file), site_dir=str(site), strict=strict)
    except ConfigurationError as exc:
        raise BuildError(f"站点配置有误：{exc}") from None
    # Anchors that keep Chinese characters (the default slugify drops them): set here rather than
    # with a !!python tag in YAML.
    config.mdx_configs.setdefault("toc", {})["slugify"] = slugify(case="lower")
    if "toc" not in config.markdown_extensions:
        config.markdown_extensions.append("toc")
    _load_jieba_words()
    notice = logging.getLogger("mkdocs.commands.build")
    if dirty:
        notice.addFilter(_DIRTY_NOTICE)
        config.plugins["opsbook-read-every-page"] = _every_page_reader()
    try:
        mkdocs_build(config, dirty=dirty)
    except (Abort, MkDocsException) as exc:
        raise BuildError(str(exc) or type(exc).__name__) from None
    except OSError as exc:
        raise BuildError(f"{exc.filename or ''} {exc.strerror or exc}".strip()) from None
    finally:
        notice.removeFilter(_DIRTY_NOTICE)


def _every_page_reader():
    """For a dirty render: every page of the navigation read (its front matter: Material shows a page's status
    beside its entry on every other page), though only the changed ones are rendered."""
    from mkdocs.plugins import BasePlugin

    class ReadEveryPage(BasePlugin):
        def on_nav(self, nav, *, config, files):
            for page in nav.pages:
                if page.markdown is None:
                    page.read_source(config)
            return nav

    return ReadEveryPage()


class _DirtyNotice(logging.Filter):
    """mkdocs' warning that a dirty build may leave navigation stale: opsbook renders only the pages whose
    staged text changed, and only when the navigation and configuration did not (see :func:`_changed_pages`)."""

    def filter(self, record) -> bool:
        message = record.getMessage()
        return "dirty" not in message and "--clean" not in message


_DIRTY_NOTICE = _DirtyNotice()


def zensical_config(staged: Staged) -> Path:
    """The staged configuration as Zensical reads it (its search takes no ``lang``; anchors as a dict)."""
    config = yaml.safe_load(staged.config_file.read_text(encoding="utf-8"))
    config["plugins"] = ["search"]
    exts = []
    for item in config.get("markdown_extensions") or []:
        name, conf = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        if name == "toc":
            conf = {**conf, "slugify": {"object": "pymdownx.slugs.slugify", "kwds": {"case": "lower"}}}
        exts.append({name: conf} if conf else name)
    config["markdown_extensions"] = exts
    config["site_dir"] = "site"
    path = staged.dir / "zensical.mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _render_zensical(staged: Staged, site: Path, strict: bool) -> None:
    config = zensical_config(staged)
    cmd = [sys.executable, "-m", "zensical", "build", "--clean", "-f", str(config)] + (["--strict"] if strict else [])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"))}
    proc = subprocess.run(cmd, cwd=staged.dir, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise BuildError("Zensical 构建失败：" + (proc.stderr or proc.stdout).strip()[-2000:])
    built = staged.dir / "site"
    for entry in built.iterdir():
        target = site / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target)
        else:
            shutil.copy2(entry, target)


def render(staged: Staged, site: Path, generator: str = "mkdocs", strict: bool = False) -> None:
    if generator == "mkdocs":
        _render_mkdocs(staged, site, strict)
    elif generator == "zensical":
        _render_zensical(staged, site, strict)
    else:
        raise BuildError(f"未知的站点生成器“{generator}”，应为 {'、'.join(GENERATORS)} 之一")


# -- the commands ------------------------------------------------------------------

def build(root, site_dir="site", audience: str = "internal", as_of: dt.date | None = None, strict: bool = False,
          site_url: str | None = None, extra_config: dict | None = None, generator: str = "mkdocs") -> Path:
    """Build the site for one audience into ``site_dir``; returns the directory.

    ``site_url`` (optional, also settable in mkdocs.yml) is the site's published address: with it the
    generator writes a full sitemap.xml; without it every link stays relative and the sitemap is empty.
    ``extra_config`` is merged into the generated configuration's ``extra`` (e.g. ``{"version": …}``
    for Material's version selector).  ``generator``: ``mkdocs`` (default) or ``zensical``."""
    root = Path(root).resolve()
    if generator not in GENERATORS:
        raise BuildError(f"未知的站点生成器“{generator}”，应为 {'、'.join(GENERATORS)} 之一")
    if audience not in AUDIENCES:
        raise BuildError(f"未知的敏感级别“{audience}”，应为 {'、'.join(AUDIENCES)} 之一")
    site = prepare_output(root, site_dir)
    with tempfile.TemporaryDirectory(prefix="opsbook-stage-") as tmp:
        staged = stage(root, Path(tmp) / "stage", audience, as_of, site_url, extra_config)
        looked_for = scan_inputs(staged.ctx)
        staged = _without_model(staged)
        render(staged, site, generator, strict)
        _finish(root, site, looked_for)
    return site


def _without_model(staged: Staged) -> Staged:
    """The staged tree without its context: the generator reads only the files, so the handbook (most of the
    memory of a large one) is freed before it renders."""
    return dataclasses.replace(staged, ctx=None)


def _finish(root: Path, site: Path, looked_for: tuple) -> None:
    """The last steps after any render: the marker, the search index as a script, and the scan of the whole
    output for what :func:`scan_inputs` took from the context (a problem empties it: nothing half-published
    stays)."""
    (site / MARKER).write_text("此目录由 opsbook 生成，重新构建时会被清空。\n", encoding="utf-8")
    write_search_script(site)
    problems = scan_output(site, *looked_for)
    if problems:
        prepare_output(root, site)  # ours (it has the marker): emptied
        raise BuildError("输出中出现了读者无权查看的内容或可执行的标记，已清空输出目录：" + "；".join(problems[:10]))


def _files(tree: Path) -> dict[str, Path]:
    return {path.relative_to(tree).as_posix(): path for path in tree.rglob("*") if path.is_file()}


def _changed_pages(old: Path, new: Path) -> list[str] | None:
    """The staged pages (``docs/….md``) whose text differs between two staged trees, or None when anything
    else differs — the configuration (with the navigation and every page title in it), the theme overrides,
    an attachment, a page added or removed: then only a full build is right."""
    before, after = _files(old), _files(new)
    if before.keys() != after.keys():
        return None
    changed = [rel for rel, path in sorted(after.items()) if path.read_bytes() != before[rel].read_bytes()]
    if any(not (rel.startswith("docs/") and rel.endswith(".md")) for rel in changed):
        return None
    return changed


def _merge_search_index(previous: Path, site: Path, pages: list[str]) -> None:
    """After a dirty render the generator's index holds only the re-rendered pages: the previous index's
    entries for every other page are put back, and the new entries of a page where its old ones stood (the
    order of a full build; the configuration part did not change)."""
    index = site / "search" / "search_index.json"
    fresh = json.loads(index.read_text(encoding="utf-8"))
    old = json.loads((previous / "search" / "search_index.json").read_text(encoding="utf-8"))
    rendered = {page_url(src[len("docs/"):]) for src in pages}
    page = lambda entry: str(entry.get("location", "")).split("#", 1)[0]  # noqa: E731
    new: dict[str, list] = {}
    for entry in fresh.get("docs", []):
        new.setdefault(page(entry), []).append(entry)
    docs = []
    for entry in old.get("docs", []):
        where = page(entry)
        if where not in rendered:
            docs.append(entry)
        elif where in new:
            docs.extend(new.pop(where))
    for entries in new.values():  # a page that had no entries before
        docs.extend(entries)
    fresh["docs"] = docs
    index.write_text(json.dumps(fresh, separators=(",", ":"), default=str), encoding="utf-8")  # as Material writes it


def rebuild(root: Path, site_dir: Path, work: Path, previous: Path | None, audience: str = "internal",
            as_of: dt.date | None = None, generator: str = "mkdocs") -> tuple[Path, int | None]:
    """``opsbook serve``'s rebuild into ``site_dir``: the site staged again into ``work/next``; when only page
    texts changed since the site in ``previous`` was built from ``work/stage`` (mkdocs-material only), those
    pages alone are rendered into a copy of it, with the search index merged; otherwise a full build.  Returns
    the site and how many pages were rendered (None for a full build)."""
    root = Path(root).resolve()
    current, nxt = work / "stage", work / "next"
    staged = stage(root, nxt, audience, as_of)
    looked_for = scan_inputs(staged.ctx)
    staged = _without_model(staged)
    changed = None
    if generator == "mkdocs" and previous is not None and current.is_dir():
        changed = _changed_pages(current, nxt)
    if changed is None:
        site = prepare_output(root, site_dir)
        render(staged, site, generator)
        _finish(root, site, looked_for)
        shutil.rmtree(current, ignore_errors=True)
        nxt.rename(current)
        return site, None
    now = time.time()
    for rel in changed:  # newer than anything in the previous site: the render takes these pages again
        shutil.copy2(nxt / rel, current / rel)
        os.utime(current / rel, (now + 2, now + 2))
    shutil.rmtree(nxt, ignore_errors=True)
    site = prepare_output(root, site_dir)
    shutil.copytree(previous, site, dirs_exist_ok=True)  # with its times: the unchanged pages stay as built
    staged = dataclasses.replace(staged, dir=current)
    _render_mkdocs(staged, site, strict=False, dirty=True)
    for rel in changed:  # older again than their new pages: the next rebuild renders them only if they change
        os.utime(current / rel, (now - 2, now - 2))
    _merge_search_index(previous, site, changed)
    _finish(root, site, looked_for)
    return site, len(changed)


def stage_only(root, site_dir, audience: str = "internal", as_of: dt.date | None = None,
               site_url: str | None = None) -> Path:
    """``opsbook stage``: write the staged tree (what a generator would render) into ``site_dir``."""
    return stage(root, site_dir, audience, as_of, site_url).dir


def _snapshot(root: Path) -> dict:
    """Modification times of every watched file (polling works on every platform and file system)."""
    out = {}
    for name in WATCHED:
        path = root / name
        if path.is_file():
            out[name] = path.stat().st_mtime_ns
        elif path.is_dir():
            for dirpath, _, filenames in os.walk(path):
                for filename in filenames:
                    file = Path(dirpath) / filename
                    try:
                        out[str(file)] = file.stat().st_mtime_ns
                    except OSError:
                        pass
    return out


def serve(root, audience: str = "internal", as_of: dt.date | None = None, dev_addr: str = "127.0.0.1:8000",
          generator: str = "mkdocs", interval: float = 1.0) -> None:
    """Preview the site: build, serve it on ``dev_addr``, rebuild on every change of docs/, registers/,
    schemas/, standard/ or mkdocs.yml.  A request that arrives after a change waits for the rebuild, so it
    always shows the files as they are; a failed rebuild is reported and the last good site stays served."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    root = Path(root).resolve()
    host, _, port = dev_addr.rpartition(":")
    try:
        address = (host or "127.0.0.1", int(port))
    except ValueError:
        raise BuildError(f"--dev-addr 应为 主机:端口，收到“{dev_addr}”") from None
    work = Path(tempfile.mkdtemp(prefix="opsbook-serve-"))
    state = {"dir": None, "seen": None, "n": 0}
    lock = threading.Lock()  # one build at a time; requests wait for it

    def fresh() -> Path:
        with lock:
            now = _snapshot(root)
            if now != state["seen"]:
                state["seen"], state["n"] = now, state["n"] + 1
                target = work / f"site-{state['n']}"
                try:
                    _, pages = rebuild(root, target, work, state["dir"], audience, as_of, generator)
                except BuildError as exc:
                    shutil.rmtree(work / "stage", ignore_errors=True)  # the next build is a full one
                    print(f"opsbook: 站点构建失败（继续提供上一次成功的版本）：{exc}", file=sys.stderr, flush=True)
                else:
                    old, state["dir"] = state["dir"], target
                    if old is not None:
                        shutil.rmtree(old, ignore_errors=True)
                    what = "全部页面" if pages is None else f"只有 {pages} 个页面有变化，只重新生成了这些页面"
                    print(f"opsbook: 站点已重新构建（{time.strftime('%H:%M:%S')}，{what}）", file=sys.stderr, flush=True)
            return state["dir"] or work

    class Handler(SimpleHTTPRequestHandler):
        def translate_path(self, path):
            self.directory = str(fresh())
            return super().translate_path(path)

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def log_message(self, format, *args):  # noqa: A002 - quiet: the build messages are what matter
            pass

    fresh()
    if state["dir"] is None:
        shutil.rmtree(work, ignore_errors=True)
        raise BuildError("首次构建失败，未启动预览")
    try:
        server = ThreadingHTTPServer(address, partial(Handler, directory=str(state["dir"])))
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BuildError(f"无法监听 {dev_addr}：{exc.strerror or exc}") from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"opsbook: 预览地址 http://{address[0]}:{server.server_address[1]}/（修改 docs/、registers/、schemas/、"
          f"mkdocs.yml 后自动重新构建；Ctrl+C 退出）", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(interval)
            fresh()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


# -- mkdocs' console and jieba -------------------------------------------------------------

def _quiet_logging() -> None:
    """mkdocs' messages on the console, as `mkdocs build` shows them (once)."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_opsbook", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._opsbook = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


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
