"""Pages in docs/ may hold raw HTML only from an allowlist; nh3 (ammonia) is the judge.

Each page's HTML (its Markdown and macro output, before the theme wraps it) is cleaned by nh3
with the allowlist below. The cleaned page must have the very same elements and attributes as
the page: if nh3 would drop anything (a <script>, an event handler, a javascript: link, a data:
URL outside an image, an attribute from an attribute list), the build stops and names the file
and line. Never allowed: script, style, iframe, object, embed, form and its controls, event
handlers, javascript:/vbscript: URLs, data: URLs outside images.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

from .textpolicy import _CONTROL

# What Python-Markdown with this site's extensions and Material's components (cards grids,
# md_in_html blocks, admonitions, details, tables, def lists) produce, and nothing else.
TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}
ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "style"},
    "details": {"open"},
    "col": {"span"},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}  # data: survives only in <img src>, see _attribute_filter
STYLE_PROPERTIES = {"text-align"}  # Python-Markdown's table alignment


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    from .inlinescripts import unsafe_url  # noqa: PLC0415 - one URL judgement for pages and publish

    if attr in ("href", "src"):
        # As browsers read it: without tabs, newlines and control characters (java\tscript:).
        if unsafe_url(value, allow_data_image=tag == "img" and attr == "src"):
            return None
        if value.strip().lower().startswith("data:") and not re.match(r"data:image/(png|gif|jpeg|webp);", value.strip(), re.I):
            return None
    return value


def clean(fragment: str) -> str:
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None,
                     attribute_filter=_attribute_filter, filter_style_properties=STYLE_PROPERTIES,
                     strip_comments=False)


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: tuple[tuple[str, str], ...]

    def show(self) -> str:
        attrs = "".join(f' {k}="{v[:40]}"' if v else f" {k}" for k, v in self.attrs)
        return f"<{self.tag}{attrs}>"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Element] = []
        self.raw: list[str] = []  # the raw text, to look for unparsed script content

    def handle_starttag(self, tag, attrs):
        self.out.append(Element(tag, tuple(sorted((k, _norm(k, v or "")) for k, v in attrs))))

    handle_startendtag = handle_starttag


def _norm(attr: str, value: str) -> str:
    if attr == "style":  # nh3 rewrites declarations ("text-align: left;" -> "text-align:left")
        return ";".join(d.replace(" ", "") for d in value.split(";") if d.strip())
    return value


def elements(fragment: str) -> list[Element]:
    p = _Elements()
    p.feed(fragment)
    p.close()
    return p.out


def refused(fragment: str) -> list[tuple[Element, str]]:
    """(element as written, what nh3 removed from it) for each element the allowlist does not keep."""
    before, after = elements(fragment), elements(clean(fragment))
    out = []
    j = 0
    for el in before:
        if el.tag in TAGS and j < len(after) and after[j].tag == el.tag:
            kept = dict(after[j].attrs)
            lost = [k for k, v in el.attrs if kept.get(k) != v]
            if lost:
                out.append((el, "属性 " + "、".join(lost)))
            j += 1
        else:
            out.append((el, "元素"))
    return out


def locate(source: str, el: Element, removed: str) -> int:
    """The line of the page source that wrote el (0 when it came from a macro's output)."""
    needles = []
    if removed == "元素":
        needles.append(re.compile(r"<\s*" + re.escape(el.tag) + r"(?=[\s/>]|$)", re.I))
    else:
        for name in removed.removeprefix("属性 ").split("、"):
            needles.append(re.compile(r"\b" + re.escape(name) + r"\s*=", re.I))
            value = dict(el.attrs).get(name, "")
            if value:
                needles.append(re.compile(re.escape(value[:30]), re.I))
    for needle in needles:
        for i, line in enumerate(source.splitlines(), 1):
            if needle.search(line) or needle.search(htmllib.unescape(line)):
                return i
    return 0


def page_problems(fragment: str, source: str, shown: str) -> list[str]:
    """Chinese messages, file:line first, for everything the allowlist refuses in one page."""
    out = []
    for i, line in enumerate(source.splitlines(), 1):
        c = _CONTROL.search(line)
        if c:
            out.append(f"{shown}:{i}: 含有不可见的控制字符（U+{ord(c.group(0)):04X}），请删除。")
    for el, removed in refused(fragment):
        line = locate(source, el, removed)
        where = f"{shown}:{line}" if line else f"{shown}（由宏生成的内容）"
        why = ("不允许的 HTML 元素" if removed == "元素" else f"不允许的{removed}（事件处理、脚本链接或未列入白名单的属性）")
        out.append(f"{where}: {why}：{el.show()[:120]}。页面中只能用 Markdown 和少量排版用的 HTML，"
                   "不能有脚本、内嵌框架、表单、事件处理属性或 javascript:/data: 链接。")
    return out
