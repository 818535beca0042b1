"""The clause catalogue: every normative sentence of the standard's excerpt and how the handbook meets it.

One file a chapter in ``standard/clauses/``, each validated by
``schemas/clauses.schema.json``.  A clause's status comes from the findings of
the rules that enforce it: ``fail`` with an error, ``warn`` with only
warnings, ``pass`` with none.  Every other clause has a status too, from its
evidence: the named document (and section) exists and is current, the named
register field is filled, and the latest assessment in
``registers/assessments.yaml`` (who judged it, when, on what evidence, and when
it is due again): ``pass``, ``warn`` (partly met), ``fail``, ``due`` (the
assessment has lapsed) or ``unassessed`` (a manual clause nobody has judged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import schemas, yamlio

CATALOGUE_DIR = Path("standard") / "clauses"
COVERAGE_ZH = {"rule": "规则检查", "register": "台账记录", "document": "文档规定", "manual": "人工判断"}
STATUS_ZH = {"pass": "通过", "warn": "提醒", "fail": "未通过", "due": "待复评", "unassessed": "未评估", None: "—"}
ASSESSMENT_STATUS = {"符合": "pass", "部分符合": "warn", "不符合": "fail"}


class CatalogueError(Exception):
    pass


@dataclass
class Clause:
    id: str
    text: str
    coverage: str
    chapter: str
    path: tuple
    file: str
    line: int
    rules: tuple = ()
    register: str | None = None
    field: str | None = None
    document: str | None = None
    reason: str | None = None
    note: str | None = None
    level: str | None = None
    parts: tuple = ()  # ({"text", "level", "rules"?}, ...) when one sentence mixes levels

    @property
    def levels(self) -> tuple:
        """The sentence's levels in order: its parts' (when it mixes them), else its one level."""
        if self.parts:
            return tuple(dict.fromkeys(p["level"] for p in self.parts))
        return (self.level,) if self.level else ()

    @property
    def permissive(self) -> bool:
        """A sentence that only permits (可): nothing to enforce, never counted as enforced."""
        return self.levels == ("可",)

    @property
    def heading(self) -> str:
        return " › ".join(self.path)

    @property
    def ordinal(self) -> int:
        return int(self.id.rsplit("-", 1)[1])


@dataclass
class Chapter:
    code: str
    title: str
    path: tuple
    file: str
    order: int
    note: str | None = None
    clauses: list = field(default_factory=list)


def load(root) -> list[Chapter]:
    """Every chapter of the catalogue, in the standard's order, from a folder or a
    :class:`checks.tree.Tree`.  Raises CatalogueError."""
    from .tree import as_tree

    tree = as_tree(root)
    folder = CATALOGUE_DIR.as_posix()
    if not tree.is_dir(folder):
        raise CatalogueError(f"找不到条款目录 {folder}/")
    schema_file = "schemas/clauses.schema.json"
    try:
        validator = schemas.tree_validator(tree, schema_file) if tree.exists(schema_file) else None
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"{schema_file}: 无法读取：{exc}") from None
    fast = schemas.tree_fast_validator(tree, schema_file) if validator is not None else None
    chapters = []
    for rel in tree.files(folder, "*.yaml"):
        try:
            data_bytes = tree.read_bytes(rel)
        except OSError as exc:
            raise CatalogueError(f"{rel}: 无法读取：{exc}") from None
        text, problem = yamlio.decode(data_bytes)
        if problem:
            raise CatalogueError(f"{rel}:{problem.line}: {problem.message}")
        try:
            data, lines, _ = yamlio.load(text)
        except yamlio.LoadError as exc:
            raise CatalogueError(f"{rel}:{exc.problem.line}: {exc.problem.message}") from None
        if validator is not None:
            instance = yamlio.to_json(data)
            valid = fast is not None and fast.is_valid(instance)  # the Python validator only for the message
            first = None if valid else next(iter(validator.iter_errors(instance)), None)
            if first is not None:
                line = lines.get(tuple(first.absolute_path), 1)
                raise CatalogueError(f"{rel}:{line}: {schemas.message(first)}")
        chapter = Chapter(data["code"], data["chapter"], tuple(data["path"]), rel, data.get("order", 99), data.get("note"))
        for index, item in enumerate(data["clauses"]):
            chapter.clauses.append(Clause(
                id=item["id"], text=item["text"], coverage=item["coverage"], chapter=chapter.title,
                path=chapter.path, file=rel, line=lines.get(("clauses", index), 1),
                rules=tuple(item.get("rules", ())), register=item.get("register"), field=item.get("field"),
                document=item.get("document"), reason=item.get("reason"), note=item.get("note"), level=item.get("level"),
                parts=tuple(item.get("parts", ())),
            ))
        chapters.append(chapter)
    chapters.sort(key=lambda c: (c.order, c.code))
    return chapters


def index(chapters) -> dict[str, Clause]:
    return {c.id: c for chapter in chapters for c in chapter.clauses}


def rules_for(clause: Clause, rules) -> list:
    """The rules that enforce a clause: those the catalogue names and those that cite it."""
    ids = set(clause.rules) | {r.id for r in rules if r.clause == clause.id}
    return sorted((r for r in rules if r.id in ids), key=lambda r: r.id)


def status(clause: Clause, rules, by_rule: dict) -> str | None:
    enforcing = rules_for(clause, rules)
    if not enforcing:
        return None
    found = [f for r in enforcing for f in by_rule.get(r.id, [])]
    if any(f.severity == "error" and not getattr(f, "waiver", None) for f in found):  # a waived gap is shown, not failed
        return "fail"
    return "warn" if found else "pass"


def latest_assessments(handbook) -> dict:
    """Clause id -> its latest assessment record in registers/assessments.yaml (none when unusable)."""
    out: dict = {}
    for record in handbook.records("assessments", "assessments"):
        day = record.date("date")
        clause = record.get("clause")
        if clause and day and day <= handbook.as_of and (clause not in out or out[clause].date("date") <= day):
            out[clause] = record
    return out


def _field_values(data, path: str) -> list | None:
    """The values at a field path such as ``positions[].duties``, ``positions[duty-lead].duties`` or
    ``organisation.operations_unit``; None when a step of the path is missing."""
    values = [data]
    for step in path.strip().split("."):
        key, _, selector = step.partition("[")
        selector = selector.rstrip("]") if selector else None
        nxt = []
        for value in values:
            if not isinstance(value, dict) or key not in value:
                continue
            item = value[key]
            if selector is None:
                nxt.append(item)
            elif isinstance(item, list):
                nxt.extend(i for i in item if isinstance(i, dict) and (selector == "" or i.get("id") == selector))
        if not nxt:
            return None
        values = nxt
    return values


def document_ref(text) -> tuple[str, str]:
    """(document id, section) of a document clause's ``document``: ``MAN-01#交易业务系统操作规程`` names the
    section of MAN-01 that meets the clause; ``POL-10`` the whole document (section "")."""
    doc_id, _, section = str(text or "").partition("#")
    return doc_id.strip(), section.strip()


def section_heading(doc, section: str):
    """The heading of ``doc`` that a clause's section names (its text contains it, or it is its anchor), or None."""
    return next((h for h in doc.headings if section in h.text or section == h.anchor), None) if section else None


