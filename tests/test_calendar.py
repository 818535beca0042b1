"""Unit tests of checks/calendar.py: trading days, hours, night sessions and the calendar's horizon."""

import datetime as dt

import pytest
from conftest import AS_OF

from checks.calendar import Session, TradingCalendar, _package_calendar, describe

D = dt.date
T = dt.datetime
NIGHT = Session(dt.time(21, 0), dt.time(2, 30), "商品期货夜盘")
FIRM_HOURS = (Session(dt.time(9, 15), dt.time(11, 30), "上午交易时段"), Session(dt.time(13, 0), dt.time(15, 30), "下午交易时段"))


def calendar(**kwargs) -> TradingCalendar:
    sessions, first, last = _package_calendar()
    return TradingCalendar(sessions, first, last, **kwargs)


# -- the package's data ------------------------------------------------------

def test_package_knows_2026_and_not_2027():
    cal = calendar()
    assert cal.package_last == D(2026, 12, 31)
    assert cal.known_until == D(2026, 12, 31)
    assert cal.knows(AS_OF)
    assert not cal.knows(D(2027, 1, 4))


def test_national_day_2026():
    cal = calendar()
    for day in range(1, 8):
        assert not cal.is_trading_day(D(2026, 10, day)), day
    assert cal.is_trading_day(D(2026, 9, 30))
    assert cal.is_trading_day(D(2026, 10, 8))
    assert cal.trading_days(D(2026, 9, 28), D(2026, 10, 9)) == [
        D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9)]
    assert cal.next_trading_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert cal.previous_trading_day(D(2026, 10, 8)) == D(2026, 9, 30)


def test_makeup_workday_on_a_weekend_is_not_a_trading_day():
    # 2026-10-10 (周六) is a 调休 working day for offices, but the exchanges stay closed.
    assert not calendar().is_trading_day(D(2026, 10, 10))


def test_weekends():
    cal = calendar()
    assert cal.is_trading_day(D(2026, 11, 20))  # 周五
    assert not cal.is_trading_day(D(2026, 11, 21))  # 周六
    assert not cal.is_trading_day(D(2026, 11, 22))  # 周日
    assert cal.next_trading_day(D(2026, 11, 20)) == D(2026, 11, 23)
    assert cal.intervals(D(2026, 11, 21)) == []


# -- trading hours -----------------------------------------------------------

def test_default_day_sessions_and_lunch_break():
    cal = calendar()
    assert cal.trading_overlap(T(2026, 11, 20, 11, 30), T(2026, 11, 20, 13, 0)) is None  # the lunch break
    assert cal.trading_overlap(T(2026, 11, 20, 9, 0), T(2026, 11, 20, 9, 30)) is None  # before the open
    assert cal.trading_overlap(T(2026, 11, 20, 15, 0), T(2026, 11, 20, 18, 0)) is None  # after the close
    morning = cal.trading_overlap(T(2026, 11, 20, 11, 0), T(2026, 11, 20, 12, 0))
    assert morning == (T(2026, 11, 20, 9, 30), T(2026, 11, 20, 11, 30), "上午交易时段")
    afternoon = cal.trading_overlap(T(2026, 11, 20, 12, 30), T(2026, 11, 20, 13, 1))
    assert afternoon[2] == "下午交易时段"


def test_firm_hours_include_call_auction_and_after_hours_trading():
    cal = calendar(day_sessions=FIRM_HOURS)
    assert cal.trading_overlap(T(2026, 11, 20, 9, 0), T(2026, 11, 20, 9, 20)) is not None
    assert cal.trading_overlap(T(2026, 11, 20, 15, 10), T(2026, 11, 20, 15, 20)) is not None
    assert cal.trading_overlap(T(2026, 11, 20, 15, 30), T(2026, 11, 20, 18, 0)) is None


def test_window_without_end_is_one_minute():
    cal = calendar()
    assert cal.trading_overlap(T(2026, 11, 20, 10, 0)) is not None
    assert cal.trading_overlap(T(2026, 11, 20, 10, 0), T(2026, 11, 20, 9, 0)) is not None  # end before start
    assert cal.trading_overlap(T(2026, 11, 20, 12, 0), T(2026, 11, 20, 11, 0)) is None


