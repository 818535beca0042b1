"""Raw HTML and URLs in a document's Markdown: what may be published, and what never is.

A document comes from a pull request.  Markdown lets it carry raw HTML and links
with any scheme; the site must never publish a ``<script>``, an event-handler
attribute (``onerror=`` …) or a ``javascript:``/``data:`` URL.  One function
finds them (the rule DOC020 reports each at its line) and one removes them (the
site stages only the cleaned text).  The attribute and URL checks are the nh3
sanitiser's (Ammonia), not regexes of ours: it decodes entities and knows HTML's
parsing rules.  Code blocks and inline code are left alone: they are shown, not
run.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

import nh3

from . import mdscan

# Tags and attributes a handbook page may use (Material's admonitions, details, tables, md_in_html).
TAGS = set(nh3.ALLOWED_TAGS) | {"input", "label", "section", "tfoot"}
GENERIC_ATTRIBUTES = {"class", "id", "title", "lang", "dir", "markdown", "align"}
ATTRIBUTES = {
    "*": GENERIC_ATTRIBUTES,
    "a": {"href", "hreflang", "name", "target"} | GENERIC_ATTRIBUTES,
    "img": {"src", "alt", "width", "height"} | GENERIC_ATTRIBUTES,
    "details": {"open"} | GENERIC_ATTRIBUTES,
    "td": {"colspan", "rowspan", "headers"} | GENERIC_ATTRIBUTES,
    "th": {"colspan", "rowspan", "headers", "scope"} | GENERIC_ATTRIBUTES,
    "ol": {"start", "type"} | GENERIC_ATTRIBUTES,
    "input": {"type", "checked", "disabled"} | GENERIC_ATTRIBUTES,
    "time": {"datetime"} | GENERIC_ATTRIBUTES,
    "abbr": GENERIC_ATTRIBUTES,
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Elements removed with their content.
DROPPED_WITH_CONTENT = ("script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math")

# A fenced code block: a fence of three or more ` or ~ after the line's indentation, the rest of that line, and
# everything up to a line of the same indentation and fence (or the end of the text).  Possessive: a fence
# with no line end after it is given up at once, not tried again one character shorter (```` ` ```` repeated
# took minutes).  templating protects the same blocks.
FENCED_CODE = re.compile(r"^(?P<indent>[ \t]*+)(?P<fence>`{3,}+|~{3,}+)[^\n]*+\n.*?(?:^(?P=indent)(?P=fence)[ \t]*$|\Z)",
                         re.M | re.S)
# A tag never spans a “<” (not even in a quoted value): each tag start is read at most up to the next one,
# so cleaning takes linear time, and a tag that does not end before the next “<” is not a tag we know.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])(?:\"[^\"<]*\"|'[^'<]*'|[^'\"<>])*>", re.S)
# Markdown's autolinks, left as written (Markdown escapes what is in them).
_AUTOLINK = re.compile(r"<(?:(?:https?|ftp)://|mailto:)[^\s<>\"']*>|<[\w.+-]+@[\w.-]+>")
# What else could open a tag in a browser: a “<” before a letter (escaped when no tag we know starts there).
_TAG_START = re.compile(r"<(?=/?[A-Za-z])")
_MARKUP = re.compile("|".join(f"(?P<{n}>{p.pattern})" for n, p in (("auto", _AUTOLINK), ("tag", _TAG), ("start", _TAG_START))), re.S)
_WITH_CONTENT = re.compile(r"<(" + "|".join(DROPPED_WITH_CONTENT) + r")\b.*?(?:</\1\s*>|\Z)", re.S | re.I)
_EVENT = re.compile(r"(?<![\w-])on[a-z]+\s*=", re.I)
# Markdown link and image destinations (mdscan.destinations), reference definitions, attribute lists.
# A destination is whatever follows “](”, whatever the link text (Markdown lets brackets nest to any depth);
# a definition may sit in a quote, a list item or an admonition (any indentation, any “>” before it).
_REF_DEF = re.compile(r"^([ \t>]*\[[^\]\n]+\]:\s*)(<[^>\n]*>|\S+)", re.M)
# An attribute list: “{”, an optional “:”, an id, a class or a key=, and what follows up to the first “}” on the
# line.  Where no “}” follows on the line the pattern takes the rest of the line instead (group “close” is then
# None: not an attribute list), so that no later “{” on it is read to the line's end again.
_ATTR_LIST = re.compile(r"\{:?+[ \t]*+(?:[#.][^\s}]|[A-Za-z_][\w-]*+=)[^}\n]*+(?P<close>\})?")
_ATTR_PAIR = re.compile(r"""(?<![\w-])([A-Za-z_][\w:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s}]+)""")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BRACKET = re.compile(r"[\[\]]")


REMOTE_IMAGE = "外部图片地址（站点不从外网加载任何内容；请把图片放进 docs/ 用相对路径引用）"


@dataclass(frozen=True)
class Unsafe:
    offset: int  # character offset in the text
    what: str  # 中文 description
    snippet: str


def _protected(text: str) -> list[tuple[int, int]]:
    """The spans of fenced code blocks and inline code (never cleaned, never reported)."""
    spans = [(m.start(), m.end()) for m in FENCED_CODE.finditer(text)]

    def inside(pos):
        return any(a <= pos < b for a, b in spans)

    spans += [(m.start(), m.end()) for m in mdscan.code_spans(text) if not inside(m.start())]
    # Indented code blocks are not protected: four spaces also continue an admonition or a list item.
    return sorted(spans)


def _outside(spans, start: int) -> bool:
    return not any(a <= start < b for a, b in spans)


def safe_url(url: str) -> bool:
    """Whether a link or image address may be published (relative, or an allowed scheme)."""
    value = html.unescape(url.strip().strip("<>"))
    value = re.sub(r"[\x00-\x20\x7f]", "", value)
    match = _SCHEME.match(value)
    return match is None or match.group(1).lower() in URL_SCHEMES


def remote(url: str) -> bool:
    """An address on another host (``http(s)://…`` or ``//…``): an image there would be fetched by every reader."""
    value = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url.strip().strip("<>")))
    return value.startswith("//") or bool(re.match(r"^https?:", value, re.I))


