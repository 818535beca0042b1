"""Unit tests of checks/calendar.py: trading days, hours, night sessions and the calendar's horizon."""

import datetime as dt
import re

import pytest
from conftest import AS_OF

from checks import engine
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


def test_the_package_calendar_is_cached_per_version_and_a_bad_cache_is_ignored(tmp_path, monkeypatch):
    """The sessions are read from exchange-calendars once (it needs pandas, most of a check's start-up) and
    kept in the cache folder; a cache file that is damaged or from another version is never trusted."""
    import checks.calendar as cal_module

    monkeypatch.setenv("OPSBOOK_CACHE_DIR", str(tmp_path))
    expected = _package_calendar()
    version = cal_module.package_version()
    cal_module._write_cached_sessions(version, expected)
    path = cal_module._cache_file(version)
    assert path.parent == tmp_path and version in path.name
    assert cal_module._read_cached_sessions(version) == expected
    assert cal_module._read_cached_sessions("0.0.1") is None  # another version: not this file
    for damaged in ("", "{", '{"exchange": "XSHG"}', path.read_text(encoding="utf-8").replace('"sessions":[', '"sessions":[-99999,')):
        path.write_text(damaged, encoding="utf-8")
        assert cal_module._read_cached_sessions(version) is None, damaged[:40]


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

def test_beyond_the_package_weekdays_are_unknown_not_trading_days():
    cal = calendar()
    assert cal.status(D(2027, 1, 1)) is None  # 周五：元旦，尚未公告：未知
    assert not cal.is_trading_day(D(2027, 1, 1))  # never assumed to be a trading day
    assert not cal.knows(D(2027, 1, 1))
    assert cal.status(D(2027, 1, 2)) is False  # 周六: closed whatever the announcement
    assert cal.knows(D(2027, 1, 2))
    assert cal.trading_overlap(T(2027, 1, 1, 10, 0), T(2027, 1, 1, 11, 0)) is None
    assert cal.uncertain_days(T(2027, 1, 1, 10, 0), T(2027, 1, 1, 11, 0)) == [D(2027, 1, 1)]
    assert cal.uncertain_days(T(2027, 1, 2, 10, 0), T(2027, 1, 2, 11, 0)) == []  # a weekend is known
    assert cal.unknown_days(D(2026, 12, 30), D(2027, 1, 5)) == [D(2027, 1, 1), D(2027, 1, 4), D(2027, 1, 5)]
    assert cal.previous_trading_day(D(2027, 1, 6)) == D(2026, 12, 31)  # the last known one
    assert "2027 年的休市安排尚未补录" in cal.unknown_note([D(2027, 1, 4)])
    assert "2027 年的休市安排尚未补录" in cal.source_of(D(2027, 1, 4))


def test_night_session_before_an_unknown_day_is_uncertain():
    cal = calendar(night_sessions=(NIGHT,))
    assert not cal.has_night_session(D(2026, 12, 31))  # 2027-01-01 unknown: not assumed
    assert cal.uncertain(D(2026, 12, 31))
    assert not cal.uncertain(D(2026, 12, 30))  # 12-31 is a known trading day
    # a window in the early hours of 2027-01-01 could be inside the night session of 12-31
    assert D(2026, 12, 31) in cal.uncertain_days(T(2027, 1, 1, 1, 0), T(2027, 1, 1, 2, 0))


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


# -- every as-of date across the sample's year ------------------------------------

SWEEP_FIRST, SWEEP_LAST = D(2026, 1, 1), D(2027, 1, 31)
# Rules whose verdict depends on the trading calendar: past the known calendar they may only warn.
CALENDAR_RULES = ("AUD007", "CHG005", "DAT004", "MON006", "MON011", "TST018")


def sweep(root, first=SWEEP_FIRST, last=SWEEP_LAST):
    """Load once, run the dated rules for every as-of day from ``first`` to ``last``.

    Returns (states, changes): ``states[day]`` maps (rule, severity, file, line) to the message;
    ``changes`` lists (day, rule, appeared, disappeared) whenever a rule's findings change."""
    from checks.rules import all_rules

    handbook = engine.load(root, first)
    dated = [r for r in all_rules() if r.dated]
    states, changes, before, day = {}, [], {}, first
    while day <= last:
        handbook.as_of = day
        state = {(f.rule, f.severity, f.file, f.line): f.message for f in engine.run_rules(handbook, dated)}
        for rule in sorted({k[0] for k in state} | {k[0] for k in before}):
            now = {k: v for k, v in state.items() if k[0] == rule}
            then = {k: v for k, v in before.items() if k[0] == rule}
            if set(now) != set(then):
                changes.append((day, rule, [now[k] for k in set(now) - set(then)], [then[k] for k in set(then) - set(now)]))
        states[day], before = state, state
        day += DAY_DELTA
    return states, changes


