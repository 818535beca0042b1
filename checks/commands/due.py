"""``opsbook due``: what is due — every obligation of the dated rules, with its next date and owner.

Overdue ones first, then by date.  ``--format ics`` writes an iCalendar feed (one event per
obligation, stable UIDs) that Outlook or a phone can subscribe to.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from .. import obligations
from ..dates import SHANGHAI

FORMATS = ("text", "json", "csv", "ics")
CSV_COLUMNS = (("due", "到期日"), ("days_left", "剩余天数"), ("what", "事项"), ("owner_name", "负责人"),
               ("owner", "负责人编号"), ("record", "记录"), ("file", "文件"), ("line", "行"),
               ("rule", "规则"), ("clause", "条款"), ("cycle", "周期"), ("chapter", "章节"))


def register(sub, common) -> None:
    p = sub.add_parser("due", parents=[common], help="列出到期事项（下次到期日、负责人），可导出日历")
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD（默认上海时间今天；示例手册用其固定日期）")
    p.add_argument("--within", type=int, default=30, metavar="DAYS", help="列出多少天内到期的事项（默认 30；逾期的总会列出）")
    p.add_argument("--owner", metavar="PERSON", help="只列出此人负责的事项（人员编号或姓名）")
    p.add_argument("--format", choices=FORMATS, default="text", help="输出格式（ics：iCalendar 日历订阅）")
    p.add_argument("--site-url", help="站点的内网地址，日历事件据此链接到记录所在页面")
    p.add_argument("--alarm-days", type=int, default=3, metavar="DAYS", help="日历提醒提前的天数（默认 3）")
    p.add_argument("--output", "-o", help="写入文件（UTF-8），而不是标准输出")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..cli import UsageError, emit, load_working_tree

    if args.within < 0:
        raise UsageError("--within 应为不小于 0 的天数")
    if args.alarm_days < 0:
        raise UsageError("--alarm-days 应为不小于 0 的天数")
    handbook = load_working_tree(args)
    if args.owner and args.owner not in handbook.staff and not any(
            p.get("name") == args.owner for p in handbook.staff.values()):
        raise UsageError(f"--owner：人员台账中没有“{args.owner}”（可写人员编号或姓名）")
    items = obligations.within(obligations.collect(handbook), handbook.as_of, args.within, args.owner)
    render = {"text": text, "json": as_json, "csv": as_csv, "ics": ics}[args.format]
    output = render(handbook, items, args)
    if args.format == "ics" and args.output:
        from pathlib import Path

        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_bytes(output)
    elif args.format == "ics":
        import sys

        sys.stdout.buffer.write(output)
        sys.stdout.flush()
    else:
        emit(output, args.output)
    return 0


def _when(d) -> str:
    if d.days_left < 0:
        return f"逾期 {-d.days_left} 天"
    if d.days_left == 0:
        return "今天到期"
    return f"{d.days_left} 天后"


def _sample(handbook) -> str:
    return f"（示例手册，检查日期固定为 {handbook.sample_date.isoformat()}）" if handbook.sample_date else ""


def text(handbook, items, args) -> str:
    lines = [f"{d.due.isoformat()}  {_when(d):<8}  {d.what}  负责人：{d.owner_name}  "
             f"{d.file}:{d.line or 1}  {d.rule} {d.clause or ''}".rstrip() for d in items]
    overdue = sum(1 for d in items if d.overdue)
    who = f"，负责人 {args.owner}" if args.owner else ""
    lines.append(f"截至 {handbook.as_of.isoformat()}{_sample(handbook)}：{args.within} 天内到期 {len(items) - overdue} 项，"
                 f"已逾期 {overdue} 项{who}。")
    return "\n".join(lines) + "\n"


def as_json(handbook, items, args) -> str:
    data = {"as_of": handbook.as_of.isoformat(), "within_days": args.within, "owner": args.owner,
            "obligations": [d.as_dict() for d in items]}
    if handbook.sample_date:
        data["sample_date"] = handbook.sample_date.isoformat()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_csv(handbook, items, args) -> str:
    """CSV with a BOM and Chinese headers, so that Excel on Windows opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([zh for _, zh in CSV_COLUMNS])
    for d in items:
        row = d.as_dict()
        writer.writerow(["" if row[key] is None else row[key] for key, _ in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


def record_page(due, site_url: str | None) -> str | None:
    """The address of the record's page on the site (``use_directory_urls: false``), or None."""
    if not site_url:
        return None
    base = site_url.rstrip("/") + "/"
    if due.file.startswith("registers/"):
        name = due.file.split("/", 1)[1].rsplit(".", 1)[0]
        return base + f"registers/{name}.html" + (f"#{due.record}" if due.record else "")
    if due.file.startswith("docs/") and due.file.endswith(".md"):
        return base + due.file[len("docs/"):-3] + ".html"
    return None


def ics(handbook, items, args) -> bytes:
    return feed(handbook, items, site_url=args.site_url, alarm_days=args.alarm_days,
                name="运维到期事项" + (f"（{args.owner}）" if args.owner else ""))


def feed(handbook, items, site_url: str | None = None, alarm_days: int = 3, name: str = "运维到期事项",
         events: dict | None = None) -> bytes:
    """An iCalendar feed: one all-day event per obligation on its due date, with an alarm before it.

    The UID stays the same while the obligation and its due date do, so a subscribed calendar updates
    its events; once an obligation is met its due date moves on, and the old event disappears.
    ``events`` (optional, for several feeds of the same obligations, site URL and alarm): each obligation's
    event, kept there as written, is written once."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//opsbook//运维到期事项//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    # the feed's time stamp is the check date (not the clock), so two builds of the same data are identical
    stamp = dt.datetime.combine(handbook.as_of, dt.time(0, 0), SHANGHAI).astimezone(dt.timezone.utc)
    events = {} if events is None else events
    written = []
    for d in items:
        if d not in events:
            events[d] = _event(d, stamp, site_url, alarm_days).to_ical()
        written.append(events[d])
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    if not head.endswith(end):
        raise RuntimeError("icalendar wrote a calendar that does not end with END:VCALENDAR")
    return head[:-len(end)] + b"".join(written) + end  # as Calendar.to_ical writes its events, in order


def _event(d, stamp, site_url: str | None, alarm_days: int):
    from icalendar import Alarm, Event

    event = Event()
    event.add("uid", d.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", d.due)
    event.add("dtend", d.due + dt.timedelta(days=1))
    event.add("summary", ("【已逾期】" if d.overdue else "") + d.what)
    lines = [f"负责人：{d.owner_name}", f"到期日：{d.due.isoformat()}"]
    if d.cycle:
        lines.append(f"周期：{d.cycle}")
    lines.append(f"规则：{d.rule} {d.rule_title}")
    if d.clause:
        lines.append(f"条款：{d.clause}（JR/T 0099-2012 {d.chapter}）")
    lines.append(f"记录：{d.file}:{d.line or 1}")
    url = record_page(d, site_url)
    if url:
        lines.append(f"链接：{url}")
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("categories", [d.chapter or "运维"])
    if d.overdue:
        event.add("priority", 1)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{d.what}（{d.due.isoformat()} 到期）")
    alarm.add("trigger", dt.timedelta(days=-alarm_days))
    event.add_component(alarm)
    return event
