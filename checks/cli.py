"""The ``opsbook`` command (also ``python -m checks``).

Exit codes: 0 no error-severity finding; 1 at least one; 2 usage, configuration or internal
error.  No command ever ends in a bare traceback: an internal error says it is one and how to
report it (``--debug`` shows the traceback).

Subcommands beyond the core ones live in their own modules in :mod:`checks.commands`:
each module defines ``register(sub, common)``, which adds its parser with ``sub.add_parser(…,
parents=[common])`` and sets ``func``.  They are found by name, so adding a command is adding
a module; the helpers below (:class:`UsageError`, :func:`parse_as_of`, :func:`handbook_root`,
:func:`add_audience`, :func:`load_working_tree`, :func:`emit`) are theirs to use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import json
import os
import pkgutil
import sys
import traceback
from pathlib import Path

from . import dates
from .model import SENSITIVITY_LEVELS
from .reporters import REPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def parse_as_of(text: str | None, default_today: bool = True) -> dt.date | None:
    """The --as-of date (or $OPSBOOK_AS_OF).  Without one: today, or None with ``default_today=False``
    (the engine then uses a sample handbook's fixed date, or today)."""
    if text is None:  # a hook or CI job may pin the date without changing its command line
        text = os.environ.get("OPSBOOK_AS_OF") or None
    if text is None:
        return dates.today() if default_today else None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of 应为日期 YYYY-MM-DD，收到“{text}”") from None


def handbook_root(text: str) -> Path:
    root = Path(text)
    if not (root / "registers").is_dir() and not (root / "docs").is_dir():
        raise UsageError(f"{root.resolve()} 不是 opsbook 手册目录（应包含 registers/ 与 docs/）；可用 --root 指定")
    return root


def add_audience(parser, note: str = "") -> None:
    """The ``--max-sensitivity`` option of a command that writes for one reader; ``note`` says what a
    higher level leaves out."""
    parser.add_argument("--max-sensitivity", choices=AUDIENCES, default="internal",
                        help="读者可见的最高敏感级别（默认 internal）" + (f"；{note}" if note else ""))


def load_working_tree(args):
    """The handbook in the folder ``--root`` as of ``--as-of`` (without one: today, or a sample's fixed date)."""
    from . import engine

    return engine.load(handbook_root(args.root), parse_as_of(args.as_of, default_today=False))


def emit(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text, encoding="utf-8")
        except FileExistsError as exc:
            raise UsageError(f"无法写入输出文件“{output}”：上级路径“{exc.filename}”是文件而不是文件夹") from None
        except OSError as exc:
            raise UsageError(f"无法写入输出文件“{output}”：{_os_reason(exc)}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese."""
    import errno

    reasons = {errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中的上级是文件而不是文件夹",
               errno.EACCES: "没有权限", errno.ENOENT: "路径不存在", errno.EROFS: "只读文件系统",
               errno.ENOSPC: "磁盘空间不足", errno.EEXIST: "已存在同名文件", errno.EADDRINUSE: "端口已被占用",
               errno.EADDRNOTAVAIL: "地址不可用", errno.ENAMETOOLONG: "文件名过长"}
    return reasons.get(exc.errno, exc.strerror or str(exc))


def cmd_check(args) -> int:
    from . import engine, review

    source = root = handbook_root(args.root)
    if args.rev:  # the handbook as committed at REV; --as-of defaults to its date
        from .revision import resolve_or_usage

        source, rev_date = resolve_or_usage(source, args.rev)
        args.as_of = args.as_of or rev_date.isoformat()
    # without --as-of: today, or a sample handbook's fixed date (the engine decides)
    as_of = parse_as_of(args.as_of, default_today=False)
    base_rev = args.base or args.changed_since
    try:
        base = review.base_tree(root, base_rev, "--base" if args.base else "--changed-since") if base_rev else None
        steps = review.steps(root, args.since) if args.since else None
    except review.ReviewError as exc:
        raise UsageError(str(exc)) from None
    result = engine.check(source, as_of, base=base, history=steps, fail_on=args.fail_on)
    as_of = result.handbook.as_of
    reporter = REPORTERS[args.format](site_url=args.site_url) if args.format == "sarif" else REPORTERS[args.format]()
    emit(reporter.render(result, as_of), args.output)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_rules(args) -> int:
    from .rules import all_rules

    rules = all_rules()
    if args.format == "json":
        data = [{"id": r.id, "name": r.name, "title": r.title, "clause": r.clause, "severity": r.severity,
                 "chapter": r.chapter, "dated": r.dated} for r in rules]
        emit(json.dumps(data, ensure_ascii=False, indent=2) + "\n", None)
    else:
        emit("".join(f"{r.id}\t{r.severity}\t{r.clause or '-'}\t{r.title}\n" for r in rules), None)
    return EXIT_OK


def cmd_clauses(args) -> int:
    from . import clauses

    as_of = parse_as_of(args.as_of, default_today=False)
    try:
        text = clauses.render(handbook_root(args.root), as_of, args.format)
    except clauses.CatalogueError as exc:
        raise UsageError(str(exc)) from None
    emit(text, None)
    return EXIT_OK


def cmd_build(args) -> int:
    from .site import build

    as_of = parse_as_of(args.as_of, default_today=False)
    try:
        build.build(handbook_root(args.root), site_dir=args.site_dir, audience=args.max_sensitivity, as_of=as_of,
                    strict=args.strict, site_url=args.site_url, generator=args.generator)
    except build.BuildError as exc:
        print(f"opsbook: 站点构建失败：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        where = f"“{exc.filename}”" if exc.filename else f"站点目录“{args.site_dir}”"
        raise UsageError(f"站点构建失败：无法写入{where}：{_os_reason(exc)}") from None
    return EXIT_OK


def cmd_serve(args) -> int:
    from .site import build

    try:
        build.serve(handbook_root(args.root), audience=args.max_sensitivity, as_of=parse_as_of(args.as_of, default_today=False),
                    dev_addr=args.dev_addr, generator=args.generator)
    except build.BuildError as exc:
        print(f"opsbook: 站点预览失败：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        raise UsageError(f"无法在 {args.dev_addr} 启动预览：{_os_reason(exc)}（可用 --dev-addr 127.0.0.1:8001 换一个端口）") from None
    return EXIT_OK


AUDIENCES = SENSITIVITY_LEVELS  # a reader sees up to one sensitivity level


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="opsbook", description="证券期货业信息系统运维管理手册（JR/T 0099-2012）检查与站点构建")
    p.add_argument("--root", default=".", help="手册目录（默认当前目录）")
    p.add_argument("--debug", action="store_true", help="内部错误时显示完整的 Python 调用栈（用于报告问题）")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, help="手册目录（默认当前目录）")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    c = sub.add_parser("check", parents=[common], help="检查文档与台账，报告发现")
    c.add_argument("--as-of", help="检查日期 YYYY-MM-DD（默认环境变量 OPSBOOK_AS_OF，否则上海时间今天）")
    c.add_argument("--format", choices=sorted(REPORTERS), default="text", help="输出格式")
    c.add_argument("--output", "-o", help="写入文件（UTF-8），而不是标准输出")
    c.add_argument("--base", metavar="REV", help="合并请求评审：与 REV（和 HEAD 的共同祖先）比较，每个发现标为新增、已有或已修复，"
                   "并运行读取历史的规则")
    c.add_argument("--changed-since", metavar="REV", help="--base 的旧名，含义相同")
    c.add_argument("--fail-on", choices=("new", "all"), help="哪些错误使门禁失败：new 只算新增的（给出 --base 时的默认），all 全部")
    c.add_argument("--since", metavar="REV", help="审计：对 REV 之后的每个提交运行读取历史的规则")
    c.add_argument("--site-url", help="站点地址，SARIF 中的规则链接到站点上的规则页")
    c.add_argument("--rev", metavar="REV", help="检查 REV（标签、提交或 @{2026-06-30}）时提交的手册，不改动工作区；--as-of 默认为该提交的日期")
    c.set_defaults(func=cmd_check)

    r = sub.add_parser("rules", parents=[common], help="列出规则目录")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(func=cmd_rules)

    k = sub.add_parser("clauses", parents=[common], help="列出条款目录及其覆盖与状态")
    k.add_argument("--format", choices=("text", "json"), default="text")
    k.add_argument("--as-of", help="检查日期 YYYY-MM-DD")
    k.set_defaults(func=cmd_clauses)

    b = sub.add_parser("build", parents=[common], help="构建内网站点")
    b.add_argument("--site-dir", default="site", help="输出目录（默认 site/）")
    add_audience(b)
    b.add_argument("--as-of", help="检查日期 YYYY-MM-DD")
    b.add_argument("--strict", action="store_true", help="mkdocs 警告视为错误")
    b.add_argument("--site-url", help="站点发布后的内网地址（如 http://opsbook.intra/internal/），用于生成完整的站点地图")
    b.add_argument("--generator", choices=("mkdocs", "zensical"), default="mkdocs", help="站点生成器（默认 mkdocs-material）")
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("serve", parents=[common], help="本地预览站点")
    add_audience(s)
    s.add_argument("--as-of", help="检查日期 YYYY-MM-DD")
    s.add_argument("--dev-addr", default="127.0.0.1:8000")
    s.add_argument("--generator", choices=("mkdocs", "zensical"), default="mkdocs")
    s.set_defaults(func=cmd_serve)

    for module in _command_modules():
        module.register(sub, common)
    return p


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    """The parser, made once per process (parsing never changes it; a program or test calling main() often
    would otherwise build it each time)."""
    return parser()


def _command_modules() -> list:
    from . import commands

    return [importlib.import_module(f"{commands.__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name)
            if not info.name.startswith("_")]


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        from .reporters import clean

        print(f"opsbook: {clean(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (| head): not a failure to report
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # never a bare traceback: say it is ours, and how to report it
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(internal_error(exc, debug=getattr(args, "debug", False)), file=sys.stderr)
        return EXIT_USAGE


def internal_error(exc: BaseException, debug: bool = False) -> str:
    """The message for a failure of opsbook itself (not of the handbook), exit code 2."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("opsbook")
    except PackageNotFoundError:
        release = "未安装"
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f"，位置 {Path(where.filename).name}:{where.lineno}" if where else ""
    how = "请把以上调用栈" if debug else "请加 --debug 重新运行，把输出的调用栈"
    return (f"opsbook: 内部错误（{type(exc).__name__}: {exc}{place}）。这是 opsbook 自身的缺陷，不是手册内容的问题；"
            f"{how}连同所用命令和 opsbook 版本（{release}）报告给 opsbook 维护者。")


if __name__ == "__main__":
    sys.exit(main())
