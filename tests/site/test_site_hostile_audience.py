"""Audience leaks through the checker's own words: a finding that quotes a value of a field more sensitive
than the reader (a mistyped mobile number in the staff register, restricted by ``x-sensitivity``) must
not publish the value on the dashboard, the register page or the rule page, nor stop the build."""

from __future__ import annotations

import re

import pytest

from checks.site import build as site_build
from sitekit import AS_OF, AUDIENCE_TYPO, copy_sample, hostile_built, html_text

pytestmark = pytest.mark.site
TYPO = AUDIENCE_TYPO  # a mobile number (x-sensitivity: restricted) that its pattern rejects


@pytest.fixture(scope="module")
def built():
    """The shared hostile handbook (sitekit.hostile_site), whose staff register has the typo, staged and built."""
    hostile = hostile_built()
    return hostile.staged, hostile.site


def test_masked_value_quoted_by_a_finding_is_masked(built):
    staged, site = built
    for path in staged.rglob("*.md"):
        assert TYPO not in path.read_text(encoding="utf-8"), path
    for path in site.files(".html", ".json", ".js", ".xml", ".txt"):
        assert TYPO not in path.read_text(encoding="utf-8"), path
    dashboard = html_text(site.text("dashboard.html"))
    assert "SCH001" in dashboard and "（受限字段）" in dashboard
    # the finding on the typo itself (the shared hostile handbook has other SCH001 findings)
    assert re.search(r"registers/staff\.yaml:\d+\s+SCH001\s+\S+\s+[^\n]*“（受限字段）”", dashboard), dashboard


SECRET_TITLE = "绝密灾备切换口令表"
SECRET = """---
id: SEC-19
title: 绝密灾备切换口令表
kind: policy
sensitivity: confidential
status: active
---

# 绝密灾备切换口令表

口令。
"""


def test_subject_of_a_commit_that_also_changed_a_hidden_file_is_withheld(tmp_path):
    import subprocess

    root = copy_sample(tmp_path / "repo")
    run = lambda *a: subprocess.run(["git", *a], cwd=root, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    run("-c", "user.name=甲", "-c", "user.email=a@example.com", "add", "-A")
    run("-c", "user.name=甲", "-c", "user.email=a@example.com", "commit", "-qm", "初始")
    visible = root / "docs" / "guide.md"
    visible.write_text(visible.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    (root / "docs" / "secret.md").write_text(SECRET, encoding="utf-8")
    run("add", "-A")
    run("-c", "user.name=乙", "-c", "user.email=b@example.com", "commit", "-qm",
        f"新增{SECRET_TITLE}并在首页补充说明")
    visible.write_text(visible.read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    run("-c", "user.name=丙", "-c", "user.email=c@example.com", "commit", "-qam", "首页措辞")
    staged = site_build.stage_only(root, tmp_path / "stage", "internal", AS_OF)
    guide = (staged / "docs" / "guide.md").read_text(encoding="utf-8")
    assert "## 修改历史（git）" in guide and "首页措辞" in guide  # a commit of visible files only: as written
    assert "此提交还修改了受限文档" in guide
    for path in staged.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yml"):
            assert SECRET_TITLE not in path.read_text(encoding="utf-8"), path
