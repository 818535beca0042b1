"""Link destinations that only Python-Markdown's block structure reveals: a reference definition inside a
quote, an admonition or a list item, and link text with brackets nested deeper than one level.  DOC020
reports each and the staged text never carries them (checked with Python-Markdown itself, no site build)."""

from __future__ import annotations

import re

import markdown
import pytest

from checks import markup

# Link destinations that Python-Markdown reads inside containers or past nested brackets.
HIDDEN_URLS = {
    "quote": "> [q]: javascript:alert(41)\n\n[点我][q]\n",
    "admonition": '!!! note "注意"\n\n    [a]: javascript:alert(42)\n\n    [点我][a]\n',
    "list": "- 一项\n\n    [l]: javascript:alert(43)\n\n    [点我][l]\n",
    "nested": "[甲[乙[丙[丁]]]](javascript:alert(44))\n",
    "nested-image": "![甲[乙[丙]]](data:image/svg+xml;base64,PHN2Zz4=)\n",
}


@pytest.mark.parametrize("name", sorted(HIDDEN_URLS))
def test_link_destinations_in_containers_are_found_and_removed(name):
    text = HIDDEN_URLS[name]
    assert markup.find_unsafe(text), name
    html = markdown.markdown(markup.clean(text), extensions=["admonition", "attr_list", "md_in_html"])
    assert not re.search(r"(?:href|src)=\"\s*(?:javascript|data):", html), (name, html)




# A tag the browser reads but the cleaner did not: an unterminated quote (the page's template closes it
# later), or a tag start that a later “<” interrupts.  Each is reported and never left able to open a tag.
UNCLOSED = {
    "quote": "<img src=x onerror=alert(45) title='>\n\n正文\n",
    "interrupted": "<a onmouseover=alert(46) <b>粗体</b>\n",
    "lt-in-value": '<img src=x onerror=alert(47) title="a<b">\n',
}


@pytest.mark.parametrize("name", sorted(UNCLOSED))
def test_unclosed_tags_are_found_and_cannot_open(name):
    text = UNCLOSED[name]
    assert markup.find_unsafe(text), name
    cleaned = markup.clean(text)
    assert not re.search(r"<[a-z][^<>]*\son[a-z]+\s*=", cleaned, re.I), (name, cleaned)
    assert "alert" not in markdown.markdown(cleaned).split("&lt;")[0], (name, cleaned)


def test_cleaning_keeps_autolinks_and_prose():
    text = "见 <https://intranet.example/a?b=c> 与 <ops@example.com>；当 a < b 且 b > c 时。<b>粗</b>\n"
    assert markup.clean(text) == text
    assert markup.find_unsafe(text) == []


def test_tag_starts_without_an_end_take_linear_time():
    # 10 000 tag starts that never close: each once scanned to the end of the text (quadratic), which
    # took minutes for a document of 100 kB; the cleaner now reads each start up to the next “<”.
    text = "<a " * 10_000 + "\n" + "<img src=x onerror=alert(48) " * 2_000
    cleaned = markup.clean(text)
    assert "<a " not in cleaned and "<img" not in cleaned
    assert markup.find_unsafe(text)


def test_macros_nested_too_deep_are_a_macro_error():
    from checks import templating

    deep = "前文\n\n{{ org_name(" + "[" * 3000 + "]" * 3000 + ") }}\n"
    assert "嵌套" in templating.validate(deep)[0].message
    with pytest.raises(templating.MacroError):
        templating.render(deep, {"org_name": lambda *a: "x"})
