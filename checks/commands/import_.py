"""``opsbook import xlsx``: update the YAML registers from an edited workbook."""

from __future__ import annotations

import sys

from ..cli import EXIT_FINDINGS, EXIT_OK, UsageError, handbook_root


def register(sub, common) -> None:
    p = sub.add_parser("import", parents=[common], help="从 Excel 导入台账")
    kinds = p.add_subparsers(dest="kind", required=True)
    x = kinds.add_parser("xlsx", parents=[common], help="用修改过的工作簿更新 registers/ 中的 YAML 台账")
    x.add_argument("file", metavar="FILE", help="Excel 工作簿（.xlsx）")
    x.add_argument("--register", help="工作簿不是 opsbook 导出的时：要更新的台账名（如 devices）")
    x.add_argument("--map", action="append", metavar="列标题=字段名|映射文件.yaml",
                   help="列与字段的对应；可重复，或给出映射文件（见 README 与 examples/）")
    x.add_argument("--allow-delete", action="store_true", help="删除工作表中已不存在的记录（默认只报告）")
    x.add_argument("--dry-run", action="store_true", help="只报告将做的修改，不写入")
    x.set_defaults(func=cmd_import_xlsx)


def cmd_import_xlsx(args) -> int:
    from .. import engine, xlsx

    root = handbook_root(args.root)
    handbook = engine.load(root)
    try:
        mapping = xlsx.Mapping.parse(args.map)
        plan = xlsx.plan_import(handbook, args.file, args.register, mapping, args.allow_delete)
    except xlsx.WorkbookError as exc:
        raise UsageError(str(exc)) from None
    if plan.rejections:
        for rejection in plan.rejections:
            print(f"{args.file}: {rejection}", file=sys.stderr)
        print(f"opsbook: {len(plan.rejections)} 处无法导入，未写入任何文件", file=sys.stderr)
        return EXIT_FINDINGS
    for line in plan.changes:
        print(line)
    for line in plan.deletions:
        print(line, file=sys.stderr)
    if args.dry_run:
        print(f"（试运行）将更新 {len(plan.writes)} 个台账文件")
        return EXIT_OK
    xlsx.write_files(handbook.root, plan.writes)
    print(f"已更新 {len(plan.writes)} 个台账文件" if plan.writes else "台账没有变化，未写入任何文件")
    return EXIT_OK
