"""Waivers (例外): accepted, time-limited gaps recorded in ``registers/waivers.yaml``.

A waiver names one rule and what it covers (a file, a record id, a document id, or
several of them: a finding must match every one given).  While it is in force
(approved, not yet expired, approved by someone with the authority the settings
name, and not by the one who asked), the findings it covers keep their place in
every report but are marked 已豁免 with the waiver's id and never fail the gate.

The rules about waivers themselves (expired, for an unknown rule, not properly
approved, matching nothing) are in :mod:`checks.rules.waivers`; this module holds
what they and the engine share, and :func:`overview`, the data of the dashboard's
list of waivers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

REGISTER = "waivers"
#: waivers can never cover the findings about waivers
OWN_RULES = "WAV"


@dataclass(frozen=True)
class Waiver:
    record: object  # model.Record
    id: str
    rule: str
    file: str | None
    record_id: str | None
    document: str | None
    reason: str
    requested_by: str | None
    approved_by: str | None
    approved: dt.date | None
    expires: dt.date | None

    @property
    def scope(self) -> str:
        """What it covers, in Chinese, for reports and the dashboard."""
        parts = []
        if self.file:
            parts.append(f"文件 {self.file}")
        if self.record_id:
            parts.append(f"记录 {self.record_id}")
        if self.document:
            parts.append(f"文档 {self.document}")
        return "；".join(parts) or "（未写明范围）"


def waivers(handbook) -> list[Waiver]:
    """The waivers of the handbook's register (none when it is missing or invalid)."""
    out = []
    for rec in handbook.records(REGISTER):
        if not rec.id:
            continue
        out.append(Waiver(rec, str(rec.id), str(rec.get("rule", "")), rec.get("file"), _text(rec.get("record")),
                          _text(rec.get("document")), str(rec.get("reason", "")), rec.get("requested_by"),
                          rec.get("approved_by"), rec.date("approved"), rec.date("expires")))
    return out


def _text(value):
    return None if value is None else str(value)


def approvers(handbook) -> dict[str, str]:
    """Who may approve a waiver: person id → the responsibility that gives the authority."""
    resp = handbook.root_of("organisation")
    resp = resp.sub("responsibilities") if resp else None
    out = {}
    for key in handbook.settings.waiver_approvers or ():
        person = resp.get(key) if resp else None
        if isinstance(person, str) and person not in out:
            out[person] = key
    return out


def problems(handbook, waiver: Waiver) -> list[tuple[str, str]]:
    """What makes a waiver unusable besides its dates: ``(field, Chinese message)`` pairs.
    A waiver with any of these covers nothing."""
    from .rules import get

    out = []
    known = get(waiver.rule)
    if known is None or waiver.rule.startswith(OWN_RULES):
        out.append(("rule", "unknown"))
    if not (waiver.file or waiver.record_id or waiver.document):
        out.append(("id", "scope"))
    allowed = approvers(handbook)
    if waiver.approved_by and waiver.approved_by == waiver.requested_by:
        out.append(("approved_by", "self"))
    elif waiver.approved_by and waiver.approved_by not in allowed:
        out.append(("approved_by", "authority"))
    elif waiver.approved_by and handbook.has_left(waiver.approved_by):
        out.append(("approved_by", "left"))
    if waiver.approved and waiver.expires:
        if waiver.expires < waiver.approved:
            out.append(("expires", "order"))
        elif (waiver.expires - waiver.approved).days > handbook.settings.waiver_max_days:
            out.append(("expires", "too-long"))
    return out


def state(handbook, waiver: Waiver) -> str:
    """``active`` (in force today), ``pending`` (approval date still ahead), ``expired``, or ``invalid``."""
    if problems(handbook, waiver) or waiver.approved is None or waiver.expires is None:
        return "invalid"
    if handbook.as_of > waiver.expires:
        return "expired"
    if handbook.as_of < waiver.approved:
        return "pending"
    return "active"


def _document_ids(handbook) -> dict[str, str]:
    return {d.path: str(d.doc_id) for d in handbook.documents if d.doc_id}


def covers(waiver: Waiver, finding, doc_ids: dict) -> bool:
    if finding.rule != waiver.rule:
        return False
    if waiver.file and finding.file != waiver.file:
        return False
    if waiver.document and doc_ids.get(finding.file) != waiver.document:
        return False
    if waiver.record_id:
        parts = finding.key.split("#", 1)[0].split("/")
        if waiver.record_id not in parts and waiver.record_id not in finding.message:
            return False
    return True


def apply(handbook, findings: list, complete: bool = True) -> list:
    """Mark the findings that waivers in force cover (``Finding.waiver``).  With ``complete``
    (every rule ran), a waiver in force that covers nothing gets its WAV002 warning."""
    from .engine import _finding, _sorted
    from .findings import Hit
    from .rules import get

    usable = [w for w in waivers(handbook) if state(handbook, w) == "active"]
    if not usable:
        return findings
    doc_ids = _document_ids(handbook)
    used: set[str] = set()
    out = []
    for f in findings:
        match = next((w for w in usable if not f.rule.startswith(OWN_RULES) and covers(w, f, doc_ids)), None)
        if match is not None:
            used.add(match.id)
            f = dataclasses.replace(f, waiver=match.id)
        out.append(f)
    unmatched = get("WAV002")
    if complete and unmatched is not None:
        for w in usable:
            if w.id not in used:
                out.append(_finding(unmatched, Hit(w.record, f"例外 {w.id} 没有覆盖任何发现（规则 {w.rule}，{w.scope}）："
                                                             "问题已解决时请删除这条例外，范围写错时请改正"), handbook))
        out = _sorted(out)
    return out


@dataclass(frozen=True)
class WaiverRow:
    """One line of the dashboard's list of waivers."""

    id: str
    rule: str
    rule_title: str
    scope: str
    reason: str
    requested_by: str
    approved_by: str
    approved: str
    expires: str
    days_left: int | None
    state: str  # active / expiring / pending / expired / invalid
    state_zh: str
    covered: int  # findings it covers in this check
    file: str
    line: int | None


STATE_ZH = {"active": "有效", "expiring": "即将到期", "pending": "未生效", "expired": "已过期", "invalid": "无效"}


def overview(handbook, findings=()) -> list[WaiverRow]:
    """Every waiver, soonest to expire first, for the dashboard: in force, expiring within
    ``settings.waiver_warning_days``, pending, expired or invalid, with how many of ``findings`` it covers."""
    from .rules import get

    counts: dict[str, int] = {}
    for f in findings:
        if f.waiver:
            counts[f.waiver] = counts.get(f.waiver, 0) + 1
    rows = []
    for w in waivers(handbook):
        st = state(handbook, w)
        days = (w.expires - handbook.as_of).days if w.expires else None
        if st == "active" and days is not None and days <= handbook.settings.waiver_warning_days:
            st = "expiring"
        rule = get(w.rule)
        rows.append(WaiverRow(w.id, w.rule, rule.title if rule else "（未知规则）", w.scope, w.reason,
                              handbook.person_name(w.requested_by) if w.requested_by else "",
                              handbook.person_name(w.approved_by) if w.approved_by else "",
                              w.approved.isoformat() if w.approved else "", w.expires.isoformat() if w.expires else "",
                              days, st, STATE_ZH[st], counts.get(w.id, 0), w.record.source.path, w.record.line()))
    order = {"expired": 0, "invalid": 1, "expiring": 2, "active": 3, "pending": 4}
    return sorted(rows, key=lambda r: (order[r.state], r.expires or "9999", r.id))
