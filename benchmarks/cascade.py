"""How far one broken value spreads: break every field of the sample's registers, one at a time.

    .venv/bin/python benchmarks/cascade.py [VALUE] [REGISTER ...]

For each register and each key path (the first record that has it), the value on its line is
replaced by VALUE (default ``{}``: the wrong type for a text, number, date or list, and an
empty mapping for a mapping) and the handbook is checked in memory.  Prints every break that
gives more than one finding, and the worst case; the README's testing section reports it.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import engine, yamlio  # noqa: E402
from checks.tree import FsTree, OverlayTree  # noqa: E402

AS_OF = dt.date(2026, 11, 21)


def breaks(rel: str, text: str, value: str):
    """(key path, changed text) for every key path of a register whose value is on one line."""
    lines = text.split("\n")
    data, where, _ = yamlio.load(text)
    seen = set()
    for path, line in where.items():
        if not path or not isinstance(path[-1], str):
            continue
        shape = tuple("*" if isinstance(p, int) else p for p in path)
        match = re.match(r"^(\s*(?:- )?)" + re.escape(path[-1]) + r":\s*(\S.*)$", lines[line - 1])
        if shape in seen or not match:
            continue
        seen.add(shape)
        changed = lines[:]
        changed[line - 1] = f"{match.group(1)}{path[-1]}: {value}"
        yield ".".join(map(str, shape)), line, "\n".join(changed)


def main(argv):
    value = argv[0] if argv else "{}"
    only = set(argv[1:])
    base = FsTree(ROOT)
    baseline = {(f.file, f.line, f.rule, f.message) for f in engine.check(base, AS_OF).findings}
    counts = collections.Counter()
    worst = (0, "")
    for register in sorted((ROOT / "registers").glob("*.yaml")):
        if only and register.stem not in only:
            continue
        rel = f"registers/{register.name}"
        for shape, line, text in breaks(rel, register.read_text(encoding="utf-8"), value):
            found = [f for f in engine.check(OverlayTree(base, {rel: text}), AS_OF).findings
                     if (f.file, f.line, f.rule, f.message) not in baseline]
            counts[len(found)] += 1
            if len(found) > worst[0]:
                worst = (len(found), f"{rel}:{line} {shape}")
            if len(found) > 1:
                print(f"{len(found):3d} {rel}:{line} {shape}", flush=True)
                for f in found[:6]:
                    print(f"      {f.file}:{f.line} {f.rule} {f.message[:100]}", flush=True)
    print("findings per broken value:", dict(sorted(counts.items())))
    print("worst:", worst)


if __name__ == "__main__":
    main(sys.argv[1:])
