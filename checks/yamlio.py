"""Safe YAML and text loading that remembers the line of every value.

Only the YAML core types are ever constructed (mappings, sequences, strings,
numbers, booleans, null, dates and timestamps).  Any other tag, ``!!python/...``
included, is refused with a problem that names its line: no YAML tag can ever
build a Python object.  PyYAML's C parser is used where it is present.
"""

from __future__ import annotations

import datetime as dt
from array import array
from dataclasses import dataclass
from typing import Any

import yaml

from .linemap import LineMap, Node, Shape

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
WITH_C = Loader is not yaml.SafeLoader

Path = tuple  # a path into a loaded value: keys (str) and indexes (int)

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_STR_TAG = _CORE + "str"
_MAP_TAG = _CORE + "map"
_SEQ_TAG = _CORE + "seq"
_MERGE_TAG = _CORE + "merge"
_VALUE_TAG = _CORE + "value"  # a plain “=”: read as the text it is


@dataclass(frozen=True)
class Limits:
    """How much work reading one file may take.  Every limit is a setting
    (``registers/organisation.yaml`` → ``settings``); the defaults leave room for a
    register of 300,000 records (about 100 MB) and refuse only what no handbook needs."""

    max_file_mb: int = 200  # a file larger than this is not read at all
    max_depth: int = 64  # mappings and lists nested deeper than this (a real register needs fewer than 10)
    # values that anchors (&) and aliases (*), merge keys (<<) included, may add to a file beyond what it
    # writes: at most this many, or ALIAS_RATIO for each value the file writes, whichever is more
    max_alias_nodes: int = 1_000_000

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        return cls(settings.max_file_mb, settings.yaml_max_depth, settings.yaml_max_alias_nodes)


# records that share defaults through merge keys (``<<: *defaults``) add a few values for each one
# they write; an alias bomb adds millions for each
ALIAS_RATIO = 10
DEFAULT_LIMITS = Limits()
MAX_NODES = DEFAULT_LIMITS.max_alias_nodes  # kept for callers of the old name


@dataclass
class Problem:
    """Something wrong with a file's text, found while reading it."""

    code: str  # the rule id: ENC001, YAML001, YAML002, LIM001
    line: int
    message: str


class LoadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def too_large(size: int, limits: Limits = DEFAULT_LIMITS) -> Problem | None:
    """A LIM001 problem when a file of ``size`` bytes is over the size limit."""
    if size > limits.max_file_mb * 1024 * 1024:
        return Problem("LIM001", 1, f"文件大小 {size / 1024 / 1024:.1f} MB，超过读取上限 {limits.max_file_mb} MB"
                                    "（设置 max_file_mb），未读取；请拆分文件，或在 registers/organisation.yaml 的 settings 中调高上限")
    return None


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Decode file bytes as UTF-8 (with or without a BOM).

    Anything else is a problem naming the line of the first byte that is not
    UTF-8, with a hint when the file looks like GBK or UTF-16, which is what
    Windows editors tend to save.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem("ENC001", 1, "文件是 UTF-16 编码；请以 UTF-8（无 BOM）另存后再提交")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = "（看起来是 GBK/GB18030 编码，常见于 Windows 记事本或 Excel 导出）"
        except UnicodeDecodeError:
            pass
        return None, Problem(
            "ENC001", line, f"第 {line} 行含有非 UTF-8 字节{hint}；请以 UTF-8 编码另存后再提交"
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, Problem("ENC001", line, "文件含有 NUL 字符，不是文本文件")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


_MESSAGES = [
    ("found character '\\t' that cannot start any token", "不能用制表符（Tab）缩进，请改用空格"),
    ("found character that cannot start any token", "出现了不能开始一个值的字符（常见原因：用制表符 Tab 缩进，或以 @、` 开头的值未加引号）"),
    ("could not find expected ':'", "缺少冒号“:”，或缩进不一致"),
    ("mapping values are not allowed here", "此处不能出现“键: 值”，通常是缩进错误或值中含有未加引号的冒号"),
    ("did not find expected key", "缩进不一致，或列表项与键混用"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("found unexpected end of stream", "文件意外结束，可能缺少右引号或右括号"),
    ("found undefined alias", "引用了未定义的锚点（*别名）"),
    ("expected a single document", "文件中只能有一个 YAML 文档（不要使用多个 ---）"),
    ("found duplicate anchor", "重复定义的锚点（&锚点）"),
    ("while scanning a quoted scalar", "引号未闭合"),
    ("found unknown escape character", "双引号字符串中有无效的转义字符（Windows 路径请用单引号）"),
]


def _translate(exc: yaml.YAMLError) -> str:
    text = str(getattr(exc, "problem", None) or exc)
    for english, chinese in _MESSAGES:
        if english in text:
            return f"YAML 语法错误：{chinese}（{text}）"
    return f"YAML 语法错误：{text}"


class _Frame:
    """A mapping or a list being read: where it is, what it holds so far."""

    __slots__ = ("kind", "path", "value", "anchor", "key", "key_line", "merges", "size", "lines", "kids")

    def __init__(self, kind, path, anchor):
        self.kind = kind  # "map" or "seq"
        self.path = path
        self.value = {} if kind == "map" else []
        self.anchor = anchor
        self.key = _NO_KEY  # mappings: the key whose value comes next, or _NO_KEY while a key is awaited
        self.key_line = 0
        self.merges: list = []  # (line of <<, [merged mappings]), in order
        self.size = 1  # values in it, itself included, aliases expanded
        self.lines = {} if kind == "map" else array("I")  # the line of each item: by key, or in order
        self.kids: dict = {}  # the nodes (linemap.Node) of the items that are mappings or lists: by key or position

    def node(self, shapes: dict) -> Node:
        """What the frame holds, as a node of the line map."""
        if self.kind == "seq":
            kids = None
            if self.kids:
                kids = [None] * len(self.lines)
                for index, kid in self.kids.items():
                    kids[index] = kid
            return Node(None, self.lines, kids)
        keys = tuple(self.value)
        shape = shapes.get(keys)
        if shape is None:
            shape = Shape(keys)
            if len(shapes) < _MAX_SHAPES:
                shapes[keys] = shape
        return Node(shape, array("I", [self.lines[key] for key in keys]), self.kids or None)


_NO_KEY = object()
_MAX_SHAPES = 4096  # distinct sets of keys shared per file (a register's records have a few)
_MERGE_KEY = object()  # the key of a << entry; also the path element of what it holds


class _Reader:
    """Builds the value of one YAML document from the parser's events, without recursion.

    Reading event by event (rather than composing a node tree first) bounds the nesting
    depth before anything deep is built, counts what aliases add before it is added, and
    lets merge keys work as YAML defines them: the mapping's own keys override merged ones,
    and earlier merged mappings override later ones, with no duplicate-key report."""

    def __init__(self, loader, offset: int, limits: Limits):
        self.loader = loader
        self.offset = offset
        self.limits = limits
        self.lines = LineMap()
        self._shapes: dict[tuple, Shape] = {}
        self.raw: dict[Path, str] = {}  # scalars whose value reads differently from their text
        self.problems: list[Problem] = []
        self.anchors: dict[str, Any] = {}  # name -> value
        self.info: dict[int, tuple] = {}  # id(anchored or merged value) -> (its path, its size, its node)
        self.written = 0  # values written in the file
        self.added = 0  # values added by aliases and merge keys
        self._resolved: dict[str, str] = {}  # plain scalar text -> its tag (values repeat)

    def line(self, event) -> int:
        return event.start_mark.line + 1 + self.offset

    def _bad_tag(self, line: int, tag) -> LoadError:
        return LoadError(
            Problem("YAML001", line, f"不允许使用 YAML 标签“{tag}”；台账只能包含文字、数字、日期、列表和映射")
        )

    def _add(self, line: int, size: int) -> None:
        self.added += size
        budget = max(self.limits.max_alias_nodes, ALIAS_RATIO * self.written)
        if self.added > budget:
            raise LoadError(Problem(
                "LIM001", line, f"锚点与别名（& 与 *，含合并键 <<）展开后增加的值超过 {budget} 个"
                                "（设置 yaml_max_alias_nodes），已拒绝读取：这是“别名炸弹”的特征；请不要层层引用别名"))

    def _tag(self, event, line: int) -> str:
        tag = event.tag
        if tag is None:
            if not event.implicit[0]:  # quoted
                return _STR_TAG
            tag = self._resolved.get(event.value)
            if tag is None:
                tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                if len(self._resolved) < 10_000:
                    self._resolved[event.value] = tag
        elif tag == "!":
            tag = _STR_TAG
        if tag not in _SCALAR_TAGS and tag not in (_MERGE_TAG, _VALUE_TAG):
            raise self._bad_tag(line, tag)
        return tag

    def scalar(self, event, path, line: int):
        tag = self._tag(event, line)
        if tag is _STR_TAG or tag in (_STR_TAG, _VALUE_TAG, _MERGE_TAG):
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, OverflowError, yaml.YAMLError):
            # e.g. 2026-02-30: looks like a date but is none.  Keep the text as
            # written; the schema reports it at this line.
            return event.value
        if isinstance(value, (bool, int, float)) and not event.style and str(value) != event.value:
            self.raw[path] = event.value  # 0755 (octal), NO (false), 1:30 (sexagesimal), 1_000 ...
        return value

    def read(self):
        """The document's value (None for an empty document)."""
        get_event = self.loader.get_event
        stack: list[_Frame] = []
        result = None
        documents = 0
        while True:
            event = get_event()
            if isinstance(event, yaml.NodeEvent):  # a scalar, an alias, a mapping or list starts
                pass
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.merges:
                    self._merge(frame)
                node = frame.node(self._shapes)
                if frame.anchor is not None or frame.path[-1:] == (_MERGE_KEY,) or frame.path[-2:-1] == (_MERGE_KEY,):
                    self.info[id(frame.value)] = (frame.path, frame.size, node)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = frame.value
                if stack:
                    parent = stack[-1]
                    if parent.kind == "seq":
                        parent.kids[len(parent.value)] = node
                    elif parent.key is not _MERGE_KEY:
                        parent.kids[parent.key] = node
                    parent.size += frame.size
                    self._deliver(parent, frame.value)
                else:
                    result = frame.value
                    self.lines.root = node
                continue
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise LoadError(Problem("YAML001", self.line(event), "YAML 语法错误：文件中只能有一个 YAML 文档（不要使用多个 ---）"))
                continue
            elif isinstance(event, yaml.StreamEndEvent):
                return result
            else:  # stream start, document end
                continue

            line = self.line(event)
            parent = stack[-1] if stack else None
            if parent is not None and parent.kind == "map" and parent.key is _NO_KEY:
                self._key(parent, event, line)
                continue
            if parent is None:
                path: Path = ()
                self.lines.root_line = line
            elif parent.kind == "map":
                path = parent.path + (parent.key,)  # its line is its key's
            else:
                path = parent.path + (len(parent.value),)
                parent.lines.append(line)
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in self.anchors:
                    raise LoadError(Problem("YAML001", line, f"YAML 语法错误：引用了未定义的锚点“*{event.anchor}”"))
                value = self.anchors[event.anchor]
                size = self.info.get(id(value), (None, 1))[1] if isinstance(value, (dict, list)) else 1
                if _MERGE_KEY not in path[-2:]:  # what a merge adds is counted when it is merged
                    self._add(line, size)
            elif isinstance(event, yaml.ScalarEvent):
                self.written += 1
                size = 1
                value = self.scalar(event, path, line)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
            else:  # a mapping or a list starts
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                if event.tag not in (None, "!", _MAP_TAG if kind == "map" else _SEQ_TAG):
                    raise self._bad_tag(line, event.tag)
                if len(stack) >= self.limits.max_depth:
                    raise LoadError(Problem(
                        "LIM001", line, f"映射和列表嵌套超过 {self.limits.max_depth} 层（设置 yaml_max_depth），已拒绝读取；"
                                        "台账通常不超过 5 层，请检查缩进和括号"))
                self.written += 1
                stack.append(_Frame(kind, path, event.anchor))
                continue
            if parent is None:
                result = value
            else:
                parent.size += size
                self._deliver(parent, value)

    def _key(self, frame: _Frame, event, line: int) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            raise LoadError(Problem("YAML001", line, "键必须是简单的文字，不能是列表、映射或别名"))
        key = event.value  # the key exactly as written
        tag = _STR_TAG if event.tag is None and key != "<<" else self._tag(event, line)
        self.written += 1
        frame.size += 1
        frame.key_line = line
        if tag == _MERGE_TAG:
            frame.key = _MERGE_KEY
            return
        if key in frame.value:
            self.problems.append(
                Problem("YAML002", line, f"键“{key}”重复出现（第 {frame.lines[key]} 行已有），后一个值会覆盖前一个")
            )
            frame.kids.pop(key, None)
        frame.key = key
        frame.lines[key] = line

    def _deliver(self, parent: _Frame, value) -> None:
        if parent.kind == "seq":
            parent.value.append(value)
            return
        key, parent.key = parent.key, _NO_KEY
        if key is _MERGE_KEY:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(v, dict) for v in sources):
                raise LoadError(Problem("YAML001", parent.key_line, "合并键“<<”的值必须是映射（如 *默认值），或映射的列表"))
            parent.merges.append((parent.key_line, sources))
            return
        parent.value[key] = value

    def _merge(self, frame: _Frame) -> None:
        """YAML's merge keys: keys written in the mapping win; among merged mappings the earlier wins."""
        own = frame.value
        merged: dict = {}
        for line, sources in frame.merges:
            for source in sources:
                origin, size, node = self.info.get(id(source), (None, len(source) * 2, None))
                self._add(line, size)
                frame.size += size
                for key, value in source.items():
                    if key in own or key in merged:
                        continue
                    merged[key] = value
                    frame.lines[key] = (node.line_of(key) if node is not None else None) or line
                    where = origin + (key,) if origin is not None else None
                    if where in self.raw:
                        self.raw[frame.path + (key,)] = self.raw[where]
        if merged:
            frame.value = {**merged, **own}


