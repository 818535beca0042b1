"""Bounded work: every regular expression the checker applies to content, and every scanner the site
reads pages with, runs in linear time on 100 KB of pathological input (the one kind of test that bounds
time, generously; speed goals are measured in ``make bench``).  Split from test_hostile.py so that a
parallel run can give the two files to different processes."""

from __future__ import annotations

import re
import time

import pytest
import yaml

from conftest import ROOT


def _content_patterns():
    """Every compiled pattern at the top level of a checker module (the rules, the site, the commands, markup,
    templating and publishing included), detect-secrets' patterns the secrets rule uses, and PyYAML's resolvers
    for plain scalars."""
    import importlib
    import pkgutil

    import checks
    import checks.commands
    import checks.rules
    import checks.site

    found = {}
    for package in (checks, checks.rules, checks.site, checks.commands):
        for info in pkgutil.iter_modules(package.__path__):
            if info.ispkg or info.name.startswith("__"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    found[f"{module.__name__}.{name}"] = value
    from checks.rules import secrets

    # detect-secrets' own patterns run only on windows of bounded length (secrets.find, tested below)
    found.pop("checks.rules.secrets._WINDOW", None)
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        for tag, pattern in resolvers:
            found[f"yaml.resolver.{tag.rsplit(':', 1)[-1]}"] = pattern
    return found


PATTERNS = _content_patterns()
SIZE = 100_000
UNITS = [" ", "\t", "a", "0", "#", "# ", "[", "]", "[a](", "](", "(", "{", "{#", "}", '"', "'", ":", "：", "-", "*",
         "**", "!", "\\", "/", "//a/", "_", ".", "1:", "1-", "eyJ", "AP", "AKIA", "密码：", "口令为", "id: ", "x" * 7,
         "```", "pragma: allowlist", "xoxb-1-", "\u202e"]
# What the site's, markup's and templating's patterns start with or scan for.
SITE_UNITS = [" ", "[", "(", '"', "'", "```", "\t", "<", "<a ", "<a href=", "<a href='", "<a\n", "<x on", "<x src=", "<img ",
              "<script", "=", "`", "~~~", "{{", "{%", "](", "](<", "[[", "[a", "《", "&#", "&", "\n", "\n ", "{:", "{:x=",
              "{#", "{.", "x="]


def _pathological(units=UNITS):
    for unit in units:
        body = unit * (SIZE // len(unit))
        yield unit, body
        yield unit + "!", body + "\x00!"  # a failing end makes a backtracking pattern retry everything


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_content_pattern_runs_in_linear_time(name):
    pattern = PATTERNS[name]
    for unit, text in _pathological(UNITS + [u for u in SITE_UNITS if u not in UNITS]):
        if isinstance(pattern.pattern, bytes):  # the PDF post-processing reads bytes
            text = text.encode("utf-8")
        started = time.perf_counter()
        # finditer's first step is search (which tries match at every position), so it covers both
        for _ in zip(range(1000), pattern.finditer(text)):
            pass
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, f"{name} took {elapsed:.1f}s on 100 KB of {unit!r}"


def test_markdown_scanning_and_secrets_are_linear_on_100_kb_lines():
    from checks.model import load_document, parse_heading
    from checks.rules.secrets import find
    from checks.tree import FsTree, OverlayTree

    for unit, text in _pathological():
        started = time.perf_counter()
        parse_heading("#" + text)
        parse_heading("## " + text + " {#a" + text)
        find(text)
        find(text, "password")
        load_document(OverlayTree(FsTree(ROOT), {"docs/x.md": "---\ntitle: x\n---\n" + text + "\n# " + text}), "docs/x.md")
        elapsed = time.perf_counter() - started
        assert elapsed < 3.0, f"{elapsed:.1f}s on 100 KB of {unit!r}"


def test_site_scanners_are_linear_on_100_kb():
    """What the site reads in a page (links, <a href>, <img src>, active markup, code blocks, macros, HTML that
    a macro wrote) through the functions that read it, not only their patterns."""
    from checks import markup, mdscan, templating
    from checks.site.render import md_inert

    scanners = (mdscan.links, mdscan.destinations, mdscan.a_tags, mdscan.img_tags, mdscan.first_active,
                mdscan.code_spans, templating.protect, md_inert, markup.find_unsafe)  # find_unsafe: DOC020
    runs = "".join("`" * n + "a" for n in range(1, 447))  # backtick runs each of a length no later run has
    for unit, text in [*_pathological(SITE_UNITS), ("`…", runs)]:
        started = time.perf_counter()
        for scanner in scanners:
            scanner(text)
        elapsed = time.perf_counter() - started
        assert elapsed < 3.0, f"{elapsed:.1f}s on 100 KB of {unit!r}"


def test_heading_parsing_keeps_its_meaning():
    from checks.model import parse_heading

    assert parse_heading("## 标题 ##") == (2, "标题", "")
    assert parse_heading("### 第一章 总则 {#general .x}") == (3, "第一章 总则", "general")
    assert parse_heading("#######x") is None and parse_heading("#标题") is None
    assert parse_heading("# C# 语言") == (1, "C# 语言", "")
    assert parse_heading("# " + " " * 2500 + "x") == (1, "x", "")
