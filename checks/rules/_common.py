"""Pieces several chapters' rules share."""

from __future__ import annotations

from ..findings import Hit


def appointed(handbook, key: str, role: str):
    """Hits when ``responsibilities.<key>`` in registers/organisation.yaml names nobody,
    or names someone who has left.  ``role`` is the responsibility's Chinese name."""
    resp = handbook.root_of("organisation").sub("responsibilities")
    person = resp.get(key) if resp else None
    if not person:
        yield Hit(handbook.register("organisation").at("responsibilities"), f"未指定{role}（responsibilities.{key}）")
    elif person in handbook.staff and not handbook.active_staff(person):
        yield Hit(resp.at(key), f"{role} {handbook.person_name(person)} 已不在职")
