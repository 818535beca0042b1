"""Obligations: what must happen by when, for which record, and who owns it.

A dated rule states each of its obligations once, by yielding an
:class:`Obligation` (next to the :class:`~checks.findings.Hit` it yields for
problems that are not about dates).  From that one definition come both

* the finding, when the obligation is overdue (its ``due`` date is before the
  as-of date): :meth:`checks.rules.Rule.check` turns it into a Hit carrying
  ``overdue`` as its message; and
* the entry in ``opsbook due``, the calendar feed and the dashboard's
  due-soon view: :func:`collect` resolves the owner and the days left.

``due`` is the last day on which the obligation is still met: on that day
nothing is reported, on the day after the rule fires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from .model import Location


@dataclass(frozen=True)
class Obligation:
    """One thing that must happen by a date (yielded by a rule)."""

    what: str  # Chinese, without dates: 评审《数据和介质管理制度》
    due: dt.date  # the last day on which it is on time
    where: object  # the record it is about: a Record, Source or Location
    overdue: str  # the finding's message once ``due`` has passed
    owner: object = None  # a staff id (None: the register's maintainer, else the operations head)
    cycle: str = ""  # how often, in Chinese: 每 12 个月, 每个交易日, 一次
    key: str = ""  # identity within the rule; defaults to the record's file and id (or ``what``)
    refs: tuple = ()
    severity: str | None = None  # the finding's severity once overdue, when not the rule's own

    def location(self) -> Location:
        where = self.where
        return where if isinstance(where, Location) else where.at()

    def record_id(self):
        """The id of the record it is about: the Record's own, or the one named in ``key`` (``file#id|…``)."""
        record_id = getattr(self.where, "id", None)
        if record_id is None and "#" in self.key:
            record_id = self.key.split("#", 1)[1].split("|", 1)[0] or None
        return record_id

    def identity(self) -> str:
        if self.key:
            return self.key
        record_id = getattr(self.where, "id", None)
        file = self.location().file
        return f"{file}#{record_id}|{self.what}" if record_id else f"{file}|{self.what}"


@dataclass(frozen=True)
class Due:
    """An obligation as reported: with its rule, clause, owner and days left."""

    rule: str
    rule_title: str
    chapter: str
    clause: str | None
    severity: str
    what: str
    due: dt.date
    days_left: int  # negative: overdue by that many days
    file: str
    line: int | None
    record: str | None  # the record's id, when it has one
    owner: str | None  # staff id
    owner_name: str
    owner_fallback: bool  # True: nobody named, the operations head stands in
    cycle: str
    uid: str
    message: str = field(default="", compare=False)  # the finding's message when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def as_dict(self) -> dict:
        return {
            "due": self.due.isoformat(), "days_left": self.days_left, "overdue": self.overdue,
            "what": self.what, "owner": self.owner, "owner_name": self.owner_name,
            "owner_fallback": self.owner_fallback, "record": self.record, "file": self.file, "line": self.line,
            "rule": self.rule, "rule_title": self.rule_title, "clause": self.clause, "chapter": self.chapter,
            "cycle": self.cycle, "uid": self.uid,
        }


def responsible(handbook, key: str):
    """The person named in ``responsibilities.<key>`` of registers/organisation.yaml, or None."""
    root = handbook.root_of("organisation")
    resp = root.sub("responsibilities") if root else None
    return resp.get(key) if resp else None


def first_person(handbook, *candidates):
    """The first of ``candidates`` (staff ids, lists of them or None) who is a current member of staff."""
    for candidate in candidates:
        for person in candidate if isinstance(candidate, (list, tuple)) else (candidate,):
            if isinstance(person, str) and handbook.active_staff(person):
                return person
    return None


def register_owner(handbook, file: str):
    """The maintainer (``owner``) of the register that ``file`` is, or None."""
    for register in handbook.registers.values():
        if register.path == file:
            root = handbook.root_of(register.name)
            return root.get("owner") if root else None
    return None


def _owner(handbook, person, file: str) -> tuple[str | None, str, bool]:
    """The owner named by the rule, else the maintainer of the record's register, else the operations head."""
    for candidate in (person, register_owner(handbook, file)):
        if isinstance(candidate, str) and handbook.active_staff(candidate):
            return candidate, _name(handbook, candidate), False
    head = responsible(handbook, "operations_head")
    if isinstance(head, str) and head in handbook.staff:
        return head, _name(handbook, head) + "（运维负责人代管）", True
    return None, "（未指定，运维负责人代管）", True


def _name(handbook, person: str) -> str:
    record = handbook.staff.get(person)
    return str(record.get("name") or person) if record else person


def uid(rule_id: str, obligation: Obligation) -> str:
    """Stable across builds: the same obligation with the same due date is the same calendar event.
    When it is met, its next due date makes a new event and this one disappears."""
    digest = hashlib.sha1(f"{rule_id}|{obligation.identity()}|{obligation.due.isoformat()}".encode()).hexdigest()
    return f"{rule_id.lower()}-{digest[:20]}@opsbook"


def resolve(handbook, rule, obligation: Obligation) -> Due:
    location = obligation.location()
    owner, owner_name, fallback = _owner(handbook, obligation.owner, location.file)
    record_id = obligation.record_id()
    return Due(
        rule=rule.id, rule_title=rule.title, chapter=rule.chapter, clause=rule.clause, severity=rule.severity,
        what=obligation.what, due=obligation.due, days_left=(obligation.due - handbook.as_of).days,
        file=location.file, line=location.line, record=str(record_id) if record_id else None,
        owner=owner, owner_name=owner_name, owner_fallback=fallback, cycle=obligation.cycle,
        uid=uid(rule.id, obligation), message=obligation.overdue,
    )


def collect(handbook, rules=None) -> list[Due]:
    """Every obligation of the dated rules, overdue first, then by due date."""
    from .rules import all_rules

    out = []
    for rule in rules if rules is not None else all_rules():
        if not rule.dated or getattr(rule, "kind", "") == "history" or any(not handbook.usable(name) for name in rule.needs):
            continue
        try:
            out.extend(resolve(handbook, rule, o) for o in rule.due(handbook))
        except Exception:  # the rule's bug is reported by the check as INT001
            continue
    return sorted(out, key=lambda d: (d.due, d.rule, d.file, d.line or 0, d.what))


def within(obligations, as_of: dt.date, days: int, owner: str | None = None) -> list[Due]:
    """Those due by ``as_of + days`` (overdue ones included), optionally for one owner (id or name)."""
    limit = as_of + dt.timedelta(days=days)
    return [d for d in obligations if d.due <= limit
            and (owner is None or owner in (d.owner, d.owner_name.split("（")[0]))]
