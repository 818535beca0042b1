"""Registers to Excel and back (openpyxl for the workbook, ruamel.yaml for round-trip writes).

Export: one sheet per list of each register, Chinese headers from the schema's
titles, the field keys in a hidden second row, dates as Excel dates, ids and
phone numbers as text, drop-downs from the schema's enums, a frozen header.
Every text cell is stored as text, never as a formula, so a value such as
``=cmd|' /C calc'!A0`` from a register is shown, not run (formula injection).

Import: every sheet is read and every row converted and validated against the
register's schema before anything is written; a rejected cell is reported by
sheet, row and column header with the schema's Chinese message, and then no
file is written at all.  Records are matched by id (or, in lists without ids,
by the position column); a row that is gone is reported, and only removed with
``allow_delete``.  Files are rewritten with ruamel.yaml, which keeps their
comments, key order and schema line; a register whose records did not change is
not rewritten, so exporting and importing again changes no byte.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import schemas, sheets, yamlio
from .model import SENSITIVITY_ZH, Handbook, sensitivity_rank
from .reproducible import fixed_zip

META_SHEET = "_opsbook"
LISTS_SHEET = "_选项"
README_SHEET = "说明"
HEADER_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3
# bounds on what an import reads: a workbook is untrusted input
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit


class WorkbookError(Exception):
    """The workbook cannot be read at all (not xlsx, too large …); the message is Chinese."""


def register_level(register) -> str:
    from .site.audience import register_level as level

    return level(register)


def _width(text) -> int:
    text = "" if text is None else str(text)
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                   for line in text.split("\n")), default=0)
    return longest


def set_text(cell, value) -> None:
    """Write ``value`` into ``cell``; text is always stored as text (never a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited


def _clean(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:MAX_CELL_CHARS]
    return value


def write_table(ws, headers: list, rows: list, comments: list | None = None, keys: list | None = None,
                text_columns: set | None = None) -> None:
    """A plain sheet: bold frozen header, optional hidden key row, widths that fit."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col)
        set_text(cell, header)
        cell.font, cell.fill = bold, fill
        if comments and comments[col - 1]:
            cell.comment = Comment(comments[col - 1], "opsbook", width=300, height=120)
    first = HEADER_ROW + 1
    if keys is not None:
        for col, key in enumerate(keys, start=1):
            set_text(ws.cell(row=KEY_ROW, column=col), key)
        ws.row_dimensions[KEY_ROW].hidden = True
        first = FIRST_DATA_ROW
    widths = [_width(h) for h in headers]
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            set_text(cell, _clean(value))
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif text_columns and c - 1 in text_columns:
                cell.number_format = "@"
            if isinstance(value, str) and "\n" in value:
                cell.alignment = wrap
            widths[c - 1] = max(widths[c - 1], 10 if isinstance(value, dt.date) else _width(value))
    from openpyxl.utils import get_column_letter

    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = ws.cell(row=first, column=1)


def new_workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "opsbook"
    wb.properties.lastModifiedBy = "opsbook"
    return wb


def save(wb, when: dt.date) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return fixed_zip(buffer.getvalue(), when)


def _sheet_name(wanted: str, taken: set) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in wanted)[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken or name in (META_SHEET, LISTS_SHEET, README_SHEET):
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def exportable(handbook: Handbook, names=None, max_sensitivity: str = "internal") -> tuple[list, list]:
    """(registers to export, Chinese notes on those left out)."""
    limit = sensitivity_rank(max_sensitivity)
    chosen, notes = [], []
    wanted = list(names) if names else sorted(handbook.registers)
    for name in wanted:
        register = handbook.registers.get(name)
        if register is None:
            raise WorkbookError(f"没有名为“{name}”的台账（registers/{name}.yaml）")
        level = register_level(register)
        if sensitivity_rank(level) > limit:
            notes.append(f"{register.path}：敏感性为{SENSITIVITY_ZH.get(level, level)}，高于"
                         f"{SENSITIVITY_ZH[max_sensitivity]}，未导出")
            continue
        if not register.readable or not isinstance(register.data, dict):
            notes.append(f"{register.path}：无法读取，未导出（先运行 opsbook check）")
            continue
        chosen.append(register)
    return chosen, notes


def export(handbook: Handbook, names=None, max_sensitivity: str = "internal", when: dt.date | None = None,
           source: str = "") -> tuple[bytes, list]:
    """The workbook's bytes and notes on what was left out.  ``when`` fixes every timestamp in the file."""
    from openpyxl.worksheet.datavalidation import DataValidation

    when = when or handbook.as_of
    registers, notes = exportable(handbook, names, max_sensitivity)
    wb = new_workbook()
    readme = wb.create_sheet(README_SHEET)
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists_ws.sheet_state = "hidden"
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    meta.append(["sheet", "register", "list", "by"])
    taken: set = set()
    overview = []
    list_column = 0
    for register in registers:
        for table in sheets.tables(handbook, register):
            columns = sheets.visible_columns(table, max_sensitivity)
            hidden = [c.title for c in table.columns if c not in columns]
            records = register.data.get(table.key)
            records = records if isinstance(records, list) else []
            title = register.data.get("title") or register.name
            name = _sheet_name(table.title, taken)
            ws = wb.create_sheet(name)
            meta.append([name, register.name, table.key, "id" if table.by_id else sheets.INDEX_KEY])
            rows = []
            for index, record in enumerate(records, start=1):
                record = record if isinstance(record, dict) else {}
                rows.append([index if c.key == sheets.INDEX_KEY else sheets.to_cell(c, record.get(c.key))
                             for c in columns])
            comments = [f"{c.key}{'（必填）' if c.required else ''}" + (f"\n{c.description}" if c.description else "")
                        for c in columns]
            text_columns = {i for i, c in enumerate(columns) if c.kind in ("text", "time", "enum", "list")}
            write_table(ws, [c.header for c in columns], rows, comments, [c.key for c in columns], text_columns)
            last = FIRST_DATA_ROW + max(len(rows), 0) + 500
            from openpyxl.utils import get_column_letter, quote_sheetname

            for i, column in enumerate(columns, start=1):
                if column.kind not in ("enum", "boolean"):
                    continue
                choices = [str(v) for v in column.choices] if column.kind == "enum" else ["TRUE", "FALSE"]
                list_column += 1
                letter = get_column_letter(list_column)
                for r, choice in enumerate(choices, start=1):
                    set_text(lists_ws.cell(row=r, column=list_column), choice)
                validation = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                                            formula1=f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(choices)}",
                                            errorTitle="无效的值", error=f"{column.title}应为：{'、'.join(choices)}"[:255])
                ws.add_data_validation(validation)
                col_letter = get_column_letter(i)
                validation.add(f"{col_letter}{FIRST_DATA_ROW}:{col_letter}{last}")
            overview.append([name, f"{title}（{register.path}）", table.key, len(rows),
                             "按编号（id）对应" if table.by_id else "按序号对应",
                             "、".join(hidden) and f"未导出（敏感）：{'、'.join(hidden)}"])
    readme_rows = [
        ["用途", "台账的 Excel 副本；修改后可用 opsbook import xlsx 导回，台账以 registers/ 中的 YAML 为准"],
        ["来源", source or "工作区"],
        ["日期", when.isoformat()],
        ["读者级别", f"{SENSITIVITY_ZH[max_sensitivity]}（{max_sensitivity}）及以下"],
        ["导入", "隐藏的第 2 行是字段名，请勿删除；新增记录写在表末；删除的行不会自动删除记录（--allow-delete）"],
    ]
    readme_rows += [["未导出", note] for note in notes]
    readme_rows += [["", ""], ["工作表", "台账 / 列表 / 记录数 / 对应方式 / 说明"]]
    readme_rows += [[row[0], " / ".join(str(v) for v in row[1:] if v != "")] for row in overview]
    write_table(readme, ["项目", "内容"], readme_rows)
    wb.move_sheet(README_SHEET, offset=-wb.index(readme))
    return save(wb, when), notes


