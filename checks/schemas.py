"""JSON Schema (2020-12) validation of registers and document front matter.

Each violation becomes a Problem (code SCH001) on the file, at the line of the
offending value, in Chinese, naming the field by its schema title.  The value
that breaks its schema is marked invalid (rules read it as absent, see
:class:`checks.model.Record`); the record around it stays.  A file whose top
level is broken is marked invalid as a whole.
"""

from __future__ import annotations

import json
import posixpath
from functools import lru_cache
from pathlib import Path as FsPath

import jsonschema
from jsonschema import Draft202012Validator

from . import yamlio
from .model import Handbook, Register
from .yamlio import Problem

DOCUMENT_SCHEMA = "document.schema.json"
SCHEMA_DIR = "schemas"

_TYPES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否（true/false）",
    "array": "列表",
    "object": "映射（键: 值）",
    "null": "空值",
}


def _folder_contents(folder: str) -> tuple:
    out = []
    for path in sorted(FsPath(folder).glob("*.json")):
        try:
            out.append((path.name, path.read_text(encoding="utf-8")))
        except OSError:
            continue
    return tuple(out)


@lru_cache(maxsize=None)
def _registry(contents: tuple):
    """Every schema of a folder, registered once under its file name, so that relative
    ``$ref``s resolve to the files beside it (never to the network), as in editors.
    Cached by content: copies of the same schemas share one registry."""
    from referencing import Registry, Resource

    resources = []
    for name, text in contents:
        try:
            resources.append((name, Resource.from_contents(json.loads(text))))
        except ValueError:
            continue  # reported when that schema itself is used
    return Registry().with_resources(resources).crawl()


@lru_cache(maxsize=None)
def _compiled(text: str, contents: tuple) -> Draft202012Validator:
    return Draft202012Validator(json.loads(text), registry=_registry(contents),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=None)
def _fast_compiled(text: str, contents: tuple, name: str):
    """The same schema compiled by jsonschema-rs, to tell quickly that a file is valid (most are);
    None when it is not installed or cannot compile the schema (then only the Python validator runs).
    Its ``$ref``s resolve to the files beside it and nothing else: no reference is ever fetched."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a pinned dependency
        return None

    def refuse(uri):
        raise ValueError(f"不解析外部引用：{uri}")

    try:
        resources = []
        for other, other_text in contents:
            try:
                resources.append((_BASE + other, json.loads(other_text)))
            except ValueError:
                continue
        registry = jsonschema_rs.Registry(resources, retriever=refuse)
        return jsonschema_rs.validator_for(json.loads(text), base_uri=_BASE + name, registry=registry,
                                           validate_formats=True, retriever=refuse)
    except Exception:  # noqa: BLE001 - any failure here only means: validate the slow way
        return None


_BASE = "file:///opsbook-schemas/"


def tree_fast_validator(tree, rel: str):
    """jsonschema-rs's validator for the schema ``rel`` of a tree (see :func:`_fast_compiled`), or None."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    try:
        return _fast_compiled(tree.read_text(rel), _tree_contents(tree, folder), rel.rsplit("/", 1)[-1])
    except (OSError, ValueError):
        return None


def _validator(path: str) -> Draft202012Validator:
    """A validator for one schema file (raises OSError or ValueError when it can't be read)."""
    path = FsPath(path)
    return _compiled(path.read_text(encoding="utf-8"), _folder_contents(str(path.parent)))


def _tree_contents(tree, folder: str = SCHEMA_DIR) -> tuple:
    out = []
    for rel in tree.files(folder, "*.json"):
        try:
            out.append((rel.rsplit("/", 1)[-1], tree.read_text(rel)))
        except (OSError, UnicodeDecodeError):
            continue
    return tuple(out)


