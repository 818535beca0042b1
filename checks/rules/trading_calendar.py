"""交易日历：已知交易日历的覆盖期限，以及交易日历补充台账的合理性。

“不得在交易时段进行变更实施”“交易时段不得使用生产环境进行测试”等检查都依赖交易日历：
交易日来自 exchange-calendars（上交所 XSHG），以后年度的休市安排由 registers/calendar.yaml 补充。
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from .. import dates
from ..calendar import EXCHANGE, package_version, read_sessions
from ..findings import Hit
from ..obligations import Obligation
from ..model import Location
from . import rule

CHAPTER = "交易日历"
REGISTER = "registers/calendar.yaml"


@rule("CAL001", name="calendar-horizon", title="交易日历即将到期时补录交易所公告的休市安排", clause="change-5",
      severity="warning", dated=True)
def calendar_horizon(handbook):
    """
    ## 检查什么
    已知交易日历（exchange-calendars 内置的上交所休市安排，加上 `registers/calendar.yaml` 的
    `announced_years` 中连续补录的年度）的最后一天，距检查日期不足若干天（机构设置
    `settings.calendar_warning_days`，默认 60 天）时提醒（警告）；检查日期已超出已知日历时，
    提醒升级为错误：此后的交易状态未知，依赖交易日历的检查已无法判断。

    ## 为什么
    标准要求：“变更审批人应确定变更实施时间窗口，除紧急变更外，不得在交易时段进行变更实施。”
    生产环境测试同样“交易时段不得使用生产环境进行测试”。判断一个窗口是否在交易时段，需要知道
    那天是不是交易日。超出已知日历的工作日，检查器既不假定它是交易日，也不假定它休市：依赖交易日历的
    规则（变更和生产环境测试的时段、每交易日备份、巡检、每日分析）对这些日子只给出警告，
    说明缺少哪一年的休市安排，直到补录为止。交易所通常在每年年底前后公布下一年度的休市安排。

    ## 如何修复
    交易所公布下一年度休市安排后，把公告中的休市日期（只列周一至周五）加入
    `registers/calendar.yaml` 的 `announced_years`；升级 exchange-calendars 后，已收录的年度可以删除。
    公告尚未发布、检查日期仍在已知日历之内时，这条提醒是正常的，不必处理。

    ## 示例
    ```yaml
    announced_years:
      - year: 2027
        source: 上海证券交易所关于 2027 年部分节假日休市安排的通知
        published: 2026-12-20
        holidays: [2027-01-01, 2027-02-08, 2027-02-09]   # 按公告逐日填写
    ```
    """
    calendar = handbook.calendar
    warning_days = handbook.settings.calendar_warning_days
    known_until = calendar.known_until
    left = (known_until - handbook.as_of).days
    next_year = known_until.year + 1
    if known_until == calendar.package_last:
        basis = f"exchange-calendars {package_version()} 内置的上交所 {EXCHANGE} 休市安排"
    else:
        first = calendar.package_last.year + 1
        years = f"{first} 年" if first == known_until.year else f"{first}–{known_until.year} 年"
        basis = f"exchange-calendars 内置数据及 {REGISTER} 补录的 {years}休市公告"
    if left >= 0:
        state = f"已知交易日历只到 {known_until}（{basis}），距检查日期 {handbook.as_of} 还有 {left} 天（提前 {warning_days} 天提醒）"
        action = (f"交易所公布 {next_year} 年休市安排后，请把公告中的 {next_year} 年休市日期加入 {REGISTER} 的 "
                  f"announced_years（year: {next_year}、source 公告名称、holidays 休市日期）；"
                  f"在此之前，{next_year} 年各工作日是否为交易日未知，依赖交易日历的检查对这些日子只给出警告")
    else:
        state = f"已知交易日历只到 {known_until}（{basis}），检查日期 {handbook.as_of} 已超出 {-left} 天"
        action = (f"{next_year} 年的交易日未知：变更和测试是否在交易时段、每交易日的备份和分析是否齐全都无法判断。"
                  f"请立即把交易所公告的 {next_year} 年休市日期加入 {REGISTER} 的 announced_years"
                  f"（year: {next_year}、source 公告名称、holidays 休市日期），或升级 exchange-calendars")
    root = handbook.root_of("calendar")
    where = root.at("announced_years") if root is not None else Location(REGISTER, None)
    # the obligation: next year's closures recorded before the known calendar ends (then an error) …
    yield Obligation(f"补录 {next_year} 年交易所休市安排", known_until, where, f"{state}。{action}" if left < 0 else "",
                     cycle="每年", key=f"calendar|{next_year}", severity="error")
    # … and a warning in the weeks before
    if 0 <= left < warning_days:
        yield Hit(where, f"{state}。{action}", severity="warning")


def _weekday(day: dt.date) -> str:
    return "周六" if day.weekday() == 5 else "周日"


@rule("CAL002", name="calendar-register", title="交易日历补充台账的休市日期和交易时段合理", clause="change-5",
      needs=("calendar",))
def calendar_register(handbook):
    """
    ## 检查什么
    `registers/calendar.yaml` 中：

    - `announced_years` 每个年度只出现一次，写明公告 `source`，并列出休市日期 `holidays`；
    - 每个休市日期都在所属年度内、是周一至周五（周末本来就休市，列出周末多半是日期写错了）、不重复；
    - exchange-calendars 已收录的年度，所列休市日期与它一致（不一致时以交易所公告为准写入 `closures`）；
    - `trading_hours` 每个时段的结束时间晚于开始时间（日盘不跨零点），时段之间不重叠；
    - `night_sessions` 的开始时间在日盘收市之后。

    ## 为什么
    标准要求：“变更审批人应确定变更实施时间窗口，除紧急变更外，不得在交易时段进行变更实施。”
    交易时段的判断以这份台账为依据：写错年份的休市日不会生效，节假日里的窗口会被当作交易时段；
    写错的时段会让真正的交易时段漏检。

    ## 如何修复
    按交易所公告核对日期和时段。

    ## 示例
    ```yaml
    trading_hours:
      - name: 上午交易时段（含开盘集合竞价）
        start: "09:15"
        end: "11:30"
      - name: 下午交易时段（含盘后固定价格交易）
        start: "13:00"
        end: "15:30"
    ```
    """
    root = handbook.root_of("calendar")
    calendar = handbook.calendar
    years = root.records("announced_years")
    counts = Counter(y.get("year") for y in years)
    reported_years = set()
    for entry in years:
        year = entry.get("year")
        if counts[year] > 1 and year not in reported_years:
            reported_years.add(year)
            yield Hit(entry.at("year"), f"{year} 年在 announced_years 中出现了 {counts[year]} 次，请合并为一项")
        if _is_blank(entry.get("source")):
            yield Hit(entry.at("year"), f"{year} 年的休市安排没有写明公告（source）")
        holidays = entry.items("holidays")
        if not holidays:
            yield Hit(entry.at("year"), f"{year} 年没有列出休市日期（holidays）；每年都有落在工作日的节假日休市，请按公告填写")
        seen = set()
        for value, where in holidays:
            day = dates.as_date(value)
            if day is None:
                continue
            if day in seen:
                yield Hit(where, f"{year} 年的休市日期 {day} 重复")
                continue
            seen.add(day)
            if isinstance(year, int) and day.year != year:
                yield Hit(where, f"休市日期 {day} 不在 {year} 年内（列在 {year} 年的公告下），是否写错了年份？")
            elif day.weekday() >= 5:
                yield Hit(where, f"{year} 年的休市日期 {day} 是{_weekday(day)}：周末本来就休市，不必列出，是否写错了日期？")
            elif calendar.package_first <= day <= calendar.package_last and day in calendar.sessions:
                yield Hit(where, f"{day} 在 exchange-calendars 中是交易日，与所列休市安排不一致；"
                                 "该年度以 exchange-calendars 为准，确属临时休市请写入 closures")
    for session in root.records("trading_hours"):
        start, end = dates.as_time(session.get("start")), dates.as_time(session.get("end"))
        if start and end and end <= start:
            yield Hit(session.at("end"), f"交易时段“{session.get('name', '')}”的结束时间 {session.get('end')} 不晚于开始时间 "
                                         f"{session.get('start')}：日盘时段不能跨零点，该时段不会生效")
    day_sessions = sorted((s for s in read_sessions(root.records("trading_hours")) if not s.overnight),
                          key=lambda s: (s.start, s.end))
    for earlier, later in zip(day_sessions, day_sessions[1:]):
        if later.start < earlier.end:
            where = next((s.at("start") for s in root.records("trading_hours")
                          if dates.as_time(s.get("start")) == later.start), root.at("trading_hours"))
            yield Hit(where, f"交易时段“{later.name}”与“{earlier.name}”重叠")
    close = max((s.end for s in (day_sessions or calendar.day_sessions) if not s.overnight), default=None)
    for session in root.records("night_sessions"):
        start = dates.as_time(session.get("start"))
        if start and close and start < close:
            yield Hit(session.at("start"), f"夜盘“{session.get('name', '')}”的开始时间 {session.get('start')} 早于日盘收市 "
                                           f"{close:%H:%M}：夜盘应在晚间开始")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
