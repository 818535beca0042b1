"""Findings: what the checks report, one per problem, each at a file and line."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SEVERITIES = ("error", "warning")
SEVERITY_ZH = {"error": "错误", "warning": "警告"}


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

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("refs")
        return {k: data[k] for k in ("rule", "severity", "file", "line", "message", "clause")}


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


def summarise(findings) -> dict:
    errors = sum(1 for f in findings if f.severity == "error")
    return {
        "errors": errors,
        "warnings": sum(1 for f in findings if f.severity == "warning"),
        "files": len({f.file for f in findings}),
        "passed": errors == 0,
    }
