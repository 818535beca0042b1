"""Links, tags and code spans in content, found in linear time.

A backtracking regular expression that scans ahead for something that is not there does so again from every
later start: ``](<`` repeated, ``<a `` repeated or ``[`` repeated made one 100 KB document take minutes.
Each scanner here gives exactly what the expression quoted in its docstring gives (``finditer`` and
``sub``; tests/test_mdscan.py compares them on many small texts), but finds what it scans ahead for once
(positions kept in sorted lists, results kept per position), so its time is linear in the text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_WS = re.compile(r"\s*+")
_BARE_DEST = re.compile(r"(?:[^\s()]|\([^\s()]*+\))++")  # a destination without <…>: balanced one-level (…)
_DEST_OPEN = re.compile(r"\]\(\s*+")
_BRACKET = re.compile(r"[\[\]]")
_ANGLE_END = re.compile(r"[>\n]")
_BACKTICKS = re.compile(r"`+")


@dataclass(frozen=True)
class Found:
    """What a scanner found: the span and groups of the expression's match (``group(0)`` is the whole)."""

    string: str
    spans: tuple  # (start, end) of group 0, 1, 2, … (None for a group that did not take part)

    def start(self, group: int = 0) -> int:
        return self.spans[group][0] if self.spans[group] else -1

    def end(self, group: int = 0) -> int:
        return self.spans[group][1] if self.spans[group] else -1

    def span(self, group: int = 0):
        return self.spans[group] or (-1, -1)

    def group(self, group: int = 0):
        span = self.spans[group]
        return None if span is None else self.string[span[0]:span[1]]


def sub(found, text: str, replace) -> str:
    """``text`` with each of ``found`` (in order, not overlapping) replaced by ``replace(found)``."""
    out, last = [], 0
    for match in found:
        out.append(text[last:match.start()])
        out.append(replace(match))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


class _Positions:
    """Where a pattern matches in a text (found once, in one pass): the first match at or after a position."""

    def __init__(self, pattern: re.Pattern, text: str):
        self.starts = [m.start() for m in pattern.finditer(text)]

    def next(self, pos: int) -> int:
        """The first match at or after ``pos``; -1 when there is none."""
        i = bisect.bisect_left(self.starts, pos)
        return self.starts[i] if i < len(self.starts) else -1


class _Destinations:
    """Link destinations ``<…>`` (to the first ``>`` on the line) or bare (no space, one level of balanced
    parentheses), as the alternation ``(<[^>\\n]*>|(?:[^\\s()]|\\([^\\s()]*\\))+)`` reads them at a position."""

    def __init__(self, text: str):
        self.text = text
        self._angle_end = None

    def angle(self, at: int) -> int:
        """End of ``<[^>\\n]*>`` at ``at``; -1 when it does not match there."""
        if not self.text.startswith("<", at):
            return -1
        if self._angle_end is None:
            self._angle_end = _Positions(_ANGLE_END, self.text)
        end = self._angle_end.next(at + 1)
        return end + 1 if end >= 0 and self.text[end] == ">" else -1

    def bare(self, at: int) -> int:
        match = _BARE_DEST.match(self.text, at)
        return match.end() if match else -1


def destinations(text: str) -> list[Found]:
    """Every link or image destination after a ``](``, whatever the link text, as
    ``(\\]\\(\\s*)(<[^>\\n]*>|(?:[^\\s()]|\\([^\\s()]*\\))+)`` finds them (group 1 the ``](`` and spaces, group 2
    the destination)."""
    dest = _Destinations(text)
    out, pos = [], 0
    while (opening := _DEST_OPEN.search(text, pos)) is not None:
        at = opening.end()
        end = dest.angle(at)
        if end < 0:
            end = dest.bare(at)
        if end < 0:
            pos = opening.start() + 1
            continue
        out.append(Found(text, ((opening.start(), end), opening.span(), (at, end))))
        pos = end
    return out