def document_evidence(clause: Clause, handbook) -> str | None:
    """Why the document a document clause names does not carry it (None when it does)."""
    doc_id, section = document_ref(clause.document)
    doc = handbook.document(doc_id)
    if doc is None:
        return f"所依据的文档 {doc_id} 不存在"
    if doc.status != "active":
        return f"所依据的文档《{doc.title}》（{doc_id}）不是现行版本（status: {doc.status}）"
    if section and section_heading(doc, section) is None:
        return f"所依据的文档《{doc.title}》（{doc_id}）中没有“{section}”一节"
    return None


def register_evidence(clause: Clause, handbook) -> str | None:
    """Why the register a register clause names does not carry it (None when it does)."""
    name = clause.register or ""
    if not handbook.usable(name):
        return f"所依据的台账 registers/{name}.yaml 不存在或未通过校验"
    data = handbook.register(name).data
    for path in (clause.field or "").split(","):
        if not path.strip():
            continue
        values = _field_values(data, path)
        if not values or any(v in (None, "", [], {}) for v in values):
            return f"台账 registers/{name}.yaml 的 {path.strip()} 没有填写"
    return None


def evidence(clause: Clause, handbook) -> tuple[str, str]:
    """(status, why in Chinese) of a clause not enforced by rules, from its document or register
    and its latest assessment."""
    if clause.coverage == "document":
        problem = document_evidence(clause, handbook)
    elif clause.coverage == "register":
        problem = register_evidence(clause, handbook)
    else:
        problem = None
    if problem:
        return "fail", problem
    record = latest_assessments(handbook).get(clause.id)
    if record is None:
        if clause.coverage == "manual":
            return "unassessed", "尚无评估记录（registers/assessments.yaml）"
        return "pass", "文档现行且包含所述内容" if clause.coverage == "document" else "台账已记录"
    who = handbook.person_name(record.get("assessor"))
    when = record.date("date")
    basis = f"{when} 由 {who} 评估为{record.get('result')}：{record.get('evidence', '')}"
    following = record.date("next")
    if following and following < handbook.as_of:
        return "due", f"{basis}；应于 {following} 再次评估，已到期"
    return ASSESSMENT_STATUS.get(record.get("result"), "unassessed"), basis


