"""Loaded, schema-validated sources, reused between checks of trees that share files.

Checking a handbook means reading every file, parsing it and validating it
against its schema; rules are cheap beside that.  When the same files are
checked again (the sample in the tests, with one file patched; the base and
the head of a pull request; an editor's preview), only the files whose content
changed need to be read again.  A :class:`SourceCache` keeps each loaded and
validated :class:`~checks.model.Source` under its path, the digest of its bytes
and the digest of the schemas it was validated against, and hands the same
object to every handbook that has that file.

The sources it hands out are shared: nothing downstream may change them (rules
are pure functions over the model; ``tests/test_rule_conventions.py`` checks
that running every rule leaves the model as it was).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict

from . import schemas
from .model import Handbook
from .tree import OverlayTree, as_tree


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class SourceCache:
    """Sources by (path, content, schemas), least recently used dropped beyond ``limit`` files
    or beyond ``max_bytes`` of their contents (``None``: no bound on the bytes)."""

    def __init__(self, limit: int = 4096, max_bytes: int | None = None):
        self.limit = limit
        self.max_bytes = max_bytes
        self._store: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._bytes = 0
        self._lock = threading.RLock()  # one load at a time: a load's fresh sources are the cache's state
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._store)

    def load(self, source, as_of: dt.date | None = None) -> Handbook:
        """The handbook of ``source`` (a folder or a Tree), loaded and validated, reusing cached files."""
        tree = as_tree(source)
        with self._lock:
            files = self._schema_files(tree)
            self._schemas = self._schemas_key(files)
            self._fresh: list = []
            try:
                handbook = Handbook.load(tree, as_of, cache=self)
                handbook.schema_files = files  # what the rules read is what the sources are filed under
                schemas.validate(handbook, only=[loaded for _, loaded, _ in self._fresh])
                # kept only once validated, and only if no schema changed while they were (a save in the middle
                # of a rebuild): a source is filed under the schemas it was validated against
                steady = self._schemas_key(self._schema_files(tree)) == self._schemas
                for key, loaded, size in self._fresh if steady else ():
                    if key is None or key in self._store or (self.max_bytes is not None and size > self.max_bytes):
                        continue
                    self._store[key] = loaded
                    self._sizes[key] = size
                    self._bytes += size
                while self._store and (len(self._store) > self.limit
                                       or (self.max_bytes is not None and self._bytes > self.max_bytes)):
                    key, _ = self._store.popitem(last=False)
                    self._bytes -= self._sizes.pop(key)
            finally:
                self._fresh = []
        return handbook

    def source(self, tree, rel: str, load, limits=None):
        """The cached source for ``rel`` of ``tree``, or ``load(tree, rel, limits)`` (to be validated, then kept).
        ``limits`` (:class:`checks.yamlio.Limits`) are part of the key: they change what loading gives."""
        size = tree.size(rel)
        try:
            if limits is not None and size is not None and size > limits.max_file_mb * 1024 * 1024:
                raise OSError("too large")  # never read: the loader reports the limit
            data = tree.read_bytes(rel)
            key = (rel, _digest(data), self._schemas, limits)
        except OSError:
            key, data = None, b""  # unreadable: loaded again each time (the loader reports why)
        cached = self._store.get(key) if key is not None else None
        if cached is not None:
            self._store.move_to_end(key)
            self.hits += 1
            return cached
        self.misses += 1
        if key is not None:  # parse the very bytes the key was made of, not whatever the file holds by now
            tree = OverlayTree(tree, {rel: data})
        loaded = load(tree, rel) if limits is None else load(tree, rel, limits)
        self._fresh.append((key, loaded, len(data)))
        return loaded

    @staticmethod
    def _schema_files(tree) -> dict:
        """The files in schemas/ as they are now: name → bytes (None when unreadable)."""
        files = {}
        for rel in tree.files(schemas.SCHEMA_DIR):
            try:
                files[rel] = tree.read_bytes(rel)
            except OSError:
                files[rel] = None
        return files

    @staticmethod
    def _schemas_key(files: dict) -> bytes:
        """A digest of what validation reads: the names and contents of the files in schemas/."""
        h = hashlib.blake2b(digest_size=16)
        for rel, data in files.items():
            h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            h.update(_digest(data) if data is not None else b"unreadable")
        return h.digest()


_SHARED: SourceCache | None = None
_SHARED_LOCK = threading.Lock()
SHARED_MAX_BYTES = 16 * 1024 * 1024


def shared() -> SourceCache:
    """The process's own cache, used by every load that is given none: a process that checks more than
    once (``opsbook serve`` rebuilding after an edit, a program calling the engine, the tests) reads and
    validates each unchanged file once.  It keeps at most ``SHARED_MAX_BYTES`` of file contents' worth
    of sources (in memory about 7 to 13 times that; the sources of the handbook in use are alive anyway);
    a one-off ``opsbook check`` reads each file once anyway."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = SourceCache(max_bytes=SHARED_MAX_BYTES)
        return _SHARED
