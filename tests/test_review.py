"""Reviews of a change (``check --base``) in real temporary git repositories: new / existing / fixed
in every output, the gate on new errors, shallow clones; stable fingerprints; SARIF validated
against the official SARIF 2.1.0 schema; JUnit shows warnings."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from checks import engine
from checks.reporters import REPORTERS, SarifReporter

from conftest import AS_OF, run_opsbook
from gitkit import commit, git, init, review

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


run_cli = run_opsbook


def opsbook(ws, *args):
    return run_cli("--root", str(ws.root), "check", "--as-of", "2026-11-21", *args)


@pytest.fixture
def repo(ws):
    """The sample committed with one known, existing error (the room administrator has no backup)."""
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))
    init(ws)
    return ws


def _delete_change_record(ws):
    ws.edit_yaml("registers/changes.yaml", lambda d: d["changes"].pop(0))


def render(result, fmt: str, as_of=AS_OF) -> str:
    return REPORTERS[fmt]().render(result, as_of)


def _validate_sarif(text: str) -> dict:
    data = json.loads(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(data)
    return data


# -- fingerprints -------------------------------------------------------------------

def test_fingerprints_are_stable_across_days(ws):
    # two years on, many reviews are overdue and the messages count the days
    a = ws.check(dt.date(2028, 11, 21))
    b = ws.check(dt.date(2028, 11, 22))
    assert {f.message for f in a.findings} != {f.message for f in b.findings}  # the day counts moved
    assert [f.fingerprint for f in a.findings] == [f.fingerprint for f in b.findings]


def test_fingerprints_survive_lines_moving_and_are_unique(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][1].pop("backup"))
    before = {f.fingerprint: f for f in ws.check().findings if f.rule == "ORG002"}
    ws.replace("registers/positions.yaml", "positions:\n", "# 说明：新增注释使后面的行下移\n\npositions:\n")
    after = {f.fingerprint: f for f in ws.check().findings if f.rule == "ORG002"}
    assert set(before) == set(after) and len(before) == 1
    assert next(iter(after.values())).line == next(iter(before.values())).line + 2
    assert next(iter(after.values())).key == "positions/network-admin"
    result = ws.check(dt.date(2028, 11, 21))
    assert len({f.fingerprint for f in result.findings}) == len(result.findings)


def test_fingerprints_of_id_less_records_survive_a_record_inserted_above(ws):
    # leaves have no id: a finding on one is keyed by what the schema requires of a leave (person, from, to)
    ws.edit_yaml("registers/duty.yaml", lambda d: d["leaves"][3].update(substitute="P999"))
    before = ws.findings("REF001")
    assert len(before) == 1 and before[0].key.startswith("leaves/~") and before[0].key.endswith("/substitute")
    ws.edit_yaml("registers/duty.yaml", lambda d: d["leaves"].insert(0, {
        "person": "P009", "kind": "请假", "from": dt.date(2026, 9, 1), "to": dt.date(2026, 9, 2), "reason": "年休假",
        "approved_by": "P002", "substitute": "P003"}))
    after = ws.findings("REF001")
    assert [f.fingerprint for f in after] == [f.fingerprint for f in before]
    assert after[0].line > before[0].line and after[0].key == before[0].key
    # so does an edit of a field that is not part of the record's natural key
    ws.edit_yaml("registers/duty.yaml", lambda d: d["leaves"][4].update(reason="事假（补记）"))
    assert [f.fingerprint for f in ws.findings("REF001")] == [f.fingerprint for f in before]


# -- --base: what this change introduces ------------------------------------------------

def test_a_change_that_deletes_a_change_record_fails_the_gate_with_new_errors_wherever_they_land(repo):
    _delete_change_record(repo)
    proc = opsbook(repo, "--base", "HEAD", "--format", "json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    new = [f for f in data["findings"] if f["status"] == "new"]
    assert {f["rule"] for f in new} == {"REF001"}
    assert {f["file"] for f in new} >= {"registers/configuration.yaml", "registers/deliveries.yaml", "registers/system_tests.yaml"}
    assert "registers/changes.yaml" not in {f["file"] for f in new}  # they land in other files
    existing = [f for f in data["findings"] if f["status"] == "existing" and f["severity"] == "error"]
    assert [f["rule"] for f in existing] == ["ORG002"]
    assert data["summary"]["new"] == len(new) and data["summary"]["fail_on"] == "new" and not data["summary"]["passed"]


def test_an_existing_error_does_not_fail_the_gate_but_all_does(repo):
    repo.replace("registers/organisation.yaml", "  name: 明川证券股份有限公司", "  name: 明川证券股份有限公司  # 全称")
    proc = opsbook(repo, "--base", "HEAD")
    assert proc.returncode == 0, proc.stdout[-2000:]
    line = next(l for l in proc.stdout.splitlines() if " ORG002 " in l)
    assert line.endswith("[已有]")
    assert "相对基线" in proc.stdout.splitlines()[-1] and "检查通过" in proc.stdout.splitlines()[-1]
    assert opsbook(repo, "--base", "HEAD", "--fail-on", "all").returncode == 1
    assert engine.check(repo.root, AS_OF).errors == 1  # without a base every error counts


def test_fixed_findings_are_reported_in_every_output(repo):
    repo.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].update(backup="P008"))
    result = review(repo)
    assert result.errors == 0
    data = json.loads(render(result, "json"))
    assert [(f["rule"], f["status"]) for f in data["fixed"]] == [("ORG002", "fixed")]
    assert data["summary"]["fixed"] == 1
    assert any(" ORG002 " in l and l.endswith("[已修复]") for l in render(result, "text").splitlines())
    assert any(l.startswith("::notice title=ORG002（已修复）") for l in render(result, "github").splitlines())
    run = _validate_sarif(render(result, "sarif"))["runs"][0]
    assert [(r["ruleId"], r["baselineState"]) for r in run["results"] if r["ruleId"] == "ORG002"] == [("ORG002", "absent")]
    suite = ET.fromstring(render(result, "junit"))
    org = next(c for c in suite.iter("testcase") if c.get("name").startswith("ORG002"))
    assert org.find("failure") is None and {p.get("name"): p.get("value") for p in org.iter("property")}["fixed"] == "1"


def test_new_and_existing_in_github_gitlab_junit_and_sarif(repo):
    _delete_change_record(repo)
    result = review(repo)
    github = render(result, "github").splitlines()
    assert any(l.startswith("::error file=registers/deliveries.yaml,") and "新增" in l for l in github)
    existing = next(l for l in github if "ORG002" in l)
    assert existing.startswith("::warning ") and "已有" in existing  # not gating with --fail-on new
    gitlab = json.loads(render(result, "gitlab"))
    assert any(i["description"].endswith("[新增]") for i in gitlab)
    assert next(i for i in gitlab if i["check_name"] == "ORG002")["description"].endswith("[已有]")
    assert len({i["fingerprint"] for i in gitlab}) == len(gitlab)
    suite = ET.fromstring(render(result, "junit"))
    failed = {c.get("name").split()[0] for c in suite.iter("testcase") if c.find("failure") is not None}
    assert failed == {"REF001"}
    org = next(c for c in suite.iter("testcase") if c.get("name").startswith("ORG002"))
    assert {p.get("name"): p.get("value") for p in org.iter("property")}["existing"] == "1"
    run = _validate_sarif(render(result, "sarif"))["runs"][0]
    states = {(r["ruleId"], r["baselineState"]) for r in run["results"]}
    assert ("REF001", "new") in states and ("ORG002", "unchanged") in states
    assert all(r["partialFingerprints"]["opsbookFinding/v1"] for r in run["results"])
    # a day later the same review gives the same fingerprints
    later = json.loads(render(review(repo, as_of=AS_OF + dt.timedelta(days=1)), "sarif"))["runs"][0]
    prints = lambda r: sorted(x["partialFingerprints"]["opsbookFinding/v1"] for x in r["results"])  # noqa: E731
    assert prints(run) == prints(later)


def test_base_is_the_merge_base_so_later_commits_on_the_target_branch_do_not_count(repo):
    git(repo.root, "checkout", "-q", "-b", "feature")
    repo.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].update(address="上海市浦东新区世纪大道"))
    commit(repo, "feature work")
    git(repo.root, "checkout", "-q", "main")
    repo.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].update(backup="P008"))
    commit(repo, "main fixed ORG002 meanwhile")
    git(repo.root, "checkout", "-q", "feature")
    result = review(repo, base=_merge_base(repo, "main"))
    assert result.fixed == [] and [f.status for f in result.findings if f.rule == "ORG002"] == ["existing"]


def _merge_base(ws, rev):
    from checks import review as rv

    return rv.base_tree(ws.root, rev).commit


def test_history_rules_run_with_a_base(repo):
    repo.edit_yaml("registers/drills.yaml", lambda d: d["drills"].pop(0))
    result = review(repo)
    assert [(f.rule, f.status) for f in result.findings if f.rule.startswith("HIS")] == [("HIS005", "new")]


def test_since_reports_history_findings_over_a_range(repo):
    start = git(repo.root, "rev-parse", "HEAD").strip()
    repo.edit_yaml("registers/drills.yaml", lambda d: d["drills"].pop(0))
    commit(repo, "drop a drill record")
    proc = opsbook(repo, "--since", start)
    assert proc.returncode == 1
    line = next(l for l in proc.stdout.splitlines() if " HIS005 " in l)
    assert "提交 " in line and "删除了演练记录 DRL-2025-01" in line


def test_unknown_base_and_not_a_repository_exit_2(repo, tmp_path_factory):
    proc = opsbook(repo, "--base", "no-such-rev")
    assert proc.returncode == 2 and "找不到版本“no-such-rev”" in proc.stderr and "Traceback" not in proc.stderr
    plain = tmp_path_factory.mktemp("plain")
    (plain / "registers").mkdir(parents=True)
    proc = run_cli("--root", str(plain), "check", "--base", "HEAD")
    assert proc.returncode == 2 and "不在 git 仓库中" in proc.stderr


def test_shallow_clone_without_the_base_says_to_fetch_more_history(repo, tmp_path_factory):
    repo.edit_yaml("registers/organisation.yaml", lambda d: d["organisation"].update(address="上海市浦东新区世纪大道"))
    commit(repo, "second")
    clone = tmp_path_factory.mktemp("clones") / "shallow"
    git(clone.parent, "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    proc = run_cli("--root", str(clone), "check", "--base", "HEAD~1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "浅克隆" in proc.stderr and "fetch-depth: 0" in proc.stderr and "GIT_DEPTH: 0" in proc.stderr
    # a shallow clone that holds the base is enough
    deeper = clone.parent / "deeper"
    git(clone.parent, "clone", "-q", "--depth", "2", f"file://{repo.root}", str(deeper))
    proc = run_cli("--root", str(deeper), "check", "--as-of", "2026-11-21", "--base", "HEAD~1", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert [f["status"] for f in json.loads(proc.stdout)["findings"] if f["rule"] == "ORG002"] == ["existing"]


# -- SARIF ----------------------------------------------------------------------------

def test_sarif_of_the_sample_validates_against_the_official_schema(sample_result):
    run = _validate_sarif(SarifReporter(site_url="http://opsbook.intra/internal/").render(sample_result, AS_OF))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["ORG002"]["shortDescription"]["text"] == "关键岗位设置主备岗"
    assert rules["ORG002"]["helpUri"] == "http://opsbook.intra/internal/rules/ORG002/"
    assert "## 如何修复" in rules["ORG002"]["help"]["markdown"] and rules["ORG002"]["fullDescription"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "CAL001")
    assert result["level"] == "warning" and result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "registers/calendar.yaml"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "CAL001"
    assert "helpUri" not in _validate_sarif(render(sample_result, "sarif"))["runs"][0]["tool"]["driver"]["rules"][0]


def test_sarif_from_the_command_line(ws):
    proc = opsbook(ws, "--format", "sarif", "--site-url", "http://opsbook.intra/")
    assert proc.returncode == 0 and _validate_sarif(proc.stdout)["version"] == "2.1.0"


# -- JUnit shows warnings ----------------------------------------------------------------

def test_junit_lists_warnings_without_failing(sample_result):
    suite = ET.fromstring(render(sample_result, "junit"))
    case = next(c for c in suite.iter("testcase") if c.get("name").startswith("CAL001"))
    assert case.find("failure") is None
    assert {p.get("name"): p.get("value") for p in case.iter("property")}["warnings"] == "1"
    assert "warning 已知交易日历只到 2026-12-31" in case.find("system-out").text
    assert suite.get("failures") == "0"


# -- CI and who may change what ----------------------------------------------------------

def test_ci_pipelines_review_pull_and_merge_requests_against_their_base():
    import yaml

    root = Path(__file__).resolve().parents[1]
    github = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    gate = github["jobs"]["gate"]
    assert gate["steps"][0]["with"]["fetch-depth"] == 0
    assert "pull_request.base.sha" in gate["env"]["BASE"]
    runs = " ".join(step.get("run", "") for step in gate["steps"])
    assert '--base "$BASE"' in runs and "--format sarif" in runs
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in gate["steps"])
    gitlab = yaml.safe_load((root / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gitlab["opsbook-check"]
    assert job["variables"]["GIT_DEPTH"] == 0 and "CI_MERGE_REQUEST_DIFF_BASE_SHA" in " ".join(job["script"])
    assert job["artifacts"]["reports"]["codequality"] and job["artifacts"]["reports"]["junit"]


def test_codeowners_names_an_owner_for_every_register_and_the_checker():
    root = Path(__file__).resolve().parents[1]
    rules = {}
    for line in (root / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            pattern, *owners = line.split()
            rules[pattern] = owners
    for register in sorted((root / "registers").glob("*.yaml")):
        assert rules.get(f"/registers/{register.name}"), f"CODEOWNERS names no owner for registers/{register.name}"
    for path in ("/checks/", "/.github/", "/.gitlab-ci.yml", "/mkdocs.yml", "/schemas/"):
        assert rules[path] == ["@mingchuan/opsbook-maintainers"] or "@mingchuan/opsbook-maintainers" in rules[path]


def test_opsbook_as_of_pins_the_date_for_hooks_and_ci(ws, monkeypatch):
    monkeypatch.setenv("OPSBOOK_AS_OF", "2026-11-21")
    assert json.loads(run_cli("--root", str(ws.root), "check", "--format", "json").stdout)["as_of"] == "2026-11-21"
    monkeypatch.setenv("OPSBOOK_AS_OF", "明天")
    bad = run_cli("--root", str(ws.root), "check")
    assert bad.returncode == 2 and "--as-of 应为日期" in bad.stderr


def test_the_command_runs_as_a_process():
    proc = subprocess.run([sys.executable, "-m", "checks", "check", "--as-of", "2026-11-21", "--format", "sarif"],
                          capture_output=True, text=True, encoding="utf-8", cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0 and _validate_sarif(proc.stdout)["version"] == "2.1.0"
