"""The handbook model: every document and register, with the line of every value.

Everything downstream (schema validation, rules, reporters, the site) reads
this one model.  Loading never raises on bad input: what cannot be read
becomes a Problem on the file, and the file is kept with what could be read.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, Iterator

from . import dates, yamlio
from .linemap import LineMap

if TYPE_CHECKING:  # for annotations only (settings imports this module)
    from .settings import Settings

SENSITIVITY_LEVELS = ("public", "internal", "restricted", "confidential")
SENSITIVITY_ZH = {"public": "公开", "internal": "内部", "restricted": "受限", "confidential": "机密"}
STATUS_ZH = {"draft": "草稿", "active": "现行", "obsolete": "已废止"}
SCHEMA_LINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")


def sensitivity_rank(value) -> int:
    """The rank of a sensitivity level; anything unknown ranks as confidential (fail closed)."""
    try:
        return SENSITIVITY_LEVELS.index(value)
    except ValueError:
        return len(SENSITIVITY_LEVELS) - 1


FIELD_SENSITIVITY = "x-sensitivity"  # a schema property's own level, above its register's (a personal mobile)


def field_sensitivity(schema) -> str | None:
    """The level a field's schema declares with ``"x-sensitivity"`` (its ``$ref``s already merged in), or None
    when it declares none (the field is as sensitive as its register).  A value that is not a known level reads
    as confidential (fail closed).  The one reading of the annotation: the site masks, and the Excel export and
    the inspector's pack leave out, every field above the reader's level by it."""
    if not isinstance(schema, dict) or FIELD_SENSITIVITY not in schema:
        return None
    value = schema[FIELD_SENSITIVITY]
    return value if value in SENSITIVITY_LEVELS else "confidential"


@dataclass(frozen=True)
class Location:
    file: str  # path relative to the repository root, with forward slashes
    line: int | None = None


# While a rule runs, the engine collects here the records whose invalid values it tried to read
# (see Record and checks.engine): that rule's findings on those records are left to SCH001.
_reads: list | None = None


def trace_invalid_reads(reads: list | None) -> None:
    """Start (a list) or stop (None) collecting (source, record path) of reads of invalid values."""
    global _reads
    _reads = reads


class Record:
    """A mapping inside a loaded file, with the way back to its lines.

    ``rec["field"]`` and ``rec.get("field")`` read values; ``rec.at("field")``
    is the location to report; ``rec.records("key")`` are nested mappings.

    A value that broke its schema (SCH001 reports it, once, at its line) reads as
    absent: ``rec.get`` returns the default, ``"field" in rec`` is false, lists and
    mappings read through ``get`` come without their invalid parts.  So a rule never
    meets a value of the wrong type, and everything else in the record is still
    checked.  ``rec.invalid("field")`` tells a broken value from a missing one, so
    that a rule does not report a broken value a second time as missing.
    """

    __slots__ = ("source", "path", "data")

    def __init__(self, source: "Source", path: tuple, data: dict):
        self.source = source
        self.path = path
        self.data = data if isinstance(data, dict) else {}  # as written, invalid values included

    def _value(self, key, default=None):
        value = self.data.get(key, default)
        source = self.source
        if source.invalid:
            path = self.path + (key,)
            if path in source.invalid:
                if key == "id" and isinstance(value, (str, int, float, dt.date)):
                    # a record's id as written stays its id, so what refers to it is not reported as well
                    return source.raw.get(path, value if isinstance(value, str) else str(value))
                if _reads is not None:
                    _reads.append((source, self.path))
                return default
            if path in source.invalid_below:
                return source.clean(value, path)
        return value

    def __getitem__(self, key):
        if key not in self:
            raise KeyError(key)
        return self._value(key)

    def __contains__(self, key):
        if key not in self.data:
            return False
        if self.source.invalid and self.invalid(key):
            if _reads is not None:
                _reads.append((self.source, self.path))
            return False
        return True

    def __repr__(self):
        return f"Record({self.source.path}:{self.line()} {self.data.get('id', '')})"

    def get(self, key, default=None):
        value = self._value(key, default)
        return default if value is None else value

    def invalid(self, *keys) -> bool:
        """Whether the value at ``keys`` (or something it is part of) broke its schema."""
        return self.source.masked(self.path + keys)

    @property
    def id(self):
        return self.get("id")

    def line(self, *keys) -> int | None:
        return self.source.line(self.path + keys)

    def at(self, *keys) -> Location:
        return Location(self.source.path, self.line(*keys))

    def date(self, key) -> dt.date | None:
        return dates.as_date(self._value(key))

    def datetime(self, key) -> dt.datetime | None:
        return dates.as_datetime(self._value(key))

    def sub(self, key) -> "Record | None":
        value = self._value(key)
        return Record(self.source, self.path + (key,), self.data[key]) if isinstance(value, dict) else None

    def records(self, key) -> list["Record"]:
        value = self.data.get(key)
        if not isinstance(value, list) or key not in self:
            return []
        invalid = self.source.invalid
        return [
            Record(self.source, self.path + (key, i), item)
            for i, item in enumerate(value)
            if isinstance(item, dict) and self.path + (key, i) not in invalid
        ]

    def items(self, key) -> list[tuple[Any, Location]]:
        """Scalar list items with their locations (without the ones that broke their schema)."""
        value = self.data.get(key)
        if not isinstance(value, list) or key not in self:
            return []
        invalid = self.source.invalid
        return [(item, Location(self.source.path, self.source.line(self.path + (key, i))))
                for i, item in enumerate(value) if self.path + (key, i) not in invalid]


@dataclass
class Source:
    """A file that was read: its text, its parsed data and the lines of its values."""

    path: str
    data: Any = None
    lines: LineMap = field(default_factory=LineMap)
    problems: list = field(default_factory=list)  # yamlio.Problem
    readable: bool = True  # False when the text or YAML could not be read at all
    # Paths of values that broke their schema: rules read them as absent (see Record),
    # so that a rule never meets a value of the wrong type.  Use mark_invalid().
    invalid: set = field(default_factory=set)
    invalid_below: set = field(default_factory=set)  # proper prefixes of the paths in invalid
    raw: dict = field(default_factory=dict)  # path -> scalar text YAML read differently
    allowlisted: set = field(default_factory=set)  # lines a “pragma: allowlist secret” comment marks (SEC001)

    def mark_invalid(self, path: tuple) -> None:
        path = tuple(path)
        self.invalid.add(path)
        self.invalid_below.update(path[:i] for i in range(len(path)))

    def masked(self, path: tuple) -> bool:
        """Whether the value at ``path``, or a value it is part of, broke its schema."""
        if not self.invalid:
            return False
        path = tuple(path)
        return any(path[:i] in self.invalid for i in range(1, len(path) + 1))

    def clean(self, value, path: tuple):
        """A copy of ``value`` (at ``path``) without the parts that broke their schema."""
        if path not in self.invalid_below:
            return value
        if isinstance(value, dict):
            return {k: self.clean(v, path + (k,)) for k, v in value.items() if path + (k,) not in self.invalid}
        if isinstance(value, list):
            return [self.clean(v, path + (i,)) for i, v in enumerate(value) if path + (i,) not in self.invalid]
        return value

    def at(self, *path) -> Location:
        return Location(self.path, self.line(path))

    def at_line(self, line: int | None) -> Location:
        return Location(self.path, line)

    def line(self, path: tuple) -> int | None:
        """The line of the value at ``path``, or of its nearest ancestor that has one."""
        line = self.lines.nearest(tuple(path))
        return 1 if line is None else line


@dataclass
class Register(Source):
    """A register (台账) in registers/, a YAML mapping named after its schema."""

    name: str = ""
    schema_ref: str | None = None  # as written on the first line
    valid: bool = True  # False after a schema violation: rules skip invalid registers

    @property
    def root(self) -> Record:
        return Record(self, (), self.data if isinstance(self.data, dict) else {})


@dataclass
class Heading:
    level: int
    text: str
    line: int
    anchor: str = ""


@dataclass
class Link:
    target: str  # as written
    line: int
    text: str = ""


@dataclass
class Document(Source):
    """A Markdown document in docs/ with its YAML front matter."""

    body: str = ""
    body_line: int = 1  # file line of the body's first line
    headings: list = field(default_factory=list)  # Heading
    links: list = field(default_factory=list)  # Link
    has_front_matter: bool = False
    valid: bool = True
    # the id written in front matter that could not be read as YAML (a plain ``id:`` line),
    # so that references to the document are not reported as well
    salvaged_id: str | None = None

    @property
    def meta(self) -> Record:
        return Record(self, (), self.data if isinstance(self.data, dict) else {})

    @property
    def doc_id(self):
        return self.meta.get("id")

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or FsPath(self.path).stem)

    @property
    def status(self):
        return self.meta.get("status")

    @property
    def sensitivity(self):
        return self.meta.get("sensitivity")

    @property
    def rank(self) -> int:
        return sensitivity_rank(self.sensitivity)

    @property
    def url_path(self) -> str:
        """The path inside docs/."""
        return self.path.split("/", 1)[1] if "/" in self.path else self.path

    def section(self, heading: Heading) -> str:
        """The text under a heading, up to the next heading of the same or a higher level."""
        lines = self.body.split("\n")
        start = heading.line - self.body_line + 1
        end = len(lines)
        for other in self.headings:
            if other.line > heading.line and other.level <= heading.level:
                end = other.line - self.body_line
                break
        return "\n".join(lines[start:end])


# Every pattern applied to content runs in linear time: no quantified part can match the same
# text two ways (possessive quantifiers, disjoint classes), and headings are taken apart with
# string methods.  tests/test_hostile.py feeds each one 100 KB of pathological input.
_HEADING = re.compile(r"(#{1,6})\s")
_ATTR_ID = re.compile(r"#([\w-]++)")
_LINK = re.compile(r"(?<!!)\[([^\[\]\n]*+)\]\([ \t]*+<?([^()\[\]\s<>]++)>?(?:[ \t]++\"[^\"\n]*+\")?[ \t]*+\)")
_ID_LINE = re.compile(r"^id:[ \t]*+[\"']?([\w.-]++)[\"']?[ \t]*+$", re.MULTILINE)
_FENCE = re.compile(r"^[ \t]*+(```|~~~)")


def parse_heading(text: str) -> tuple[int, str, str] | None:
    """An ATX heading's (level, title, explicit anchor), or None when the line is none.

    ``## 标题 ##`` has the title 标题; ``## 标题 {#anchor .class}`` has the anchor ``anchor``."""
    match = _HEADING.match(text)
    if not match:
        return None
    level = len(match.group(1))
    title = text[match.end():].strip()
    if title.endswith("#"):  # a closing sequence: #s preceded by a space (or alone)
        bare = title.rstrip("#")
        if not bare or bare[-1] in " \t":
            title = bare.rstrip()
    anchor = ""
    if title.endswith("}"):
        start = title.rfind("{")
        inside = title[start + 1:-1] if start >= 0 else ""
        found = _ATTR_ID.search(inside) if start >= 0 and "}" not in inside else None
        if found:
            anchor = found.group(1)
            title = title[:start].rstrip()
    return level, title, anchor


