"""``opsbook publish``: two versions of the sample published from a temporary git repository.

The repository gets two commits (dated, so the builds are pinned); v1 and v2 are published for the
public audience into one versions directory, once per test process (three real builds in all: v1, v2
and v1 again from its tag).  test_publish_browser.py serves that directory from 127.0.0.1 to Chromium.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks import cli, publish
from sitekit import AS_OF, ROOT, once

pytestmark = pytest.mark.site

PARTS = ("docs", "registers", "schemas", "standard", "mkdocs.yml")
V2_LINE = "本版新增：第二版的首页说明。"


def _git(cwd, *args, date="2026-11-01T10:00:00+08:00"):
    env = {**os.environ, "GIT_AUTHOR_NAME": "运维组", "GIT_AUTHOR_EMAIL": "ops@example.invalid",
           "GIT_COMMITTER_NAME": "运维组", "GIT_COMMITTER_EMAIL": "ops@example.invalid",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env).stdout


def _digest(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file of a folder: its sha256 and modification time."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Published:
    def __init__(self, base: Path):
        self.repo = base / "repo"
        self.repo.mkdir()
        for part in PARTS:
            (shutil.copytree if (ROOT / part).is_dir() else shutil.copy2)(ROOT / part, self.repo / part)
        _git(self.repo, "init", "-q", "-b", "main")
        _git(self.repo, "add", "-A")
        _git(self.repo, "commit", "-q", "-m", "手册第一版")
        self.dest = base / "versions" / "public"
        self.log = []
        self.v1 = publish.publish(self.repo, "v1", self.dest, audience="public", as_of=AS_OF, log=self.log.append)
        self.v1_files = _digest(self.dest / "v1")
        index = self.repo / "docs" / "guide.md"  # the handbook guide (a document)
        index.write_text(index.read_text(encoding="utf-8") + f"\n{V2_LINE}\n", encoding="utf-8")
        _git(self.repo, "commit", "-q", "-am", "首页：第二版说明", date="2026-11-20T10:00:00+08:00")
        # an uncommitted edit is never published
        index.write_text(index.read_text(encoding="utf-8") + "\n未提交的草稿。\n", encoding="utf-8")
        self.v2 = publish.publish(self.repo, "v2", self.dest, audience="public", title="v2（第二版）",
                                  log=self.log.append)

    def text(self, rel: str) -> str:
        return (self.dest / rel).read_text(encoding="utf-8")


def _published() -> Published:
    """Published once per test run (test_publish_browser.py, perhaps in another process, reads it too)."""
    return once("publish", Published)


@pytest.fixture
def published() -> Published:
    return _published()


# -- the versions directory ------------------------------------------------------------------------------------
def test_versions_json_lists_both_newest_first_in_mikes_format(published):
    data = json.loads(published.text("versions.json"))
    assert data == [{"version": "v2", "title": "v2（第二版）", "aliases": ["latest"]},
                    {"version": "v1", "title": "v1", "aliases": []}]


def test_each_version_is_its_commit_and_tag(published):
    assert _git(published.repo, "rev-parse", "v1^{commit}").strip() == published.v1.commit
    assert _git(published.repo, "rev-parse", "v2^{commit}").strip() == published.v2.commit
    assert published.v1.commit != published.v2.commit
    assert published.v1.as_of == AS_OF.isoformat()
    assert "mkdocs-material" in published.v1.built_with
    state = json.loads(published.text(".opsbook-publish.json"))
    assert state["audience"] == "public" and [v["commit"] for v in state["versions"]] == [published.v2.commit,
                                                                                          published.v1.commit]
    assert published.v2.as_of == "2026-11-20"  # defaults to the commit's date: the tag alone rebuilds it
    assert V2_LINE in published.text("v2/guide.html") and V2_LINE not in published.text("v1/guide.html")
    assert "未提交的草稿" not in published.text("v2/guide.html")
    assert any("未提交的修改" in line for line in published.log)
    # the user's working tree is untouched and no temporary worktree is left behind
    assert "未提交的草稿" in (published.repo / "docs" / "guide.md").read_text(encoding="utf-8")
    assert len(_git(published.repo, "worktree", "list").strip().splitlines()) == 1


def test_latest_is_a_copy_of_the_newest_and_the_root_redirects_to_it(published):
    assert publish.differences(published.dest / "latest", published.dest / "v2") == []
    index = published.text("index.html")
    assert 'http-equiv="refresh" content="0; url=latest/index.html"' in index
    assert 'href="latest/index.html"' in index


def test_versions_page_lists_every_version_without_script(published):
    text = published.text("versions.html")
    assert "<script" not in text
    assert text.index('href="v2/index.html">v2（第二版）</a>') < text.index('href="v1/index.html">v1</a>')
    assert 'href="latest/index.html"' in text
    assert published.v1.commit[:12] in text and published.v2.commit[:12] in text


def test_every_page_names_its_version_and_links_to_latest(published):
    for version, release in (("v1", published.v1), ("v2", published.v2)):
        pages = sorted((published.dest / version).rglob("*.html"))
        assert len(pages) > 20
        for page in pages:
            text = page.read_text(encoding="utf-8")
            depth = len(page.relative_to(published.dest / version).parts) - 1
            base = "/".join([".."] * depth) or "."
            assert f"发布版本 <strong>{version}</strong>" in text, page
            assert f"提交 {release.commit[:12]}" in text, page
            assert 'href="//' not in text, page  # 404.html has base_url "/": never a host-relative link
            if page.name != "404.html":
                assert f'href="{base}/../latest/index.html"' in text, page
                assert f'href="{base}/../versions.html"' in text, page
            assert "您正在查看旧版本的手册" in text  # shown by Material's selector script when not latest


def test_old_version_is_left_exactly_as_published(published):
    assert _digest(published.dest / "v1") == published.v1_files


def test_rebuild_from_tag_is_byte_identical(published):
    """Determinism: v1 rebuilt from its tag in another process (another hash seed, another worktree, another
    output folder) equals what was published, byte for byte."""
    seed = str(int(os.environ.get("PYTHONHASHSEED") or 0) + 1)
    done = subprocess.run([sys.executable, "-m", "checks", "--root", str(published.repo), "publish", "v1", "--verify",
                           "--dest", str(published.dest)], capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "PYTHONHASHSEED": seed})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "逐字节相同" in done.stdout
    assert _digest(published.dest / "v1") == published.v1_files
    generated = published.text("v1/sitemap.xml")
    assert "2026-11-01" in generated or "<urlset" in generated  # dated from the commit, never the build


def test_differences_names_changed_missing_and_extra_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "sub").mkdir(parents=True)
        (folder / "same.html").write_text("x")
    (a / "sub" / "page.html").write_text("1")
    (b / "sub" / "page.html").write_text("2")
    (a / "only-a.txt").write_text("")
    (b / "only-b.txt").write_text("")
    assert publish.differences(a, b) == ["only-a.txt", "only-b.txt", "sub/page.html"]


# -- refusals (no build runs) ----------------------------------------------------------------------------------
def _run(*argv) -> int:
    return cli.main(list(argv))


def test_a_published_version_is_never_rebuilt(published, capsys):
    before = _digest(published.dest / "v1")
    assert _run("--root", str(published.repo), "publish", "v1", "--max-sensitivity", "public",
                "--dest", str(published.dest)) == 2
    assert "已发布的版本不再改动" in capsys.readouterr().err
    assert _digest(published.dest / "v1") == before


def test_another_audience_cannot_publish_into_the_tree(published, capsys):
    assert _run("--root", str(published.repo), "publish", "v3", "--dest", str(published.dest)) == 2
    assert "读者级别 public" in capsys.readouterr().err
    assert not (published.dest / "v3").exists()


def test_tag_pointing_elsewhere_is_refused(published, capsys):
    assert _run("--root", str(published.repo), "publish", "v1", "--rev", "v2", "--max-sensitivity", "public",
                "--dest", str(published.dest.parent / "other")) == 2
    assert "只能从它的标签构建" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "versions.json", "有中文", "", "x" * 65])
def test_unsafe_version_names_are_refused(published, name, capsys):
    assert _run("--root", str(published.repo), "publish", name, "--dest", str(published.dest.parent / "n")) == 2
    assert "不可用" in capsys.readouterr().err


def test_no_tag_refuses_to_create_the_tag(published, capsys):
    assert _run("--root", str(published.repo), "publish", "v9", "--no-tag", "--max-sensitivity", "public",
                "--dest", str(published.dest)) == 2
    assert "没有标签 v9" in capsys.readouterr().err
    assert "v9" not in _git(published.repo, "tag").split()
    assert not (published.dest / "v9").exists() and not (published.dest / ".building-v9").exists()


def test_alias_cannot_be_a_version(published, capsys):
    assert _run("--root", str(published.repo), "publish", "v3", "--alias", "v1", "--max-sensitivity", "public",
                "--dest", str(published.dest)) == 2
    assert "已是一个版本号" in capsys.readouterr().err


def test_foreign_or_source_folders_are_refused(published, tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("用户的文件")
    assert _run("--root", str(published.repo), "publish", "v3", "--dest", str(foreign)) == 2
    assert "不是 opsbook 发布的版本目录" in capsys.readouterr().err
    assert (foreign / "mine.txt").read_text() == "用户的文件" and len(list(foreign.iterdir())) == 1
    assert _run("--root", str(published.repo), "publish", "v3", "--dest", str(published.repo / "docs" / "v")) == 2
    assert "手册的源文件" in capsys.readouterr().err
    assert not (published.repo / "docs" / "v").exists()


def test_shallow_clone_is_refused(published, tmp_path, capsys):
    clone = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "1", published.repo.as_uri(), str(clone))
    assert _run("--root", str(clone), "publish", "v2", "--max-sensitivity", "public",
                "--dest", str(tmp_path / "out")) == 2
    assert "浅克隆" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("make") is None, reason="需要 make")
def test_make_publish_runs_opsbook_publish_per_audience():
    dry = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "publish", "VERSION=2026.1", "AUDIENCE=public"],
                         capture_output=True, text=True, check=True).stdout
    assert 'opsbook publish "2026.1" --max-sensitivity public --dest versions/public' in dry
    usage = subprocess.run(["make", "-s", "-C", str(ROOT), "publish"], capture_output=True, text=True)
    assert usage.returncode != 0 and "make publish VERSION=" in usage.stdout + usage.stderr


def test_outside_git_is_refused(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    assert _run("--root", str(tmp_path), "publish", "v1", "--dest", str(tmp_path / "out")) == 2
    assert "不在 git 仓库中" in capsys.readouterr().err


@pytest.mark.parametrize("title, why", [
    ("第一版\x1b[2J", "U+001B"),  # a terminal escape
    ("第一版\n第二行", "U+000A"),
    ("第一版\u202e版二第", "U+202E"),  # a bidi override turns the text around
    ("   ", "空白"),
    ("很长的名称" * 13, "至多 64 个"),
])
def test_a_bad_title_is_a_usage_error_before_anything_is_written(tmp_path, capsys, title, why):
    (tmp_path / "docs").mkdir()  # not a git repository either: the title is refused first
    dest = tmp_path / "out"
    assert _run("--root", str(tmp_path), "publish", "v1", "--dest", str(dest), "--title", title) == 2
    err = capsys.readouterr().err
    assert "--title" in err and why in err and title not in err and "\x1b" not in err and "Traceback" not in err
    assert not dest.exists()


def test_a_title_is_escaped_wherever_it_is_written(tmp_path):
    """The version selector of Material and Zensical inserts ``title`` from versions.json as HTML."""
    title = '<img src=x onerror="alert(1)">第一版 & 附录'
    assert publish.check_title(title) == title  # markup characters are allowed: they are escaped
    versions = publish.VersionsDir(tmp_path)
    versions.save([publish.Release(version="v1", title=title, commit="0" * 40, tag="v1", date="2026-11-21",
                                   as_of="2026-11-21", audience="public", alias="latest", aliases=["latest"])])
    listed = json.loads((tmp_path / "versions.json").read_text(encoding="utf-8"))
    assert listed[0]["title"] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;第一版 &amp; 附录"
    assert json.loads((tmp_path / publish.STATE).read_text(encoding="utf-8"))["versions"][0]["title"] == title
    page = publish._versions_page(versions.releases())
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;第一版 &amp; 附录" in page
