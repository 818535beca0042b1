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


