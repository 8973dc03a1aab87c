"""学习手册: the whole knowledge base as one page in reading order, for print and PDF.

No MkDocs here. `render_handbook` returns Markdown (the site's 学习手册 page uses it through a
macro); `handbook_html` turns the same Markdown into a standalone HTML document with the print
stylesheet, which scripts/pdf hands to WeasyPrint. Every section reuses the site's own render
functions with a HandbookLinker, so links point inside the handbook and citations become notes.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import macrocache
from . import models as m
from . import render as r
from . import sections
from .content import KnowledgeBase

TITLE = "群众路线知识库 学习手册"
PRINT_CSS = "docs/stylesheets/handbook-print.css"  # under the project root

# The handbook's sections in reading order: the section table's order, less the sections that
# are not reading matter (home page, self-test, the handbook itself).
def section_order() -> list[tuple[str, str, str]]:
    return [(sec.key, sec.title, sec.page) for sec in sections.SECTIONS if sec.key in _renderers()]


SECTION_LEVEL = 2  # the page title is the h1; each section is an h2 (a top-level PDF bookmark)


def section_anchor(section_id: str) -> str:
    return f"hb-{section_id}"


def phase_anchor(phase_id: str) -> str:
    return f"hb-phase-{phase_id}"


def doc_anchor(doc_id: str) -> str:
    return f"hb-src-{doc_id}"


def para_anchor(doc_id: str, n: int) -> str:
    return f"hb-{doc_id}-p{n}"




@dataclass(frozen=True)
class HandbookLinker(r.Linker):
    """Links to site pages become links inside the handbook; citations become numbered notes.

    Each section collects its own notes (one per cited paragraph and quote, numbered in order of
    first citation) and prints them at its end: footnotes would overflow pages full of citations.
    """

    part: str = "handbook"  # the handbook section whose notes these are (not `section`: a Linker method)
    notes: list[tuple[str, int, str | None]] = field(default_factory=list)
    numbers: dict[tuple[str, int, str | None], int] = field(default_factory=dict)  # note -> its number (no list search)

    def to(self, target: str, anchor: str = "") -> str:
        if target.startswith("sources/") and target != "sources/index.md":
            doc = target[len("sources/"):-len(".md")]
            n = re.fullmatch(r"p(\d+)", anchor or "")
            return "#" + (para_anchor(doc, int(n.group(1))) if n else doc_anchor(doc))
        if anchor:
            return f"#{anchor}"  # item ids are unique site-wide, and every item is in the handbook
        if target.startswith("phases/") and target != "phases/index.md":
            return "#" + phase_anchor(target[len("phases/"):-len(".md")])
        pages = {sec.page: sec.key for sec in sections.SECTIONS}
        return "#" + section_anchor(pages.get(target, "principles"))

    def note_anchor(self, k: int) -> str:
        return f"hb-{self.part}-n{k}"

    def render_sources(self, kb: KnowledgeBase, refs: Iterable[m.SourceRef]) -> str:
        """'出处' followed by the numbers of its notes, each linked to the note."""
        numbers: list[int] = []
        for ref in refs:
            key = (ref.doc, ref.para, ref.quote)
            k = self.numbers.get(key)
            if k is None:
                self.notes.append(key)
                k = self.numbers[key] = len(self.notes)
            if k not in numbers:
                numbers.append(k)
        if not numbers:
            return ""
        calls = "".join(f'<sup class="kb-note-call"><a href="#{self.note_anchor(k)}">{k}</a></sup>' for k in numbers)
        return f'<p class="kb-sources kb-notes">出处{calls}</p>'

    def render_notes(self, kb: KnowledgeBase) -> str:
        """The section's notes: document, paragraph (linked to the text in the appendix), quote."""
        if not self.notes:
            return ""
        items = []
        for k, (doc, para, quote) in enumerate(self.notes, 1):
            name = html.escape(kb.documents[doc].meta.short_title)
            q = f"：“{html.escape(quote)}”" if quote else ""
            items.append(f'<li id="{self.note_anchor(k)}" value="{k}">《{name}》<a href="#{para_anchor(doc, para)}">第 {para} 段</a>{q}</li>')
        return (f'<div class="kb-hb-notes"><p class="kb-hb-notes__title">注释</p>'
                f'<ol>{"".join(items)}</ol></div>')


_HEADING = re.compile(r"^(#{1,6}) ", re.M)
_ATTR_ID = re.compile(r"\{([^}]*?)#([A-Za-z][\w-]*)")


