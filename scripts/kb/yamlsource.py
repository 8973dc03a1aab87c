"""YAML loading that remembers the line of every node, so errors can name it.

PyYAML silently keeps the last of two equal keys; editors lose content that way,
so duplicate keys are reported here as problems.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .editorial import Unreadable, explain_yaml_error, placeholder_problems, read_text, tab_problems
from .errors import Loc, Problem, format_loc


# Hostile files stop before they can exhaust memory: a size, a nesting depth and a node count per
# file, and no anchors or aliases at all (nine nested aliases make a billion nodes from 300 bytes).
# The limits are far above real content (the 100x benchmark data included).
MAX_BYTES = {"documents": 1 << 20}
MAX_BYTES_DEFAULT = 16 << 20
MAX_DEPTH = 16
MAX_NODES = 2_000_000
# Explicit tags: only YAML's plain kinds ("!" is what a quoted scalar reports); never python/*.
PLAIN_TAGS = {"!", *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map"))}


def hostile_problems(text: str, shown_as: str, kind: str = "") -> list[Problem]:
    """Size, anchors/aliases, depth and node count, from the event stream (linear, bounded memory)."""
    limit = MAX_BYTES.get(kind, MAX_BYTES_DEFAULT)
    size = len(text.encode("utf-8"))
    if size > limit:
        return [_too_big(shown_as, size, limit)]
    counts = [0, 0]  # depth, nodes
    for ev in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        problem = _limit(ev, counts, shown_as)
        if problem is not None:
            return [problem]
    return []


_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
_START_EVENTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_END_EVENTS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _limit(ev: yaml.Event, counts: list[int], shown_as: str) -> Problem | None:
    """The first limit an event breaks (anchors, aliases, tags, node count, depth); counts: depth, nodes."""
    line = ev.start_mark.line + 1 if ev.start_mark else 0
    kind = type(ev)
    if kind is yaml.AliasEvent:
        return Problem(shown_as, line, "", f"不支持 YAML 别名（*{ev.anchor}）：请把要重复的内容直接写出来。")
    if kind in _NODE_EVENTS and ev.anchor is not None:
        return Problem(shown_as, line, "", f"不支持 YAML 锚点（&{ev.anchor}）：请删去锚点，把要重复的内容直接写出来。")
    tag = getattr(ev, "tag", None)
    if tag is not None and tag not in PLAIN_TAGS:
        return Problem(shown_as, line, "", f"不支持 YAML 标签（{tag}）：数据文件只写普通的文本、数字、列表和键值对。")
    if kind in _NODE_EVENTS:
        counts[1] += 1
        if counts[1] > MAX_NODES:
            return Problem(shown_as, line, "", f"条目太多（超过 {MAX_NODES} 个值）：请检查文件是否被误改，或把内容拆分。")
    if kind in _START_EVENTS:
        counts[0] += 1
        if counts[0] > MAX_DEPTH:
            return Problem(shown_as, line, "", f"嵌套太深（超过 {MAX_DEPTH} 层）：数据文件的层次不会这么深，请检查缩进。")
    elif kind in _END_EVENTS:
        counts[0] -= 1
    return None

STR = "tag:yaml.org,2002:str"


def load_yaml(path: Path, shown_as: str) -> tuple[Any, dict[Loc, int], list[Problem]]:
    """Return (data, line of each path, problems). Data is None when the file cannot be parsed."""
    try:
        size = path.stat().st_size
        limit = MAX_BYTES.get(path.stem, MAX_BYTES_DEFAULT)
        if size > limit:  # not even read into memory
            return None, {}, [_too_big(shown_as, size, limit)]
        text = read_text(path)  # UTF-8 with or without BOM, any line endings
    except FileNotFoundError:
        return None, {}, [Problem(shown_as, 0, "", "文件不存在。")]
    except Unreadable as e:
        return None, {}, [Problem(shown_as, e.line, "", e.message)]
    tabs = tab_problems(text, shown_as)
    if tabs:
        return None, {}, tabs
    found = _from_events(text, shown_as, path.stem)
    return found if found is not None else _from_nodes(text, shown_as, path.stem)


def _parse_error(e: yaml.MarkedYAMLError, shown_as: str) -> tuple[None, dict, list[Problem]]:
    # An unclosed quote is found at the end of the file: name the line where it opened.
    opened = e.context and "quoted scalar" in e.context and e.context_mark
    mark = e.context_mark if opened else (e.problem_mark or e.context_mark)
    line = mark.line + 1 if mark else 0
    return None, {}, [Problem(shown_as, line, "", explain_yaml_error(e.problem or "", e.context or ""))]


_NO_KEY = object()


class _Open:
    """A mapping or sequence being built from the events: its path, and a mapping's pending key."""

    __slots__ = ("value", "loc", "is_map", "key")

    def __init__(self, value: dict | list, loc: Loc):
        self.value, self.loc, self.is_map, self.key = value, loc, isinstance(value, dict), _NO_KEY

    def add(self, value: Any) -> None:
        if self.is_map:
            self.value[self.key] = value
            self.key = _NO_KEY
        else:
            self.value.append(value)


