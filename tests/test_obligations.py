"""Obligations: one definition gives the due date and the overdue finding.

For each dated rule that states obligations: take one of its obligations on the sample (at the
first of a few probe dates where it has one), and check it the day before, on and after its due
date: before and on the day it is listed with 1 and 0 days left and the rule is quiet about it;
the day after, the rule fires with the obligation's own message.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from checks import engine, obligations
from checks.rules import all_rules
from checks.tree import FsTree, OverlayTree
from conftest import AS_OF, ROOT

DAY = dt.timedelta(days=1)
PROBES = (AS_OF, AS_OF + 200 * DAY, AS_OF + 420 * DAY)

# Rules whose obligations the sample does not have at the probe dates: the date to look from and
# the patches (file, old text, new text) that give the sample one.
BUDGET_AUDIT = ("      audit:\n        inspection: AUD-2026-S01\n        by: 稽核审计部\n        date: 2026-03-23\n"
                "        report: 稽核审计部档案 / 明川稽〔2026〕9号\n"
                "        conclusion: 核算真实完整，预算执行率 96.3%；技术服务费用结余原因已说明\n")
SUPPLEMENTARY = ("    supplementary_report: {date: 2026-04-24, to: 中国证券监督管理委员会上海监管局, summary: 认定为存储控制器固件缺陷，"
                 "给出事件结论、整改措施和责任认定, record: 事件档案 INC-2026-002 / 补充报告.pdf}\n")
PATCHES = {
    "AST005": (None, [("registers/software.yaml", "licence: {", "licence: {expires: 2027-06-30, ")]),
    "SUP002": (None, [("registers/suppliers.yaml", "confidentiality_agreement: {", "confidentiality_agreement: {until: 2027-03-31, ")]),
    "ORG005": (None, [("registers/staff.yaml", "confidentiality: {signed: 2015-04-01,", "confidentiality: {until: 2027-03-31, signed: 2015-04-01,")]),
    "BUD003": (AS_OF + 60 * DAY, []),
    "BUD004": (dt.date(2026, 3, 1), [("registers/budget.yaml", BUDGET_AUDIT, "")]),
    "CFG007": (dt.date(2026, 6, 25), [("registers/configuration.yaml", "corrected: 2026-06-26, correction: 按现场核实结果更正描述",
                                       "correction: 按现场核实结果更正描述")]),
    # DRL-2026-02 on 09-19; the plan's evaluation after it moved a year on
    "EMG008": (dt.date(2026, 9, 20), [("registers/emergency.yaml", "  - date: 2026-09-29", "  - date: 2027-09-29")]),
    "INV005": (dt.date(2026, 3, 17), [("registers/incidents.yaml", SUPPLEMENTARY, ""),
                                      ("registers/incidents.yaml", '    recovered: "2026-03-16 10:25"\n    status: 已关闭',
                                       '    recovered: "2026-03-16 10:25"\n    status: 调查中')]),
    "EMG010": (None, [("docs/plans/emergency-plan.md", lambda text: re.sub(
        r'\nversion: "[^"]+"\n(.*?)\nrevisions:\n', '\nversion: "9.0"\n\\1\nrevisions:\n'
        '  - {version: "9.0", date: 2026-11-10, author: P002, approver: P001, summary: 重写切换方案}\n', text, count=1, flags=re.S))]),
    # the contact handbook updated three days ago and not yet sent out: notice due within 7 days
    "EMG017": (None, [("registers/emergency_contacts.yaml", "  updated: 2026-10-28", "  updated: 2026-11-18")]),
    "ORG004": (None, [("registers/staff.yaml", "number: S0000116080002, obtained: 2014-11-20}",
                       "number: S0000116080002, obtained: 2014-11-20, valid_until: 2027-03-31}")]),
    "AUD007": (AS_OF + 2 * DAY, []),  # Monday 2026-11-23: that day's check
    "SUP007": (dt.date(2026, 3, 1), [("registers/suppliers.yaml", "status: 已完成, closed: 2026-02-27", "status: 进行中")]),
    # a liaison's contact details changed three days before the sample's date: the notices are due in a week
    "EMG021": (None, [("registers/emergency_contacts.yaml", "since: 2023-07-01, updated: 2026-01-05", "since: 2023-07-01, updated: 2026-11-18")]),
    # the quote system upgrade (2026-11-14) without its manual revision: due ten days after
    "OPS007": (None, [("registers/changes.yaml", '    manuals:\n      - {document: MAN-01, version: "4.3"}', "    notes: 手册修订待定")]),
}

OBLIGATION_RULES = sorted(r.id for r in all_rules() if r.dated and "Obligation(" in __import__("inspect").getsource(r.func)
                          or r.id in ("AST011", "BUD001", "ORG006", "SUP005", "SUP011", "SUP013", "TST007", "TST009"))


def _load(as_of, patches=()):
    tree = FsTree(ROOT)
    if patches:
        texts = {}
        for rel, *change in patches:
            text = texts.get(rel) or tree.read_text(rel)
            if callable(change[0]):
                changed = change[0](text)
            else:
                old, new = change
                assert old in text, (rel, old)
                changed = text.replace(old, new, 1)
            assert changed != text, (rel, change)
            texts[rel] = changed
        tree = OverlayTree(tree, texts)
    return engine.load(tree, as_of)


@pytest.fixture(scope="module")
def sample():
    return _load(AS_OF)


def _at(handbook, as_of):
    handbook.as_of = as_of
    return handbook


def _first_obligation(rule):
    start, patches = PATCHES.get(rule.id, (None, []))
    for probe in (start,) if start else PROBES:
        handbook = _load(probe, patches)
        found = [o for o in rule.due(handbook) if o.due >= probe]
        if found:
            return handbook, min(found, key=lambda o: (o.due, o.identity()))
    return None, None


@pytest.mark.parametrize("rule_id", OBLIGATION_RULES)
def test_due_date_before_on_and_after_the_deadline(rule_id):
    rule = next(r for r in all_rules() if r.id == rule_id)
    handbook, obligation = _first_obligation(rule)
    assert obligation is not None, f"{rule_id}: no obligation on the sample at {PROBES}; add a patch to PATCHES"
    uid = obligations.uid(rule.id, obligation)
    for offset, days_left in ((-1, 1), (0, 0), (1, -1)):
        when = obligation.due + offset * DAY
        _at(handbook, when)
        dues = {d.uid: d for d in obligations.collect(handbook, [rule])}
        same = [o for o in rule.due(handbook) if obligations.uid(rule.id, o) == uid]
        assert same, f"{rule_id}: the obligation {obligation.what!r} is gone on {when}"
        assert dues[uid].days_left == days_left
        messages = {h.message for h in rule.check(handbook)}
        if days_left >= 0:
            assert same[0].overdue not in messages, f"{rule_id} fires on {when}, due {obligation.due}"
        else:
            assert same[0].overdue in messages, f"{rule_id} is quiet on {when}, due {obligation.due}"
            assert dues[uid].overdue


# Dated rules that state no obligation of their own, and why: nothing falls due (a retention period or a
# record's completeness checked against the date), or they remind of another rule's obligation.
NO_OBLIGATION = {
    "AST003": "设备过程记录完整（日期不晚于检查日期）", "AST006": "软件过程记录完整", "AST007": "投入使用前的验证测试（已发生的事）",
    "AST012": "保修、维护到期前的提醒（到期本身是 AST013 等的义务）", "AUD004": "措施记录完整（到期是 AUD005 的义务）",
    "DAT005": "历史数据保留一年（保存期限）", "EMG028": "应急物资到期前的提醒（到期是 EMG027 的义务）",
    "EMG032": "演练记录保存两年（保存期限）", "EMG036": "应急培训内容", "MON010": "监控日志保存一年（保存期限）",
    "OPS004": "操作记录保存一年（保存期限）", "ORG008": "培训记录完整", "REL004": "REL003 核实期限到期前的提醒",
    "SUP012": "驻场人员入场离场记录", "ASM001": "评估记录完整（日期不晚于检查日期）", "DOC003": "版本与修订记录一致",
    "WAV001": "例外到期后不再生效（例外本身不是应做的事项；其所豁免的发现照常报告）",
    **{f"HIS00{n}": "历史规则：比较变更前后的台账（记录在保存期内不被删除）" for n in (2, 3, 4, 5)},
}


def test_every_dated_rule_states_its_obligation_or_says_why_not():
    dated = {r.id for r in all_rules() if r.dated}
    assert dated == set(OBLIGATION_RULES) | set(NO_OBLIGATION), (
        sorted(dated - set(OBLIGATION_RULES) - set(NO_OBLIGATION)), sorted(set(NO_OBLIGATION) - dated))
    assert not set(OBLIGATION_RULES) & set(NO_OBLIGATION)


def test_owner_from_the_record_the_register_or_the_operations_head(sample):
    _at(sample, AS_OF)
    dues = obligations.collect(sample)
    by_rule = {}
    for d in dues:
        by_rule.setdefault(d.rule, []).append(d)
    # the corrective action's own owner
    action = next(d for d in by_rule["AUD005"] if "INS-2026-Q3-02 的第 1 项" in d.what)
    assert (action.owner, action.owner_name, action.owner_fallback) == ("P006", "赵敏", False)
    # the document's maintainer
    review = next(d for d in by_rule["POL003"])
    assert review.owner and not review.owner_fallback
    # the register's maintainer when the rule names nobody
    phone = by_rule["DUT007"][0]
    assert phone.owner in sample.staff


def test_fallback_owner_is_the_operations_head_marked_as_such():
    handbook = _load(AS_OF, [("registers/duty.yaml", "owner: P013", "owner: P999")])
    rule = next(r for r in all_rules() if r.id == "DUT002")
    due = obligations.collect(handbook, [rule])[0]
    assert due.owner == "P002" and due.owner_fallback and "运维负责人代管" in due.owner_name


def test_review_due_is_one_definition_for_rule_and_site(sample):
    from checks.rules.policies import review_due

    _at(sample, AS_OF)
    rule = next(r for r in all_rules() if r.id == "POL003")
    for obligation in rule.due(sample):
        doc = sample.documents_by_path[obligation.location().file]
        assert review_due(sample, doc) == obligation.due


def test_overdue_first_then_by_date(sample):
    _at(sample, AS_OF + 40 * DAY)
    items = obligations.within(obligations.collect(sample), sample.as_of, 30)
    assert items[0].overdue
    assert [d.due for d in items] == sorted(d.due for d in items)
    assert all(d.due <= sample.as_of + 30 * DAY for d in items)


def test_sample_shows_a_month_ahead_and_nothing_overdue(sample):
    _at(sample, AS_OF)
    items = obligations.within(obligations.collect(sample), AS_OF, 30)
    assert len(items) >= 8
    assert not [d for d in items if d.overdue]
    assert len({d.rule for d in items}) >= 6
