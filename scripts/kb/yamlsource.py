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


STR = "tag:yaml.org,2002:str"


def load_yaml(path: Path, shown_as: str) -> tuple[Any, dict[Loc, int], list[Problem]]:
    """Return (data, line of each path, problems). Data is None when the file cannot be parsed."""
    try:
        text = read_text(path)  # UTF-8 with or without BOM, any line endings
    except FileNotFoundError:
        return None, {}, [Problem(shown_as, 0, "", "文件不存在。")]
    except Unreadable as e:
        return None, {}, [Problem(shown_as, e.line, "", e.message)]
    tabs = tab_problems(text, shown_as)
    if tabs:
        return None, {}, tabs
    # libyaml's parser when PyYAML has it (about 10 times faster): the same nodes and marks.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        # An unclosed quote is found at the end of the file: name the line where it opened.
        opened = e.context and "quoted scalar" in e.context and e.context_mark
        mark = e.context_mark if opened else (e.problem_mark or e.context_mark)
        line = mark.line + 1 if mark else 0
        return None, {}, [Problem(shown_as, line, "", explain_yaml_error(e.problem or "", e.context or ""))]
    finally:
        loader.dispose()
    if node is None:
        return None, {(): 1}, [Problem(shown_as, 1, "", "文件是空的（或只有注释）。请从版本库恢复它（git checkout -- 文件名），再做修改。")]

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
                    problems.append(Problem(shown_as, key_node.start_mark.line + 1, format_loc(here),
                                            f"字段“{key}”重复出现（上一次在第 {lines[here]} 行），后一个会覆盖前一个。请合并或删去一个。"))
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
        mark = e.problem_mark or e.context_mark
        return None, {}, [Problem(shown_as, mark.line + 1 if mark else 0, "", explain_yaml_error(e.problem or "", e.context or ""))]


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
