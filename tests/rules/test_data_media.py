"""数据与介质管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Line, Part, case_id, check_case, fired

BACKUPS = "registers/backups.yaml"
CONFIG = "registers/configuration.yaml"
ORG = "registers/organisation.yaml"
RULES = ("DAT001", "DAT002", "DAT003", "DAT004", "DAT005", "DAT006", "DAT007", "DAT008", "DAT009", "DAT010", "DAT011")


def line_of(ws, rel, text, start=1):
    """The 1-based line of the first line (from ``start``) of ``rel`` containing ``text``."""
    for number, line in enumerate(ws.read(rel).split("\n"), start=1):
        if number >= start and text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def by_id(records, rid):
    return next(r for r in records if r.get("id") == rid or r.get("system") == rid)


def test_quiet_on_sample(sample_result):
    for rule in RULES:
        assert fired(sample_result, rule) == [], rule


def remove(key, rid):
    """An edit removing the record ``rid`` from ``key``."""
    return lambda d: d[key].remove(by_id(d[key], rid))


def record(key, rid, change):
    """An edit letting ``change(record)`` mutate the record ``rid`` of ``key``."""
    return lambda d: change(by_id(d[key], rid))


def _drop_retention_and_verification(d):
    by_id(d["policies"], "BKP-02").pop("retention")
    by_id(d["policies"], "BKP-02").pop("verification")


def _outsider(d):
    (change,) = [m for m in d["modifications"] if m["id"] == "DM-2026-005"]
    change["reviewer"] = "P016"  # not on 融资融券's grant AUTH-2026-04


_LATE_GRANT = record("authorisations", "AUTH-2026-04", lambda a: a.update(approved=dt.date(2026, 10, 23)))

CASES = [
    # -- DAT001 数据管理责任人
    Case("DAT001-fires-without-data-owner", "DAT001", ORG, lambda d: d["responsibilities"].pop("data_owner"),
         [("未指定数据管理责任人（responsibilities.data_owner）", "")]),
    Case("DAT001-fires-when-owner-has-left", "DAT001", ORG, lambda d: d["responsibilities"].update(data_owner="P020"),
         ["数据管理责任人 韩冬（P020） 已不在职"]),
    # -- DAT002 备份及验证策略要素
    Case("DAT002-fires-on-missing-elements", "DAT002", BACKUPS, _drop_retention_and_verification,
         [("网上交易系统（CI-APP-ONLINE） 的备份策略 BKP-02 缺少：存放时限（retention）、有效性验证方式（verification）",
           Line("id: BKP-02"))]),
    Case("DAT002-fires-when-owner-has-left", "DAT002", BACKUPS, ("    owner: P010\n", "    owner: P020\n"),
         [Part("韩冬（P020） 已不在职")]),
    # -- DAT003 交易业务系统每交易日备份的策略
    Case("DAT003-fires-when-frequency-is-weekly", "DAT003", BACKUPS,  # BKP-05 清算
         ("    frequency: 每交易日\n    time: \"20:30\"", "    frequency: 每周\n    time: \"20:30\""),
         [("交易业务系统 清算系统（CI-APP-CLEAR） 的备份频度为“每周”，低于标准要求的至少每交易日一次："
           "至少一条备份策略的频度应为每交易日、每日或实时", Line("frequency: 每周"))]),
    # a real-time replica is more often than every trading day: never "less than every trading day"
    Case("DAT003-real-time-backup-is-stricter-not-looser", "DAT003", BACKUPS,
         ("    frequency: 每交易日\n    time: \"20:30\"", "    frequency: 实时\n    time: \"20:30\""), []),
    Case("DAT003-fires-without-policy", "DAT003", BACKUPS, remove("policies", "BKP-05"),
         ["交易业务系统 清算系统（CI-APP-CLEAR） 没有备份策略"]),
    # -- DAT004 每交易日备份记录
    Case("DAT004-lists-many-missing-days-briefly", "DAT004", BACKUPS,
         record("logs", "CI-APP-QUOTE", lambda log: log.update(dates=[dt.date(2026, 11, 20)])), [Part("等 22 天")]),
    Case("DAT004-quiet-before-the-policy-starts", "DAT004", BACKUPS,
         [remove("logs", "CI-APP-CLEAR"), record("policies", "BKP-05", lambda p: p.update(since=dt.date(2026, 11, 21)))], []),
    # -- DAT005 历史数据保留一年
    Case("DAT005-fires-on-short-retention", "DAT005", BACKUPS,
         ("retention: 1825, earliest: 2021-11-22", "retention: 180, earliest: 2021-11-22"),
         [("行情系统（CI-APP-QUOTE） 的历史数据保留期限为 180 天，应至少保留一年（365 天）", Line("retention: 180"))]),
    Case("DAT005-fires-when-history-is-younger-than-a-year", "DAT005", BACKUPS, ("earliest: 2021-11-22", "earliest: 2026-03-01"),
         ["行情系统（CI-APP-QUOTE） 现存最早的历史数据为 2026-03-01，不足一年（应不晚于 2025-11-21）"]),
    Case("DAT005-fires-without-history-record", "DAT005", BACKUPS, remove("history", "CI-APP-ONLINE"),
         ["交易业务系统 网上交易系统（CI-APP-ONLINE） 没有历史数据保留记录（history）"]),
    # -- DAT006 在线数据访问授权
    Case("DAT006-fires-when-a-leaver-keeps-access", "DAT006", BACKUPS,
         ("persons: [P006, P011, P016]", "persons: [P006, P011, P016, P020]"),
         [("清算系统（CI-APP-CLEAR） 的在线数据访问授权 AUTH-2026-06 中的 韩冬（P020） 已不在职，其授权应收回", Line("P020"))]),
    Case("DAT006-fires-without-authorisation", "DAT006", BACKUPS, remove("authorisations", "AUTH-2026-05"),
         ["交易业务系统 行情系统（CI-APP-QUOTE） 没有在线数据访问授权记录（authorisations）"]),
    Case("DAT006-fires-without-approval", "DAT006", BACKUPS, record("authorisations", "AUTH-2026-01", lambda a: a.pop("approved")),
         ["集中交易系统（CI-APP-TRADE） 的在线数据访问授权 AUTH-2026-01 没有审批人和审批日期（approver、approved）"]),
    # before: the grant list was checked only for itself; who actually modified the data was not compared with it
    Case("DAT006-fires-when-someone-outside-the-grant-modified-data", "DAT006", BACKUPS, _outsider,
         [("数据修改 DM-2026-005（2026-10-22）的复核人 徐婷（P016） 不在融资融券系统（CI-APP-MARGIN） 当时有效的在线数据访问授权"
           "（authorisations 的 persons）中：未经授权不得访问、复制；先经审批把此人加入授权名单", "")]),
    # operator and reviewer of DM-2026-005, approved a day too late
    Case("DAT006-counts-only-grants-approved-by-the-modification-date", "DAT006", BACKUPS, _LATE_GRANT,
         [Part("DM-2026-005"), Part("DM-2026-005")]),
    # a grant wider than needed (more people than the modifications used) is fine
    Case("DAT006-quiet-on-a-grant-wider-than-needed", "DAT006", BACKUPS,
         [_LATE_GRANT, record("authorisations", "AUTH-2026-04",
                              lambda a: a.update(approved=dt.date(2026, 1, 5), persons=["P011", "P006", "P016"]))], []),
    # -- DAT007 数据修改
    Case("DAT007-fires-when-approved-after-the-change", "DAT007", BACKUPS, ("    approved: 2026-10-21\n", "    approved: 2026-10-23\n"),
         [("数据修改 DM-2026-005 的审批日期 2026-10-23 晚于修改日期 2026-10-22：修改应先经审批", Line("approved: 2026-10-23"))]),
    Case("DAT007-fires-without-two-people", "DAT007", BACKUPS,
         ("    operator: P006\n    reviewer: P011\n", "    operator: P006\n    reviewer: P006\n"),
         ["数据修改 DM-2026-003 的操作人和复核人是同一人 赵敏（P006），不是双岗操作"]),
    Case("DAT007-fires-without-log", "DAT007", BACKUPS, record("modifications", "DM-2026-003", lambda m: m.pop("log")),
         ["数据修改 DM-2026-003 没有记录操作日志（log）"]),
    # -- DAT008 核心交易业务系统备份数据每季度验证
    Case("DAT008-fires-on-a-quarter-without-verification", "DAT008", BACKUPS, remove("verifications", "VER-2026-09"),
         [("核心交易业务系统 行情系统（CI-APP-QUOTE） 在 2026 年第 2 季度没有备份数据有效性验证记录", Line("id: BKP-04"))]),
    Case("DAT008-looks-back-four-quarters", "DAT008", BACKUPS, remove("verifications", "VER-2025-07"),
         ["核心交易业务系统 集中交易系统（CI-APP-TRADE） 在 2025 年第 4 季度没有备份数据有效性验证记录"]),
    Case("DAT008-requires-the-quarter-once-it-has-ended", "DAT008", BACKUPS, None,
         [f"核心交易业务系统 {name} 在 2026 年第 4 季度没有备份数据有效性验证记录"
          for name in ("网上交易系统（CI-APP-ONLINE）", "融资融券系统（CI-APP-MARGIN）", "行情系统（CI-APP-QUOTE）")],
         as_of=dt.date(2027, 1, 5), ordered=False),
    # -- DAT009 验证发现问题须修复并查明原因
    Case("DAT009-fires-without-cause", "DAT009", BACKUPS, record("verifications", "VER-2026-05", lambda v: v.pop("cause")),
         [("2026-05-16 对 融资融券系统（CI-APP-MARGIN） 的备份验证未通过，但没有记录原因（cause）", Line("result: 未通过"))]),
    Case("DAT009-fires-without-result", "DAT009", BACKUPS, record("verifications", "VER-2026-10", lambda v: v.pop("result")),
         ["2026-09-12 对 集中交易系统（CI-APP-TRADE） 的备份验证没有写明验证结果（result）"]),
    # -- DAT010 离线数据调阅登记
    Case("DAT010-fires-when-approved-late", "DAT010", BACKUPS, ("    approved: 2026-11-04\n", "    approved: 2026-11-06\n"),
         [("离线数据查询 OFF-2026-03 的审批日期 2026-11-06 晚于办理日期 2026-11-05：应先审批后办理", Line("approved: 2026-11-06"))]),
    Case("DAT010-fires-without-registration", "DAT010", BACKUPS,
         record("offline_access", "OFF-2026-01", lambda o: o.pop("registered")), ["离线数据调阅 OFF-2026-01 没有登记号（registered）"]),
    Case("DAT010-fires-on-self-approval", "DAT010", BACKUPS,
         record("offline_access", "OFF-2026-02", lambda o: o.update(approver="P011")),
         ["离线数据传输 OFF-2026-02 由申请人 林峰（P011） 自己审批"]),
    Case("DAT010-fires-without-approval", "DAT010", BACKUPS, record("offline_access", "OFF-2026-02", lambda o: o.pop("approver")),
         ["离线数据传输 OFF-2026-02 没有办理审批手续：缺少审批人或审批日期（approver、approved）"]),
    # -- DAT011 备份数据带离存储环境的安全措施
    Case("DAT011-fires-on-offsite-policy-without-measures", "DAT011", BACKUPS,
         record("policies", "BKP-03", lambda p: p.pop("transport")),
         [("融资融券系统（CI-APP-MARGIN） 的备份策略 BKP-03 的介质带离存储环境，但没有写明安全措施（transport）", "")]),
    Case("DAT011-fires-on-transfer-without-protection", "DAT011", BACKUPS,
         ("    protection: 磁带加密；专用密码箱双人押运；灾备中心交接签字\n", ""),
         [("离线数据传输 OFF-2026-02 把备份数据带离存储环境，但没有记录安全措施（protection）", Line("kind: 传输"))]),
    # 查询、调阅不把备份数据带离存储环境；未标 offsite 的策略不要求 transport
    Case("DAT011-quiet-for-other-kinds", "DAT011", BACKUPS, record("policies", "BKP-02", lambda p: p.update(offsite=False)), []),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_dat003_quiet_for_retired_system(ws):
    ws.edit_yaml(BACKUPS, lambda d: d["policies"].remove(by_id(d["policies"], "BKP-05")))
    ws.edit_yaml(CONFIG, lambda d: by_id(d["items"], "CI-APP-CLEAR").update(status="下线"))
    assert ws.findings("DAT003") == []


def test_dat004_fires_on_a_missing_trading_day(ws):
    start = line_of(ws, BACKUPS, "作业报告 / 融资融券")
    dates_line = line_of(ws, BACKUPS, "dates: [", start)
    text = ws.read(BACKUPS).split("\n")
    day_line = line_of(ws, BACKUPS, "2026-11-03", start) - 1
    text[day_line] = text[day_line].replace("2026-11-03, ", "")
    ws.write(BACKUPS, "\n".join(text))
    found = ws.findings("DAT004")
    assert [f.message for f in found] == ["交易业务系统 融资融券系统（CI-APP-MARGIN） 缺少 1 个交易日的备份记录：2026-11-03"]
    assert found[0].file == BACKUPS and found[0].line == dates_line


def test_dat004_fires_without_any_log(ws):
    ws.edit_yaml(BACKUPS, lambda d: d["logs"].remove(by_id(d["logs"], "CI-APP-CLEAR")))
    found = ws.findings("DAT004")
    assert len(found) == 1
    assert found[0].message.startswith("交易业务系统 清算系统（CI-APP-CLEAR） 没有备份记录（logs），2026-10-21 至 2026-11-20 的 ")


def test_dat004_skips_holidays_and_the_check_day(ws):
    # 国庆休市（10 月 1 日至 7 日）不要求备份：最短的 14 天窗口（9 月 28 日至 10 月 11 日）只要求
    # 9 月 28 日至 30 日和 10 月 8 日、9 日；样例的记录从 10 月 8 日开始，缺的只是 9 月的三天
    ws.edit_yaml(ORG, lambda d: d["settings"].update(backup_log_window_days=14))
    found = ws.findings("DAT004", as_of=dt.date(2026, 10, 12))
    assert found and all(f.message.endswith("缺少 3 个交易日的备份记录：2026-09-28、2026-09-29、2026-09-30") for f in found)
    september = [dt.date(2026, 9, d) for d in (28, 29, 30)]
    ws.edit_yaml(BACKUPS, lambda d: [log.update(dates=september + log["dates"]) for log in d["logs"]])
    assert ws.findings("DAT004", as_of=dt.date(2026, 10, 12)) == []
    # 检查日期当天的备份在日终进行，不要求
    ws.edit_yaml(BACKUPS, lambda d: [log["dates"].remove(dt.date(2026, 11, 20)) for log in d["logs"]])
    assert ws.findings("DAT004", as_of=dt.date(2026, 11, 20)) == []
    assert len(ws.findings("DAT004")) == 5


def test_dat004_window_follows_the_setting(ws):
    ws.edit_yaml(BACKUPS, lambda d: by_id(d["logs"], "CI-APP-TRADE")["dates"].remove(dt.date(2026, 10, 20)))
    assert ws.findings("DAT004") == []  # 10 月 20 日在默认 31 天窗口之外
    ws.edit_yaml(ORG, lambda d: d["settings"].update(backup_log_window_days=40))
    assert [f.message for f in ws.findings("DAT004")] == [
        "交易业务系统 集中交易系统（CI-APP-TRADE） 缺少 1 个交易日的备份记录：2026-10-20"]


def test_dat004_window_cannot_be_set_below_two_weeks(ws):
    ws.edit_yaml(ORG, lambda d: d["settings"].update(backup_log_window_days=5))
    result = ws.check()
    assert any(f.rule == "SCH001" and f.file == ORG and "backup_log_window_days" in f.message for f in result.findings)
    assert result.handbook.settings.backup_log_window_days == 31  # the invalid register's settings are not used


def test_dat004_days_past_the_known_calendar_warn_instead_of_failing(ws):
    # 2027-01-01 (New Year's Day) and 2027-01-04 are not yet known: no backup is demanded, a warning names 2027
    # the shortest window (14 days: 2026-12-22 .. 2027-01-04), with every December trading day backed up
    ws.edit_yaml(ORG, lambda d: d["settings"].update(backup_log_window_days=14))
    december = [dt.date(2026, 12, d) for d in (22, 23, 24, 25, 28, 29, 30, 31)]
    ws.edit_yaml(BACKUPS, lambda d: [log.update(dates=log["dates"] + december) for log in d["logs"]])
    found = ws.findings("DAT004", as_of=dt.date(2027, 1, 5))
    assert [f.severity for f in found] == ["warning"]
    assert "尚不能确定 2027-01-01、2027-01-04 是否为交易日" in found[0].message
    assert "2027 年的休市安排尚未补录" in found[0].message
    ws.edit_yaml("registers/calendar.yaml", lambda d: d.update(announced_years=[
        {"year": 2027, "source": "上海证券交易所关于 2027 年部分节假日休市安排的通知", "holidays": [dt.date(2027, 1, 1)]}]))
    found = ws.findings("DAT004", as_of=dt.date(2027, 1, 5))
    assert all(f.severity == "error" for f in found) and any("2027-01-04" in f.message for f in found)
    assert all("2027-01-01" not in f.message for f in found)  # announced holiday: no backup needed


def test_dat005_quiet_for_a_young_system(ws):
    ws.replace(BACKUPS, "earliest: 2021-11-22", "earliest: 2026-03-01")
    ws.edit_yaml(CONFIG, lambda d: by_id(d["items"], "CI-APP-QUOTE").update(in_service=dt.date(2026, 3, 1)))
    assert ws.findings("DAT005") == []


def test_dat008_quiet_for_the_current_quarter_and_new_systems(ws):
    ws.edit_yaml(BACKUPS, lambda d: d["verifications"].remove(by_id(d["verifications"], "VER-2026-14")))
    assert ws.findings("DAT008") == []
    ws.edit_yaml(BACKUPS, lambda d: d["verifications"].remove(by_id(d["verifications"], "VER-2026-09")))
    ws.edit_yaml(CONFIG, lambda d: by_id(d["items"], "CI-APP-QUOTE").update(in_service=dt.date(2026, 5, 1)))
    assert ws.findings("DAT008") == []
