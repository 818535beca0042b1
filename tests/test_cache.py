"""Each unchanged file is read, parsed and validated once per process (checks.cache), and what is computed
from one file alone is computed once per loaded file (checks.memo)."""

from __future__ import annotations

import gc

from checks import engine
from checks.cache import SourceCache, shared
from checks.memo import per_source
from checks.tree import OverlayTree
from conftest import AS_OF, sample_tree

STAFF = "registers/staff.yaml"
DEVICES = "registers/devices.yaml"


def sources(handbook) -> dict:
    return {s.path: s for s in handbook.iter_sources()}


def edited(tree, rel, old, new):
    text = tree.read_bytes(rel).decode("utf-8")
    assert old in text
    return OverlayTree(tree, {rel: text.replace(old, new, 1).encode("utf-8")})


def test_unchanged_files_are_shared_and_a_changed_file_is_read_again():
    cache = SourceCache()
    base = sample_tree()
    first = sources(cache.load(base, AS_OF))
    misses = cache.misses
    second = sources(cache.load(edited(base, STAFF, "周明远", "周明远甲"), AS_OF))
    assert cache.misses == misses + 1  # only the edited file
    assert second[STAFF] is not first[STAFF] and "周明远甲" in str(second[STAFF].data)
    assert all(second[path] is source for path, source in first.items() if path != STAFF)


def test_changed_schemas_mean_every_file_is_validated_again():
    cache = SourceCache()
    base = sample_tree()
    first = sources(cache.load(base, AS_OF))
    rel = "schemas/staff.schema.json"
    changed = OverlayTree(base, {rel: base.read_bytes(rel) + b"\n"})
    second = sources(cache.load(changed, AS_OF))
    assert all(second[path] is not source for path, source in first.items())


def test_the_cache_keeps_within_its_bounds():
    cache = SourceCache(max_bytes=200_000)
    cache.load(sample_tree(), AS_OF)
    assert 0 < cache._bytes <= 200_000
    assert len(cache) < len(list(engine.load(sample_tree(), AS_OF).iter_sources()))
    small = SourceCache(limit=3)
    small.load(sample_tree(), AS_OF)
    assert len(small) == 3


def test_a_load_given_no_cache_uses_the_process_cache():
    first = sources(engine.load(sample_tree(), AS_OF))
    again = sources(engine.load(sample_tree(), AS_OF))
    assert all(again[path] is source for path, source in first.items())
    assert shared() is shared()


def test_per_source_work_is_done_once_per_loaded_file():
    calls = []

    @per_source
    def count_records(source, key):
        calls.append((source.path, key))
        return len(source.data.get(key) or ()) if isinstance(source.data, dict) else 0

    cache = SourceCache()
    base = sample_tree()
    one = cache.load(base, AS_OF).register("staff")
    two = cache.load(edited(base, DEVICES, "集中交易", "集中交易甲"), AS_OF).register("staff")
    assert one is two  # unchanged: the same loaded file
    assert count_records(one, "staff") == count_records(two, "staff") > 0
    assert calls == [(STAFF, "staff")]
    three = cache.load(edited(base, STAFF, "周明远", "周明远甲"), AS_OF).register("staff")
    assert count_records(three, "staff") == count_records(one, "staff")
    assert calls == [(STAFF, "staff"), (STAFF, "staff")]  # a changed file: computed again


def test_per_source_results_go_with_their_source():
    @per_source
    def path_of(source):
        return source.path

    handbook = engine.load(sample_tree(), AS_OF, cache=SourceCache())
    before = path_of.cache_size()
    for source in handbook.iter_sources():
        path_of(source)
    assert path_of.cache_size() == before + len(list(handbook.iter_sources()))
    del handbook, source
    gc.collect()
    assert path_of.cache_size() == before


