"""What git knows about the handbook: changed files for reviews, the version for the site."""

from __future__ import annotations

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


def changed_files(root, rev: str) -> set[str]:
    """Files (relative to the handbook root, forward slashes) changed since ``rev``,
    committed or not, including untracked ones."""
    import git

    repo = _repo(root)
    try:
        base = repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError):
        raise GitError(f"找不到版本“{rev}”（合并请求中可用 origin/main 或 $CI_MERGE_REQUEST_DIFF_BASE_SHA）") from None
    top = Path(repo.working_tree_dir).resolve()
    prefix = Path(root).resolve().relative_to(top).as_posix()
    names = {d.b_path or d.a_path for d in base.diff(None)}  # base against the working tree
    names |= set(repo.untracked_files)
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


def _parts(text: str | None) -> tuple[str, int]:
    """(body, number of revision records) of a document's text."""
    import yaml

    from .yamlio import split_front_matter

    if text is None:
        return "", 0
    front, body, _ = split_front_matter(text)
    try:
        meta = yaml.safe_load(front) if front else None
    except yaml.YAMLError:
        meta = None
    revisions = meta.get("revisions") if isinstance(meta, dict) else None
    return body.strip(), len(revisions) if isinstance(revisions, list) else 0


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
