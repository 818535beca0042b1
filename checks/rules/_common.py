"""Pieces several chapters' rules share."""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation


#: statuses of a configuration item (and a backup system) that is out of service
CI_RETIRED = ("停用", "下线")


def blank(value) -> bool:
    """An empty value: missing, "", whitespace, [] or {}."""
    return value is None or value == "" or value == [] or value == {} or (isinstance(value, str) and not value.strip())


def version_key(text) -> tuple:
    """A version (“2.1”, “3.0.1”) as numbers for comparing; () when it is not one."""
    try:
        return tuple(int(p) for p in str(text).split("."))
    except ValueError:
        return ()


def employed_on(handbook, person, day: dt.date) -> bool:
    """Whether ``person`` was on the staff on ``day`` (an unknown id is REF001's finding, so True)."""
    record = handbook.staff.get(person)
    if record is None:
        return True
    if record.get("status", "active") == "active":
        return True
    left = record.date("left")
    return left is not None and day <= left


def action_open(action) -> bool:
    """A corrective or preventive action not yet done: its ``status`` is not ``closed`` (inspection
    findings), or, where actions have no status (incidents), it has no ``closed`` date."""
    status = action.get("status")
    return status != "closed" if status is not None else not action.get("closed")


def incident_label(incident) -> str:
    return f"事件 {incident.id}（{incident.get('title')}）"


def config_items(handbook) -> dict | None:
    """Configuration items by id (indexed once), or None when the configuration register is not usable."""
    if not handbook.usable("configuration"):
        return None
    return handbook.by_id("configuration", "items")


def ci_name(items, ci) -> str:
    """A configuration item as “名称（编号）”, or its id alone when ``items`` (:func:`config_items`) lacks it."""
    item = (items or {}).get(ci)
    return f"{item.get('name')}（{ci}）" if item is not None and item.get("name") else str(ci)


def window(record) -> tuple:
    """(start, end) of a record's ``window`` (a change's approved window, a test's); either may be None."""
    part = record.sub("window")
    if part is None:
        return None, None
    return part.datetime("start"), part.datetime("end")


def time_span(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """“2026-11-20 18:00–22:00” (the date once when both ends fall on the same day)."""
    if start is None:
        return "（无）"
    if end is None:
        return dates.fmt(start)
    tail = end.strftime("%H:%M") if end.date() == start.date() else dates.fmt(end)
    return f"{dates.fmt(start)}–{tail}"


def day_span(first: dt.date, last: dt.date) -> str:
    """“2027-01-04” or “2027-01-04 至 2027-01-08”."""
    return first.isoformat() if first == last else f"{first} 至 {last}"


def missing_fields(record, fields: dict) -> list[str]:
    """“中文名（key）” for each of ``fields`` (key → Chinese name) that ``record`` leaves empty
    (a value that broke its schema is not missing: SCH001 reports it)."""
    return [f"{zh}（{key}）" for key, zh in fields.items()
            if record.get(key) in (None, "", [], {}) and not record.invalid(key)]


def annual_grace_over(handbook, year: int) -> bool:
    """Whether the grace period for this year's plan (training plan, budget) has passed:
    a yearly plan may still be in approval early in the year (settings.annual_plan_grace_days)."""
    return handbook.as_of > annual_plan_due(handbook, year)


def annual_plan_due(handbook, year: int) -> dt.date:
    """The last day on which a yearly plan (training plan, budget) for ``year`` is on time: the same
    boundary as :func:`annual_grace_over`."""
    return dt.date(year, 1, 1) + dt.timedelta(days=handbook.settings.annual_plan_grace_days - 1)


def raw_years(register, key: str) -> set:
    """The years written in a register's list ``key``, including records that broke their schema
    (rules don't see those; SCH001 reports them), so a broken record isn't also reported missing."""
    data = register.data if register is not None and isinstance(register.data, dict) else {}
    items = data.get(key)
    if not isinstance(items, list):
        return set()
    return {item.get("year") for item in items if isinstance(item, dict) and isinstance(item.get("year"), (int, str))}


def appointed(handbook, key: str, role: str):
    """Hits when ``responsibilities.<key>`` in registers/organisation.yaml names nobody,
    or names someone who has left.  ``role`` is the responsibility's Chinese name."""
    resp = handbook.root_of("organisation").sub("responsibilities")
    person = resp.get(key) if resp else None
    if not person:
        yield Hit(handbook.register("organisation").at("responsibilities"), f"未指定{role}（responsibilities.{key}）")
    elif handbook.has_left(person):
        yield Hit(resp.at(key), f"{role} {handbook.person_name(person)} 已不在职")


def plans_by_year(handbook, register: str, key: str) -> dict:
    """The records of a yearly list (budgets, training plans) by their ``year``; the first one of a year."""
    out: dict = {}
    for plan in handbook.records(register, key):
        year = plan.get("year")
        if isinstance(year, int) and year not in out:
            out[year] = plan
    return out


def annual_plan(handbook, register: str, key: str, noun: str, verb: str):
    """What every plan made once a year shares (the operations budget, the training plan): next year's is
    due by :func:`annual_plan_due` of next year; this year's was (unless a record for the year is there but
    broke its schema: SCH001 says so); this year's names its approval date, not after the as-of date, and
    its approver.  Yields those obligations and findings and returns this year's plan (None without one):
    ``plan = yield from annual_plan(handbook, "trainings", "plans", "培训计划", "制定并批准")``."""
    year = handbook.as_of.year
    source = handbook.register(register)
    plans = plans_by_year(handbook, register, key)
    if year + 1 not in plans:  # next year's plan is due early next year
        yield Obligation(f"{verb} {year + 1} 年度{noun}", annual_plan_due(handbook, year + 1), source.at(key), "",
                         cycle="每年", key=f"{register}|plan|{year + 1}")
    plan = plans.get(year)
    if plan is None:
        if year not in raw_years(source, key):
            yield Obligation(f"{verb} {year} 年度{noun}", annual_plan_due(handbook, year), source.at(key),
                             f"没有 {year} 年度{noun}（{key} 中 year: {year}）", cycle="每年", key=f"{register}|plan|{year}")
        return None
    approved = plan.date("approved")
    if approved is None:
        yield Hit(plan.at("year"), f"{year} 年度{noun}没有批准日期（approved）")
    elif approved > handbook.as_of:
        yield Hit(plan.at("approved"), f"{year} 年度{noun}的批准日期 {approved} 晚于检查日期 {handbook.as_of}，尚未批准")
    if not plan.get("approver"):
        yield Hit(plan.at("year"), f"{year} 年度{noun}没有批准人（approver）")
    return plan