class _Fallback(Exception):
    """Something the one-pass reader leaves to the composer (a second document, a complex key)."""


def _from_events(text: str, shown_as: str, kind: str) -> tuple[Any, dict[Loc, int], list[Problem]] | None:
    """What _from_nodes returns, from one pass over libyaml's events: the limits of
    hostile_problems checked and the data built as the events come.

    libyaml's composer builds a node (with its marks) for every value and the limits needed a
    pass of their own: at 100× content, two seconds for the glossary, on every edit of it in a
    preview. The result is the same (tests/test_content.py compares the two on every data file
    and on YAML's corner cases); None leaves the file to _from_nodes."""
    limit = MAX_BYTES.get(kind, MAX_BYTES_DEFAULT)
    size = len(text.encode("utf-8"))
    if size > limit:
        return None, {}, [_too_big(shown_as, size, limit)]
    constructor = yaml.SafeLoader("")  # SafeLoader's resolver and constructors, as the composer's loader uses them
    lines: dict[Loc, int] = {}
    duplicates: list[Problem] = []
    stack: list[_Open] = []  # the collections being built
    root, documents, counts = _NO_KEY, 0, [0, 0]
    deferred: BaseException | None = None  # a value that cannot be built: raised after every limit is checked

    def value_of(ev: yaml.ScalarEvent) -> Any:
        tag = ev.tag
        if tag is None or tag == "!":
            tag = constructor.resolve(yaml.ScalarNode, ev.value, ev.implicit)
        if tag == STR:
            return ev.value
        return constructor.construct_object(yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, style=ev.style), deep=True)

    events = yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    try:
        for ev in events:
            kind_of = type(ev)
            problem = _limit(ev, counts, shown_as)  # hostile_problems' limits, event by event
            if problem is not None:
                return None, {}, [problem]
            node_event = kind_of in _NODE_EVENTS
            line = ev.start_mark.line + 1 if ev.start_mark else 0
            # ---- the data, as _from_nodes builds it ----
            if kind_of is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Fallback  # the composer's own error: one document per file
                continue
            if deferred is not None:
                continue
            if kind_of is yaml.MappingEndEvent or kind_of is yaml.SequenceEndEvent:
                stack.pop()
                continue
            if not node_event:
                continue
            try:
                if stack:
                    top = stack[-1]
                    if top.is_map and top.key is _NO_KEY:  # a mapping's key
                        if kind_of is not yaml.ScalarEvent:
                            raise _Fallback
                        key = value_of(ev)
                        here = top.loc + (key,)
                        if key in top.value:
                            duplicates.append(_duplicate(shown_as, line, here, lines[here]))
                        lines[here] = line
                        top.key = key
                        continue
                    loc = top.loc + ((top.key,) if top.is_map else (len(top.value),))
                else:
                    loc = ()
                lines.setdefault(loc, line)
                if kind_of is yaml.ScalarEvent:
                    value = value_of(ev)
                elif kind_of is yaml.MappingStartEvent:
                    value = {}
                else:
                    value = []
                if stack:
                    stack[-1].add(value)
                else:
                    root = value
                if kind_of is not yaml.ScalarEvent:
                    stack.append(_Open(value, loc))
            except _Fallback:
                raise
            except Exception as e:  # noqa: BLE001 - raised below, after the limits, as _from_nodes would
                deferred = e
    except _Fallback:
        return None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, e.g. a NUL byte
        return None, {}, [_control_character(e, text, shown_as)]
    except yaml.MarkedYAMLError as e:
        return _parse_error(e, shown_as)
    if deferred is not None:
        if isinstance(deferred, yaml.MarkedYAMLError):  # e.g. an unknown !tag, found while constructing values
            return None, {}, [_construct_error(deferred, shown_as)]
        raise deferred
    if root is _NO_KEY:
        return None, {(): 1}, [_empty(shown_as)]
    problems = placeholder_problems(text, shown_as) + duplicates
    return root, lines, _placeholders_with_paths(problems, lines)


