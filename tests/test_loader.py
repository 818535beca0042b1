"""The loader: safe YAML only, the line of every value, and clear problems for bad input."""

import datetime as dt

import pytest
import yaml

from checks import yamlio


def test_lines_of_every_value():
    text = "a: 1\nlist:\n  - id: X\n    when: 2026-01-02\n  - id: Y\n"
    value, lines, problems = yamlio.load(text)
    assert value == {"a": 1, "list": [{"id": "X", "when": dt.date(2026, 1, 2)}, {"id": "Y"}]}
    assert lines[("a",)] == 1
    assert lines[("list", 0)] == 3
    assert lines[("list", 0, "when")] == 4
    assert lines[("list", 1, "id")] == 5
    assert problems == []


def test_offset_for_front_matter():
    _, lines, _ = yamlio.load("title: x\nversion: '1.0'\n", offset=1)
    assert lines[("version",)] == 3


def test_uses_the_c_loader_when_present():
    assert yamlio.WITH_C == hasattr(yaml, "CSafeLoader")


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['echo pwned']\n",
    "a: !!python/name:os.system\n",
    "a: !custom 1\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x}\n",
])
def test_tags_never_construct_objects(text):
    with pytest.raises(yamlio.LoadError) as info:
        yamlio.load(text)
    assert info.value.problem.code == "YAML001"
    assert "标签" in info.value.problem.message
    assert info.value.problem.line == 1


def test_syntax_error_names_the_line_in_chinese():
    with pytest.raises(yamlio.LoadError) as info:
        yamlio.load("a: 1\nb:\n\t- x\n")
    assert info.value.problem.line == 3
    assert "Tab" in info.value.problem.message


def test_duplicate_keys_are_reported_not_lost_silently():
    value, _, problems = yamlio.load("id: A\nname: x\nid: B\n")
    assert value["id"] == "B"
    assert [(p.code, p.line) for p in problems] == [("YAML002", 3)]
    assert "第 1 行" in problems[0].message


def test_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for name in "bcdefghij":
        bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        prev = name
    with pytest.raises(yamlio.LoadError):
        yamlio.load(bomb)


def test_merge_keys_still_work():
    value, _, _ = yamlio.load("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert value["other"] == {"x": 1, "y": 2}


def test_impossible_date_is_kept_as_written():
    value, lines, _ = yamlio.load("a: 1\nwhen: 2026-02-30\n")
    assert value["when"] == "2026-02-30" and lines[("when",)] == 2


@pytest.mark.parametrize("data,line,hint", [
    ("名称: 机房\n".encode("gbk"), 1, "GBK"),
    (b"a: 1\nb: 2\n" + "c: 机房\n".encode("gbk"), 3, "GBK"),
    ("a: 1\n".encode("utf-16"), 1, "UTF-16"),
])
def test_encodings_other_than_utf8(data, line, hint):
    text, problem = yamlio.decode(data)
    assert text is None
    assert problem.code == "ENC001" and problem.line == line and hint in problem.message


def test_utf8_bom_and_crlf_are_accepted():
    text, problem = yamlio.decode("\ufeffa: 1\r\nb: 值\r\n".encode("utf-8"))
    assert problem is None and text == "a: 1\nb: 值\n"


def test_front_matter_split():
    front, body, line = yamlio.split_front_matter("---\ntitle: x\n---\n# 标题\n正文\n")
    assert front == "title: x" and body == "# 标题\n正文\n" and line == 4
    assert yamlio.split_front_matter("# 无头信息\n") == (None, "# 无头信息\n", 1)


def test_to_json_turns_dates_into_strings():
    assert yamlio.to_json({"d": dt.date(2026, 1, 2), "t": dt.datetime(2026, 1, 2, 20, 30)}) == {
        "d": "2026-01-02", "t": "2026-01-02 20:30"}
