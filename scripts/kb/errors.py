"""Problems found in data/, phrased for editors: file, line, field path, Chinese message."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

Loc = tuple[Any, ...]


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # relative to the project root, e.g. data/faq.yml
    line: int  # 1-based; 0 when the problem concerns the whole file
    field: str  # e.g. groups[1].questions[3].sources[0].quote
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ContentError(Exception):
    """A mistake in data/ or docs/: reported to the editor in Chinese, never with a traceback.

    Anything else raised while building is a bug in the code and is reported as one.
    """


class DataError(ContentError):
    """Raised with every problem found, so that an editor can fix them all in one go."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(self.report())

    def report(self) -> str:
        head = f"内容有 {len(self.problems)} 处错误，构建已停止（已发布的网站不受影响）。请逐条修改后再试："
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def line_for(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of the deepest existing node on the path (a missing field points at its parent)."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get((), 1)


def _type_name(value: Any) -> str:
    names = {str: "文本", int: "整数", float: "小数", bool: "是/否", list: "列表", dict: "键值对", type(None): "空值"}
    return names.get(type(value), type(value).__name__)


def translate(err: dict[str, Any], allowed: list[str] | None = None) -> str:
    """One pydantic error as a Chinese sentence that says what is wrong and how to fix it."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    field = err["loc"][-1] if err["loc"] else ""
    if kind == "missing":
        return f"缺少必填字段“{field}”，请补上。"
    if kind == "extra_forbidden":
        hint = f"允许的字段有：{'、'.join(allowed)}。" if allowed else ""
        close = difflib.get_close_matches(str(field), allowed or [], n=1, cutoff=0.5)
        if close:
            return f"未知字段“{field}”，是不是想写“{close[0]}”？{hint}"
        return f"未知字段“{field}”，可能是拼写错误。{hint}"
    if kind == "string_type":
        return f"应为文本，实际是{_type_name(value)}。日期、数字等请加引号写成文本。"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"应为整数，实际是“{value}”。"
    if kind == "list_type":
        return f"应为列表（每一项以“- ”开头），实际是{_type_name(value)}。"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"应为键值对（“字段: 值”），实际是{_type_name(value)}。"
    if kind == "string_pattern_mismatch":
        return f"“{value}”格式不对：id 只能用小写英文字母、数字和连字符，例如 lead-by-example。"
    if kind == "string_too_short":
        return "不能为空。"
    if kind == "too_short":
        return f"至少要有 {ctx.get('min_length', 1)} 项。"
    if kind in ("greater_than_equal", "greater_than"):
        return f"应不小于 {ctx.get('ge', ctx.get('gt'))}，实际是 {value}。"
    if kind == "literal_error":
        expected = str(ctx.get("expected")).replace("' or '", "'、'").replace("', '", "'、'")
        return f"只能是 {expected} 之一，实际是“{value}”。"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg")))
    if kind == "bool_type" or kind == "bool_parsing":
        return f"应为 true 或 false，实际是“{value}”。"
    return f"{err.get('msg')}（{kind}）"


def rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
