"""条款评估 rules (ASM001–ASM003) and the status every clause gets on the matrix."""

import datetime as dt

from conftest import AS_OF, fired, findings, messages

from checks import clauses, engine

REG = "registers/assessments.yaml"
STATUSES = {"pass", "warn", "fail", "due", "unassessed"}


def _drop(clause_id):
    return lambda d: d.update(assessments=[a for a in d["assessments"] if a["clause"] != clause_id])


def _edit(clause_id, **changes):
    def change(d):
        next(a for a in d["assessments"] if a["clause"] == clause_id).update(changes)
    return change


def _matrix(root, as_of=AS_OF):
    return {row["id"]: row for row in clauses.matrix(engine.check(root, as_of), clauses.load(root))}


def test_quiet_on_sample(sample_result):
    for rule in ("ASM001", "ASM002", "ASM003"):
        assert fired(sample_result, rule) == [], rule


def test_every_clause_of_the_sample_has_a_status(ws):
    rows = _matrix(ws.tree)
    assert len(rows) == 221
    assert {row["status"] for row in rows.values()} <= STATUSES
    assert all(row["status"] is not None for row in rows.values())
    assert rows["org-6"]["status"] == "pass" and "李建国（P002）" in rows["org-6"]["evidence"]
    assert rows["ops-2"]["status"] == "warn"  # 部分符合
    assert rows["doc-7"]["status"] == "pass" and rows["doc-7"]["coverage"] == "rule"  # a register now carries it (DOC007)


def test_unassessed_manual_clause(ws):
    ws.edit_yaml(REG, _drop("resp-4"))
    assert _matrix(ws.tree)["resp-4"]["status"] == "unassessed"
    found = findings(ws, "ASM002")
    assert [f.message for f in found] == ["人工判断的条款 resp-4（证券期货机构应在应急处置中注意保证工作人员的人身…）尚无评估记录"]
    assert found[0].severity == "warning"


def test_lapsed_assessment_is_due(ws):
    # org-6 is due again on 2026-12-31
    assert _matrix(ws.tree, dt.date(2027, 1, 4))["org-6"]["status"] == "due"
    assert messages(ws, "ASM002", as_of=dt.date(2027, 1, 4)) == [
        "条款 org-6 最近一次评估于 2026-06-26，应于 2026-12-31 再次评估，已到期"]


def test_failed_assessment(ws):
    ws.edit_yaml(REG, _edit("inv-4", result="不符合", actions="补充配合调查的材料清单模板，责任人宋佳（P019），2026-12-31 前"))
    assert _matrix(ws.tree)["inv-4"]["status"] == "fail"
    assert messages(ws, "ASM002") == ["条款 inv-4 最近一次评估为不符合：补充配合调查的材料清单模板，责任人宋佳（P019），2026-12-31 前"]


def test_asm001_fires_on_bad_records(ws):
    def change(d):
        d["assessments"][0]["clause"] = "org-99"
        d["assessments"][1]["date"] = dt.date(2026, 12, 1)
        d["assessments"][2]["next"] = dt.date(2026, 1, 1)
        d["assessments"][3].update(result="部分符合")
        d["assessments"][4]["clause"] = "org-2"
    ws.edit_yaml(REG, change)
    assert [(f.severity, f.message) for f in sorted(findings(ws, "ASM001"), key=lambda f: f.line)] == [
        ("error", "评估记录所写的条款 org-99 不在条款目录（standard/clauses/）中"),
        ("error", "条款 org-6 的评估日期 2026-12-01 晚于检查日期 2026-11-21"),
        ("error", "条款 org-7 的下次评估日期 2026-01-01 不晚于评估日期 2026-06-26"),
        ("error", "条款 policy-4 评估为部分符合，但没有写明整改措施（actions）"),
        ("warning", "条款 org-2 由规则 ORG001 检查，状态以检查结果为准，不必登记人工评估"),
    ]


def test_an_assessment_dated_later_does_not_count_yet(ws):
    ws.edit_yaml(REG, _edit("resp-4", date=dt.date(2026, 12, 1)))
    assert _matrix(ws.tree)["resp-4"]["status"] == "unassessed"


def test_asm003_document_clause_whose_section_is_gone(ws):
    ws.replace("docs/manuals/operations-manual.md", "## 交易业务系统操作规程", "## 交易系统操作规程")
    found = findings(ws, "ASM003")
    assert any("条款 ops-3" in f.message and "没有“交易业务系统操作规程”一节" in f.message for f in found)
    assert found[0].file == "standard/clauses/10-ops.yaml"
    assert _matrix(ws.tree)["ops-3"]["status"] == "fail"


def test_asm003_document_clause_whose_document_is_obsolete(ws):
    ws.edit_front_matter("docs/policies/pol-13-related-units.md", lambda m: m.update(status="obsolete"))
    assert any("条款 related-1" in m and "不是现行版本（status: obsolete）" in m for m in messages(ws, "ASM003"))


def test_asm003_register_clause_whose_field_is_empty(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].pop("operations_unit"))
    found = messages(ws, "ASM003")
    assert any("条款 org-1" in m and "organisation.operations_unit 没有填写" in m for m in found)
