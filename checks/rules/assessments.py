"""条款评估：无法由规则检查的条款（人工判断、文档规定、台账记录）的证据和评估记录。

条款目录（standard/clauses/）中不由规则检查的条款，由文档、台账和 `registers/assessments.yaml`
中的人工评估给出状态。这里的规则检查评估记录本身是否可信，以及这些条款的证据是否还在。
"""

from __future__ import annotations

import weakref

from .. import clauses as catalogue
from ..findings import Hit
from ..obligations import Obligation
from . import rule

CHAPTER = "条款评估"
REGISTER = "registers/assessments.yaml"
_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _catalogue(handbook) -> dict:
    """Clause id -> Clause, read once per handbook; {} when the catalogue cannot be read
    (``opsbook clauses`` reports why)."""
    if handbook not in _CACHE:
        try:
            _CACHE[handbook] = catalogue.index(catalogue.load(handbook.tree))
        except (catalogue.CatalogueError, OSError):
            _CACHE[handbook] = {}
    return _CACHE[handbook]


@rule("ASM001", name="assessment-record", title="条款评估记录完整可信", clause=None,
      needs=("assessments",), dated=True)
def assessment_record(handbook):
    """
    ## 检查什么
    `registers/assessments.yaml` 的每条评估记录：

    - 所评估的条款 `clause` 在条款目录中存在，且不是由规则检查的条款（规则检查的条款以检查结果为准）；
    - 评估日期 `date` 不晚于检查日期，下次评估日期 `next` 晚于评估日期；
    - 结论为“部分符合”或“不符合”的，写明整改措施 `actions`。

    评估人 `assessor` 必须是人员台账中的人员（REF001 检查）。

    ## 为什么
    条款矩阵中人工判断的条款以这里的评估为状态依据：写错条款编号的评估不会出现在任何条款上，
    日期在未来的评估不是已发生的事实，没有整改措施的“不符合”只是记录了问题。

    ## 如何修复
    改正条款编号或日期；为部分符合、不符合的结论补充整改措施、责任人和期限。

    ## 示例
    ```yaml
    assessments:
      - clause: org-6
        assessor: P002
        date: 2026-06-26
        result: 符合
        evidence: 2026 年上半年运维人员配置评估（OA 运维中心 / 人员配置）
        next: 2026-12-31
    ```
    """
    known = _catalogue(handbook)
    for record in handbook.records("assessments", "assessments"):
        clause_id = record.get("clause")
        clause = known.get(clause_id)
        if known and clause is None:
            yield Hit(record.at("clause"), f"评估记录所写的条款 {clause_id} 不在条款目录（standard/clauses/）中")
        elif clause is not None and clause.coverage == "rule":
            yield Hit(record.at("clause"), f"条款 {clause_id} 由规则 {', '.join(clause.rules)} 检查，状态以检查结果为准，"
                                           "不必登记人工评估", severity="warning")
        day, following = record.date("date"), record.date("next")
        if day and day > handbook.as_of:
            yield Hit(record.at("date"), f"条款 {clause_id} 的评估日期 {day} 晚于检查日期 {handbook.as_of}")
        if day and following and following <= day:
            yield Hit(record.at("next"), f"条款 {clause_id} 的下次评估日期 {following} 不晚于评估日期 {day}")
        if record.get("result") in ("部分符合", "不符合") and not record.get("actions"):
            yield Hit(record.at("result"), f"条款 {clause_id} 评估为{record.get('result')}，但没有写明整改措施（actions）")


@rule("ASM002", name="manual-clauses-assessed", title="人工判断的条款有评估且未过期", clause=None,
      severity="warning", dated=True)
def manual_clauses_assessed(handbook):
    """
    ## 检查什么
    条款目录中每条人工判断（`coverage: manual`）的条款，在 `registers/assessments.yaml` 中都有评估记录，
    且最近一次评估的下次评估日期 `next` 未过；最近一次结论为“不符合”的也提醒。

    ## 为什么
    这些条款无法由台账自动证明（例如“应配备足够的运维人员”），只能由人判断。没有人判断过的条款，
    条款矩阵上只能显示“未评估”；判断过期的，结论已不能代表现状。

    ## 如何修复
    组织评估，把评估人、日期、结论、证据和下次评估日期登记到 `registers/assessments.yaml`。

    ## 示例
    ```yaml
    - {clause: inv-4, assessor: P019, date: 2026-05-15, result: 符合, evidence: 配合调查材料清单及回执, next: 2027-05-31}
    ```
    """
    known = _catalogue(handbook)
    register = handbook.register("assessments")
    latest = catalogue.latest_assessments(handbook)
    for clause in known.values():
        if clause.coverage != "manual":
            continue
        record = latest.get(clause.id)
        if record is None:
            where = register.at("assessments") if register is not None and handbook.usable("assessments") else None
            yield Hit(where or _clause_location(clause), f"人工判断的条款 {clause.id}（{_short(clause.text)}）尚无评估记录")
            continue
        following = record.date("next")
        if following:
            yield Obligation(f"再次评估人工判断的条款 {clause.id}", following, record.at("next"),
                             f"条款 {clause.id} 最近一次评估于 {record.date('date')}，应于 {following} 再次评估，已到期",
                             owner=record.get("assessor") if isinstance(record.get("assessor"), str) else None,
                             cycle="按评估记录", key=f"assessments|{clause.id}")
        overdue = following is not None and following < handbook.as_of  # then the obligation is the finding
        if not overdue and record.get("result") == "不符合":
            yield Hit(record.at("result"), f"条款 {clause.id} 最近一次评估为不符合：{record.get('actions', '（未写整改措施）')}")


@rule("ASM003", name="clause-evidence-exists", title="文档和台账落实的条款，所依据的文档章节和台账字段存在且现行", clause=None)
def clause_evidence_exists(handbook):
    """
    ## 检查什么
    条款目录中由文档规定（`coverage: document`）的条款，所写文档存在、为现行版本（`status: active`），
    写了章节（`MAN-01#交易业务系统操作规程`）的，文档中有这一节；由台账记录（`coverage: register`）
    的条款，所写台账存在、通过校验，所写字段已填写。

    ## 为什么
    这些条款的落实方式是“文档写明了”或“台账记下了”。文档废止、章节改名或字段删除后，条款就失去了依据，
    而条款矩阵仍会显示它已落实。

    ## 如何修复
    恢复或改写文档中的相应章节，补填台账字段；落实方式确实改变的，同时修改条款目录中该条的 `document`、
    `register` 或 `field`。

    ## 示例
    ```yaml
    # standard/clauses/10-ops.yaml
    - id: ops-3
      coverage: document
      document: MAN-01#交易业务系统操作规程
    ```
    """
    for clause in _catalogue(handbook).values():
        if clause.coverage == "document":
            problem = catalogue.document_evidence(clause, handbook)
        elif clause.coverage == "register":
            problem = catalogue.register_evidence(clause, handbook)
        else:
            continue
        if problem:
            yield Hit(_clause_location(clause), f"条款 {clause.id}（{_short(clause.text)}）{problem}")


def _clause_location(clause):
    from ..model import Location

    return Location(clause.file, clause.line)


def _short(text: str, size: int = 24) -> str:
    return text if len(text) <= size else text[:size] + "…"
