"""Broken and hostile input: one bad value is one finding; nothing crashes, hangs, reads outside the tree or is lost.

The corpus in ``tests/corpus/`` is in the style of positive and negative example directories:
each ``positive/<case>/case.yaml`` changes a copy of the sample and names the findings it must
give (and no others); each ``negative/<case>/`` is tricky but valid input that must give none.
Every case runs through ``opsbook check``; the ones whose content a reader could see also
through ``opsbook build`` (one build for all of them, in tests marked ``site``).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
import yaml

from checks import cli, engine, yamlio
from conftest import AS_OF, ROOT, run_opsbook

CORPUS = Path(__file__).parent / "corpus"
POSITIVE = sorted(p.name for p in (CORPUS / "positive").iterdir() if (p / "case.yaml").is_file())
NEGATIVE = sorted(p.name for p in (CORPUS / "negative").iterdir() if (p / "case.yaml").is_file())


def run_cli(*args) -> tuple[int, str, str]:
    """``opsbook ARGS`` in this process: (exit code, stdout, stderr)."""
    code, out, err = run_opsbook(*args)
    return code, out, err


def load_case(kind: str, name: str) -> dict:
    return yaml.safe_load((CORPUS / kind / name / "case.yaml").read_text(encoding="utf-8"))


def apply_case(ws, case: dict) -> None:
    for rel in case.get("remove", []):
        ws.remove(rel)
    for edit in case.get("replace", []):
        ws.replace(edit["file"], edit["old"], edit["new"])
    for rel, text in (case.get("write") or {}).items():
        ws.write(rel, text)
    for rel, spec in (case.get("write_bytes") or {}).items():
        data = bytes.fromhex(spec["hex"]) if "hex" in spec else spec["text"].encode(spec["encoding"])
        ws.path(rel).parent.mkdir(parents=True, exist_ok=True)
        ws.path(rel).write_bytes(data)
    for rel, spec in (case.get("generate") or {}).items():
        body = "".join(spec["repeat"].format(i=i, j=i - 1, pad=" " * (i - 1)) if "{" in spec["repeat"] else spec["repeat"]
                       for i in range(1, spec["count"] + 1))
        text = spec.get("prefix", "") + body + spec.get("suffix", "")
        ws.write(rel, (ws.read(rel) if spec.get("append") else "") + text)
    for rel, target in (case.get("links") or {}).items():
        ws.path(rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, ws.path(rel))
    for rel in case.get("crlf_bom", []):
        ws.path(rel).write_bytes(b"\xef\xbb\xbf" + ws.read(rel).replace("\n", "\r\n").encode("utf-8"))


def check_json(root) -> tuple[int, list[dict], str]:
    code, out, err = run_cli("--root", str(root), "check", "--as-of", AS_OF.isoformat(), "--format", "json")
    assert "Traceback" not in out + err
    return code, json.loads(out)["findings"], err


@pytest.fixture(scope="module")
def baseline():
    result = engine.check(ROOT, AS_OF)
    return {(f.file, f.line, f.rule, f.message) for f in result.findings}


def _line(ws, rel, text):
    lines = ws.read(rel).split("\n")
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def _claims(expected, finding, ws) -> bool:
    if expected["rule"] != "any" and finding["rule"] != expected["rule"]:
        return False
    if expected["file"] != "any" and finding["file"] != expected["file"]:
        return False
    if "line" in expected and finding["line"] != expected["line"]:
        return False
    if "at" in expected and finding["line"] != _line(ws, expected["file"], expected["at"]):
        return False
    return expected.get("says", "") in finding["message"]


@pytest.mark.parametrize("name", POSITIVE)
def test_positive_case_gives_exactly_its_findings(ws, baseline, name):
    case = load_case("positive", name)
    apply_case(ws, case)
    started = time.monotonic()
    code, findings, _ = check_json(ws.root)
    new = [f for f in findings if (f["file"], f["line"], f["rule"], f["message"]) not in baseline]
    unclaimed = list(new)
    for expected in case["findings"]:
        mine = [f for f in unclaimed if _claims(expected, f, ws)]
        count = expected.get("count", 1)
        if count == "+":
            assert mine, f"{name}: expected {expected}, got {new}"
        elif count != "*":
            assert len(mine) == count, f"{name}: expected {count} × {expected}, got {mine or new}"
        unclaimed = [f for f in unclaimed if f not in mine]
    assert unclaimed == [], f"{name}: findings the case does not expect: {unclaimed}"
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    assert code == 1, f"{name}: a hostile case must fail the gate"
    for rel in case.get("absent", []):
        assert not (ws.root / rel).exists() and not Path(rel).exists()
    if case.get("text_has") or case.get("text_lacks"):
        _, text, _ = run_cli("--root", str(ws.root), "check", "--as-of", AS_OF.isoformat())
        for piece in case.get("text_has", []):
            assert piece in text
        for piece in case.get("text_lacks", []):
            assert piece not in text
        assert all(re.match(r"^\S.*:\d+: (error|warning) [A-Z]+\d{3} ", line) for line in text.splitlines()[:-1])
    assert time.monotonic() - started < 60  # a loose bound against hangs; speed is measured in make bench


@pytest.mark.parametrize("name", NEGATIVE)
def test_negative_case_gives_no_finding(ws, baseline, name):
    case = load_case("negative", name)
    apply_case(ws, case)
    code, findings, _ = check_json(ws.root)
    ignore = set(case.get("ignore_rules", []))
    new = [f for f in findings if (f["file"], f["line"], f["rule"], f["message"]) not in baseline
           and f["rule"] not in ignore]
    assert new == [], f"{name}: {new}"
    assert code == 0 or ignore


def test_corpus_cases_say_what_they_are():
    for kind, names in (("positive", POSITIVE), ("negative", NEGATIVE)):
        for name in names:
            case = load_case(kind, name)
            assert re.search(r"[\u4e00-\u9fff]", case["about"]), name
            assert (kind == "negative") == ("findings" not in case), name


# -- never a traceback ---------------------------------------------------------------------------

def _subcommands():
    parser = cli.parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


SUBCOMMANDS = _subcommands()
HOSTILE_VALUES = ["", "2026-02-30", "\x1b[31m红\x1b[0m", "../../../../etc/passwd", "@{-1}", "-", "x" * 5000, "\n"]


def _positionals(sub) -> list[str]:
    """Arguments that reach the command's own code: a nested command (``export xlsx``, ``new record``)
    by its first name, then its own required positionals; other positionals a plausible value."""
    out = []
    for a in sub._actions:
        if not a.required:
            continue
        if a.option_strings:  # a required option (``new document --kind``)
            out += [a.option_strings[0], sorted(a.choices)[0] if a.choices else "2026.1"]
        elif a.__class__.__name__ == "_SubParsersAction":
            first = sorted(a.choices)[0]
            out += [first] + _positionals(a.choices[first])
        elif a.choices:
            out.append(sorted(a.choices)[0])
        else:
            out.append("2026.1")
    return out


def _value_options(sub):
    return [a for a in sub._actions if a.option_strings and a.nargs != 0 and a.dest not in ("help", "root")]


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_with_bad_arguments_exits_2_without_a_traceback(name, tmp_path):
    missing = str(tmp_path / "no-such-handbook")
    sub = SUBCOMMANDS[name]
    positionals = _positionals(sub)
    code, out, err = run_cli(name, "--no-such-option", *positionals)
    assert code == 2 and "Traceback" not in out + err and "usage:" in err
    for option in _value_options(sub):
        code, out, err = run_cli(name, *positionals, option.option_strings[0])  # the value left out
        assert code == 2 and "Traceback" not in out + err, (name, option.option_strings)
        for value in HOSTILE_VALUES:
            code, out, err = run_cli("--root", missing, name, *positionals, f"{option.option_strings[0]}={value}")
            assert code in (0, 2) and "Traceback" not in out + err, (name, option.option_strings, value, err)
            assert "\x1b" not in err, "control characters are written out, never sent to the terminal"
    for value in HOSTILE_VALUES[:4]:  # hostile positional values
        if positionals:
            code, out, err = run_cli("--root", missing, name, value)
            assert code == 2 and "Traceback" not in out + err
    code, out, err = run_cli("--root", missing, name, *positionals)
    assert "Traceback" not in out + err
    assert code == (0 if name == "rules" else 2), err
    if code == 2:
        assert "不是 opsbook 手册目录" in err


def test_output_that_cannot_be_written_is_a_usage_error(tmp_path):
    as_of = AS_OF.isoformat()
    for target, says in ((tmp_path, "这是一个文件夹"), (Path(__file__) / "report.json", "上级")):
        code, _, err = run_cli("check", "--as-of", as_of, "--output", str(target))
        assert code == 2 and says in err and "Traceback" not in err


@pytest.mark.parametrize("rev", ["@{-1}", "HEAD@{yesterday}", "no-such-rev", "--all", "HEAD~100000"])
def test_changed_since_any_revision_syntax_is_a_message(ws, rev):
    import subprocess

    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=ws.root, check=True, capture_output=True)
    code, out, err = run_cli("--root", str(ws.root), "check", "--as-of", AS_OF.isoformat(), f"--changed-since={rev}")
    assert "Traceback" not in out + err
    if rev in ("@{-1}", "HEAD@{yesterday}"):  # git's own syntax: resolved as git would (no previous branch here)
        assert code in (0, 2), err
    else:
        assert code == 2 and ("找不到版本" in err or "无效" in err), err


def test_changed_since_in_a_shallow_clone_says_so(ws, tmp_path):
    import subprocess

    def git(*args, cwd=ws.root):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example", *args], cwd=cwd, check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    ws.write("docs/extra.md", "x\n")
    git("add", "-A")
    git("commit", "-qm", "two")
    git("clone", "-q", "--depth", "1", f"file://{ws.root}", str(tmp_path / "shallow"), cwd=tmp_path)
    code, _, err = run_cli("--root", str(tmp_path / "shallow"), "check", "--as-of", AS_OF.isoformat(),
                           "--changed-since", "HEAD~1")
    assert code == 2 and "浅克隆" in err and "fetch-depth: 0" in err


def test_an_internal_error_exits_2_and_says_how_to_report_it(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine, "check", broken)
    code, out, err = run_cli("check", "--as-of", AS_OF.isoformat())
    assert code == 2 and "Traceback" not in err
    assert "内部错误" in err and "ZeroDivisionError" in err and "--debug" in err and "维护者" in err
    code, _, err = run_cli("--debug", "check", "--as-of", AS_OF.isoformat())
    assert code == 2 and "Traceback" in err and "内部错误" in err
    code, _, err = run_cli("check", "--debug", "--as-of", AS_OF.isoformat())
    assert code == 2 and "Traceback" in err


# -- one bad value is one finding ----------------------------------------------------------------

def _first_breakable(text: str):
    """The first line of a register's first list record that holds a plain value (not the id)."""
    lines = text.split("\n")
    data, where, _ = yamlio.load(text)
    for path, line in sorted(where.items(), key=lambda item: item[1]):
        if len(path) == 3 and isinstance(path[1], int) and path[2] != "id" and isinstance(path[2], str):
            match = re.match(r"^(\s*(?:- )?)" + re.escape(path[2]) + r":\s*([^\s{\[].*)$", lines[line - 1])
            if match:
                changed = lines[:]
                changed[line - 1] = f"{match.group(1)}{path[2]}: {{}}"
                return ".".join(map(str, path)), line, "\n".join(changed)
    return None


