"""``opsbook export xlsx``: registers as an Excel workbook."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cli import EXIT_OK, UsageError, add_audience, load_working_tree


def register(sub, common) -> None:
    p = sub.add_parser("export", parents=[common], help="导出台账（Excel）")
    kinds = p.add_subparsers(dest="kind", required=True)
    x = kinds.add_parser("xlsx", parents=[common], help="把台账导出为 Excel 工作簿：每个列表一个工作表")
    x.add_argument("registers", nargs="*", metavar="REGISTER", help="台账名（如 devices）；默认全部")
    x.add_argument("-o", "--output", default="registers.xlsx", help="输出文件（默认 registers.xlsx）")
    add_audience(x, "更高级别的台账和字段不导出")
    x.add_argument("--as-of", help="写入工作簿的日期 YYYY-MM-DD（默认上海时间今天）")
    x.set_defaults(func=cmd_export_xlsx)


def cmd_export_xlsx(args) -> int:
    from .. import xlsx

    handbook = load_working_tree(args)
    try:
        data, notes = xlsx.export(handbook, args.registers or None, args.max_sensitivity, source="工作区")
    except xlsx.WorkbookError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    for note in notes:
        print(f"opsbook: {note}", file=sys.stderr)
    print(f"已导出到 {out}")
    return EXIT_OK
