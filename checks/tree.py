"""Where a handbook's files come from: a folder, a git revision, or either with a few files replaced.

Everything that reads the handbook (the loader, schema validation, the clause
catalogue) reads through a :class:`Tree`, so the same pipeline checks the
working tree, a base revision of a pull request (``--base``), the handbook as it
was at a tag (``--rev``) and, in tests, the sample with one file patched in
memory, without copying anything to disk.

Paths are relative to the handbook's root, with forward slashes.  A tree never
follows a symbolic link: :meth:`Tree.is_link` tells which entries are links, and
:meth:`Tree.read_bytes` refuses to read through one (raises ``OSError``), so
nothing outside the repository is ever read.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
from pathlib import Path, PurePosixPath


class TreeError(Exception):
    """The tree itself cannot be read (not a git repository, unknown revision …); the message is Chinese."""


class Tree:
    """A read-only view of a handbook's files."""

    #: the folder on disk the tree stands for, when there is one (the working tree); None for a git revision
    root: Path | None = None
    #: a short Chinese name of what is read, for messages (“工作区”, “提交 1a2b3c4” …)
    label: str = ""

    def paths(self) -> list[str]:
        """Every file (and link) in the tree, sorted."""
        raise NotImplementedError

    def read_bytes(self, rel: str) -> bytes:
        raise NotImplementedError

    def is_link(self, rel: str) -> bool:
        return False

    def size(self, rel: str) -> int | None:
        """The file's size in bytes, when it is known without reading it (for the size limit)."""
        return None

    # -- derived ------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        return rel in self._index()

    def is_dir(self, rel: str) -> bool:
        prefix = rel.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in self.paths())

    def files(self, folder: str, pattern: str = "*", recursive: bool = False) -> list[str]:
        """Files directly in ``folder`` (or anywhere below it) whose name matches ``pattern``, sorted."""
        prefix = folder.rstrip("/") + "/"
        out = []
        for path in self.paths():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):]
            if not recursive and "/" in rest:
                continue
            if fnmatch.fnmatchcase(PurePosixPath(rest).name, pattern):
                out.append(path)
        return out

    def read_text(self, rel: str) -> str:
        return self.read_bytes(rel).decode("utf-8")

    def _index(self) -> frozenset:
        cached = getattr(self, "_index_cache", None)
        if cached is None:
            cached = frozenset(self.paths())
            self._index_cache = cached
        return cached


#: what a handbook is made of; a tree holds only these (not site/, .venv/, the checker's own code …)
HANDBOOK_PARTS = ("docs", "registers", "schemas", "standard", "mkdocs.yml")


def _wanted(rel: str) -> bool:
    return rel.split("/", 1)[0] in HANDBOOK_PARTS