REGISTERS = sorted(p.name for p in (ROOT / "registers").glob("*.yaml"))
WORST_ALLOWED = 3  # the measured worst case is in the README's testing section


@pytest.mark.parametrize("register", REGISTERS)
def test_one_broken_value_in_each_register_gives_few_findings(baseline, register):
    from checks.tree import FsTree, OverlayTree

    rel = f"registers/{register}"
    broken = _first_breakable((ROOT / rel).read_text(encoding="utf-8"))
    if broken is None:
        pytest.skip(f"{rel} has no list of records")
    where, line, text = broken
    found = [f for f in engine.check(OverlayTree(FsTree(ROOT), {rel: text}), AS_OF).findings
             if (f.file, f.line, f.rule, f.message) not in baseline]
    assert any(f.rule == "SCH001" and f.file == rel and f.line == line for f in found), (where, found)
    assert len(found) <= WORST_ALLOWED, (where, found)
    assert not any(f.rule in ("REF001", "INT001") for f in found), found


def test_the_issues_example_an_unquoted_mobile_number_is_one_finding(baseline):
    from checks.tree import FsTree, OverlayTree

    text = (ROOT / "registers/staff.yaml").read_text(encoding="utf-8").replace(
        'mobile: "13900001001"', "mobile: 13900001001")
    found = [f for f in engine.check(OverlayTree(FsTree(ROOT), {"registers/staff.yaml": text}), AS_OF).findings
             if (f.file, f.line, f.rule, f.message) not in baseline]
    assert [(f.rule, f.file) for f in found] == [("SCH001", "registers/staff.yaml")]


