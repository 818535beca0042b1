"""The opsbook command: exit codes, output formats, rule catalogue, reviews of changed files."""

import json
import subprocess
import sys
from pathlib import Path

import git
import pytest

from conftest import ROOT, run_opsbook


def opsbook(*args, cwd=None):
    """``opsbook ARGS`` in this process, from the sample's folder (test_python_dash_m_and_console_script_agree
    starts the real processes)."""
    return run_opsbook(*args, cwd=cwd or ROOT)


def python_m_checks(*args):
    return subprocess.run([sys.executable, "-m", "checks", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT)


def test_sample_passes_the_gate():
    proc = opsbook("check", "--as-of", "2026-11-21")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "检查通过" in proc.stdout.splitlines()[-1]


def test_exit_1_on_an_error_finding(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21")
    assert proc.returncode == 1
    line = next(l for l in proc.stdout.splitlines() if " ORG002 " in l)
    assert line.startswith("registers/positions.yaml:") and ": error ORG002 " in line


def test_root_after_the_subcommand_works_too(ws):
    proc = opsbook("check", "--root", str(ws.root), "--as-of", "2026-11-21", "--format", "json")
    assert json.loads(proc.stdout)["as_of"] == "2026-11-21"


@pytest.mark.parametrize("args", [
    ("check", "--as-of", "2026-13-01"),
    ("check", "--as-of", "昨天"),
    ("check", "--format", "xml"),
    ("bogus",),
    (),
])
def test_exit_2_on_usage_errors(args):
    proc = opsbook(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_exit_2_when_root_is_not_a_handbook(tmp_path):
    proc = opsbook("--root", str(tmp_path), "check")
    assert proc.returncode == 2 and "不是 opsbook 手册目录" in proc.stderr


def test_json_output_shape(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21", "--format", "json")
    data = json.loads(proc.stdout)
    assert set(data) == {"as_of", "findings", "summary"}
    finding = next(f for f in data["findings"] if f["rule"] == "ORG002")
    assert set(finding) == {"rule", "severity", "file", "line", "message", "clause", "fingerprint"}
    assert finding == {"rule": "ORG002", "severity": "error", "file": "registers/positions.yaml",
                       "line": finding["line"], "message": "关键岗位“机房管理员”未设置备岗（backup）", "clause": "org-4",
                       "fingerprint": finding["fingerprint"]}
    assert data["summary"]["errors"] >= 1 and data["summary"]["passed"] is False


def test_output_file_is_utf8(ws, tmp_path):
    out = tmp_path / "out" / "findings.json"
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21", "--format", "json", "-o", str(out))
    assert proc.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["as_of"] == "2026-11-21"


def test_github_annotations(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21", "--format", "github")
    line = next(l for l in proc.stdout.splitlines() if "ORG002" in l)
    assert line.startswith("::error file=registers/positions.yaml,line=")
    assert line.endswith("::关键岗位“机房管理员”未设置备岗（backup）")


def test_gitlab_code_quality(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21", "--format", "gitlab")
    issues = json.loads(proc.stdout)
    issue = next(i for i in issues if i["check_name"] == "ORG002")
    assert issue["severity"] == "major" and issue["location"]["path"] == "registers/positions.yaml"
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_junit(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21", "--format", "junit")
    import xml.etree.ElementTree as ET
    suite = ET.fromstring(proc.stdout)
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert any(name.startswith("ORG002") for name in failed)


def test_rules_catalogue():
    proc = opsbook("rules", "--format", "json")
    assert proc.returncode == 0
    rules = json.loads(proc.stdout)
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    org = next(r for r in rules if r["id"] == "ORG002")
    assert org["clause"] == "org-4" and org["severity"] == "error" and org["title"]
    text = opsbook("rules").stdout
    assert "ORG002\terror\torg-4\t关键岗位设置主备岗" in text


def test_as_of_changes_dated_results(ws):
    # the sample is current in November 2026; two years on, reviews are overdue
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2028-11-21", "--format", "json")
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert "POL003" in rules


def test_changed_since_is_the_old_name_of_base(ws):
    # --changed-since REV used to filter by changed files; it now means --base REV (see tests/test_review.py)
    repo = git.Repo.init(ws.root)
    repo.git.add(A=True)
    repo.index.commit("sample", author=git.Actor("测试", "t@example.com"), committer=git.Actor("测试", "t@example.com"))
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "check", "--as-of", "2026-11-21", "--changed-since", "HEAD", "--format", "json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["base"] == repo.head.commit.hexsha
    assert {(f["rule"], f["status"]) for f in data["findings"] if f["severity"] == "error"} == {("ORG002", "new")}


def test_changed_since_unknown_revision(ws):
    git.Repo.init(ws.root)
    proc = opsbook("--root", str(ws.root), "check", "--changed-since", "no-such-rev")
    assert proc.returncode == 2 and "找不到版本" in proc.stderr


def test_python_dash_m_and_console_script_agree():
    exe = Path(sys.executable).with_name("opsbook")
    if not exe.exists():
        pytest.skip("console script not installed")
    a = subprocess.run([str(exe), "rules"], capture_output=True, text=True, encoding="utf-8", cwd=ROOT)
    b = python_m_checks("rules")
    assert a.returncode == 0 and a.stdout == b.stdout == opsbook("rules").stdout
    gate = python_m_checks("check", "--as-of", "2026-11-21")  # the gate as CI runs it: a process of its own
    assert gate.returncode == 0 and "检查通过" in gate.stdout.splitlines()[-1] and not gate.stderr


def test_clauses_lists_coverage_and_status():
    proc = opsbook("clauses", "--format", "json", "--as-of", "2026-11-21")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)["clauses"]
    row = next(r for r in rows if r["id"] == "org-4")
    assert row["coverage"] == "rule" and row["rules"] == ["ORG002"] and row["status"] == "pass"
    assert row["text"].startswith("运维岗位应至少包括机房管理员")
    assert all(r["status"] in ("pass", "warn", "fail") for r in rows if r["coverage"] == "rule")
    # every other clause has a status from its document, register or assessment (registers/assessments.yaml)
    assert all(r["status"] in ("pass", "warn", "fail", "due", "unassessed") for r in rows if r["coverage"] != "rule")
    text = opsbook("clauses", "--as-of", "2026-11-21").stdout
    assert "org-4\t规则检查\t通过\tORG002\t运维岗位应至少包括" in text
    assert text.splitlines()[-1].startswith("共 ")


def test_clause_status_fails_with_its_rule(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    proc = opsbook("--root", str(ws.root), "clauses", "--format", "json", "--as-of", "2026-11-21")
    row = next(r for r in json.loads(proc.stdout)["clauses"] if r["id"] == "org-4")
    assert row["status"] == "fail" and row["findings"] == 1
