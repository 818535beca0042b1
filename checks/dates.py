"""Calendar dates and times, always in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def today() -> dt.date:
    """Today's date in Shanghai, whatever the machine's time zone."""
    return dt.datetime.now(SHANGHAI).date()


def as_date(value) -> dt.date | None:
    """A date from a YAML date or an ISO date string; None for anything else."""
    if isinstance(value, dt.datetime):
        return as_datetime(value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _DATE.match(value.strip())
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError:
                return None
        parsed = as_datetime(value)
        return parsed.date() if parsed else None
    return None


def as_datetime(value) -> dt.datetime | None:
    """A naive Shanghai datetime from a YAML timestamp or 'YYYY-MM-DD HH:MM[:SS]'."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value
    if isinstance(value, str):
        match = _DATETIME.match(value.strip())
        if match:
            parts = [int(p) if p else 0 for p in match.groups()]
            try:
                return dt.datetime(*parts)
            except ValueError:
                return None
    return None


def as_time(value) -> dt.time | None:
    """A time of day from 'HH:MM' (or a YAML sexagesimal int, which 21:00 becomes in YAML 1.1)."""
    if isinstance(value, str):
        match = _TIME.match(value.strip())
        if match:
            hour, minute = map(int, match.groups())
            if hour == 24 and minute == 0:
                return dt.time(23, 59, 59)
            if hour < 24 and minute < 60:
                return dt.time(hour, minute)
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's end)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def half_of(day: dt.date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def fmt(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return "（无）"
    if isinstance(day, dt.datetime):
        return day.strftime("%Y-%m-%d %H:%M")
    return day.isoformat()


def quarter_index(year: int, quarter: int) -> int:
    """Quarters as consecutive integers, so that ranges of quarters are ranges of ints."""
    return year * 4 + quarter - 1


def quarter_label(index: int) -> str:
    return f"{index // 4}-Q{index % 4 + 1}"


def quarter_start(index: int) -> dt.date:
    year, quarter0 = divmod(index, 4)
    return dt.date(year, quarter0 * 3 + 1, 1)


def quarter_end(index: int) -> dt.date:
    return add_months(quarter_start(index), 3) - dt.timedelta(days=1)


def day_runs(days) -> list[tuple[dt.date, dt.date]]:
    """Consecutive runs of days, as (first, last) pairs, for messages that list days compactly."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] + dt.timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out
