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


def test_line_map_reads_like_a_dict_of_paths():
    text = "a: 1\nlist:\n  - id: X\n    tags: [p, q]\n  - id: Y\nb: {c: 2}\n"
    _, lines, _ = yamlio.load(text)
    assert dict(lines.items()) == {(): 1, ("a",): 1, ("list",): 2, ("list", 0): 3, ("list", 0, "id"): 3,
                                   ("list", 0, "tags"): 4, ("list", 0, "tags", 0): 4, ("list", 0, "tags", 1): 4,
                                   ("list", 1): 5, ("list", 1, "id"): 5, ("b",): 6, ("b", "c"): 6}
    assert list(lines) == [path for path, _ in lines.items()]  # document order, each value before what it holds
    assert ("list", 1, "id") in lines and ("list", 2) not in lines and ("list", -1) not in lines
    assert ("a", "x") not in lines and ("b", ["unhashable"]) not in lines
    assert lines.get(("nothing",), 7) == 7
    with pytest.raises(KeyError):
        lines[("list", 0, "when")]


def test_line_map_shares_the_keys_of_alike_records():
    records = "".join(f"  - id: R{i}\n    date: 2026-01-0{i % 9 + 1}\n" for i in range(50))
    _, lines, _ = yamlio.load("records:\n" + records)
    nodes = lines.root.kids["records"].kids
    assert len({id(node.shape) for node in nodes}) == 1  # one set of keys for fifty records
    assert lines[("records", 49, "date")] == 2 + 49 * 2 + 1


def test_lines_follow_the_value_that_stays_after_a_duplicate_key():
    _, lines, problems = yamlio.load("a:\n  x: 1\na:\n  y: 2\n")
    assert [p.line for p in problems] == [3]
    assert lines[("a",)] == 3 and lines[("a", "y")] == 4 and ("a", "x") not in lines


def test_merged_keys_take_the_line_they_are_written_on():
    _, lines, _ = yamlio.load("base: &b\n  x: 1\n  y: 2\nrec:\n  <<: *b\n  y: 3\ninline:\n  <<: {z: 4}\n")
    assert lines[("rec", "x")] == 2 and lines[("rec", "y")] == 6 and lines[("inline", "z")] == 8


def test_the_path_at_a_line_is_the_shallowest_value_there():
    text = "records:\n  - id: A\n    date: 2026-01-02\n  - {id: B, tags: [x, y]}\n  - id: C\n    steps:\n      - s1\n"
    _, lines, _ = yamlio.load(text)
    assert [lines.path_at(n) for n in range(1, 9)] == [
        ("records",), ("records", 0), ("records", 0, "date"), ("records", 1), ("records", 2),
        ("records", 2, "steps"), ("records", 2, "steps", 0), None]
