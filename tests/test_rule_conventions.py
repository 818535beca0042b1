"""Every rule follows the conventions: id, clause, severity, title, and a docstring that documents it."""

import re

import pytest

from checks import clauses, engine
from checks.rules import all_rules
from conftest import AS_OF, OBSERVED, ROOT, in_parallel_worker, model_snapshot, rule_coverage_gaps, whole_rule_suite

RULES = all_rules()


@pytest.fixture(scope="module")
def catalogue():
    return clauses.index(clauses.load(ROOT))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata(rule):
    assert re.fullmatch(r"[A-Z]{2,5}\d{3}", rule.id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.severity in ("error", "warning")
    assert rule.title and re.search(r"[\u4e00-\u9fff]", rule.title)
    assert rule.chapter, f"{rule.module} has no CHAPTER"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docstring_documents_the_rule(rule, catalogue):
    doc = rule.doc
    for heading in ("## 检查什么", "## 为什么", "## 如何修复"):
        assert heading in doc, f"{rule.id}: docstring lacks {heading}"
    if rule.clause:
        clause = re.sub(r"\s", "", catalogue[rule.clause].text)
        quotes = [re.sub(r"\s", "", q).rstrip("。；：…") for q in re.findall(r"“([^”]{6,})”", doc)]
        bare = clause.rstrip("。；：")
        assert any(q and (q in clause or bare in q) for q in quotes) or any(
            part and part in clause for q in quotes for part in q.split("……")
        ), f"{rule.id}: the docstring should quote its clause {rule.clause}: “{catalogue[rule.clause].text}”"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_tests(rule):
    """Each rule has a test where it fires and one where it stays quiet (on the sample or on a patched
    copy), as the tests saw it run: ``ws.findings(rule)`` and ``fired(result, rule)`` note each outcome.
    Runs last, and only when the whole suite runs (a subset cannot tell).  In a parallel run (``-n``)
    no single worker sees every test: the controller checks the same after all workers finish and fails
    the run, listing the gaps (conftest.pytest_sessionfinish)."""
    if in_parallel_worker():
        pytest.skip("并行运行时由主进程在全部测试结束后检查")
    if not whole_rule_suite():
        pytest.skip("只在运行全部测试时检查（需要其他测试的运行结果）")
    assert not [gap for gap in rule_coverage_gaps(OBSERVED) if gap.startswith(f"{rule.id}:")]


def test_rules_never_change_the_model(ws):
    """Handbooks share their unchanged sources (checks.cache): no rule may change what it reads.
    Checked on the sample and on a copy where many rules fire."""
    for as_of in (AS_OF, AS_OF.replace(year=AS_OF.year + 2)):
        handbook = ws.load(as_of)
        before = model_snapshot(handbook)
        findings = engine.run_rules(handbook, RULES)
        assert not [f for f in findings if f.rule == "INT001"]
        assert model_snapshot(handbook) == before


def test_rules_list_the_settings_they_read():
    """Rule.settings is read from the rule's source and the helpers it calls; the page lists them."""
    from checks.rules import get

    assert get("DUT005").settings == ("handover_check_days",)
    assert get("REL004").settings == ("contact_freshness_days", "contact_warning_days")
    assert get("ORG006").settings == ("annual_plan_grace_days",)  # through rules._common.annual_grace_over
    assert get("FILE001").settings == ()
    read = {name for rule in RULES for name in rule.settings}
    assert "review_cycle_months" in read and "change_role_separation" in read


def test_settings_have_one_default():
    """Rules read handbook.settings.NAME: the default lives in the Settings dataclass only
    (and the schema bounds it), never restated in a rule; nor anywhere else in the package (the site, the
    exports), where a setting is read by name with no default of its own."""
    offenders = []
    for path in sorted((ROOT / "checks" / "rules").glob("[!_]*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if re.search(r"getattr\(\s*\w*\.?settings\b", line):
                offenders.append(f"{path.name}:{number}")
    for path in sorted((ROOT / "checks").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if re.search(r"getattr\(\s*[\w.]*settings\s*,[^,()]+,", line):  # getattr(….settings, name, default)
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_the_slow_files_listed_for_scheduling_exist():
    """conftest.SLOW_FIRST orders a parallel run; a file renamed or removed must leave it too."""
    from conftest import SLOW_FIRST

    missing = [rel for rel in SLOW_FIRST if not (ROOT / "tests" / rel).is_file()]
    assert missing == [] and len(set(SLOW_FIRST)) == len(SLOW_FIRST)
