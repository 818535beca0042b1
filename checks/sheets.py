"""Registers as tables: the columns of each list of a register, read from its JSON Schema.

One definition serves the Excel export, the Excel import, the inspector's pack
and ``opsbook new record``: which lists a register has, each field's Chinese
title and description, its kind (date, text, list …), its choices and its
sensitivity (``"x-sensitivity"`` on a schema property; a field above the
reader's level is never written out).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from . import dates, schemas, yamlio
from .model import Handbook, Register, field_sensitivity, sensitivity_rank

#: the column that carries a record's position, for lists whose records have no id
INDEX_KEY = "#"
INDEX_TITLE = "序号（请勿修改）"


@dataclass
class Column:
    key: str
    title: str
    kind: str  # date datetime time text integer number boolean enum list complex any
    description: str = ""
    choices: list = field(default_factory=list)
    item_kind: str = ""  # for kind == "list": the kind of each item
    item_words: bool = False  # list items are ids or dates: a cell may also separate them with 、，; or spaces
    sensitivity: str = "internal"
    required: bool = False
    schema: dict = field(default_factory=dict)  # the resolved property schema

    @property
    def header(self) -> str:
        return self.title or self.key


@dataclass
class Table:
    """One list of a register (``registers/drills.yaml`` → ``drills``, ``plans``, ``reports``)."""

    register: str
    key: str
    title: str
    columns: list  # Column
    by_id: bool  # records are matched by their ``id``; otherwise by position
    item_schema: dict = field(default_factory=dict)

    def column(self, key) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _resolve(handbook: Handbook, schema, doc_rel: str, depth: int = 0) -> tuple[dict, str, str]:
    """A property schema with its ``$ref``s merged in; returns (schema, the last $defs name, file of it)."""
    name = ""
    while isinstance(schema, dict) and "$ref" in schema and depth < 10:
        depth += 1
        ref = str(schema["$ref"])
        file, _, pointer = ref.partition("#")
        target_rel = f"{schemas.SCHEMA_DIR}/{file}" if file else doc_rel
        target = handbook.schema(target_rel)
        for part in [p for p in pointer.split("/") if p]:
            target = target.get(part, {}) if isinstance(target, dict) else {}
        if pointer.startswith("/$defs/"):
            name = pointer.rsplit("/", 1)[-1]
        base, inner, _ = _resolve(handbook, target, target_rel, depth) if isinstance(target, dict) else ({}, "", "")
        merged = dict(base)
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        schema, doc_rel, name = merged, target_rel, inner or name
    return (schema if isinstance(schema, dict) else {}), name, doc_rel


def _kind(schema: dict, name: str) -> str:
    if name in ("date", "datetime", "time"):
        return name
    if schema.get("format") == "date":
        return "date"
    if "enum" in schema:
        return "enum"
    types = schema.get("type")
    if isinstance(types, list):
        return "any"
    return {"string": "text", "integer": "integer", "number": "number", "boolean": "boolean",
            "array": "list", "object": "complex"}.get(types, "any")


def _column(handbook, key, prop, doc_rel, required) -> Column:
    resolved, name, rel = _resolve(handbook, prop, doc_rel)
    kind = _kind(resolved, name)
    item_kind, item_words = "", False
    if kind == "list":
        items, item_name, _ = _resolve(handbook, resolved.get("items", {}), rel)
        item_kind = _kind(items, item_name)
        item_words = bool(items.get("pattern")) or item_kind in ("date", "integer", "number")
        if item_kind in ("complex", "list", "any"):
            kind, item_kind = "complex", ""
    return Column(key=key, title=str(prop.get("title") or resolved.get("title") or key), kind=kind,
                  description=str(prop.get("description") or resolved.get("description") or ""),
                  choices=list(resolved.get("enum", [])) if kind == "enum" else [],
                  item_kind=item_kind, item_words=item_words, sensitivity=field_sensitivity(resolved) or "internal",
                  required=required, schema=resolved)


def tables(handbook: Handbook, register: Register) -> list[Table]:
    """The lists of records a register's schema defines, in schema order."""
    rel = schemas.schema_path(handbook, register)
    if rel is None:
        return []
    schema = handbook.schema(rel)
    data = register.data if isinstance(register.data, dict) else {}
    out = []
    for key, prop in (schema.get("properties") or {}).items():
        resolved, _, doc_rel = _resolve(handbook, prop, rel)
        if resolved.get("type") != "array":
            continue
        items, _, items_rel = _resolve(handbook, resolved.get("items", {}), doc_rel)
        if items.get("type") != "object" or not isinstance(items.get("properties"), dict):
            continue
        required = set(items.get("required", []))
        columns = [_column(handbook, k, p, items_rel, k in required) for k, p in items["properties"].items()
                   if isinstance(p, dict)]
        existing = data.get(key) if isinstance(data.get(key), list) else []
        ids = [r.get("id") for r in existing if isinstance(r, dict)]
        by_id = "id" in items["properties"] and all(ids) and len(set(map(str, ids))) == len(ids) == len(existing)
        if not by_id:
            columns.insert(0, Column(INDEX_KEY, INDEX_TITLE, "integer", "记录在台账中的位置；新增的行请留空"))
        out.append(Table(register.name, key, str(resolved.get("title") or key), columns, by_id, items))
    return out