def shift_headings(md: str, by: int) -> str:
    return _HEADING.sub(lambda mt: "#" * min(6, len(mt.group(1)) + by) + " ", md)


def _rename_ids(md: str, rename: Callable[[str], str | None]) -> str:
    """Rename {#id} heading/paragraph anchors and (#id) links that `rename` maps to a new id."""
    def attr(mt: re.Match) -> str:
        new = rename(mt.group(2))
        return "{" + mt.group(1) + "#" + (new or mt.group(2))
    md = _ATTR_ID.sub(attr, md)
    return re.sub(r"\(#([A-Za-z][\w-]*)\)", lambda mt: f"(#{rename(mt.group(1)) or mt.group(1)})", md)


def _drop_paragraphs_with(md: str, marker: str) -> str:
    return "\n\n".join(block for block in md.split("\n\n") if marker not in block)


def _section(sid: str, title: str, body: str) -> str:
    head = f"{'#' * SECTION_LEVEL} {title} {{ #{section_anchor(sid)} .kb-hb-section }}"
    return head + "\n\n" + body


def _phases(kb: KnowledgeBase, link: HandbookLinker) -> str:
    out = []
    for p in sorted(kb.phases.phases, key=lambda x: x.order):
        body = r.render_phase(kb, p.id, link)
        body = _drop_paragraphs_with(body, ".kb-phase-nav")  # the handbook is read in order
        # A phase page's own anchors (tasks, outputs, rules) repeat on every phase: prefix them.
        body = _rename_ids(body, lambda a, pid=p.id: f"{pid}-{a}" if a in ("tasks", "outputs", "rules") else None)
        out.append(f"{'#' * (SECTION_LEVEL + 1)} {r.render_phase_title(kb, p.id, link)} {{ #{phase_anchor(p.id)} }}")
        out.append(shift_headings(body, SECTION_LEVEL))
    return "\n\n".join(out)


def _sources(kb: KnowledgeBase, link: HandbookLinker) -> str:
    out = []
    for doc_id, doc in kb.documents.items():
        body = r.render_document(kb, doc_id, link)
        body = _drop_paragraphs_with(body, "!!! info")  # the site's how-to-link note
        body = _rename_ids(body, lambda a, d=doc_id: para_anchor(d, int(a[1:])) if re.fullmatch(r"p\d+", a) else None)
        out.append(f"{'#' * (SECTION_LEVEL + 1)} {doc.meta.title} {{ #{doc_anchor(doc_id)} }}")
        out.append(body)
    return "\n\n".join(out)


def _renderers() -> dict[str, Callable[[KnowledgeBase, HandbookLinker], str]]:
    shift = SECTION_LEVEL - 1  # the site's pages put their items at h2
    return {
        "principles": lambda kb, ln: shift_headings(r.render_principles(kb, ln), shift),
        "phases": _phases,
        "requirements": lambda kb, ln: shift_headings(r.render_requirements(kb, ln), shift),
        "problems": lambda kb, ln: shift_headings(r.render_problems(kb, ln), shift),
        "organisation": lambda kb, ln: shift_headings(r.render_organisation(kb, ln), shift),
        "faq": lambda kb, ln: shift_headings(r.render_faq(kb, ln), shift),
        "glossary": lambda kb, ln: shift_headings(r.render_glossary(kb, ln), shift),
        "events": lambda kb, ln: shift_headings(r.render_events(kb, ln), shift),
        "documents": _sources,
    }


def _cover(kb: KnowledgeBase) -> str:
    docs = "".join(
        f"<li>{html.escape(d.meta.title)}（{html.escape(d.meta.kind)}"
        + (f"，{html.escape(d.meta.date)}" if d.meta.date else "") + f"，{len(d.paragraphs)} 段）</li>"
        for d in kb.documents.values())
    return (f'<div class="kb-hb-cover"><p class="kb-hb-cover__title">{html.escape(TITLE)}</p>'
            '<p class="kb-hb-cover__sub">党的群众路线教育实践活动学习资料</p>'
            f'<p>本手册的全部内容取自以下 {len(kb.documents)} 篇原文，每一条都注明出处（文档和段号），'
            '原文全文附在书末。原文中空缺的人名等照原样保留。</p>'
            f'<ul class="kb-hb-cover__docs">{docs}</ul></div>')


