"""opsbook benchmarks: time and peak memory, side by side with the tools they are measured against.

    make bench      # or: .venv/bin/python benchmarks/run.py [--records 300000] [--docs 1000] [--no-site]
                    #     [--sections check,base,site]  (only these; merged into the last results)

On the sample and on a synthetic handbook (``benchmarks/synth.py``, cached in
.bench/), each in a fresh process so that peak memory is its own:

* ``opsbook check`` (load, schema validation, every rule);
* check-jsonschema validating the same registers and the same front matter
  against the same schemas (one run per schema, as a pre-commit hook does);
* the libyaml parse of the same files (PyYAML's C loader): the floor;
* a one-file change checked with ``--base``: the handbook committed in a
  temporary git repository, one register record changed, ``opsbook check
  --base HEAD`` (reported in full and beyond start-up: interpreter and imports);
* the site build, against a plain mkdocs-material build of the same staged
  tree (``opsbook stage``), and the largest register page of the built site.

It prints a table and the goals of issue 10 (met or not); it asserts nothing.
Results go to .bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
sys.path.insert(0, str(ROOT / "benchmarks"))

# a child that runs one thing and reports its wall time and peak memory
TIMED = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mib": peak, "rc": proc.returncode, "err": proc.stderr[-400:]}))
"""

FLOOR = r"""
import gc, sys, yaml
gc.disable()  # the fastest parse (opsbook pauses the collector too): a fair floor
from pathlib import Path
loader = yaml.CSafeLoader
root = Path(sys.argv[1])
for path in sorted((root / "registers").glob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
for path in sorted((root / "docs").rglob("*.md")):
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        front = text[4:].split("\n---", 1)[0]
        yaml.load(front, Loader=loader)
"""


def timed(*cmd, cwd=None) -> dict:
    """Run ``cmd`` in a fresh process: its wall time and peak resident memory (MiB)."""
    proc = subprocess.run([sys.executable, "-c", TIMED, *map(str, cmd)], capture_output=True, text=True,
                          cwd=cwd or ROOT)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def jsonschema_jobs(root: Path, work: Path) -> list:
    """check-jsonschema runs for a handbook: each register against the schema its first line names,
    and every document's front matter (written out as YAML, not timed) against the document schema."""
    by_schema: dict[str, list] = {}
    for path in sorted((root / "registers").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if "$schema=" in first:
            schema = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
            by_schema.setdefault(str(schema), []).append(str(path))
    fronts = work / "front-matter"
    fronts.mkdir(parents=True, exist_ok=True)
    names = []
    for n, path in enumerate(sorted((root / "docs").rglob("*.md"))):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            target = fronts / f"{n:05d}.yaml"
            target.write_text(text[4:].split("\n---", 1)[0] + "\n", encoding="utf-8")
            names.append(str(target))
    if names:
        by_schema.setdefault(str((root / "schemas" / "document.schema.json").resolve()), []).extend(names)
    return [[str(BIN / "check-jsonschema"), "--schemafile", schema, *files] for schema, files in by_schema.items()]


def run_jsonschema(root: Path, work: Path) -> dict:
    jobs = jsonschema_jobs(root, work)
    script = work / "jsonschema-all.py"
    script.write_text("import subprocess, sys, json\nrc = 0\nfor job in json.loads(sys.argv[1]):\n"
                      "    rc |= subprocess.run(job, stdout=subprocess.DEVNULL).returncode\nsys.exit(rc)\n",
                      encoding="utf-8")
    return timed(sys.executable, script, json.dumps(jobs))


# ``opsbook check --base HEAD`` in one process: its wall time, and the time beyond start-up (the
# interpreter and the imports that every opsbook command pays)
BASE_PROBE = r"""
import contextlib, io, json, resource, sys, time
t0 = time.perf_counter()
from checks import cli, engine, schemas  # noqa: F401  (what start-up imports)
import checks.rules  # noqa: F401
t1 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(["--root", sys.argv[1], "check", "--as-of", sys.argv[2], "--base", "HEAD", "--format", "json"])
t2 = time.perf_counter()
print(json.dumps({"startup": t1 - t0, "beyond_startup": t2 - t1,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rc": code}))
"""
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}


def change_one_record(repo: Path) -> str:
    """Change one register record's text in place (the note of a duty handover, else of any record):
    what a reviewer's one-file merge request does.  Returns the file changed."""
    import re

    for name in ("duty", "changes", "operations"):
        path = repo / "registers" / f"{name}.yaml"
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            match = re.match(r"^(\s*(?:- )?notes: )([^\"'|>{\[&*!%@`#][^#]*)$", line)
            if match and ":" not in match.group(2):
                lines[i] = line + "（已复核）"
                path.write_text("\n".join(lines), encoding="utf-8")
                return path.relative_to(repo).as_posix()
    raise SystemExit(f"no record to change in {repo}")


