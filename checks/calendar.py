"""The trading calendar: trading days and hours in Asia/Shanghai.

Trading days and day-session hours come from exchange-calendars (XSHG).  The
register ``registers/calendar.yaml`` adds what the package does not know yet:
holidays the exchanges have announced for years beyond the package's data,
extra closures, the firm's own trading-hours window (for example from the
09:15 call auction) and futures night sessions, where the firm trades them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from . import dates

EXCHANGE = "XSHG"
DAY = dt.timedelta(days=1)


@lru_cache(maxsize=1)
def _package_calendar():
    """(set of XSHG sessions, first known day, last known day) from exchange-calendars."""
    import exchange_calendars as xcals

    cls = xcals.get_calendar(EXCHANGE).__class__
    holidays = cls.precomputed_holidays()
    last_year = max(h.year for h in holidays)
    first = dt.date(2000, 1, 1)
    last = dt.date(last_year, 12, 31)
    calendar = xcals.get_calendar(EXCHANGE, start=first.isoformat(), end=last.isoformat())
    sessions = {ts.date() for ts in calendar.sessions}
    return frozenset(sessions), first, last


@dataclass(frozen=True)
class Session:
    start: dt.time
    end: dt.time  # may be earlier than start: the session runs past midnight
    name: str = ""


@dataclass
class TradingCalendar:
    sessions: frozenset
    package_first: dt.date
    package_last: dt.date
    # from registers/calendar.yaml
    extra_years: dict = field(default_factory=dict)  # year -> set of announced holidays (weekdays closed)
    extra_closures: set = field(default_factory=set)
    day_sessions: tuple = (Session(dt.time(9, 30), dt.time(11, 30), "上午"), Session(dt.time(13, 0), dt.time(15, 0), "下午"))
    night_sessions: tuple = ()

    @classmethod
    def from_handbook(cls, handbook) -> "TradingCalendar":
        sessions, first, last = _package_calendar()
        cal = cls(sessions, first, last)
        root = handbook.root_of("calendar")
        if root is None:
            return cal
        for year in root.records("announced_years"):
            days = {dates.as_date(d) for d in year.get("holidays", [])}
            cal.extra_years[int(year["year"])] = {d for d in days if d}
        cal.extra_closures = {dates.as_date(c.get("date")) for c in root.records("closures")} - {None}
        hours = root.records("trading_hours")
        if hours:
            cal.day_sessions = tuple(
                Session(dates.as_time(h.get("start")), dates.as_time(h.get("end")), h.get("name", ""))
                for h in hours if dates.as_time(h.get("start")) and dates.as_time(h.get("end"))
            )
        cal.night_sessions = tuple(
            Session(dates.as_time(n.get("start")), dates.as_time(n.get("end")), n.get("name", ""))
            for n in root.records("night_sessions") if dates.as_time(n.get("start")) and dates.as_time(n.get("end"))
        )
        return cal

    # -- what is known -----------------------------------------------------
    @property
    def known_until(self) -> dt.date:
        """The last day whose trading status is known."""
        last = self.package_last
        year = last.year + 1
        while year in self.extra_years:
            last = dt.date(year, 12, 31)
            year += 1
        return last

    def knows(self, day: dt.date) -> bool:
        return self.package_first <= day <= self.known_until

    # -- trading days ------------------------------------------------------
    def is_trading_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a trading day.  Beyond the known calendar, weekdays count
        as trading days (the cautious assumption for changes and tests)."""
        if day in self.extra_closures:
            return False
        if self.package_first <= day <= self.package_last:
            return day in self.sessions
        if day.weekday() >= 5:
            return False
        return day not in self.extra_years.get(day.year, set())

    def trading_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Trading days from start to end, both included."""
        out, day = [], start
        while day <= end:
            if self.is_trading_day(day):
                out.append(day)
            day += DAY
        return out

    def previous_trading_day(self, day: dt.date) -> dt.date:
        day -= DAY
        while not self.is_trading_day(day):
            day -= DAY
        return day

    def next_trading_day(self, day: dt.date) -> dt.date:
        day += DAY
        for _ in range(40):
            if self.is_trading_day(day):
                return day
            day += DAY
        return day

    # -- trading hours -----------------------------------------------------
    def has_night_session(self, day: dt.date) -> bool:
        """A futures night session runs on the evening of a trading day when the
        next trading day follows with no holiday between (weekends aside)."""
        if not self.night_sessions or not self.is_trading_day(day):
            return False
        nxt = self.next_trading_day(day)
        between = [day + DAY * i for i in range(1, (nxt - day).days)]
        return all(d.weekday() >= 5 for d in between)

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime, str]]:
        """The trading intervals that start on ``day`` (night sessions may end on the next day)."""
        out = []
        if self.is_trading_day(day):
            for s in self.day_sessions:
                out.append((dt.datetime.combine(day, s.start), dt.datetime.combine(day, s.end), s.name or "日盘"))
        if self.has_night_session(day):
            for s in self.night_sessions:
                end_day = day + DAY if s.end <= s.start else day
                out.append((dt.datetime.combine(day, s.start), dt.datetime.combine(end_day, s.end), s.name or "夜盘"))
        return out

    def trading_overlap(self, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime, str] | None:
        """The first trading interval that the window [start, end) overlaps, or None."""
        if end <= start:
            end = start + dt.timedelta(minutes=1)
        day = start.date() - DAY
        while day <= end.date():
            for a, b, name in self.intervals(day):
                if a < end and start < b:
                    return a, b, name
            day += DAY
        return None
