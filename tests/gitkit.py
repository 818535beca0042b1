"""Helpers for tests that need a real git repository: the sample copied into a temporary
repository, commits, and a review of the working tree against a base revision.

A plain module (not a conftest.py), imported by the history-rule, review and pre-commit tests.
"""

from __future__ import annotations

import os
import subprocess

from checks import engine
from checks.rules import get
from checks.tree import GitTree

from conftest import AS_OF, _Sample, observe

GIT_ENV = {"GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "测试", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd, *args, date: str | None = None) -> str:
    """``git -C cwd …`` as the test author; ``date`` (ISO 8601) pins the author and committer dates."""
    env = {**os.environ, **GIT_ENV}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    done = subprocess.run(["git", "-C", str(cwd), "-c", "commit.gpgsign=false", *args], check=True,
                          capture_output=True, text=True, env=env)
    return done.stdout


def repository(folder, message: str = "sample", date: str | None = None) -> str:
    """Make ``folder`` a git repository with everything in it committed on ``main``; the commit's id."""
    git(folder, "init", "-q", "-b", "main")
    return commit_all(folder, message, date)


def commit_all(folder, message: str, date: str | None = None) -> str:
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(folder, "rev-parse", "HEAD").strip()


def init(ws, date: str | None = None) -> None:
    """Make the workspace a git repository with the sample committed on ``main``."""
    repository(ws.root, "sample", date)


def commit(ws, message: str, date: str | None = None) -> str:
    return commit_all(ws.root, message, date)


def review(ws, rule_id: str | None = None, base: str = "HEAD", as_of=AS_OF):
    """The working tree checked against ``base`` (one rule, or all)."""
    rules = [get(rule_id)] if rule_id else None
    return engine.check(ws.root, as_of, rules=rules, cache=_Sample.cache, base=GitTree.for_handbook(ws.root, base))


def fired(ws, rule_id: str, **kw) -> list:
    """The rule's findings in a review of the working tree (noted for test_every_rule_has_tests)."""
    return observe(rule_id, [f for f in review(ws, rule_id, **kw).findings if f.rule == rule_id])
