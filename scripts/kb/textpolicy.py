"""One escaping policy for every string in data/: plain text, or the small named Markdown subset.

Each str field of the models (models.py) carries a TextKind next to it:
  plain  纯文本：shown exactly as typed. Every ASCII punctuation character is written as a numeric
         character reference, so nothing in it has Markdown or HTML meaning (headings, link text,
         link titles, tooltips, search index alike).
  rich   简单格式：plain text plus **bold**, *emphasis*, lists (- or 1.), paragraphs and line
         breaks, and links [text](target) whose target is a page of this site (faq.md#id,
         relative to docs/) or an http(s) address. Everything else is escaped as in plain text.
  id     标识：the pattern on the field admits only a-z, 0-9 and hyphens.
`kb check` refuses in a rich field what an editor would expect to work and would not (HTML tags,
character references, other link targets, images, attribute lists, reference links), and control
characters in any field; the renderers escape regardless, so nothing unchecked becomes markup.
Pure Python: no MkDocs here.
"""
from __future__ import annotations

import html
import re
import typing
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from pydantic import BaseModel

PLAIN, RICH, ID = "plain", "rich", "id"
KIND_NAMES = {PLAIN: "纯文本", RICH: "简单格式", ID: "标识"}
RICH_HELP = "简单格式只支持 **加粗**、*强调*、列表（- 或 1. 开头）、空行分段和换行，以及链接 [文字](faq.md#id)（站内页面）或 [文字](https://…)。"


@dataclass(frozen=True)
class TextKind:
    """Annotated marker: how a str field's value may reach HTML."""

    kind: str

    def __post_init__(self) -> None:
        assert self.kind in KIND_NAMES, self.kind


# ---- escaping ----------------------------------------------------------------------------------

_ASCII_PUNCT = re.compile(r"[!-/:-@\[-`{-~]")
# Control characters, and the invisible bidirectional overrides that make text read differently.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


def _ref(m: re.Match) -> str:
    return f"&#{ord(m.group(0))};"


def plain(text: str) -> str:
    """Inline Markdown that shows text exactly as typed: no Markdown, no HTML, one line."""
    text = _CONTROL.sub("\ufffd", text)
    return _ASCII_PUNCT.sub(_ref, " ".join(text.split("\n")))


def attr(text: str) -> str:
    """Text for a title attribute (Markdown link title or raw HTML): shown as a tooltip by
    Material, which inserts the attribute's value as HTML (innerHTML). So the value itself is
    HTML-escaped, then written with the same references as plain text."""
    return plain(html.escape(text))


# A link target of the subset: a docs/ page (optionally #anchor), an anchor, or http(s).
_SITE_TARGET = re.compile(r"(?P<page>(?:[a-z0-9_-]+/)*[a-z0-9_-]+\.md)?(?:#(?P<anchor>[a-z0-9_-]+))?")
_WEB_TARGET = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~%/+-]*)?(?:\?[A-Za-z0-9._~%=&+-]*)?(?:#[A-Za-z0-9._~%-]*)?")
_INLINE = re.compile(r"\[(?P<lt>[^\[\]\n]+)\]\((?P<lu>[^()\s]*)\)|\*\*(?P<b>[^*\n]+?)\*\*|\*(?P<i>[^*\n]+?)\*")
_LIST_ITEM = re.compile(r"^(?P<indent>[ ]*)(?P<marker>[-*+]|\d{1,3}\.)[ ]+(?P<rest>.*)$")


def link_target_ok(target: str) -> bool:
    if _WEB_TARGET.fullmatch(target):
        return True
    m = _SITE_TARGET.fullmatch(target)
    return bool(m and (m.group("page") or m.group("anchor")))


def _inline(text: str, to: Callable[[str, str], str] | None) -> str:
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(plain(text[pos:m.start()]))
        pos = m.end()
        if m.group("lt") is not None:
            target = m.group("lu")
            if link_target_ok(target):
                if _WEB_TARGET.fullmatch(target):
                    href = target
                else:
                    site = _SITE_TARGET.fullmatch(target)
                    page, anchor = site.group("page") or "", site.group("anchor") or ""
                    href = to(page, anchor) if to else (page + (f"#{anchor}" if anchor else ""))
                out.append(f"[{plain(m.group('lt'))}]({href})")
            else:  # refused by the check; shown as typed if it ever gets here
                out.append(plain(m.group(0)))
        elif m.group("b") is not None:
            out.append(f"**{plain(m.group('b'))}**")
        else:
            out.append(f"*{plain(m.group('i'))}*")
    out.append(plain(text[pos:]))
    return "".join(out)


def rich(text: str, to: Callable[[str, str], str] | None = None) -> str:
    """Markdown limited to the subset. `to(page, anchor)` makes a site link relative to the page shown."""
    lines, in_list = [], False
    for line in _CONTROL.sub("\ufffd", text).split("\n"):
        if not line.strip():
            lines.append("")
            continue
        item = _LIST_ITEM.match(line)
        if item:
            marker = item.group("marker")
            indent = " " * (4 * (len(item.group("indent")) // 2)) if item.group("indent") else ""
            lines.append(f"{indent}{marker} {_inline(item.group('rest'), to)}")
            in_list = True
        else:
            # No indented code blocks: leading spaces only continue a list item.
            lines.append(("    " if in_list and line.startswith(" ") else "") + _inline(line.strip(), to))
            in_list = in_list and line.startswith(" ")
    return "\n".join(lines)


# ---- the check ---------------------------------------------------------------------------------

_RICH_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"<\s*/?\s*[A-Za-z!?]"), "不能写 HTML 标签（如 <script>、<img>、<a>）：数据里的文字按原样显示。"),
    (re.compile(r"&#[0-9]+;?|&#[xX][0-9A-Fa-f]+;?|&[A-Za-z][A-Za-z0-9]*;"), "不能写 HTML 字符实体（如 &lt; &#106;）：请直接写字符。"),
    (re.compile(r"!\["), "不能插入图片。"),
    (re.compile(r"^\s*\[[^\]\n]+\]:", re.M), "不支持引用式链接定义（[名称]: 地址）：请写成 [文字](地址)。"),
    (re.compile(r"\{\s*[:#.]|\{\s*[A-Za-z-]+\s*="), "不能写属性列表 { … }。"),
    (re.compile(r"\[[^\[\]\n]*\]\[[^\[\]\n]*\]"), "不支持引用式链接 [文字][名称]：请写成 [文字](地址)。"),
]
_ANY_LINK = re.compile(r"\[(?P<text>[^\[\]\n]*)\]\((?P<target>[^)\n]*)\)?")


