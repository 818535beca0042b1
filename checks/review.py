"""Reviews of a change: which revision to compare with (``check --base``), and the commits of a
range for the audit view of the history rules (``check --since``).

Both read git's object store through :class:`checks.tree.GitTree`; the working tree is never
touched.  The base of a review is the merge base of ``--base`` and ``HEAD`` (what
``git diff BASE...HEAD`` shows), so that commits that landed on the target branch after the
change was branched are not counted as fixed or new.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .tree import GitTree, TreeError

SHALLOW_HINT = ("这是浅克隆（shallow clone），缺少比较所需的历史；请获取完整历史后再检查："
                "GitHub Actions 中给 actions/checkout 设置 fetch-depth: 0，GitLab CI 中设置变量 GIT_DEPTH: 0，"
                "本地可运行 git fetch --unshallow")


class ReviewError(Exception):
    """The base or range cannot be read; the message (Chinese) says what to do.  Exit code 2."""


def _git(root, *args) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", check=False)
    except OSError as exc:
        raise ReviewError(f"无法运行 git：{exc}") from None


def _shallow(root) -> bool:
    return _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def _commit(root, rev: str, option: str) -> str:
    done = _git(root, "rev-parse", "--verify", "--quiet", rev + "^{commit}")
    if done.returncode != 0 or not done.stdout.strip():
        if _shallow(root):
            raise ReviewError(f"{option} {rev}：浅克隆中找不到这个版本。{SHALLOW_HINT}")
        raise ReviewError(f"找不到版本“{rev}”（{option}；合并请求中可用 origin/main、$CI_MERGE_REQUEST_DIFF_BASE_SHA "
                          "或 ${{ github.event.pull_request.base.sha }}）")
    return done.stdout.strip()


def _in_repo(root) -> None:
    if _git(root, "rev-parse", "--show-toplevel").returncode != 0:
        raise ReviewError(f"{Path(root).resolve()} 不在 git 仓库中，无法与基线比较")


def base_tree(root, rev: str, option: str = "--base") -> GitTree:
    """The handbook at the merge base of ``rev`` and HEAD."""
    _in_repo(root)
    commit = _commit(root, rev, option)
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").stdout.strip()
    if head:
        done = _git(root, "merge-base", commit, head)
        if done.returncode != 0 or not done.stdout.strip():
            if _shallow(root):
                raise ReviewError(f"{option} {rev}：找不到它与 HEAD 的共同祖先。{SHALLOW_HINT}")
            raise ReviewError(f"{option} {rev} 与 HEAD 没有共同的历史，无法比较")
        commit = done.stdout.strip()
    try:
        return GitTree.for_handbook(root, commit)
    except TreeError as exc:
        raise ReviewError(str(exc)) from None


def steps(root, since: str) -> list[tuple[str, GitTree, GitTree]]:
    """Every commit on the first-parent line from ``since`` (excluded) to HEAD, oldest first, as
    ``(label, before, after)``: what the history rules read for the audit view."""
    _in_repo(root)
    start = _commit(root, since, "--since")
    done = _git(root, "rev-list", "--first-parent", "--reverse", f"{start}..HEAD")
    if done.returncode != 0:
        raise ReviewError(f"无法列出 {since}..HEAD 的提交：{done.stderr.strip()}")
    out = []
    for commit in done.stdout.split():
        parent = _git(root, "rev-parse", "--verify", "--quiet", commit + "^1").stdout.strip()
        if not parent:
            if _shallow(root):
                raise ReviewError(f"--since {since}：提交 {commit[:10]} 的上一版本不在本地。{SHALLOW_HINT}")
            continue  # the first commit of the repository: nothing before it
        info = _git(root, "show", "-s", "--format=%h %cs", commit).stdout.strip()
        try:
            out.append((f"提交 {info}", GitTree.for_handbook(root, parent), GitTree.for_handbook(root, commit)))
        except TreeError as exc:
            raise ReviewError(str(exc)) from None
    return out
