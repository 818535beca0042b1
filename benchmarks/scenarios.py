"""Feature scenarios timed on the sample and on the sample copied N times: the pre-commit hook, a review
with ``--base``, the Excel round trip, checks of scaled copies.  Run by ``make bench`` after the
side-by-side table (benchmarks/run.py); each scenario in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-21"
GOALS = {  # what we aim for on the 2-core reference machine; reported, not asserted
    "check sample": (3.0, 400),
    "check ×10": (15.0, 800),
    "build sample": (60.0, 1500),
    # the pre-commit hook runs `opsbook check`: under 3 s on the sample beyond start-up (the "hook" time)
    "pre-commit hook": (3.0, 400),
    "review sample": (6.0, 600),  # check --base HEAD: the base read from git, both checked, history rules
    "xlsx round trip ×10": (30.0, 1000),
}
TIMED = {"pre-commit hook": "hook"}  # scenarios whose goal is on one part, not the total

PROBE = r"""
import json, resource, sys, time, datetime as dt
t0 = time.perf_counter()
from checks import engine
root, mode = sys.argv[1], sys.argv[2]
as_of = dt.date.fromisoformat(sys.argv[3])
if mode == "check":
    t1 = time.perf_counter()
    handbook = engine.load(root, as_of)
    t2 = time.perf_counter()
    findings = engine.run_rules(handbook)
    t3 = time.perf_counter()
    out = {"import": t1 - t0, "load": t2 - t1, "rules": t3 - t2, "findings": len(findings)}
elif mode == "hook":
    import contextlib, io
    from checks import cli
    t1 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["--root", root, "check", "--as-of", sys.argv[3]])
    out = {"import": t1 - t0, "hook": time.perf_counter() - t1, "exit": code}
elif mode == "review":
    from checks.tree import GitTree
    t1 = time.perf_counter()
    result = engine.check(root, as_of, base=GitTree.for_handbook(root, "HEAD"))
    out = {"import": t1 - t0, "review": time.perf_counter() - t1, "findings": len(result.findings)}
elif mode == "xlsx":
    from checks import xlsx
    import tempfile, pathlib
    handbook = engine.load(root, as_of)
    t1 = time.perf_counter()
    data, _ = xlsx.export(handbook, None, "confidential")
    path = pathlib.Path(tempfile.mkdtemp()) / "all.xlsx"
    path.write_bytes(data)
    t2 = time.perf_counter()
    plan = xlsx.plan_import(handbook, path)
    assert not plan.rejections and not plan.writes, plan.rejections[:3]
    out = {"import": t1 - t0, "export": t2 - t1, "import_xlsx": time.perf_counter() - t2, "bytes": len(data)}
else:
    from checks.site import build
    import tempfile
    t1 = time.perf_counter()
    build.build(root, site_dir=tempfile.mkdtemp(), audience="internal", as_of=as_of)
    out = {"import": t1 - t0, "build": time.perf_counter() - t1}
out["total"] = time.perf_counter() - t0
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def scaled_copy(scale: int, into: Path) -> Path:
    for part in ("docs", "registers", "schemas", "standard", "mkdocs.yml"):
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, into / part)
        elif src.is_file():
            shutil.copy2(src, into / part)
    if scale == 1:
        return into
    for path in (into / "registers").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        first, data = text.split("\n", 1)[0], yaml.safe_load(text)
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
                copies = []
                for n in range(1, scale):
                    for item in value:
                        copy = dict(item)
                        copy["id"] = f"{item['id']}-B{n}" if not re.fullmatch(r"P\d+", str(item["id"])) else f"P{n}{item['id'][1:]}"
                        copies.append(copy)
                value.extend(copies)
        path.write_text(first + "\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    documents = [p for p in (into / "docs").rglob("*.md") if p.name != "index.md"]
    for n in range(1, scale):
        for doc in documents:
            text = doc.read_text(encoding="utf-8")
            text = re.sub(r"^id: (\S+)$", lambda m: f"id: {m.group(1)}-B{n}", text, count=1, flags=re.M)
            doc.with_name(f"{doc.stem}-b{n}.md").write_text(text, encoding="utf-8")
    return into


def probe(root: Path, mode: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, str(root), mode, AS_OF], capture_output=True, text=True,
                          cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="*", default=[10])
    parser.add_argument("--no-site", action="store_true")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = [("check sample", 1, "check"), ("pre-commit hook", 1, "hook"), ("review sample", 1, "review")]
        scenarios += [(f"check ×{s}", s, "check") for s in args.scale]
        scenarios += [(f"xlsx round trip ×{s}", s, "xlsx") for s in args.scale]
        if not args.no_site:
            scenarios.append(("build sample", 1, "build"))
        for name, scale, mode in scenarios:
            root = scaled_copy(scale, Path(tmp) / f"x{scale}-{mode}")
            if mode == "review":
                git_env = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.invalid",
                           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.invalid"}
                for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "sample"]):
                    subprocess.run(["git", "-C", str(root), *cmd], check=True, capture_output=True,
                                   env={**os.environ, **git_env})
            results[name] = probe(root, mode)
            r = results[name]
            goal = GOALS.get(name)
            verdict = ""
            if goal:
                ok = r[TIMED.get(name, "total")] <= goal[0] and r["peak_mib"] <= goal[1]
                verdict = f"  goal ≤{goal[0]:.0f}s ≤{goal[1]}MiB: {'ok' if ok else 'MISSED'}"
            detail = ", ".join(f"{k} {v:.2f}s" for k, v in r.items() if k not in ("total", "peak_mib", "findings", "bytes", "exit"))
            print(f"{name:14} {r['total']:7.2f}s  peak {r['peak_mib']:6.0f} MiB  ({detail}){verdict}")
    out = ROOT / ".bench" / "scenarios.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
