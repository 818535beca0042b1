"""Shared test fixtures.

Rule tests follow one pattern: the sample handbook passes (the rule stays
quiet on it), and the sample with one thing broken makes the rule fire.  Every
test pins its date with ``AS_OF``.

The sample is read once per test session.  A :class:`Workspace` patches it in
memory (an :class:`~checks.tree.OverlayTree`), and a session-wide
:class:`~checks.cache.SourceCache` hands every check the already parsed and
validated sources of the files the test did not change, so a rule test reads
only what it patched and runs only its rule (``ws.findings(rule)``).  A test
that really needs files on disk (the CLI, git, the site) asks for
``ws.root`` or ``ws.path(rel)``: the workspace is then written to a temporary
folder once, and from then on reads and writes go to that folder.

Most rule tests are rows of a table: a :class:`Case` (rule, file, edit, expected findings) checked by
:func:`check_case` in a test parametrized over the module's ``CASES``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from checks import engine
from checks.cache import shared as shared_cache
from checks.rules import all_rules, get
from checks.tree import HANDBOOK_PARTS, FsTree, OverlayTree, Tree

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 21)
SAMPLE_PARTS = HANDBOOK_PARTS

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: what the tests saw each rule do: rule id -> {"fires": test ids, "quiet": test ids, "quiet on sample": test ids}
OBSERVED: dict[str, dict[str, set]] = {}


def observe(rule: str, found: list, patched: bool = True) -> list:
    """Note that the running test saw ``rule`` fire (or stay quiet); ``found`` is returned unchanged."""
    kind = "fires" if found else ("quiet" if patched else "quiet on sample")
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]
    OBSERVED.setdefault(rule, {}).setdefault(kind, set()).add(test)
    return found


class _Sample:
    """The sample handbook's files, read once (lazily) and shared by every workspace."""

    tree: Tree | None = None
    cache = shared_cache()  # the one opsbook itself uses when given none: in-process CLI runs share it too

    @classmethod
    def get(cls) -> Tree:
        if cls.tree is None:
            disk = FsTree(ROOT)
            cls.tree = OverlayTree(disk, {rel: disk.read_bytes(rel) for rel in disk.paths() if not disk.is_link(rel)})
        return cls.tree


def sample_tree() -> Tree:
    """The sample handbook as read at the start of the session (read-only)."""
    return _Sample.get()


def check_tree(tree, as_of: dt.date = AS_OF, rules=None):
    """engine.check on a tree with the session's shared source cache."""
    return engine.check(tree, as_of, rules=rules, cache=_Sample.cache)


