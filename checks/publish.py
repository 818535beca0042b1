"""``opsbook publish``: the handbook as a versioned static site that any intranet web server can serve.

A versions directory holds the published versions of one audience::

    DIR/versions.json           [{"version", "title", "aliases"}], newest first: the format mike writes
                                and Material for MkDocs' version selector reads
    DIR/<version>/…             one site per version, written once and never touched again
    DIR/latest/…                a byte-for-byte copy of the version the alias names (a plain static server
                                and file:// both serve it; no redirects, no server configuration)
    DIR/index.html              sends the reader to latest/
    DIR/versions.html           every version as a plain page (no script: also from file://); every page
                                of every version links to it
    DIR/.opsbook-publish.json   what opsbook needs to keep the directory: the audience, and each version's
                                commit, tag and as-of date (also the marker that the directory is opsbook's)

A version is always built from a commit, never from the working tree: the commit is checked out into a
temporary ``git worktree`` (the user's working tree is not touched), built with ``--as-of`` pinned to the
commit's date and ``SOURCE_DATE_EPOCH`` set to the commit's time, so that building the same tag again with the
same opsbook gives the same bytes (``opsbook publish VERSION --verify`` proves it for a published version).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import filecmp
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, asdict, field
from pathlib import Path

STATE = ".opsbook-publish.json"
LOCK = ".opsbook-publish.lock"
VERSIONS = "versions.json"
FORMAT = 1
#: a version or alias is one path segment that needs no escaping in a URL or in HTML
NAME_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$")
RESERVED = {"versions.json", "versions.html", "index.html", "404.html", "sitemap.xml", "assets", "search"}
#: parts of a handbook (and the folders `make site` rebuilds) a versions directory must never be written into
PROTECTED = ("docs", "registers", "schemas", "standard", "checks", ".git", "site", "site-audiences")


class PublishError(Exception):
    """Publishing is refused or failed; the message is Chinese and says what to do."""


@dataclass
class Release:
    version: str
    title: str
    commit: str
    tag: str
    date: str  # the commit's date in Shanghai, YYYY-MM-DD
    as_of: str
    audience: str
    alias: str  # the alias the pages link to as the newest version (“latest”)
    aliases: list = field(default_factory=list)
    built_with: str = ""  # opsbook and generator versions: a rebuild gives the same bytes with the same ones
    generator: str = "mkdocs"

    def page_info(self) -> dict:
        """What the pages of this version show (``extra.opsbook_release``)."""
        return {"version": self.version, "commit": self.commit[:12], "date": self.date, "latest": self.alias}


# -- git -----------------------------------------------------------------------------------------------------
def _git(repo, *args, check=True) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), "-c", "core.hooksPath=/dev/null", *args],
                              capture_output=True, text=True, encoding="utf-8", errors="replace", check=False)
    except OSError as exc:
        raise PublishError(f"无法运行 git：{exc}") from None
    if check and done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise PublishError(f"git {args[0]} 失败：{lines[-1] if lines else done.returncode}")
    return done.stdout if done.returncode == 0 else ""


def _repository(root: Path) -> tuple[Path, str]:
    """The git work tree holding the handbook, and the handbook's folder inside it ("" at the top)."""
    top = _git(root, "rev-parse", "--show-toplevel", check=False).strip()
    if not top:
        raise PublishError(f"{root} 不在 git 仓库中：发布的每个版本都要能从 git 标签重新构建")
    top_path = Path(top).resolve()
    if _git(top_path, "rev-parse", "--is-shallow-repository", check=False).strip() == "true":
        raise PublishError("这是浅克隆（shallow clone）：页面上的修订历史会不完整，从标签重建的结果也会不同；"
                           "请先 git fetch --unshallow --tags（GitLab CI 中设 GIT_DEPTH: 0）")
    sub = root.resolve().relative_to(top_path).as_posix()
    return top_path, "" if sub == "." else sub


def _commit_of(repo: Path, rev: str) -> str:
    commit = _git(repo, "rev-parse", "--verify", "--quiet", rev + "^{commit}", check=False).strip()
    if not commit:
        raise PublishError(f"git 中找不到修订“{rev}”")
    return commit


