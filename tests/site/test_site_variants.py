"""The site on a handbook with awkward documents: macros, Jinja-like text, broken front matter, raw HTML
links and attachments of hidden documents.  Built once (internal) from the sample's registers."""

from __future__ import annotations

import re

import pytest

from checks.site import build as site_build
from sitekit import AS_OF, FRONT, Site, copy_sample, html_text, scratch_dir

pytestmark = pytest.mark.site

SECRET_TITLE = "绝密网络布局说明"

HOME = FRONT.format(id="IDX-01", title="变体首页", sensitivity="public") + """
# 变体首页

本手册属于 {{ org_name() }}，负责人 {{ person("P001") }}。

见 {{ doc_link("POL-01") }} 与 {{ doc_link("SEC-01") }}；原始 HTML：<a href="secret.md">绝密网络布局说明（原文链接）</a>。

存放位置 docs/secret.md，参见《绝密网络布局说明》。

## 自定义锚点 {#custom-anchor}

{{ register_table("positions", columns=["id", "name"]) }}

```jinja
{{ ansible_hostname }} {% if x %}y{% endif %}
```

行内代码 `{{ inline_var }}` 保持原样。

![示意图](img/ok.png)
"""

BROKEN = FRONT.format(id="POL-01", title="语法有误的制度", sensitivity="internal") + """
# 语法有误的制度

这一行有 {{ broken 未闭合的花括号，应按原文发布。
"""

SECRET = FRONT.format(id="SEC-01", title=SECRET_TITLE, sensitivity="confidential") + """
# 绝密网络布局说明

![拓扑](img/secret.png)
"""

NO_FRONT = "# 没有头信息的文档\n\n正文。\n"
BAD_LEVEL = FRONT.format(id="BAD-01", title="级别无效的文档", sensitivity="top-secret") + "\n# 级别无效\n"
YAML_ERROR = "---\nid: YML-01\ntitle: [未闭合\nsensitivity: public\n---\n\n# YAML 有误\n"


@pytest.fixture(scope="module")
def variant() -> Site:
    root = copy_sample(scratch_dir("variant"), with_docs=False)
    docs = root / "docs"
    (docs / "img").mkdir()
    (docs / "img" / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (docs / "img" / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for name, text in {"index.md": HOME, "pol-01.md": BROKEN, "secret.md": SECRET, "nofront.md": NO_FRONT,
                       "badlevel.md": BAD_LEVEL, "yamlerror.md": YAML_ERROR}.items():
        (docs / name).write_text(text, encoding="utf-8")
    out = root / "site"
    site_build.build(root, site_dir=out, audience="internal", as_of=AS_OF)
    return Site(out, "internal")


def test_macros_render_register_data(variant):
    html = variant.text("index.html")
    text = html_text(html)
    assert "明川证券股份有限公司" in text
    assert "周明远（P001）" in text
    assert 'href="pol-01.html"' in html  # doc_link to a visible document
    assert "security-admin" in text or "安全管理员" in text  # register_table("positions")


def test_code_and_anchors_are_not_jinja(variant):
    html = variant.text("index.html")
    text = re.sub(r"\s+", "", html_text(html))  # code is highlighted: one span per token
    assert "{{ansible_hostname}}{%ifx%}y{%endif%}" in text
    assert "{{inline_var}}" in text
    assert 'id="custom-anchor"' in html


def test_unparsable_jinja_is_published_as_written(variant):
    assert "{{ broken 未闭合的花括号" in html_text(variant.text("pol-01.html"))


def test_hidden_document_is_not_named_anywhere(variant):
    assert not variant.exists("secret.html")
    for path in variant.files(".html", ".json", ".xml"):
        text = path.read_text(encoding="utf-8")
        assert SECRET_TITLE not in text and "secret.html" not in text and "secret.md" not in text, variant.rel(path)
    home = html_text(variant.text("index.html"))
    assert home.count("（受限文档）") >= 3  # doc_link, raw HTML link, 《title》 (and the path)


def test_attachments_follow_their_documents(variant):
    assert variant.exists("img/ok.png")
    assert not variant.exists("img/secret.png")  # only the hidden document used it


@pytest.mark.parametrize("name", ["nofront", "badlevel", "yamlerror"])
def test_documents_without_a_valid_level_are_confidential(variant, name):
    assert not variant.exists(f"{name}.html")
    assert name not in variant.nav_text("index.html")