class Workspace:
    """The sample handbook, for a test to change: in memory until a test asks for a folder."""

    def __init__(self, tmp_factory=None, tree: Tree | None = None):
        self._tmp_factory = tmp_factory
        self._tree = OverlayTree(tree or sample_tree())
        self._root: Path | None = None  # set once materialised on disk

    @classmethod
    def at(cls, folder: Path) -> "Workspace":
        """A workspace over a folder that already holds a handbook: its files change in place."""
        ws = cls()
        ws._root = Path(folder)
        return ws

    # -- where the files are -------------------------------------------------
    @property
    def root(self) -> Path:
        """A real folder holding the workspace (written on first use; from then on the files live there)."""
        if self._root is None:
            target = Path(self._tmp_factory.mktemp("ws")) if self._tmp_factory else None
            if target is None:
                import tempfile

                target = Path(tempfile.mkdtemp(prefix="opsbook-ws-"))
            for rel in self._tree.paths():
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(self._tree.read_bytes(rel))
            self._root = target
        return self._root

    @property
    def on_disk(self) -> bool:
        return self._root is not None

    @property
    def tree(self) -> Tree:
        """The tree a check reads: the patched sample in memory, or the folder once on disk."""
        return FsTree(self._root) if self._root is not None else self._tree

    def path(self, rel: str) -> Path:
        return self.root / rel

    def files(self, folder: str, pattern: str = "*", recursive: bool = True) -> list[str]:
        """The workspace's files below ``folder`` matching ``pattern`` (relative paths, sorted)."""
        return self.tree.files(folder, pattern, recursive=recursive)

    def exists(self, rel: str) -> bool:
        return self.tree.exists(rel)

    # -- reading and changing files -------------------------------------------
    def read(self, rel: str) -> str:
        if self._root is not None:
            return (self._root / rel).read_text(encoding="utf-8")
        return self._tree.read_bytes(rel).decode("utf-8")

    def write(self, rel: str, text) -> None:
        if self._root is not None:
            target = self._root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text) if isinstance(text, bytes) else target.write_text(text, encoding="utf-8")
        else:
            self._tree.set(rel, text)

    def replace(self, rel: str, old: str, new: str, count: int = 1) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, count))

    def remove(self, rel: str) -> None:
        if self._root is not None:
            target = self._root / rel
            shutil.rmtree(target) if target.is_dir() else target.unlink()
            return
        if not self._tree.exists(rel) and not self._tree.is_dir(rel):
            raise FileNotFoundError(rel)
        self._tree.set(rel, None)

    def load_yaml(self, rel: str):
        return yaml.load(self.read(rel), Loader=_YAML_LOADER)

    def edit_yaml(self, rel: str, change) -> None:
        """Load a register, let ``change(data)`` mutate it, write it back (schema line kept)."""
        text = self.read(rel)
        first = text.split("\n", 1)[0]
        data = yaml.load(text, Loader=_YAML_LOADER)
        change(data)  # mutates in place; its return value is ignored
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        self.write(rel, (first + "\n" if first.startswith("#") else "") + body)

    def edit_front_matter(self, rel: str, change) -> None:
        """Let ``change(meta)`` mutate a document's front matter."""
        text = self.read(rel)
        _, front, body = text.split("---\n", 2)
        meta = yaml.load(front, Loader=_YAML_LOADER)
        change(meta)
        self.write(rel, "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n" + body)

    # -- checking --------------------------------------------------------------
    def load(self, as_of: dt.date = AS_OF):
        """The workspace's handbook, loaded and schema-validated (shared sources are read-only)."""
        return engine.load(self.tree, as_of, cache=_Sample.cache)

    def check(self, as_of: dt.date = AS_OF, rules=None):
        """Every rule (or the given ones) on the workspace."""
        return check_tree(self.tree, as_of, rules)

    def findings(self, rule: str, as_of: dt.date = AS_OF) -> list:
        """The findings of one rule, running only that rule."""
        chosen = get(rule)
        result = self.check(as_of, None if chosen is None else [chosen])
        return observe(rule, [f for f in result.findings if f.rule == rule], self.patched)

    def due(self, rule: str, as_of: dt.date = AS_OF) -> list:
        """The obligations one dated rule states on the workspace (met or not)."""
        return get(rule).due(self.load(as_of))

    @property
    def patched(self) -> bool:
        """Whether the test changed anything (else the workspace is the sample as it is)."""
        return self._root is not None or bool(self._tree.changes)


class Run:
    """What ``opsbook ARGV`` did: its exit code, standard output (text and bytes) and standard error."""

    def __init__(self, returncode, stdout_bytes: bytes, stderr: str):
        self.returncode = returncode
        self.stdout_bytes = stdout_bytes
        self.stdout = stdout_bytes.decode("utf-8", "replace")
        self.stderr = stderr

    def __iter__(self):  # code, out, err = run_opsbook(…)
        return iter((self.returncode, self.stdout, self.stderr))


def run_opsbook(*argv, cwd=None, env: dict | None = None) -> Run:
    """``opsbook ARGV`` run in this process: the command's own code (``checks.cli.main``, which the
    console script and ``python -m checks`` call), without an interpreter's start-up.  Tests that are
    about the process itself (the console script, ``python -m``, a crash's output) start a real one.
    ``cwd`` is the working directory during the call; ``env`` sets environment variables for it."""
    import contextlib
    import io

    from checks import cli

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)
    err = io.StringIO()
    old_cwd, old_env = os.getcwd(), {name: os.environ.get(name) for name in env or {}}
    try:
        if cwd is not None:
            os.chdir(cwd)
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main([str(arg) for arg in argv])
            except SystemExit as exc:  # argparse: usage errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out.flush()
        return Run(code, out.buffer.getvalue(), err.getvalue())
    finally:
        os.chdir(old_cwd)
        for name, value in old_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def model_snapshot(handbook) -> dict:
    """A deep copy of every source of a handbook (its data, lines, problems, validity …), to compare later."""
    import copy

    return {source.path: copy.deepcopy(source) for source in handbook.iter_sources()}


