"""DOC020 (no script, event handler or javascript:/data: URL in a body) and DOC021 (macros that expand)."""

from conftest import line_of


def test_sample_is_quiet(sample_result):
    assert not [f for f in sample_result.findings if f.rule in ("DOC020", "DOC021")]


def test_doc020_reports_script_handlers_and_urls_at_their_line(ws):
    ws.replace("docs/policies/pol-01-machine-room.md", "\n# ",
               '\n<script>alert(1)</script>\n\n<img src="a.png" onerror="x()">\n\n[点](javascript:alert(2))\n\n# ')
    found = ws.findings("DOC020")
    assert len(found) == 3
    assert {f.severity for f in found} == {"error"}
    text = ws.read("docs/policies/pol-01-machine-room.md").split("\n")
    assert [f.line for f in found] == [i + 1 for i, line in enumerate(text)
                                        if "<script>" in line or "onerror" in line or "javascript:" in line]
    assert "<script> 元素" in found[0].message and "事件处理属性" in found[1].message


def test_doc020_ignores_code(ws):
    ws.replace("docs/policies/pol-01-machine-room.md", "\n# ", "\n```html\n<script>alert(1)</script>\n```\n\n`onerror=`\n\n# ")
    assert ws.findings("DOC020") == []


def test_doc021_reports_macros_that_do_not_expand(ws):
    ws.replace("docs/policies/pol-01-machine-room.md", "\n# ", "\n{{ config.site_name }}\n\n{% for x in y %}{% endfor %}\n\n# ")
    found = ws.findings("DOC021")
    assert found and all(f.severity == "warning" for f in found)
    text = " ".join(f.message for f in found)
    assert "不能使用变量" in text and "不支持 {% … %}" in text


def test_doc021_quiet_on_known_macros(ws):
    ws.replace("docs/policies/pol-01-machine-room.md", "\n# ", '\n{{ duty_contacts() }} {{ person("P001") }}\n\n# ')
    assert ws.findings("DOC021") == []


def test_doc021_reports_macros_nested_too_deep_without_crashing(ws):
    deep = "{{ org_name(" + "[" * 3000 + "]" * 3000 + ") }}"
    ws.replace("docs/policies/pol-01-machine-room.md", "\n# ", f"\n{deep}\n\n# ")
    found = ws.findings("DOC021")
    assert [f.file for f in found] == ["docs/policies/pol-01-machine-room.md"]
    assert "嵌套" in found[0].message
    assert ws.findings("INT001") == []


def test_doc021_reports_a_table_filtered_or_listed_by_a_field_above_the_document(ws):
    """The site refuses register_table for readers below a field it filters on or lists (its rows would
    confirm a guessed mobile number); opsbook check says so before anyone builds the site."""
    doc = "docs/policies/pol-01-machine-room.md"
    ws.replace(doc, "\n# ", '\n{{ register_table("staff", where={"mobile": "13900001001"}) }}\n\n'
                            '{{ register_table("staff", "staff", ["name", "mobile"]) }}\n\n# ')
    found = ws.findings("DOC021")
    assert [f.line for f in found] == [line_of(ws, doc, "where={"), line_of(ws, doc, '["name", "mobile"]')]
    assert "where 用到了字段“手机”（mobile，受限），高于文档本身的级别（内部）" in found[0].message
    assert "columns 用到了字段“手机”" in found[1].message and "或把文档定为受限级" in found[1].message


def test_doc021_quiet_on_a_table_of_fields_at_or_below_the_document(ws):
    doc = "docs/policies/pol-01-machine-room.md"
    ws.replace(doc, "\n# ", '\n{{ register_table("staff", columns=["name", "position"], where={"id": "P001"}) }}\n\n# ')
    assert ws.findings("DOC021") == []
    ws.edit_front_matter(doc, lambda meta: meta.update(sensitivity="restricted"))  # its readers may see mobiles
    ws.replace(doc, '"position"]', '"mobile"]')
    assert ws.findings("DOC021") == []