def test_holiday_has_no_trading_hours():
    cal = calendar()
    assert cal.trading_overlap(T(2026, 10, 5, 9, 0), T(2026, 10, 5, 17, 0)) is None  # 国庆，周一


# -- windows spanning midnight -----------------------------------------------

def test_window_spanning_midnight():
    cal = calendar(day_sessions=FIRM_HOURS)
    # Saturday night into Sunday: no trading.
    assert cal.trading_overlap(T(2026, 6, 20, 20, 0), T(2026, 6, 21, 2, 0)) is None
    # Thursday night into Friday morning: overlaps Friday's call auction at 09:15.
    hit = cal.trading_overlap(T(2026, 11, 19, 20, 0), T(2026, 11, 20, 9, 20))
    assert hit[0] == T(2026, 11, 20, 9, 15)
    # The same window ends before the default 09:30 open.
    assert calendar().trading_overlap(T(2026, 11, 19, 20, 0), T(2026, 11, 20, 9, 20)) is None
    # A window over a whole trading day is caught.
    assert cal.trading_overlaps(T(2026, 11, 19, 16, 0), T(2026, 11, 20, 16, 0))[0][2] == "上午交易时段"
    assert len(cal.trading_overlaps(T(2026, 11, 19, 16, 0), T(2026, 11, 20, 16, 0))) == 2


# -- night sessions ----------------------------------------------------------

def test_no_night_session_unless_configured():
    cal = calendar()
    assert not cal.has_night_session(D(2026, 11, 19))
    assert cal.trading_overlap(T(2026, 11, 19, 22, 0), T(2026, 11, 19, 23, 0)) is None


def test_night_session_on_an_ordinary_evening():
    cal = calendar(night_sessions=(NIGHT,))
    assert cal.has_night_session(D(2026, 11, 19))  # 周四
    hit = cal.trading_overlap(T(2026, 11, 19, 22, 0), T(2026, 11, 19, 23, 0))
    assert hit == (T(2026, 11, 19, 21, 0), T(2026, 11, 20, 2, 30), "商品期货夜盘")
    assert describe(hit) == "2026-11-19（周四）商品期货夜盘 21:00–次日 02:30"


def test_night_session_after_midnight_belongs_to_the_evening_before():
    cal = calendar(night_sessions=(NIGHT,))
    hit = cal.trading_overlap(T(2026, 11, 20, 0, 30), T(2026, 11, 20, 1, 0))
    assert hit[0] == T(2026, 11, 19, 21, 0)
    assert cal.trading_overlap(T(2026, 11, 20, 2, 30), T(2026, 11, 20, 9, 0)) is None


def test_friday_night_session_runs_into_saturday():
    cal = calendar(night_sessions=(NIGHT,))
    assert cal.has_night_session(D(2026, 11, 20))  # 周五 → 下周一，中间只有周末
    assert cal.trading_overlap(T(2026, 11, 21, 1, 0), T(2026, 11, 21, 2, 0)) is not None
    assert cal.trading_overlap(T(2026, 11, 21, 3, 0), T(2026, 11, 21, 23, 0)) is None  # 周六晚没有夜盘


def test_no_night_session_before_a_holiday():
    cal = calendar(night_sessions=(NIGHT,))
    assert not cal.has_night_session(D(2026, 9, 30))  # 国庆前最后一个交易日
    assert cal.trading_overlap(T(2026, 9, 30, 20, 0), T(2026, 10, 1, 3, 0)) is None
    assert not cal.has_night_session(D(2026, 9, 24))  # 中秋（9 月 25 日，周五）前
    assert not cal.has_night_session(D(2026, 4, 3))  # 周五，下周一清明休市
    assert cal.has_night_session(D(2026, 10, 8))  # 节后第一个交易日晚间恢复


def test_no_night_session_on_a_closed_day():
    cal = calendar(night_sessions=(NIGHT,))
    assert not cal.has_night_session(D(2026, 10, 3))


# -- beyond the package: announced holidays ------------------------------------

def test_beyond_the_package_weekdays_count_as_trading_days():
    cal = calendar()
    assert cal.is_trading_day(D(2027, 1, 1))  # 周五：元旦，但尚未公告，按交易日处理
    assert not cal.is_trading_day(D(2027, 1, 2))  # 周六
    assert cal.trading_overlap(T(2027, 1, 1, 10, 0), T(2027, 1, 1, 11, 0)) is not None


