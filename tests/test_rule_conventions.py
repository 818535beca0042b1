"""Every rule follows the conventions: id, clause, severity, title, and a docstring that documents it."""

import re

import pytest

from checks import clauses
from checks.rules import all_rules
from conftest import ROOT

RULES = all_rules()
TEST_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))


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
    assert rule.id in TEST_TEXT, f"no test mentions {rule.id}"
