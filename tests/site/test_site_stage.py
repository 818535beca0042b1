"""Staging without a generator: the staged tree, the cleaner, the macro sandbox, output directories.

These call the plain functions of checks.site.stage, checks.markup and checks.templating; nothing
here runs mkdocs."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from checks import markup, templating
from checks.model import Handbook
from checks.site import stage as site_stage
from checks.site.build import zensical_config
from sitekit import AS_OF, ROOT, copy_sample, scratch_dir

HANDBOOK = Handbook.load(ROOT, AS_OF)


@pytest.fixture(scope="module")
def staged():
    return site_stage.stage(ROOT, scratch_dir("stage") / "staged", "internal", AS_OF)


@pytest.fixture(scope="module")
def staged_public():
    return site_stage.stage(ROOT, scratch_dir("stage-public") / "staged", "public", AS_OF)


def test_staged_tree_has_only_what_the_audience_may_see(staged, staged_public):
    docs = staged.docs_dir
    for doc in HANDBOOK.documents:
        present = (docs / doc.url_path).is_file()
        assert present == (doc.sensitivity in ("public", "internal")), doc.path
    assert {"catalog.md", "dashboard.md", "clauses.md", "registers/index.md", "rules/index.md"} <= set(staged.pages)
    assert (docs / "registers" / "staff.md").is_file() and not (docs / "registers" / "emergency_contacts.md").exists()
    public = {p.relative_to(staged_public.docs_dir).as_posix() for p in staged_public.docs_dir.rglob("*.md")}
    assert public < {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")}


def test_document_page_carries_card_banner_revisions_and_history(staged):
    old = HANDBOOK.document("POL-08-2022")
    text = (staged.docs_dir / old.url_path).read_text(encoding="utf-8")
    assert '!!! danger "已废止"' in text and "ob-docinfo" in text and "## 修订记录" in text
    assert json.loads(text.split("\n")[1])["status"] == "deprecated"
    current = (staged.docs_dir / HANDBOOK.document("POL-08").url_path).read_text(encoding="utf-8")
    assert "## 修改历史（git）" in current  # the sample is a git repository


def test_generated_config_is_plain_escaped_and_hookless(staged):
    text = staged.config_file.read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert "!!" not in text and "hooks" not in config
    assert config["plugins"] == [{"search": {"lang": "zh"}}]
    assert config["theme"]["custom_dir"] == "overrides" and (staged.dir / "overrides" / "main.html").is_file()
    assert config["use_directory_urls"] is False
    nav = json.dumps(config["nav"], ensure_ascii=False)
    assert "文档目录" in nav and "合规看板" in nav
    for doc in HANDBOOK.documents:
        if doc.sensitivity in ("restricted", "confidential"):
            assert doc.url_path not in nav and doc.title not in nav
    zensical = yaml.safe_load(zensical_config(staged).read_text(encoding="utf-8"))
    assert zensical["plugins"] == ["search"] and zensical["docs_dir"] == "docs"


def test_personal_mobiles_are_masked_below_restricted(staged):
    mobile = HANDBOOK.register("staff").data["staff"][0]["mobile"]
    staff = (staged.docs_dir / "registers" / "staff.md").read_text(encoding="utf-8")
    assert mobile not in staff and "（受限字段）" in staff
    for path in staged.docs_dir.rglob("*.md"):
        assert mobile not in path.read_text(encoding="utf-8"), path
    assert mobile in staged.ctx.masked


@pytest.fixture(scope="module")
def staged_restricted():
    return site_stage.stage(ROOT, scratch_dir("stage-restricted") / "staged", "restricted", AS_OF)


def test_mobiles_shown_to_restricted_readers(staged_restricted):
    out = staged_restricted
    mobile = HANDBOOK.register("staff").data["staff"][0]["mobile"]
    assert mobile in (out.docs_dir / "registers" / "staff.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("text,bad", [
    ('<script>alert(1)</script>', "<script"),
    ('<img src="a.png" onerror="alert(1)">', "onerror"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "ascript"),
    ('[x](javascript:alert(1))', "javascript"),
    ('![x](data:image/svg+xml;base64,AA)', "data:"),
    ('[r]: javascript:alert(1)', "javascript"),
    ('## 标题 {: onclick="alert(1)" }', "onclick"),
    ('<svg><script>alert(1)</script></svg>', "alert"),
    ('## 标题 {data-toc-label="<img src=x onerror=alert(1)>"}', "<img"),
    ('<img src="https://tracker.example/p.png">', "tracker"),
    ('![图](//tracker.example/p.png)', "tracker"),
])
def test_cleaner_removes_active_content(text, bad):
    assert markup.find_unsafe(text)
    assert bad not in markup.clean(text)


@pytest.mark.parametrize("text", [
    '<details class="note" open=""><summary>说明</summary>正文</details>',
    '[制度](policies/pol-01.md) [外部](https://example.com/) <https://example.com/> [邮件](mailto:a@b.c)',
    '```html\n<script>alert(1)</script>\n```',
    '行内代码 `<img onerror=x>` 不动',
    '<div markdown="1" class="grid">\n\n**粗体**\n\n</div>',
])
def test_cleaner_keeps_safe_content(text):
    assert markup.find_unsafe(text) == []
    assert markup.clean(text) == text


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ config }}",
    "{% include 'x.md' %}",
    "{% for i in 'aaaa' %}{% for j in 'bbbb' %}x{% endfor %}{% endfor %}",
    "{{ person.__globals__ }}",
    "{{ register_table(lipsum) }}",
    "{{ org_name() ~ 'x' * 100000000 }}",
    "{{ unknown_macro() }}",
])
def test_sandbox_refuses_everything_but_macro_calls(source):
    assert templating.validate(source)
    with pytest.raises(templating.MacroError):
        templating.render(source, {"org_name": lambda: "x", "person": lambda p: p, "register_table": lambda *a: ""})


def test_sandbox_renders_macros_escaped_and_leaves_code():
    out = templating.render('A {{ person("<b>") }} `{{ x }}`\n\n```\n{{ y }}\n```\n{#anchor}',
                            {"person": lambda pid: pid})
    assert out == 'A &lt;b&gt; `{{ x }}`\n\n```\n{{ y }}\n```\n{#anchor}'


@pytest.mark.parametrize("inside", ["docs", "registers", "schemas", "standard", "checks", ".git", "docs/sub", "."])
def test_output_inside_sources_is_refused(tmp_path, inside):
    (tmp_path / "docs").mkdir()
    with pytest.raises(site_stage.BuildError):
        site_stage.prepare_output(tmp_path, tmp_path / inside)
    assert (tmp_path / "docs").is_dir()


def test_only_empty_or_opsbook_directories_are_emptied(tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(site_stage.BuildError, match=site_stage.MARKER):
        site_stage.prepare_output(tmp_path / "root", user)
    assert (user / "notes.txt").read_text(encoding="utf-8") == "keep"
    ours = site_stage.prepare_output(tmp_path / "root", tmp_path / "ours")
    (ours / "old.html").write_text("x", encoding="utf-8")
    site_stage.prepare_output(tmp_path / "root", ours)
    assert not (ours / "old.html").exists() and (ours / site_stage.MARKER).is_file()


def test_cli_refuses_site_dir_in_docs(tmp_path):
    from checks.cli import main

    root = copy_sample(tmp_path / "h")
    before = sorted(p.name for p in (root / "docs").rglob("*"))
    assert main(["--root", str(root), "build", "--site-dir", str(root / "docs" / "out"), "--as-of", "2026-11-21"]) == 2
    assert main(["--root", str(root), "stage", "--site-dir", str(root), "--as-of", "2026-11-21"]) == 2
    assert sorted(p.name for p in (root / "docs").rglob("*")) == before


def test_sample_documents_take_contacts_and_strategies_from_the_registers(staged):
    """The registers are the single source: the duty policy's phone and leads, the related-units contact
    table and the backup strategies are the registers' current data at every build."""
    def page(doc_id):
        return (staged.docs_dir / HANDBOOK.document(doc_id).url_path).read_text(encoding="utf-8")

    duty = HANDBOOK.register("duty").data
    assert duty["duty_phone"]["number"] in page("POL-08") and "马超（P013）" in page("POL-08")
    unit = HANDBOOK.register("related_units").data["units"][0]
    assert unit["name"] in page("POL-13") and unit["contacts"][0]["phone"] in page("POL-13")
    strategy = HANDBOOK.register("backups").data["policies"][0]
    assert strategy["scope"] in page("POL-03")
    for doc_id in ("POL-03", "POL-08", "POL-13"):
        assert "{{" not in page(doc_id), doc_id


