"""DOC020 (no script, event handler or javascript:/data: URL in a body) and DOC021 (macros that expand)."""

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
