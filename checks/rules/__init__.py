"""The rule catalogue.

A rule is a small pure function over the handbook model that yields Hits.  It
is registered with :func:`rule`, which gives it a stable id, the clause of
JR/T 0099-2012 it enforces (an id in ``standard/clauses/``), a severity and a
short Chinese title.  Its docstring, in Chinese, is its documentation: what it
checks, why (quoting the clause), and how to fix it.  The site renders it as
the rule's page.

A dated rule (``dated=True``) states what must happen by when by yielding an
:class:`~checks.obligations.Obligation`: the same definition gives the finding
once it is overdue and the entry in ``opsbook due`` and the calendar feed.

Rules are grouped in modules named after the standard's chapters; each module
sets ``CHAPTER`` to the chapter's heading.
"""

from __future__ import annotations

import dataclasses
import dis
import functools
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Callable, Iterable

from ..findings import SEVERITIES, Hit
from ..obligations import Obligation


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    clause: str | None
    severity: str
    chapter: str
    module: str
    needs: tuple
    func: Callable
    dated: bool  # depends on the as-of date
    # "model": func(handbook) over one handbook (almost every rule);
    # "history": func(base, head) over two handbooks, run by ``check --base`` and ``--since``;
    # "findings": reported by the engine from the other findings (waivers), func documents it only
    kind: str = "model"

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def settings(self) -> tuple:
        """The names of the settings (``handbook.settings.NAME``) the rule reads, directly or through
        the helpers it calls, in order: read from its source, so the rule's page lists them."""
        return _settings_read(self.func)

    def setting_values(self, handbook) -> list[tuple[str, object]]:
        """The settings the rule reads, with their values in ``handbook``."""
        return [(name, getattr(handbook.settings, name)) for name in self.settings]

    def check(self, handbook) -> Iterable[Hit]:
        """The rule's findings: its Hits, and an Obligation once it is overdue (due before the as-of date)."""
        for item in self.func(handbook) or ():
            if isinstance(item, Obligation):
                if item.due < handbook.as_of:
                    yield Hit(item.where, item.overdue, item.refs, item.severity)
            else:
                yield item

    def due(self, handbook) -> list[Obligation]:
        """The obligations the rule states (only dated rules state any), met or not."""
        return [item for item in self.func(handbook) or () if isinstance(item, Obligation)]


_RULES: dict[str, Rule] = {}


@functools.lru_cache(maxsize=None)
def _settings_read(func) -> tuple:
    """The settings ``func`` reads, directly or through the functions of this package it calls (in order)."""
    found: list[str] = []
    seen: set = set()

    def visit(fn) -> None:
        if fn in seen:
            return
        seen.add(fn)
        names, callees = _reads_and_calls(fn)
        found.extend(name for name in names if name not in found)
        for callee in callees:
            visit(callee)

    visit(func)
    return tuple(found)


_LOADS = frozenset({"LOAD_ATTR", "LOAD_METHOD"})


@functools.lru_cache(maxsize=None)
def _reads_and_calls(fn) -> tuple[tuple, tuple]:
    """What one function's own code reads (``settings.NAME``, in order) and which functions of this
    package it names (each looked at once, however many rules call it).  Read from its compiled code
    (and that of the functions defined inside it): the same names its source spells, without parsing it."""
    from ..settings import Settings

    if not getattr(fn, "__module__", "").startswith(__name__):
        return (), ()
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return (), ()
    known = _setting_names(Settings)
    names: list[str] = []
    callees: list = []
    pending = [code]
    while pending:
        code = pending.pop(0)
        pending.extend(const for const in code.co_consts if inspect.iscode(const))
        if "settings" not in code.co_names and not any(
                inspect.isfunction(g) or inspect.ismodule(g) for g in map(fn.__globals__.get, code.co_names)):
            continue  # reads no setting and names no function: nothing to look at instruction by instruction
        previous = None
        for ins in dis.get_instructions(code):
            if ins.opname in _LOADS and previous is not None and isinstance(ins.argval, str):
                if ins.argval in known and previous.argval == "settings":
                    if ins.argval not in names:
                        names.append(ins.argval)
                elif previous.opname == "LOAD_GLOBAL" and inspect.ismodule(fn.__globals__.get(previous.argval)):
                    target = getattr(fn.__globals__[previous.argval], ins.argval, None)
                    if inspect.isfunction(target):
                        callees.append(target)
            elif ins.opname == "LOAD_GLOBAL" and inspect.isfunction(fn.__globals__.get(ins.argval)):
                callees.append(fn.__globals__[ins.argval])
            previous = ins
    return tuple(names), tuple(callees)


@functools.lru_cache(maxsize=None)
def _setting_names(settings_class) -> frozenset:
    return frozenset(f.name for f in dataclasses.fields(settings_class))


def rule(id: str, *, name: str, title: str, clause: str | None, severity: str = "error",
         needs: Iterable[str] = (), dated: bool = False, kind: str = "model"):
    """Register a rule.  ``needs`` names the registers it reads: the rule is
    skipped while one of them is missing or broken (that file already has its
    own finding)."""
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: unknown severity {severity!r}")

    def register(func):
        if id in _RULES and _RULES[id].func.__qualname__ != func.__qualname__:
            raise ValueError(f"duplicate rule id {id}")
        module = func.__module__
        chapter = getattr(importlib.import_module(module), "CHAPTER", "")
        _RULES[id] = Rule(id, name, title, clause, severity, chapter, module.rsplit(".", 1)[-1],
                          tuple(needs), func, dated, kind)
        return func

    return register


def all_rules() -> list[Rule]:
    """Every rule, in module order then id order."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return sorted(_RULES.values(), key=lambda r: r.id)


def get(rule_id: str) -> Rule | None:
    all_rules()
    return _RULES.get(rule_id)
