"""Skeletons of new records and documents, from the schemas (``opsbook new``).

A new record gets the next free id, today's date in every required date, the
current user's person id (matched by ``git config user.email`` in the staff
register) in every required person field, and a placeholder (〔待填写〕…) in
every other required field, each with its Chinese title and description as a
comment above it.  It is appended to the register in place with ruamel.yaml,
so the file's comments and layout are kept.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

from . import sheets, yamlio
from .model import Handbook
from .placeholders import placeholder


class SkeletonError(Exception):
    """Why no skeleton can be written; the message is Chinese."""


def current_person(handbook: Handbook) -> str | None:
    """The staff id whose email is the git user's, when there is one."""
    try:
        email = subprocess.run(["git", "-C", str(handbook.root), "config", "user.email"], capture_output=True,
                               text=True, check=False).stdout.strip().lower()
    except OSError:
        return None
    if not email:
        return None
    for person_id, person in handbook.staff.items():
        if str(person.get("email", "")).strip().lower() == email:
            return person_id
    return None


def next_id(existing: list, pattern: str | None, today: dt.date) -> str | None:
    """The id after the highest one of this year's numbering (DRL-2026-03 → DRL-2026-04), or None."""
    parsed = []
    for value in existing:
        match = re.fullmatch(r"(.*?)(\d+)", str(value))
        if match:
            parsed.append((match.group(1), match.group(2)))
    if not parsed:
        return None
    prefix = parsed[-1][0]
    year = re.search(r"(?<!\d)(\d{4})(?!\d)", prefix)
    if year and pattern and r"\d{4}" in pattern:
        prefix = prefix[: year.start()] + str(today.year) + prefix[year.end():]
    same = [int(n) for p, n in parsed if p == prefix]
    width = max(len(n) for _, n in parsed)
    candidate = f"{prefix}{(max(same) + 1) if same else 1:0{width}d}"
    taken = {str(v) for v in existing}
    while candidate in taken:
        number = int(re.search(r"(\d+)$", candidate).group(1)) + 1
        candidate = f"{prefix}{number:0{width}d}"
    if pattern and not re.search(pattern, candidate):
        return None
    return candidate


def _comment(column: sheets.Column) -> str:
    text = column.title
    if column.description:
        text += f"：{column.description}"
    if column.choices:
        text += f"（可选：{'、'.join(map(str, column.choices))}）"
    return text


def record_skeleton(handbook: Handbook, table: sheets.Table, today: dt.date, person: str | None) -> tuple[dict, dict]:
    """(the new record, a comment per key)."""
    records = handbook.registers[table.register].data.get(table.key) or []
    record, comments = {}, {}
    for column in table.columns:
        if column.key == sheets.INDEX_KEY:
            continue
        if column.key == "id":
            existing = [r.get("id") for r in records if isinstance(r, dict) and r.get("id")]
            value = next_id(existing, column.schema.get("pattern"), today)
            record["id"] = value or placeholder(column.title)
            comments["id"] = _comment(column) + ("（已自动取下一个编号）" if value else "")
            continue
        if not column.required:
            continue
        name = column.schema.get("pattern", "")
        if column.kind == "date":
            value = today
        elif column.kind == "datetime":
            value = dt.datetime.combine(today, dt.time(9))
        elif column.kind == "integer" and column.key == "year":
            value = today.year
        elif person and name == r"^P\d{3,}$":
            value = person
        elif person and column.kind == "list" and column.schema.get("items", {}).get("$ref", "").endswith("/person"):
            value = [person]
        else:
            value = placeholder(column.title)
        record[column.key] = value
        comments[column.key] = _comment(column)
    return record, comments


def _item_text(record: dict, comments: dict, optional: list, indent: int) -> list[str]:
    """The record as block YAML lines at ``indent`` (the dash's column), each field under its comment."""
    from .xlsx import dump_roundtrip, to_ruamel

    pad = " " * indent
    out = []
    for n, (key, value) in enumerate(record.items()):
        text = dump_roundtrip({key: to_ruamel(value, flow=isinstance(value, list))}).rstrip("\n")
        out.append(f"{pad}  # {comments[key]}" if n else f"{pad}# {comments[key]}")
        for m, line in enumerate(text.split("\n")):
            out.append(f"{pad}- {line}" if n == 0 and m == 0 else f"{pad}  {line}")
    for column in optional:
        out.append(f"{pad}  # {column.key}:    # 可选 · {_comment(column)}")
    return out


def _insertion(lines: list[str], key: str) -> tuple[int | None, int, bool]:
    """(index after the list's last line, the items' indent, whether the key line is ``key: []``)."""
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", line)), None)
    if start is None:
        return None, 2, False
    if re.match(rf"^{re.escape(key)}\s*:\s*\[\s*\]\s*(#.*)?$", lines[start]):
        return start + 1, 2, True
    end = start + 1
    last = start
    indent = None
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not line[:1].isspace() and not line.startswith("-"):
            break  # the next top-level key
        if stripped and not stripped.startswith("#"):
            last = end
            if indent is None and stripped.startswith("-"):
                indent = len(line) - len(line.lstrip())
        end += 1
    return last + 1, 2 if indent is None else indent, False


