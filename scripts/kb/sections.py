"""The one model of the site: every section, declared once.

For each content type: its data file and model, how its items become entries (ids, anchors,
titles), which page shows them, and the macros it offers. The loader and id index
(content.py), the links in render.py, the macros registered by mkdocs_env.py, the generated
pages and navigation (plugin.py), the checks and the benchmark's synthetic content all read
this table. No MkDocs here: the table is plain data.
"""
from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable

from . import models as m


@dataclass(frozen=True)
class Items:
    """A list (or, with single=True, one object) of items inside a data file."""

    field: str  # the field that holds them in their parent, e.g. "questions"
    title: Callable[[Any], str]
    children: tuple[Items, ...] = ()
    own_page: str | None = None  # e.g. "phases/{id}.md": each item gets a page of its own
    order: Callable[[Any], Any] | None = None  # order of own pages in the navigation
    single: bool = False  # an intro: one object without an id, shown at the top of the section page


@dataclass(frozen=True)
class Section:
    key: str  # section id; also the data file's stem (data/<key>.yml) when model is set
    title: str  # page title and navigation label
    label: str  # what an item of this section is called in back-links, e.g. 问答
    page: str  # the page that shows the section (for own-page items: their index page)
    page_macro: str  # the macro a generated section page calls
    model: type[m.Strict] | None = None
    items: tuple[Items, ...] = ()
    macros: dict[str, str] = field(default_factory=dict)  # macro name -> render function in kb.render
    item_macros: tuple[str, str] | None = None  # (title macro, body macro) of a generated own page
    nav: str | None = None  # navigation group; None: top level
    # The home card's line (Markdown) from the loaded knowledge base: counts from the data, words
    # that say no more than the data. None: "N 条" counted from the section's entries.
    card: Callable[[Any], str] | None = None

    @property
    def data_file(self) -> str | None:
        return f"{self.key}.yml" if self.model else None


def _phase_card(kb: Any) -> str:
    """Phases counted as the texts name them: only what a text calls 第…环节 is a 环节."""
    from .textpolicy import plain

    numbered = [p for p in sorted(kb.phases.phases, key=lambda x: x.order) if p.numbered]
    others = [p.name for p in kb.phases.phases if not p.numbered]
    text = f"{len(numbered)} 个环节（{'、'.join(plain(p.label) for p in numbered)}）" if numbered else ""
    if others:
        text += ("，以及" if text else "") + "、".join(plain(o) for o in others) + "（原文没有称之为环节）"
    return text + "的任务、成果和要求。"


_phase = Items("phases", lambda p: p.title, own_page="phases/{id}.md", order=lambda p: p.order)
_document = Items("documents", lambda d: f"《{d.short_title}》", own_page="sources/{id}.md")

# Macros whose output reads more than the data (git history, the build's environment): a preview
# never keeps their output between rebuilds (kb.macrocache keys what it keeps by data files).
READS_BEYOND_DATA = frozenset({"changelog", "handbook_pdf"})

