"""The pipeline: load -> model -> schema validation -> rules -> findings."""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import schemas
from .findings import SEVERITIES, Finding, Hit
from .model import Handbook, Location
from .rules import Rule, all_rules


@dataclass
class Result:
    handbook: Handbook
    findings: list  # Finding, sorted
    rules: list  # Rule, the ones that ran

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    def by_rule(self) -> dict:
        out: dict[str, list] = {r.id: [] for r in self.rules}
        for f in self.findings:
            out.setdefault(f.rule, []).append(f)
        return out


def load(root, as_of: dt.date | None = None, cache=None) -> Handbook:
    """Load and validate a handbook; with a :class:`checks.cache.SourceCache`, unchanged files are reused.

    Without ``as_of``: today in Shanghai, or a sample handbook's fixed date (``settings.sample_date``);
    ``handbook.sample_date`` then says so.  An explicit ``as_of`` always wins."""
    if cache is not None:
        handbook = cache.load(root, as_of)
    else:
        handbook = Handbook.load(root, as_of)
        schemas.validate(handbook)
    if as_of is None:
        from .dates import as_date

        fixed = as_date(handbook.settings.sample_date)
        if fixed is not None:
            handbook.as_of = fixed
            handbook.sample_date = fixed
    return handbook


def _finding(rule: Rule, hit) -> Finding:
    if not isinstance(hit, Hit):
        hit = Hit(*hit)
    location = hit.location
    if not isinstance(location, Location):  # a Source or Record: its own top
        location = location.at()
    severity = hit.severity if hit.severity in SEVERITIES else rule.severity
    return Finding(location.file, location.line, rule.id, severity, hit.message, rule.clause, tuple(hit.refs))


def run_rules(handbook: Handbook, rules: list[Rule] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules if rules is not None else all_rules():
        if any(not handbook.usable(name) for name in rule.needs):
            continue
        try:
            for hit in rule.check(handbook) or ():
                findings.append(_finding(rule, hit))
        except Exception as exc:  # a bug in a rule must not hide the other findings
            where = traceback.extract_tb(exc.__traceback__)[-1]
            findings.append(
                Finding("checks/rules/" + rule.module + ".py", where.lineno, "INT001", "error",
                        f"规则 {rule.id} 执行出错（{type(exc).__name__}: {exc}），请向 opsbook 维护者报告", None)
            )
    return sorted(set(findings), key=lambda f: (f.file, f.line or 0, f.rule, f.message))


def check(root: str | Path, as_of: dt.date | None = None, rules: list[Rule] | None = None, cache=None) -> Result:
    handbook = load(root, as_of, cache)
    chosen = rules if rules is not None else all_rules()
    return Result(handbook, run_rules(handbook, chosen), chosen)
