"""The line of every value of a loaded YAML document, kept compactly.

A loaded file answers “on which line is this value?” for every value in it
(``lines[("records", 12, "date")]``).  Kept as one dictionary from each
value's path to its line, the answer costs far more memory than the values
themselves (a path tuple, a dictionary slot and a number per value: about
2.5 times a register's parsed data).  Here it is a tree that mirrors the
value: each mapping or list is a node holding the lines of its items as an
array of machine integers, in the order of its keys or positions, and the
nodes of the items that are mappings or lists themselves.  The keys of a
mapping are held once per distinct set of keys (the records of a register
share theirs), so a record of ten fields costs about 160 bytes instead of
about 1.5 KB.  :class:`LineMap` reads like the dictionary it replaces.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Iterator

_MISSING = object()


class Shape:
    """The keys of a mapping, in order, and the position of each."""

    __slots__ = ("keys", "index")

    def __init__(self, keys: tuple):
        self.keys = keys
        self.index = {key: i for i, key in enumerate(keys)}


class Node:
    """A mapping (``shape`` gives its keys) or a list (``shape`` is None): the line of each item, and the
    nodes of its items that are mappings or lists (``kids``: by key or by position; None when there are none)."""

    __slots__ = ("shape", "lines", "kids")

    def __init__(self, shape: Shape | None, lines: array, kids):
        self.shape = shape
        self.lines = lines
        self.kids = kids

    def line_of(self, part) -> int | None:
        if self.shape is None:
            if isinstance(part, int) and 0 <= part < len(self.lines):
                return self.lines[part]
            return None
        try:
            index = self.shape.index.get(part)
        except TypeError:  # an unhashable path element names nothing
            return None
        return None if index is None else self.lines[index]

    def kid(self, part):
        kids = self.kids
        if kids is None:
            return None
        if self.shape is None:
            return kids[part] if isinstance(part, int) and 0 <= part < len(kids) else None
        try:
            return kids.get(part)
        except TypeError:
            return None

    def items(self) -> Iterator[tuple]:
        """(part, line, node or None) for each item, in order."""
        if self.shape is None:
            kids = self.kids
            for i, line in enumerate(self.lines):
                yield i, line, kids[i] if kids is not None else None
        else:
            kids = self.kids or {}
            for key, line in zip(self.shape.keys, self.lines):
                yield key, line, kids.get(key)


class LineMap:
    """Path (a tuple of keys and positions) → 1-based line, for one loaded document; read like a dict."""

    __slots__ = ("root_line", "root")

    def __init__(self, root_line: int | None = None, root: Node | None = None):
        self.root_line = root_line
        self.root = root

    def get(self, path, default=None):
        if not path:
            return default if self.root_line is None else self.root_line
        node, last = self.root, len(path) - 1
        for i, part in enumerate(path):
            if node is None:
                return default
            if i == last:
                line = node.line_of(part)
                return default if line is None else line
            node = node.kid(part)
        return default

    def nearest(self, path) -> int | None:
        """The line of the value at ``path``, or of the nearest value it is part of that has one (None if
        none has, not even the document's top).  One walk down the tree, however deep the path."""
        found, node = self.root_line, self.root
        for part in path:
            if node is None:
                break
            line = node.line_of(part)
            if line is None:
                break
            found, node = line, node.kid(part)
        return found

    def path_at(self, line: int) -> tuple | None:
        """The path of the shallowest value (not the document itself) that starts on ``line``, or None:
        a finding's line names the record there, not its first field.  The items of a list are in
        the order of their lines, so each list is searched by bisection; a mapping's few keys one by one."""
        node, path = self.root, ()
        while node is not None:
            lines = node.lines
            if node.shape is None:
                i = bisect_left(lines, line)
                if i < len(lines) and lines[i] == line:
                    return path + (i,)
                if i == 0 or node.kids is None:
                    return None
                path, node = path + (i - 1,), node.kids[i - 1]
                continue
            best = None
            for key, start, kid in node.items():
                if start == line:
                    return path + (key,)
                if kid is not None and start < line and (best is None or start > best[0]):
                    best = (start, key, kid)
            if best is None:
                return None
            path, node = path + (best[1],), best[2]
        return None

    def __getitem__(self, path) -> int:
        line = self.get(path, _MISSING)
        if line is _MISSING:
            raise KeyError(path)
        return line

    def __contains__(self, path) -> bool:
        return self.get(path, _MISSING) is not _MISSING

    def items(self) -> Iterator[tuple[tuple, int]]:
        """Every (path, line), each value before what it holds, in the document's order."""
        if self.root_line is not None:
            yield (), self.root_line
        if self.root is None:
            return
        stack = [((), self.root.items())]
        while stack:
            path, items = stack[-1]
            for part, line, kid in items:
                here = path + (part,)
                yield here, line
                if kid is not None:
                    stack.append((here, kid.items()))
                    break
            else:
                stack.pop()

    def __iter__(self):
        return (path for path, _ in self.items())

    def __eq__(self, other) -> bool:  # sources compare by value (the tests' snapshot of the shared sample)
        if isinstance(other, LineMap):
            other = dict(other.items())
        return isinstance(other, dict) and dict(self.items()) == other

    __hash__ = None

    def __repr__(self) -> str:
        return f"LineMap({dict(self.items())!r})"
