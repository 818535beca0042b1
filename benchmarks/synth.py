"""Write a large, realistic handbook to measure on.

    python benchmarks/synth.py --records 300000 --docs 1000 OUT [--as-of 2026-11-21] [--verify]

OUT gets a complete handbook: the sample's schemas, clause catalogue,
``mkdocs.yml`` and settings, its registers grown to about ``--records`` list
records and its documents to ``--docs``.  Records are spread over the
registers as a large firm's are: daily backup records of dozens of systems over
years and duty handovers of several posts a day dominate, then changes,
configuration items, inspections and monitoring alerts, operations.  Each new
record is one of the sample's records with a new id and its dates moved back in
time (never after the as-of date), so references (people, systems, suppliers,
changes) stay consistent.  Every register stays valid against its schema;
rules may find things (a synthetic firm is not a compliant one).

``--verify`` loads the result and reports its schema problems (there should be none).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("docs", "schemas", "standard", "mkdocs.yml")
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

#: share of the records per (register, list); the rest of the sample is copied as it is
SHARES = {
    ("backups", "logs"): 0.36,  # counted per date: dozens of systems, every trading day, years back
    ("duty", "handovers"): 0.22,  # several duty posts, two shifts a day
    ("operations", "patrols"): 0.10,
    ("operations", "daily_checks"): 0.06,
    ("operations", "operations"): 0.06,
    ("changes", "changes"): 0.03,
    ("configuration", "items"): 0.04,
    ("incidents", "alerts"): 0.03,
    ("backups", "verifications"): 0.03,
    ("devices", "devices"): 0.02,
    ("software", "software"): 0.01,
    ("configuration", "backups"): 0.01,
    ("trainings", "records"): 0.01,
    ("monitoring", "quarterly_reviews"): 0.01,
    ("inspections", "inspections"): 0.01,
}
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})([ T]\d{2}:\d{2}(?::\d{2})?)$")
_ID_NUMBER = re.compile(r"^(.*?)(\d+)$")


def shift(value, days: int):
    """The value with every date in it (dates, 'YYYY-MM-DD HH:MM' texts) moved ``days`` back."""
    if isinstance(value, dt.datetime):
        return value - dt.timedelta(days=days)
    if isinstance(value, dt.date):
        return value - dt.timedelta(days=days)
    if isinstance(value, str):
        match = _DATETIME.match(value)
        if match:
            day = dt.date.fromisoformat(match.group(1)) - dt.timedelta(days=days)
            return day.isoformat() + match.group(2)
        return value
    if isinstance(value, dict):
        return {k: shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, days) for v in value]
    return value


def new_id(template: str, n: int) -> str:
    """A fresh id shaped like ``template``: its last number made unique (CHG-2026-012 -> CHG-2026-100012),
    or ``-S<n>`` appended when it ends in letters (CI-APP-TRADE -> CI-APP-TRADE-S12)."""
    match = _ID_NUMBER.match(template)
    if match and not template.startswith("P"):
        return f"{match.group(1)}{100000 + n}"
    return f"{template}-S{n}"


def trading_days(as_of: dt.date, count: int) -> list:
    """``count`` weekdays going back from the day before ``as_of``, oldest first."""
    out, day = [], as_of - dt.timedelta(days=1)
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day -= dt.timedelta(days=1)
    return out[::-1]


def grow(data: dict, register: str, key: str, count: int, as_of: dt.date, rng: random.Random, systems: list,
         made: dict | None = None) -> int:
    """Add about ``count`` records to ``data[key]``; returns how many records were added.  ``made``, when given,
    receives the new ids made from each template's id."""
    items = data.get(key)
    if not isinstance(items, list) or not items or count <= 0:
        return 0
    templates = [item for item in items if isinstance(item, dict)]
    if register == "backups" and key == "logs":  # one entry per system, with its list of backup dates
        per_system = 750  # three years of trading days
        days = trading_days(as_of, per_system)
        added = 0
        for n in range(max(1, count // per_system)):
            template = templates[n % len(templates)]
            system = systems[n % len(systems)] if systems else template.get("system")
            items.append({**template, "system": system, "dates": list(days)})
            added += len(days)
        return added
    if register == "duty" and key == "handovers":
        per_day = 6  # three duty posts, two shifts
        added, back = 0, 1
        while added < count:
            for post in range(per_day):
                template = dict(templates[post % len(templates)])
                template["date"] = as_of - dt.timedelta(days=back + 8)
                items.append(template)
                added += 1
            back += 1
        return added
    if register == "operations" and key == "daily_checks":  # one a trading day, going back from the earliest
        earliest = min((t["date"] for t in templates if isinstance(t.get("date"), dt.date)), default=as_of)
        for n, day in enumerate(reversed(trading_days(earliest, count))):
            items.append({**templates[n % len(templates)], "date": day})
        return count
    has_id = all("id" in t for t in templates)
    for n in range(count):
        template = templates[n % len(templates)]
        days = 7 * (1 + n // len(templates)) % (365 * 4)  # spread over four years back
        record = shift(template, days) if days else dict(template)
        if has_id:
            record["id"] = new_id(str(template["id"]), n)
            if made is not None:
                made.setdefault(str(template["id"]), []).append(record["id"])
        if register == "configuration" and key == "items":  # a large firm's many CIs are mostly not trading systems
            for flag in ("trading", "core"):
                if flag in record:
                    record[flag] = False
        if register == "changes" and days:  # an older change can't cite a manual revised after it: it gives a reason
            record["manuals"] = [{"document": m["document"], "reason": "本次变更不改变手册中的操作步骤和指令，复核时已核对"}
                                 if isinstance(m, dict) and "version" in m else m for m in record.get("manuals") or []]
            if not record["manuals"]:
                del record["manuals"]
        items.append(record)
    return count


def synthesise(out: Path, records: int, docs: int, as_of: dt.date, seed: int = 1) -> dict:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, out / part)
        else:
            shutil.copy2(source, out / part)
    (out / "registers").mkdir()
    registers = {}
    for path in sorted((ROOT / "registers").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        registers[path.stem] = (text.split("\n", 1)[0], yaml.load(text, Loader=Loader))

    # configuration items first: backup logs name systems, and new systems are configuration items
    counts = {}
    config = registers["configuration"][1]
    counterparts: dict = {}  # a sample configuration item's id -> the ids of the items made from it
    counts[("configuration", "items")] = grow(config, "configuration", "items",
                                             int(records * SHARES[("configuration", "items")]), as_of, rng, [],
                                             counterparts)
    systems = [item["id"] for item in config["items"] if isinstance(item, dict) and item.get("type") == "应用软件"]
    for (register, key), share in SHARES.items():
        if (register, key) == ("configuration", "items"):
            continue
        counts[(register, key)] = grow(registers[register][1], register, key, int(records * share), as_of, rng, systems)

    for name, (first, data) in registers.items():
        body = yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=1000)
        (out / "registers" / f"{name}.yaml").write_text(first + "\n" + body, encoding="utf-8")

    # documents: the sample's, then copies with new ids beside the originals (their relative links still resolve);
    # a copy is about other systems of the same kind: the configuration items it names become the copy's own
    # counterparts (otherwise every copy of the operations manual covers the trading system, and every change
    # of it asks for the revision of every copy)
    names = re.compile(r"\b(" + "|".join(map(re.escape, sorted(counterparts, key=len, reverse=True))) + r")(?![-\w])") \
        if counterparts else None
    originals = [p for p in sorted((out / "docs").rglob("*.md")) if p.name != "index.md"]
    have, n = len(list((out / "docs").rglob("*.md"))), 0
    while have < docs and originals:
        doc = originals[n % len(originals)]
        copy = n // len(originals) + 1
        text = doc.read_text(encoding="utf-8")
        text = re.sub(r"^id: (\S+)$", lambda m: f"id: {m.group(1)}-S{copy}", text, count=1, flags=re.M)
        if names is not None:
            text = names.sub(lambda m: counterparts[m.group(1)][(copy - 1) % len(counterparts[m.group(1)])], text)
        doc.with_name(f"{doc.stem}-s{copy}.md").write_text(text, encoding="utf-8")
        have, n = have + 1, n + 1
    total = sum(_count(data) for _, data in registers.values())
    return {"records": total, "documents": have, "grown": {f"{r}.{k}": v for (r, k), v in counts.items()}}


def _count(data) -> int:
    """List records in a register (a backup log counts each of its dates)."""
    n = 0
    for key, value in (data or {}).items():
        if isinstance(value, list):
            for item in value:
                n += len(item.get("dates") or []) if isinstance(item, dict) and "dates" in item else 1
        elif isinstance(value, dict):
            n += _count(value)
    return n


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="写出用于性能基准的大型手册")
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--as-of", default="2026-11-21")
    parser.add_argument("--verify", action="store_true", help="载入结果并报告 schema 问题")
    args = parser.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of)
    info = synthesise(args.out, args.records, args.docs, as_of)
    print(f"{args.out}: {info['records']} records, {info['documents']} documents", file=sys.stderr)
    if args.verify:
        sys.path.insert(0, str(ROOT))
        from checks import engine

        handbook = engine.load(args.out, as_of)
        problems = [(s.path, p.line, p.message) for s in handbook.iter_sources() for p in s.problems]
        for path, line, message in problems[:20]:
            print(f"{path}:{line}: {message}", file=sys.stderr)
        print(f"schema and YAML problems: {len(problems)}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
