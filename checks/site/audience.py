"""Who may see what: the one predicate behind every page, list and table of the site.

A site is built for one audience: the highest sensitivity level its readers may
see (``public`` < ``internal`` < ``restricted`` < ``confidential``).  Every
document, register and finding is shown only when this module says so; the
staging leaves hidden files out of the tree the generator reads and the generated pages ask
the same questions.  Anything whose level cannot be read is treated as
confidential (fail closed).
"""

from __future__ import annotations

import re

from ..model import SENSITIVITY_LEVELS, SENSITIVITY_ZH, Document, Handbook, sensitivity_rank

DEFAULT_AUDIENCE = "internal"
REGISTER_DEFAULT = "internal"  # a register without a top-level ``sensitivity``
RESTRICTED_TEXT = "（受限文档）"
RESTRICTED_REGISTER_TEXT = "（受限台账）"
# Problems that make a document's front matter untrustworthy: its sensitivity may not be what it says.
_UNTRUSTED = {"ENC001", "YAML001", "YAML002"}
# redact() remembers its result for texts up to this many characters, and for at most this many texts
_MEMO_TEXT = 256
_MEMO_ENTRIES = 200_000


def audience_rank(audience) -> int:
    """The rank of an audience; an unknown audience sees only public content."""
    try:
        return SENSITIVITY_LEVELS.index(audience)
    except ValueError:
        return 0


def document_level(doc: Document) -> str:
    """The sensitivity the site applies to a document (confidential when missing, invalid or unreadable)."""
    if not doc.readable or not doc.has_front_matter or any(p.code in _UNTRUSTED for p in doc.problems):
        return "confidential"
    value = doc.sensitivity
    return value if value in SENSITIVITY_LEVELS else "confidential"


def register_level(register) -> str:
    """A register's sensitivity: its top-level ``sensitivity``, internal when absent, confidential when unreadable."""
    if register is None or not register.readable or not isinstance(register.data, dict):
        return "confidential"
    if any(p.code in _UNTRUSTED for p in register.problems):
        return "confidential"
    value = register.data.get("sensitivity")
    if value is None:
        return REGISTER_DEFAULT
    return value if value in SENSITIVITY_LEVELS else "confidential"


class Audience:
    """The visibility rules for one audience over one handbook."""

    def __init__(self, handbook: Handbook, level: str = DEFAULT_AUDIENCE):
        self.handbook = handbook
        self.level = level if level in SENSITIVITY_LEVELS else "public"
        self.rank = audience_rank(self.level)
        self._docs = {d.path: d for d in handbook.documents}
        self.hidden_documents = [d for d in handbook.documents if not self.allows(document_level(d))]
        self.hidden_paths = {d.path for d in self.hidden_documents}
        # The hidden documents' titles (stripped, longest first): what redaction here and in pages looks for.
        self.hidden_titles = tuple(sorted({t.strip() for t in (d.meta.get("title") for d in self.hidden_documents)
                                           if isinstance(t, str) and t.strip()}, key=len, reverse=True))
        # Words that would name a hidden document: its title, id and path (for finding messages).
        self._hidden_words = {p for d in self.hidden_documents for p in (d.path, d.url_path)}
        self._hidden_words.update(t for t in self.hidden_titles if len(t) >= 4)
        self._hidden_ids = {str(d.doc_id) for d in self.hidden_documents if d.doc_id}
        # A visible document may share an id with a hidden one (a duplicate): the id still names the hidden one.
        self._id_pattern = (
            re.compile(r"(?<![A-Za-z0-9-])(" + "|".join(re.escape(i) for i in sorted(self._hidden_ids, key=len, reverse=True))
                       + r")(?![A-Za-z0-9-])")
            if self._hidden_ids else None
        )
        # redact(): whole texts that are a hidden title, the strings replaced in the order they are replaced
        # (titles in 《》, then paths, each longest first), one pattern that tells whether any of them occurs,
        # and the redacted form of short texts already seen (register values repeat: statuses, names, systems)
        self._whole_titles = frozenset(self.hidden_titles)
        paths = sorted({p for d in self.hidden_documents for p in (d.path, d.url_path) if p},
                       key=lambda p: (-len(p), p))
        self._replaced = ["《" + t + "》" for t in self.hidden_titles] + paths
        self._replaced_hint = (
            re.compile("|".join(re.escape(w) for w in sorted(self._replaced, key=len, reverse=True)))
            if self._replaced else None
        )
        self._redacted: dict = {}

    @property
    def label(self) -> str:
        return SENSITIVITY_ZH[self.level]

    def allows(self, level) -> bool:
        return sensitivity_rank(level) <= self.rank

    # -- documents and registers ------------------------------------------
    def document_visible(self, doc: Document | None) -> bool:
        return doc is not None and doc.path not in self.hidden_paths

    def document_by_id(self, doc_id) -> Document | None:
        """The visible document with this id, or None (missing or hidden: callers cannot tell which)."""
        doc = self.handbook.document(doc_id) if doc_id else None
        return doc if self.document_visible(doc) else None

    def register_visible(self, name: str) -> bool:
        return self.allows(register_level(self.handbook.register(name)))

    def path_visible(self, path: str | None) -> bool:
        """Whether a file of the repository (relative path, forward slashes) may be named to this audience."""
        if not path:
            return True
        path = str(path).replace("\\", "/")
        if path in self._docs:
            return path not in self.hidden_paths
        if path.startswith("docs/"):
            return False  # not a document the model knows (an attachment, a deleted file): fail closed
        if path.startswith("registers/"):
            name = path.split("/", 1)[1].split(".", 1)[0]
            if self.handbook.register(name) is None:
                return True  # a register that does not exist (FILE001 says so): nothing to hide
            return self.register_visible(name)
        return True  # schemas, the clause catalogue, the checker's own files

    # -- findings ----------------------------------------------------------
    def mentions_hidden(self, text: str) -> bool:
        """Whether a text names a hidden document by title, path or id."""
        if not text:
            return False
        if any(word in text for word in self._hidden_words):
            return True
        return bool(self._id_pattern and self._id_pattern.search(text))

    def finding_visible(self, finding) -> bool:
        """A finding is shown only when its file and every file it refers to are visible, and its
        message names no hidden document."""
        if not self.path_visible(finding.file):
            return False
        if any(not self.path_visible(ref) for ref in getattr(finding, "refs", ()) or ()):
            return False
        return not self.mentions_hidden(finding.message)

    def redact(self, text: str) -> str:
        """Replace what names a hidden document in a text written by the handbook's authors (register
        values, clause notes, metadata): its title in 《》 or as the whole text, its path, its id.

        A title inside a longer text is left alone: titles such as 网络与信息安全事件应急预案 are also the
        standard's own words (a training “网络与信息安全事件应急预案培训” names no document)."""
        if not text or not self.hidden_documents:
            return text
        known = self._redacted.get(text)
        if known is not None:
            return known
        result = self._redact(text)
        if len(text) <= _MEMO_TEXT and len(self._redacted) < _MEMO_ENTRIES:
            self._redacted[text] = result
        return result

    def _redact(self, text: str) -> str:
        if text.strip() in self._whole_titles:
            return RESTRICTED_TEXT
        if self._replaced_hint is not None and self._replaced_hint.search(text):
            for word in self._replaced:
                text = text.replace(word, RESTRICTED_TEXT)
        if self._id_pattern:
            text = self._id_pattern.sub(RESTRICTED_TEXT, text)
        return text
