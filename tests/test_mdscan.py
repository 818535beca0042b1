"""The linear scanners and patterns give what the backtracking expressions they replace gave.

Each expression below is the one the site, markup and templating used before (super-linear on some 100 KB
inputs, fine on small ones): on normal inputs and on many small random texts built from the characters it
reads, the replacement finds the same spans and groups.  Their time is tested in tests/test_hostile.py.
"""

from __future__ import annotations

import random
import re

import pytest

from checks import markup, mdscan, templating
from checks.site import render

OLD = {
    "destinations": re.compile(r"(\]\(\s*)(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)"),
    "links": re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)"
                        r"(\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"),
    "a_tags": re.compile(r"<a\b[^>]*?\bhref\s*=\s*([\"'])(.*?)\1[^>]*>.*?</a>", re.S | re.I),
    "img_tags": re.compile(r"<img\b[^>]*?\bsrc\s*=\s*([\"'])(.*?)\1[^>]*>", re.S | re.I),
}
OLD["code_spans"] = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
OLD_ACTIVE = re.compile(r"<script\b|<[a-z][^>]*?\son[a-z]+\s*=|<[a-z][^>]*?\b(?:href|src)\s*=\s*[\"']?\s*"
                        r"(?:javascript|data|vbscript):", re.I)
OLD_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^(?P=indent)(?P=fence)[ \t]*$|\Z)",
                       re.M | re.S)
OLD_ATTR_LIST = re.compile(r"\{:?[ \t]*(?:[#.][^\s}]+|[A-Za-z_][\w-]*=)[^}\n]*\}")
OLD_HTML_PARTS = re.compile(r"(<[^>]*>|&#?\w+;)|([^<&]+|&)")

# The pieces random texts are made of, per scanner: what the expression reads, and a little else.
PIECES = {
    "destinations": ["]", "(", ")", "<", ">", " ", "\n", "a", "[", "](", "](<"],
    "links": ["[", "]", "(", ")", "<", ">", " ", "\n", "a", "!", '"', "'", "](", "\t", "[a](b", "(c)"],
    "a_tags": ["<a", "<A", " ", "href", "HREF", "=", '"', "'", ">", "</a>", "</A>", "x", "\n", "<a href='", "<ab"],
    "img_tags": ["<img", " ", "src", "=", '"', "'", ">", "x", "\n", "<img src='", "<imgx"],
    "active": ["<", "a", "X", "script", " ", "on", "onx", "=", ">", "href", "src", '"', "'", "javascript:", "data:",
               "\n"],
    "code_spans": ["`", "``", "a", "\n", " ", "```", "{{"],
    "fence": ["`", "~", " ", "\t", "\n", "a", "```", "~~~", "```\n", " ```", "\n```", "````"],
    "attr_list": ["{", "}", ":", " ", "\t", "#", ".", "a", "=", "\n", "-", "_", "{:", "x=", "中"],
    "md_inert": ["<", ">", "&", "#", "x", ";", "_", "[", "&#", "&a;", " ", "\n", "*", "<b>", "`"],
}

NORMAL = (
    "见《运维管理制度》与 [变更流程](../procedures/change.md \"变更\")，图 ![拓扑](images/topo.png)。\n"
    "[甲[乙]](a.md) [坏的 (b.md) [空]() [尖](<c d.md>) [括号](e_(1).md) [标题](f.md 'x')\n"
    '<a href="../plans/emergency.md" class="x">预案</a> <A HREF=\'g.md\'>G</A> <img src="h.png" alt="">\n'
    "`a` ``b ` c`` ```d``` `e\n"
    "```python\nx = '[a](b)'\n```\n   ~~~~\n{{ org_name() }}\n   ~~~~\n## 标题 {#anchor .cls data-x=1}\n"
    "{: #id .c } {:x=1} {.a} { x=1 } {a} {#} {: .c\n<b>粗</b> &amp; &#42; a_b [c]\n"
    '<span title="x" onmouseover="alert(1)">悬停</span>\n'
)


def _spans(found, groups: int):
    return [tuple(m.span(i) if m.group(i) is not None else None for i in range(groups + 1)) for m in found]


def _results(name: str, text: str):
    """(what the old expression gives, what its replacement gives) on one text."""
    if name in OLD:
        pattern = OLD[name]
        return _spans(pattern.finditer(text), pattern.groups), _spans(getattr(mdscan, name)(text), pattern.groups)
    if name == "active":
        old = OLD_ACTIVE.search(text)
        return (old.group(0) if old else None), mdscan.first_active(text)
    if name == "fence":
        return [m.span() for m in OLD_FENCE.finditer(text)], [m.span() for m in markup.FENCED_CODE.finditer(text)]
    if name == "attr_list":
        return ([m.span() for m in OLD_ATTR_LIST.finditer(text)],
                [m.span() for m in markup._ATTR_LIST.finditer(text) if m.group("close")])
    assert name == "md_inert"
    old = OLD_HTML_PARTS.sub(lambda m: m.group(1) or m.group(2).translate(render._MD_PUNCT), text)
    return old, render.md_inert(text)


@pytest.mark.parametrize("name", sorted(PIECES))
def test_same_results_on_normal_text(name):
    old, new = _results(name, NORMAL)
    assert old == new
    assert old  # the sample has something of each


@pytest.mark.parametrize("name", sorted(PIECES))
def test_same_results_on_small_random_texts(name):
    rng = random.Random(name)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES[name]) for _ in range(rng.randint(0, 24)))
        old, new = _results(name, text)
        assert old == new, repr(text)


def test_what_the_scanners_find():
    links = mdscan.links('前 ![图](a.png "标题") 和 [甲[乙]](<b c.md>) 后')
    assert [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in links] == [
        ("!", "图", "a.png", ' "标题"'), ("", "甲[乙]", "<b c.md>", None)]
    assert [m.group(2) for m in mdscan.destinations("[x](y) [[z]](<w>)")] == ["y", "<w>"]
    assert [m.group(2) for m in mdscan.a_tags("<a class=x href='p.md'>p</a> <a href=\"q\">")] == ["p.md"]
    assert [m.group(2) for m in mdscan.img_tags('<IMG alt="" SRC="i.png">')] == ["i.png"]
    assert mdscan.first_active('<p>x</p><img src=x onerror=alert(1)>') == "<img src=x onerror="
    assert mdscan.first_active('<a href=" javascript:x">') == '<a href=" javascript:'
    assert mdscan.first_active("<p onclick >x</p>") is None
    assert mdscan.sub(mdscan.links("[a](b) c [d](e)"), "[a](b) c [d](e)", lambda m: m.group(3).upper()) == "B c E"


def test_code_blocks_and_attribute_lists_keep_their_meaning():
    text = "a\n  ```js\n  {{ x }}\n  ```\n```\n{{ y }}\n"
    assert [text[a:b] for a, b in markup._protected(text)] == ["  ```js\n  {{ x }}\n  ```", "```\n{{ y }}\n"]
    assert "{% raw %}" in templating.protect(text)
    assert markup.clean('## 标题 {: #a onclick="x" .b}\n') == "## 标题 {: #a  .b}\n"
    assert markup.clean("{: onclick=x\n") == "{: onclick=x\n"  # no “}” on the line: not an attribute list
    assert render.md_inert("<b>a_b</b> <i x &#42; [c]") == "<b>a&#95;b</b> <i x &#42; &#91;c&#93;"