def test_emergency_plan_appendix_follows_the_audience(staged_restricted):
    out = staged_restricted
    plan = (out.docs_dir / HANDBOOK.document("PLN-01").url_path).read_text(encoding="utf-8")
    liaison = HANDBOOK.register("emergency_contacts").data["liaisons"][0]
    assert liaison["mobile"] in plan and liaison["duty_phone"] in plan and "{{" not in plan


def test_config_from_a_pull_request_cannot_reach_out(staged):
    raw = {"site_name": "<b>手册</b>", "copyright": "<script>x()</script>", "docs_dir": "docs",
           "theme": {"name": "readthedocs", "custom_dir": "/etc", "font": {"text": "Roboto"},
                     "logo": "https://cdn.example/logo.png", "favicon": "assets/favicon.png"},
           "extra": {"homepage": "javascript:alert(1)", "social": [{"link": "https://x"}], "analytics": {"provider": "google"},
                     "status": {"deprecated": "已废止"}},
           "extra_css": ["https://cdn.example/x.css", "stylesheets/local.css", "../../etc/x.css"],
           "extra_javascript": ["javascripts/evil.js"], "hooks": ["evil.py"],
           "plugins": ["search", {"macros": {}}, "offline"],
           "markdown_extensions": ["toc", "pymdownx.snippets", "evil_module", {"pymdownx.superfences": {"custom_fences": [1]}}]}
    config = site_stage.generated_config(raw, staged.ctx, [], None, {"version": {"provider": "mike"}})
    assert config["site_name"] == "&lt;b&gt;手册&lt;/b&gt;" and config["copyright"] == "&lt;script&gt;x()&lt;/script&gt;"
    assert config["theme"] == {"name": "material", "custom_dir": "overrides", "font": False, "favicon": "assets/favicon.png"}
    assert config["extra_css"] == ["stylesheets/local.css"]
    assert set(config["extra"]) == {"status", "polyfills", "opsbook_site", "version"}
    assert config["plugins"] == ["search"] and "hooks" not in config and "extra_javascript" not in config
    assert config["markdown_extensions"] == ["toc", "pymdownx.superfences"]


