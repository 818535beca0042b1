"""Controlled copies: documents printed to PDF from the site's own pages, by Chromium.

The site is built for the chosen audience (the same staged and rendered pages
readers browse, macros and appendices included), and each document's page is
printed by Debian's Chromium through Playwright with print CSS (headings kept
with what follows, table headers repeated on every page, the site's navigation
hidden) and a running header and footer: document id, title, version,
sensitivity, page x of y, the print date and 受控副本 / 打印件为非受控副本 as the
settings say.  Fonts are the system's CJK fonts (fonts-noto-cjk), embedded by
Chromium.  The page may load nothing but its own files: every other request is
refused, so printing works, and leaks nothing, without a network.

Timestamps Chromium writes into the file are replaced by the print date, so the
same handbook printed on the same date gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .model import SENSITIVITY_ZH, Document, Handbook

CHROMIUM = Path(os.environ.get("OPSBOOK_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--font-render-hinting=none"]
FONT = "'Noto Sans CJK SC', 'Noto Serif CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
CONTROLLED = "受控副本"
UNCONTROLLED = "打印件为非受控副本"

PRINT_CSS = f"""
@page {{ size: A4; }}
html, body {{ font-family: {FONT} !important; background: #fff !important; }}
.md-header, .md-tabs, .md-sidebar, .md-footer, .md-search, .md-top, .md-dialog, .md-source,
.md-content__button, .md-announce, .md-banner, .ob-no-print {{ display: none !important; }}
.md-main__inner, .md-content, .md-content__inner {{ margin: 0 !important; padding: 0 !important; max-width: none !important; }}
.md-grid {{ max-width: none !important; margin: 0 !important; }}
.md-typeset {{ font-size: 10.5pt !important; line-height: 1.6 !important; }}
h1, h2, h3, h4, h5, h6 {{ break-after: avoid-page !important; page-break-after: avoid !important; break-inside: avoid !important; }}
h1 + *, h2 + *, h3 + *, h4 + *, h5 + *, h6 + * {{ break-before: avoid-page !important; page-break-before: avoid !important; }}
.md-typeset table:not([class]), .md-typeset table {{ display: table !important; overflow: visible !important; width: 100% !important; }}
.md-typeset__scrollwrap, .md-typeset__table {{ overflow: visible !important; display: block !important; }}
thead {{ display: table-header-group !important; }}
tr, img, pre, blockquote, .admonition, details {{ break-inside: avoid !important; page-break-inside: avoid !important; }}
a {{ color: inherit !important; text-decoration: none !important; }}
"""


class PdfError(Exception):
    """Printing cannot run (no Chromium, no Playwright …); the message is Chinese."""


@dataclass
class Job:
    page: Path  # the HTML page to print
    out: Path  # the PDF to write
    doc_id: str
    title: str
    version: str
    sensitivity: str
    footer_note: str | None = None  # instead of 受控副本 / 打印件为非受控副本
    header_note: str | None = None  # instead of 版本 … · sensitivity


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def header_template(job: Job) -> str:
    return (f'<div style="font-family:{FONT};font-size:8px;color:#444;width:100%;margin:0 14mm;'
            f'display:flex;justify-content:space-between;border-bottom:0.5px solid #999;padding-bottom:2px">'
            f'<span>{_esc(job.doc_id)}　{_esc(job.title)}</span>'
            + (f'<span>{_esc(job.header_note)}</span></div>' if job.header_note else
               f'<span>版本 {_esc(job.version)}　·　{_esc(job.sensitivity)}</span></div>'))


def footer_template(job: Job, printed: dt.date, controlled: bool) -> str:
    return (f'<div style="font-family:{FONT};font-size:8px;color:#444;width:100%;margin:0 14mm;'
            f'display:flex;justify-content:space-between;border-top:0.5px solid #999;padding-top:2px">'
            f'<span>{_esc(job.footer_note) if job.footer_note else (CONTROLLED if controlled else UNCONTROLLED)}</span>'
            f'<span>第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</span>'
            f'<span>打印日期 {printed.isoformat()}</span></div>')


def page_of(site_dir: Path, doc: Document) -> Path | None:
    """The built page of a document (``docs/a/b.md`` → ``a/b.html`` or ``a/b/index.html``)."""
    stem = doc.url_path[:-3] if doc.url_path.endswith(".md") else doc.url_path
    for candidate in (f"{stem}.html", f"{stem}/index.html"):
        path = Path(site_dir) / candidate
        if path.is_file():
            return path
    return None


_PDF_DATE = re.compile(rb"\((D:\d{14}[^)]{0,10})\)")
_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def fixed_pdf(data: bytes, when: dt.date) -> bytes:
    """The PDF with its creation and modification times set to ``when`` (same length: offsets stay valid)."""
    stamp = when.strftime("%Y%m%d000000").encode()

    def date(match):
        old = match.group(1)
        new = (b"D:" + stamp + old[16:])[: len(old)]
        return b"(" + new + b")"

    data = _PDF_DATE.sub(date, data)
    import hashlib

    def ident(match):
        digest = hashlib.sha256(data.replace(match.group(0), b"")).hexdigest().upper().encode()
        a = digest[: len(match.group(1))].ljust(len(match.group(1)), b"0")
        b = digest[: len(match.group(2))].ljust(len(match.group(2)), b"0")
        return match.group(0).replace(match.group(1), a).replace(match.group(2), b)

    return _PDF_ID.sub(ident, data)


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<([0-9A-Fa-f]{4})>")


def _fix_cmap(data: bytes) -> bytes:
    from .cjk import ideograph

    def pair(match):
        code = int(match.group(2), 16)
        if 0xFB00 <= code <= 0xFB06:  # Latin ligatures (ﬁ) read as their letters (fi)
            import unicodedata

            letters = unicodedata.normalize("NFKC", chr(code))
            return match.group(1) + b"<" + "".join(f"{ord(c):04X}" for c in letters).encode() + b">"
        return match.group(1) + b"<%04X>" % ideograph(code)

    return _BFCHAR.sub(lambda m: b"beginbfchar" + _PAIR.sub(pair, m.group(1)) + b"endbfchar", data)


def text_layer(data: bytes, when: dt.date, title: str = "") -> bytes:
    """The PDF with its fonts' ToUnicode maps giving ideographs, not radicals (see :mod:`checks.cjk`),
    and its metadata fixed: the title, opsbook as the producer, ``when`` as the time it was made."""
    import io

    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    seen = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font") if page.get("/Resources") else None
        for font in (fonts.get_object().values() if fonts else []):
            font = font.get_object()
            for holder in [font] + [d.get_object() for d in (font.get("/DescendantFonts") or [])]:
                cmap = holder.raw_get("/ToUnicode") if "/ToUnicode" in holder else None
                if cmap is None:
                    continue
                key = (cmap.idnum, cmap.generation) if hasattr(cmap, "idnum") else None
                if key is not None and key in seen:
                    continue
                seen.add(key)
                stream = cmap.get_object()
                stream.set_data(_fix_cmap(stream.get_data()))
    stamp = when.strftime("D:%Y%m%d000000+08'00'")
    writer.metadata = None
    writer.add_metadata({"/Title": title, "/Creator": "opsbook", "/Producer": "opsbook",
                         "/CreationDate": stamp, "/ModDate": stamp})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def print_pages(jobs: list[Job], printed: dt.date, controlled: bool, root: Path | None = None) -> None:
    """Print every job's page to its PDF with one browser.  The pages may load files below ``root``
    (by default the folder of the first page) and nothing else: no network, no other local file."""
    if not jobs:
        return
    allowed = Path(root or jobs[0].page.parent).resolve().as_uri().rstrip("/") + "/"
    if not CHROMIUM.exists():
        raise PdfError(f"找不到 {CHROMIUM}：打印 PDF 需要 Debian 的 chromium 和 fonts-noto-cjk（运行 .ci/install-browser.sh）")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("打印 PDF 需要 Python 包 playwright（pip install -r requirements.lock）") from None

    def local_only(route):
        url = route.request.url
        if url.startswith((allowed, "data:")) and "/../" not in url:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(locale="zh-CN", java_script_enabled=True, offline=True)
            context.route("**/*", local_only)
            page = context.new_page()
            for job in jobs:
                page.goto(job.page.resolve().as_uri(), wait_until="load")
                page.emulate_media(media="print")
                page.add_style_tag(content=PRINT_CSS)
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                # a printed copy links nowhere: no local paths in the file, same bytes wherever it was printed
                page.evaluate("() => document.querySelectorAll('a[href]').forEach(a => {"
                              " if (!a.getAttribute('href').startsWith('#')) a.removeAttribute('href'); })")
                page.evaluate("() => document.fonts.ready")
                job.out.parent.mkdir(parents=True, exist_ok=True)
                data = page.pdf(format="A4", print_background=True, display_header_footer=True,
                                header_template=header_template(job),
                                footer_template=footer_template(job, printed, controlled),
                                margin={"top": "20mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                                tagged=False, outline=False)
                job.out.write_bytes(fixed_pdf(text_layer(data, printed, f"{job.doc_id} {job.title}"), printed))
            context.close()
        finally:
            browser.close()


def job_for(doc: Document, page: Path, out: Path) -> Job:
    meta = doc.meta
    level = doc.sensitivity
    return Job(page=page, out=out, doc_id=str(meta.get("id") or ""), title=doc.title,
               version=str(meta.get("version") or "—"), sensitivity=SENSITIVITY_ZH.get(level, "未标识"))


def print_documents(handbook: Handbook, docs: list[Document], out_dir, audience: str, printed: dt.date,
                    site_dir: Path | None = None) -> list[Path]:
    """Build the site for ``audience`` (unless ``site_dir`` is already built) and print each document."""
    from .site.audience import Audience

    seen = Audience(handbook, audience)
    hidden = [d for d in docs if not seen.document_visible(d)] if hasattr(seen, "document_visible") else []
    if hidden:
        raise PdfError("、".join(str(d.doc_id or d.path) for d in hidden) + f" 高于读者级别 {audience}，不打印；"
                       "请用 --max-sensitivity 指定更高的级别")
    scratch = None
    try:
        if site_dir is None:
            from .site import build

            scratch = Path(tempfile.mkdtemp(prefix="opsbook-pdf-"))
            site_dir = scratch / "site"
            try:
                build.build(handbook.root, site_dir=site_dir, audience=audience, as_of=handbook.as_of)
            except build.BuildError as exc:
                raise PdfError(f"站点构建失败：{exc}") from None
        jobs, missing = [], []
        for doc in docs:
            page = page_of(site_dir, doc)
            if page is None:
                missing.append(str(doc.doc_id or doc.path))
                continue
            name = f"{doc.doc_id or Path(doc.path).stem}.pdf"
            jobs.append(job_for(doc, page, Path(out_dir) / name))
        if missing:
            raise PdfError("站点中没有这些文档的页面：" + "、".join(missing))
        print_pages(jobs, printed, bool(handbook.settings.controlled_copies), root=site_dir)
        return [job.out for job in jobs]
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