def test_announced_holidays_extend_the_known_calendar():
    cal = calendar(extra_years={2027: {D(2027, 1, 1)}})
    assert cal.known_until == D(2027, 12, 31)
    assert cal.knows(D(2027, 6, 1))
    assert not cal.is_trading_day(D(2027, 1, 1))
    assert cal.is_trading_day(D(2027, 1, 4))
    assert cal.trading_overlap(T(2027, 1, 1, 10, 0), T(2027, 1, 1, 11, 0)) is None
    assert cal.next_trading_day(D(2026, 12, 31)) == D(2027, 1, 4)
    assert "2027 年的休市公告" in cal.source_of(D(2027, 1, 1))


def test_a_gap_in_announced_years_stops_the_known_calendar():
    cal = calendar(extra_years={2028: {D(2028, 1, 3)}})
    assert cal.known_until == D(2026, 12, 31)
    assert not cal.is_trading_day(D(2028, 1, 3))  # the announcement still counts for that day


def test_extra_closure_overrides_the_package():
    cal = calendar(extra_closures={D(2026, 11, 20)}, night_sessions=(NIGHT,))
    assert not cal.is_trading_day(D(2026, 11, 20))
    assert not cal.has_night_session(D(2026, 11, 19))  # the next day is closed
    assert "closures" in cal.source_of(D(2026, 11, 20))


# -- from the register -----------------------------------------------------------

def _handbook(ws):
    return ws.load(AS_OF)


def test_from_sample_register(ws):
    cal = _handbook(ws).calendar
    assert [(s.start, s.end) for s in cal.day_sessions] == [(dt.time(9, 15), dt.time(11, 30)), (dt.time(13, 0), dt.time(15, 30))]
    assert cal.night_sessions == ()
    assert cal.known_until == D(2026, 12, 31)


def test_from_register_with_2027_and_night_session(ws):
    def change(data):
        data["announced_years"] = [{"year": 2027, "source": "交易所公告", "holidays": [D(2027, 1, 1), D(2027, 2, 8)]}]
        data["night_sessions"] = [{"name": "商品期货夜盘", "start": "21:00", "end": "02:30"}]
        data["closures"] = [{"date": D(2026, 12, 1), "reason": "测试"}]
    ws.edit_yaml("registers/calendar.yaml", change)
    cal = _handbook(ws).calendar
    assert cal.known_until == D(2027, 12, 31)
    assert not cal.is_trading_day(D(2027, 2, 8))
    assert not cal.is_trading_day(D(2026, 12, 1))
    assert cal.night_sessions == (Session(dt.time(21, 0), dt.time(2, 30), "商品期货夜盘"),)
    assert cal.has_night_session(D(2026, 11, 19))


def test_register_with_a_bad_trading_hours_entry_keeps_exchange_hours(ws):
    ws.replace("registers/calendar.yaml", 'start: "09:15"', "start: 915")  # a number, not a quoted time
    cal = _handbook(ws).calendar  # must not raise
    assert cal.known_until == D(2026, 12, 31)
    # The unreadable morning entry does not leave the morning unchecked: the exchange's hours stay.
    assert cal.trading_overlap(T(2026, 11, 20, 10, 0), T(2026, 11, 20, 10, 30)) is not None
    assert cal.trading_overlap(T(2026, 11, 20, 15, 10), T(2026, 11, 20, 15, 20)) is not None  # the firm's 15:30


def test_register_broken_at_top_level_falls_back_to_defaults(ws):
    ws.replace("registers/calendar.yaml", "night_sessions: []", "night_sessions: oops")
    cal = _handbook(ws).calendar
    assert cal.night_sessions == ()
    assert cal.day_sessions[0].start == dt.time(9, 30)
    assert cal.is_trading_day(D(2026, 11, 20))


@pytest.mark.parametrize("missing", [True, False])
def test_without_register(ws, missing):
    if missing:
        ws.remove("registers/calendar.yaml")
    else:
        ws.write("registers/calendar.yaml", "# yaml-language-server: $schema=../schemas/calendar.schema.json\n- not a mapping\n")
    cal = _handbook(ws).calendar
    assert cal.day_sessions[0].start == dt.time(9, 30)
    assert cal.known_until == D(2026, 12, 31)
