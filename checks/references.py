"""Where the registers and documents refer to each other.

A field is a reference when its schema is one of the reference types in
``schemas/common.schema.json`` (``$defs/person``, ``$defs/device`` ...): the
schemas are the one place that says so, and editors use the same types.
"""

from __future__ import annotations

from .memo import per_source

# reference type -> (register, list key, Chinese name)
TARGETS = {
    "person": ("staff", "staff", "人员"),
    "device": ("devices", "devices", "设备"),
    "software": ("software", "software", "软件"),
    "ci": ("configuration", "items", "配置项"),
    "supplier": ("suppliers", "suppliers", "供应商"),
    "change": ("changes", "changes", "变更"),
    "incident": ("incidents", "incidents", "事件"),
    "drill": ("drills", "drills", "演练"),
    "position": ("positions", "positions", "岗位"),
    "document": (None, None, "文档"),
}


def _resolve(handbook, ref: str, current: str) -> tuple[dict, str]:
    """``ref`` from the schema file ``current``, resolved once per handbook (a register repeats the same few)."""
    from .schemas import resolve_ref

    resolved = handbook.__dict__.setdefault("_resolved_refs", {})
    if (ref, current) not in resolved:
        resolved[ref, current] = resolve_ref(handbook.schema, ref, current)
    return resolved[ref, current]


def walk(handbook, schema: dict, data, path: tuple, current: str, out: list) -> None:
    """Collect (kind, value, path) for every reference in ``data``."""
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if ref:
        kind = ref.rsplit("/", 1)[-1]
        if kind in TARGETS and "$defs" in ref:
            if isinstance(data, str):
                out.append((kind, data, path))
            return
        if kind == "persons" and "$defs" in ref:
            if isinstance(data, list):
                out.extend(("person", v, path + (i,)) for i, v in enumerate(data) if isinstance(v, str))
            return
        target, target_file = _resolve(handbook, ref, current)
        walk(handbook, target, data, path, target_file, out)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(keyword, []):
            walk(handbook, sub, data, path, current, out)
    if isinstance(data, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, value in data.items():
            if key in props:
                walk(handbook, props[key], value, path + (key,), current, out)
            elif isinstance(extra, dict):
                walk(handbook, extra, value, path + (key,), current, out)
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(data):
            walk(handbook, schema["items"], value, path + (index,), current, out)


def references(handbook):
    """Yield (source, kind, value, path) for every reference in usable registers and documents."""
    from .schemas import DOCUMENT_SCHEMA, SCHEMA_DIR, schema_path

    for register in handbook.registers.values():
        if handbook.usable(register.name):
            for kind, value, where in _walked(register, schema_path(handbook, register), handbook=handbook):
                yield register, kind, value, where
    doc_schema = f"{SCHEMA_DIR}/{DOCUMENT_SCHEMA}"
    for document in handbook.docs():
        for kind, value, where in _walked(document, doc_schema, handbook=handbook):
            yield document, kind, value, where


@per_source
def _walked(source, schema: str, *, handbook) -> tuple:
    """The (kind, value, path) references of one file under ``schema``, its masked fields left out (SCH001
    reports them): walked once per loaded file (the handbook reads the schemas the file was validated and
    filed under, :mod:`checks.memo`)."""
    found: list = []
    walk(handbook, handbook.schema(schema), source.data, (), schema, found)
    return tuple(item for item in found if not source.masked(item[2]))


def known_ids(handbook, kind: str) -> set | None:
    """The ids a reference of ``kind`` may name, or None when the target register is unusable.

    A record keeps its id here even when the record, or the id itself, broke its schema:
    SCH001 reports that once, and references to the record are not reported again.  While a
    record has no readable id at all, the list is incomplete and references are not judged."""
    if kind == "document":
        ids = set(handbook.documents_by_id)
        for document in handbook.documents:
            written = document.data.get("id") if isinstance(document.data, dict) else None
            ids.update(i for i in (document.salvaged_id, written) if isinstance(i, str))
        return ids
    register, key, _ = TARGETS[kind]
    if not handbook.usable(register):
        return None
    root = handbook.root_of(register)
    if not isinstance(root.get(key), list):  # the list itself is missing or broken: nothing to compare with
        return None
    from .model import Record

    ids = set()
    for index, item in enumerate(root.data[key]):
        written = Record(root.source, (key, index), item).id if isinstance(item, dict) else None
        if written is None:
            return None  # a record without a readable id: the list is incomplete until SCH001 is fixed
        ids.add(str(written))
    return ids
