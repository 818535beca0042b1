"""The clause catalogue: every normative sentence of the standard's excerpt and how the handbook meets it.

One file a chapter in ``standard/clauses/``, each validated by
``schemas/clauses.schema.json``.  A clause's status comes from the findings of
the rules that enforce it: ``fail`` with an error, ``warn`` with only
warnings, ``pass`` with none; clauses covered otherwise have no status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator

from . import schemas, yamlio

CATALOGUE_DIR = Path("standard") / "clauses"
COVERAGE_ZH = {"rule": "规则检查", "register": "台账记录", "document": "文档规定", "manual": "人工判断"}
STATUS_ZH = {"pass": "通过", "warn": "提醒", "fail": "未通过", None: "—"}


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
            errors = list(validator.iter_errors(yamlio.to_json(data)))
            if errors:
                first = errors[0]
                line = lines.get(tuple(first.absolute_path), 1)
                raise CatalogueError(f"{rel}:{line}: {schemas.message(first)}")
        chapter = Chapter(data["code"], data["chapter"], tuple(data["path"]), rel, data.get("order", 99), data.get("note"))
        for index, item in enumerate(data["clauses"]):
            chapter.clauses.append(Clause(
                id=item["id"], text=item["text"], coverage=item["coverage"], chapter=chapter.title,
                path=chapter.path, file=rel, line=lines.get(("clauses", index), 1),
                rules=tuple(item.get("rules", ())), register=item.get("register"), field=item.get("field"),
                document=item.get("document"), reason=item.get("reason"), note=item.get("note"), level=item.get("level"),
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
    if any(f.severity == "error" for f in found):
        return "fail"
    return "warn" if found else "pass"


def matrix(result, chapters) -> list[dict]:
    """One row per clause: the data behind ``opsbook clauses`` and the site's clause matrix."""
    by_rule = result.by_rule()
    rows = []
    for chapter in chapters:
        for clause in chapter.clauses:
            enforcing = rules_for(clause, result.rules)
            rows.append({
                "id": clause.id,
                "chapter": chapter.title,
                "path": list(clause.path),
                "text": clause.text,
                "level": clause.level,
                "coverage": clause.coverage,
                "rules": [r.id for r in enforcing],
                "register": clause.register,
                "field": clause.field,
                "document": clause.document,
                "reason": clause.reason,
                "status": status(clause, result.rules, by_rule),
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
