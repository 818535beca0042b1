"""The pipeline: load -> model -> schema validation -> rules -> findings."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import traceback
from dataclasses import dataclass, field

from . import model, schemas
from .findings import SEVERITIES, Finding, Hit
from .model import Handbook, Location
from .rules import Rule, all_rules


@dataclass
class Result:
    handbook: Handbook
    findings: list  # Finding, sorted
    rules: list  # Rule, the ones that ran
    # with a base (``check --base``): the base's findings this change fixes (status "fixed")
    fixed: list = field(default_factory=list)
    base: str | None = None  # the commit the change was compared with
    fail_on: str = "all"  # which errors fail the gate: "new" (with a base) or "all"

    @property
    def errors(self) -> int:
        """Errors that fail the gate (waived ones never do; with ``fail_on="new"``, only new ones)."""
        return sum(1 for f in self.findings if f.fails(self.fail_on))

    def summary(self) -> dict:
        from .findings import summarise

        return summarise(self.findings + self.fixed, self.fail_on)

    def by_rule(self) -> dict:
        out: dict[str, list] = {r.id: [] for r in self.rules}
        for f in self.findings:
            out.setdefault(f.rule, []).append(f)
        return out


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cycle collector while the model is built.  Loading creates millions of objects
    and no reference cycles; each automatic collection would walk everything built so far, which
    made loading a large handbook several times slower than parsing it (see ``make bench``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load(root, as_of: dt.date | None = None, cache=None) -> Handbook:
    """Load and validate a handbook, reusing the unchanged files of ``cache`` (a :class:`checks.cache.SourceCache`;
    by default the process's own, :func:`checks.cache.shared`).

    Without ``as_of``: today in Shanghai, or a sample handbook's fixed date (``settings.sample_date``);
    ``handbook.sample_date`` then says so.  An explicit ``as_of`` always wins."""
    if cache is None:
        from .cache import shared

        cache = shared()
    with gc_paused():
        handbook = cache.load(root, as_of)
    if as_of is None:
        from .dates import as_date

        fixed = as_date(handbook.settings.sample_date)
        if fixed is not None:
            handbook.as_of = fixed
            handbook.sample_date = fixed
    return handbook


def _key_path(source, path: tuple, handbook: Handbook | None = None) -> str:
    """A path into a file that names records by what they are, not where they stand:
    ``("changes", 3, "approver")`` → ``changes/CHG-2026-012/approver``.  A list item with an ``id`` is named
    by it; one without (a daily check, a backup log) by its natural key (:func:`_natural_key`), so that a
    record inserted above it does not change the fingerprints of its findings."""
    parts, value = [], source.data
    for depth, part in enumerate(path):
        child = None
        if isinstance(value, dict):
            child = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            child = value[part]
            if isinstance(child, dict) and isinstance(child.get("id"), (str, int)) and not isinstance(child.get("id"), bool):
                part = child["id"]
            elif isinstance(child, dict) and handbook is not None:
                part = _natural_key(handbook, source, path[:depth + 1], child) or part
        parts.append(str(part))
        value = child
    return "/".join(parts)


def _natural_key(handbook: Handbook, source, path: tuple, record: dict) -> str:
    """What identifies an id-less record among its list: the values of the fields its schema requires
    (a daily check's ``date``, a backup log's ``system`` and ``dates``, a leave's person and days), or of all
    its fields when the schema requires none; as ``~`` and a short hash ("" when it has none of them).
    Two records alike in these fields share a key; their findings are then told apart by an ordinal."""
    if isinstance(source, model.Document):
        rel = f"{schemas.SCHEMA_DIR}/{schemas.DOCUMENT_SCHEMA}"
    else:
        rel = schemas.schema_path(handbook, source) if isinstance(source, model.Register) else None
    cache = handbook.__dict__.setdefault("_natural_fields", {})
    shape = (rel, tuple("[]" if isinstance(p, int) else p for p in path))
    if shape not in cache:
        node = schemas.node_at(handbook.schema, rel, path) if rel else {}
        required = node.get("required") if isinstance(node.get("required"), list) else []
        cache[shape] = tuple(str(k) for k in required)
    fields = cache[shape] or tuple(sorted(map(str, record)))
    values = [(k, record[k]) for k in fields if record.get(k) not in (None, "", [], {})]
    if not values:
        return ""
    import hashlib
    import json

    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return "~" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _key(handbook: Handbook, hit: Hit, location: Location) -> str:
    """What the hit is about inside its file, from where it points (see Finding.key)."""
    if hit.key:
        return str(hit.key)
    target = hit.location
    if hasattr(target, "source") and hasattr(target, "path"):  # a Record
        return _key_path(target.source, target.path, handbook)
    if location.line is None or handbook is None:
        return ""
    source = handbook.registers.get(location.file.rsplit("/", 1)[-1].split(".")[0]) \
        if location.file.startswith("registers/") else handbook.documents_by_path.get(location.file)
    if source is None or getattr(source, "path", None) != location.file:
        return ""
    path = source.lines.path_at(location.line)  # the shallowest value that starts on the line: a record, not its id
    return _key_path(source, path, handbook) if path else ""


def _finding(rule: Rule, hit, handbook: Handbook | None = None) -> Finding:
    if not isinstance(hit, Hit):
        hit = Hit(*hit)
    location = hit.location
    if not isinstance(location, Location):  # a Source or Record: its own top
        location = location.at()
    severity = hit.severity if hit.severity in SEVERITIES else rule.severity
    return Finding(location.file, location.line, rule.id, severity, hit.message, rule.clause, tuple(hit.refs),
                   key=_key(handbook, hit, location))


def _crash(rule: Rule, exc: Exception) -> Finding:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return Finding("checks/rules/" + rule.module + ".py", where.lineno, "INT001", "error",
                   f"规则 {rule.id} 执行出错（{type(exc).__name__}: {exc}），请向 opsbook 维护者报告", None)


def _sorted(findings) -> list[Finding]:
    """Sorted and de-duplicated; findings that would share a fingerprint get an ordinal in their key,
    so every fingerprint in one result is unique (GitLab and SARIF need that)."""
    unique = sorted(set(findings), key=lambda f: (f.file, f.line or 0, f.rule, f.message))
    seen: dict[str, int] = {}
    out = []
    for f in unique:
        n = seen.get(f.fingerprint, 0) + 1
        seen[f.fingerprint] = n
        out.append(f if n == 1 else dataclasses.replace(f, key=f"{f.key}#{n}"))
    return out


def _lines_of_records(reads) -> set:
    """(file, line) of each record whose invalid value a rule read, of its fields, and of what
    it is part of: a finding there depends on the invalid value, which SCH001 reports already."""
    out = set()
    for source, path in reads:
        lines = source.lines
        for end in range(len(path) + 1):
            if path[:end] in lines:
                out.add((source.path, lines[path[:end]]))
        data = source.data
        for part in path:
            if isinstance(data, dict) and part in data:
                data = data[part]
            elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
                data = data[part]
            else:
                data = None
                break
        if isinstance(data, dict):
            out.update((source.path, lines[path + (k,)]) for k in data if path + (k,) in lines)
        out.add((source.path, source.line(path)))
    return out


def run_rules(handbook: Handbook, rules: list[Rule] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    with gc_paused():  # rules build many small objects and no cycles, like the loader
        for rule in rules if rules is not None else all_rules():
            if rule.kind != "model" or any(not handbook.usable(name) for name in rule.needs):
                continue
            reads: list = []
            found: list[Finding] = []
            model.trace_invalid_reads(reads)
            try:
                for hit in rule.check(handbook) or ():
                    found.append(_finding(rule, hit, handbook))
            except Exception as exc:  # a bug in a rule must not hide the other findings
                found.append(_crash(rule, exc))
            finally:
                model.trace_invalid_reads(None)
            if reads:  # one bad value is one finding: the rule's findings on that record are SCH001's
                skip = _lines_of_records(reads)
                found = [f for f in found if (f.file, f.line) not in skip]
            findings.extend(found)
    return _sorted(findings)


def run_history(base: Handbook, head: Handbook, rules: list[Rule] | None = None, label: str = "") -> list[Finding]:
    """The history rules (``kind="history"``) over one step from ``base`` to ``head``.
    ``label`` (a commit, for ``--since``) is put before each message."""
    findings: list[Finding] = []
    for rule in rules if rules is not None else all_rules():
        if rule.kind != "history" or any(not (base.usable(n) and head.usable(n)) for n in rule.needs):
            continue
        try:
            for hit in rule.func(base, head) or ():
                finding = _finding(rule, hit, head)
                if label:
                    finding = dataclasses.replace(finding, message=f"{label}：{finding.message}")
                findings.append(finding)
        except Exception as exc:
            findings.append(_crash(rule, exc))
    return _sorted(findings)


def check(root, as_of: dt.date | None = None, rules: list[Rule] | None = None, cache=None, *, base=None,
          fail_on: str | None = None, history: list | None = None) -> Result:
    """Check a handbook (a folder or a :class:`checks.tree.Tree`).

    ``base`` (a Tree, e.g. ``GitTree.for_handbook(root, "origin/main")``) makes it a review: the
    base is checked too, each finding gets its status (new / existing, and the base's findings
    this change removes come back as ``fixed``), and the history rules run from base to head.
    ``history`` is a list of ``(label, before, after)`` trees for the audit view (``--since``).
    Waivers (registers/waivers.yaml) are applied last.
    """
    from . import waivers

    if (base is not None or history) and cache is None:  # base and head share most files: read each once
        from .cache import SourceCache

        cache = SourceCache()  # before the head is loaded, so that the base reuses the head's unchanged files
    handbook = load(root, as_of, cache)
    chosen = rules if rules is not None else all_rules()
    complete = rules is None
    findings = run_rules(handbook, chosen)
    fixed: list[Finding] = []
    base_handbook = load(base, handbook.as_of, cache) if base is not None else None
    if base_handbook is not None:
        findings += run_history(base_handbook, handbook, chosen)
    for label, before, after in history or ():
        findings += run_history(load(before, handbook.as_of, cache), load(after, handbook.as_of, cache), chosen, label)
    findings = waivers.apply(handbook, _sorted(findings), complete)
    if base_handbook is not None:
        base_findings = waivers.apply(base_handbook, run_rules(base_handbook, chosen), complete)
        findings, fixed = compare(base_findings, findings)
    if fail_on is None:
        fail_on = "new" if base is not None else "all"
    return Result(handbook, findings, chosen, fixed=fixed, base=getattr(base, "commit", None), fail_on=fail_on)


def compare(base_findings: list[Finding], head_findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Mark the head's findings new or existing by fingerprint, and return the base's that are gone as fixed."""
    base_prints = {f.fingerprint for f in base_findings}
    head_prints = {f.fingerprint for f in head_findings}
    marked = [dataclasses.replace(f, status="existing" if f.fingerprint in base_prints else "new") for f in head_findings]
    fixed = [dataclasses.replace(f, status="fixed") for f in base_findings if f.fingerprint not in head_prints]
    return marked, fixed
