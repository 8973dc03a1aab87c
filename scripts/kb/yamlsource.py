"""YAML loading that remembers the line of every node, so errors can name it.

PyYAML silently keeps the last of two equal keys; editors lose content that way,
so duplicate keys are reported here as problems.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Loc, Problem, format_loc


STR = "tag:yaml.org,2002:str"


def load_yaml(path: Path, shown_as: str) -> tuple[Any, dict[Loc, int], list[Problem]]:
    """Return (data, line of each path, problems). Data is None when the file cannot be parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, {}, [Problem(shown_as, 0, "", "文件不存在。")]
    except UnicodeDecodeError as e:
        return None, {}, [Problem(shown_as, 0, "", f"不是 UTF-8 编码（第 {e.start} 字节）。请用 UTF-8 保存。")]
    # libyaml's parser when PyYAML has it (about 10 times faster): the same nodes and marks.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        what = f"{e.context or ''} {e.problem or ''}".strip()
        return None, {}, [Problem(shown_as, line, "", f"YAML 语法错误：{what}。常见原因：缩进不齐、冒号后缺空格、引号没有配对。")]
    finally:
        loader.dispose()
    if node is None:
        return None, {(): 1}, [Problem(shown_as, 1, "", "文件是空的。")]

    lines: dict[Loc, int] = {}
    problems: list[Problem] = []

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

    return build(node, ()), lines, problems
