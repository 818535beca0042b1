"""Probe: time every compiled pattern of the checker's modules on 100 KB of pathological input.

``python benchmarks/regex_probe.py [NAME-SUBSTRING…] [--limit SECONDS]`` runs search, match, finditer
(first 1000 matches) and sub on 100 KB of a repeated unit and of the same followed by ``"\\x00!"`` (with
``--heads`` also of a head once and a unit repeated, e.g. ``<a href='`` then spaces), one
pattern at a time in a child process with a time limit, and prints each (pattern, input) that takes
longer than one second.  Not a test: tests/test_hostile.py is the test; this is for finding what is slow.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import pkgutil
import re
import sys
import time

SIZE = 100_000
UNITS = [" ", "\t", "<", "<a ", "<a href=", "<a href='", '<a href="', "=", '"', "'", "`", "```", "~~~", "{{", "{%",
         "{", "[", "](", "《", "&#", "&", "#", "-", "\n", "\n ", "a", "{:", ".", "x=", "{:x=", "{#", "{.", "{ x=",
         "```\n", "~~~\n", " ```\n", "\n```", "[a](", "[[", "[]", "[a", "](a", "](<", "](a(", "(", "a(", "<a href='x'>",
         "<a href=x ", "<a\n", "<x ", "<x on", " onx=", "<x href=", "<x href=\"", "<x src=", "\t=", "<script", "</a>",
         "&#1", "&#x", "a;", "<>", "!", "*", "\\", "<img ", "<img src=", "<img src=\"", "&#x1", "&a"]


def patterns() -> dict:
    import checks
    import checks.commands
    import checks.rules
    import checks.site

    found = {}
    for package in (checks, checks.rules, checks.site, checks.commands):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("__") or info.ispkg:
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    found[f"{module.__name__}.{name}"] = value
    return found


# A head once, then a unit repeated: the structure each pattern starts with, then what it scans.
HEADS = ["<a ", "<a href=", "<a href='", '<a href="', "<a href='x'>", "<x ", "<x href=", "<x on", "<img ", "<img src=",
         "[", "[a", "[a](", "](", "](<", "[a](b ", '[a](b "', "{:", "{#", "{.", "{:x=", "```", "~~~", " ```", "```\n",
         "&#", "&", "<", "{{", "{%", "x=", " on", "《", "\n", "#", "- "]
HEAD_UNITS = [" ", "\t", "\n", "a", "`", "[", "]", "(", "<", ">", "=", '"', "'", "-", "#", "x=", "{", "}", "&"]


def inputs():
    for unit in UNITS:
        body = unit * (SIZE // len(unit))
        yield repr(unit), body
        yield repr(unit + "\\x00!"), body + "\x00!"
    if "--heads" in sys.argv:
        for head in HEADS:
            for unit in HEAD_UNITS:
                body = head + unit * ((SIZE - len(head)) // len(unit))
                yield repr(head) + " + " + repr(unit) + "…", body
                yield repr(head) + " + " + repr(unit) + "…\\x00!", body + "\x00!"


def _time(pattern: re.Pattern, text: str) -> float:
    if isinstance(pattern.pattern, bytes):
        text = text.encode("utf-8")
    started = time.perf_counter()
    pattern.search(text)
    pattern.match(text)
    for _ in zip(range(1000), pattern.finditer(text)):
        pass
    pattern.sub(text[:0], text)
    return time.perf_counter() - started


def _child(name, start, conn):
    pattern = patterns()[name]
    for label, text in list(inputs())[start:]:
        conn.send((label, _time(pattern, text)))  # sent at once (a queue's feeder thread waits for the GIL)
    conn.send(None)


def probe(name: str, limit: float) -> list[tuple[str, float]]:
    """(input, seconds) for the inputs on which the pattern took over a second; an input still running
    after ``limit`` seconds is abandoned (reported as infinite) and the probe goes on with the next."""
    labels = [label for label, _ in inputs()]
    slow, done = [], 0
    while done < len(labels):
        parent, child = mp.Pipe(duplex=False)
        proc = mp.Process(target=_child, args=(name, done, child), daemon=True)
        proc.start()
        while True:
            if not parent.poll(limit):  # the next input is still running
                slow.append((labels[done], float("inf")))
                done += 1
                proc.kill()
                break
            item = parent.recv()
            if item is None:
                done = len(labels)
                break
            done += 1
            if item[1] > 1.0:
                slow.append(item)
        proc.join()
    return slow


def main(argv) -> int:
    argv = [a for a in argv if a != "--heads"]  # read by inputs()
    limit = 20.0
    if "--limit" in argv:
        i = argv.index("--limit")
        limit = float(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    names = sorted(n for n in patterns() if not argv or any(a in n for a in argv))
    bad = 0
    for name in names:
        slow = probe(name, limit)
        if slow:
            bad += 1
            print(name, patterns()[name].pattern, flush=True)
            for label, seconds in slow:
                print(f"    {label}: {'>%.0f' % limit if seconds == float('inf') else '%.1f' % seconds} s", flush=True)
    print(f"{len(names)} patterns, {bad} slow")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
