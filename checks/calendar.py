"""The trading calendar: trading days and hours in Asia/Shanghai.

Trading days and day-session hours come from exchange-calendars (XSHG).  The
register ``registers/calendar.yaml`` adds what the package does not know yet:
holidays the exchanges have announced for years beyond the package's data,
extra closures, the firm's own trading-hours window (for example from the
09:15 call auction) and futures night sessions, where the firm trades them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import dates

EXCHANGE = "XSHG"
DAY = dt.timedelta(days=1)
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# How far the day-by-day searches look before giving up (no real calendar closes this long).
MAX_CLOSED_RUN = 60


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed exchange-calendars version, for messages (read once: the package does not change while
    opsbook runs)."""
    try:
        from importlib.metadata import version

        return version("exchange_calendars")
    except Exception:  # pragma: no cover - metadata missing
        return "?"


@lru_cache(maxsize=1)
def _package_calendar():
    """(set of XSHG sessions, first known day, last known day) from exchange-calendars.

    Reading them needs pandas (most of a check's start-up time), so the result is kept in the user's
    cache folder, one file per exchange-calendars version: the next run reads the file instead."""
    version = package_version()
    cached = _read_cached_sessions(version)
    if cached is not None:
        return cached
    import exchange_calendars as xcals

    with warnings.catch_warnings():  # pandas deprecation noise from inside the package
        warnings.simplefilter("ignore")
        cls = xcals.get_calendar(EXCHANGE).__class__
        holidays = cls.precomputed_holidays()
        last_year = max(h.year for h in holidays)
        first = dt.date(2000, 1, 1)
        last = dt.date(last_year, 12, 31)
        calendar = xcals.get_calendar(EXCHANGE, start=first.isoformat(), end=last.isoformat())
        sessions = {ts.date() for ts in calendar.sessions}
    result = frozenset(sessions), first, last
    _write_cached_sessions(version, result)
    return result


def cache_dir() -> Path:
    """Where opsbook keeps what it derives from its pinned packages (``OPSBOOK_CACHE_DIR`` overrides)."""
    if os.environ.get("OPSBOOK_CACHE_DIR"):
        return Path(os.environ["OPSBOOK_CACHE_DIR"])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "opsbook" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "opsbook"


def _cache_file(version: str) -> Path:
    return cache_dir() / f"{EXCHANGE.lower()}-sessions-{re.sub(r'[^0-9A-Za-z.]', '_', version)}.json"


def _read_cached_sessions(version: str):
    """The cached sessions of this package version, or None (missing, unreadable or not as written)."""
    try:
        data = json.loads(_cache_file(version).read_text(encoding="utf-8"))
        if data.get("version") != version or data.get("exchange") != EXCHANGE:
            return None
        first, last = dt.date.fromisoformat(data["first"]), dt.date.fromisoformat(data["last"])
        sessions = frozenset(first + dt.timedelta(days=offset) for offset in data["sessions"])
        if not sessions or min(sessions) < first or max(sessions) > last:
            return None
        return sessions, first, last
    except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return None


def _write_cached_sessions(version: str, result) -> None:
    sessions, first, last = result
    data = {"exchange": EXCHANGE, "version": version, "first": first.isoformat(), "last": last.isoformat(),
            "sessions": sorted((day - first).days for day in sessions)}
    target = _cache_file(version)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    except OSError:  # a read-only home: every run asks the package, as before
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


@dataclass(frozen=True)
class Session:
    start: dt.time
    end: dt.time  # may be earlier than start: the session runs past midnight
    name: str = ""

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


def read_sessions(records) -> tuple:
    """Sessions from register records with a readable start and end (others are skipped)."""
    out = []
    for rec in records:
        start, end = dates.as_time(rec.get("start")), dates.as_time(rec.get("end"))
        if start and end:
            name = rec.get("name", "")
            out.append(Session(start, end, name if isinstance(name, str) else str(name)))
    return tuple(out)


