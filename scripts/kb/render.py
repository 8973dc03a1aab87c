"""Pure render functions: models in, Markdown out. No MkDocs here.

Every function takes a Linker for the page being rendered, so that links are
relative Markdown links that MkDocs (or any successor) validates and rewrites.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from . import models as m
from . import pinyin
from . import sections
from .errors import ContentError
from .content import Entry, KnowledgeBase, UnknownItem
from .textpolicy import attr, plain, rich

# Every string from data/ reaches Markdown through plain() or _rich(), by its field's kind
# (textpolicy.py); md_escape and _attr_escape are the old names.
md_escape = plain
_attr_escape = attr


def _rich(text: str | None, link: "Linker", indent: str = "") -> str:
    """A rich-text field as Markdown of the subset; site links made relative to the page shown
    (faq.md#id), a bare #id is an item's anchor wherever that item lives."""
    if not text:
        return ""

    def to(page: str, anchor: str) -> str:
        if page:
            return link.to(page, anchor)
        return link.item(anchor) if anchor in link.index else "#" + anchor

    out = rich(text, to)
    return out.replace("\n", "\n" + indent) if indent else out


@dataclass(frozen=True)
class Linker:
    """Relative links from the page being rendered (a docs-relative path like faq.md).

    Targets are named by id or section key and looked up in the section table and the id
    index: no render function names a page.
    """

    page: str
    index: Mapping[str, Entry]

    def to(self, target: str, anchor: str = "") -> str:
        return sections.link(self.page, target, anchor)

    def entry(self, e: Entry) -> str:
        return self.to(e.page, e.anchor)

    def item(self, item_id: str) -> str:
        return self.entry(self.index[item_id])

    def section(self, key: str) -> str:
        return self.to(sections.section(key).page)

    def paragraph(self, doc: str, para: int) -> str:
        return self.to(self.index[doc].page, para_anchor(para))


def para_anchor(n: int) -> str:
    return f"p{n}"


# ---- building blocks ---------------------------------------------------------------------


def render_sources(kb: KnowledgeBase, refs: Iterable[m.SourceRef], link: Linker) -> str:
    """'出处：《领导讲话稿》第 16 段、第 18 段' with each paragraph linked; quotes as link titles."""
    if hasattr(link, "render_sources"):  # the handbook (handbook.py) prints citations as notes
        return link.render_sources(kb, refs)
    by_doc: dict[str, list[m.SourceRef]] = {}
    for r in refs:
        seen = by_doc.setdefault(r.doc, [])
        if all(s.para != r.para for s in seen):
            seen.append(r)
    if not by_doc:
        return ""
    parts = []
    for doc_id, rs in by_doc.items():
        name = plain(kb.documents[doc_id].meta.short_title)
        links = []
        for r in rs:
            title = f' "{attr("引文：" + r.quote)}"' if r.quote else ""
            links.append(f"[第 {r.para} 段]({link.paragraph(doc_id, r.para)}{title})")
        parts.append(f"《{name}》" + "、".join(links))
    return "出处：" + "；".join(parts) + "\n{ .kb-sources }"


def _heading(level: int, text: str, anchor: str | None, classes: str = "") -> str:
    attrs = " ".join(x for x in (f"#{anchor}" if anchor else "", classes) if x)
    return f"{'#' * level} {plain(text)}" + (f" {{ {attrs} }}" if attrs else "")


def _points(kb: KnowledgeBase, points: list[m.Point], link: Linker, level: int | None = None) -> list[str]:
    """Points as titled sub-sections (when level is given and they have titles) or a list."""
    out: list[str] = []
    for p in points:
        prefix = ""
        if p.doc and p.doc in kb.documents:  # a point of an item both documents speak of: say whose it is
            label = f"《{kb.documents[p.doc].meta.short_title}》"
            p = p.model_copy(update={"title": f"{p.title}（{label}）" if p.title else None})
            prefix = "" if p.title else plain(label)
        if level and p.title:
            out.append(_heading(level, p.title, None))
            if p.text:
                out.append(_rich(p.text, link))
        else:
            head = f"**{plain(p.title)}**" + ("　" if p.text else "") if p.title else ""
            out.append(head + prefix + _rich(p.text, link))
        out.append(blank_notes(kb, [p.title or "", p.text or ""], link))
        out.append(render_sources(kb, p.sources, link))
    return out


def _join(blocks: Iterable[str]) -> str:
    return "\n\n".join(b for b in blocks if b) + "\n"


# ---- pages -------------------------------------------------------------------------------


def render_principles(kb: KnowledgeBase, link: Linker) -> str:
    f = kb.principles
    out = [_rich(f.intro.text, link), render_sources(kb, f.intro.sources, link)]
    for p in sorted(f.principles, key=lambda p: p.number):
        out.append(_heading(2, f"{_cn_number(p.number)}、{p.title}", p.id))
        out.append(_rich(p.explanation, link))
        out += _points(kb, p.points, link)
        out.append(render_sources(kb, p.sources, link))
    return _join(out)


def render_requirement_list(kb: KnowledgeBase, lst: m.RequirementList, link: Linker, level: int = 2) -> str:
    doc = kb.documents[lst.doc].meta.short_title
    out = [_heading(level, lst.title, lst.id), f"出自《{plain(doc)}》。" + _rich(lst.intro, link), blank_notes(kb, [lst.intro or ""], link)]
    for r in lst.items:
        title = f"{r.number} {r.title}" if r.number and not r.title.startswith(r.number) else r.title
        out.append(_heading(level + 1, title, r.id))
        out.append(_rich(r.text, link))
        out.append(blank_notes(kb, [r.text or ""], link))
        out += _points(kb, r.points, link)
        out.append(render_sources(kb, r.sources, link))
    out.append(render_sources(kb, lst.sources, link))
    return _join(out)


def render_requirements(kb: KnowledgeBase, link: Linker) -> str:
    return _join(render_requirement_list(kb, lst, link) for lst in kb.requirements.lists)


def render_phase_title(kb: KnowledgeBase, phase_id: str, link: Linker) -> str:
    return md_escape(kb.phase(phase_id).title)


def render_phase(kb: KnowledgeBase, phase_id: str, link: Linker) -> str:
    p = kb.phase(phase_id)
    out = [_rich(p.summary, link), blank_notes(kb, [p.summary], link), render_sources(kb, p.sources, link)]
    if p.tasks:
        out.append(_heading(2, "主要任务", "tasks"))
        out += _points(kb, p.tasks, link)
    if p.outputs:
        out.append(_heading(2, "要做的事和要形成的成果", "outputs"))
        out += _points(kb, p.outputs, link, level=3)
    if p.rules:
        out.append(_heading(2, "遵循的要求", "rules"))
        for rule in p.rules:
            lst = kb.requirement_list(rule)
            items = "；".join(plain(r.title) for r in lst.items)  # the items themselves contain 、
            out.append(f"- [{plain(lst.title)}]({link.item(lst.id)})：{items}")
    out.append(_phase_nav(kb, p, link))
    return _join(out)


PHASE_NAV_WINDOW = 3  # phases shown on each side of the current one


def _phase_nav(kb: KnowledgeBase, p: m.Phase, link: Linker) -> str:
    """The phases in order, the current one in bold; with many phases, only its neighbours.

    Every phase page lists the phases: a full list costs phases² over the site. The window keeps
    each list short; the whole sequence stays one click away on phases/index.md.
    """
    others = [x for x in sorted(kb.phases.phases, key=lambda x: x.order) if not x.numbered]
    also = "另见：" + "、".join(f"[{plain(x.name)}]({link.item(x.id)})" for x in others if x.id != p.id)
    also = f"\n\n{also}（原文没有称之为环节）\n{{ .kb-phase-nav }}" if any(x.id != p.id for x in others) else ""
    phases = sorted((x for x in kb.phases.phases if x.numbered), key=lambda x: x.order)
    if p.id not in {x.id for x in phases}:
        named = " → ".join(f"[{plain(x.short_title)}]({link.item(x.id)})" for x in phases)
        nav = f"原文称为环节的：{named}；{plain(p.name)}原文没有称之为环节。\n{{ .kb-phase-nav }}" if phases else ""
        return nav + also
    i = next(k for k, x in enumerate(phases) if x.id == p.id)
    lo, hi = max(0, i - PHASE_NAV_WINDOW), min(len(phases), i + PHASE_NAV_WINDOW + 1)
    names = [f"[{plain(x.short_title)}]({link.item(x.id)})" if x.id != p.id else f"**{plain(x.short_title)}**" for x in phases[lo:hi]]
    nav = "环节：" + ("… → " if lo else "") + " → ".join(names) + (" → …" if hi < len(phases) else "")
    if lo or hi < len(phases):
        nav += f"　[全部 {len(phases)} 个环节]({link.section('phases')})"
    return nav + "\n{ .kb-phase-nav }" + also


def render_phase_cards(kb: KnowledgeBase, link: Linker) -> str:
    cards = []
    for p in sorted(kb.phases.phases, key=lambda x: x.order):
        note = "" if p.numbered else "（原文没有称之为环节）"
        cards.append(f"-   **[{plain(p.title)}]({link.item(p.id)})**{note}\n\n    ---\n\n    {_rich(p.summary, link, '    ')}")
    return _cards(cards)


def _cards(cards: list[str]) -> str:
    return '<div class="grid cards" markdown>\n\n' + "\n\n".join(cards) + "\n\n</div>\n"


def render_problems(kb: KnowledgeBase, link: Linker) -> str:
    out = []
    for g in kb.problems.groups:
        out += [_heading(2, g.title, g.id), _rich(g.intro, link), render_sources(kb, g.sources, link)]
        for p in g.problems:
            out += [_heading(3, p.title, p.id), _rich(p.text, link), render_sources(kb, p.sources, link)]
    return _join(out)


def render_organisation(kb: KnowledgeBase, link: Linker) -> str:
    f = kb.organisation
    out = [_rich(f.intro.text, link), render_sources(kb, f.intro.sources, link)]
    by_id = {b.id: b for b in f.bodies}
    shown: set[str] = set()
    for b in f.bodies:
        if b.id in shown:
            continue
        # Both documents speak of it: two labelled entries, one after the other, never merged.
        pair = [b] + ([by_id[b.counterpart]] if b.counterpart in by_id and b.counterpart not in shown else [])
        for x in pair:
            shown.add(x.id)
            doc = kb.documents[x.doc].meta.short_title
            out.append(_heading(2, f"{x.name}" + (f"：{x.role}" if x.role else "") + f"（《{doc}》）", x.id))
            if len(pair) > 1:
                other = pair[1] if x is pair[0] else pair[0]
                out.append(f"本条出自《{plain(doc)}》。《{plain(kb.documents[other.doc].meta.short_title)}》中的相应条目见"
                           f"[{plain(other.name)}]({link.item(other.id)})；两篇文档可能不是同一地方、同一年份，请分开理解。"
                           "\n{ .kb-doc-label }")
            out += [_rich(x.summary, link), blank_notes(kb, [x.summary], link), render_sources(kb, x.sources, link)]
            if x.duties:
                out.append(_heading(3, x.duties_title, None))
                out += _points(kb, x.duties, link)
    if f.people:
        out.append(_heading(2, "原文提到的人", "people"))
        out.append("只列原文写明的姓名和职务，按文档分开；原文中空缺的人名照原样空缺，不补全。")
        for doc_id, d in kb.documents.items():
            people = [p for p in f.people if p.doc == doc_id]
            if not people:
                continue
            out.append(_heading(3, f"《{d.meta.short_title}》中", f"people-{doc_id}"))
            for p in people:
                out.append(_heading(4, p.name + (f"：{p.role}" if p.role else ""), p.id))
                out += [_rich(p.text, link), blank_notes(kb, [p.text or ""], link), render_sources(kb, p.sources, link)]
    return _join(out)


def render_faq(kb: KnowledgeBase, link: Linker) -> str:
    by_id = {q.id: q for g in kb.faq.groups for q in g.questions}
    out = []
    for g in kb.faq.groups:
        out.append(_heading(2, g.title, g.id))
        for q in g.questions:
            out += [_heading(3, q.q, q.id), _rich(q.a, link), blank_notes(kb, [q.q, q.a], link), render_sources(kb, q.sources, link)]
            if q.related:
                rel = "、".join(f"[{plain(by_id[r].q)}]({link.item(r)})" for r in q.related)
                out.append(f"相关问题：{rel}\n{{ .kb-related }}")
    return _join(out)


def render_faq_index(kb: KnowledgeBase, link: Linker) -> str:
    """All questions as one list of links, grouped: readers scan it like a table of contents."""
    out = []
    for g in kb.faq.groups:
        qs = "\n".join(f"    - [{plain(q.q)}]({link.item(q.id)})" for q in g.questions)
        out.append(f"- [{plain(g.title)}]({link.item(g.id)})\n{qs}")
    return _join(["\n".join(out)])


def term_pinyin(t: m.Term) -> str:
    return t.pinyin or " ".join(pinyin.of(t.term))


def term_letter(t: m.Term) -> str:
    return _letter(term_pinyin(t))


def _letter(pinyin: str) -> str:
    first = pinyin[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def render_glossary(kb: KnowledgeBase, link: Linker) -> str:
    # Spelling is slow: once per term (kb.pinyin), and the terms grouped by letter in one pass.
    keyed = sorted(((term_pinyin(t), t) for t in kb.glossary.terms), key=lambda pt: (pt[0].lower(), pt[1].term))
    names = {t.id: t.term for _, t in keyed}
    by_letter: dict[str, list[m.Term]] = {}
    for pinyin, t in keyed:
        by_letter.setdefault(_letter(pinyin), []).append(t)
    letters = sorted(by_letter)
    out = ["首字母：" + " ".join(f"[{x}](#letter-{x.lower()})" for x in letters) + "\n{ .kb-letters }"]
    for letter in letters:
        out.append(_heading(2, letter, f"letter-{letter.lower()}"))
        for t in by_letter[letter]:
            out.append(_heading(3, t.term, t.id))
            if t.aliases:
                out.append("又作：" + "、".join(plain(a) for a in t.aliases) + "\n{ .kb-aliases }")
            if t.definition:
                out.append(_rich(t.definition, link))
            for sense in t.senses:
                doc = plain(kb.documents[sense.doc].meta.short_title)
                alias = f"（又作：{'、'.join(plain(a) for a in sense.aliases)}）" if sense.aliases else ""
                out.append(f"**《{doc}》中**{alias}：{_rich(sense.definition, link)}\n{{ .kb-sense }}")
                out.append(render_sources(kb, sense.sources, link))
            if t.senses:
                out.append("两篇文档各自的说法分开列出：它们可能不是同一地方、同一年份，请分开理解。\n{ .kb-doc-label }")
            out.append(blank_notes(kb, [t.definition or "", *(x.definition for x in t.senses)], link))
            if t.basis == "general":
                out.append('!!! note "通用释义"\n    这条释义是通用常识，不是原文引文；下面的出处只说明原文在哪里用到这个词。')
            out.append(render_sources(kb, t.sources, link))
            if t.related:
                out.append("相关术语：" + "、".join(f"[{plain(names[r])}](#{r})" for r in t.related) + "\n{ .kb-related }")
    return _join(out)


def render_events(kb: KnowledgeBase, link: Linker) -> str:
    """One timeline per document: the documents may not share a year or a city."""
    out = []
    for doc_id, doc in kb.documents.items():
        events = sorted((e for e in kb.events.events if e.doc == doc_id), key=lambda e: e.sort_key)
        if not events:
            continue
        out.append(_heading(2, f"《{doc.meta.short_title}》中的日期", f"timeline-{doc_id}"))
        out.append('<div class="kb-timeline" markdown>')
        for e in events:
            out += [_heading(3, f"{e.date}　{e.title}", e.id), _rich(e.text, link), blank_notes(kb, [e.title, e.text or ""], link),
                    render_sources(kb, e.sources, link)]
        out.append("</div>")
    return _join(out)


def render_document(kb: KnowledgeBase, doc_id: str, link: Linker) -> str:
    """A source text as it stands, one numbered and linkable paragraph each, with its citers."""
    doc = kb.document(doc_id)
    meta = doc.meta
    facts = [f"文种：{plain(meta.kind)}", f"共 {len(doc.paragraphs)} 段"] + ([f"{plain(meta.date_label or '日期')}：{plain(meta.date)}"] if meta.date else [])
    out = ["　·　".join(facts) + "\n{ .kb-doc-facts }", _rich(meta.summary, link),
           '!!! info "关于原文"\n    以下为原文全文，按原样刊出（原文中个别人名等处原本空缺，照原样保留）。'
           "每段前的段号可以点击，复制地址即可引用该段。"]
    for n, text in enumerate(doc.paragraphs, 1):
        anchor = para_anchor(n)
        out.append(f"[{n}](#{anchor}){{ .kb-para__num title=\"第 {n} 段\" }} {_mark_blanks(meta, n, text)}\n{{ #{anchor} .kb-para }}")
        notes = [b for b in meta.blanks if b.para == n]
        if notes:
            out.append("原文空缺：" + "；".join(f"“{md_escape(b.passage)}”——{md_escape(b.note.rstrip('。'))}" for b in notes) + "。" + "\n{ .kb-blank-note }")
        citers = [e for e in kb.cited_by.get((doc_id, n), []) if e.page != link.page]
        if citers:
            by_kind: dict[str, list[Entry]] = {}
            for e in citers:
                by_kind.setdefault(e.kind, []).append(e)
            groups = "；".join(f"{kind}：" + "、".join(f"[{plain(e.title)}]({link.entry(e)})" for e in es) for kind, es in by_kind.items())
            out.append(f"引用于　{groups}\n{{ .kb-cited-by }}")
    return _join(out)


def _mark_blanks(meta: m.Document, n: int, text: str) -> str:
    """The paragraph as it stands, each passage with a blank highlighted (never filled in)."""
    out = md_escape(text)
    for b in meta.blanks:
        if b.para == n and b.passage in text:
            passage = md_escape(b.passage)
            out = out.replace(passage, f'<mark class="kb-blank" title="{_attr_escape(b.note)}">{passage}</mark>', 1)
    return out


def blank_notes(kb: KnowledgeBase, texts: Iterable[str], link: Linker) -> str:
    """Where an item retells a sentence that holds a blank: the note, and a link to the paragraph."""
    texts = [t for t in texts if t]
    # One scan for all passages first: most items retell none (every item asks, so this stays linear).
    pattern = kb.blank_pattern
    if pattern is None or not any(pattern.search(t) for t in texts):
        return ""
    notes = []
    for doc_id, d in kb.documents.items():
        for b in d.meta.blanks:
            if any(b.passage in t for t in texts if t):
                notes.append(f"“{md_escape(b.passage)}”：{md_escape(b.note.rstrip('。'))}"
                             f"（[《{plain(d.meta.short_title)}》第 {b.para} 段]({link.paragraph(doc_id, b.para)})）")
    return ("原文空缺：" + "；".join(notes) + "。\n{ .kb-blank-note }") if notes else ""


def render_document_title(kb: KnowledgeBase, doc_id: str, link: Linker) -> str:
    return md_escape(kb.document(doc_id).meta.title)


def render_document_list(kb: KnowledgeBase, link: Linker) -> str:
    cards = []
    for doc_id, d in kb.documents.items():
        date = f"（{plain(d.meta.date_label or '日期')}：{plain(d.meta.date)}）" if d.meta.date else ""
        cards.append(f"-   **[{plain(d.meta.title)}]({link.item(doc_id)})**\n\n    ---\n\n"
                     f"    {plain(d.meta.kind)}{date}，{len(d.paragraphs)} 段。{_rich(d.meta.summary, link, '    ')}")
    return _cards(cards)


class QuoteNotFound(ContentError, ValueError):
    pass


def render_quote(kb: KnowledgeBase, doc_id: str, para: int, text: str, link: Linker) -> str:
    """A quotation in page prose, checked against the source like any data quote."""
    doc = kb.documents.get(doc_id)
    found = doc.paragraph(para) if doc else None
    if found is None or text not in found:
        where = f"《{doc.meta.short_title}》第 {para} 段" if doc else f"文档“{doc_id}”"
        raise QuoteNotFound(f"引文“{text}”在{where}中找不到。引文必须逐字照抄原文。")
    cite = render_sources(kb, [m.SourceRef(doc=doc_id, para=para, quote=text)], link)
    return f"> {md_escape(text)}\n>\n> {cite.splitlines()[0]}\n{{ .kb-quote }}\n"


def render_home_cards(kb: KnowledgeBase, link: Linker) -> str:
    """One card per section of the table, in its order, with what the data holds."""
    cards = []
    for sec in sections.SECTIONS:
        if sec.model is None:  # the home page itself, the record of changes
            continue
        text = section_summary(kb, sec.key)
        cards.append(f"-   **[{sec.title}]({link.section(sec.key)})**\n\n    ---\n\n    {text}")
    return _cards(cards)


def render_changelog(kb: KnowledgeBase, link: Linker) -> str:
    from .changes import render_changelog as changelog

    return changelog(kb, link)


def section_summary(kb: KnowledgeBase, key: str) -> str:
    """A home card's line: the section table's own words, else the count of its entries."""
    sec = sections.section(key)
    if sec.card is not None:
        return sec.card(kb)
    return f"{sum(1 for e in kb.entries if e.section == key and e.id)} 条。"


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else str(n)


# The study tools' macros live in their own modules (imported when called: handbook.py uses this one).


def render_quiz(kb: KnowledgeBase, link: Linker) -> str:
    from .quiz import render_quiz as render

    return render(kb, link)


def render_handbook(kb: KnowledgeBase, link: Linker) -> str:
    from .handbook import render_handbook as render

    return render(kb, link)


def render_handbook_pdf(kb: KnowledgeBase, link: Linker) -> str:
    from .handbook import render_handbook_pdf as render

    return render(kb, link)


def render_tag_index(kb: KnowledgeBase, link: Linker) -> str:
    """The tag index page (data/tags.yml and the phases): see kb.tags."""
    from .tags import render_tag_index as tag_index

    return tag_index(kb, kb.tagging, link.page)