def load(text: str, offset: int = 0, raw: dict | None = None,
         limits: Limits = DEFAULT_LIMITS) -> tuple[Any, LineMap, list[Problem]]:
    """Parse one YAML document.

    Returns the value, a map from each value's path to its 1-based line, and
    the non-fatal problems (duplicate keys).  A fatal problem raises LoadError:
    a syntax error or a refused tag (YAML001), a limit hit (LIM001).
    ``raw``, when given, receives the text of scalars whose YAML value reads
    differently (``0755`` is 493, ``NO`` is false), for messages that quote the user.
    ``offset`` is added to every line (front matter starts below the file's top).
    """
    loader = Loader(text)
    reader = _Reader(loader, offset, limits)
    try:
        try:
            value = reader.read()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            last = len(text.rstrip("\n").split("\n"))  # an error at the end points at the last line
            line = min(mark.line + 1 if mark else 1, last) + offset
            message = _translate(exc)
            all_lines = text.split("\n")
            source_line = all_lines[line - offset - 1] if mark and 0 < line - offset <= len(all_lines) else ""
            if "\t" in source_line[: len(source_line) - len(source_line.lstrip())]:
                message = "YAML 语法错误：不能用制表符（Tab）缩进，请改用空格"
            raise LoadError(Problem("YAML001", line, message)) from None
        except yaml.YAMLError as exc:
            raise LoadError(Problem("YAML001", 1 + offset, _translate(exc))) from None
        except RecursionError:  # not expected (nothing recurses), but never a traceback
            raise LoadError(Problem("LIM001", 1 + offset, "文件嵌套过深，已拒绝读取")) from None
        if value is None and () not in reader.lines:
            return None, LineMap(1 + offset), []
        if raw is not None:
            raw.update(reader.raw)
        return value, reader.lines, reader.problems
    finally:
        loader.dispose()


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split Markdown into (front matter, body, line number where the body starts).

    Front matter is the YAML between a first line ``---`` and the next line that
    is ``---`` or ``...``.  Without it, the front matter is None.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def to_json(value: Any) -> Any:
    """The value as JSON data, for JSON Schema: dates become ISO strings."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from .dates import SHANGHAI

            value = value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