# -- test_every_rule_has_tests reads what the other tests saw ------------------------------
_RUN = {"selected": set(), "deselected": set()}


# The slowest files first (seconds of a run, longest first; they build sites or start browsers): a parallel
# run (make test: pytest -n auto --dist loadfile --no-loadscope-reorder) hands out files in this order, so the
# long ones start at once and the many short ones fill the gaps at the end.  The order changes nothing else.
SLOW_FIRST = [
    "site/test_site_browser.py", "site/test_site_serve.py", "test_hostile.py", "site/test_publish.py",
    "site/test_pdf.py", "test_hostile_patterns.py", "site/test_site_audience.py", "site/test_site_hostile_config.py",
    "test_calendar.py", "site/test_site_stage.py", "site/test_publish_browser.py", "test_precommit.py",
    "test_review.py", "test_pack.py", "test_cli.py", "test_xlsx.py",
]


def _file_rank(item) -> int:
    try:
        rel = Path(item.path).relative_to(ROOT / "tests").as_posix()
    except ValueError:
        return len(SLOW_FIRST)
    return SLOW_FIRST.index(rel) if rel in SLOW_FIRST else len(SLOW_FIRST)


def pytest_collection_modifyitems(config, items):
    """The slowest files first (SLOW_FIRST); the rule-coverage test last, after the tests it reads about."""
    items.sort(key=lambda item: (getattr(item, "originalname", "") == "test_every_rule_has_tests", _file_rank(item)))


def pytest_deselected(items):
    _RUN["deselected"].update(Path(item.path) for item in items)


def pytest_collection_finish(session):
    _RUN["selected"] = {Path(item.path) for item in session.items}


def whole_rule_suite() -> bool:
    """Whether this run selected every test of every module that tests rules (tests/rules, tests/test_*.py)."""
    wanted = set((ROOT / "tests" / "rules").glob("test_*.py")) | set((ROOT / "tests").glob("test_*.py"))
    return wanted <= _RUN["selected"] and not wanted & _RUN["deselected"]


def in_parallel_worker() -> bool:
    """Whether this process is one of several running the suite (pytest -n, pytest-xdist)."""
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def rule_coverage_gaps(observed: dict) -> list[str]:
    """The rules no test saw fire, or no test saw stay quiet (test_every_rule_has_tests, one line each)."""
    gaps = []
    for rule in all_rules():
        seen = observed.get(rule.id, {})
        if not seen.get("fires"):
            gaps.append(f"{rule.id}: no test makes it fire (ws.findings or fired(result, …) returning findings)")
        if not (seen.get("quiet") or seen.get("quiet on sample")):
            gaps.append(f"{rule.id}: no test shows it quiet")
    return gaps


def pytest_configure(config):
    """One scratch folder for the whole run, shared by the processes of a parallel run (tests/site/sitekit.py
    builds each audience's site there once)."""
    if not hasattr(config, "workerinput") and "OPSBOOK_TEST_SHARED" not in os.environ:
        import tempfile

        _RUN["shared"] = os.environ["OPSBOOK_TEST_SHARED"] = tempfile.mkdtemp(prefix="opsbook-tests-")
        # opsbook's own cache (the trading calendar read from exchange-calendars): the run's, not the user's
        os.environ.setdefault("OPSBOOK_CACHE_DIR", os.path.join(_RUN["shared"], "cache"))


def pytest_unconfigure(config):
    if _RUN.get("shared"):
        shutil.rmtree(_RUN["shared"], ignore_errors=True)
        os.environ.pop("OPSBOOK_TEST_SHARED", None)


