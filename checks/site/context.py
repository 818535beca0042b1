"""The data of one site build: the checked handbook, its findings, the audience and the version.

Staging creates one :class:`SiteContext` per build (``engine.check`` runs once)
and every generated page, macro and template reads it.  Nothing here is
computed twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import clauses as catalogue
from .. import dates, engine, gitinfo
from ..model import SENSITIVITY_ZH, Document
from .audience import DEFAULT_AUDIENCE, Audience

log = logging.getLogger("opsbook.site")

KIND_ZH = {
    "policy": "管理制度",
    "procedure": "操作流程",
    "manual": "操作手册",
    "plan": "预案与计划",
    "guide": "说明",
    "record": "记录",
}
KIND_ORDER = ("policy", "procedure", "manual", "plan", "guide", "record", None)


@dataclass
class SiteContext:
    root: Path
    level: str
    as_of: dt.date
    docs_prefix: str = "docs/"  # model paths are "docs/…", mkdocs src_uris are relative to docs_dir
    result: engine.Result = None
    audience: Audience = None
    version: gitinfo.Version | None = None
    chapters: list = field(default_factory=list)
    catalogue_errors: list = field(default_factory=list)
    site_files: set = field(default_factory=set)  # staged docs-tree paths (pages and attachments)
    generated: dict = field(default_factory=dict)  # src_uri -> kind of generated page
    page_urls: dict = field(default_factory=dict)  # generated page key -> src_uri
    hidden_src: set = field(default_factory=set)  # docs_dir paths removed for this audience
    hidden_commits: set | None = field(default_factory=set)  # commits that changed a hidden document (None: unknown)
    hidden_urls: set = field(default_factory=set)  # and their addresses in the site
    current_src: str | None = None  # the page being staged
    masked: set = field(default_factory=set)  # values of fields more sensitive than the audience (leak scan)
    shown: set = field(default_factory=set)  # values published in fields the audience may see
    notes: list = field(default_factory=list)  # build findings (a macro that could not be expanded)

    @classmethod
    def create(cls, root, level: str | None = None, as_of: dt.date | None = None) -> "SiteContext":
        root = Path(root).resolve()
        ctx = cls(root=root, level=level or DEFAULT_AUDIENCE, as_of=as_of or dates.today())
        ctx.result = engine.check(root, as_of)
        ctx.as_of = ctx.result.handbook.as_of  # without as_of: a sample handbook's fixed date, or today
        ctx.audience = Audience(ctx.result.handbook, ctx.level)
        ctx.level = ctx.audience.level
        ctx.version = gitinfo.version(root)
        ctx.chapters, ctx.catalogue_errors = load_catalogue(root)
        return ctx

    # -- the handbook ------------------------------------------------------
    @property
    def handbook(self):
        return self.result.handbook

    @property
    def level_zh(self) -> str:
        return SENSITIVITY_ZH[self.level]

    @property
    def version_label(self) -> str:
        if self.version is None:
            return "未纳入版本管理"
        label = self.version.label + ("（含未提交的修改）" if self.version.dirty else "")
        return label

    @property
    def version_date(self) -> str:
        return self.version.date if self.version else "—"

    @property
    def clause_ids(self) -> set:
        cached = getattr(self, "_clause_ids", None)
        if cached is None:
            cached = self._clause_ids = set(catalogue.index(self.chapters))
        return cached

    def visible_documents(self) -> list[Document]:
        return [d for d in self.handbook.documents if self.audience.document_visible(d)]

    def src_uri(self, doc: Document) -> str | None:
        """The mkdocs path (inside docs_dir) of a document."""
        if doc.path.startswith(self.docs_prefix):
            return doc.path[len(self.docs_prefix):]
        return None

    def document_for_src(self, src_uri: str) -> Document | None:
        return self.handbook.documents_by_path.get(self.docs_prefix + src_uri)

    # -- findings ----------------------------------------------------------
    @property
    def findings(self) -> list:
        return self._visible_findings[0]

    @property
    def obligations(self) -> list:
        """What is due (checks.obligations), only on records and documents this audience may see."""
        cached = getattr(self, "_obligations", None)
        if cached is None:
            from .. import obligations

            cached = [d for d in obligations.collect(self.handbook, self.result.rules)
                      if self.audience.path_visible(d.file) and not self.audience.mentions_hidden(d.what)]
            self._obligations = cached
        return cached

    @property
    def hidden_findings(self) -> int:
        return self._visible_findings[1]

    @property
    def _visible_findings(self):
        cached = getattr(self, "_vf", None)
        if cached is None:
            every = list(self.result.findings) + list(self.notes)
            shown = [f for f in every if self.audience.finding_visible(f)]
            cached = self._vf = (shown, len(every) - len(shown))
        return cached

    def findings_by_rule(self) -> dict:
        out: dict[str, list] = {r.id: [] for r in self.result.rules}
        for f in self.findings:
            out.setdefault(f.rule, []).append(f)
        return out

    def hidden_by_rule(self) -> dict:
        shown = {id(f) for f in self.findings}
        out: dict[str, int] = {}
        for f in list(self.result.findings) + list(self.notes):
            if id(f) not in shown:
                out[f.rule] = out.get(f.rule, 0) + 1
        return out

    # -- document metadata -------------------------------------------------
    def next_review(self, doc: Document) -> dt.date | None:
        from ..rules.policies import review_due

        return review_due(self.handbook, doc)

    def last_changed(self) -> dict:
        """Per visible document: the date its file was last committed (the newest commit of its history)."""
        return {path: commits[0].date for path, commits in self.history().items() if commits}

    def history(self) -> dict:
        """Per visible document: the commits that changed its file, newest first (git)."""
        cached = getattr(self, "_history", None)
        if cached is None:
            paths = [d.path for d in self.visible_documents()]
            try:
                cached = gitinfo.history(self.root, paths)
                # A commit that also changed a document the reader may not see: its subject speaks of it.
                self.hidden_commits = gitinfo.commits_touching(self.root, sorted(self.audience.hidden_paths))
            except Exception as exc:  # git is optional for the site
                log.warning(f"opsbook: 无法读取 git 历史：{exc}")
                cached = {}
            self._history = cached
        return cached

    def record_anchor(self, register: str, line: int):
        """The id of the register's record (an item of a top-level list) that spans ``line``; its anchor on the page."""
        cache = self.__dict__.setdefault("_spans", {})
        if register not in cache:
            reg = self.handbook.register(register)
            starts = []
            if reg is not None and isinstance(reg.data, dict):
                for key, value in reg.data.items():
                    starts.append((reg.line((key,)) or 0, None))
                    if isinstance(value, list):
                        for i, item in enumerate(value):
                            rid = item.get("id") if isinstance(item, dict) else None
                            starts.append((reg.line((key, i)) or 0, rid if isinstance(rid, (str, int)) else None))
            cache[register] = sorted(starts, key=lambda s: s[0])
        found = None
        for start, rid in cache[register]:
            if start > line:
                break
            found = rid
        return str(found) if found is not None else None

    def cited_record(self, text: str):
        """(register, name) of the supplier, configuration item, device or software whose id is ``text``."""
        cached = getattr(self, "_cited", None)
        if cached is None:
            from .render import LINKED_RECORDS

            cached = {}
            for register, key in LINKED_RECORDS:
                for record in self.handbook.records(register, key):
                    if isinstance(record.id, str) and record.id not in cached:
                        cached[record.id] = (register, str(record.get("name") or ""))
            self._cited = cached
        return cached.get(text)

    def person(self, pid) -> str:
        """A person's name and id; only the id when the staff register is hidden from this audience."""
        if pid in (None, ""):
            return "—"
        if self.audience.register_visible("staff") and pid in self.handbook.staff:
            return self.handbook.person_name(pid)
        return str(pid)

    def organisation_name(self) -> str | None:
        if not self.audience.register_visible("organisation"):
            return None
        root = self.handbook.root_of("organisation")
        org = root.sub("organisation") if root else None
        name = org.get("name") if org else None
        return str(name) if name else None