def test_cli_stage_writes_the_tree(tmp_path):
    from checks.cli import main

    assert main(["--root", str(ROOT), "stage", "--site-dir", str(tmp_path / "staged"), "--as-of", "2026-11-21"]) == 0
    assert (tmp_path / "staged" / "mkdocs.yml").is_file() and (tmp_path / "staged" / "docs" / "dashboard.md").is_file()


GUESS = '{{ register_table("staff", "staff", columns=["id", "name"], where={"mobile": "13900001001"}) }}'
LISTS = '{{ register_table("staff", "staff", columns=["id", "mobile"]) }}'


@pytest.mark.parametrize("macro", [GUESS, LISTS])
def test_a_table_by_a_field_above_the_reader_is_refused_and_the_page_left_as_written(staged, staged_restricted, macro):
    """Filtering by a restricted field would confirm a guessed mobile by the rows shown; listing one would tell
    who has one.  Below the field's level the macro is not expanded (a DOC021 finding at its line); at it, it is."""
    ctx = staged.ctx
    doc = dataclasses.replace(ctx.handbook.document("POL-08"), body=f"# 值班管理制度\n\n说明。\n\n{macro}\n")
    before = list(ctx.notes)
    try:
        page = site_stage.document_page(ctx, doc, ctx.src_uri(doc))
        notes = ctx.notes[len(before):]
    finally:
        ctx.notes[:] = before
    body = page.split("说明。", 1)[1].split("## 修订记录", 1)[0]
    assert macro in body and "P001" not in body  # as written: no row
    assert [(n.rule, n.line) for n in notes] == [("DOC021", doc.body_line + 4)]
    assert "读者无权查看的字段“手机”（mobile" in notes[0].message and "13900001001" not in notes[0].message.replace(macro, "")
    ctx = staged_restricted.ctx
    before = list(ctx.notes)
    try:
        page = site_stage.document_page(ctx, dataclasses.replace(doc), ctx.src_uri(doc))
        assert ctx.notes == before
    finally:
        ctx.notes[:] = before
    body = page.split("说明。", 1)[1].split("## 修订记录", 1)[0]
    assert "register_table" not in body and "P001" in body


