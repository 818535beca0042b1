"""Registers to Excel and back: real workbooks written and read with openpyxl."""

from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pytest

from checks import engine, xlsx
from checks.cli import main

from conftest import AS_OF, ROOT


def _digests(root):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "registers").glob("*.yaml"))}


def _export(ws, tmp_path, *args):
    out = tmp_path / "out.xlsx"
    assert main(["--root", str(ws.root), "export", "xlsx", "-o", str(out), "--as-of", AS_OF.isoformat(), *args]) == 0
    return out


def _sheet_with(wb, register, key):
    meta = wb[xlsx.META_SHEET]
    for row in meta.iter_rows(min_row=2, values_only=True):
        if row[1] == register and row[2] == key:
            return wb[row[0]]
    raise AssertionError(f"no sheet for {register}.{key}")


def _column(ws, key):
    for cell in ws[xlsx.KEY_ROW]:
        if cell.value == key:
            return cell.column
    raise AssertionError(key)


def _row_of(ws, record_id):
    for row in ws.iter_rows(min_row=xlsx.FIRST_DATA_ROW):
        if row[_column(ws, "id") - 1].value == record_id:
            return row[0].row
    raise AssertionError(record_id)


def test_export_then_import_changes_no_byte(ws, tmp_path, capsys):
    before = _digests(ws.root)
    out = _export(ws, tmp_path, "--max-sensitivity", "confidential")
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 0
    assert _digests(ws.root) == before
    assert "未写入任何文件" in capsys.readouterr().out


def test_workbook_layout_headers_dates_text_and_drop_downs(ws, tmp_path):
    wb = openpyxl.load_workbook(_export(ws, tmp_path, "drills", "staff"))
    assert wb.sheetnames[0] == xlsx.README_SHEET
    sheet = _sheet_with(wb, "drills", "drills")
    headers = [c.value for c in sheet[xlsx.HEADER_ROW]]
    assert "演练编号" in headers and "演练日期" in headers
    assert sheet.row_dimensions[xlsx.KEY_ROW].hidden
    assert sheet.freeze_panes == "A3"
    row = _row_of(sheet, "DRL-2025-01")
    date_cell = sheet.cell(row=row, column=_column(sheet, "date"))
    assert isinstance(date_cell.value, dt.datetime) and date_cell.number_format == "yyyy-mm-dd"
    assert any("_选项" in (dv.formula1 or "") for dv in sheet.data_validations.dataValidation)
    staff = _sheet_with(wb, "staff", "staff")
    phone = staff.cell(row=xlsx.FIRST_DATA_ROW, column=_column(staff, "id"))
    assert phone.data_type == "s" and phone.number_format == "@"
    assert wb.properties.modified == dt.datetime(2026, 11, 21)


def test_restricted_registers_and_fields_stay_out_of_an_internal_workbook(ws, tmp_path):
    wb = openpyxl.load_workbook(_export(ws, tmp_path))
    registers = {row[1] for row in wb[xlsx.META_SHEET].iter_rows(min_row=2, values_only=True)}
    assert "emergency_contacts" not in registers and "budget" not in registers
    wb = openpyxl.load_workbook(_export(ws, tmp_path, "--max-sensitivity", "restricted", "emergency_contacts"))
    keys = [c.value for c in _sheet_with(wb, "emergency_contacts", "contacts")[xlsx.KEY_ROW]]
    assert "phone" in keys and "mobile" in keys
    ws.replace("schemas/emergency_contacts.schema.json", '"x-sensitivity": "restricted"', '"x-sensitivity": "confidential"', 2)
    wb = openpyxl.load_workbook(_export(ws, tmp_path, "--max-sensitivity", "restricted", "emergency_contacts"))
    keys = [c.value for c in _sheet_with(wb, "emergency_contacts", "contacts")[xlsx.KEY_ROW]]
    assert "phone" in keys and "mobile" not in keys
    assert "手机" in str([c.value for c in wb[xlsx.README_SHEET]["B"]])  # the reader is told what was left out


