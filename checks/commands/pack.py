"""``opsbook pack``: the inspector's pack for a revision."""

from __future__ import annotations

import sys

from ..cli import EXIT_OK, EXIT_USAGE, UsageError, add_audience, handbook_root, parse_as_of


def register(sub, common) -> None:
    p = sub.add_parser("pack", parents=[common], help="生成检查材料包：条款矩阵、发现、全部台账（Excel）、全部文档（PDF）、清单与校验值")
    p.add_argument("--rev", default="HEAD", metavar="REV", help="标签、提交或 @{2026-06-30}（默认 HEAD）；从 git 读取，不改动工作区")
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD（默认为该提交的日期）")
    p.add_argument("-o", "--output", required=True, help="输出目录（须为新目录或空目录）")
    add_audience(p, "更高级别的台账、字段和文档不写入材料包")
    p.add_argument("--no-pdf", action="store_true", help="不打印 PDF（没有 Chromium 时）")
    p.set_defaults(func=cmd_pack)


def cmd_pack(args) -> int:
    from .. import pack, pdf

    root = handbook_root(args.root)
    as_of = parse_as_of(args.as_of) if args.as_of else None
    try:
        manifest = pack.build_pack(root, args.rev, args.output, as_of, args.max_sensitivity, with_pdf=not args.no_pdf)
    except pack.PackError as exc:
        raise UsageError(str(exc)) from None
    except pdf.PdfError as exc:
        print(f"opsbook: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"已写入 {args.output}：{len(manifest['files'])} 个文件，提交 {manifest['commit'][:10]}，检查日期 {manifest['as_of']}")
    return EXIT_OK