def _scan_markdown(doc: Document) -> None:
    in_fence = False
    for offset, text in enumerate(doc.body.split("\n")):
        line = doc.body_line + offset
        if _FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = parse_heading(text)
        if heading:
            level, title, anchor = heading
            doc.headings.append(Heading(level, title, line, anchor))
        if "](" in text:
            for link in _LINK.finditer(text):
                doc.links.append(Link(link.group(2), line, link.group(1)))


def read_file(tree, rel: str, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS) -> tuple[str | None, yamlio.Problem | None]:
    size = tree.size(rel)
    if size is not None and (problem := yamlio.too_large(size, limits)):
        return None, problem
    try:
        data = tree.read_bytes(rel)
    except OSError as exc:
        return None, yamlio.Problem("ENC001", 1, f"无法读取文件：{exc.strerror or exc}")
    if size is None and (problem := yamlio.too_large(len(data), limits)):
        return None, problem
    return yamlio.decode(data)


# detect-secrets' inline allowlist comment (in a YAML “# …” or a Markdown “<!-- … -->” comment)
ALLOWLIST_COMMENT = re.compile(r"pragma: ?(?:allow|white)list(?P<next> nextline)?[ -]secret")


def _allowlisted(text: str) -> set:
    """Lines marked by detect-secrets' comment ``pragma: allowlist secret`` (or ``… nextline secret``
    on the line before): a reviewed false positive of the secrets rule."""
    if "allowlist" not in text and "whitelist" not in text:
        return set()
    out = set()
    for number, line in enumerate(text.split("\n"), start=1):
        found = ALLOWLIST_COMMENT.search(line)
        if found:
            out.add(number + 1 if found.group("next") else number)
    return out