def test_an_invalid_value_reads_as_absent_and_the_record_stays(ws):
    ws.replace("registers/staff.yaml", 'mobile: "13900001001"', "mobile: 13900001001")
    handbook = engine.load(ws.root, AS_OF)
    person = handbook.staff["P001"]  # the record stays, and its id is known
    assert person.get("mobile") is None and "mobile" not in person and person.invalid("mobile")
    assert person.get("name") == "周明远" and not person.invalid("name")
    assert person.data["mobile"] == 13900001001  # what was written is kept, for messages and the site


def test_a_rules_finding_on_a_record_whose_invalid_value_it_read_is_left_to_sch001(ws):
    # ORG002 needs a key position's backup; written as a number, SCH001 reports it and ORG002 does not
    ws.replace("registers/positions.yaml", "    backup: P008\n", "    backup: 8\n")
    found = [f for f in ws.check().findings if f.file == "registers/positions.yaml"]
    assert [f.rule for f in found] == ["SCH001"]
    # with the field missing instead, ORG002 is the one to say so
    ws.replace("registers/positions.yaml", "    backup: 8\n", "")
    assert "ORG002" in {f.rule for f in ws.check().findings}


# -- the tree only -------------------------------------------------------------------------------

def test_symlinks_are_reported_in_a_git_revision_too(ws):
    import subprocess

    from checks.tree import GitTree

    os.symlink("/etc/hostname", ws.path("docs/leak.md"))
    os.symlink("../schemas", ws.path("registers/linked"))
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=ws.root, check=True, capture_output=True)
    for tree in (ws.root, GitTree.for_handbook(ws.root, "HEAD")):
        result = engine.check(tree, AS_OF)
        links = sorted((f.file, f.rule, f.severity) for f in result.findings if f.rule == "LINK001")
        assert links == [("docs/leak.md", "LINK001", "error"), ("registers/linked", "LINK001", "error")]
        assert not any(f.file == "docs/leak.md" and f.rule != "LINK001" for f in result.findings)
        assert all(d.path != "docs/leak.md" for d in result.handbook.documents)