def _commit_time(repo: Path, commit: str) -> tuple[int, str]:
    """The commit's time (seconds since the epoch, for SOURCE_DATE_EPOCH) and its date in Shanghai."""
    from .dates import SHANGHAI

    epoch = int(_git(repo, "show", "-s", "--format=%ct", commit).strip())
    return epoch, dt.datetime.fromtimestamp(epoch, SHANGHAI).date().isoformat()


@contextlib.contextmanager
def checkout(repo: Path, commit: str):
    """The commit checked out in a temporary work tree (``git worktree``), removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="opsbook-publish-"))
    tree = parent / "tree"
    try:
        _git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        yield tree
    finally:
        if tree.exists():
            _git(repo, "worktree", "remove", "--force", str(tree), check=False)
        _git(repo, "worktree", "prune", check=False)
        shutil.rmtree(parent, ignore_errors=True)


# -- building one version --------------------------------------------------------------------------------------
@contextlib.contextmanager
def _source_date_epoch(epoch: int):
    """mkdocs dates the sitemap and its gzip header from SOURCE_DATE_EPOCH when it is set."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def build_release(repo: Path, subdir: str, release: Release, out_dir: Path) -> Path:
    """Build ``release`` from its commit into ``out_dir`` (which must not exist yet)."""
    from .site import build as site_build

    epoch, _ = _commit_time(repo, release.commit)
    extra = {
        # Material's version selector (reads ../versions.json) and its outdated-version banner
        "version": {"provider": "mike", "default": release.alias, "alias": True},
        "opsbook_release": release.page_info(),
    }
    with checkout(repo, release.commit) as tree, _source_date_epoch(epoch):
        root = tree / subdir if subdir else tree
        try:
            site_build.build(root, site_dir=out_dir, audience=release.audience,
                             as_of=dt.date.fromisoformat(release.as_of), extra_config=extra, generator=release.generator)
        except site_build.BuildError as exc:
            raise PublishError(f"版本 {release.version} 构建失败：{exc}") from None
    return out_dir


def differences(left: Path, right: Path) -> list[str]:
    """Paths (relative, sorted) that differ between two folders: missing on one side or not byte-identical."""
    def listing(base: Path) -> set[str]:
        return {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file() or p.is_symlink()}

    a, b = listing(left), listing(right)
    out = sorted(a ^ b)
    out += [rel for rel in sorted(a & b) if not filecmp.cmp(left / rel, right / rel, shallow=False)]
    return sorted(out)