def links(text: str) -> list[Found]:
    """Every Markdown link and image, as
    ``(!?)\\[((?:[^\\[\\]]|\\[[^\\]]*\\])*)\\]\\(\\s*(<[^>\\n]*>|(?:[^\\s()]|\\([^\\s()]*\\))+)(\\s+(?:"[^"]*"|'[^']*'))?\\s*\\)``
    finds them: group 1 ``!`` or empty, 2 the text (brackets nest one level), 3 the destination, 4 the title
    (with the spaces before it) or None."""
    brackets = [(m.start(), text[m.start()] == "[") for m in _BRACKET.finditer(text)]
    n = len(brackets)
    # stop[i]: reading link text from bracket i on (outside any inner [..]), the index of the “]” that ends it,
    # or -1 when the text cannot end (an inner “[” never closed, or the end of the text).
    next_close = [-1] * (n + 1)
    for i in range(n - 1, -1, -1):
        next_close[i] = i if not brackets[i][1] else next_close[i + 1]
    stop = [-1] * (n + 1)
    for i in range(n - 1, -1, -1):
        if not brackets[i][1]:
            stop[i] = i
        else:
            close = next_close[i + 1]
            stop[i] = stop[close + 1] if close >= 0 else -1
    dest = _Destinations(text)
    rests: dict[int, tuple | None] = {}
    tails: dict[int, tuple | None] = {}

    def rest(at: int):
        """``(\\s+(?:"[^"]*"|'[^']*'))?\\s*\\)`` at ``at``: (title span or None, end) or None."""
        if at not in rests:
            result = None
            spaces = _WS.match(text, at).end()
            if spaces > at and spaces < len(text) and text[spaces] in "\"'":
                close = text.find(text[spaces], spaces + 1)
                if close >= 0:
                    after = _WS.match(text, close + 1).end()
                    if text.startswith(")", after):
                        result = ((at, close + 1), after + 1)
            if result is None and text.startswith(")", spaces):
                result = (None, spaces + 1)
            rests[at] = result
        return rests[at]

    def tail(close: int):
        """What follows the “]” at ``close``: ``\\(\\s*DEST`` and the rest; (dest span, title span, end) or None."""
        if close not in tails:
            result = None
            if text.startswith("(", close + 1):
                at = _WS.match(text, close + 2).end()
                for read in (dest.angle, dest.bare):  # <…> first; bare when that or what follows fails
                    end = read(at)
                    if end >= 0 and (after := rest(end)) is not None:
                        result = ((at, end), after[0], after[1])
                        break
            tails[close] = result
        return tails[close]

    out, pos = [], 0
    for k in range(n):
        start, opening = brackets[k]
        if not opening or start < pos:
            continue
        close = stop[k + 1]
        if close < 0 or (found := tail(brackets[close][0])) is None:
            continue
        bang = start - 1 >= pos and text[start - 1] == "!"
        first = start - 1 if bang else start
        out.append(Found(text, ((first, found[2]), (first, start), (start + 1, brackets[close][0]), found[0], found[1])))
        pos = found[2]
    return out


class _Tags:
    """A start tag with a quoted URL attribute, as ``<NAME\\b[^>]*?\\bATTR\\s*=\\s*(["'])(.*?)\\1[^>]*>``
    (re.S | re.I) reads it, optionally followed by ``.*?CLOSE``."""

    def __init__(self, name: str, attr: str, close: str | None):
        self.open = re.compile(r"<" + name + r"\b", re.I)
        self.attr = re.compile(r"\b" + attr + r"\s*+=\s*+([\"'])", re.I)
        self.close = re.compile(re.escape(close), re.I) if close else None
        self.close_len = len(close or "")

    def find(self, text: str) -> list[Found]:
        attrs = [(m.start(), m.start(1)) for m in self.attr.finditer(text)]
        gt = _Positions(re.compile(">"), text)
        closes = _Positions(self.close, text) if self.close else None
        # For each attribute: where its value ends and its match ends (independent of the tag it is in).
        ends = []
        for _, quote in attrs:
            value_end = text.find(text[quote], quote + 1)
            end = gt.next(value_end + 1) if value_end >= 0 else -1
            if end >= 0:
                end += 1
                if closes is not None:
                    after = closes.next(end)
                    end = after + self.close_len if after >= 0 else -1
            ends.append((value_end, end))
        first_ok = [len(attrs)] * (len(attrs) + 1)  # the first attribute from i on that matches
        for i in range(len(attrs) - 1, -1, -1):
            first_ok[i] = i if ends[i][1] >= 0 else first_ok[i + 1]
        starts = [a for a, _ in attrs]
        out, pos = [], 0
        while (opening := self.open.search(text, pos)) is not None:
            start = opening.start()
            tag_end = gt.next(opening.end())
            i = first_ok[bisect.bisect_left(starts, opening.end())]
            if i < len(attrs) and (tag_end < 0 or attrs[i][0] < tag_end):
                quote = attrs[i][1]
                end = ends[i][1]
                out.append(Found(text, ((start, end), (quote, quote + 1), (quote + 1, ends[i][0]))))
                pos = end
            else:
                pos = start + 1
        return out