# -- import ---------------------------------------------------------------------

@dataclass
class Rejection:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”"
        if self.row:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


@dataclass
class Mapping:
    """How a workbook that opsbook did not write maps onto a register."""

    register: str | None = None
    sheets: dict = field(default_factory=dict)  # sheet name -> {"list": key, "header_row": n, "columns": {header: key}}
    columns: dict = field(default_factory=dict)  # header -> key, for every sheet

    @classmethod
    def parse(cls, items: list[str] | None) -> "Mapping":
        mapping = cls()
        for item in items or []:
            path = Path(item)
            if item.endswith((".yaml", ".yml")):
                if not path.is_file():
                    raise WorkbookError(f"找不到映射文件 {item}")
                text, problem = yamlio.decode(path.read_bytes())
                if problem:
                    raise WorkbookError(f"{item}：{problem.message}")
                try:
                    data, _, _ = yamlio.load(text)
                except yamlio.LoadError as exc:
                    raise WorkbookError(f"{item} 第 {exc.problem.line} 行：{exc.problem.message}") from None
                if not isinstance(data, dict):
                    raise WorkbookError(f"{item}：映射文件应为映射（register、sheets、columns）")
                mapping.register = data.get("register") or mapping.register
                for name, spec in (data.get("sheets") or {}).items():
                    if not isinstance(spec, dict):
                        raise WorkbookError(f"{item}：sheets.{name} 应为映射（list、header_row、columns）")
                    mapping.sheets[str(name)] = spec
                mapping.columns.update({str(k): str(v) for k, v in (data.get("columns") or {}).items()})
            else:
                header, sep, key = item.partition("=")
                if not sep or not header.strip():
                    raise WorkbookError(f"--map 应写作 “列标题=字段名”（“列标题=” 表示不导入该列）或映射文件路径，收到“{item}”")
                mapping.columns[header.strip()] = key.strip()
        return mapping