def test_field_titles_come_from_the_tree_never_through_a_linked_schema(tmp_path):
    """The register pages name fields from the schemas as the handbook's tree reads them: a schema
    replaced by a link to a file outside the repository is not read (LINK001 reports it), so nothing
    of that file reaches a page."""
    import os

    root = copy_sample(tmp_path / "h")
    outside = tmp_path / "outside.schema.json"
    outside.write_text(json.dumps({"type": "object", "properties": {"staff": {"type": "array", "items": {
        "type": "object", "properties": {"name": {"title": "外部文件里的标题"}}}}}}, ensure_ascii=False), encoding="utf-8")
    schema = root / "schemas" / "staff.schema.json"
    schema.unlink()
    os.symlink(outside, schema)
    staged = site_stage.stage(root, tmp_path / "staged", "internal", AS_OF)
    text = "".join(p.read_text(encoding="utf-8") for p in staged.docs_dir.rglob("*.md"))
    assert "外部文件里的标题" not in text
    assert "LINK001" in text  # the dashboard reports the link


def test_a_masked_field_looks_the_same_whether_a_record_has_it_or_not(tmp_path):
    """Internal readers see every staff member's mobile as （受限字段）: the staff page does not change when
    one person's mobile is removed, so it cannot tell who has a number on file (restricted readers see
    the numbers, and the missing one)."""
    pages = {}
    for variant in ("with", "without"):
        root = copy_sample(tmp_path / variant)
        if variant == "without":
            staff = root / "registers" / "staff.yaml"
            text = staff.read_text(encoding="utf-8")
            assert '    mobile: "13900001003"\n' in text
            staff.write_text(text.replace('    mobile: "13900001003"\n', "", 1), encoding="utf-8")
        for audience in ("internal", "restricted"):
            staged = site_stage.stage(root, tmp_path / f"staged-{variant}-{audience}", audience, AS_OF)
            pages[variant, audience] = (staged.docs_dir / "registers" / "staff.md").read_text(encoding="utf-8")
    assert pages["with", "internal"] == pages["without", "internal"]
    assert pages["with", "internal"].count("（受限字段）") >= 5
    assert "13900001003" in pages["with", "restricted"] and "13900001003" not in pages["without", "restricted"]


def test_leak_markers_find_what_the_whole_word_alternation_finds():
    """The scan's markers (a trie, searched without a look-behind) match exactly what the plain pattern does."""
    import random
    import re

    rng = random.Random(3)
    alphabet = "ab/.-_x 中《》%E"
    for _ in range(1500):
        markers = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 7))}
        plain = re.compile(r"(?<![A-Za-z0-9_-])(?:" + "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
                           + r")(?![A-Za-z0-9_-])")
        fast = site_stage.Markers(markers)
        for _ in range(10):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            assert fast.findall(text) == plain.findall(text), (markers, text)
            assert fast.sub("X", text) == plain.sub("X", text), (markers, text)


def test_leak_markers_nested_deeper_than_a_trie_still_match():
    markers = site_stage.Markers(["docs/" + "a" * i for i in range(1, 300)])  # a branch at every character
    assert markers.findall("见 docs/aaa 和 xdocs/a、docs/aaaa-b") == ["docs/aaa"]
    assert site_stage._trie(["docs/a.md", "docs/b/c.md", "docs/b"]) == r"docs/(?:a\.md|b(?:/c\.md|))"


