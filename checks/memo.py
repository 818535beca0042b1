"""Work done once per loaded file.

A loaded :class:`~checks.model.Source` never changes, and the same object is shared by every handbook
that has that file unchanged (:mod:`checks.cache`: the base and the head of a review, the rebuilds of
``opsbook serve``, the tests), always under the same schemas (they are part of the cache's key).  What a
rule or a reader computes from one source alone (the credentials in it, the references it makes) can
therefore be kept with the source and computed again only for the files that changed.
"""

from __future__ import annotations

import functools
import weakref

from . import model


def per_source(fn):
    """Decorate ``fn(source, *args, **context)`` to run once per source object and ``args`` (hashable); the
    result goes when the source does.  Its result must follow from the source and ``args`` alone: keyword
    arguments are context it reads only for what the source already fixes (the handbook, for the schemas
    the source was validated under).  The result is shared: return a tuple or another value nobody changes.
    The invalid values of the source it read (through :class:`checks.model.Record`) count as read by every rule
    that gets the result; it must not read other sources."""
    store: dict[int, tuple] = {}

    def forget(_ref, key):
        store.pop(key, None)

    @functools.wraps(fn)
    def wrapper(source, *args, **context):
        key = id(source)
        entry = store.get(key)
        if entry is None or entry[0]() is not source:
            entry = store[key] = (weakref.ref(source, functools.partial(forget, key=key)), {})
        results = entry[1]
        if args not in results:
            results[args] = _traced(fn, source, args, context)
        result, reads = results[args]
        if reads and model._reads is not None:  # a rule is running: it read these invalid values too
            model._reads.extend((source, path) for path in reads)
        return result

    wrapper.cache_size = lambda: len(store)
    return wrapper


def _traced(fn, source, args, context) -> tuple:
    """``fn``'s result and the invalid values it read (:func:`checks.model.trace_invalid_reads`), so that every
    rule that gets the result later is credited with the same reads."""
    outer = model._reads
    reads: list = []
    model.trace_invalid_reads(reads)
    try:
        result = fn(source, *args, **context)
    finally:
        model.trace_invalid_reads(outer)
    # the paths alone: a reference to the source here would keep it (and its results) alive for ever
    return result, tuple(path for read_source, path in reads if read_source is source)
