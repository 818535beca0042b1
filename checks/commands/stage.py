"""``opsbook stage --site-dir DIR``: write the staged docs tree (what the site generator renders) for one audience."""

from __future__ import annotations

import sys

from ..cli import EXIT_OK, EXIT_USAGE, add_audience, handbook_root, parse_as_of


def run(args) -> int:
    from ..site import build

    try:
        out = build.stage_only(handbook_root(args.root), args.site_dir, audience=args.max_sensitivity,
                               as_of=parse_as_of(args.as_of, default_today=False), site_url=args.site_url)
    except build.BuildError as exc:
        print(f"opsbook: 暂存失败：{exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"opsbook: 暂存树已写入 {out}（mkdocs.yml、docs/、overrides/；可用 mkdocs build -f 或 zensical build -f 渲染）",
          file=sys.stderr)
    return EXIT_OK


def register(sub, common) -> None:
    p = sub.add_parser("stage", parents=[common], help="写出某一读者级别的暂存文档树（站点生成器的输入）")
    p.add_argument("--site-dir", default="staged", help="输出目录（默认 staged/）")
    add_audience(p)
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD")
    p.add_argument("--site-url", help="站点发布后的内网地址")
    p.set_defaults(func=run)
