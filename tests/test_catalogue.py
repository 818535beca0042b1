"""The clause catalogue: complete, classified, and consistent with the rules."""

import re
from pathlib import Path

import pytest

from checks import clauses
from checks.rules import all_rules
from conftest import ROOT

STANDARD = ROOT.parent / "shared" / "standard"
NORMATIVE = re.compile(r"应|不得|宜|必须|可根据|可包括|可按照|可实施")


@pytest.fixture(scope="module")
def chapters():
    return clauses.load(ROOT)


@pytest.fixture(scope="module")
def catalogue(chapters):
    return clauses.index(chapters)


def test_every_clause_is_classified(chapters):
    for chapter in chapters:
        for clause in chapter.clauses:
            assert clause.coverage in clauses.COVERAGE_ZH, clause.id
            if clause.coverage == "manual":
                assert clause.reason and "待" not in clause.reason, f"{clause.id}: give the reason no machine can check it"


def test_ids_are_unique_and_ordinals_follow_the_excerpt(chapters):
    seen = set()
    for chapter in chapters:
        ordinals = []
        for clause in chapter.clauses:
            assert clause.id not in seen, clause.id
            seen.add(clause.id)
            code, _, number = clause.id.rpartition("-")
            assert code == chapter.code, clause.id
            ordinals.append(int(number))
        assert ordinals == list(range(1, len(ordinals) + 1)), chapter.code


def test_texts_are_not_duplicated(chapters):
    texts = [c.text for ch in chapters for c in ch.clauses]
    assert len(texts) == len(set(texts))


def test_every_rules_clause_exists_and_lists_it(catalogue):
    for rule in all_rules():
        if rule.clause is None:
            assert rule.chapter in ("文件与格式", "条款评估"), f"{rule.id} cites no clause"
            continue
        assert rule.clause in catalogue, f"{rule.id} cites unknown clause {rule.clause}"
        clause = catalogue[rule.clause]
        assert clause.coverage == "rule" and rule.id in clause.rules, f"{rule.clause} should list {rule.id}"


def test_rule_coverage_names_rules_that_exist(chapters):
    ids = {r.id for r in all_rules()}
    for chapter in chapters:
        for clause in chapter.clauses:
            for rule_id in clause.rules:
                assert rule_id in ids, f"{clause.id} names unknown rule {rule_id}"


def test_register_coverage_names_registers_that_exist(chapters):
    for chapter in chapters:
        for clause in chapter.clauses:
            if clause.coverage == "register":
                assert (ROOT / "registers" / f"{clause.register}.yaml").is_file(), clause.id


def test_document_coverage_names_documents_that_exist(chapters):
    from checks.model import Handbook

    ids = set(Handbook.load(ROOT).documents_by_id)
    for chapter in chapters:
        for clause in chapter.clauses:
            if clause.coverage == "document":
                assert clause.document.split("#")[0] in ids, clause.id


def _normative_sentences():
    for part in sorted(STANDARD.glob("part-*.txt")):
        text = part.read_text(encoding="utf-8")
        if "基本要求" in text:
            text = text[text.index("基本要求"):]
        if "参 考 文 献" in text:
            text = text[: text.index("参 考 文 献")]
        for line in text.splitlines():
            for sentence in re.split(r"(?<=[。；：])", line):
                sentence = re.sub(r"\s+", "", sentence)
                if len(sentence) > 4 and NORMATIVE.search(sentence):
                    yield sentence


@pytest.mark.skipif(not STANDARD.is_dir(), reason="the standard's excerpt (../shared/standard) is not beside this clone")
def test_every_normative_sentence_of_the_excerpt_is_catalogued(chapters):
    joined = "".join(re.sub(r"\s+", "", c.text) for ch in chapters for c in ch.clauses)
    missing = sorted({s for s in _normative_sentences() if s.rstrip("。；：") not in joined})
    assert missing == []


def test_catalogue_size(chapters):
    total = sum(len(ch.clauses) for ch in chapters)
    assert 150 <= total <= 240, total
    assert len(chapters) == 19


# -- levels: 应, 不得, 宜, 可 recorded exactly ------------------------------------

PERMISSIVE = re.compile(r"(?<!方)可(根据|包括|按照|实施|以|在)")
MARKERS = {"不得": re.compile(r"不得"), "宜": re.compile(r"宜"), "可": PERMISSIVE}


def test_every_clause_records_its_level(chapters):
    for chapter in chapters:
        for clause in chapter.clauses:
            assert clause.level in ("应", "不得", "宜", "可", "说明"), clause.id


def test_levels_match_the_words_of_the_sentence(chapters):
    for chapter in chapters:
        for clause in chapter.clauses:
            for level, marker in MARKERS.items():
                if marker.search(clause.text):
                    assert level in clause.levels, f"{clause.id}: the sentence says {level}"


def test_sentences_mixing_levels_are_split_in_order(chapters):
    for chapter in chapters:
        for clause in chapter.clauses:
            found = [level for level, marker in MARKERS.items() if marker.search(clause.text)]
            mandatory = re.search(r"应(?!急|用|对|变|答)|必须", clause.text)
            if len(found) + bool(mandatory) > 1:
                assert clause.parts, f"{clause.id} mixes levels: record its parts"
            position = 0
            for part in clause.parts:
                at = clause.text.find(part["text"], position)
                assert at >= 0, f"{clause.id}: part {part['text']!r} not in the sentence (in order)"
                position = at + len(part["text"])
                assert set(part.get("rules", ())) <= set(clause.rules), clause.id
            if clause.parts:
                assert clause.level in clause.levels, clause.id


def test_permissive_sentences_are_not_counted_as_enforced(chapters):
    for chapter in chapters:
        for clause in chapter.clauses:
            if clause.permissive:
                assert clause.coverage != "rule", f"{clause.id} only permits (可): nothing for a rule to enforce"


def test_readme_counts_are_the_catalogues(chapters):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    total = sum(len(ch.clauses) for ch in chapters)
    by_rule = sum(1 for ch in chapters for c in ch.clauses if c.coverage == "rule")
    assert f"{total} 条规范性语句" in readme
    assert f"其中 {by_rule} 条由规则检查" in readme
