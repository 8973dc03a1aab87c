"""Render functions, without MkDocs: Markdown in, checked with plain Python-Markdown where it matters."""
from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest

from kb import models as m
from kb import render as r
from kb.content import load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


def html(md_text: str) -> str:
    return markdown.markdown(md_text, extensions=["attr_list", "md_in_html", "admonition", "toc"])


def test_linker_makes_relative_links():
    assert r.Linker("faq.md", {}).to("sources/speech.md", "p3") == "sources/speech.md#p3"
    assert r.Linker("phases/study.md", {}).to("sources/speech.md", "p3") == "../sources/speech.md#p3"
    assert r.Linker("sources/speech.md", {}).to("sources/speech.md", "p3") == "#p3"
    assert r.Linker("phases/study.md", {}).to("phases/criticism.md") == "criticism.md"


def test_sources_group_by_document_and_carry_quotes(kb):
    refs = [m.SourceRef(doc="speech", para=16, quote="一是坚持领导带头，层层示范"),
            m.SourceRef(doc="speech", para=16),
            m.SourceRef(doc="speech", para=18),
            m.SourceRef(doc="progress-meeting", para=9)]
    out = html(r.render_sources(kb, refs, r.Linker("principles.md", kb.by_id)))
    assert out.count("<a ") == 3, "the same paragraph is linked once"
    assert 'href="sources/speech.md#p16"' in out and 'href="sources/progress-meeting.md#p9"' in out
    assert 'title="引文：一是坚持领导带头，层层示范"' in out
    assert 'class="kb-sources"' in out
    assert out.index("《领导讲话稿》") < out.index("《推进会报道》")


def test_quote_with_straight_quotes_survives_as_title(kb):
    quote = '"四不独立"'
    out = html(r.render_sources(kb, [m.SourceRef(doc="speech", para=12, quote=quote)], r.Linker("problems.md", kb.by_id)))
    assert 'title="引文：&quot;四不独立&quot;"' in out


def test_principles_have_anchors_and_sources(kb):
    out = html(r.render_principles(kb, r.Linker("principles.md", kb.by_id)))
    for p in kb.principles.principles:
        assert f'id="{p.id}"' in out
        assert p.title in out
    assert out.count('class="kb-sources"') >= len(kb.principles.principles)


def test_document_paragraphs_are_numbered_escaped_and_cited(kb):
    out = html(r.render_document(kb, "speech", r.Linker("sources/speech.md", kb.by_id)))
    doc = kb.documents["speech"]
    assert len(re.findall(r'<p class="kb-para" id="p\d+">', out)) == len(doc.paragraphs)
    # Source text is shown exactly, with its straight quotes and brackets.
    assert "“四风”" in out and "(一)" in out
    # Every paragraph cited from another page lists its citers, linked to their anchors on their pages.
    cited = {n for (d, n), es in kb.cited_by.items() if d == "speech" and any(e.page != "sources/speech.md" for e in es)}
    assert out.count('class="kb-cited-by"') == len(cited)
    assert re.search(r'href="\.\./principles\.md#[a-z-]+"', out)


def test_markdown_specials_in_source_text_are_escaped():
    assert r.md_escape("*a* [b](c) <d> #e") == r"\*a\* \[b\](c) \<d\> \#e"
    assert html(r.md_escape("<script>x</script>")).count("<script>") == 0


def test_faq_questions_have_anchors_related_links_and_index(kb):
    out = html(r.render_faq(kb, r.Linker("faq.md", kb.by_id)))
    questions = [q for g in kb.faq.groups for q in g.questions]
    for q in questions:
        assert f'<h3 id="{q.id}">' in out
    with_related = [q for q in questions if q.related]
    assert out.count('class="kb-related"') == len(with_related)
    index = html(r.render_faq_index(kb, r.Linker("faq.md", kb.by_id)))
    assert index.count("<a ") == len(questions) + len(kb.faq.groups)


def test_glossary_is_sorted_by_pinyin_with_letter_groups(kb):
    out = r.render_glossary(kb, r.Linker("glossary.md", kb.by_id))
    letters = re.findall(r"^## ([A-Z#]) \{ #letter-", out, flags=re.M)
    assert letters == sorted(letters) and len(letters) >= 5
    terms = re.findall(r"^### (.+?) \{ #", out, flags=re.M)
    keys = [r.term_pinyin(next(t for t in kb.glossary.terms if t.term == name)).lower() for name in terms]
    assert keys == sorted(keys)
    general = [t for t in kb.glossary.terms if t.basis == "general"]
    assert out.count("通用释义") == len(general)


def test_pinyin_letters():
    term = m.Term(id="x", term="四风", definition="d", basis="general")
    assert r.term_pinyin(term) == "si feng" and r.term_letter(term) == "S"
    assert r.term_letter(m.Term(id="y", term="“三公”经费", definition="d", basis="general")) in "S#"


def test_events_are_one_timeline_per_document_in_date_order(kb):
    out = r.render_events(kb, r.Linker("events.md", kb.by_id))
    for doc_id in {e.doc for e in kb.events.events}:
        assert f"#timeline-{doc_id}" in out
    speech_part = out.split("#timeline-progress-meeting")[0]
    assert speech_part.index("3月9日") < speech_part.index("3月17日")


def test_phase_page_links_rules_and_other_phases(kb):
    p = kb.phase("criticism")
    out = html(r.render_phase(kb, "criticism", r.Linker("phases/criticism.md", kb.by_id)))
    for rule in p.rules:
        assert f'href="../requirements.md#{rule}"' in out
    assert 'href="study.md"' in out
    with pytest.raises(LookupError, match="没有 id 为“no-such-phase”的环节.*可用的 id：study"):
        r.render_phase(kb, "no-such-phase", r.Linker("phases/x.md", kb.by_id))


def test_quote_macro_checks_the_source(kb):
    out = r.render_quote(kb, "speech", 6, "群众路线是我党的生命线和根本路线。", r.Linker("index.md", kb.by_id))
    assert "sources/speech.md#p6" in out
    with pytest.raises(r.QuoteNotFound, match="找不到"):
        r.render_quote(kb, "speech", 6, "原文没有这句话", r.Linker("index.md", kb.by_id))


def test_home_cards_count_what_the_data_holds(kb):
    out = r.render_home_cards(kb, r.Linker("index.md", kb.by_id))
    n_q = sum(len(g.questions) for g in kb.faq.groups)
    assert f"{n_q} 个常见问题" in out and f"{len(kb.glossary.terms)} 个术语" in out
    assert 'class="grid cards"' in out