def test_the_export_and_the_site_read_a_field_s_sensitivity_alike():
    """One reading of ``x-sensitivity`` (model.field_sensitivity): the columns the export leaves out are the
    fields the site masks, on every list of every register; an unknown level fails closed in both."""
    from checks import sheets
    from checks.model import field_sensitivity
    from checks.site.render import FieldNames

    handbook = engine.load(ROOT, AS_OF)
    marked = []
    for register in handbook.registers.values():
        names = FieldNames.of(handbook, register)
        for table in sheets.tables(handbook, register):
            for column in table.columns[1 if not table.by_id else 0:]:
                site = names.sensitivity((table.key, "[]", column.key))
                assert column.sensitivity == (site or "internal"), (register.name, table.key, column.key)
                if site:
                    marked.append(f"{register.name}.{table.key}.{column.key}")
    assert "staff.staff.mobile" in marked and "emergency_contacts.contacts.mobile" in marked
    assert field_sensitivity({"x-sensitivity": "top-secret"}) == "confidential"
    assert field_sensitivity({"title": "电话"}) is None


def test_an_edited_cell_a_new_row_and_a_missing_row(ws, tmp_path, capsys):
    out = _export(ws, tmp_path, "drills")
    wb = openpyxl.load_workbook(out)
    sheet = _sheet_with(wb, "drills", "drills")
    row = _row_of(sheet, "DRL-2025-01")
    sheet.cell(row=row, column=_column(sheet, "result")).value = "切换成功，用时 12 分钟"
    new = sheet.max_row + 1
    sheet.cell(row=new, column=_column(sheet, "id")).value = "DRL-2026-09"
    sheet.cell(row=new, column=_column(sheet, "date")).value = dt.date(2026, 12, 19)
    sheet.cell(row=new, column=_column(sheet, "title")).value = "补充演练"
    plans = _sheet_with(wb, "drills", "plans")
    plans.delete_rows(_row_of(plans, "DPL-2026-03"))
    wb.save(out)
    before = ws.read("registers/drills.yaml")
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 0
    after = ws.read("registers/drills.yaml")
    err = capsys.readouterr().err
    assert "DPL-2026-03" in err and "--allow-delete" in err
    assert "DPL-2026-03" in after  # reported, not deleted
    assert after.split("\n")[0] == before.split("\n")[0]  # the schema line
    assert "# 演练计划：" in after  # comments kept
    assert "切换成功，用时 12 分钟" in after and "id: DRL-2026-09" in after
    assert engine.check(ws.root, AS_OF).errors == 0
    changed = [line for line in after.split("\n") if line not in before.split("\n")]
    assert len(changed) <= 6, changed

    assert main(["--root", str(ws.root), "import", "xlsx", str(out), "--allow-delete"]) == 0
    assert "id: DPL-2026-03" not in ws.read("registers/drills.yaml")


def test_a_rejected_cell_writes_nothing(ws, tmp_path, capsys):
    out = _export(ws, tmp_path, "drills", "staff")
    wb = openpyxl.load_workbook(out)
    staff = _sheet_with(wb, "staff", "staff")
    staff.cell(row=xlsx.FIRST_DATA_ROW, column=_column(staff, "name")).value = "改了名字"
    sheet = _sheet_with(wb, "drills", "drills")
    row = _row_of(sheet, "DRL-2025-01")
    sheet.cell(row=row, column=_column(sheet, "status")).value = "做完了"
    sheet.cell(row=row, column=_column(sheet, "date")).value = "下周"
    wb.save(out)
    before = _digests(ws.root)
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"工作表“{sheet.title}”第 {row} 行“演练日期”列" in err and "应为日期" in err
    assert "未写入任何文件" in err
    assert _digests(ws.root) == before
    # the schema's own message, once the cell converts
    sheet.cell(row=row, column=_column(sheet, "date")).value = dt.date(2025, 10, 25)
    wb.save(out)
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"第 {row} 行“状态”列" in err and "应为以下之一：已完成、计划中、已取消" in err
    assert _digests(ws.root) == before


def test_formulas_are_neither_exported_nor_imported(ws, tmp_path, capsys):
    ws.replace("registers/drills.yaml", "title: 2026 年上半年行情中断与网络专线切换演练计划",
               "title: \"=cmd|' /C calc'!A0\"")
    out = _export(ws, tmp_path, "drills")
    wb = openpyxl.load_workbook(out)
    plans = _sheet_with(wb, "drills", "plans")
    cell = plans.cell(row=_row_of(plans, "DPL-2026-01"), column=_column(plans, "title"))
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"
    before = _digests(ws.root)
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 0
    assert _digests(ws.root) == before
    cell.value = "=1+1"  # typed into Excel: a real formula
    wb.save(out)
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 1
    assert "公式" in capsys.readouterr().err