def run_base(root: Path, work: Path) -> dict:
    """A one-file change checked with --base: the handbook committed in a temporary repository, one record
    changed in the working tree, ``opsbook check --base HEAD``."""
    repo = work / "repo"
    for part in ("docs", "registers", "schemas", "standard", "mkdocs.yml"):
        source = root / part
        if source.is_dir():
            shutil.copytree(source, repo / part)
        elif source.is_file():
            repo.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / part)
    env = {**os.environ, **GIT_ENV}
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "handbook"]):
        subprocess.run(["git", "-C", str(repo), *cmd], check=True, capture_output=True, env=env)
    changed = change_one_record(repo)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", BASE_PROBE, str(repo), AS_OF], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    elapsed = time.perf_counter() - t0
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"seconds": elapsed, "peak_mib": 0, "rc": proc.returncode, "err": proc.stderr[-400:]}
    return {"seconds": elapsed, "peak_mib": result["peak_mib"], "rc": result["rc"], "changed": changed,
            "beyond_startup": result["beyond_startup"], "startup": result["startup"], "err": proc.stderr[-400:]}


def largest_page(site: Path, folder: str = "registers") -> dict | None:
    """The largest HTML page under ``site/folder`` (a register page or one of its parts): path and MB."""
    pages = [p for p in (site / folder).rglob("*.html")] if (site / folder).is_dir() else []
    if not pages:
        return None
    big = max(pages, key=lambda p: p.stat().st_size)
    return {"page": big.relative_to(site).as_posix(), "mb": big.stat().st_size / 1024 / 1024, "pages": len(pages)}


def has_stage() -> bool:
    proc = subprocess.run([str(BIN / "opsbook"), "stage", "--help"], capture_output=True, text=True, cwd=ROOT)
    return proc.returncode == 0


def measure(name: str, root: Path, work: Path, site: bool, jsonschema: bool = True,
            sections=("check", "base", "site")) -> dict:
    out = {}
    work.mkdir(parents=True, exist_ok=True)
    if "check" in sections:
        print(f"… {name}: opsbook check", file=sys.stderr, flush=True)
        out["opsbook check"] = timed(BIN / "opsbook", "--root", root, "check", "--as-of", AS_OF, "--format", "json")
        if jsonschema:
            print(f"… {name}: check-jsonschema", file=sys.stderr, flush=True)
            out["check-jsonschema"] = run_jsonschema(root, work)
        print(f"… {name}: libyaml parse", file=sys.stderr, flush=True)
        out["libyaml parse (floor)"] = timed(sys.executable, "-c", FLOOR, root)
    if "base" in sections:
        print(f"… {name}: check --base HEAD (one record changed)", file=sys.stderr, flush=True)
        out["check --base (1 file)"] = run_base(root, work / "base")
    if site and "site" in sections:
        print(f"… {name}: site", file=sys.stderr, flush=True)
        out["opsbook build"] = timed(BIN / "opsbook", "--root", root, "build", "--as-of", AS_OF,
                                     "--site-dir", work / "site")
        if has_stage():
            timed(BIN / "opsbook", "--root", root, "stage", "--as-of", AS_OF, "--site-dir", work / "staged")
            out["mkdocs build (staged tree)"] = timed(BIN / "mkdocs", "build", "-q", "-f", work / "staged" / "mkdocs.yml",
                                                      "-d", work / "plain-site", cwd=work / "staged")
        else:
            out["mkdocs build (staged tree)"] = None
        out["largest register page"] = largest_page(work / "site")
    return out


def ratio(a, b) -> str:
    if not a or not b or not b["seconds"]:
        return "—"
    return f"{a['seconds'] / b['seconds']:.2f}×"


def table(results: dict) -> str:
    lines = []
    for name, rows in results.items():
        lines.append(f"\n## {name}\n")
        lines.append(f"{'':30} {'time':>9} {'peak':>9}  exit")
        for label, r in rows.items():
            if label == "largest register page":
                if r:
                    lines.append(f"{label:30} {r['mb']:8.2f}MB  {r['page']}（台账页面共 {r['pages']} 个）")
                continue
            if r is None:
                lines.append(f"{label:30} {'n/a':>9} {'':>9}  (opsbook stage 尚不可用：此版本没有暂存树)")
                continue
            extra = (f"  启动后 {r['beyond_startup']:.2f}s（启动 {r['startup']:.2f}s）" if "beyond_startup" in r else "")
            lines.append(f"{label:30} {r['seconds']:8.2f}s {r['peak_mib']:7.0f}MiB  {r['rc']}{extra}")
    return "\n".join(lines)


