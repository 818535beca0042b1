"""关联单位关系管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

import pytest
from conftest import Case, Found, Part, case_id, check_case, fired

UNITS = "registers/related_units.yaml"


def _unit(data, uid):
    return next(u for u in data["units"] if u["id"] == uid)


def test_quiet_on_sample(sample_result):
    for rule in ("REL001", "REL002", "REL003", "REL004"):
        assert fired(sample_result, rule) == [], rule


def _verified(uid, day):
    return lambda d: _unit(d, uid)["contacts"][0].update(verified=day)


def _drop_matters_and_contacts(d):
    _unit(d, "REL-02").pop("matters")
    _unit(d, "REL-02").pop("contacts")


def _drop_phones(d):
    contact = _unit(d, "REL-09")["contacts"][0]
    contact.pop("phone")
    contact.pop("mobile")


CASES = [
    Case("REL001-fires-when-category-missing", "REL001", UNITS,
         lambda d: d["units"].remove(_unit(d, "REL-05")),  # 唯一的公安机关
         [("关联单位联系表缺少“公安机关”类单位（category: 公安机关）", "units:")]),
    Case("REL002-fires-on-missing-matters-and-contacts", "REL002", UNITS, _drop_matters_and_contacts,
         [("关联单位“中国证券业协会”缺少：业务事项（matters）、联系人（contacts）", "中国证券业协会")]),
    Case("REL002-fires-on-contact-without-phone", "REL002", UNITS, _drop_phones,
         ["关联单位“锦程证券股份有限公司”的联系人 俞海涛 没有联系电话（phone 或 mobile）"]),
    Case("REL003-fires-on-stale-contact", "REL003", UNITS, _verified("REL-01", dt.date(2026, 3, 2)),
         [("关联单位“中国证券监督管理委员会上海监管局”的联系人 张伟 的联系方式上次核实于 2026-03-02，"
           "距检查日期 2026-11-21 已 264 天，超过 180 天的核实期限（应于 2026-08-29 前重新核实）", "2026-03-02")]),
    # 恰好 180 天仍有效，181 天报告
    Case("REL003-quiet-at-exactly-180-days", "REL003", UNITS, _verified("REL-01", dt.date(2026, 5, 25)), []),
    Case("REL003-fires-at-181-days", "REL003", UNITS, _verified("REL-01", dt.date(2026, 5, 25)),
         [Part("上次核实于 2026-05-25")], as_of=dt.date(2026, 11, 22)),
    Case("REL003-fires-on-future-verified-date", "REL003", UNITS, _verified("REL-06", dt.date(2026, 12, 1)),
         ["关联单位“上海证券交易所”的联系人 陈立 的核实日期 2026-12-01 晚于检查日期 2026-11-21"]),
    Case("REL003-fires-without-verified-date", "REL003", UNITS, lambda d: _unit(d, "REL-11")["contacts"][0].pop("verified"),
         ["关联单位“国网上海市电力公司浦东供电公司”的联系人 曹永强 没有核实日期（verified），无法确认联系方式已及时更新"]),
    Case("REL004-warns-before-the-deadline", "REL004", UNITS, _verified("REL-11", dt.date(2026, 6, 1)),
         [Found(Part("将于 2026-11-28 超过 180 天的核实期限"), severity="warning")]),
    Case("REL003-quiet-while-REL004-warns-before-the-deadline", "REL003", UNITS,
         _verified("REL-11", dt.date(2026, 6, 1)), []),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(ws, case):
    check_case(ws, case)


def test_rel002_accepts_empty_notes(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-01").update(notes=None))
    assert ws.findings("REL002") == []
    assert [f for f in ws.check().findings if f.rule == "SCH001"] == []


def test_rel003_respects_the_window_setting(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-01")["contacts"][0].update(verified=dt.date(2026, 3, 2)))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(contact_freshness_days=300))
    assert ws.findings("REL003") == []
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(contact_freshness_days=90))
    messages = [f.message for f in ws.findings("REL003")]
    assert any("超过 90 天的核实期限" in m for m in messages)