def _no_remote_images(tag: str, attr: str, value: str) -> str | None:
    return None if tag == "img" and attr == "src" and remote(value) else value


def _clean_tag(tag: str, closing: bool, name: str) -> str:
    name = name.lower()
    if name not in TAGS:
        return ""
    if closing:
        return f"</{name}>"
    cleaned = nh3.clean(tag, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None,
                        strip_comments=True, attribute_filter=_no_remote_images)
    match = re.match(r"<" + re.escape(name) + r"\b[^>]*>", cleaned)
    if match is None:
        return ""
    start = match.group(0)
    return start[:-1] + " />" if tag.rstrip().endswith("/>") and not start.endswith("/>") and name in ("br", "hr", "img", "input", "wbr") else start


_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "background", "poster", "data")


@functools.lru_cache(maxsize=4096)
def _tag_problems(tag: str, closing: bool, name: str) -> tuple[str, ...]:
    """What is unsafe in one raw tag (a page repeating a tag asks once)."""
    return tuple(_tag_problems_of(tag, closing, name))


def _tag_problems_of(tag: str, closing: bool, name: str) -> list[str]:
    lname = name.lower()
    if closing:
        return []
    if lname in DROPPED_WITH_CONTENT:
        return [f"<{lname}> 元素"]
    out = ["事件处理属性（on…=）"] if _EVENT.search(tag[len(name) + 1:]) else []
    src = re.search(r"""(?<![\w-])src\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", tag, re.I)
    if lname == "img" and src and remote(src.group(1).strip("\"'")):
        out.append(REMOTE_IMAGE)
    given = [attr for attr in _URL_ATTRIBUTES if re.search(r"(?<![\w-])" + attr + r"\s*=", tag, re.I)]
    if not given:  # no address to judge: nh3 (the costly part) is not asked
        return out
    cleaned = nh3.clean(tag, tags=TAGS | {lname}, attributes={**ATTRIBUTES, lname: set(_URL_ATTRIBUTES) | {"xlink:href"} | ATTRIBUTES.get(lname, set())},
                        url_schemes=URL_SCHEMES, link_rel=None)
    for attr in given:
        if not re.search(r"(?<![\w-])" + attr + r"=", cleaned):
            out.append(f"不安全的地址（{attr}=，只允许相对地址和 http、https、mailto、tel）")
    return out


def find_unsafe(text: str) -> list[Unsafe]:
    """Every ``<script>``, event-handler attribute and ``javascript:``/``data:`` URL in a Markdown text."""
    spans = _protected(text)
    out: list[Unsafe] = []
    for match in _MARKUP.finditer(text):
        if match.lastgroup == "auto" or not _outside(spans, match.start()):
            continue
        if match.lastgroup == "tag":
            tag = _TAG.match(match.group(0))
            problems = _tag_problems(match.group(0), bool(tag.group(1)), tag.group(2))
            snippet = match.group(0)
        else:  # a tag that does not end before the next “<”: what a browser would read as its attributes
            end = text.find("<", match.start() + 1)
            snippet = text[match.start():end if end >= 0 else len(text)]
            name = re.match(r"</?([A-Za-z][A-Za-z0-9-]*)", snippet)
            problems = _tag_problems(snippet.rstrip() + ">", snippet.startswith("</"), name.group(1)) if name else []
        for problem in problems:
            out.append(Unsafe(match.start(), problem, snippet[:80]))
    images = _image_ends(text)
    for is_dest, found in ((True, mdscan.destinations(text)), (False, _REF_DEF.finditer(text))):
        for match in found:
            if not _outside(spans, match.start()):
                continue
            if not safe_url(match.group(2)):
                out.append(Unsafe(match.start(2), "不安全的链接地址（只允许相对地址和 http、https、mailto、tel）",
                                  match.group(2)[:80]))
            elif is_dest and match.start() in images and remote(match.group(2)):
                out.append(Unsafe(match.start(2), REMOTE_IMAGE, match.group(2)[:80]))
    for match in _ATTR_LIST.finditer(text):
        if match.group("close") is None or not _outside(spans, match.start()):
            continue
        for pair in _ATTR_PAIR.finditer(match.group(0)):
            key = pair.group(1).lower()
            if key != "style" and _unsafe_pair(key, pair.group(2)):
                out.append(Unsafe(match.start(), f"属性列表中的 {key}=", match.group(0)[:80]))
    return sorted(out, key=lambda u: u.offset)


def clean(text: str) -> str:
    """The text with every unsafe tag, attribute and URL removed (code left as written)."""
    spans = _protected(text)
    pieces, last = [], 0
    for start, end in spans + [(len(text), len(text))]:
        pieces.append(_clean_prose(text[last:start]))
        pieces.append(text[start:end])
        last = end
    return "".join(pieces)


def _unsafe_pair(key: str, value: str) -> bool:
    key = key.lower()
    value = value.strip("\"'")
    return (key.startswith("on") or key == "style" or any(c in value for c in "<>")
            or (key in ("href", "src") and not safe_url(value)))


def _clean_prose(text: str) -> str:
    if not text:
        return text
    # Attribute lists first (their values may hold markup, e.g. data-toc-label="<img …>").
    text = _ATTR_LIST.sub(lambda m: _ATTR_PAIR.sub(lambda p: "" if _unsafe_pair(p.group(1), p.group(2)) else p.group(0),
                                                   m.group(0)) if m.group("close") else m.group(0), text)
    text = _WITH_CONTENT.sub("", text)

    def tag(match):
        if match.lastgroup == "auto":
            return match.group(0)
        if match.lastgroup == "tag":
            found = _TAG.match(match.group(0))
            return _clean_tag(match.group(0), bool(found.group(1)), found.group(2))
        return "&lt;"  # could still open a tag (unclosed, or interrupted by another “<”): text

    text = _MARKUP.sub(tag, text)
    images = _image_ends(text)
    text = mdscan.sub(mdscan.destinations(text), text, lambda m: m.group(1) + (m.group(2) if safe_url(m.group(2)) and not (
        m.start() in images and remote(m.group(2))) else "#"))
    return _REF_DEF.sub(lambda m: m.group(1) + (m.group(2) if safe_url(m.group(2)) else "#"), text)


def _image_ends(text: str) -> set[int]:
    """The “]” that end an image's text: the “[” that opens it (brackets nest) follows a “!” and is at most
    10 000 characters back.  One pass over the brackets (reading back from each “](” took minutes on 100 KB of them)."""
    out, opened = set(), []
    for match in _BRACKET.finditer(text):
        at = match.start()
        if text[at] == "[":
            opened.append(at)
        elif opened:
            start = opened.pop()
            if at - start < 10_000 and start > 0 and text[start - 1] == "!":
                out.add(at)
    return out


def line_of(text: str, offset: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1