def load_register(tree, rel: str, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS) -> Register:
    reg = Register(path=rel, name=rel.rsplit("/", 1)[-1].split(".")[0])
    text, problem = read_file(tree, rel, limits)
    if problem:
        reg.problems.append(problem)
        reg.readable = reg.valid = False
        return reg
    reg.allowlisted = _allowlisted(text)
    first = text.split("\n", 1)[0]
    match = SCHEMA_LINE.match(first)
    reg.schema_ref = match.group(1) if match else None
    try:
        reg.data, reg.lines, problems = yamlio.load(text, raw=reg.raw, limits=limits)
        reg.problems.extend(problems)
    except yamlio.LoadError as exc:
        reg.problems.append(exc.problem)
        reg.readable = reg.valid = False
    return reg


def load_document(tree, rel: str, limits: yamlio.Limits = yamlio.DEFAULT_LIMITS) -> Document:
    doc = Document(path=rel)
    text, problem = read_file(tree, rel, limits)
    if problem:
        doc.problems.append(problem)
        doc.readable = doc.valid = False
        return doc
    doc.allowlisted = _allowlisted(text)
    front, body, body_line = yamlio.split_front_matter(text)
    doc.body, doc.body_line = body, body_line
    doc.has_front_matter = front is not None
    if front is not None:
        try:
            doc.data, doc.lines, problems = yamlio.load(front, offset=1, raw=doc.raw, limits=limits)
            doc.problems.extend(problems)
        except yamlio.LoadError as exc:
            doc.problems.append(exc.problem)
            doc.valid = False
            doc.data = {}
            found = _ID_LINE.search(front)
            doc.salvaged_id = found.group(1) if found else None
    if not isinstance(doc.data, dict):
        doc.data = {}
    _scan_markdown(doc)
    return doc


