"""``opsbook report``: documents to file with the regulator, from the registers (.docx and PDF)."""

from __future__ import annotations

from ..cli import UsageError, handbook_root, parse_as_of


def register(sub, common) -> None:
    p = sub.add_parser("report", parents=[common], help="生成报送监管机构的文件（Word 与 PDF）")
    kinds = p.add_subparsers(dest="report", required=True)

    def add(name, help_text):
        k = kinds.add_parser(name, parents=[common], help=help_text)
        k.add_argument("-o", "--output", default="reports", help="输出目录（默认 reports/）")
        k.add_argument("--format", choices=("docx", "pdf", "both"), default="both", help="输出格式（默认两者）")
        k.add_argument("--as-of", help="报告日期 YYYY-MM-DD（默认上海时间今天）")
        return k

    d = add("drills", "年度应急演练情况报告（向住所地证监局报告）")
    d.add_argument("--year", type=int, help="报告年度（默认上一年）")
    d.set_defaults(func=cmd_report)
    i = add("incident", "事件报告：初报、续报、事件总结报告、补充报告")
    i.add_argument("incident", metavar="INC-ID", help="事件编号，如 INC-2026-001")
    i.add_argument("--kind", required=True, choices=("initial", "follow-up", "summary", "supplementary"),
                   help="initial 初报 / follow-up 续报 / summary 事件总结报告 / supplementary 补充报告")
    i.set_defaults(func=cmd_report)
    f = add("plan-filing", "应急预案报备表（预案发生重大变化后报备）")
    f.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    from .. import engine, filings
    from .pdf import printed

    root = handbook_root(args.root)
    handbook = engine.load(root, parse_as_of(args.as_of, default_today=False))
    commit = filings.commit_label(handbook)
    try:
        if args.report == "drills":
            filing = filings.drill_report(handbook, args.year or handbook.as_of.year - 1, commit)
        elif args.report == "incident":
            filing = filings.incident_report(handbook, args.incident, args.kind, commit)
        else:
            filing = filings.plan_filing(handbook, commit)
    except filings.FilingError as exc:
        raise UsageError(str(exc)) from None
    formats = ("docx", "pdf") if args.format == "both" else (args.format,)
    return printed(lambda: filings.write(filing, args.output, formats))