@dataclass
class Plan:
    """What an import would change; nothing is written until ``rejections`` is empty."""

    rejections: list = field(default_factory=list)
    writes: dict = field(default_factory=dict)  # register path -> new text
    changes: list = field(default_factory=list)  # Chinese lines: what changed
    deletions: list = field(default_factory=list)  # Chinese lines: rows gone from the workbook


def _open(path: Path):
    from openpyxl import load_workbook

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise WorkbookError(f"无法读取 {path}：{exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"{path} 超过 {MAX_FILE_BYTES // 1024 // 1024} MB，拒绝读取")
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise WorkbookError(f"{path} 解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，拒绝读取")
    except zipfile.BadZipFile:
        raise WorkbookError(f"{path} 不是 Excel 工作簿（.xlsx）；.xls 或 .csv 请先在 Excel 中另存为 .xlsx") from None
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise WorkbookError(f"{path} 无法作为 .xlsx 读取：{exc}") from None


def _rows(ws, plan: Plan) -> list[tuple[int, list]]:
    out = []
    for number, row in enumerate(ws.iter_rows(max_row=MAX_ROWS + 10), start=1):
        if number > MAX_ROWS + 3:
            plan.rejections.append(Rejection(ws.title, None, None, f"超过 {MAX_ROWS} 行，拒绝读取；请分批导入"))
            break
        cells = list(row)
        while cells and getattr(cells[-1], "value", None) is None:
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            plan.rejections.append(Rejection(ws.title, number, None, f"超过 {MAX_COLUMNS} 列，拒绝读取"))
            break
        values = []
        for cell in cells:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                            and getattr(cell, "data_type", None) != "s"):
                values.append(_Formula(value))
            else:
                values.append(value)
        out.append((number, values))
    return out


class _Formula(str):
    """A cell holding a formula: rejected, never evaluated."""


def _table_for(handbook, tables_by_reg, register_name, key):
    for table in tables_by_reg.get(register_name, []):
        if table.key == key:
            return table
    return None


def plan_import(handbook: Handbook, path, register: str | None = None, mapping: Mapping | None = None,
                allow_delete: bool = False) -> Plan:
    """Read the workbook at ``path`` and work out every register's new text (nothing is written)."""
    path = Path(path)
    mapping = mapping or Mapping()
    register = register or mapping.register
    plan = Plan()
    wb = _open(path)
    try:
        names = wb.sheetnames
        meta = {}
        if META_SHEET in names:
            for row in wb[META_SHEET].iter_rows(min_row=2, max_row=1000, max_col=4, values_only=True):
                if row and row[0] and row[1] and row[2]:
                    meta[str(row[0])] = (str(row[1]), str(row[2]))
        tables_by_reg = {name: sheets.tables(handbook, reg) for name, reg in handbook.registers.items()}
        if register and register not in handbook.registers:
            raise WorkbookError(f"没有名为“{register}”的台账（registers/{register}.yaml）")
        targets = []  # (sheet name, table, header_row, column map)
        for name in names:
            if name in (META_SHEET, LISTS_SHEET, README_SHEET):
                continue
            spec = mapping.sheets.get(name, {})
            target = None
            if name in meta:
                if register and meta[name][0] != register:
                    continue  # a sheet of another register, when --register limits the import
                target = _table_for(handbook, tables_by_reg, *meta[name])
                if target is None:
                    plan.rejections.append(Rejection(name, None, None, f"台账 {meta[name][0]} 中没有列表 {meta[name][1]}"))
                    continue
            elif register:
                key = spec.get("list")
                candidates = tables_by_reg.get(register, [])
                target = next((t for t in candidates if t.key == key or (not key and name in (t.title, t.key))), None)
                if target is None and len(candidates) == 1 and not key:
                    target = candidates[0]
                if target is None:
                    plan.rejections.append(Rejection(name, None, None, f"无法确定对应台账 {register} 的哪个列表；"
                                                     f"请在映射文件 sheets.{name}.list 中指定（可选：{'、'.join(t.key for t in candidates)}）"))
                    continue
            if target is None:
                plan.rejections.append(Rejection(name, None, None, "不是 opsbook 导出的工作表；导入其他表格请用 --register 和 --map 指明对应的台账与列"))
                continue
            targets.append((name, target, spec))
        changed_registers: dict[str, dict] = {}
        table_results = []
        for name, table, spec in targets:
            result = _read_table(handbook, wb[name], table, spec, mapping, plan)
            if result is not None:
                table_results.append((name, table, result))
    finally:
        wb.close()
    if plan.rejections:
        return plan
    # merge the rows into each register's data, then validate the whole register
    by_register: dict[str, list] = {}
    for name, table, result in table_results:
        by_register.setdefault(table.register, []).append((name, table, result))
    for reg_name, entries in sorted(by_register.items()):
        reg = handbook.registers[reg_name]
        data = copy.deepcopy(reg.data)
        origin = {}  # (list key, index in new list) -> (sheet, row)
        edits = []  # (list key, op, ...)
        for name, table, (rows, columns) in entries:
            _merge(reg, data, table, name, rows, columns, allow_delete, plan, origin, edits)
        changed_registers[reg_name] = (data, origin, edits, entries)
    if plan.rejections:
        return plan
    for reg_name, (data, origin, edits, entries) in changed_registers.items():
        reg = handbook.registers[reg_name]
        if not edits:
            continue
        rel = schemas.schema_path(handbook, reg)
        try:
            validator = schemas.tree_validator(handbook.tree, rel)
        except (OSError, ValueError, TypeError) as exc:
            plan.rejections.append(Rejection("-", None, None, f"{reg.path} 的 schema 无法读取：{exc}"))
            continue
        columns_of = {table.key: table for _, table, _ in entries}
        for error in sorted(validator.iter_errors(yamlio.to_json(data)), key=lambda e: list(map(str, e.absolute_path))):
            where = tuple(error.absolute_path)
            sheet, row, header = "-", None, None
            if len(where) >= 2 and (where[0], where[1]) in origin:
                sheet, row = origin[(where[0], where[1])]
                table = columns_of.get(where[0])
                field_key = where[2] if len(where) >= 3 else (
                    error.validator_value[0] if error.validator == "required" and isinstance(error.validator_value, list) else None)
                if error.validator == "required" and isinstance(error.instance, dict):
                    missing = [k for k in error.validator_value if k not in error.instance]
                    field_key = missing[0] if missing else field_key
                column = table.column(field_key) if table and field_key else None
                header = column.header if column else field_key
            elif len(where) >= 2 and isinstance(where[1], int):
                continue  # a record the workbook did not touch: opsbook check reports it
            plan.rejections.append(Rejection(sheet, row, header, schemas.message(error)))
        if plan.rejections:
            continue
        try:
            plan.writes[reg.path] = _rewrite(handbook, reg, data, edits)
        except _RewriteError as exc:
            plan.rejections.append(Rejection("-", None, None, str(exc)))
    if plan.rejections:
        plan.writes.clear()
    return plan


def _header_map(table, header_values, key_values, spec, mapping, sheet, plan):
    """Column index -> Column, from the hidden key row or the headers (and the mapping)."""
    by_key = {c.key: c for c in table.columns}
    by_title = {}
    for c in table.columns:
        by_title.setdefault(c.header, c)
        by_title.setdefault(f"{c.header}（{c.key}）", c)
    explicit = dict(mapping.columns)
    explicit.update({str(k): str(v) for k, v in (spec.get("columns") or {}).items()})
    out = {}
    use_keys = key_values is not None and any(v in by_key for v in key_values if isinstance(v, str))
    for index, header in enumerate(header_values):
        if header is None or str(header).strip() == "":
            continue
        header = str(header).strip()
        key = None
        if use_keys:
            key = key_values[index] if index < len(key_values) else None
            key = key if key in by_key else None
        if key is None and header in explicit:
            key = explicit[header]
            if not key:
                continue  # mapped to nothing: the column is not imported
            if key not in by_key:
                plan.rejections.append(Rejection(sheet, None, header, f"映射到的字段“{key}”不在 {table.register}.{table.key} 中"
                                                 f"（可用：{'、'.join(by_key)}）"))
                continue
        if key is None:
            column = by_title.get(header) or by_key.get(header)
            key = column.key if column else None
        if key is None:
            plan.rejections.append(Rejection(sheet, None, header, "无法对应到台账字段；请用 --map “列标题=字段名” 指定，或删除此列"))
            continue
        if key in [c.key for c in out.values()]:
            plan.rejections.append(Rejection(sheet, None, header, f"与另一列对应到同一字段“{key}”"))
            continue
        out[index] = by_key[key]
    return out, use_keys


def _read_table(handbook, ws, table, spec, mapping, plan):
    rows = _rows(ws, plan)
    if not rows:
        return [], {}
    header_row = int(spec.get("header_row", HEADER_ROW)) if str(spec.get("header_row", HEADER_ROW)).isdigit() else HEADER_ROW
    header_values = next((values for number, values in rows if number == header_row), [])
    key_values = next((values for number, values in rows if number == header_row + 1), None)
    columns, use_keys = _header_map(table, header_values, key_values, spec, mapping, ws.title, plan)
    first = header_row + (2 if use_keys else 1)
    if table.by_id and "id" not in [c.key for c in columns.values()]:
        plan.rejections.append(Rejection(ws.title, None, None, f"缺少编号列（id）；{table.title}按编号对应记录"))
        return None
    out = []
    for number, values in rows:
        if number < first:
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        record = {}
        ok = True
        for index, column in columns.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, _Formula):
                plan.rejections.append(Rejection(ws.title, number, column.header, "单元格含有公式，请改为直接填写值"))
                ok = False
                continue
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                plan.rejections.append(Rejection(ws.title, number, column.header, "内容过长"))
                ok = False
                continue
            try:
                record[column.key] = sheets.from_cell(column, value)
            except sheets.CellError as exc:
                plan.rejections.append(Rejection(ws.title, number, column.header, f"{column.title}（{column.key}）{exc}"))
                ok = False
        if ok:
            out.append((number, record))
    return out, {c.key: c for c in columns.values()}