def describe(interval) -> str:
    """“2026-03-12（周四）下午交易时段 13:00–15:00” for an interval from ``intervals``/``trading_overlap``."""
    start, end, name = interval
    next_day = "次日 " if end.date() > start.date() else ""
    return (f"{start.date().isoformat()}（{WEEKDAYS_ZH[start.weekday()]}）{name} "
            f"{start:%H:%M}–{next_day}{end:%H:%M}")


@dataclass
class TradingCalendar:
    sessions: frozenset
    package_first: dt.date
    package_last: dt.date
    # from registers/calendar.yaml
    extra_years: dict = field(default_factory=dict)  # year -> set of announced holidays (weekdays closed)
    extra_closures: set = field(default_factory=set)
    day_sessions: tuple = (
        Session(dt.time(9, 30), dt.time(11, 30), "上午交易时段"),
        Session(dt.time(13, 0), dt.time(15, 0), "下午交易时段"),
    )
    night_sessions: tuple = ()

    @classmethod
    def from_handbook(cls, handbook) -> "TradingCalendar":
        """The package's calendar plus what ``registers/calendar.yaml`` adds.

        Never raises on odd register content: entries that cannot be read are
        left out (the schema and CAL002 report them)."""
        sessions, first, last = _package_calendar()
        cal = cls(sessions, first, last)
        root = handbook.root_of("calendar")
        if root is None:
            return cal
        for year in root.records("announced_years"):
            number = year.get("year")
            if not isinstance(number, int) or isinstance(number, bool):
                continue
            holidays = year.get("holidays", [])
            days = {dates.as_date(d) for d in holidays} if isinstance(holidays, list) else set()
            cal.extra_years.setdefault(number, set()).update(d for d in days if d)
        cal.extra_closures = {dates.as_date(c.get("date")) for c in root.records("closures")} - {None}
        day_sessions = read_sessions(root.records("trading_hours"))
        written = root.get("trading_hours")
        if day_sessions and isinstance(written, list) and len(day_sessions) < len(written):
            # An entry could not be read (the schema reports it): keep the exchange's own
            # hours as well, so that no trading hour goes unchecked meanwhile.
            day_sessions = tuple(sorted(set(cal.day_sessions) | set(day_sessions), key=lambda s: (s.start, s.end)))
        if day_sessions:
            cal.day_sessions = day_sessions
        cal.night_sessions = read_sessions(root.records("night_sessions"))
        return cal

    # -- what is known -----------------------------------------------------
    @property
    def known_until(self) -> dt.date:
        """The last day of the unbroken known calendar (the package, then announced years)."""
        last = self.package_last
        year = last.year + 1
        while year in self.extra_years:
            last = dt.date(year, 12, 31)
            year += 1
        return last

    def knows(self, day: dt.date) -> bool:
        """Whether the trading status of ``day`` is known (weekends are always known: closed)."""
        return self.status(day) is not None

    def source_of(self, day: dt.date) -> str:
        """Where the trading status of ``day`` comes from, in Chinese (for messages and the site)."""
        if day in self.extra_closures:
            return "registers/calendar.yaml 的临时休市（closures）"
        if self.package_first <= day <= self.package_last:
            return f"exchange-calendars {package_version()}（{EXCHANGE}）"
        if day.year in self.extra_years:
            return f"registers/calendar.yaml 中 {day.year} 年的休市公告（announced_years）"
        if day.weekday() >= 5:
            return "周末（交易所周末不开市）"
        return f"未知：{day.year} 年的休市安排尚未补录，超出已知交易日历"

    # -- trading days ------------------------------------------------------
    def status(self, day: dt.date) -> bool | None:
        """True for a trading day, False for a closed day, None when unknown: a weekday past
        the known calendar, whose year's holidays are neither in the package nor announced."""
        if day in self.extra_closures:
            return False
        if self.package_first <= day <= self.package_last:
            return day in self.sessions
        if day.weekday() >= 5:
            return False
        if day.year in self.extra_years:
            return day not in self.extra_years[day.year]
        return None

    def is_trading_day(self, day: dt.date) -> bool:
        """Whether ``day`` is known to be a trading day.  A day whose status is unknown is
        never assumed to be one: rules that depend on it use ``unknown_days`` and say so."""
        return self.status(day) is True

    def unknown_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The days from start to end (both included) whose trading status is unknown."""
        out, day = [], start
        while day <= end:
            if self.status(day) is None:
                out.append(day)
            day += DAY
        return out

    def unknown_note(self, days) -> str:
        """“2027 年的休市安排尚未补录（已知交易日历只到 2026-12-31）” for messages about unknown days."""
        years = sorted({d.year for d in days})
        named = "、".join(f"{y} 年" for y in years)
        return (f"{named}的休市安排尚未补录（已知交易日历只到 {self.known_until}，"
                f"交易所公告后录入 registers/calendar.yaml 的 announced_years）")

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
        for _ in range(MAX_CLOSED_RUN):
            if self.is_trading_day(day):
                return day
            day -= DAY
        return day

    def next_trading_day(self, day: dt.date) -> dt.date:
        day += DAY
        for _ in range(MAX_CLOSED_RUN):
            if self.is_trading_day(day):
                return day
            day += DAY
        return day

    # -- trading hours -----------------------------------------------------
    def has_night_session(self, day: dt.date) -> bool:
        """A futures night session runs on the evening of a trading day when the
        next trading day follows with no holiday between (weekends aside).  When a day
        between is unknown, so is the night session: it is not assumed (``uncertain``)."""
        if not self.night_sessions or not self.is_trading_day(day):
            return False
        return self._status_after_weekend(day) is True

    def _status_after_weekend(self, day: dt.date) -> bool | None:
        """The trading status of the first day after ``day`` that is not a closed weekend day."""
        following = day + DAY
        while following.weekday() >= 5 and self.status(following) is False:
            following += DAY
        return self.status(following)

    def uncertain(self, day: dt.date) -> bool:
        """Whether the trading intervals that start on ``day`` are unknown: the day itself is
        unknown, or it is a trading day with night sessions and the next day is unknown."""
        if self.status(day) is None:
            return True
        if not self.night_sessions or not self.is_trading_day(day):
            return False
        return self._status_after_weekend(day) is None

    def uncertain_days(self, start: dt.datetime, end: dt.datetime | None = None) -> list[dt.date]:
        """The days whose unknown trading intervals the window [start, end) could overlap."""
        if end is None or end <= start:
            end = start + dt.timedelta(minutes=1)
        out, day = [], start.date() - DAY
        while day <= end.date():
            if self.uncertain(day) and (day >= start.date() or self.night_sessions):
                out.append(day)
            day += DAY
        return out

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime, str]]:
        """The trading intervals that start on ``day`` (night sessions may end on the next day)."""
        out = []
        if self.is_trading_day(day):
            for s in self.day_sessions:
                if s.overnight:  # a day session cannot run past midnight: misconfigured, CAL002 says so
                    continue
                out.append((dt.datetime.combine(day, s.start), dt.datetime.combine(day, s.end), s.name or "交易时段"))
        if self.has_night_session(day):
            for s in self.night_sessions:
                end_day = day + DAY if s.overnight else day
                out.append((dt.datetime.combine(day, s.start), dt.datetime.combine(end_day, s.end), s.name or "夜盘"))
        return sorted(out)

    def trading_overlap(self, start: dt.datetime, end: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime, str] | None:
        """The first trading interval that the window [start, end) overlaps, or None.

        A window without an end, or whose end is not after its start, is taken as
        the single minute at ``start`` (the rules report the bad end separately)."""
        if end is None or end <= start:
            end = start + dt.timedelta(minutes=1)
        day = start.date() - DAY  # a night session of the day before may still be running
        while day <= end.date():
            for a, b, name in self.intervals(day):
                if a < end and start < b:
                    return a, b, name
            day += DAY
        return None

    def trading_overlaps(self, start: dt.datetime, end: dt.datetime | None = None) -> list[tuple[dt.datetime, dt.datetime, str]]:
        """Every trading interval that the window [start, end) overlaps, in order."""
        if end is None or end <= start:
            end = start + dt.timedelta(minutes=1)
        out, day = [], start.date() - DAY
        while day <= end.date():
            out.extend(i for i in self.intervals(day) if i[0] < end and start < i[1])
            day += DAY
        return out
