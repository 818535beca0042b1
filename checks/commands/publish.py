"""``opsbook publish VERSION``: publish a commit as a version of the site (see :mod:`checks.publish`)."""

from __future__ import annotations

import sys

from ..cli import add_audience


def register(sub, common) -> None:
    p = sub.add_parser(
        "publish", parents=[common],
        help="把当前提交（或一个标签）发布为站点的一个版本，写入可由任何 Web 服务器提供的版本目录",
        description="构建提交（默认：与版本号同名的标签，没有则为 HEAD）的站点，写入 DEST/VERSION/，"
                    "更新 DEST/versions.json（版本选择器）与 DEST/latest/。已发布的版本不再改动。",
    )
    p.add_argument("version", metavar="VERSION", help="版本号，如 2026.1（同时是 git 标签名；没有标签时自动创建）")
    p.add_argument("--dest", help="版本目录（默认 versions/<读者级别>）")
    add_audience(p)
    p.add_argument("--rev", help="要发布的提交或标签（默认：标签 VERSION，没有则为 HEAD）")
    p.add_argument("--alias", default="latest", help="指向此版本的别名（默认 latest）")
    p.add_argument("--title", help="版本选择器中显示的名称（默认即版本号；至多 64 个字符，不含控制字符）")
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD（默认为该提交的日期，便于从标签重建出相同结果）")
    p.add_argument("--generator", choices=("mkdocs", "zensical"), default="mkdocs",
                   help="站点生成器（默认 mkdocs-material；从标签重建时沿用发布时的生成器）")
    p.add_argument("--no-tag", action="store_true", help="没有标签 VERSION 时报错，而不是创建它")
    p.add_argument("--verify", action="store_true",
                   help="不发布：从标签重新构建已发布的版本，与版本目录中的逐字节比较（相同退出 0，不同退出 1）")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import publish
    from ..cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, handbook_root, parse_as_of

    try:
        publish.check_title(args.title)
    except publish.PublishError as exc:
        raise UsageError(str(exc)) from None
    root = handbook_root(args.root)
    dest = args.dest or f"versions/{args.max_sensitivity}"
    try:
        if args.verify:
            diff = publish.verify(root, args.version, dest)
            if diff:
                print(f"版本 {args.version} 从标签重建的结果与已发布的不同（{len(diff)} 个文件）：")
                for rel in diff[:50]:
                    print(f"  {rel}")
                return EXIT_FINDINGS
            print(f"版本 {args.version} 从标签重建的结果与已发布的逐字节相同")
            return EXIT_OK
        as_of = parse_as_of(args.as_of) if args.as_of else None
        publish.publish(root, args.version, dest, audience=args.max_sensitivity, alias=args.alias, rev=args.rev,
                        as_of=as_of, title=args.title, tag=not args.no_tag, generator=args.generator)
    except publish.PublishError as exc:
        print(f"opsbook: 发布失败：{exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
