"""Shared test fixtures.

Rule tests follow one pattern: the sample handbook passes (the rule stays
quiet on it), and a copy of the sample with one thing broken makes the rule
fire.  Every test pins its date with ``AS_OF``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from checks import engine

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 21)
SAMPLE_PARTS = ("docs", "registers", "schemas", "standard", "mkdocs.yml")


class Workspace:
    """A copy of the sample handbook that a test may change."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.path(rel).parent.mkdir(parents=True, exist_ok=True)
        self.path(rel).write_text(text, encoding="utf-8")

    def replace(self, rel: str, old: str, new: str, count: int = 1) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, count))

    def remove(self, rel: str) -> None:
        target = self.path(rel)
        shutil.rmtree(target) if target.is_dir() else target.unlink()

    def load_yaml(self, rel: str):
        return yaml.safe_load(self.read(rel))

    def edit_yaml(self, rel: str, change) -> None:
        """Load a register, let ``change(data)`` mutate it, write it back (schema line kept)."""
        text = self.read(rel)
        first = text.split("\n", 1)[0]
        data = yaml.safe_load(text)
        change(data)  # mutates in place; its return value is ignored
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        self.write(rel, (first + "\n" if first.startswith("#") else "") + body)

    def edit_front_matter(self, rel: str, change) -> None:
        """Let ``change(meta)`` mutate a document's front matter."""
        text = self.read(rel)
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        change(meta)
        self.write(rel, "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n" + body)

    def check(self, as_of: dt.date = AS_OF):
        return engine.check(self.root, as_of)

    def findings(self, rule: str, as_of: dt.date = AS_OF) -> list:
        return [f for f in self.check(as_of).findings if f.rule == rule]


@pytest.fixture
def ws(tmp_path) -> Workspace:
    """A fresh copy of the sample handbook."""
    for part in SAMPLE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part)
        elif source.is_file():
            shutil.copy2(source, tmp_path / part)
    return Workspace(tmp_path)


@pytest.fixture(scope="session")
def sample_result():
    """The sample handbook checked as of AS_OF (shared, read-only)."""
    return engine.check(ROOT, AS_OF)


def findings(ws, rule, as_of=AS_OF):
    """The rule's findings on the workspace, running only that rule (faster than a full check)."""
    from checks.rules import get

    return [f for f in engine.check(ws.root, as_of, rules=[get(rule)]).findings if f.rule == rule]


def messages(ws, rule, **kw):
    return sorted(f.message for f in findings(ws, rule, **kw))


def line_of(ws, rel, text, after=None):
    """The 1-based line of the first line of ``rel`` containing ``text`` (after the line containing ``after``)."""
    lines = ws.read(rel).split("\n")
    start = 0 if after is None else next(n for n, line in enumerate(lines) if after in line)
    for number in range(start, len(lines)):
        if text in lines[number]:
            return number + 1
    raise AssertionError(f"{text!r} not in {rel}")


def fired(result, rule: str) -> list:
    return [f for f in result.findings if f.rule == rule]