def goals(results: dict, big: str, note: str = "") -> str:
    rows = results.get(big, {})
    check, cjs, floor = rows.get("opsbook check"), rows.get("check-jsonschema"), rows.get("libyaml parse (floor)")
    build, plain = rows.get("opsbook build"), rows.get("mkdocs build (staged tree)")
    out = [f"\n## 目标（{big}）{note}\n"]

    def line(text, ok):
        out.append(f"- {text}: {'达到' if ok else ('未达到' if ok is not None else '未测')}")

    if check and floor:
        line(f"check ≤ 3× libyaml 解析下限（实测 {ratio(check, floor)}）", check["seconds"] <= 3 * floor["seconds"])
    if check and cjs:
        line(f"check ≤ 0.5× check-jsonschema（实测 {ratio(check, cjs)}）", check["seconds"] <= 0.5 * cjs["seconds"])
    if check:
        line(f"check 峰值内存 ≤ 1 GB（实测 {check['peak_mib']:.0f} MiB）", check["peak_mib"] <= 1024)
    base = rows.get("check --base (1 file)")
    if base and "beyond_startup" in base:
        line(f"一个文件的修改以 --base 检查：启动后 < 2 s（实测 {base['beyond_startup']:.2f}s）", base["beyond_startup"] < 2)
    if build:
        line(f"站点构建 ≤ 1.3× 同一暂存树的 mkdocs-material 构建（实测 {ratio(build, plain)}）",
             None if not plain else build["seconds"] <= 1.3 * plain["seconds"])
    page = rows.get("largest register page")
    if page:
        line(f"台账页面 ≤ 5 MB（实测最大 {page['mb']:.2f} MB，{page['page']}）", page["mb"] <= 5)
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--no-site", action="store_true", help="不测站点构建")
    parser.add_argument("--no-site-on-large", action="store_true", help="不在大型手册上测站点构建（很慢）")
    parser.add_argument("--sections", default="check,base,site",
                        help="只测这几部分（check、base、site，逗号分隔）；结果并入上一次的 .bench/results.json")
    parser.add_argument("--no-scenarios", action="store_true", help="不运行功能场景（pre-commit、审查、Excel）")
    parser.add_argument("--no-jsonschema-on-large", action="store_true",
                        help="大型手册上不运行 check-jsonschema（30 万条记录约需一小时）")
    args = parser.parse_args()

    cache = ROOT / ".bench" / f"synth-{args.records}-{args.docs}"
    stamp = cache / ".synth-source"
    source_key = str(os.path.getmtime(ROOT / "benchmarks" / "synth.py"))
    if not stamp.exists() or stamp.read_text() != source_key:
        print(f"… writing the synthetic handbook ({args.records} records, {args.docs} documents) to {cache}",
              file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        # in a process of its own: a child forked from a process that held the generated handbook would
        # report that process's peak memory as its own (Linux keeps the high-water mark across exec)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "--records", str(args.records),
                        "--docs", str(args.docs), "--as-of", AS_OF, str(cache)], check=True)
        stamp.write_text(source_key)
        print(f"  in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    big = f"合成手册（{args.records} 条记录，{args.docs} 篇文档）"
    sections = tuple(s.strip() for s in args.sections.split(",") if s.strip())
    out = ROOT / ".bench" / "results.json"
    results = {}
    if set(sections) != {"check", "base", "site"} and out.is_file():  # a partial run: merged into the last one
        results = json.loads(out.read_text(encoding="utf-8"))
    fresh: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, root, site, jsonschema in (
                ("示例手册", "sample", ROOT, not args.no_site, True),
                (big, "synthetic", cache, not (args.no_site or args.no_site_on_large), not args.no_jsonschema_on_large)):
            rows = results.setdefault(label, {})
            fresh[label] = measure(name, root, Path(tmp) / name, site=site, jsonschema=jsonschema, sections=sections)
            rows.update(fresh[label])
    report = table(results) + "\n" + goals(results, big) + "\n" + goals(results, "示例手册", "：示例很小，启动时间为主，仅供参考；目标以大型手册为准")
    print(report)
    if out.is_file() and set(sections) != {"check", "base", "site"}:  # another partial run may have written since
        merged = json.loads(out.read_text(encoding="utf-8"))
        for label, rows in results.items():
            merged.setdefault(label, {}).update({k: v for k, v in rows.items() if k in fresh.get(label, {})})
        results = merged
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.no_scenarios:
        import scenarios

        print("\n## 功能场景（示例手册及其放大副本）\n")
        scenarios.main(["--no-site"])  # the site build is in the table above
    return 0


if __name__ == "__main__":
    sys.exit(main())