# In a parallel run each worker sees part of the suite: the workers hand what they saw to the controller
# (xdist's workeroutput), which checks the coverage of every rule once all tests have run.
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput"):
        config.workeroutput["opsbook"] = {
            "observed": {rule: {kind: sorted(tests) for kind, tests in kinds.items()} for rule, kinds in OBSERVED.items()},
            "selected": sorted(map(str, _RUN["selected"])), "deselected": sorted(map(str, _RUN["deselected"])),
        }
    elif _RUN.get("workers") and whole_rule_suite():
        _RUN["gaps"] = rule_coverage_gaps(OBSERVED)
        if _RUN["gaps"] and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    data = getattr(node, "workeroutput", {}).get("opsbook")
    if not data:
        return
    _RUN["workers"] = _RUN.get("workers", 0) + 1
    for rule, kinds in data["observed"].items():
        for kind, tests in kinds.items():
            OBSERVED.setdefault(rule, {}).setdefault(kind, set()).update(tests)
    _RUN["selected"].update(map(Path, data["selected"]))
    _RUN["deselected"].update(map(Path, data["deselected"]))


def pytest_terminal_summary(terminalreporter):
    if _RUN.get("gaps"):
        terminalreporter.section("test_every_rule_has_tests (all workers)", red=True)
        for line in _RUN["gaps"]:
            terminalreporter.line(f"FAILED {line}", red=True)


@pytest.fixture(scope="session", autouse=True)
def _shared_sources_stay_unchanged():
    """Every test shares the sample's parsed sources: at the end of the session they must be as loaded."""
    before = model_snapshot(engine.load(sample_tree(), AS_OF, cache=_Sample.cache))
    yield
    after = {s.path: s for s in engine.load(sample_tree(), AS_OF, cache=_Sample.cache).iter_sources()}
    changed = sorted(path for path, source in before.items() if after.get(path) != source)
    assert not changed, f"a rule or test changed the shared sample model: {changed}"


@pytest.fixture
def ws(tmp_path_factory) -> Workspace:
    """The sample handbook, patched in memory (``ws.root`` gives a real copy on disk)."""
    return Workspace(tmp_path_factory)


@pytest.fixture(scope="session")
def sample_result():
    """The sample handbook checked as of AS_OF (shared, read-only)."""
    return check_tree(sample_tree(), AS_OF)


def findings(ws, rule, as_of=AS_OF):
    """The rule's findings on the workspace, running only that rule."""
    return ws.findings(rule, as_of)


def messages(ws, rule, **kw):
    return sorted(f.message for f in findings(ws, rule, **kw))


def due_around(ws, rule: str, what: str, due: dt.date):
    """The obligation of ``rule`` whose ``what`` contains ``what``, the day before, on and after ``due``: it is due
    on ``due`` each day, and the rule reports it (with the obligation's own message) only on the day after."""
    obligation = None
    for when, late in ((due - dt.timedelta(days=1), False), (due, False), (due + dt.timedelta(days=1), True)):
        (obligation,) = [o for o in ws.due(rule, when) if what in o.what]
        assert obligation.due == due, (rule, when, obligation.due)
        assert (obligation.overdue in {f.message for f in ws.findings(rule, when)}) is late, (rule, when, obligation.overdue)
    return obligation


def line_of(ws, rel, text, after=None):
    """The 1-based line of the first line of ``rel`` containing ``text`` (after the line containing ``after``)."""
    lines = ws.read(rel).split("\n")
    start = 0 if after is None else next(n for n, line in enumerate(lines) if after in line)
    for number in range(start, len(lines)):
        if text in lines[number]:
            return number + 1
    raise AssertionError(f"{text!r} not in {rel}")


# -- rule cases as tables ------------------------------------------------------------------
class Part(str):
    """An expected message given by a fragment: the finding's message contains it."""


class Line(NamedTuple):
    """An expected line given by its text: exactly ``line_of(ws, file, text, after)`` (the first line containing
    ``text``, after the line containing ``after``)."""

    text: str
    after: str | None = None


