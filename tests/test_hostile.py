"""Broken and hostile input: one bad value is one finding; nothing crashes, hangs, reads outside the tree or is lost.

The corpus in ``tests/corpus/`` is in the style of positive and negative example directories:
each ``positive/<case>/case.yaml`` changes a copy of the sample and names the findings it must
give (and no others); each ``negative/<case>/`` is tricky but valid input that must give none.
Every case runs through ``opsbook check``; the ones whose content a reader could see also
through ``opsbook build`` (one build for all of them, in tests marked ``site``).
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from checks import cli, engine, yamlio
from conftest import AS_OF, ROOT

CORPUS = Path(__file__).parent / "corpus"
POSITIVE = sorted(p.name for p in (CORPUS / "positive").iterdir() if (p / "case.yaml").is_file())
NEGATIVE = sorted(p.name for p in (CORPUS / "negative").iterdir() if (p / "case.yaml").is_file())


def run_cli(*args) -> tuple[int, str, str]:
    """``opsbook ARGS`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


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


# -- linear time -------------------------------------------------------------------------------

def _content_patterns():
    """Every compiled pattern at the top level of a checker module (the site's own are the site's),
    detect-secrets' patterns the secrets rule uses, and PyYAML's resolvers for plain scalars."""
    import importlib
    import pkgutil

    import checks
    import checks.rules

    found = {}
    for package in (checks, checks.rules):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name in ("site", "commands") or info.name.startswith("__"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    found[f"{module.__name__}.{name}"] = value
    from checks.rules import secrets

    # detect-secrets' own patterns run only on windows of bounded length (secrets.find, tested below)
    found.pop("checks.rules.secrets._WINDOW", None)
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        for tag, pattern in resolvers:
            found[f"yaml.resolver.{tag.rsplit(':', 1)[-1]}"] = pattern
    return found


PATTERNS = _content_patterns()
SIZE = 100_000
UNITS = [" ", "\t", "a", "0", "#", "# ", "[", "]", "[a](", "](", "(", "{", "{#", "}", '"', "'", ":", "：", "-", "*",
         "**", "!", "\\", "/", "//a/", "_", ".", "1:", "1-", "eyJ", "AP", "AKIA", "密码：", "口令为", "id: ", "x" * 7,
         "```", "pragma: allowlist", "xoxb-1-", "\u202e"]


def _pathological():
    for unit in UNITS:
        body = unit * (SIZE // len(unit))
        yield unit, body
        yield unit + "!", body + "\x00!"  # a failing end makes a backtracking pattern retry everything


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_content_pattern_runs_in_linear_time(name):
    pattern = PATTERNS[name]
    for unit, text in _pathological():
        started = time.perf_counter()
        pattern.search(text)
        pattern.match(text)
        for _ in zip(range(1000), pattern.finditer(text)):
            pass
        elapsed = time.perf_counter() - started
        assert elapsed < 1.0, f"{name} took {elapsed:.1f}s on 100 KB of {unit!r}"


def test_markdown_scanning_and_secrets_are_linear_on_100_kb_lines():
    from checks.model import load_document, parse_heading
    from checks.rules.secrets import find
    from checks.tree import FsTree, OverlayTree

    for unit, text in _pathological():
        started = time.perf_counter()
        parse_heading("#" + text)
        parse_heading("## " + text + " {#a" + text)
        find(text)
        find(text, "password")
        load_document(OverlayTree(FsTree(ROOT), {"docs/x.md": "---\ntitle: x\n---\n" + text + "\n# " + text}), "docs/x.md")
        elapsed = time.perf_counter() - started
        assert elapsed < 3.0, f"{elapsed:.1f}s on 100 KB of {unit!r}"


def test_heading_parsing_keeps_its_meaning():
    from checks.model import parse_heading

    assert parse_heading("## 标题 ##") == (2, "标题", "")
    assert parse_heading("### 第一章 总则 {#general .x}") == (3, "第一章 总则", "general")
    assert parse_heading("#######x") is None and parse_heading("#标题") is None
    assert parse_heading("# C# 语言") == (1, "C# 语言", "")
    assert parse_heading("# " + " " * 2500 + "x") == (1, "x", "")
