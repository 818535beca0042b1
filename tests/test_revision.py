"""`opsbook check --rev`: the handbook as committed at a revision, in a real temporary git repository."""

from __future__ import annotations

import pytest

from checks.cli import main
from checks.revision import resolve
from checks.tree import TreeError

from conftest import Workspace
from gitkit import commit, git, init


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Two commits: the sample on 2026-11-21, then a broken staff register on 2026-11-25."""
    ws = Workspace(tmp_path_factory)
    init(ws, date="2026-11-21T18:00:00+08:00")
    git(ws.root, "tag", "v2026.11")
    ws.replace("registers/staff.yaml", "id: P001", "id: X001")
    commit(ws, "break staff", date="2026-11-25T10:00:00+08:00")
    ws.write("registers/staff.yaml", "not: [yaml")  # the working tree: never read by --rev
    return ws.root


def test_check_a_tag_and_a_date_without_touching_the_work_tree(history, capsys):
    assert main(["--root", str(history), "check", "--rev", "v2026.11"]) == 0
    out = capsys.readouterr().out
    assert "截至 2026-11-21" in out and "0 个错误" in out  # --as-of defaults to the commit's date
    assert main(["--root", str(history), "check", "--rev", "@{2026-11-21}"]) == 0
    # the state on a later date: the same commit, checked as of that date
    assert main(["--root", str(history), "check", "--rev", "@{2026-11-24}"]) == 1
    out = capsys.readouterr().out
    assert "截至 2026-11-24" in out and "registers/staff.yaml" not in out
    assert main(["--root", str(history), "check", "--rev", "HEAD", "--as-of", "2026-11-21"]) == 1
    assert "registers/staff.yaml" in capsys.readouterr().out
    assert (history / "registers" / "staff.yaml").read_text(encoding="utf-8") == "not: [yaml"


def test_a_date_resolves_to_the_last_commit_on_or_before_it(history):
    first = git(history, "rev-parse", "v2026.11").strip()
    assert resolve(history, "@{2026-11-21}").commit == first
    assert resolve(history, "main@{2026-11-30}").commit != first
    assert resolve(history, "HEAD~1").date.isoformat() == "2026-11-21"
    with pytest.raises(TreeError, match="没有提交"):
        resolve(history, "@{2020-01-01}")


def test_an_unknown_revision_is_a_usage_error(history, capsys):
    assert main(["--root", str(history), "check", "--rev", "no-such-tag"]) == 2
    assert "no-such-tag" in capsys.readouterr().err