class _RewriteError(Exception):
    pass


def _merge(reg, data, table, sheet, rows, columns, allow_delete, plan, origin, edits):
    existing = data.get(table.key)
    existing = existing if isinstance(existing, list) else []
    present = [c for c in columns if c != sheets.INDEX_KEY]
    index_of = {}
    if table.by_id:
        index_of = {str(r.get("id")): i for i, r in enumerate(existing) if isinstance(r, dict)}
    seen = set()
    new_list = list(existing)
    for number, values in rows:
        if table.by_id:
            key = values.get("id")
            key = None if key is None else str(key)
            if key is None:
                plan.rejections.append(Rejection(sheet, number, columns["id"].header, "编号不能为空"))
                continue
        else:
            key = values.get(sheets.INDEX_KEY)
            if key is not None and not (isinstance(key, int) and 1 <= key <= len(existing)):
                plan.rejections.append(Rejection(sheet, number, sheets.INDEX_TITLE,
                                                 f"序号 {key} 不在 1—{len(existing)} 之间；新增记录请留空"))
                continue
            key = None if key is None else key - 1
        if key is not None and key in seen:
            plan.rejections.append(Rejection(sheet, number, columns["id"].header if table.by_id else sheets.INDEX_TITLE,
                                             f"与前面的行重复（{key if table.by_id else key + 1}）"))
            continue
        if key is not None:
            seen.add(key)
        position = index_of.get(key) if table.by_id else key
        fields = {k: v for k, v in values.items() if k != sheets.INDEX_KEY}
        if position is None:  # a new record
            record = {c.key: fields[c.key] for c in table.columns if c.key in fields and fields[c.key] is not None}
            new_list.append(record)
            origin[(table.key, len(new_list) - 1)] = (sheet, number)
            edits.append((table.key, "add", record))
            plan.changes.append(f"{reg.path}：{table.title}新增记录（工作表“{sheet}”第 {number} 行）")
            continue
        old = new_list[position] if isinstance(new_list[position], dict) else {}
        updated = dict(old)
        diff = {}
        for k in present:
            new_value = fields.get(k)
            if sheets.same(_clean(old.get(k)) if isinstance(old.get(k), str) else old.get(k), new_value):
                continue
            diff[k] = new_value
            if new_value is None:
                updated.pop(k, None)
            else:
                updated[k] = new_value
        origin[(table.key, position)] = (sheet, number)
        if diff:
            new_list[position] = updated
            edits.append((table.key, "update", position, diff))
            label = old.get("id") or f"第 {position + 1} 条"
            plan.changes.append(f"{reg.path}：{table.title} {label} 修改 {'、'.join(columns[k].title for k in diff)}")
    gone = [i for i in range(len(existing))
            if (str(existing[i].get("id")) if table.by_id and isinstance(existing[i], dict) else i) not in seen]
    for i in gone:
        label = existing[i].get("id") if table.by_id and isinstance(existing[i], dict) else f"序号 {i + 1}"
        if allow_delete:
            plan.changes.append(f"{reg.path}：{table.title} {label} 已删除（工作表中没有这一行）")
        else:
            plan.deletions.append(f"{reg.path}：{table.title} {label} 不在工作表“{sheet}”中；未删除（确需删除请加 --allow-delete）")
    if allow_delete and gone:
        for i in sorted(gone, reverse=True):
            del new_list[i]
        edits.append((table.key, "delete", sorted(gone)))
        # positions after the removed records move up
        shifted = {}
        for (key, pos), where in origin.items():
            if key == table.key:
                pos -= sum(1 for g in gone if g < pos)
            shifted[(key, pos)] = where
        origin.clear()
        origin.update(shifted)
    data[table.key] = new_list


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def to_ruamel(value, flow: bool = False):
    """A plain value as ruamel.yaml nodes; multi-line text as a literal block."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = to_ruamel(v, flow)
        if flow:
            out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        out = CommentedSeq(to_ruamel(v, True) for v in value)
        if flow or all(not isinstance(v, (dict, list)) for v in value):
            out.fa.set_flow_style()
        return out
    if isinstance(value, str) and "\n" in value and not flow:
        return LiteralScalarString(value)
    return value


def load_roundtrip(text: str):
    return _yaml().load(text)


def dump_roundtrip(doc) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def _rewrite(handbook, reg, data, edits) -> str:
    text, problem = yamlio.decode(handbook.tree.read_bytes(reg.path))
    if problem:
        raise _RewriteError(f"{reg.path}：{problem.message}")
    doc = load_roundtrip(text)
    order = {}
    for table in sheets.tables(handbook, reg):
        order[table.key] = [c.key for c in table.columns]
    for edit in edits:
        key, op = edit[0], edit[1]
        seq = doc.get(key)
        if seq is None:
            doc[key] = seq = to_ruamel([])
            seq.fa.set_block_style()
        if op == "update":
            position, diff = edit[2], edit[3]
            item = seq[position]
            flow = bool(getattr(item, "fa", None) and item.fa.flow_style())
            for field_key, value in diff.items():
                if value is None:
                    del item[field_key]
                elif field_key in item:
                    item[field_key] = to_ruamel(value, flow)
                else:
                    keys = order.get(key, [])
                    rank = keys.index(field_key) if field_key in keys else len(keys)
                    position_in = sum(1 for k in item if (keys.index(k) if k in keys else len(keys)) <= rank)
                    item.insert(position_in, field_key, to_ruamel(value, flow))
        elif op == "add":
            flow = any(getattr(i, "fa", None) and i.fa.flow_style() for i in seq)
            if len(seq) == 0 and seq.fa.flow_style():
                seq.fa.set_block_style()
            seq.append(to_ruamel(edit[2], flow))
        elif op == "delete":
            for position in reversed(edit[2]):
                del seq[position]
    new_text = dump_roundtrip(doc)
    # the written file must read back as exactly the validated data
    try:
        reread, _, _ = yamlio.load(new_text)
    except yamlio.LoadError as exc:
        raise _RewriteError(f"{reg.path}：写回后无法读取（{exc}），未写入") from None
    if yamlio.to_json(reread) != yamlio.to_json(data):
        raise _RewriteError(f"{reg.path}：写回后的内容与导入的数据不一致，未写入（请向 opsbook 维护者报告）")
    return new_text


def write_files(root: Path, writes: dict) -> None:
    """Write every file (each atomically: a temporary file beside it, then a rename)."""
    for rel, text in writes.items():
        target = Path(root) / rel
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".opsbook-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            try:
                os.chmod(tmp, target.stat().st_mode & 0o777)
            except OSError:
                pass
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
