"""Large pages rendered part by part, each part cached: an edit re-renders the parts it touched.

The handbook holds the whole site in one `<div class="kb-handbook" markdown>`, the glossary and the
FAQ hold thousands of entries: one definition edit changed their Markdown, and the render cache
re-rendered all of it (about a minute for the handbook at 100× content). A page is cut before its
h2 and h3 headings, inside its one large `<div … markdown>` block if it has one (each part is then
rendered inside the same `<div>`), else at its top level; the parts' HTML is joined.

A part rendered alone gives the HTML it gives inside the whole page because:
- it is cut only before a heading (not inside a fence, list or other HTML block), which
  Python-Markdown starts afresh, and pages defining reference links or abbreviations are not cut;
- the glossary tooltips start afresh at every heading (kb.glossarytips); the block's first part
  and the text after the block must link no term, or the page is rendered whole;
- kb.tags adds lines at the end of an item's section (top level only): no cut falls inside a
  section that gets them, and a page that gets them at its very end is not cut;
- heading ids made by `toc` are unique in the whole page only when they are unique across the
  parts: headings that read the same stay in one part, and if any id still occurs in two parts the
  page is rendered whole;
- the table of contents is nested again from all parts' headings in page order.
tests/test_cache.py compares the pages with the whole-page render (KB_CACHE=off) byte for byte.

MkDocs-aware (Page.render's own steps, with the MkDocs tree processors it registers).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import markdown
import markdown.postprocessors
import markdown.treeprocessors
from markdown.extensions.toc import nest_toc_tokens
from mkdocs.structure import pages as mkpages
from mkdocs.structure.toc import get_toc

PLACEHOLDER = '<div id="kb-parts-here"></div>'  # where the block goes back; a page containing it is not cut
WRAPPER = re.compile(r'<div\b[^>]*\smarkdown(?:="1")?[^>]*>\s*')
BLOCK_TAGS = "div|details|section|table|ol|ul|dl|blockquote|figure|nav|pre|p"
OPENS = re.compile(rf"<(?:{BLOCK_TAGS})[\s>]")
CLOSES = re.compile(rf"</(?:{BLOCK_TAGS})>")
HEADING = re.compile(r"(#{1,6}) ")
EXPLICIT_ID = re.compile(r"\{[^}]*#([A-Za-z][\w-]*)[^}]*\}\s*$")
# Reference links, abbreviations and footnotes are defined for the whole document: such pages stay whole.
DEFINITION = re.compile(r"^ {0,3}(?:\*?\[[^\]]+\]|\[\^[^\]]+\]):", re.M)
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
CUT_LEVELS = (2, 3)
MIN_SIZE = 16_000  # smaller pages are rendered whole: cutting gains nothing there
TERM_LINK = 'class="kb-term"'


@dataclass
class Parts:
    outer: str | None  # the page with the block replaced by PLACEHOLDER; None: the page is cut itself
    open_line: str | None
    chunks: list[str]


def split(text: str, extras: tuple[set[str], bool] | None = None) -> Parts | None:
    """The page cut into parts, or None (render it whole).

    A page with a top-level `<div … markdown>` block that has headings: the text around it and the
    block's parts. Otherwise the page itself, cut before h2 and h3 at its top level. `extras`: the
    anchors whose headings kb.tags gives lines at the end of their section, and whether the page
    gets some at its end (then it is not cut); a cut may not fall inside such a section."""
    if len(text) < MIN_SIZE or "kb-parts-here" in text or DEFINITION.search(text):
        return None
    lines = text.split("\n")
    anchors, own = extras or (set(), False)
    explicit = {m.group(1) for line in lines if HEADING.match(line) for m in [EXPLICIT_ID.search(line)] if m}
    depth, fence = 0, ""
    root_cuts: list[int] = []
    blocks: list[tuple[int, int, list[int]]] = []  # top-level `<div … markdown>` blocks: start, end, cuts inside
    block: list | None = None
    open_headings: list[tuple[int, str | None]] = []  # top-level sections not closed yet
    for i, line in enumerate(lines):
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            continue
        m = FENCE.match(line)
        if m:
            fence = m.group(1)
            continue
        h = HEADING.match(line)
        after_blank = i == 0 or not lines[i - 1].strip()
        if depth == 0 and h and after_blank:
            level, hid = len(h.group(1)), (EXPLICIT_ID.search(line) or [None, None])[1]
            while open_headings and open_headings[-1][0] >= level:
                open_headings.pop()
            blocked = any(a in anchors if a else not anchors <= explicit for _, a in open_headings)
            if i and level in CUT_LEVELS and not blocked:
                root_cuts.append(i)
            open_headings.append((level, hid))
        elif depth == 1 and block is not None and h and after_blank and len(h.group(1)) in CUT_LEVELS:
            block[2].append(i)
        if depth == 0 and WRAPPER.fullmatch(line) and after_blank:
            block = [i, None, []]
        if "<" in line:  # most lines hold no tag
            depth += len(OPENS.findall(line)) - len(CLOSES.findall(line))
        if depth < 0:
            return None
        if depth == 0 and block is not None:
            if line.strip() == "</div>" and block[0] != i:
                block[1] = i
                blocks.append(tuple(block))
            block = None
    if fence or depth:
        return None
    cut_blocks = [b for b in blocks if b[2]]
    if not cut_blocks:  # the page itself at its top level
        if own or not root_cuts:
            return None
        bounds = _keep_together([0, *root_cuts, len(lines)], lines)
        return Parts(None, None, ["\n".join(lines[a:b]) for a, b in zip(bounds, bounds[1:])]) if len(bounds) > 2 else None
    start, end, cuts = cut_blocks[0]
    if len(cut_blocks) > 1 or any(HEADING.match(line) for line in lines[end + 1:]):
        return None  # headings after the block would have to be ordered into the contents
    bounds = _keep_together([start + 1, *cuts, end], lines)
    chunks = ["\n".join(lines[a:b]) for a, b in zip(bounds, bounds[1:])]
    if len(chunks) > 1 and not chunks[0].strip():  # blank lines before the first heading: no part of their own
        blank = chunks.pop(0)
        chunks[0] = blank + "\n" + chunks[0]
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
    return chunk if parts.open_line is None else f"{parts.open_line}\n\n{chunk}\n\n</div>"


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
        self.last = _Last(self.md)
        self.md.postprocessors.register(self.last, "kb_last", -1000)  # after every other postprocessor
        self.tail = _LastTail(self.md)
        self.md.treeprocessors.register(self.tail, "kb_last_tail", -1000)  # after every other tree processor

    def convert(self, text: str) -> dict:
        self.md.reset()
        self.anchors.present_anchor_ids = set()
        self.links.links_to_anchors = {}
        self.title.title = None
        self.tail.tail = ""
        content = self.md.convert(text)
        return {"content": content, "raw": self.last.text, "tail": self.tail.tail, "tokens": _flat(getattr(self.md, "toc_tokens", [])), "title": self.title.title,
                "tree_ids": sorted(self.anchors.present_anchor_ids), "raw_ids": sorted(self.raw.present_anchor_ids),
                "links": {f.src_uri: v for f, v in self.links.links_to_anchors.items()}}


class _Last(markdown.postprocessors.Postprocessor):
    """The HTML before Markdown strips it: top-level parts join with one line end between them."""

    text = ""

    def run(self, text: str) -> str:
        self.text = text
        return text


class _LastTail(markdown.treeprocessors.Treeprocessor):
    """What follows the part's last top-level element inside the whole page: its tail (Python-Markdown
    gives block elements one line end; elements kb.tags inserts later have none)."""

    tail = ""

    def run(self, root) -> None:  # noqa: ANN001
        self.tail = (root[-1].tail or "") if len(root) else ""


def _flat(tokens: list[dict]) -> list[dict]:
    out = []
    for t in tokens:
        out.append({k: v for k, v in t.items() if k != "children"})
        out.extend(_flat(t.get("children", [])))
    return out


def assemble(page, files, parts: Parts, docs: list[dict]) -> bool:  # noqa: ANN001
    """Set the page's content, toc, title and anchors from its rendered parts; False: render it whole."""
    if parts.open_line is None:
        return _assemble_top(page, files, docs)
    return _assemble_block(page, files, parts, docs[0], docs[1:])