def _toc(sections: list[tuple[str, str, str]]) -> str:
    """Section titles and the headings one level down, linked; print adds the page numbers."""
    items = []
    sub_head = re.compile(r"^" + "#" * (SECTION_LEVEL + 1) + r" (.+?) \{ ?#([\w-]+)[^}]*\}$", re.M)
    for sid, title, body in sections:
        subs = "".join(f'<li><a href="#{a}">{html.escape(_plain(t))}</a></li>' for t, a in _sub_headings(sub_head, body))
        items.append(f'<li><a href="#{section_anchor(sid)}">{html.escape(title)}</a>'
                     + (f"<ol>{subs}</ol>" if subs else "") + "</li>")
    return f'<nav class="kb-hb-toc" aria-labelledby="hb-toc-title"><p class="kb-hb-toc__title" id="hb-toc-title">目录</p><ol>{"".join(items)}</ol></nav>'


@functools.lru_cache(maxsize=16)  # the handbook's sections, and a few kept from the build before
def _sub_headings(pattern: re.Pattern, body: str) -> list[tuple[str, str]]:
    # A preview keeps the sections' bodies (kb.macrocache): their headings are found once each.
    return pattern.findall(body)


def _plain(md_text: str) -> str:
    return re.sub(r"\\(.)", r"\1", md_text).replace("**", "")


def render_handbook(kb: KnowledgeBase, link: r.Linker, order: list[tuple[str, str, str]] | None = None) -> str:
    """The whole handbook as Markdown: cover, table of contents, every section, the sources."""
    renderers = _renderers()
    sections = []
    for sid, title, _ in order or section_order():
        def one(seen, sid: str = sid) -> str:  # noqa: ANN001 - the knowledge base, or a preview's view of it
            hb = HandbookLinker(link.page, seen.by_id if seen is not kb else link.index, part=sid)
            return renderers[sid](seen, hb) + "\n\n" + hb.render_notes(seen)

        # A preview keeps each section by the data it read (kb.macrocache): an edit of the glossary
        # renders the glossary's section again, not the whole knowledge base.
        sections.append((sid, title, macrocache.part(kb, ("handbook", sid, link.page), one)))
    out = [_cover(kb), _toc(sections)]
    out += [_section(sid, title, body) for sid, title, body in sections]
    return '<div class="kb-handbook" markdown>\n\n' + "\n\n".join(out) + "\n\n</div>\n"


# ---- standalone HTML for the PDF ----------------------------------------------------------------

MARKDOWN_EXTENSIONS = ["toc", "attr_list", "md_in_html", "admonition", "def_list", "tables",
                       "pymdownx.details", "pymdownx.superfences"]


def handbook_html(kb: KnowledgeBase, root: Path | None = None) -> str:
    """A complete HTML document: the handbook's Markdown rendered as the site renders it."""
    import markdown
    from pymdownx.slugs import slugify

    body = markdown.markdown(
        render_handbook(kb, r.Linker("handbook.md", kb.by_id)),
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs={"toc": {"slugify": slugify(case="lower")}},
    )
    from .paths import ROOT

    css = ((root or ROOT) / PRINT_CSS).read_text("utf-8")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(TITLE)}</title><style>{css}</style></head>"
            f'<body class="kb-hb-standalone">{body}</body></html>\n')


def render_handbook_pdf(kb: KnowledgeBase, link: r.Linker) -> str:
    """The download link, when this build writes the PDF (release.build_site sets KB_HANDBOOK_PDF)."""
    import os

    target = os.environ.get("KB_HANDBOOK_PDF")
    if not target:
        return pdf_notice(None)
    # Directory URLs serve handbook.md as handbook/; the offline build (KB_OFFLINE, Material's offline
    # plugin) turns them off and writes handbook.html beside index.html.
    directory_urls = os.environ.get("KB_OFFLINE", "false").lower() != "true"
    depth = link.page.count("/") + (1 if directory_urls and not link.page.endswith("index.md") else 0)
    return pdf_notice("../" * depth + target)


def pdf_notice(pdf_href: str | None) -> str:
    if pdf_href:
        return (f'<p class="kb-hb-download"><a class="md-button md-button--primary" href="{html.escape(pdf_href)}" '
                'download>下载 PDF 版学习手册</a></p>')
    return ('!!! note "PDF 版本"\n    本次构建没有生成 PDF 版学习手册（需要 Noto CJK 字体）。'
            "可以直接用浏览器打印本页，或由管理员运行 make pdf 生成。")
