"""The handbook as it was: a revision (tag, commit, ``@{2026-06-30}``) resolved through git.

``REF@{DATE}`` (``@{DATE}`` is ``HEAD@{DATE}``) is the last commit on REF's first-parent
history made on or before DATE in Shanghai, so that it means the same on every clone
(git's own ``@{date}`` reads the local reflog, which a fresh clone does not have).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .dates import SHANGHAI
from .tree import GitTree, TreeError

_DATED = re.compile(r"^(?P<ref>[^@{}]*)@\{(?P<date>\d{4}-\d{2}-\d{2})\}$")


@dataclass
class Revision:
    tree: GitTree
    commit: str
    date: dt.date  # the commit's date in Shanghai, or the date asked for with @{DATE}
    label: str  # as the user wrote it


def _git(root, *args) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise TreeError(f"无法运行 git：{exc}") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise TreeError(f"git {args[0]} 失败：{lines[-1] if lines else done.returncode}")
    return done.stdout.strip()


def resolve(root, text: str) -> Revision:
    """The handbook at ``root`` as committed at revision ``text``; raises TreeError (Chinese)."""
    root = Path(root).resolve()
    asked = None
    rev = text
    match = _DATED.match(text)
    if match:
        try:
            asked = dt.date.fromisoformat(match.group("date"))
        except ValueError:
            raise TreeError(f"“{text}”中的日期无效") from None
        ref = match.group("ref") or "HEAD"
        _git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}")
        rev = _git(root, "rev-list", "-1", "--first-parent", f"--before={asked.isoformat()} 23:59:59 +0800", ref)
        if not rev:
            raise TreeError(f"{ref} 在 {asked.isoformat()} 及以前没有提交")
    tree = GitTree.for_handbook(root, rev)
    stamp = _git(root, "show", "-s", "--format=%cI", tree.commit)
    committed = dt.datetime.fromisoformat(stamp).astimezone(SHANGHAI).date()
    return Revision(tree, tree.commit, asked or committed, text)


def resolve_or_usage(root, text: str):
    """(the tree at ``text``, its date) for the CLI; a usage error when git cannot resolve it."""
    from .cli import UsageError

    try:
        revision = resolve(root, text)
    except TreeError as exc:
        raise UsageError(str(exc)) from None
    return revision.tree, revision.date