def append_record(handbook: Handbook, register_name: str, list_key: str | None, today: dt.date) -> tuple[str, str, int, int]:
    """Append a skeleton record to the list, right after its last item, changing no other line.

    Returns (file, new text, line of the record, placeholders left)."""
    register = handbook.registers.get(register_name)
    if register is None:
        raise SkeletonError(f"没有名为“{register_name}”的台账（registers/{register_name}.yaml）")
    if not register.readable or not isinstance(register.data, dict):
        raise SkeletonError(f"{register.path} 无法读取；请先修正（opsbook check）")
    tables = sheets.tables(handbook, register)
    if not tables:
        raise SkeletonError(f"{register.path} 的 schema 中没有记录列表")
    if list_key is None:
        chosen = next((t for t in tables if t.key == register_name), tables[0] if len(tables) == 1 else None)
        if chosen is None:
            raise SkeletonError(f"{register.path} 有多个列表，请指定其一：" + "、".join(f"{t.key}（{t.title}）" for t in tables))
    else:
        chosen = next((t for t in tables if t.key == list_key), None)
        if chosen is None:
            raise SkeletonError(f"{register.path} 中没有列表“{list_key}”；可选：" + "、".join(t.key for t in tables))
    if register.data.get(chosen.key) is not None and not isinstance(register.data.get(chosen.key), list):
        raise SkeletonError(f"{register.path} 的 {chosen.key} 不是列表")
    record, comments = record_skeleton(handbook, chosen, today, current_person(handbook))
    optional = [c for c in chosen.columns if c.key not in record and c.key != sheets.INDEX_KEY]
    text, problem = yamlio.decode(handbook.tree.read_bytes(register.path))
    if problem:
        raise SkeletonError(f"{register.path}：{problem.message}")
    lines = text.split("\n")
    trailing = lines and lines[-1] == ""
    if trailing:
        lines = lines[:-1]
    at, indent, empty = _insertion(lines, chosen.key)
    if at is None:
        lines += [f"{chosen.key}:"]
        at, indent = len(lines), 2
    elif empty:
        lines[at - 1] = re.sub(r":\s*\[\s*\]", ":", lines[at - 1], count=1)
    item = _item_text(record, comments, optional, indent)
    lines[at:at] = item
    new_text = "\n".join(lines) + ("\n" if trailing else "")
    try:
        data, _, _ = yamlio.load(new_text)
    except yamlio.LoadError as exc:
        raise SkeletonError(f"{register.path}：新增记录后无法读取（{exc.problem.message}），未写入") from None
    if not isinstance(data, dict) or not isinstance(data.get(chosen.key), list) or \
            yamlio.to_json(data[chosen.key][-1]) != yamlio.to_json(record):
        raise SkeletonError(f"{register.path}：无法在 {chosen.key} 末尾追加记录（文件布局特殊），请手工添加")
    left = sum(1 for v in record.values() if isinstance(v, str) and v.startswith("〔"))
    return register.path, new_text, at + 2, left


KINDS = {
    # kind: (id prefix, folder, category, headings)
    "policy": ("POL", "policies", "制度文档", ["第一章 总则", "第二章 职责", "第三章 管理要求", "第四章 检查与考核", "第五章 附则"]),
    "procedure": ("PRC", "procedures", "制度文档", ["目的与适用范围", "角色与职责", "流程", "记录", "相关文档"]),
    "manual": ("MAN", "manuals", "技术文档", ["适用范围", "操作步骤", "检查与验证", "异常处理"]),
    "plan": ("PLN", "plans", "制度文档", ["总则", "组织体系", "预警与响应", "处置措施", "后期处置", "保障措施"]),
    "guide": ("TEC", "technical", "技术文档", ["概述", "说明"]),
}


def new_document(handbook: Handbook, kind: str, today: dt.date, title: str | None = None) -> tuple[str, str]:
    """(path of the new document, its text); the id is the next free one of its kind."""
    prefix, folder, category, headings = KINDS[kind]
    existing = sorted(str(d.doc_id) for d in handbook.documents if re.fullmatch(rf"{prefix}-\d+", str(d.doc_id or "")))
    doc_id = next_id(existing, None, today) or f"{prefix}-01"
    person = current_person(handbook)
    who = person or placeholder("人员编号，如 P001")
    title_text = title or placeholder("标题")
    front = [
        ("id", doc_id, "文档编号（已自动取下一个编号）"),
        ("title", title_text, "标题"),
        ("kind", kind, "文档类型"),
        ("category", category, "文档分类：制度文档、技术文档、合同文档、审批记录、日志记录"),
        ("author", who, "编写人：人员编号，见 registers/staff.yaml"),
        ("approver", placeholder("审批人人员编号"), "审批人：人员编号"),
        ("version", "0.1", "版本号，发布时改为 1.0"),
        ("sensitivity", "internal", "敏感性：public 公开 / internal 内部 / restricted 受限 / confidential 机密"),
        ("scope", placeholder("使用范围"), "使用范围：适用的部门、系统和人员"),
        ("access", placeholder("使用权限"), "使用权限：谁可以阅读、谁可以修订"),
        ("approval_authority", placeholder("审批权限"), "审批权限：由谁审核、由谁批准"),
        ("status", "draft", "状态：draft 草稿 / active 现行 / obsolete 已废止；发布时改为 active 并填写 published、effective"),
        ("owner", who, "维护人：人员编号"),
    ]
    import json

    lines = ["---"]
    for key, value, comment in front:
        lines.append(f"# {comment}")
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, str) else value}")
    lines.append("revisions:")
    lines.append(f"  - {{version: \"0.1\", date: {today.isoformat()}, author: {json.dumps(who, ensure_ascii=False)}, summary: 初稿}}")
    lines.append("---")
    lines.append("")
    lines.append(f"# {title or '标题'}")
    for heading in headings:
        lines += ["", f"## {heading}", "", "（待编写）"]
    slug = doc_id.lower()
    path = f"docs/{folder}/{slug}.md"
    n = 2
    while handbook.tree.exists(path):
        path, n = f"docs/{folder}/{slug}-{n}.md", n + 1
    return path, "\n".join(lines) + "\n"