_A_TAGS = _Tags("a", "href", "</a>")
_IMG_TAGS = _Tags("img", "src", None)


def a_tags(text: str) -> list[Found]:
    """Every ``<a href="…">…</a>``, as ``<a\\b[^>]*?\\bhref\\s*=\\s*(["'])(.*?)\\1[^>]*>.*?</a>`` (re.S | re.I)
    finds them: group 1 the quote, group 2 the address."""
    return _A_TAGS.find(text)


def img_tags(text: str) -> list[Found]:
    """Every ``<img src="…">``, as ``<img\\b[^>]*?\\bsrc\\s*=\\s*(["'])(.*?)\\1[^>]*>`` (re.S | re.I) finds them."""
    return _IMG_TAGS.find(text)


_ACTIVE_OPEN = re.compile(r"<[a-z]", re.I)
_SCRIPT = re.compile(r"<script\b", re.I)
_ON_EVENT = re.compile(r"\son[a-z]++\s*+=", re.I)
_ACTIVE_URL = re.compile(r"\b(?:href|src)\s*+=\s*+(?:[\"']\s*+)?(?:javascript|data|vbscript):", re.I)


def first_active(text: str) -> str | None:
    """The first active markup in HTML, as ``<script\\b|<[a-z][^>]*?\\son[a-z]+\\s*=|<[a-z][^>]*?\\b(?:href|src)\\s*=\\s*
    ["']?\\s*(?:javascript|data|vbscript):`` (re.I) ``.search`` finds it: the text of the match, or None."""
    events = [(m.start(), m.end()) for m in _ON_EVENT.finditer(text)]
    urls = [(m.start(), m.end()) for m in _ACTIVE_URL.finditer(text)]
    if not events and not urls:  # then only a <script can be found, and every <script is at an opening
        script = _SCRIPT.search(text)
        return script.group(0) if script else None
    event_starts, url_starts = [s for s, _ in events], [s for s, _ in urls]
    gt = _Positions(re.compile(">"), text)
    for opening in _ACTIVE_OPEN.finditer(text):
        start = opening.start()
        script = _SCRIPT.match(text, start)
        if script:
            return script.group(0)
        tag_end = gt.next(start + 2)
        for found, found_starts in ((events, event_starts), (urls, url_starts)):
            i = bisect.bisect_left(found_starts, start + 2)
            if i < len(found) and (tag_end < 0 or found[i][0] < tag_end):
                return text[start:found[i][1]]
    return None


def code_spans(text: str) -> list[Found]:
    """Every inline code span, as ``(?<!`)(`+)(?!`)(.+?)(?<!`)\\1(?!`)`` (re.S) finds them: a run of backticks up
    to the next run of the same length (group 1 the opening run, 2 what is between)."""
    runs = [m.span() for m in _BACKTICKS.finditer(text)]
    same = [-1] * len(runs)  # the next run of the same length
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        same[i] = last.get(length, -1)
        last[length] = i
    out, i = [], 0
    while i < len(runs):
        j = same[i]
        if j < 0:
            i += 1
            continue
        out.append(Found(text, ((runs[i][0], runs[j][1]), runs[i], (runs[i][1], runs[j][0]))))
        i = j + 1
    return out