def test_reading_limits_are_settings(ws):
    from checks.model import Handbook

    ws.replace("registers/organisation.yaml", "settings:\n", "settings:\n  yaml_max_depth: 8\n")
    ws.write("docs/nested.md", "---\ntitle: 嵌套\ntags: " + "[" * 9 + "]" * 9 + "\n---\n")
    handbook = Handbook.load(ws.root, AS_OF)
    assert handbook.limits.max_depth == 8
    problems = [p for d in handbook.documents if d.path == "docs/nested.md" for p in d.problems]
    assert [p.code for p in problems] == ["LIM001"] and "8 层" in problems[0].message
    assert [f.rule for f in fired_in(ws, "docs/nested.md")] == ["LIM001"]


def test_staging_reads_front_matter_through_the_bounded_loader(ws):
    """An alias bomb and nesting deeper than the limit in front matter: staging for a reader who may see the
    documents (no full build) reads them with the same limits as the check, gives LIM001 for each and no
    traceback."""
    from checks.site.stage import stage

    bomb = load_case("positive", "alias-bomb-front-matter")["write"]["docs/bomb.md"]
    ws.write("docs/bomb.md", bomb)
    ws.write("docs/deep.md", "---\ntitle: 深\ntags: " + "[" * 200 + "]" * 200 + "\n---\n# 正文\n")
    staged = stage(ws.root, ws.root.parent / "staged", "confidential", AS_OF)  # returns: nothing escaped
    found = {(f.file, f.rule) for f in staged.ctx.result.findings}
    assert {("docs/bomb.md", "LIM001"), ("docs/deep.md", "LIM001")} <= found
    assert staged.config_file.is_file()