def matrix(result, chapters) -> list[dict]:
    """One row per clause: the data behind ``opsbook clauses`` and the site's clause matrix."""
    by_rule = result.by_rule()
    rows = []
    for chapter in chapters:
        for clause in chapter.clauses:
            enforcing = rules_for(clause, result.rules)
            if enforcing:
                state, why = status(clause, result.rules, by_rule), ""
            else:
                state, why = evidence(clause, result.handbook)
            rows.append({
                "id": clause.id,
                "chapter": chapter.title,
                "path": list(clause.path),
                "text": clause.text,
                "level": clause.level,
                "levels": list(clause.levels),
                "parts": [dict(p) for p in clause.parts],
                "coverage": clause.coverage,
                "rules": [r.id for r in enforcing],
                "register": clause.register,
                "field": clause.field,
                "document": clause.document,
                "reason": clause.reason,
                "status": state,
                "evidence": why,
                "findings": sum(len(by_rule.get(r.id, [])) for r in enforcing),
            })
    return rows


def render(root, as_of, fmt: str) -> str:
    from . import engine

    chapters = load(root)
    result = engine.check(root, as_of)
    as_of = result.handbook.as_of
    rows = matrix(result, chapters)
    if fmt == "json":
        return json.dumps({"as_of": as_of.isoformat(), "clauses": rows}, ensure_ascii=False, indent=2) + "\n"
    out = []
    for row in rows:
        where = {
            "rule": ", ".join(row["rules"]),
            "register": f"{row['register']}.{row['field']}",
            "document": row["document"],
            "manual": row["reason"],
        }[row["coverage"]]
        out.append(f"{row['id']}\t{COVERAGE_ZH[row['coverage']]}\t{STATUS_ZH[row['status']]}\t{where}\t{row['text']}")
    counts = {k: sum(1 for r in rows if r["coverage"] == k) for k in COVERAGE_ZH}
    out.append("共 {} 条：".format(len(rows)) + "，".join(f"{COVERAGE_ZH[k]} {v}" for k, v in counts.items()))
    return "\n".join(out) + "\n"