def _from_nodes(text: str, shown_as: str, kind: str) -> tuple[Any, dict[Loc, int], list[Problem]]:
    """The limits (hostile_problems), then libyaml's composer, then the data with the line of every path."""
    try:
        hostile = hostile_problems(text, shown_as, kind)
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, e.g. a NUL byte
        return None, {}, [_control_character(e, text, shown_as)]
    except yaml.MarkedYAMLError:
        hostile = []  # reported with its line by the parse below
    if hostile:
        return None, {}, hostile
    # libyaml's parser when PyYAML has it (about 10 times faster): the same nodes and marks.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        return _parse_error(e, shown_as)
    finally:
        loader.dispose()
    if node is None:
        return None, {(): 1}, [_empty(shown_as)]

    lines: dict[Loc, int] = {}
    problems: list[Problem] = placeholder_problems(text, shown_as)

    def build(n: yaml.Node, loc: Loc) -> Any:
        lines.setdefault(loc, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in n.value:
                key = loader.construct_object(key_node, deep=True)
                here = loc + (key,)
                if key in out:
                    problems.append(_duplicate(shown_as, key_node.start_mark.line + 1, here, lines[here]))
                lines[here] = key_node.start_mark.line + 1
                out[key] = build(value_node, here)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, loc + (i,)) for i, item in enumerate(n.value)]
        # Most scalars are text: skip the constructor's generic machinery for them (a third of
        # the load time at scale); every other tag is constructed exactly as SafeLoader does.
        if n.tag == STR and isinstance(n, yaml.ScalarNode):
            return n.value
        return loader.construct_object(n, deep=True)

    try:
        data = build(node, ())
        return data, lines, _placeholders_with_paths(problems, lines)
    except yaml.MarkedYAMLError as e:  # e.g. an unknown !tag, found while constructing values
        return None, {}, [_construct_error(e, shown_as)]


def _placeholders_with_paths(problems: list[Problem], lines: dict[Loc, int]) -> list[Problem]:
    """Name the field of each 【待填写】 line by its full path, as other problems are named."""
    at_line: dict[int, Loc] = {}
    for loc, line in lines.items():
        if len(loc) >= len(at_line.get(line, ())):
            at_line[line] = loc
    out = []
    for p in problems:
        loc = at_line.get(p.line) if "待填写" in p.message else None
        out.append(Problem(p.file, p.line, format_loc(loc), p.message) if loc else p)
    return out


# ---- the problems both readings report ----------------------------------------------------------


def _too_big(shown_as: str, size: int, limit: int) -> Problem:
    return Problem(shown_as, 0, "", f"文件太大（{size // 1024} KB，上限 {limit // 1024} KB）。请检查是否误粘贴了大段内容，或把内容拆分。")


def _control_character(e: yaml.reader.ReaderError, text: str, shown_as: str) -> Problem:
    line = text.count("\n", 0, e.position) + 1
    return Problem(shown_as, line, "", f"含有 YAML 不允许的控制字符（U+{e.character:04X}），请删除。")


def _empty(shown_as: str) -> Problem:
    return Problem(shown_as, 1, "", "文件是空的（或只有注释）。请从版本库恢复它（git checkout -- 文件名），再做修改。")


def _duplicate(shown_as: str, line: int, here: Loc, first: int) -> Problem:
    return Problem(shown_as, line, format_loc(here), f"字段“{here[-1]}”重复出现（上一次在第 {first} 行），后一个会覆盖前一个。请合并或删去一个。")


def _construct_error(e: yaml.MarkedYAMLError, shown_as: str) -> Problem:
    """A value that cannot be constructed (e.g. an unknown !tag)."""
    mark = e.problem_mark or e.context_mark
    return Problem(shown_as, mark.line + 1 if mark else 0, "", explain_yaml_error(e.problem or "", e.context or ""))