def test_output_scan_finds_a_masked_value_once_wherever_it_is(staged, tmp_path):
    """The scan after the generator: a masked field's value in a page or the search index is found (the
    masked values are searched in one pass); the index's script copy is looked over only when it is not
    exactly the copy write_search_script made."""
    mobile = "13900001003"  # a mobile number: restricted, masked for internal readers
    assert mobile in staged.ctx.masked - staged.ctx.shown
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "index.html").write_text("<article>值班电话 021-60009999</article>", encoding="utf-8")
    index = {"config": {}, "docs": [{"location": "a.html", "title": "甲", "text": "无"}]}
    (site / "search" / "search_index.json").write_text(json.dumps(index), encoding="utf-8")
    site_stage.write_search_script(site)
    assert site_stage.scan(site, staged.ctx) == []

    (site / "index.html").write_text(f"<article>手机 {mobile}</article>", encoding="utf-8")
    assert site_stage.scan(site, staged.ctx) == [f"index.html（{mobile}）"]
    (site / "index.html").write_text("<article>无</article>", encoding="utf-8")

    index["docs"][0]["text"] = f"手机 {mobile}"  # in the index, and so in its script copy: reported once
    (site / "search" / "search_index.json").write_text(json.dumps(index), encoding="utf-8")
    site_stage.write_search_script(site)
    assert site_stage.scan(site, staged.ctx) == [f"search/search_index.json（{mobile}）"]

    index["docs"][0]["text"] = "无"  # only in a script that is not the index's copy
    (site / "search" / "search_index.json").write_text(json.dumps(index), encoding="utf-8")
    (site / "search" / "search_index.js").write_text("var __index = " + json.dumps({"docs": [{"text": mobile}]}),
                                                     encoding="utf-8")
    assert site_stage.scan(site, staged.ctx) == [f"search/search_index.js（{mobile}）"]


def test_output_scan_in_two_processes_finds_the_same(staged, tmp_path, monkeypatch):
    """A large output is looked over by a second process too (python -m checks.site.scanworker): the same
    problems, in the order of the files; a worker that cannot start leaves its files to this process."""
    mobile, hidden = "13900001003", next(iter(site_stage.marker_pattern(staged.ctx).words))
    site = tmp_path / "site"
    for n in range(6):
        page = site / f"p{n}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = {1: f"手机 {mobile}", 2: "<script>alert(1)</script>", 4: f"见 {hidden}"}.get(n, "无")
        page.write_text(f"<article>{body}</article>", encoding="utf-8")
    alone = site_stage.scan(site, staged.ctx, processes=1)
    assert [p.split("（")[0] for p in alone] == ["p1.html", "p2.html", "p4.html"]
    assert site_stage.scan(site, staged.ctx, processes=2) == alone
    worker = site_stage._start_scan_worker(site, ["p1.html", "p4.html"], site_stage.marker_pattern(staged.ctx), [mobile])
    out, _ = worker.communicate(timeout=60)  # the second process itself answered (not this one in its place)
    assert worker.returncode == 0 and json.loads(out) == {"p1.html": [alone[0]], "p4.html": [alone[2]]}
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-python"))
    assert site_stage.scan(site, staged.ctx, processes=2) == alone


def test_the_generator_gets_the_staged_files_not_the_handbook(tmp_path, monkeypatch):
    """build frees the handbook before the generator renders (the scan took what it looks for first): the
    generator sees the staged tree only."""
    from checks.site import build as site_build

    seen = []

    def render(staged, site, generator, strict):
        seen.append((staged.ctx, (staged.dir / "mkdocs.yml").is_file(), (staged.docs_dir / "index.md").is_file()))
        (site / "index.html").write_text("<article>13900001003</article>", encoding="utf-8")  # a masked value

    monkeypatch.setattr(site_build, "render", render)
    with pytest.raises(site_stage.BuildError, match="13900001003"):  # still found by the scan afterwards
        site_build.build(ROOT, tmp_path / "site", "internal", AS_OF)
    assert seen == [(None, True, True)]
