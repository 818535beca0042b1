"""Controlled copies: documents printed by Debian's Chromium from the built site, read back with pypdf."""

from __future__ import annotations

import re

import pytest

from checks import engine, pdf
from sitekit import AS_OF, ROOT, scratch_dir, site

pytestmark = [pytest.mark.browser, pytest.mark.site]

if not pdf.CHROMIUM.exists():
    pytest.skip(f"{pdf.CHROMIUM} 不存在：PDF 测试需要 Debian 的 chromium（.ci/install-browser.sh 会安装）",
                allow_module_level=True)
pypdf = pytest.importorskip("pypdf")


def _text(path) -> list[str]:
    """Each page's text, exactly as a reader copies it."""
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def handbook():
    return engine.load(ROOT, AS_OF)


@pytest.fixture(scope="module")
def printed(handbook):
    out = scratch_dir("pdf")
    doc = handbook.document("POL-01")
    paths = pdf.print_documents(handbook, [doc], out, "internal", AS_OF, site_dir=site("internal").path)
    return doc, paths[0]


def test_the_pdf_text_is_the_source_text(printed):
    doc, path = printed
    flat = _flat("".join(_text(path)))
    body = [line.strip() for line in doc.body.split("\n") if line.strip() and not line.startswith(("#", "|", "-", ">", "{"))]
    sentences = [re.sub(r"[*`\[\]]", "", re.sub(r"\]\([^)]*\)", "]", line)) for line in body]
    sentences = [s for s in sentences if len(s) > 20][:15]
    assert sentences
    for sentence in sentences:
        assert _flat(sentence) in flat, sentence
    assert "\ufffd" not in flat  # no missing glyphs


def test_every_page_has_the_header_and_footer(printed):
    doc, path = printed
    pages = _text(path)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert "POL-01" in flat and _flat(doc.title) in flat
        assert "版本3.1" in flat and "内部" in flat
        assert f"第{number}页/共{len(pages)}页" in flat
        assert "打印日期2026-11-21" in flat and pdf.UNCONTROLLED in flat


def test_fonts_are_embedded_and_nothing_is_fetched(printed):
    _, path = printed
    reader = pypdf.PdfReader(path)
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            if font.get("/Subtype") == "/Type3":  # glyph outlines drawn in the file itself
                fonts.append(bool(font.get("/CharProcs")))
                continue
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            fonts.append(descriptor is not None and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    assert fonts and all(fonts)


def test_same_document_same_date_same_bytes(handbook, printed):
    _, first = printed
    again = pdf.print_documents(handbook, [handbook.document("POL-01")], scratch_dir("pdf2"), "internal", AS_OF,
                                site_dir=site("internal").path)[0]
    assert again.read_bytes() == first.read_bytes()


def test_a_document_above_the_audience_is_not_printed(handbook):
    with pytest.raises(pdf.PdfError, match="高于读者级别"):
        pdf.print_documents(handbook, [handbook.document("PLN-01")], scratch_dir("pdf3"), "internal", AS_OF,
                            site_dir=site("internal").path)


def test_templates_escape_document_values():
    job = pdf.Job(page=None, out=None, doc_id="<b>X</b>", title="<script>alert(1)</script>", version="1.0", sensitivity="内部")
    assert "<script>" not in pdf.header_template(job) and "&lt;script&gt;" in pdf.header_template(job)


def test_the_emergency_plan_copy_lists_the_contacts_from_the_registers(handbook):
    """The printed plan kept in the monitoring room is usable without the network: the appendix is in it."""
    plan = handbook.document("PLN-01")
    path = pdf.print_documents(handbook, [plan], scratch_dir("pdf-plan"), "confidential", AS_OF,
                               site_dir=site("confidential").path)[0]  # built for the audience tests too
    flat = _flat("".join(_text(path)))
    assert "附录：应急联络方式" in flat
    assert "沈国华" in flat and "021-60002001" in flat  # a contact and its phone, from emergency_contacts.yaml
    assert "13900002001" in flat  # personal mobiles: shown to restricted readers and above


def test_long_tables_repeat_their_header_row_on_every_page():
    """Material shows tables as scrolling inline blocks; the print CSS makes them tables that repeat their head."""
    folder = scratch_dir("pdf-table")
    rows = "".join(f"<tr><td>第 {n} 行</td><td>内容 {n}</td></tr>" for n in range(160))
    page = folder / "t.html"
    page.write_text('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
                    ".md-typeset table:not([class]){display:inline-block;overflow:auto}</style></head>"
                    '<body><article class="md-typeset"><h2>长表格</h2><div class="md-typeset__scrollwrap">'
                    f"<table><thead><tr><th>表头甲</th><th>表头乙</th></tr></thead><tbody>{rows}</tbody></table>"
                    "</div></article></body></html>", encoding="utf-8")
    out = folder / "t.pdf"
    pdf.print_pages([pdf.Job(page=page, out=out, doc_id="T-01", title="表格", version="1.0", sensitivity="内部")],
                    AS_OF, controlled=True)
    pages = _text(out)
    assert len(pages) >= 3
    assert all("表头甲" in text and "表头乙" in text for text in pages)
    assert all(pdf.CONTROLLED in text for text in pages)


def test_a_page_cannot_load_other_local_files():
    folder = scratch_dir("pdf-local")
    (folder / "site").mkdir()
    secret = folder / "secret.txt"
    secret.write_text("不应出现在打印件中", encoding="utf-8")
    page = folder / "site" / "p.html"
    page.write_text('<!doctype html><html><head><meta charset="utf-8"></head><body><p>正文</p>'
                    f'<iframe src="{secret.as_uri()}"></iframe><iframe src="../secret.txt"></iframe>'
                    '<img src="http://example.invalid/x.png"></body></html>', encoding="utf-8")
    out = folder / "p.pdf"
    pdf.print_pages([pdf.Job(page=page, out=out, doc_id="T", title="T", version="1", sensitivity="内部")], AS_OF,
                    controlled=False, root=folder / "site")
    text = "".join(_text(out))
    assert "正文" in text and "不应出现在打印件中" not in text