def problems_in(value: str, kind: str) -> list[str]:
    """Chinese reasons why value breaks the policy of its kind (empty when it is fine)."""
    out = []
    c = _CONTROL.search(value)
    if c:
        out.append(f"含有不可见的控制字符（U+{ord(c.group(0)):04X}），请删除后重新输入这段文字。")
    if kind != RICH:
        return out
    for pattern, reason in _RICH_RULES:
        m = pattern.search(value)
        if m:
            out.append(f"{reason}出问题的地方：“{value[max(0, m.start() - 10):m.end() + 20].strip()}”。{RICH_HELP}")
    for m in _ANY_LINK.finditer(value):
        target = m.group("target").strip()
        if not link_target_ok(target):
            out.append(f"链接地址“{target[:60]}”不允许：只能链接到本站页面（如 faq.md#why-launch-the-campaign，"
                       f"从 docs/ 算起的路径）或 http(s) 地址。")
    return out


def _kind_of(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, TextKind):
                return meta.kind
        return _kind_of(typing.get_args(annotation)[0])
    for arg in typing.get_args(annotation):
        found = _kind_of(arg)
        if found:
            return found
    return None


def field_kind(model: type[BaseModel], name: str) -> str | None:
    info = model.model_fields[name]
    for meta in info.metadata:
        if isinstance(meta, TextKind):
            return meta.kind
    return _kind_of(info.annotation)


def strings(obj: Any, loc: tuple = (), kind: str | None = None) -> Iterator[tuple[tuple, str, str | None]]:
    """(path, value, kind) for every string in a validated model."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from strings(getattr(obj, name), loc + (name,), field_kind(type(obj), name))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from strings(v, loc + (i,), kind)
    elif isinstance(obj, str):
        yield loc, obj, kind


def line_offset(value: str, needle_at: int) -> int:
    return value.count("\n", 0, needle_at)


def check_model(model: BaseModel, lines: dict, shown: str) -> list:
    """Problems (file, line, field, Chinese reason) for every string of a validated data file."""
    from .errors import Problem, format_loc, line_for

    out = []
    for loc, value, kind in strings(model):
        if kind is None:
            # A str field without a declared kind is a developer's omission, not an editor's.
            raise TypeError(f"{type(model).__name__}: field {format_loc(loc)} declares no TextKind")
        for reason in problems_in(value, kind):
            line = line_for(lines, loc)
            if "\n" in value:  # a block scalar (a: |) starts on the line after its key
                bad = next((i for i, text in enumerate(value.split("\n")) if problems_in(text, kind)), 0)
                line += 1 + bad
            out.append(Problem(shown, line, format_loc(loc), f"（{KIND_NAMES[kind]}字段）{reason}"))
    return out