def fired_in(ws, rel):
    return [f for f in ws.check().findings if f.file == rel]


def test_default_limits_leave_room_for_a_large_register():
    limits = yamlio.DEFAULT_LIMITS
    assert limits.max_file_mb >= 200 and limits.max_depth >= 32
    # many records sharing defaults through merge keys: more alias values than the floor, fewer than written
    records = "".join(f"  - <<: *d\n    id: R{i}\n" for i in range(60_000))
    text = "defaults: &d {a: 1, b: 2, c: 3, e: 4, f: 5, g: 6, h: 7, i: 8, j: 9, k: 10}\nrecords:\n" + records
    value, _, _ = yamlio.load(text, limits=yamlio.Limits(max_alias_nodes=100_000))
    assert len(value["records"]) == 60_000 and value["records"][-1]["k"] == 10


def test_merge_keys_work_as_yaml_defines_them():
    value, lines, problems = yamlio.load(
        "base: &b {name: 默认, status: active}\nextra: &e {name: 其他, owner: P1}\n"
        "rec:\n  <<: [*b, *e]\n  name: 自己的\n")
    assert value["rec"] == {"name": "自己的", "status": "active", "owner": "P1"}  # own keys win, then earlier merges
    assert problems == []  # an override is not a duplicate key
    assert lines[("rec", "status")] == 1 and lines[("rec", "name")] == 5
    _, _, problems = yamlio.load("a: 1\na: 2\n")
    assert [p.code for p in problems] == ["YAML002"]
    with pytest.raises(yamlio.LoadError) as info:
        yamlio.load("a: &a 1\nb:\n  <<: *a\n")
    assert "合并键" in info.value.problem.message


BUILD_CASES = [name for name in POSITIVE if load_case("positive", name).get("build")]


def _hostile_site():
    """sitekit.hostile_site (tests/site/sitekit.py): the shared hostile handbook, which has the BUILD_CASES."""
    import sys

    folder = str(Path(__file__).parent / "site")
    if folder not in sys.path:
        sys.path.append(folder)
    import sitekit

    return sitekit.hostile_site()


@pytest.mark.site
def test_visible_hostile_cases_build_without_a_traceback_or_a_leak():
    """The corpus cases marked ``build: true`` (content an internal reader could see), all in one
    handbook (the shared hostile one of the site tests), through a real build: it finishes, says what is
    wrong in Chinese and never publishes what a link points at or what could not be read."""
    built = _hostile_site()  # opsbook --root … build --as-of … --site-dir …
    code, stdout, stderr = built.code, built.stdout, built.stderr
    assert "Traceback" not in stdout + stderr
    assert code in (0, 2), stderr
    assert built.seconds < 120  # a loose bound against hangs
    if code == 2:
        assert re.search(r"[\u4e00-\u9fff]", stderr)
        return
    out = built.site.path
    hostname = Path("/etc/hostname").read_text(encoding="utf-8").strip() if Path("/etc/hostname").exists() else None
    for path in out.rglob("*"):
        if not path.is_file() or path.suffix not in (".html", ".json", ".js", ".xml", ".ics"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "outside/passwd" not in text and "root:x:0:0" not in text, path
        assert "leak.html" not in text and "bomb.html" not in text, path  # neither a link nor an unreadable file
        if hostname and len(hostname) > 6:
            assert hostname not in text, path
