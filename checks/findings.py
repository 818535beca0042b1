"""Findings: what the checks report, one per problem, each at a file and line."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

SEVERITIES = ("error", "warning")
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
# How a finding relates to the change under review (``check --base``); None when no base was given.
STATUSES = ("new", "existing", "fixed")
STATUS_ZH = {"new": "新增", "existing": "已有", "fixed": "已修复", "waived": "已豁免"}
_NUMBER = re.compile(r"\d+(?:[-/:.]\d+)*")  # numbers, dates, times
_RANGE = re.compile(r"#\s*(?:至|到|~|～|—|–)\s*#")  # “2026-11-20 至 2026-11-21” reads as one date


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    rule: str
    severity: str
    message: str
    clause: str | None = None
    # Other files the finding speaks of: the site shows a finding only to an
    # audience allowed to see every file it names.
    refs: tuple = field(default=(), compare=False)
    # What the finding is about inside its file, independent of lines and dates: the record's
    # id and key path (``changes/CHG-2026-012/approver``), derived by the engine from the
    # location the rule pointed at.  Part of the fingerprint.
    key: str = field(default="", compare=False)
    # new / existing / fixed against the base of a review (``check --base``), else None
    status: str | None = field(default=None, compare=False)
    # the id of the waiver (registers/waivers.yaml) that accepts this finding, else None
    waiver: str | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """A stable identity for the finding: the same problem on the same record has the same
        fingerprint on every day and after unrelated edits move its line.  Built from the rule,
        the file, the key and the message with its numbers, dates and date ranges blanked out (day
        counts and dates move with the as-of date; what is wrong does not)."""
        what = _RANGE.sub("#", _NUMBER.sub("#", self.message))
        return hashlib.sha256(f"{self.rule}\0{self.file}\0{self.key}\0{what}".encode()).hexdigest()[:32]

    @property
    def gating(self) -> bool:
        """Whether the finding counts against the gate at all: an error that is not waived and not fixed."""
        return self.severity == "error" and self.waiver is None and self.status != "fixed"

    def fails(self, fail_on: str = "all") -> bool:
        """Whether it fails the gate: a gating error, and with ``fail_on="new"`` one this change introduced."""
        return self.gating and (fail_on == "all" or self.status in (None, "new"))

    def label(self) -> str:
        """The Chinese status label for reports: 新增 / 已有 / 已修复, and 已豁免 when waived."""
        parts = [STATUS_ZH[self.status]] if self.status else []
        if self.waiver:
            parts.append(f"{STATUS_ZH['waived']} {self.waiver}")
        return "，".join(parts)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("refs")
        out = {k: data[k] for k in ("rule", "severity", "file", "line", "message", "clause")}
        out["fingerprint"] = self.fingerprint
        if self.status:
            out["status"] = self.status
        if self.waiver:
            out["waiver"] = self.waiver
        return out


@dataclass(frozen=True)
class Hit:
    """What a rule yields: where, and what is wrong there (in Chinese).

    ``severity`` overrides the rule's own for this hit: a rule that cannot decide
    (a day past the known trading calendar) warns instead of asserting a violation,
    and a warning that has gone unheeded too long becomes an error."""

    location: object  # model.Location
    message: str
    refs: tuple = ()
    severity: str | None = None
    # the record's id or key path the hit is about, when the location alone does not tell
    # (the engine derives it from the location otherwise); see Finding.key
    key: str = ""


def summarise(findings, fail_on: str = "all") -> dict:
    """Counts for a report.  Waived and fixed findings are counted apart and never fail the gate;
    with ``fail_on="new"`` only new errors fail it (existing ones are reported, not gating)."""
    current = [f for f in findings if f.status != "fixed"]
    live = [f for f in current if f.waiver is None]
    errors = sum(1 for f in live if f.severity == "error")
    gating = [f for f in live if f.fails(fail_on)]
    out = {
        "errors": errors,
        "warnings": sum(1 for f in live if f.severity == "warning"),
        "files": len({f.file for f in live}),
        "passed": not gating,
    }
    if any(f.status for f in findings):
        out["new"] = sum(1 for f in live if f.status == "new")
        out["existing"] = sum(1 for f in live if f.status == "existing")
        out["fixed"] = sum(1 for f in findings if f.status == "fixed")
        out["fail_on"] = fail_on
    waived = sum(1 for f in current if f.waiver)
    if waived:
        out["waived"] = waived
    return out
