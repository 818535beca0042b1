"""The inspector's pack: read from a revision of a real temporary git repository, reproducible to the byte."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest

from checks.cli import main
from checks.pack import MATRIX, PackError, build_pack

from test_revision import history  # noqa: F401  (the two-commit repository fixture)


@pytest.fixture(scope="module")
def packs(history, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("packs")
    first = build_pack(history, "v2026.11", out / "a", with_pdf=False)
    again = build_pack(history, "v2026.11", out / "b", with_pdf=False)
    return out, first, again


def test_same_revision_same_pack(packs):
    out, first, again = packs
    assert first == again
    assert (out / "a" / "SHA256SUMS").read_bytes() == (out / "b" / "SHA256SUMS").read_bytes()
    for entry in first["files"]:
        assert hashlib.sha256((out / "a" / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


def test_the_manifest_names_the_commit_and_the_date(packs, history):  # noqa: F811
    out, first, _ = packs
    manifest = json.loads((out / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["commit"] == first["commit"] and len(manifest["commit"]) == 40
    assert manifest["as_of"] == "2026-11-21"  # the commit's date
    assert manifest["summary"]["errors"] == 0
    assert first["revision"] == "v2026.11"
    paths = {f["path"] for f in first["files"]}
    assert {f"{MATRIX}.xlsx", "发现.xlsx", "findings.json", "台账/drills.xlsx", "台账/staff.xlsx"} <= paths
    assert "台账/emergency_contacts.xlsx" not in paths  # restricted: not for an internal reader


def test_the_clause_matrix_workbook(packs):
    out, *_ = packs
    sheet = openpyxl.load_workbook(out / "a" / f"{MATRIX}.xlsx")[MATRIX]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["条款", "章节", "条文", "满足方式", "检查规则", "状态"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) > 50 and all(r[0] and r[2] for r in rows)
    assert any(r[3] == "台账记录" and "registers/" in (r[8] or "") for r in rows)


def test_document_clauses_name_the_section_that_meets_them(packs):
    out, *_ = packs
    sheet = openpyxl.load_workbook(out / "a" / f"{MATRIX}.xlsx")[MATRIX]
    carried = {r[0]: r[8] for r in sheet.iter_rows(min_row=2, values_only=True)}
    # the catalogue records a section (MAN-01#交易业务系统操作规程): the pack names its heading
    assert carried["ops-3"].startswith("MAN-01《") and "版本" in carried["ops-3"]
    assert "交易业务系统操作规程" in carried["ops-3"].split(" › ", 1)[1] and "没有这一节" not in carried["ops-3"]
    assert " › " not in carried["policy-4"] and carried["policy-4"].startswith("POL-10《")  # a whole document


def test_a_section_the_document_lacks_is_said(ws):
    from checks import pack
    from checks.site.audience import Audience

    handbook = ws.load()
    row = {"coverage": "document", "document": "MAN-01#没有这一节"}
    assert pack._carried_by(handbook, row, Audience(handbook, "internal")).endswith(" › 没有这一节（文档中没有这一节）")


def test_a_pack_goes_into_a_new_directory(history, tmp_path, capsys):  # noqa: F811
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(PackError, match="不是空目录"):
        build_pack(history, "HEAD", tmp_path / "x", with_pdf=False)
    assert main(["--root", str(history), "pack", "--rev", "nope", "-o", str(tmp_path / "y"), "--no-pdf"]) == 2
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_a_pack_written_before_is_replaced(history, tmp_path):  # noqa: F811
    out = tmp_path / "pack"
    first = build_pack(history, "HEAD", out, with_pdf=False)
    (out / "stale.txt").write_text("left from before")
    second = build_pack(history, "HEAD", out, with_pdf=False)
    assert not (out / "stale.txt").exists()
    assert first["files"] == second["files"]
