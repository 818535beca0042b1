"""Placeholders that ``opsbook new`` writes for what only a person can fill in.

A placeholder is text beginning with 〔待填写〕.  Schema validation does not
report a placeholder as a wrong value; instead each one left is one finding
(SCH003) at its line, and the record it sits in is kept from the other rules
until it is filled in.
"""

from __future__ import annotations

MARK = "〔待填写〕"


def placeholder(title: str) -> str:
    return f"{MARK}{title}"


def is_placeholder(value) -> bool:
    return isinstance(value, str) and value.startswith(MARK)


def find(value, path: tuple = ()):
    """(path, text) of every placeholder in a loaded value."""
    if is_placeholder(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from find(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find(item, path + (index,))
