"""opsbook as a pre-commit hook, with the real ``pre-commit`` (pinned in pyproject.toml / requirements.lock).

The hook of ``.pre-commit-hooks.yaml`` that these tests run is ``opsbook-check-installed``
(``language: system``) and the README's ``repo: local`` example: both use the opsbook installed in
this virtual environment, so the tests need no network.  The ``language: python`` hook
(``opsbook-check``) would make pre-commit build its own environment and install opsbook's
dependencies from a package index; only its manifest entry is validated here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from gitkit import GIT_ENV, git, init

BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / ("pre-commit.exe" if os.name == "nt" else "pre-commit")
DOC = "docs/policies/pol-06-configuration.md"

pytestmark = pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is not installed (make venv installs it)")

LOCAL_CONFIG = """\
# 内网没有软件包源时：使用手册仓库 .venv 中已安装的 opsbook（见 README「提交前检查」）
repos:
  - repo: local
    hooks:
      - id: opsbook-check
        name: opsbook 合规检查
        entry: opsbook check
        language: system
        pass_filenames: false
        files: ^(docs/|registers/|schemas/|standard/|mkdocs\\.yml$)
"""


def _env(tmp: Path) -> dict:
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"), "OPSBOOK_AS_OF": "2026-11-21",
            "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", ""), "PRE_COMMIT_COLOR": "never"}


def _pre_commit(cwd, tmp, *args):
    return subprocess.run([str(PRE_COMMIT), *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env=_env(tmp), timeout=300)


@pytest.fixture
def handbook(ws):
    init(ws)
    return ws


def _stale(ws):
    ws.replace(DOC, "last_reviewed: 2026-06-11", "last_reviewed: 2025-06-11")


def _fresh(ws):
    ws.replace(DOC, "last_reviewed: 2025-06-11", "last_reviewed: 2026-06-11")


def test_the_hooks_manifest_is_valid(tmp_path):
    proc = _pre_commit(ROOT, tmp_path, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_try_repo_fails_on_a_stale_review_date_and_passes_after_the_fix(handbook, tmp_path):
    _stale(handbook)
    proc = _pre_commit(handbook.root, tmp_path, "try-repo", str(ROOT), "opsbook-check-installed", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "POL003" in proc.stdout and "上次评审于 2025-06-11" in proc.stdout and "Failed" in proc.stdout
    _fresh(handbook)
    proc = _pre_commit(handbook.root, tmp_path, "try-repo", str(ROOT), "opsbook-check-installed", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_the_readme_local_hook_blocks_a_commit_until_the_review_is_recorded(handbook, tmp_path):
    handbook.write(".pre-commit-config.yaml", LOCAL_CONFIG)
    git(handbook.root, "add", ".pre-commit-config.yaml")
    git(handbook.root, "commit", "-q", "-m", "pre-commit")
    assert _pre_commit(handbook.root, tmp_path, "install").returncode == 0
    _stale(handbook)

    def commit():
        git(handbook.root, "add", "-A")
        return subprocess.run(["git", "-C", str(handbook.root), "commit", "-q", "-m", "review"], capture_output=True,
                              text=True, encoding="utf-8", env=_env(tmp_path))

    blocked = commit()
    assert blocked.returncode != 0 and "POL003" in blocked.stdout + blocked.stderr
    handbook.replace(DOC, "last_reviewed: 2025-06-11", "last_reviewed: 2026-11-20")  # the review is done and recorded
    passed = commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "last_reviewed: 2026-11-20" in git(handbook.root, "show", f"HEAD:{DOC}")


def test_the_readme_shows_the_local_hook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "repo: local" in readme and "language: system" in readme and "opsbook-check" in readme
