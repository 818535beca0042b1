"""Trees: the same handbook read from a folder, from a git revision and with files patched in memory."""

from __future__ import annotations

import os
import shutil

import pytest

from checks import engine
from checks.tree import FsTree, GitTree, OverlayTree, TreeError

from conftest import AS_OF, Workspace
from gitkit import init, repository


@pytest.fixture
def repo(tmp_path_factory):
    ws = Workspace(tmp_path_factory)
    init(ws)
    return ws.root


def test_folder_tree_holds_only_the_handbook(repo):
    (repo / "site").mkdir()
    (repo / "site" / "index.html").write_text("x")
    paths = FsTree(repo).paths()
    assert "registers/staff.yaml" in paths and "mkdocs.yml" in paths
    assert not any(p.startswith((".git/", "site/")) for p in paths)


def test_git_revision_reads_the_committed_handbook_without_touching_the_work_tree(repo):
    before = (repo / "registers" / "staff.yaml").read_text(encoding="utf-8")
    (repo / "registers" / "staff.yaml").write_text("broken: [", encoding="utf-8")
    committed = engine.check(GitTree.for_handbook(repo, "HEAD"), AS_OF)
    assert committed.errors == 0
    assert engine.check(repo, AS_OF).errors > 0
    assert (repo / "registers" / "staff.yaml").read_text(encoding="utf-8") == "broken: ["
    assert before != "broken: ["


def test_handbook_in_a_subfolder_of_the_repository(repo, tmp_path_factory):
    outer = tmp_path_factory.mktemp("outer")
    shutil.copytree(repo, outer / "handbook", ignore=shutil.ignore_patterns(".git"))
    repository(outer)
    tree = GitTree.for_handbook(outer / "handbook", "HEAD")
    assert "registers/staff.yaml" in tree.paths()


def test_unknown_revision_is_a_tree_error(repo):
    with pytest.raises(TreeError, match="找不到修订"):
        GitTree.for_handbook(repo, "no-such-rev")


def test_overlay_patches_in_memory(repo):
    base = FsTree(repo)
    text = base.read_text("registers/staff.yaml")
    overlay = OverlayTree(base, {"registers/staff.yaml": text.replace("staff:", "staff_x:", 1)})
    assert engine.check(overlay, AS_OF).errors > 0
    assert (repo / "registers" / "staff.yaml").read_text(encoding="utf-8") == text
    removed = OverlayTree(base, {"docs/policies": None})
    assert not removed.files("docs/policies", "*.md")


def test_links_are_never_read_through(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.md"
    outside.write_text("---\ntitle: x\n---\nsecret", encoding="utf-8")
    os.symlink(outside, repo / "docs" / "linked.md")
    os.symlink(outside.parent, repo / "docs" / "linked-folder")
    tree = FsTree(repo)
    assert tree.is_link("docs/linked.md") and tree.is_link("docs/linked-folder")
    with pytest.raises(OSError):
        tree.read_bytes("docs/linked.md")
    assert not any(p.startswith("docs/linked-folder/") for p in tree.paths())