def load_catalogue(root: Path) -> tuple[list, list]:
    """The clause catalogue; chapters that cannot be read are left out and reported, never fatal."""
    try:
        return catalogue.load(root), []
    except Exception:  # CatalogueError, or data the schema did not catch: fall back to chapter by chapter
        pass
    folder = root / catalogue.CATALOGUE_DIR
    chapters, errors = [], []
    schema = root / "schemas" / "clauses.schema.json"
    for path in sorted(folder.glob("*.yaml")):
        # Load each chapter alone, through the catalogue's own loader, in a scratch copy of the layout.
        with tempfile.TemporaryDirectory(prefix="opsbook-clauses-") as tmp:
            scratch = Path(tmp)
            (scratch / catalogue.CATALOGUE_DIR).mkdir(parents=True)
            shutil.copy2(path, scratch / catalogue.CATALOGUE_DIR / path.name)
            if schema.is_file():
                (scratch / "schemas").mkdir()
                shutil.copy2(schema, scratch / "schemas" / schema.name)
            try:
                chapters.extend(catalogue.load(scratch))
            except (catalogue.CatalogueError, KeyError, TypeError, ValueError) as exc:
                errors.append(str(exc))
    chapters.sort(key=lambda c: (c.order, c.code))
    return chapters, errors
