"""LINK001 (no symbolic links) and LIM001 (read limits): each fires on a patched sample and stays quiet on it."""

from __future__ import annotations

import os


def test_link001_quiet_on_the_sample(ws):
    assert ws.findings("LINK001") == []


def test_link001_fires_on_a_link_under_docs(ws, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: 外部\n---\n机密", encoding="utf-8")
    os.symlink(outside, ws.path("docs/leak.md"))
    found = ws.findings("LINK001")
    assert [(f.file, f.severity) for f in found] == [("docs/leak.md", "error")]
    assert "符号链接" in found[0].message


def test_lim001_quiet_on_the_sample(ws):
    assert ws.findings("LIM001") == []


def test_lim001_fires_on_nesting_deeper_than_the_limit(ws):
    nested = "[" * 200 + "]" * 200
    ws.write("docs/nested.md", f"---\ntitle: 嵌套\nextra: {nested}\n---\n正文\n")
    found = ws.findings("LIM001")
    assert [f.file for f in found] == ["docs/nested.md"]
    assert "层" in found[0].message