def test_a_huge_sheet_is_refused(ws, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    out = _export(ws, tmp_path, "staff")
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 1
    assert "超过 5 行" in capsys.readouterr().err


def test_not_a_workbook(ws, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("id,name\n", encoding="utf-8")
    assert main(["--root", str(ws.root), "import", "xlsx", str(bad)]) == 2
    assert "不是 Excel 工作簿" in capsys.readouterr().err


def test_a_foreign_spreadsheet_with_a_column_mapping(ws, tmp_path, capsys):
    example = ROOT / "examples" / "trainings-legacy.xlsx"
    mapping = ROOT / "examples" / "trainings-legacy.map.yaml"
    before = ws.read("registers/trainings.yaml")
    assert main(["--root", str(ws.root), "import", "xlsx", str(example), "--map", str(mapping)]) == 0, capsys.readouterr()
    after = ws.read("registers/trainings.yaml")
    assert after.startswith(before.split("\n")[0])
    assert "TRR-2026-90" in after and "TRR-2026-91" in after
    assert engine.check(ws.root, AS_OF).errors == 0
    # the same mapping given inline, column by column
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "培训"
    sheet.append(["日期", "编号", "课程"])
    sheet.append([dt.date(2026, 12, 1), "TRN-2026-92", "值班规范"])
    inline = tmp_path / "inline.xlsx"
    wb.save(inline)
    assert main(["--root", str(ws.root), "import", "xlsx", str(inline), "--register", "trainings",
                 "--map", "编号=id", "--map", "日期=date", "--map", "课程=title"]) == 1
    err = capsys.readouterr().err
    assert "无法确定对应台账 trainings 的哪个列表" in err


def test_an_inline_column_mapping_for_a_register_with_one_list(ws, tmp_path, capsys):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "岗位表"
    sheet.append(["岗位名称", "岗位代码", "主岗", "备注（不导入）"])
    sheet.append(["机房管理员", "room-admin", "P003", "x"])  # an existing record, unchanged
    sheet.append(["数据管理员", "data-admin", None, "y"])  # a new one
    path = tmp_path / "positions.xlsx"
    wb.save(path)
    args = ["--root", str(ws.root), "import", "xlsx", str(path), "--register", "positions",
            "--map", "岗位代码=id", "--map", "岗位名称=name", "--map", "主岗=primary"]
    assert main(args) == 1  # the extra column must be mapped or removed
    assert "“备注（不导入）”列" in capsys.readouterr().err
    before = ws.read("registers/positions.yaml")
    assert main(args + ["--map", "备注（不导入）=", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "新增记录" in out and "试运行" in out and "不在工作表" in err
    assert ws.read("registers/positions.yaml") == before
    assert main(args + ["--map", "备注（不导入）="]) == 0
    after = ws.read("registers/positions.yaml")
    assert "  - id: data-admin\n    name: 数据管理员\n" in after and after.startswith(before.rstrip("\n").split("\n")[0])


def test_a_changed_date_and_time_is_written_as_the_schema_text(ws, tmp_path):
    out = _export(ws, tmp_path, "incidents")
    wb = openpyxl.load_workbook(out)
    sheet = _sheet_with(wb, "incidents", "incidents")
    cell = sheet.cell(row=_row_of(sheet, "INC-2026-001"), column=_column(sheet, "recovered"))
    assert isinstance(cell.value, dt.datetime)
    cell.value = dt.datetime(2026, 1, 15, 10, 51)
    wb.save(out)
    before = ws.read("registers/incidents.yaml").split("\n")
    assert main(["--root", str(ws.root), "import", "xlsx", str(out)]) == 0
    after = ws.read("registers/incidents.yaml").split("\n")
    changed = [line for line in after if line not in before]
    assert [line.strip() for line in changed] == ['recovered: "2026-01-15 10:51"']  # quoted, as the file writes it
    assert engine.check(ws.root, AS_OF).errors == 0
