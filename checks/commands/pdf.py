"""``opsbook pdf``: controlled copies of documents, printed from the site's pages."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cli import EXIT_OK, EXIT_USAGE, UsageError, add_audience, load_working_tree


def register(sub, common) -> None:
    p = sub.add_parser("pdf", parents=[common], help="把文档打印为 PDF（页眉页脚含编号、版本、敏感性、页码、打印日期）")
    p.add_argument("ids", nargs="*", metavar="DOC-ID", help="文档编号，如 POL-01 PLN-01；不填则打印读者可见的全部文档")
    p.add_argument("-o", "--output", default="pdf", help="输出目录（默认 pdf/）")
    add_audience(p, "更高级别的文档不打印")
    p.add_argument("--as-of", help="打印日期与检查日期 YYYY-MM-DD（默认上海时间今天）")
    p.set_defaults(func=cmd_pdf)


def cmd_pdf(args) -> int:
    from .. import pdf
    from ..site.audience import Audience

    handbook = load_working_tree(args)
    audience = Audience(handbook, args.max_sensitivity)
    if args.ids:
        docs = []
        for doc_id in args.ids:
            doc = handbook.document(doc_id)
            if doc is None:
                raise UsageError(f"没有编号为 {doc_id} 的文档")
            docs.append(doc)
    else:
        docs = [d for d in handbook.docs() if d.doc_id and audience.document_visible(d)]
    return printed(lambda: pdf.print_documents(handbook, docs, Path(args.output), args.max_sensitivity, handbook.as_of))


def printed(write) -> int:
    """Run ``write`` (which returns the files it wrote) and list them; exit 2 when printing cannot run."""
    from .. import pdf

    try:
        written = write()
    except pdf.PdfError as exc:
        print(f"opsbook: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(path)
    return EXIT_OK
