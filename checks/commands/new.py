"""``opsbook new record|document``: start a record or a document from its schema."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cli import EXIT_OK, UsageError, handbook_root, parse_as_of


def register(sub, common) -> None:
    p = sub.add_parser("new", parents=[common], help="新建记录或文档（按 schema 生成骨架）")
    kinds = p.add_subparsers(dest="what", required=True)
    r = kinds.add_parser("record", parents=[common], help="在台账中追加一条记录的骨架（保留文件中的注释）")
    r.add_argument("register", metavar="REGISTER", help="台账名，如 drills")
    r.add_argument("list", metavar="LIST", nargs="?", help="台账中的列表，如 plans（台账只有一个列表或有同名列表时可省略）")
    r.add_argument("--as-of", help="写入的日期 YYYY-MM-DD（默认上海时间今天）")
    r.set_defaults(func=cmd_new_record)
    d = kinds.add_parser("document", parents=[common], help="新建一篇文档的骨架（头信息与章节）")
    d.add_argument("--kind", required=True, choices=("policy", "procedure", "manual", "plan", "guide"), help="文档类型")
    d.add_argument("--title", help="标题（不填则留占位符）")
    d.add_argument("--as-of", help="写入的日期 YYYY-MM-DD（默认上海时间今天）")
    d.set_defaults(func=cmd_new_document)


def cmd_new_record(args) -> int:
    from .. import engine, skeleton, xlsx

    root = handbook_root(args.root)
    today = parse_as_of(args.as_of)
    handbook = engine.load(root, today)
    try:
        path, text, line, left = skeleton.append_record(handbook, args.register, args.list, today)
    except skeleton.SkeletonError as exc:
        raise UsageError(str(exc)) from None
    xlsx.write_files(handbook.root, {path: text})
    print(f"{path}:{line}: 已新增记录" + (f"；还有 {left} 个“〔待填写〕”占位符（opsbook check 会逐一指出）" if left else ""))
    return EXIT_OK


def cmd_new_document(args) -> int:
    from .. import engine, skeleton

    root = handbook_root(args.root)
    today = parse_as_of(args.as_of)
    handbook = engine.load(root, today)
    path, text = skeleton.new_document(handbook, args.kind, today, args.title)
    target = Path(root) / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8", newline="\n") as handle:  # never overwrites
        handle.write(text)
    print(f"{path}: 已新建（草稿）；填写头信息中的“〔待填写〕”占位符和各章节", file=sys.stdout)
    return EXIT_OK
