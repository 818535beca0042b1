"""交易日历 rules: the calendar's horizon (CAL001) and the calendar register's sanity (CAL002)."""

import datetime as dt

from conftest import fired

REG = "registers/calendar.yaml"
D = dt.date
ANNOUNCED_2027 = {"year": 2027, "source": "上海证券交易所关于 2027 年部分节假日休市安排的通知",
                  "holidays": [D(2027, 1, 1), D(2027, 2, 8), D(2027, 2, 9)]}


def line_of(ws, text):
    return next(i for i, line in enumerate(ws.read(REG).split("\n")) if text in line) + 1


# -- CAL001 ----------------------------------------------------------------------------

def test_cal001_warns_on_sample_until_2027_is_announced(sample_result, ws):
    found = fired(sample_result, "CAL001")
    assert len(found) == 1
    finding = found[0]
    assert finding.severity == "warning"
    assert finding.file == REG and finding.line == line_of(ws, "announced_years:")
    assert finding.message.startswith("已知交易日历只到 2026-12-31（exchange-calendars 4.13.2 内置的上交所 XSHG 休市安排），"
                                      "距检查日期 2026-11-21 还有 40 天（提前 60 天提醒）。")
    assert "请把公告中的 2027 年休市日期加入 registers/calendar.yaml 的 announced_years" in finding.message


def test_cal001_quiet_once_2027_is_announced(ws):
    ws.edit_yaml(REG, lambda d: d.update(announced_years=[ANNOUNCED_2027]))
    assert ws.findings("CAL001") == []
    found = ws.findings("CAL001", as_of=D(2027, 11, 15))
    assert len(found) == 1 and "补录的 2027 年休市公告" in found[0].message and "2028 年" in found[0].message


def test_cal001_quiet_when_far_from_the_end(ws):
    assert ws.findings("CAL001", as_of=D(2026, 10, 1)) == []


def test_cal001_after_the_end_is_an_error(ws):
    found = ws.findings("CAL001", as_of=D(2027, 1, 5))
    assert len(found) == 1 and "检查日期 2027-01-05 已超出 5 天" in found[0].message
    assert found[0].severity == "error"
    assert "2027 年的交易日未知" in found[0].message


def test_cal001_on_the_last_known_day_is_still_a_warning(ws):
    found = ws.findings("CAL001", as_of=D(2026, 12, 31))
    assert len(found) == 1 and found[0].severity == "warning"


def test_cal001_respects_settings(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(calendar_warning_days=30))
    assert ws.findings("CAL001") == []


def test_cal001_without_the_register(ws):
    ws.remove(REG)
    found = ws.findings("CAL001")
    assert len(found) == 1 and found[0].file == REG and found[0].line is None


# -- CAL002 ------------------------------------------------------------------------------

def test_cal002_quiet_on_sample(sample_result):
    assert fired(sample_result, "CAL002") == []


def test_cal002_quiet_on_a_correct_announcement(ws):
    ws.edit_yaml(REG, lambda d: d.update(announced_years=[ANNOUNCED_2027]))
    assert ws.findings("CAL002") == []


def test_cal002_fires_on_bad_holiday_dates(ws):
    entry = dict(ANNOUNCED_2027, holidays=[D(2027, 1, 1), D(2028, 1, 3), D(2027, 1, 2), D(2027, 1, 1)])
    ws.edit_yaml(REG, lambda d: d.update(announced_years=[entry]))
    messages = [f.message for f in ws.findings("CAL002")]
    assert messages == [
        "休市日期 2028-01-03 不在 2027 年内（列在 2027 年的公告下），是否写错了年份？",
        "2027 年的休市日期 2027-01-02 是周六：周末本来就休市，不必列出，是否写错了日期？",
        "2027 年的休市日期 2027-01-01 重复",
    ]


def test_cal002_fires_on_duplicate_year_and_missing_source(ws):
    second = {"year": 2027, "holidays": [D(2027, 10, 1)]}
    ws.edit_yaml(REG, lambda d: d.update(announced_years=[ANNOUNCED_2027, second]))
    messages = [f.message for f in ws.findings("CAL002")]
    assert "2027 年在 announced_years 中出现了 2 次，请合并为一项" in messages
    assert "2027 年的休市安排没有写明公告（source）" in messages


def test_cal002_fires_on_year_without_holidays(ws):
    ws.edit_yaml(REG, lambda d: d.update(announced_years=[dict(ANNOUNCED_2027, holidays=[])]))
    assert any("2027 年没有列出休市日期" in f.message for f in ws.findings("CAL002"))


def test_cal002_fires_when_contradicting_the_package(ws):
    entry = {"year": 2026, "source": "上交所 2026 年休市安排", "holidays": [D(2026, 10, 1), D(2026, 10, 8)]}
    ws.edit_yaml(REG, lambda d: d.update(announced_years=[entry]))
    assert [f.message for f in ws.findings("CAL002")] == [
        "2026-10-08 在 exchange-calendars 中是交易日，与所列休市安排不一致；该年度以 exchange-calendars 为准，确属临时休市请写入 closures"]


def test_cal002_fires_on_bad_trading_hours(ws):
    ws.replace(REG, 'end: "11:30"', 'end: "08:30"')
    found = ws.findings("CAL002")
    assert len(found) == 1 and "结束时间 08:30 不晚于开始时间 09:15" in found[0].message
    assert found[0].line == line_of(ws, 'end: "08:30"')


def test_cal002_fires_on_overlapping_sessions(ws):
    ws.replace(REG, 'end: "11:30"', 'end: "13:30"')
    assert [f.message for f in ws.findings("CAL002")] == [
        "交易时段“下午交易时段（含盘后固定价格交易）”与“上午交易时段（含开盘集合竞价）”重叠"]


def test_cal002_fires_on_night_session_during_the_day(ws):
    ws.edit_yaml(REG, lambda d: d.update(night_sessions=[{"name": "商品期货夜盘", "start": "14:00", "end": "02:30"}]))
    assert [f.message for f in ws.findings("CAL002")] == ["夜盘“商品期货夜盘”的开始时间 14:00 早于日盘收市 15:30：夜盘应在晚间开始"]


def test_cal002_quiet_on_a_proper_night_session(ws):
    ws.edit_yaml(REG, lambda d: d.update(night_sessions=[{"name": "商品期货夜盘", "start": "21:00", "end": "02:30"}]))
    assert ws.findings("CAL002") == []


def test_cal002_unreadable_entry_adds_no_spurious_overlap(ws):
    # The morning entry breaks the schema (SCH001 reports it); CAL002 must not blame the
    # exchange's default hours that the calendar keeps meanwhile.
    ws.replace(REG, 'start: "09:15"', "start: 915")
    assert ws.findings("CAL002") == []
    assert any(f.file == REG for f in ws.findings("SCH001"))
