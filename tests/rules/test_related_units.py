"""关联单位关系管理 rules: each fires on a broken copy and stays quiet on the sample."""

import datetime as dt

from conftest import fired

UNITS = "registers/related_units.yaml"


def _line(ws, line):
    return ws.read(UNITS).split("\n")[line - 1]


def _unit(data, uid):
    return next(u for u in data["units"] if u["id"] == uid)


def test_quiet_on_sample(sample_result):
    for rule in ("REL001", "REL002", "REL003", "REL004"):
        assert fired(sample_result, rule) == [], rule


def test_rel001_fires_when_category_missing(ws):
    ws.edit_yaml(UNITS, lambda d: d["units"].remove(_unit(d, "REL-05")))  # 唯一的公安机关
    found = ws.findings("REL001")
    assert [f.message for f in found] == ["关联单位联系表缺少“公安机关”类单位（category: 公安机关）"]
    assert found[0].file == UNITS and "units:" in _line(ws, found[0].line)


def test_rel002_fires_on_missing_matters_and_contacts(ws):
    def change(d):
        _unit(d, "REL-02").pop("matters")
        _unit(d, "REL-02").pop("contacts")
    ws.edit_yaml(UNITS, change)
    found = ws.findings("REL002")
    assert [f.message for f in found] == ["关联单位“中国证券业协会”缺少：业务事项（matters）、联系人（contacts）"]
    assert "中国证券业协会" in _line(ws, found[0].line)


def test_rel002_fires_on_contact_without_phone(ws):
    def change(d):
        contact = _unit(d, "REL-09")["contacts"][0]
        contact.pop("phone")
        contact.pop("mobile")
    ws.edit_yaml(UNITS, change)
    assert [f.message for f in ws.findings("REL002")] == ["关联单位“锦程证券股份有限公司”的联系人 俞海涛 没有联系电话（phone 或 mobile）"]


def test_rel002_accepts_empty_notes(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-01").update(notes=None))
    assert ws.findings("REL002") == []
    assert [f for f in ws.check().findings if f.rule == "SCH001"] == []


def test_rel003_fires_on_stale_contact(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-01")["contacts"][0].update(verified=dt.date(2026, 3, 2)))
    found = ws.findings("REL003")
    assert [f.message for f in found] == [
        "关联单位“中国证券监督管理委员会上海监管局”的联系人 张伟 的联系方式上次核实于 2026-03-02，"
        "距检查日期 2026-11-21 已 264 天，超过 180 天的核实期限（应于 2026-08-29 前重新核实）"]
    assert found[0].file == UNITS and "2026-03-02" in _line(ws, found[0].line)


def test_rel003_respects_the_window_setting(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-01")["contacts"][0].update(verified=dt.date(2026, 3, 2)))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(contact_freshness_days=300))
    assert ws.findings("REL003") == []
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(contact_freshness_days=90))
    messages = [f.message for f in ws.findings("REL003")]
    assert any("超过 90 天的核实期限" in m for m in messages)


def test_rel003_boundary(ws):
    # 恰好 180 天仍有效，181 天报告
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-01")["contacts"][0].update(verified=dt.date(2026, 5, 25)))
    assert ws.findings("REL003") == []
    assert len(ws.findings("REL003", as_of=dt.date(2026, 11, 22))) == 1


def test_rel003_fires_on_future_verified_date(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-06")["contacts"][0].update(verified=dt.date(2026, 12, 1)))
    assert [f.message for f in ws.findings("REL003")] == [
        "关联单位“上海证券交易所”的联系人 陈立 的核实日期 2026-12-01 晚于检查日期 2026-11-21"]


def test_rel003_fires_without_verified_date(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-11")["contacts"][0].pop("verified"))
    assert [f.message for f in ws.findings("REL003")] == [
        "关联单位“国网上海市电力公司浦东供电公司”的联系人 曹永强 没有核实日期（verified），无法确认联系方式已及时更新"]


def test_rel004_warns_before_the_deadline(ws):
    ws.edit_yaml(UNITS, lambda d: _unit(d, "REL-11")["contacts"][0].update(verified=dt.date(2026, 6, 1)))
    found = ws.findings("REL004")
    assert len(found) == 1 and found[0].severity == "warning"
    assert "将于 2026-11-28 超过 180 天的核实期限" in found[0].message
    assert ws.findings("REL003") == []
