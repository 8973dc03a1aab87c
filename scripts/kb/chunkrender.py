"""A page with one large `<div … markdown>` block (学习手册) rendered part by part, each part cached.

The handbook holds the whole site in one `<div class="kb-handbook" markdown>`: one definition edit
changed its Markdown, and the render cache re-rendered all of it (about a minute at 100× content).
Here the block is cut before its h2 and h3 headings; each part is rendered on its own inside the
same `<div>` and the parts' HTML is joined, so an edit re-renders the parts it touched.

A part rendered alone gives the HTML it gives inside the whole page because:
- it is cut only before a heading at the block's own level (not inside a fence, list or other
  HTML block), which Python-Markdown starts afresh;
- the glossary tooltips start afresh at every heading (kb.glossarytips); the handbook's first part
  (cover and contents) and the text after the block must link no term, or the page is rendered whole;
- kb.tags adds its lines only beside headings at the top level, never inside the block;
- heading ids made by `toc` are unique in the whole page only when they are unique across the
  parts: if any id occurs in two parts, the page is rendered whole;
- the table of contents is nested again from all parts' headings in page order.
tests/test_cache.py compares the pages with the whole-page render (KB_CACHE=off) byte for byte.

MkDocs-aware (Page.render's own steps, with the MkDocs tree processors it registers).
"""
from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass

import markdown
from markdown.extensions.toc import nest_toc_tokens
from mkdocs.structure import pages as mkpages
from mkdocs.structure.toc import get_toc

PLACEHOLDER = '<div id="kb-parts-here"></div>'  # where the block goes back; a page containing it is not cut
WRAPPER = re.compile(r'<div\b[^>]*\smarkdown(?:="1")?[^>]*>\s*')
BLOCK_TAGS = "div|details|section|table|ol|ul|dl|blockquote|figure|nav|pre|p"
OPENS = re.compile(rf"<(?:{BLOCK_TAGS})[\s>]")
CLOSES = re.compile(rf"</(?:{BLOCK_TAGS})>")
HEADING = re.compile(r"(#{1,6}) ")
EXPLICIT_ID = re.compile(r"\{[^}]*#[A-Za-z][\w-]*[^}]*\}\s*$")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
CUT_LEVELS = (2, 3)
MIN_SIZE = 100_000  # smaller pages are rendered whole: cutting gains nothing there
TERM_LINK = 'class="kb-term"'


@dataclass
class Parts:
    outer: str  # the page with the block replaced by PLACEHOLDER
    open_line: str
    chunks: list[str]


def split(text: str) -> Parts | None:
    """The page cut into the text around the block and the block's parts, or None (render it whole)."""
    if len(text) < MIN_SIZE or "kb-parts-here" in text:
        return None
    lines = text.split("\n")
    depth, fence, start, end = 0, "", None, None
    cuts: list[int] = []
    for i, line in enumerate(lines):
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            continue
        m = FENCE.match(line)
        if m:
            fence = m.group(1)
            continue
        if start is None:
            if depth == 0 and WRAPPER.fullmatch(line) and (i == 0 or not lines[i - 1].strip()):
                start, depth = i, 1
                continue
        elif depth == 1:
            h = HEADING.match(line)
            if h and len(h.group(1)) in CUT_LEVELS and not lines[i - 1].strip():
                cuts.append(i)
        depth += len(OPENS.findall(line)) - len(CLOSES.findall(line))
        if start is not None and depth == 0:
            if line.strip() != "</div>":
                return None
            end = i
            break
        if depth < 0:
            return None
    if start is None or end is None or fence or not cuts:
        return None
    if any(HEADING.match(line) for line in lines[end + 1:]):
        return None  # headings after the block would have to be ordered into the contents
    bounds = _keep_together([start + 1, *cuts, end], lines)
    chunks = ["\n".join(lines[a:b]) for a, b in zip(bounds, bounds[1:])]
    outer = "\n".join([*lines[:start], PLACEHOLDER, *lines[end + 1:]])
    return Parts(outer, lines[start], chunks)


