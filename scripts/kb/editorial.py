"""Errors that teach: reading editors' files as Windows editors save them, and plain-Chinese
explanations of what YAML and the models reject.

Pure Python, no MkDocs. Used by yamlsource (reading), content (messages) and the checks.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from .errors import Problem

PLACEHOLDER = "【待填写】"

SAVE_AS_UTF8 = ("请另存为 UTF-8：记事本“文件→另存为”，编码选“UTF-8”；"
                "VS Code 点右下角的“GBK”→“通过编码保存”→“UTF-8”；WPS/Word 请不要用来编辑 .yml 文件。")


class Unreadable(Exception):
    """A file that is not UTF-8 text; the message says why and how to fix it."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def decode_text(raw: bytes) -> str:
    """UTF-8 with or without BOM, any line endings, to str with \\n. Raises Unreadable otherwise."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        raise Unreadable(1, "文件是 UTF-16（Windows 记事本叫“Unicode”）编码，本项目只认 UTF-8。" + SAVE_AS_UTF8)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        try:
            gbk = raw.decode("gb18030")
        except UnicodeDecodeError:
            gbk = None
        if gbk is not None and re.search(r"[\u4e00-\u9fff]", gbk):
            raise Unreadable(line, "文件是用 GBK/GB18030 编码（简体中文 Windows 的“ANSI”）保存的，本项目只认 UTF-8，"
                                   "所以从这一行起的中文读出来是乱码。" + SAVE_AS_UTF8) from None
        raise Unreadable(line, f"不是 UTF-8 文本（第 {e.start + 1} 个字节无法识别）。" + SAVE_AS_UTF8) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path) -> str:
    return decode_text(path.read_bytes())


def tab_problems(text: str, shown_as: str) -> list[Problem]:
    """YAML indents with spaces only; a tab there gives PyYAML's cryptic 'cannot start any token'."""
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            out.append(Problem(shown_as, n, "", "缩进里有制表符（Tab 键）。YAML 只能用空格缩进：请删去这一行开头的 Tab，"
                                                "改按空格键，与上下同级的行对齐（编辑器可开启“显示空白字符”查看）。"))
    return out


# PyYAML's wording -> what an editor can act on.
_YAML_HINTS = (
    ("mapping values are not allowed",
     "这一行出现了多余的“冒号+空格”。文本里有“: ”时，请把整段文本用英文双引号括起来，或者把冒号改成中文冒号“：”。"),
    ("could not find expected ':'",
     "这一行缺少“字段名: 值”中的冒号，或者上一行的引号没有配对。"),
    ("found unexpected end of stream",
     "文件在引号中途结束：有一个引号没有配对。"),
    ("found character '\\t' that cannot start any token",
     "出现了制表符（Tab）。YAML 只能用空格缩进。"),
    ("expected <block end>, but found '-'",
     "列表项“- ”的缩进与上面的项不一致，请对齐。"),
    ("expected <block end>, but found",
     "缩进不齐：这一行比同级的行多缩进或少缩进了。请与上下同级的行对齐。"),
    ("did not find expected key",
     "缩进不齐，或者上一行的引号没有配对。"),
    ("did not find expected '-' indicator",
     "列表项“- ”的缩进不一致，请与上面的项对齐。"),
    ("found undefined alias",
     "文本以“*”开头，YAML 把它当成了特殊记号。请把整段文本用英文双引号括起来。"),
    ("cannot start any token",
     "这一行以 YAML 的特殊符号开头（如 @ ` % 等）。请把整段文本用英文双引号括起来。"),
    ("while scanning a tag",
     "文本以“!”开头，YAML 把它当成了标签（tag）。请把整段文本用英文双引号括起来。"),
    ("could not determine a constructor for the tag",
     "文本以“!”开头，YAML 把它当成了未知的标签（tag）。请把整段文本用英文双引号括起来。"),
    ("found duplicate anchor", "文本以“&”开头，请把整段文本用英文双引号括起来。"),
    ("while scanning a quoted scalar", "引号没有配对：以引号开头的文本必须以同样的引号结尾。"),
)


def explain_yaml_error(problem: str, context: str) -> str:
    what = f"{context} {problem}".strip()
    for pattern, hint in _YAML_HINTS:
        if pattern in what:
            return f"YAML 语法错误：{hint}（原始信息：{what}）"
    return f"YAML 语法错误：{what}。常见原因：缩进不齐、冒号后缺空格、引号没有配对。"


def suggest(name: str, allowed: list[str]) -> str | None:
    """The allowed field an editor most likely meant, if any is close enough."""
    found = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
    return found[0] if found else None


def placeholder_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.split("\n"), 1) if PLACEHOLDER in line]


def placeholder_problems(text: str, shown_as: str) -> list[Problem]:
    """Skeletons written by `new` mark every field to fill; the check fails until all are filled."""
    out = []
    for n in placeholder_lines(text):
        line = text.split("\n")[n - 1]
        field = line.split(":", 1)[0].strip(" -#") if ":" in line else ""
        out.append(Problem(shown_as, n, field if re.fullmatch(r"[a-z_]+", field) else "",
                           f"还有待填写的内容（{PLACEHOLDER}）：请按提示填好这一行，并删去“{PLACEHOLDER}”字样。"))
    return out


def drop_on_placeholder_lines(problems: list[Problem], placeholders: list[Problem]) -> list[Problem]:
    """A line still being filled in gets one message (fill it), not also the consequences."""
    marked = {(p.file, p.line) for p in placeholders}
    return [p for p in problems if (p.file, p.line) not in marked or p in placeholders]