def tree_validator(tree, rel: str) -> Draft202012Validator:
    """A validator for the schema file ``rel`` of a tree, its ``$ref``s resolved to the files beside it
    (raises OSError or ValueError when it can't be read)."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return _compiled(tree.read_text(rel), _tree_contents(tree, folder))


def _describe(value) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"数字 {value}"
    if isinstance(value, str):
        return f"“{value[:40]}”"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    return type(value).__name__


def _field_name(error) -> str:
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    key = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), None)
    if title and key:
        return f"{title}（{key}）"
    return f"“{key}”" if key else (title or "文件顶层")


def message(error, raw: dict | None = None) -> str:
    """A Chinese sentence for one JSON Schema error.  ``raw`` maps paths to the
    text as written, where YAML read it as something else."""
    kind, name, value = error.validator, _field_name(error), error.instance
    written = (raw or {}).get(tuple(error.absolute_path))
    if written is not None:  # YAML 1.1 read it as something else: quote what the user wrote
        read = _describe(value)
        read = f" {read} " if read[:1].isascii() else read
        start = f"{name}写作 {written}，YAML 把它读成了{read}{_why(written)}"
        if kind == "type":
            expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            return f"{start}；应为{'或'.join(_TYPES.get(t, t) for t in expected)}，请加引号：\"{written}\""
        return f"{start}；{_message(error, kind, name, value)}；如果要写的就是“{written}”，请加引号：\"{written}\""
    return _message(error, kind, name, value)


def _why(written: str) -> str:
    """Why YAML 1.1 read ``written`` as it did, in a few words."""
    text = written.strip().lower()
    if text in ("yes", "no", "on", "off", "y", "n", "true", "false"):
        return "（YAML 1.1 中 yes/no/on/off 是布尔值）"
    if ":" in text:
        return "（YAML 1.1 把 21:30 这样的写法读作六十进制数）"
    if text.lstrip("+-").startswith("0") and len(text.lstrip("+-")) > 1:
        return "（YAML 1.1 把以 0 开头的数字读作八进制或十六进制）"
    if "_" in text:
        return "（YAML 中数字里的下划线被忽略）"
    return ""


def _message(error, kind, name, value) -> str:
    if kind == "required":
        missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        names = "、".join(f"{props.get(m, {}).get('title', m)}（{m}）" for m in missing)
        return f"缺少必填字段：{names}"
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"未知字段：{'、'.join(extra)}（是否拼写错误？可用字段见 schema）"
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        want = "或".join(_TYPES.get(t, t) for t in expected)
        hint = ""
        if "string" in expected and isinstance(value, (int, float)) and not isinstance(value, bool):
            hint = "；电话号码、编号和时间（如 \"21:00\"）请加引号"
        if "string" in expected and isinstance(value, bool):
            hint = "；yes/no/on/off 在 YAML 中是布尔值，作为文字时请加引号"
        return f"{name}应为{want}，实际为{_describe(value)}{hint}"
    if kind == "enum":
        return f"{name}的值{_describe(value)}无效，应为以下之一：{'、'.join(map(str, error.validator_value))}"
    if kind == "const":
        return f"{name}应为 {error.validator_value}"
    if kind == "format":
        fmt = {"date": "日期（YYYY-MM-DD）", "date-time": "日期时间"}.get(error.validator_value, error.validator_value)
        return f"{name}应为{fmt}，实际为{_describe(value)}"
    if kind == "pattern":
        pattern_title = error.schema.get("x-pattern-zh") if isinstance(error.schema, dict) else None
        return f"{name}格式不正确：{_describe(value)}" + (f"，应为{pattern_title}" if pattern_title else f"（应匹配 {error.validator_value}）")
    if kind in ("minItems", "minLength"):
        return f"{name}不能为空"
    if kind in ("minimum", "exclusiveMinimum"):
        return f"{name}不能小于 {error.validator_value}"
    if kind in ("maximum", "exclusiveMaximum"):
        return f"{name}不能大于 {error.validator_value}"
    if kind == "uniqueItems":
        return f"{name}中有重复的项"
    return f"{name}不符合 schema：{error.message}"


# Errors about an object's keys (a required field missing, an unknown one): the values
# that are there are fine, so nothing is marked invalid; a missing field is simply absent.
_KEY_ERRORS = {"required", "additionalProperties", "dependentRequired", "minProperties", "maxProperties",
               "propertyNames", "unevaluatedProperties", "uniqueItems", "maxItems"}


_UNREAD = ("YAML001", "LIM001", "ENC001")


def _expects_container(error) -> bool:
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("type")
    expected = expected if isinstance(expected, list) else [expected]
    return isinstance(error.instance, (dict, list)) or bool({"object", "array"} & set(expected))


def _validate(source, validator: Draft202012Validator, data, top_level_lists: bool, fast=None) -> None:
    """Report every violation once, at its line, and mark the broken value invalid.

    Only that value is marked: the record it is in stays in the model, its id known to
    references, its other fields checked.  A broken top level (the file is not a mapping,
    or a register's list is not a list) makes the whole file invalid.  ``fast`` (a
    jsonschema-rs validator) answers first; the explaining validator runs only when it fails."""
    from .placeholders import find, is_placeholder

    instance = yamlio.to_json(data)
    for path, text in find(data):  # left by `opsbook new`: one finding each, not a wrong value
        source.problems.append(Problem("SCH003", source.line(path), f"尚未填写：{text}（{'.'.join(map(str, path))}）"))
        source.mark_invalid(path)
    if fast is not None:
        try:
            if fast.is_valid(instance):  # valid: nothing to report, no need for the slow validator
                return
        except Exception:  # noqa: BLE001 - fall through to the validator that explains
            pass
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        if is_placeholder(error.instance):
            continue
        path = tuple(error.absolute_path)
        line = source.line(path)
        source.problems.append(Problem("SCH001", line, message(error, source.raw)))
        if error.validator == "required" and isinstance(error.instance, dict):
            # a missing required field reads as invalid too: a rule that needs it leaves the record to SCH001
            for key in error.validator_value:
                if key not in error.instance:
                    source.mark_invalid(path + (key,))
            continue
        if error.validator in _KEY_ERRORS:
            continue
        if not path or (top_level_lists and len(path) == 1 and _expects_container(error)):
            source.valid = False
        else:
            source.mark_invalid(path)


def resolve_ref(load, ref: str, current: str) -> tuple:
    """The schema node a ``$ref`` names, and the schema file it is in.  ``current`` is the file the
    ``$ref`` is written in (a path with forward slashes); ``load(path)`` returns a parsed schema file
    ({} when it can't be read).  The one resolver for code that walks schemas (references, the
    site's field names); validation resolves through the validators' registries of the same files."""
    file, _, pointer = ref.partition("#")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(current), file)) if file else current
    node = load(path)
    for part in [p for p in pointer.split("/") if p]:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node, path


def deref(load, node, current: str, depth: int = 0) -> tuple[dict, str]:
    """A schema node with its ``$ref`` followed (its own keys win, its ``properties`` added to the target's)
    and its ``allOf`` properties merged in, and the file that what it holds is relative to.  {} for a node
    that is not a mapping.  ``load`` as for :func:`resolve_ref`."""
    if not isinstance(node, dict) or depth > 8:
        return {}, current
    merged = dict(node)
    ref = node.get("$ref")
    if isinstance(ref, str):
        target, path = resolve_ref(load, ref, current)
        target, path = deref(load, target, path, depth + 1)
        for key, value in target.items():
            if key == "properties":
                merged["properties"] = {**value, **merged.get("properties", {})}
            else:
                merged.setdefault(key, value)
        if not any(k in node for k in ("properties", "items", "additionalProperties")):
            current = path  # the node is the referenced one: what it holds is relative to that file
    for sub in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
        sub, _ = deref(load, sub, current, depth + 1)
        if "properties" in sub:
            merged["properties"] = {**sub["properties"], **merged.get("properties", {})}
    return merged, current


def node_at(load, current: str, path: tuple) -> dict:
    """The schema of the value at ``path`` (keys, and list indexes or ``"[]"`` for a list's items) in a file
    whose schema is ``current``: ``$ref``s followed and ``allOf`` merged (:func:`deref`), {} where the schema
    says nothing.  The one walk of a schema for the checker, the site's field names and the exports."""
    node, current = deref(load, load(current), current)
    for key in path:
        if isinstance(key, int) or key == "[]":
            child = node.get("items")
        else:
            props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
            child = props.get(key)
            if child is None:
                child = node.get("additionalProperties")
        node, current = deref(load, child if isinstance(child, dict) else {}, current)
    return node


def schema_path(handbook: Handbook, register: Register) -> str | None:
    """The tree path of the schema a register's first line names (``schemas/….json``), or None."""
    if not register.schema_ref:
        return None
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(register.path), register.schema_ref))
    return None if rel.startswith("../") or rel.startswith("/") else rel


def validate(handbook: Handbook, only=None) -> None:
    """Validate every readable register and document front matter, in place
    (or only the sources in ``only``: the others were validated before, see :mod:`checks.cache`)."""
    tree = handbook.tree
    wanted = None if only is None else {id(source) for source in only}
    for register in handbook.registers.values():
        if wanted is not None and id(register) not in wanted:
            continue
        if not register.readable:
            continue
        if not register.schema_ref:
            register.problems.append(
                Problem("SCH002", 1, "首行应声明 schema，例如：# yaml-language-server: $schema=../schemas/"
                        f"{register.name}.schema.json")
            )
            register.valid = False
            continue
        path = schema_path(handbook, register)
        if path is None or not path.startswith(SCHEMA_DIR + "/") or "/" in path[len(SCHEMA_DIR) + 1:] \
                or not tree.exists(path):
            register.problems.append(Problem("SCH002", 1, f"首行声明的 schema 不存在：{register.schema_ref}"))
            register.valid = False
            continue
        if not isinstance(register.data, dict):
            register.problems.append(Problem("SCH001", 1, "台账顶层应为映射（键: 值），实际为" + _describe(register.data)))
            register.valid = False
            continue
        try:
            validator = tree_validator(tree, path)
        except (OSError, ValueError, jsonschema.SchemaError) as exc:
            register.problems.append(Problem("SCH002", 1, f"schema 文件无法读取：{register.schema_ref}（{exc}）"))
            register.valid = False
            continue
        _validate(register, validator, register.data, top_level_lists=True, fast=tree_fast_validator(tree, path))

    documents = [d for d in handbook.documents if wanted is None or id(d) in wanted]
    if not documents:
        return
    doc_schema = f"{SCHEMA_DIR}/{DOCUMENT_SCHEMA}"
    try:
        validator = tree_validator(tree, doc_schema) if tree.exists(doc_schema) else None
    except (OSError, ValueError, jsonschema.SchemaError):
        validator = None
    fast = tree_fast_validator(tree, doc_schema) if validator is not None else None
    for document in documents:
        if not document.readable or not document.has_front_matter or validator is None:
            continue
        if any(p.code in _UNREAD for p in document.problems):  # front matter not read: YAML001/LIM001 say why
            continue
        _validate(document, validator, document.data, top_level_lists=False, fast=fast)