def _assemble_top(page, files, docs: list[dict]) -> bool:  # noqa: ANN001
    if not _unique_ids(docs, set()) or any(d["tail"].strip() for d in docs):
        return False
    # Each part was stripped: the whole page has its last element's tail between it and the next.
    pieces = [d["raw"] + d["tail"] for d in docs]
    page.content = "".join(pieces).strip()
    pieces[0], pieces[-1] = pieces[0].lstrip(), pieces[-1].rstrip()
    if len(pieces) > 1 and "".join(pieces) == page.content:
        page.kb_html_parts = pieces  # balanced pieces: kb.latefill cleans them one by one
    _set_rest(page, files, docs, docs[0]["title"], set())
    return True


def _unique_ids(docs: list[dict], shared: set[str]) -> bool:
    seen: set[str] = set()
    for doc in docs:
        ids = set(doc["tree_ids"]) - shared
        if ids & seen:
            return False  # toc would have made these unique across the whole page
        seen |= ids
    return True


def _set_rest(page, files, docs: list[dict], title, drop: set[str]) -> None:  # noqa: ANN001
    page.toc = get_toc(nest_toc_tokens([dict(t) for d in docs for t in d["tokens"]]))  # nesting adds children
    page._title_from_render = title
    page.present_anchor_ids = {a for d in docs for a in (*d["tree_ids"], *d["raw_ids"])} - drop
    if mkpages.log.getEffectiveLevel() > logging.DEBUG:
        by_src: dict = {}
        for doc in docs:
            for src, v in doc["links"].items():
                by_src.setdefault(src, {}).update(v)
        page.links_to_anchors = {files.get_file_from_path(src): v for src, v in by_src.items()}


def _assemble_block(page, files, parts: Parts, outer: dict, chunks: list[dict]) -> bool:  # noqa: ANN001
    if outer["content"].count(PLACEHOLDER) != 1 or TERM_LINK in outer["content"].replace(PLACEHOLDER, ""):
        return False
    if TERM_LINK in chunks[0]["content"] and not HEADING.match(parts.chunks[0].lstrip()):
        return False  # before its first heading the block would go on with the page's tooltips
    head = chunks[0]["content"].split("\n", 1)[0]
    inners = []
    for c in chunks:
        html = c["content"]
        if not html.startswith(head + "\n") or not html.endswith("</div>") or head.count("<") != 1:
            return False
        inners.append(html[len(head) + 1:-len("</div>")])
    if not _unique_ids([outer, *chunks], set(re.findall(r'\bid="([^"]*)"', parts.open_line))):
        return False
    # Python-Markdown keeps a raw HTML block's own line end: the block element in its place has none.
    mark = PLACEHOLDER + "\n" if PLACEHOLDER + "\n" in outer["content"] else PLACEHOLDER
    page.content = outer["content"].replace(mark, head + "\n" + "".join(inners) + "</div>")
    before, after = outer["content"].split(mark)
    page.kb_html_parts = [before, (head + "\n", inners, "</div>"), after]  # for kb.latefill, piece by piece
    # The block's headings come after the text before it; the text after it has none (split).
    _set_rest(page, files, [outer, *chunks], outer["title"], {"kb-parts-here"})
    return True
