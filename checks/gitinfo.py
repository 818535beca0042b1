"""What git knows about the handbook: changed files for reviews, the version for the site."""

from __future__ import annotations

import functools

from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    pass


def _repo(root):
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{Path(root).resolve()} 不在 git 仓库中") from None


def _git(root, *args) -> tuple[int, str, str]:
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"无法运行 git：{exc.strerror or exc}") from None
    return done.returncode, done.stdout.decode("utf-8", "surrogateescape"), done.stderr.decode("utf-8", "replace")


def changed_files(root, rev: str) -> set[str]:
    """Files (relative to the handbook root, forward slashes) changed since ``rev``,
    committed or not, including untracked ones.

    ``rev`` is anything git itself accepts (``origin/main``, ``HEAD~3``, ``@{-1}``,
    ``main@{yesterday}``, a commit id); git resolves it, so every form works as it does
    on the command line, and every failure is a GitError with a Chinese message."""
    root = Path(root).resolve()
    code, top, _ = _git(root, "rev-parse", "--show-toplevel")
    if code != 0:
        raise GitError(f"{root} 不在 git 仓库中")
    if rev.startswith("-"):
        raise GitError(f"版本“{rev}”无效：不能以 - 开头")
    code, commit, _ = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}")
    if code != 0 or not commit.strip():
        _, shallow, _ = _git(root, "rev-parse", "--is-shallow-repository")
        hint = ("；这是浅克隆（shallow clone），较早的提交不在本地：CI 中请设 fetch-depth: 0（GitHub）"
                "或 GIT_DEPTH: 0（GitLab），或先运行 git fetch --unshallow") if shallow.strip() == "true" else \
            "（合并请求中可用 origin/main 或 $CI_MERGE_REQUEST_DIFF_BASE_SHA）"
        raise GitError(f"找不到版本“{rev}”{hint}")
    code, diff, err = _git(root, "diff", "--name-only", "-z", "--no-renames", commit.strip(), "--")
    if code != 0:
        raise GitError(f"无法比较“{rev}”与工作区：{err.strip().splitlines()[-1] if err.strip() else code}")
    code, untracked, _ = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--full-name", ":/")
    names = {n for n in (diff + "\0" + untracked).split("\0") if n}
    top_path = Path(top.strip()).resolve()
    prefix = root.relative_to(top_path).as_posix() if root != top_path else ""
    out = set()
    for name in names:
        if prefix in ("", "."):
            out.add(name)
        elif name.startswith(prefix + "/"):
            out.add(name[len(prefix) + 1:])
    return out


@dataclass
class Version:
    label: str  # a tag, or the short commit
    commit: str
    date: str  # commit date, YYYY-MM-DD in Shanghai
    dirty: bool


def version(root) -> Version | None:
    """The handbook's version from git, or None outside a repository."""
    from .dates import SHANGHAI

    try:
        repo = _repo(root)
        head = repo.head.commit
    except (GitError, ValueError):
        return None
    tags = [t for t in repo.tags if t.commit == head]
    label = tags[0].name if tags else head.hexsha[:8]
    date = head.committed_datetime.astimezone(SHANGHAI).date().isoformat()
    return Version(label, head.hexsha, date, repo.is_dirty(untracked_files=False))


@dataclass
class Commit:
    sha: str
    date: str  # YYYY-MM-DD in Shanghai
    author: str
    subject: str
    created: bool = False  # the commit added the file
    body_changed: bool = False  # the text below the front matter changed
    revision_added: bool = False  # the front matter's ``revisions`` got longer

    @property
    def unrecorded(self) -> bool:
        """The body changed and no revision record was added with it."""
        return self.body_changed and not self.revision_added and not self.created


def _file_at(commit, rel: str) -> str | None:
    try:
        return (commit.tree / rel).data_stream.read().decode("utf-8", errors="replace")
    except (KeyError, ValueError, AttributeError):
        return None


@functools.lru_cache(maxsize=8)  # a commit's parent is the next commit down the history: a few suffice
def _parts(text: str | None) -> tuple[str, int]:
    """(body, number of revision records) of a document's text (a commit's version is read once: it is
    also its successor's parent version).  The front matter is read by the bounded loader."""
    from .yamlio import LoadError, load, split_front_matter

    if text is None:
        return "", 0
    front, body, _ = split_front_matter(text)
    try:
        meta = load(front)[0] if front else None
    except LoadError:
        meta = None
    revisions = meta.get("revisions") if isinstance(meta, dict) else None
    return body.strip(), len(revisions) if isinstance(revisions, list) else 0


def commits_touching(root, paths) -> set[str] | None:
    """The commits (full hashes) that changed any of ``paths`` (relative to ``root``); None when git cannot say."""
    if not paths:
        return set()
    try:
        repo = _repo(root)
        top = Path(repo.working_tree_dir).resolve()
        rels = [(Path(root).resolve() / p).relative_to(top).as_posix() for p in paths]
        return set(repo.git.log("--format=%H", "--", *rels).split())
    except Exception:  # GitError, ValueError, a git command that failed
        return None


def history(root, paths, limit: int = 50) -> dict[str, list[Commit]]:
    """The commits that changed each path (newest first, at most ``limit``), each with whether it added the
    file, changed its body and added a revision record."""
    from .dates import SHANGHAI

    try:
        repo = _repo(root)
        top = Path(repo.working_tree_dir).resolve()
        out = {}
        for path in paths:
            rel = (Path(root).resolve() / path).relative_to(top).as_posix()
            commits = []
            for commit in repo.iter_commits(paths=rel, max_count=limit):
                body, count = _parts(_file_at(commit, rel))
                before = _file_at(commit.parents[0], rel) if commit.parents else None
                old_body, old_count = _parts(before)
                commits.append(Commit(commit.hexsha, commit.committed_datetime.astimezone(SHANGHAI).date().isoformat(),
                                      str(commit.author.name or ""), str(commit.summary or ""),
                                      created=before is None, body_changed=body != old_body,
                                      revision_added=count > old_count))
            if commits:
                out[path] = commits
        return out
    except (GitError, ValueError):
        return {}
