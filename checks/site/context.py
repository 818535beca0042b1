"""The data of one site build: the checked handbook, its findings, the audience and the version.

Staging creates one :class:`SiteContext` per build (``engine.check`` runs once)
and every generated page, macro and template reads it.  Nothing here is
computed twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import clauses as catalogue
from .. import dates, engine, gitinfo
from ..model import SENSITIVITY_ZH, Document
from .audience import DEFAULT_AUDIENCE, Audience

log = logging.getLogger("opsbook.site")

RECORD_REF = "\x02opsbook-record:"  # a record link's placeholder while the register pages are laid out
_RECORD_REF = re.compile("\x02opsbook-record:([0-9]{1,9})\x03")

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
    record_pages: dict = field(default_factory=dict)  # register -> {("id", id) or (list key, index): part src}
    records_placed: bool = True  # false while staging lays out the register pages (record links are placeholders)
    record_refs: list = field(default_factory=list)  # the placeholders' (register, record id, line)

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

    # -- records: which page holds each (a long register is split into several pages) --------------
    def record_target(self, register: str, record_id=None, line=None):
        """(src, anchor) of a register's record: the record whose id is ``record_id``, or the record (an item
        of a top-level list) that spans ``line``; the page is the register's page or, for a register split
        into parts (:func:`checks.site.pages.register_pages`), the part that holds the record.  Every link to
        a record goes through here.  None when the register has no page."""
        main = self.page_urls.get(f"register:{register}")
        if not main:
            return None
        layout = self.record_pages.get(register) or {}
        if record_id is not None:
            return layout.get(("id", str(record_id)), main), str(record_id)
        if line is None:
            return main, None
        key, index, rid = self._record_at(register, line)
        src = layout.get((key, index), main) if key is not None else main
        return src, (str(rid) if rid is not None else None)

    def _record_at(self, register: str, line: int):
        """(list key, index, id) of the top-level list item of ``register`` that spans ``line``."""
        import bisect

        cache = self.__dict__.setdefault("_spans", {})
        if register not in cache:
            reg = self.handbook.register(register)
            starts = []
            if reg is not None and isinstance(reg.data, dict):
                for key, value in reg.data.items():
                    starts.append((reg.line((key,)) or 0, None, None, None))
                    if isinstance(value, list):
                        for i, item in enumerate(value):
                            rid = item.get("id") if isinstance(item, dict) else None
                            starts.append((reg.line((key, i)) or 0, key, i, rid if isinstance(rid, (str, int)) else None))
            starts.sort(key=lambda s: s[0])
            cache[register] = ([s[0] for s in starts], starts)
        lines, starts = cache[register]
        at = bisect.bisect_right(lines, line) - 1
        return starts[at][1:] if at >= 0 else (None, None, None)

    def record_href(self, register: str, from_url: str, record_id=None, line=None) -> str | None:
        """The address of a record (:meth:`record_target`) as a link from the page at ``from_url``.  While the
        register pages are being laid out (``records_placed`` is false) the address is a placeholder that
        staging replaces, in every page that has one, once every record's page is known."""
        from .render import page_url, relative_url

        if not self.page_urls.get(f"register:{register}"):
            return None
        if not self.records_placed:
            self.record_refs.append((register, record_id, line))
            return f"{RECORD_REF}{len(self.record_refs) - 1}\x03"
        src, anchor = self.record_target(register, record_id=record_id, line=line)
        return relative_url(page_url(src), from_url) + (f"#{anchor}" if anchor else "")

    def resolve_record_refs(self, text: str, src: str) -> str:
        """``text`` (the staged page ``src``) with its record placeholders replaced by addresses (escaped)."""
        import html as htmllib

        from .render import page_url

        def one(match):
            n = int(match.group(1))
            if n >= len(self.record_refs):
                return ""
            register, record_id, line = self.record_refs[n]
            return htmllib.escape(self.record_href(register, page_url(src), record_id=record_id, line=line) or "#",
                                  quote=True)

        return _RECORD_REF.sub(one, text)

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