def visible_columns(table: Table, max_sensitivity: str) -> list[Column]:
    limit = sensitivity_rank(max_sensitivity)
    return [c for c in table.columns if sensitivity_rank(c.sensitivity) <= limit]


# -- values <-> cells -----------------------------------------------------------

class CellError(ValueError):
    """A cell that cannot become the field's value; the message is Chinese."""


def to_cell(column: Column, value):
    """The value a register field shows in a cell."""
    if value is None:
        return None
    if column.kind == "list" and isinstance(value, list):
        return "\n".join(_scalar_text(v) for v in value)
    if column.kind == "complex" or isinstance(value, (list, dict)):
        return json.dumps(yamlio.to_json(value), ensure_ascii=False)
    if column.kind == "any" and isinstance(value, (dt.date, dt.datetime)):
        return _scalar_text(value)  # a date or a date and time: kept as written
    if column.kind == "datetime":
        parsed = dates.as_datetime(value)
        return parsed if parsed else str(value)
    if isinstance(value, dt.datetime):
        return dates.as_datetime(value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _scalar_text(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return str(yamlio.to_json(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _convert(kind: str, value, title: str):
    if kind == "date":
        if isinstance(value, dt.datetime):
            if value.time() != dt.time(0):
                raise CellError(f"应为日期（YYYY-MM-DD），实际为日期时间 {value}")
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = dates.as_date(str(value)) if isinstance(value, str) else None
        if parsed is None or not isinstance(value, str) or len(value.strip()) != 10:
            raise CellError(f"应为日期（YYYY-MM-DD），实际为“{value}”")
        return parsed
    if kind == "datetime":
        parsed = dates.as_datetime(value) if isinstance(value, (dt.datetime, str)) else None
        if parsed is None:
            raise CellError(f"应为日期时间（YYYY-MM-DD HH:MM），实际为“{value}”")
        return yamlio.to_json(parsed)  # written as the schema's text "YYYY-MM-DD HH:MM"
    if kind == "time":
        if isinstance(value, dt.time):
            return value.strftime("%H:%M")
        if isinstance(value, dt.datetime):
            return value.strftime("%H:%M")
        return _int_text(value) if not isinstance(value, str) else value.strip()
    if kind == "integer":
        if isinstance(value, bool):
            raise CellError(f"应为整数，实际为“{value}”")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise CellError(f"应为整数，实际为“{value}”") from None
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value) if isinstance(value, float) and value.is_integer() else value
        try:
            number = float(str(value).strip())
        except ValueError:
            raise CellError(f"应为数字，实际为“{value}”") from None
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "是", "yes", "1"):
            return True
        if text in ("false", "否", "no", "0"):
            return False
        raise CellError(f"应为 是/否（TRUE/FALSE），实际为“{value}”")
    if kind in ("text", "enum"):
        if isinstance(value, dt.datetime):
            return str(yamlio.to_json(value))
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _int_text(value)
        return str(value)
    # any: keep the cell's own type; ISO text becomes a date or a date and time again
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and dates.as_date(text):
            return dates.as_date(text)
        if len(text) in (16, 19) and dates.as_datetime(text):
            return dates.as_datetime(text)
    return value


def from_cell(column: Column, value):
    """The field value a cell holds (None for an empty cell); raises CellError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == "list":
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, str):
            parts = [value]
        else:
            text = str(value).replace("\r\n", "\n")
            if column.item_words:
                text = re.sub(r"[、,，;；\s]+", "\n", text)
            parts = [p.strip() for p in text.split("\n") if p.strip()]
        return [_convert(column.item_kind, p, column.title) for p in parts]
    if column.kind == "complex":
        try:
            return json.loads(str(value))
        except ValueError:
            raise CellError("应为 JSON 格式（与导出时相同的写法）") from None
    if isinstance(value, str) and column.kind not in ("text", "enum", "any"):
        value = value.strip()
    return _convert(column.kind, value, column.title)


def same(old, new) -> bool:
    """Whether two field values are the same once read as JSON data (a date and its ISO text are the same)."""
    if _empty(old) and _empty(new):
        return True
    return yamlio.to_json(old) == yamlio.to_json(new)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}
