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
    "nav",  # the handbook's table of contents
}
ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir", "data-search-exclude",  # Material: leave out of the search index
          "hidden", "role", "aria-live", "aria-label", "aria-labelledby"},
    "a": {"href", "download", "data-kb-src"},  # 自测: the source links its script shows; the handbook PDF
    "div": {"data-quiz", "data-total"},  # 自测: the question bank as data (never code)
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "type"},
    "li": {"value"},  # the handbook's numbered citation notes
    "nav": {"aria-labelledby", "aria-label"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "style"},
    "details": {"open"},
    "col": {"span"},
}
# No data: URLs at all (images are files in docs/); ammonia reads URLs as browsers do (java\tscript:).
URL_SCHEMES = {"http", "https", "mailto"}
STYLE_PROPERTIES = {"text-align"}  # Python-Markdown's table alignment


def clean(fragment: str) -> str:
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None,
                     filter_style_properties=STYLE_PROPERTIES, strip_comments=False)


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
    from .inlinescripts import parsed

    return parsed(_Elements(), fragment).out


_NAMES = re.compile(r"<\s*([a-zA-Z][^\s/>]*)")
_URL_ATTR = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_LOOSE_SCHEMES = {"http", "https", "mailto", "javascript", "vbscript", "data", "file", "ftp", "blob", "about"}


def _loose(fragment: str, names: set[str] | None = None) -> str:
    """nh3 keeping every element and attribute of the fragment: what the strict clean is compared with.

    Both outputs are written by the same HTML5 serialiser, so equal strings mean that the
    allowlist removed nothing, without parsing the page in Python (a page's HTML can be large)."""
    names = {n.lower() for n in _NAMES.findall(fragment)} if names is None else names
    return nh3.clean(fragment, tags=TAGS | names, clean_content_tags=set(), attributes={}, generic_attribute_prefixes={""},
                     url_schemes=_LOOSE_SCHEMES, link_rel=None, filter_style_properties=None, strip_comments=False)


def refused(fragment: str, cleaned: str | None = None) -> list[tuple[Element, str]]:
    """(element as written, what nh3 removed from it) for each element the allowlist does not keep."""
    from .inlinescripts import unsafe_url  # one judgement of URLs for pages and for publish

    cleaned = clean(fragment) if cleaned is None else cleaned
    names = {n.lower() for n in _NAMES.findall(fragment)}
    urls = [m.group(2) or m.group(3) or m.group(4) for m in _URL_ATTR.finditer(fragment)]
    if names <= TAGS and not any(unsafe_url(u) for u in urls if ":" in u or "&" in u) and _loose(fragment, names) == cleaned:
        return []
    before = elements(fragment)
    after = elements(cleaned)
    out = []
    j = 0
    for el in before:
        if el.tag in TAGS and j < len(after) and after[j].tag == el.tag:
            kept = dict(after[j].attrs)
            # Stricter than ammonia on URLs: as browsers read them, without white space (java\tscript:).
            lost = [k for k, v in el.attrs if kept.get(k) != v or (k in ("href", "src") and unsafe_url(v))]
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


def page_problems(fragment: str, source: str, shown: str, cleaned: str | None = None) -> list[str]:
    """Chinese messages, file:line first, for everything the allowlist refuses in one page."""
    return source_problems(source, shown) + fragment_problems(fragment, source, shown, cleaned)


def source_problems(source: str, shown: str) -> list[str]:
    out = []
    for i, line in enumerate(source.removeprefix("\ufeff").splitlines(), 1):
        c = _CONTROL.search(line)
        if c:
            out.append(f"{shown}:{i}: 含有不可见的控制字符（U+{ord(c.group(0)):04X}），请删除。")
    return out


def fragment_problems(fragment: str, source: str, shown: str, cleaned: str | None = None) -> list[str]:
    """page_problems of a piece of the page (its source is checked once, by source_problems)."""
    out = []
    for el, removed in refused(fragment, cleaned):
        line = locate(source, el, removed)
        where = f"{shown}:{line}" if line else f"{shown}（由宏生成的内容）"
        why = ("不允许的 HTML 元素" if removed == "元素" else f"不允许的{removed}（事件处理、脚本链接或未列入白名单的属性）")
        out.append(f"{where}: {why}：{el.show()[:120]}。页面中只能用 Markdown 和少量排版用的 HTML，"
                   "不能有脚本、内嵌框架、表单、事件处理属性或 javascript:/data: 链接。")
    return out