DAY_DELTA = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def swept():
    from conftest import ROOT

    return sweep(ROOT)


def test_sweep_reports_which_rules_change_state_on_which_day(swept):
    states, changes = swept
    assert len(states) == (SWEEP_LAST - SWEEP_FIRST).days + 1
    report = [f"{day} {rule} +{len(new)} -{len(gone)} {(new or gone)[0][:80]}" for day, rule, new, gone in changes]
    print("\n".join(["每日检查状态变化（规则 + 新增 - 消失 示例）："] + report))  # read it with pytest -s
    assert report  # the sample's records start and end: some rules must change state
    # on the sample's own date it is clean
    assert [k for k in states[AS_OF] if k[1] == "error"] == []


def _sweep_2027(root, holidays):
    """The dated rules' errors for each day of January 2027 with 2027 announced (``holidays``)."""
    from checks.rules import all_rules

    handbook = engine.load(root, D(2027, 1, 1))
    handbook.calendar.extra_years[2027] = set(holidays)
    dated = [r for r in all_rules() if r.dated]
    out, day = {}, D(2027, 1, 1)
    while day <= D(2027, 1, 31):
        handbook.as_of = day
        out[day] = {(f.rule, f.file, f.line) for f in engine.run_rules(handbook, dated) if f.severity == "error"}
        day += DAY_DELTA
    return out


def test_sweep_errors_past_the_known_calendar_hold_whatever_the_announcement(swept):
    """An error asserted while 2027 is unknown must hold both if every 2027 weekday turns out to be a
    trading day and if every one turns out to be a holiday: nothing is assumed about unknown days."""
    from conftest import ROOT

    states, _ = swept
    weekdays = [D(2027, 1, 1) + DAY_DELTA * i for i in range(365) if (D(2027, 1, 1) + DAY_DELTA * i).weekday() < 5]
    all_closed = _sweep_2027(ROOT, weekdays)
    all_open = _sweep_2027(ROOT, [])
    for day, closed in all_closed.items():
        unknown = {(k[0], k[2], k[3]) for k in states[day] if k[1] == "error" and k[0] != "CAL001"}
        assert unknown <= closed, (day, sorted(unknown - closed))
        assert unknown <= all_open[day], (day, sorted(unknown - all_open[day]))
    for day, state in states.items():
        for (rule, severity, _file, _line), message in state.items():
            if "休市安排尚未补录" in message and rule != "CAL001":
                assert severity == "warning", (day, rule, message)


def test_sweep_cal001_warns_then_escalates_on_the_first_unknown_day(swept):
    states, changes = swept
    severities = {day: {k[1] for k in state if k[0] == "CAL001"} for day, state in states.items()}
    assert severities[D(2026, 11, 1)] == set()  # 61 days left
    assert severities[D(2026, 11, 2)] == {"warning"}  # 59 days left: within calendar_warning_days (60)
    assert severities[D(2026, 12, 31)] == {"warning"}
    assert all(severities[day] == {"error"} for day in severities if day >= D(2027, 1, 1))


def test_sweep_weekends_and_holidays_raise_no_calendar_errors(swept):
    """No calendar-dependent rule starts failing on a weekend or a holiday while the sample's records
    still cover the days before it (up to the sample's date)."""
    states, changes = swept
    calendar = engine.load(__import__("conftest").ROOT, AS_OF).calendar
    for day, rule, new, _gone in changes:
        if rule in CALENDAR_RULES and new and day <= AS_OF and not calendar.is_trading_day(day - DAY_DELTA):
            # a new finding the day after a closed day can only come from a record dated after the as-of date
            assert all("晚于检查日期" in m for m in new), (day, rule, new)


NESTED = re.compile(r"（[^（）]*（[^（）]*）[^（）]*）")


def test_sweep_messages_have_no_nested_brackets(swept):
    """“同一人（刘洋（P005））” reads badly: a name with its id is never put inside another bracket."""
    from checks.rules import all_rules
    from conftest import ROOT

    states, _ = swept
    messages = {(k[0], m) for state in states.values() for k, m in state.items()}
    messages |= {(f.rule, f.message) for f in engine.check(ROOT, AS_OF, rules=all_rules()).findings}
    assert sorted(m for m in messages if NESTED.search(m[1])) == []


def test_rules_not_declared_dated_do_not_depend_on_the_date():
    from checks.rules import all_rules
    from conftest import ROOT

    handbook = engine.load(ROOT, AS_OF)
    undated = [r for r in all_rules() if not r.dated]
    base = set(engine.run_rules(handbook, undated))
    for day in (D(2026, 1, 1), D(2027, 1, 31), D(2028, 3, 1)):
        handbook.as_of = day
        assert set(engine.run_rules(handbook, undated)) == base, day