class Found(NamedTuple):
    """One expected finding of a :class:`Case`.

    ``message`` is the exact message (or a :class:`Part` of it).  ``at`` is where, in ``file`` (default: the case's
    file, which is then checked too): a line number, a :class:`Line`, or a text the finding's line contains (``""``:
    only the file is checked).  ``severity`` is checked when given.
    """

    message: str
    at: int | str | Line | None = None
    severity: str | None = None
    file: str | None = None


class Case(NamedTuple):
    """One rule test as a table row: patch one file of the sample, run one rule, compare its findings.

    ``edit`` changes ``file``: a ``change(data)`` callable (``ws.edit_yaml`` for registers, ``ws.edit_front_matter``
    for Markdown documents), an ``(old, new)`` text replacement (``ws.replace``), or a list of those applied in turn;
    ``None`` leaves the sample as it is.  ``expected`` lists the findings in the order the rule reports them, each a
    message, a ``(message, at[, severity])`` tuple or a :class:`Found`; ``[]`` is a quiet case.  ``ordered=False``
    compares them in any order; ``only=False`` lets the rule report other findings besides (then in any order).
    Checked by :func:`check_case`, which runs the rule with ``ws.findings`` (so ``test_every_rule_has_tests`` sees
    it fire or stay quiet).
    """

    id: str
    rule: str
    file: str
    edit: object
    expected: list
    as_of: dt.date = AS_OF
    ordered: bool = True
    only: bool = True


def case_id(case: Case) -> str:
    """The test id of a case (``@pytest.mark.parametrize("case", CASES, ids=case_id)``)."""
    return case.id


def _apply(ws, rel: str, edit) -> None:
    if edit is None:
        return
    if isinstance(edit, list):
        for one in edit:
            _apply(ws, rel, one)
    elif isinstance(edit, tuple):
        ws.replace(rel, *edit)
    elif rel.endswith(".md"):
        ws.edit_front_matter(rel, edit)
    else:
        ws.edit_yaml(rel, edit)


def _matches(ws, case: Case, want: Found, f) -> bool:
    if not (want.message in f.message if isinstance(want.message, Part) else f.message == want.message):
        return False
    if want.severity is not None and f.severity != want.severity:
        return False
    if want.at is None:
        return True
    rel = want.file or case.file
    if f.file != rel:
        return False
    if isinstance(want.at, Line):
        return f.line == line_of(ws, rel, want.at.text, want.at.after)
    if isinstance(want.at, int):
        return f.line == want.at
    lines = ws.read(rel).split("\n")
    return isinstance(f.line, int) and 0 < f.line <= len(lines) and want.at in lines[f.line - 1]


def check_case(ws, case: Case) -> list:
    """Apply a :class:`Case`'s edit, run its rule alone and assert its findings; returns the findings."""
    _apply(ws, case.file, case.edit)
    found = ws.findings(case.rule, case.as_of)
    wanted = [Found(w) if isinstance(w, str) else Found(*w) for w in case.expected]
    seen = "\n".join(f"  {f.file}:{f.line} [{f.severity}] {f.message}" for f in found) or "  (none)"
    report = f"{case.id}: {case.rule} reported\n{seen}"
    if case.only:
        assert len(found) == len(wanted), report
    if case.ordered and case.only:
        for want, f in zip(wanted, found):
            assert _matches(ws, case, want, f), f"{report}\nexpected {want}"
    else:
        left = list(found)
        for want in wanted:
            match = next((f for f in left if _matches(ws, case, want, f)), None)
            assert match is not None, f"{report}\nexpected {want}"
            left.remove(match)
    return found


def fired(result, rule: str) -> list:
    """The findings of ``rule`` in a check's result (noted for test_every_rule_has_tests)."""
    tree = result.handbook.tree
    patched = tree is not sample_tree() and not (isinstance(tree, OverlayTree) and tree.base is sample_tree() and not tree.changes)
    return observe(rule, [f for f in result.findings if f.rule == rule], patched)