def _limits(reg: Register) -> yamlio.Limits:
    """The reading limits set in registers/organisation.yaml (read with the default ones);
    a value that is not a positive whole number keeps its default (SCH001 reports it)."""
    settings = reg.data.get("settings") if isinstance(reg.data, dict) else None
    if not isinstance(settings, dict):
        return yamlio.DEFAULT_LIMITS
    values = {}
    for key, name in (("max_file_mb", "max_file_mb"), ("yaml_max_depth", "max_depth"),
                      ("yaml_max_alias_nodes", "max_alias_nodes")):
        value = settings.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            values[name] = value
    return yamlio.Limits(**values) if values else yamlio.DEFAULT_LIMITS


#: the folders whose files are content: a symbolic link in them is refused (LINK001)
CONTENT_FOLDERS = ("docs", "registers", "schemas", "standard")


class Handbook:
    """All of a handbook's documents and registers, as of a date."""

    def __init__(self, tree, as_of: dt.date):
        self.tree = tree
        # the folder on disk the handbook was read from; for a git revision, none (Path("."))
        self.root = tree.root if tree.root is not None else FsPath(".")
        self.as_of = as_of
        self.sample_date: dt.date | None = None  # set when as_of is a sample handbook's fixed date
        self.registers: dict[str, Register] = {}
        self.documents: list[Document] = []
        self.other_files: list[str] = []  # YAML files in registers/ with another layout, etc.
        self.symlinks: list[str] = []  # symbolic links among the handbook's files (never read)
        self.limits = yamlio.DEFAULT_LIMITS
        # the files of schemas/ as read once for the whole load (checks.cache), else None: read when asked
        self.schema_files: dict | None = None

    # -- loading ------------------------------------------------------------
    @classmethod
    def load(cls, source, as_of: dt.date | None = None, cache=None) -> "Handbook":
        """Load a handbook from a folder on disk or from any :class:`checks.tree.Tree`
        (reusing the unchanged files of a :class:`checks.cache.SourceCache`)."""
        from .tree import as_tree

        tree = as_tree(source)
        hb = cls(tree, as_of or dates.today())
        get = cache.source if cache is not None else (lambda tree, rel, load, limits=None: load(tree, rel, limits))
        # a link is never read (the tree refuses); it is reported where it is (LINK001)
        hb.symlinks = [rel for rel in tree.paths()
                       if tree.is_link(rel) and (rel.split("/", 1)[0] in CONTENT_FOLDERS or "/" not in rel)]
        links = set(hb.symlinks)
        limits = yamlio.DEFAULT_LIMITS
        organisation = "registers/organisation.yaml"
        if tree.exists(organisation) and organisation not in links:  # first: it sets the limits for the rest
            reg = get(tree, organisation, load_register, limits)
            hb.registers[reg.name] = reg
            limits = _limits(reg)
        hb.limits = limits
        for rel in tree.files("registers", "*.y*ml"):
            if rel in links or rel == organisation:
                continue
            reg = get(tree, rel, load_register, limits)
            hb.registers[reg.name] = reg
        for rel in tree.files("docs", "*.md", recursive=True):
            if rel in links or any(part.startswith(".") for part in rel.split("/")[1:]):
                continue
            hb.documents.append(get(tree, rel, load_document, limits))
        return hb

    # -- registers ----------------------------------------------------------
    def register(self, name: str) -> Register | None:
        return self.registers.get(name)

    def usable(self, name: str) -> bool:
        reg = self.registers.get(name)
        return bool(reg and reg.readable and reg.valid and isinstance(reg.data, dict))

    def root_of(self, name: str) -> Record | None:
        """The register's top-level mapping, or None when it is missing or invalid."""
        return self.registers[name].root if self.usable(name) else None

    def by_id(self, name: str, key: str | None = None) -> dict:
        """The records of a register's list ``key`` by id, indexed once per handbook (read-only)."""
        cache = self.__dict__.setdefault("_by_id", {})
        if (name, key) not in cache:
            cache[(name, key)] = {r.id: r for r in self.records(name, key) if r.id}
        return cache[(name, key)]

    def records(self, name: str, key: str | None = None) -> list[Record]:
        """The records in a register's list ``key`` (by default the list named like the register)."""
        root = self.root_of(name)
        return root.records(key or name) if root else []

    # -- documents ----------------------------------------------------------
    def document(self, doc_id) -> Document | None:
        return self.documents_by_id.get(doc_id)

    @functools.cached_property
    def documents_by_id(self) -> dict:
        return {d.doc_id: d for d in self.documents if d.doc_id}

    @functools.cached_property
    def documents_by_path(self) -> dict:
        return {d.path: d for d in self.documents}

    def docs(self, kind: str | None = None) -> list[Document]:
        """Documents whose front matter was read and matches its schema (optionally of one kind)."""
        return [
            d for d in self.documents
            if d.readable and d.valid and d.has_front_matter and (kind is None or d.meta.get("kind") == kind)
        ]

    # -- shared lookups -----------------------------------------------------
    @functools.cached_property
    def settings(self) -> "Settings":
        from .settings import Settings

        root = self.root_of("organisation")
        return Settings.from_record(root.sub("settings") if root else None)

    @functools.cached_property
    def staff(self) -> dict:
        return {r.id: r for r in self.records("staff") if r.id}

    def active_staff(self, person_id) -> bool:
        person = self.staff.get(person_id)
        return bool(person and person.get("status", "active") == "active")

    def has_left(self, person_id) -> bool:
        """A known person who is no longer active (unknown ids are REF001's to report)."""
        return person_id in self.staff and not self.active_staff(person_id)

    def person_name(self, person_id) -> str:
        person = self.staff.get(person_id)
        return f"{person.get('name')}（{person_id}）" if person else str(person_id)

    def schema(self, rel: str) -> dict:
        """A JSON schema file of the tree (``schemas/….json``), parsed once; {} when unreadable.  Read from
        ``schema_files`` when the load took them (the schemas its sources were validated against)."""
        cache = self.__dict__.setdefault("_schemas", {})
        if rel not in cache:
            import json

            try:
                if self.schema_files is not None and rel in self.schema_files:
                    data = self.schema_files[rel]
                    if data is None:
                        raise OSError(rel)
                    value = json.loads(data.decode("utf-8"))
                else:
                    value = json.loads(self.tree.read_text(rel))
            except (OSError, ValueError):
                value = {}
            cache[rel] = value if isinstance(value, dict) else {}
        return cache[rel]

    @functools.cached_property
    def calendar(self):
        from .calendar import TradingCalendar

        return TradingCalendar.from_handbook(self)

    def iter_sources(self) -> Iterator[Source]:
        yield from self.registers.values()
        yield from self.documents