def test_invalid_values_a_cached_result_read_count_for_every_rule_that_gets_it(ws):
    """engine.run_rules leaves a rule's findings on a record whose invalid value it read to SCH001: a result
    computed once per file passes those reads on to each rule that uses it, not only to the first."""
    from checks import model

    ws.replace(STAFF, 'mobile: "13900001001"', "mobile: 13900001001")  # a number, not a string: invalid
    handbook = ws.load()
    staff = handbook.register("staff")
    assert staff.invalid

    @per_source
    def mobiles(source):
        return tuple(r.get("mobile") for r in handbook.records("staff", "staff"))

    for _ in range(2):
        reads: list = []
        model.trace_invalid_reads(reads)
        try:
            mobiles(staff)
        finally:
            model.trace_invalid_reads(None)
        assert reads and all(source is staff for source, _ in reads)


class _SavedDuringLoad(OverlayTree):
    """A tree whose file ``rel`` is saved again (``later``) right after it was first read."""

    def __init__(self, base, rel, later: bytes):
        super().__init__(base)
        self.rel, self.later, self.reads = rel, later, 0

    def read_bytes(self, rel):
        if rel == self.rel:
            self.reads += 1
            if self.reads > 1:
                return self.later
        return super().read_bytes(rel)


def test_a_file_saved_while_it_is_loaded_is_parsed_as_it_was_hashed():
    cache = SourceCache()
    base = sample_tree()
    later = base.read_bytes(STAFF).decode("utf-8").replace("周明远", "周明远乙", 1).encode("utf-8")
    staff = cache.load(_SavedDuringLoad(base, STAFF, later), AS_OF).register("staff")
    assert "周明远乙" not in str(staff.data)  # the bytes the key was made of
    again = cache.load(base, AS_OF).register("staff")
    assert again is staff and "周明远乙" not in str(again.data)


def test_sources_validated_while_a_schema_changed_are_not_kept():
    rel = "schemas/staff.schema.json"
    cache = SourceCache()
    cache.load(_SavedDuringLoad(sample_tree(), rel, sample_tree().read_bytes(rel) + b" "), AS_OF)
    assert len(cache) == 0


def test_a_file_larger_than_the_bound_is_not_kept_and_does_not_empty_the_cache():
    base = sample_tree()
    sizes = {rel: len(base.read_bytes(rel)) for rel in base.files("registers", "*.yaml")}
    largest = max(sizes, key=sizes.get)
    cache = SourceCache(max_bytes=sizes[largest] - 1)
    cache.load(base, AS_OF)
    assert 0 < len(cache) and all(key[0] != largest for key in cache._store)


def test_a_cached_result_that_read_invalid_values_still_goes_with_its_source():
    from checks import model
    from checks.model import Record

    @per_source
    def mobiles(source):
        return tuple(Record(source, ("staff", i), item).get("mobile") for i, item in enumerate(source.data["staff"]))

    cache = SourceCache()
    handbook = cache.load(edited(sample_tree(), STAFF, 'mobile: "13900001001"', "mobile: 13900001001"), AS_OF)
    before = mobiles.cache_size()
    reads: list = []
    model.trace_invalid_reads(reads)
    try:
        mobiles(handbook.register("staff"))
    finally:
        model.trace_invalid_reads(None)
    assert reads and mobiles.cache_size() == before + 1
    del handbook, cache, reads
    gc.collect()
    assert mobiles.cache_size() == before


def test_the_rules_read_the_schemas_the_sources_were_filed_under():
    """A schema saved after the load, before the rules read it: the handbook still reads the schemas its
    sources were validated against (and the per-file results computed from them stay right)."""
    rel = "schemas/staff.schema.json"
    base = sample_tree()
    cache = SourceCache()
    later = base.read_bytes(rel).replace(b'"title"', b'"title_"', 1)
    assert later != base.read_bytes(rel)
    handbook = cache.load(base, AS_OF)
    handbook.tree = OverlayTree(base, {rel: later})  # what the folder holds by the time a rule asks
    assert handbook.schema(rel) == __import__("json").loads(base.read_bytes(rel))