class FsTree(Tree):
    """The files of a folder on disk, as they are now (the working tree)."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        self.label = "工作区"
        self._paths: list[str] | None = None
        self._links: set[str] = set()

    def paths(self) -> list[str]:
        if self._paths is None:
            out = []
            for folder, dirs, names in os.walk(self.root, followlinks=False):
                rel_folder = Path(folder).relative_to(self.root)
                if rel_folder.parts and not _wanted(rel_folder.parts[0]):
                    dirs[:] = []
                    continue
                if not rel_folder.parts:
                    dirs[:] = [d for d in dirs if _wanted(d)]
                    names = [n for n in names if _wanted(n)]
                for name in list(dirs):  # a link to a folder is an entry of its own, never walked into
                    if os.path.islink(os.path.join(folder, name)):
                        rel = (rel_folder / name).as_posix()
                        out.append(rel)
                        self._links.add(rel)
                        dirs.remove(name)
                for name in names:
                    rel = (rel_folder / name).as_posix()
                    out.append(rel)
                    if os.path.islink(os.path.join(folder, name)):
                        self._links.add(rel)
            self._paths = sorted(out)
        return self._paths

    def is_link(self, rel: str) -> bool:
        self.paths()
        return rel in self._links or any(rel.startswith(link + "/") for link in self._links)

    def size(self, rel: str) -> int | None:
        try:
            return os.lstat(self.root / rel).st_size
        except OSError:
            return None

    def read_bytes(self, rel: str) -> bytes:
        if self.is_link(rel):
            raise OSError(f"{rel} 是符号链接，不读取")
        path = self.root / rel
        # refuse anything that resolves outside the tree (a link in a parent folder, “..” in the name)
        real = Path(os.path.realpath(path))
        if real != self.root and self.root not in real.parents:
            raise OSError(f"{rel} 指向手册目录之外，不读取")
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{rel} 不是普通文件")
        return path.read_bytes()


class GitTree(Tree):
    """The files of a handbook as committed at a revision, read from git's object store.

    The working tree is never touched.  ``subdir`` is the handbook's folder inside the
    repository (empty when the handbook is the repository's root).
    """

    def __init__(self, repo_root, rev: str, subdir: str = ""):
        self.repo_root = Path(repo_root)
        self.rev = rev
        self.subdir = subdir.strip("/")
        self.commit = self._git("rev-parse", "--verify", "--quiet", rev + "^{commit}").strip()
        if not self.commit:
            raise TreeError(f"git 中找不到修订“{rev}”")
        self.label = f"提交 {self.commit[:10]}"
        self._entries: dict[str, tuple[str, str]] = {}  # path -> (mode, blob sha)
        listing = self._git_bytes("ls-tree", "-r", "-z", "--full-tree", self.commit)
        prefix = self.subdir + "/" if self.subdir else ""
        for entry in listing.split(b"\0"):
            if not entry:
                continue
            meta, _, name = entry.partition(b"\t")
            mode, kind, sha = meta.decode().split(" ")
            path = name.decode("utf-8", "surrogateescape")
            if kind != "blob" or not path.startswith(prefix) or not _wanted(path[len(prefix):]):
                continue
            self._entries[path[len(prefix):]] = (mode, sha)

    @classmethod
    def for_handbook(cls, handbook_root, rev: str) -> "GitTree":
        """The handbook at ``handbook_root`` (a folder inside a git work tree) as committed at ``rev``."""
        handbook_root = Path(handbook_root).resolve()
        try:
            top = subprocess.run(["git", "-C", str(handbook_root), "rev-parse", "--show-toplevel"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            raise TreeError(f"{handbook_root} 不在 git 仓库中") from None
        subdir = handbook_root.relative_to(Path(top).resolve()).as_posix()
        return cls(top, rev, "" if subdir == "." else subdir)

    def _git_bytes(self, *args) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(self.repo_root), *args], capture_output=True, check=False)
        except OSError as exc:
            raise TreeError(f"无法运行 git：{exc}") from None
        if done.returncode not in (0, 1):
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise TreeError(f"git {args[0]} 失败：{message[-1] if message else done.returncode}")
        return done.stdout

    def _git(self, *args) -> str:
        return self._git_bytes(*args).decode("utf-8", "replace")

    def paths(self) -> list[str]:
        return sorted(self._entries)

    def is_link(self, rel: str) -> bool:
        entry = self._entries.get(rel)
        return bool(entry and entry[0] == "120000")

    def read_bytes(self, rel: str) -> bytes:
        entry = self._entries.get(rel)
        if entry is None:
            raise FileNotFoundError(rel)
        if entry[0] == "120000":
            raise OSError(f"{rel} 是符号链接，不读取")
        if entry[0] == "160000":
            raise OSError(f"{rel} 是子模块，不读取")
        blobs = self.__dict__.get("_blobs")
        if blobs is None:
            blobs = self.__dict__["_blobs"] = self._read_blobs()
        data = blobs.get(entry[1])
        return data if data is not None else self._git_bytes("cat-file", "blob", entry[1])

    def _read_blobs(self) -> dict[str, bytes]:
        """Every regular file's content in one ``git cat-file --batch`` (one process, not one per file)."""
        shas = sorted({sha for mode, sha in self._entries.values() if mode not in ("120000", "160000")})
        try:
            done = subprocess.run(["git", "-C", str(self.repo_root), "cat-file", "--batch"],
                                  input="".join(s + "\n" for s in shas).encode(), capture_output=True, check=False)
        except OSError:
            return {}
        out, data, pos = {}, done.stdout, 0
        while pos < len(data):
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            pos = end + 1
            if len(header) != 3:  # "<sha> missing"
                continue
            size = int(header[2])
            out[header[0].decode()] = data[pos:pos + size]
            pos += size + 1
        return out


class OverlayTree(Tree):
    """Another tree with some files replaced, added (``bytes``/``str``) or removed (``None``).

    Used by tests to patch the sample in memory, and by editors' previews.
    """

    def __init__(self, base: Tree, changes: dict | None = None):
        self.base = base
        self.root = base.root
        self.label = base.label
        self.changes: dict[str, bytes | None] = {}
        for rel, value in (changes or {}).items():
            self.set(rel, value)

    def set(self, rel: str, value) -> None:
        self.changes[rel] = value.encode("utf-8") if isinstance(value, str) else value
        self._index_cache = None
        self._paths = None

    def paths(self) -> list[str]:
        if getattr(self, "_paths", None) is None:
            present = set(self.base.paths())
            for rel, value in self.changes.items():
                if value is None:
                    present.discard(rel)
                    prefix = rel.rstrip("/") + "/"
                    present = {p for p in present if not p.startswith(prefix)}
                else:
                    present.add(rel)
            self._paths = sorted(present)
        return self._paths

    def is_link(self, rel: str) -> bool:
        return rel not in self.changes and self.base.is_link(rel)

    def size(self, rel: str) -> int | None:
        if rel in self.changes:
            value = self.changes[rel]
            return None if value is None else len(value)
        return self.base.size(rel)

    def read_bytes(self, rel: str) -> bytes:
        if rel in self.changes:
            value = self.changes[rel]
            if value is None:
                raise FileNotFoundError(rel)
            return value
        if not self.exists(rel):
            raise FileNotFoundError(rel)
        return self.base.read_bytes(rel)


def as_tree(source) -> Tree:
    """A Tree for ``source``: a Tree as it is, or a folder on disk."""
    return source if isinstance(source, Tree) else FsTree(source)