SECTIONS: tuple[Section, ...] = (
    Section("home", "首页", "首页", "index.md", "home_cards", macros={"home_cards": "render_home_cards", "quote": "render_quote"}),
    Section("principles", "基本原则", "基本原则", "principles.md", "principles", m.PrinciplesFile,
            (Items("intro", lambda _: "基本原则", single=True), Items("principles", lambda p: p.title)),
            {"principles": "render_principles"}, nav="活动要点",
            card=lambda kb: f"{len(kb.principles.principles)} 个基本原则，每条附原文阐述。"),
    Section("phases", "环节", "环节", "phases/index.md", "phase_cards", m.PhasesFile, (_phase,),
            {"phase_cards": "render_phase_cards", "phase": "render_phase", "phase_title": "render_phase_title"},
            item_macros=("phase_title", "phase"), nav="活动要点", card=_phase_card),
    Section("requirements", "工作要求", "工作要求", "requirements.md", "requirements", m.RequirementsFile,
            (Items("lists", lambda x: x.title, (Items("items", lambda r: r.title),)),),
            {"requirements": "render_requirements"}, nav="活动要点",
            card=lambda kb: f"{len(kb.requirements.lists)} 组要求、{sum(len(x.items) for x in kb.requirements.lists)} 条，"
                            "含三严三实、五个对照、六个不放过。"),
    Section("problems", "突出问题", "突出问题", "problems.md", "problems", m.ProblemsFile,
            (Items("groups", lambda g: g.title, (Items("problems", lambda p: p.title),)),),
            {"problems": "render_problems"}, nav="活动要点",
            card=lambda kb: f"{sum(len(g.problems) for g in kb.problems.groups)} 个问题：要着力解决的突出问题和有待完善的方面，按原文分组。"),
    Section("organisation", "组织保障", "组织保障", "organisation.md", "organisation", m.OrganisationFile,
            (Items("intro", lambda _: "组织保障", single=True), Items("bodies", lambda b: b.name),
             Items("people", lambda p: p.name)),
            {"organisation": "render_organisation"}, nav="活动要点",
            card=lambda kb: f"{len(kb.organisation.bodies)} 个机构和角色的职责。"),
    Section("faq", "问答", "问答", "faq.md", "faq", m.FaqFile,
            (Items("groups", lambda g: g.title, (Items("questions", lambda q: q.q),)),),
            {"faq": "render_faq", "faq_index": "render_faq_index"},
            card=lambda kb: f"{sum(len(g.questions) for g in kb.faq.groups)} 个常见问题，答案都出自原文。"),
    Section("glossary", "术语表", "术语", "glossary.md", "glossary", m.GlossaryFile,
            (Items("terms", lambda t: t.term),), {"glossary": "render_glossary"},
            card=lambda kb: f"{len(kb.glossary.terms)} 个术语，按拼音排序。"),
    # Topic tags: declared in data/tags.yml (scripts/kb/tags.py), phase tags derived from the phases.
    Section("tags", "标签", "标签", "tags.md", "tag_index", macros={"tag_index": "render_tag_index"}),
    Section("events", "大事记", "大事记", "events.md", "events", m.EventsFile,
            (Items("events", lambda e: f"{e.date} {e.title}"),), {"events": "render_events"},
            card=lambda kb: f"{len(kb.events.events)} 个原文写明的日期。"),
    Section("documents", "原文", "原文", "sources/index.md", "source_documents", m.DocumentsFile, (_document,),
            {"source_documents": "render_document_list", "source_document": "render_document",
             "source_title": "render_document_title"},
            item_macros=("source_title", "source_document"),
            card=lambda kb: f"{len(kb.documents)} 篇源文档全文，逐段编号。"),
    # 学习: the self-test draws from data/quiz.yml (checked by quiz.py, no entries of its own); the
    # handbook has no data file: it is every section above and below, in this table's order.
    Section("quiz", "自测", "自测题", "quiz.md", "quiz", m.QuizFile, (), {"quiz": "render_quiz"}, nav="学习",
            card=lambda kb: f"{len(kb.quiz.questions)} 道自测题：随机出题，当场判分，每题附解析和原文出处。"),
    Section("handbook", "学习手册", "学习手册", "handbook.md", "handbook", None, (),
            {"handbook": "render_handbook", "handbook_pdf": "render_handbook_pdf"}, nav="学习"),
    # No data file of its own: what changed in all of data/, from git (changes.py).
    Section("changes", "更新记录", "更新记录", "changes.md", "changelog", macros={"changelog": "render_changelog"}),
)

BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}
# Data files in load order: documents first, since every other file cites them.
DATA_SECTIONS: tuple[Section, ...] = tuple(sorted((s for s in SECTIONS if s.model), key=lambda s: s.key != "documents"))


def section(key: str) -> Section:
    return BY_KEY[key]


def own_page(items: Items, item: Any) -> str | None:
    return items.own_page.format(id=item.id) if items.own_page else None


def link(page: str, target: str, anchor: str = "") -> str:
    """A relative Markdown link from one page (docs-relative, like faq.md) to another, with an anchor."""
    frag = f"#{anchor}" if anchor else ""
    if target == page:
        return frag or "#"
    return _relative(target, page) + frag


@functools.lru_cache(maxsize=4096)
def _relative(target: str, page: str) -> str:
    # posixpath.relpath asks the OS for the working directory on every call: at 100× content a
    # rebuild made 90,000 links, a second of it spent there. Few pairs of pages, many links.
    return posixpath.relpath(target, posixpath.dirname(page) or ".")