def _keep_together(bounds: list[int], lines: list[str]) -> list[int]:
    """Fewer cuts: headings without an id of their own that read the same (the organisation's
    "职责") get their ids made unique by `toc` across the page, so they stay in one part."""
    first: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        for line in lines[a:b]:
            if HEADING.match(line) and not EXPLICIT_ID.search(line):
                text = line.lstrip("#").strip()
                spans.append((first.setdefault(text, k), k))
    joined = set()
    for lo, hi in spans:
        joined.update(range(lo + 1, hi + 1))  # part k joins the part before it
    return [b for k, b in enumerate(bounds) if k not in joined or k == len(bounds) - 1]


def chunk_doc(parts: Parts, chunk: str) -> str:
    return f"{parts.open_line}\n\n{chunk}\n\n</div>"


class Converter:
    """Page.render's steps for several texts of one page, with one Markdown instance."""

    def __init__(self, page, config, files):  # noqa: ANN001 - MkDocs page, config and files
        self.md = markdown.Markdown(extensions=config["markdown_extensions"],
                                    extension_configs=config["mdx_configs"] or {})
        self.raw = mkpages._RawHTMLPreprocessor()
        self.raw._register(self.md)
        self.anchors = mkpages._ExtractAnchorsTreeprocessor(page.file, files, config)
        self.anchors._register(self.md)
        self.links = mkpages._RelativePathTreeprocessor(page.file, files, config)
        self.links._register(self.md)
        self.title = mkpages._ExtractTitleTreeprocessor()
        self.title._register(self.md)

    def convert(self, text: str) -> dict:
        self.md.reset()
        self.anchors.present_anchor_ids = set()
        self.links.links_to_anchors = {}
        self.title.title = None
        content = self.md.convert(text)
        return {"content": content, "tokens": _flat(getattr(self.md, "toc_tokens", [])), "title": self.title.title,
                "tree_ids": sorted(self.anchors.present_anchor_ids), "raw_ids": sorted(self.raw.present_anchor_ids),
                "links": {f.src_uri: v for f, v in self.links.links_to_anchors.items()}}


def _flat(tokens: list[dict]) -> list[dict]:
    out = []
    for t in tokens:
        out.append({k: v for k, v in t.items() if k != "children"})
        out.extend(_flat(t.get("children", [])))
    return out


def assemble(page, files, parts: Parts, outer: dict, chunks: list[dict]) -> bool:  # noqa: ANN001
    """Set the page's content, toc, title and anchors from its rendered parts; False: render it whole."""
    if outer["content"].count(PLACEHOLDER) != 1 or TERM_LINK in outer["content"].replace(PLACEHOLDER, ""):
        return False
    if TERM_LINK in chunks[0]["content"] and not HEADING.match(parts.chunks[0]):
        return False  # before its first heading the block would go on with the page's tooltips
    head = chunks[0]["content"].split("\n", 1)[0]
    inners = []
    for c in chunks:
        html = c["content"]
        if not html.startswith(head + "\n") or not html.endswith("</div>") or head.count("<") != 1:
            return False
        inners.append(html[len(head) + 1:-len("</div>")])
    wrapper_ids = set(re.findall(r'\bid="([^"]*)"', parts.open_line))
    seen: set[str] = set()
    for doc in (outer, *chunks):
        ids = set(doc["tree_ids"]) - wrapper_ids
        if ids & seen:
            return False  # toc would have made these unique across the whole page
        seen |= ids
    # Python-Markdown keeps a raw HTML block's own line end: the block element in its place has none.
    mark = PLACEHOLDER + "\n" if PLACEHOLDER + "\n" in outer["content"] else PLACEHOLDER
    page.content = outer["content"].replace(mark, head + "\n" + "".join(inners) + "</div>")
    page.toc = get_toc(nest_toc_tokens(copy.deepcopy(outer["tokens"] + [t for c in chunks for t in c["tokens"]])))
    page._title_from_render = outer["title"]
    page.present_anchor_ids = (set(outer["tree_ids"]) | set(outer["raw_ids"]) - {"kb-parts-here"}
                               | {a for c in chunks for a in (*c["tree_ids"], *c["raw_ids"])})
    if mkpages.log.getEffectiveLevel() > logging.DEBUG:
        links: dict = {}
        for doc in (outer, *chunks):
            for src, v in doc["links"].items():
                links.setdefault(files.get_file_from_path(src), {}).update(v)
        page.links_to_anchors = links
    return True