# -- the versions directory ------------------------------------------------------------------------------------
class VersionsDir:
    """A versions directory and its state file."""

    def __init__(self, path: Path):
        self.path = path
        self.state = {"format": FORMAT, "audience": None, "versions": []}
        state_file = path / STATE
        if state_file.is_file():
            try:
                data = json.loads(state_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise PublishError(f"{state_file} 无法读取：{exc}") from None
            if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
                raise PublishError(f"{state_file} 不是 opsbook 写的版本记录")
            self.state = data
        elif path.exists() and any(path.iterdir()):
            raise PublishError(f"{path} 不是空目录，也不是 opsbook 发布的版本目录（缺少 {STATE}）：请换一个 --dest")

    @property
    def audience(self) -> str | None:
        return self.state.get("audience")

    def releases(self) -> list[Release]:
        known = set(Release.__dataclass_fields__)
        return [Release(**{k: v for k, v in entry.items() if k in known}) for entry in self.state["versions"]]

    def find(self, version: str) -> Release | None:
        return next((r for r in self.releases() if r.version == version), None)

    def aliases(self) -> set[str]:
        return {a for r in self.releases() for a in r.aliases}

    def versions_json(self) -> list[dict]:
        """The version selector's list.  Material (and Zensical) insert ``title`` into the page as HTML,
        so it is written HTML-escaped: a title is shown as typed and never becomes markup."""
        return [{"version": r.version, "title": html.escape(r.title, quote=True), "aliases": list(r.aliases)}
                for r in self.releases()]

    def save(self, releases: list[Release]) -> None:
        self.state["versions"] = [asdict(r) for r in releases]
        _write(self.path / STATE, json.dumps(self.state, ensure_ascii=False, indent=2) + "\n")
        _write(self.path / VERSIONS, json.dumps(self.versions_json(), ensure_ascii=False, indent=2) + "\n")

    @contextlib.contextmanager
    def locked(self):
        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.path / LOCK
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise PublishError(f"另一次发布正在写 {self.path}（若确认没有，删除 {lock}）") from None
        os.close(fd)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _versions_page(releases: list[Release]) -> str:
    esc = html.escape
    rows = []
    for r in releases:
        aliases = "".join(f' <a href="{esc(a)}/index.html">（{esc(a)}）</a>' for a in r.aliases)
        rows.append(f"<tr><td><a href=\"{esc(r.version)}/index.html\">{esc(r.title)}</a>{aliases}</td>"
                    f"<td>{esc(r.version)}</td><td><code>{esc(r.commit[:12])}</code></td><td>{esc(r.date)}</td>"
                    f"<td>{esc(r.as_of)}</td></tr>")
    return (
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>信息技术运维手册：全部版本</title>\n<style>body{font-family:system-ui,sans-serif;margin:2rem;}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style>\n"
        "</head>\n<body>\n<h1>信息技术运维手册：全部版本</h1>\n<p>最新的在前。每个版本发布后不再改动。</p>\n"
        "<table>\n<thead><tr><th>版本</th><th>版本号（git 标签）</th><th>提交</th><th>提交日期</th><th>检查日期</th></tr></thead>\n"
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</body>\n</html>\n"
    )


def _index_page(alias: str) -> str:
    target = html.escape(f"{alias}/index.html", quote=True)
    return (
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>信息技术运维手册</title>\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n"
        f"<link rel=\"canonical\" href=\"{target}\">\n</head>\n<body>\n"
        f"<p>正在转到手册的最新版本：<a href=\"{target}\">{target}</a></p>\n</body>\n</html>\n"
    )


def _check_name(kind: str, name: str) -> None:
    if not NAME_RE.match(name) or name.lower() in RESERVED:
        raise PublishError(f"{kind}“{name}”不可用：只能用字母、数字和 . _ + -，以字母或数字开头，至多 64 个字符"
                           f"（且不能是 {'、'.join(sorted(RESERVED))}）")


TITLE_MAX = 64  # characters of a version's title (--title): the version selector shows it in one line


def check_title(title: str | None) -> str | None:
    """The version's title as given (None: the version number), or PublishError: at most ``TITLE_MAX``
    characters, not blank, no control or format characters (a terminal escape, a line break, a bidi override).
    The message never quotes the title."""
    if title is None or title == "":
        return None
    import unicodedata

    if not title.strip():
        raise PublishError("--title 不能只有空白；不写 --title 时版本选择器显示版本号")
    if len(title) > TITLE_MAX:
        raise PublishError(f"--title 有 {len(title)} 个字符，至多 {TITLE_MAX} 个")
    for index, char in enumerate(title, start=1):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise PublishError(f"--title 的第 {index} 个字符是控制字符或不可见的格式字符（U+{ord(char):04X}），请删去")
    return title


def _check_dest(dest: Path, root: Path, repo: Path) -> None:
    for base in {root.resolve(), repo}:
        if dest == base:
            raise PublishError(f"--dest 不能是手册或仓库的根目录 {dest}")
        for part in PROTECTED:
            inside = base / part
            if dest == inside or inside in dest.parents:
                raise PublishError(f"--dest {dest} 位于 {inside} 之内：版本目录不能写进手册的源文件或 make site 的输出目录")


# -- publish and verify ----------------------------------------------------------------------------------------
def publish(root, version: str, dest, audience: str = "internal", alias: str = "latest", rev: str | None = None,
            as_of: dt.date | None = None, title: str | None = None, tag: bool = True, generator: str = "mkdocs",
            log=print) -> Release:
    """Publish ``rev`` (default: the tag ``version`` if it exists, else HEAD) as ``version`` into ``dest``."""
    root = Path(root).resolve()
    dest = Path(dest).resolve()
    _check_name("版本号", version)
    _check_name("别名", alias)
    title = check_title(title)
    if alias == version:
        raise PublishError(f"版本号与别名相同：“{version}”")
    repo, subdir = _repository(root)
    _check_dest(dest, root, repo)
    versions = VersionsDir(dest)
    if versions.audience and versions.audience != audience:
        raise PublishError(f"{dest} 发布的是读者级别 {versions.audience} 的站点，不能混入 {audience} 的版本："
                           "每个读者级别用自己的版本目录（如 versions/public）")
    done = versions.find(version)
    if done:
        raise PublishError(f"版本 {version} 已于提交 {done.commit[:12]} 发布，已发布的版本不再改动；"
                           f"核对它可用 opsbook publish {version} --verify，新内容请用新的版本号")
    if version in versions.aliases():
        raise PublishError(f"“{version}”已是别名，不能再用作版本号")
    if alias in {r.version for r in versions.releases()}:
        raise PublishError(f"“{alias}”已是一个版本号，不能用作别名")
    if (dest / version).exists():
        raise PublishError(f"{dest / version} 已存在，但不在 {STATE} 的版本记录中：请先查明它的来历")

    tag_commit = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{version}^{{commit}}", check=False).strip()
    commit = _commit_of(repo, rev) if rev else (tag_commit or _commit_of(repo, "HEAD"))
    if tag_commit and tag_commit != commit:
        raise PublishError(f"标签 {version} 指向提交 {tag_commit[:12]}，而要发布的是 {commit[:12]}："
                           f"版本 {version} 只能从它的标签构建")
    if not rev and not tag_commit and _git(repo, "status", "--porcelain", "--untracked-files=no", check=False).strip():
        log(f"注意：工作区有未提交的修改，它们不会发布；发布的是提交 {commit[:12]}")
    _, date = _commit_time(repo, commit)
    release = Release(version=version, title=title or version, commit=commit, tag=version, date=date,
                      as_of=(as_of.isoformat() if as_of else date), audience=audience, alias=alias,
                      aliases=[alias], built_with=_built_with(), generator=generator)

    with versions.locked():
        created_tag = False
        if not tag_commit:
            if not tag:
                raise PublishError(f"没有标签 {version}：去掉 --no-tag 让 opsbook 创建它，或先 git tag {version} {commit[:12]}")
            _git(repo, "tag", version, commit)  # before the build: the pages name the version by its tag
            created_tag = True
        building = dest / f".building-{version}"
        shutil.rmtree(building, ignore_errors=True)  # a leftover of an interrupted publish of this version
        try:
            build_release(repo, subdir, release, building)
            os.replace(building, dest / version)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            if created_tag:
                _git(repo, "tag", "-d", version, check=False)
            raise
        releases = versions.releases()
        for other in releases:
            other.aliases = [a for a in other.aliases if a != alias]
        versions.state["audience"] = audience
        _refresh_alias(dest, alias, version)
        versions.save([release, *releases])
        _write(dest / "versions.html", _versions_page(versions.releases()))
        _write(dest / "index.html", _index_page(alias))
    if created_tag:
        log(f"已创建 git 标签 {version}（提交 {commit[:12]}）；请推送它：git push origin {version}")
    log(f"已发布版本 {version}（提交 {commit[:12]}，检查日期 {release.as_of}，读者级别 {audience}）到 {dest}/{version}；"
        f"{alias}/ 指向它")
    return release


def _built_with() -> str:
    from importlib import metadata

    parts = []
    for name in ("opsbook", "mkdocs", "mkdocs-material", "zensical"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(parts)


def _refresh_alias(dest: Path, alias: str, version: str) -> None:
    """``dest/alias`` becomes a copy of ``dest/version``; the old copy is replaced only after the new one is whole."""
    target = dest / alias
    fresh = dest / f".alias-{alias}"
    old = dest / f".alias-{alias}.old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(dest / version, fresh, symlinks=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def verify(root, version: str, dest) -> list[str]:
    """Rebuild a published version from its tag; the paths that differ from what was published (empty: identical)."""
    root = Path(root).resolve()
    dest = Path(dest).resolve()
    versions = VersionsDir(dest)
    release = versions.find(version)
    if release is None:
        raise PublishError(f"{dest} 中没有发布过版本 {version}")
    repo, subdir = _repository(root)
    tag_commit = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{release.tag}^{{commit}}", check=False).strip()
    if not tag_commit:
        raise PublishError(f"找不到标签 {release.tag}（git fetch --tags 后重试）")
    if tag_commit != release.commit:
        raise PublishError(f"标签 {release.tag} 现在指向 {tag_commit[:12]}，发布时是 {release.commit[:12]}")
    with tempfile.TemporaryDirectory(prefix="opsbook-verify-") as tmp:
        rebuilt = build_release(repo, subdir, release, Path(tmp) / "site")
        return differences(dest / version, rebuilt)
