"""The self-test question bank (data/quiz.yml): checks against the sources, and the page's data.

No MkDocs here. `quiz_problems` is called by content.load with the other checks; `render_quiz`
returns the 自测 page's markup: a settings form, the questions as JSON in a data attribute (read
by docs/javascripts/quiz.js, never executed) and the source-paragraph links as ordinary Markdown
links, so that the strict build validates them and rewrites them for every URL scheme.
"""
from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

from . import models as m
from . import sections as table
from . import widgets
from .errors import Loc, Problem, format_loc, line_for

if TYPE_CHECKING:
    from .content import KnowledgeBase, SourceDoc
    from .render import Linker

# Sections a set can be drawn from: the content sections of the section table (their titles, in
# its order), and the background (dates, meetings, the speech's occasion) that no section holds.
QUIZ_SECTION_KEYS = ("principles", "phases", "requirements", "problems", "organisation")
SECTIONS: dict[str, str] = {
    **{sec.key: sec.title for sec in table.SECTIONS if sec.key in QUIZ_SECTION_KEYS},
    "background": "背景与大事",
}
TYPES: dict[str, str] = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
BLANK = "____"
SET_SIZES = (5, 10, 20)
DEFAULT_SET_SIZE = 10


def quiz_problems(quiz: m.QuizFile, lines: dict[Loc, int], docs: dict[str, SourceDoc], shown: str) -> list[Problem]:
    """Every problem with the question bank: a wrong answer must not reach the site."""
    out: list[Problem] = []

    def bad(loc: Loc, message: str) -> None:
        out.append(Problem(shown, line_for(lines, loc), format_loc(loc), message))

    seen: dict[str, int] = {}
    for i, q in enumerate(quiz.questions):
        at: Loc = ("questions", i)
        if q.id in seen:
            bad(at + ("id",), f"题目 id“{q.id}”重复：第 {seen[q.id] + 1} 题已经用过。请换一个不重复的 id。")
        seen.setdefault(q.id, i)
        if q.section not in SECTIONS:
            bad(at + ("section",), f"没有栏目“{q.section}”。可用的栏目：" + "、".join(f"{k}（{v}）" for k, v in SECTIONS.items()) + "。")

        # Citations: the same checks as every other source reference, and one document per question.
        paragraphs: list[str] = []
        quotes: list[str] = []
        doc_ids = {r.doc for r in q.sources}
        if len(doc_ids) > 1:
            bad(at + ("sources",), "一道题的出处只能来自同一篇文档：两篇原文的人物、日期、机构不能混在一道题里。")
        for k, ref in enumerate(q.sources):
            rloc = at + ("sources", k)
            if ref.quote is None:
                bad(rloc, "自测题的每处出处都要有逐字引文（quote）：原文改动后，靠它找回所在的段落（kb fix-citations）。")
            doc = docs.get(ref.doc)
            if doc is None:
                if docs:
                    bad(rloc + ("doc",), f"没有 id 为“{ref.doc}”的文档。可用的文档：{'、'.join(docs)}。")
                continue
            text = doc.paragraph(ref.para)
            if text is None:
                bad(rloc + ("para",), f"《{doc.meta.short_title}》只有 {len(doc.paragraphs)} 段，没有第 {ref.para} 段。")
                continue
            paragraphs.append(text)
            if ref.quote is not None:
                if ref.quote not in text:
                    bad(rloc + ("quote",), f"引文在《{doc.meta.short_title}》第 {ref.para} 段中找不到。引文必须逐字照抄"
                                           f"（注意标点和引号），可用 scripts/paragraphs {ref.doc} 查看各段原文。")
                else:
                    quotes.append(ref.quote)
        if len(paragraphs) < len(q.sources):
            continue  # answers can only be checked against paragraphs that exist

        def in_cited(text: str) -> bool:
            return any(text in p for p in paragraphs)

        cited = "所引段落" if len(paragraphs) > 1 else "所引的段落"
        if q.type in ("single", "multiple"):
            if q.answer is not None or q.accept:
                bad(at + ("answer",), "选择题的答案用选项的 correct: true 标出，不写 answer 和 accept。")
            n_correct = sum(c.correct for c in q.choices)
            if q.type == "single" and (len(q.choices) < 2 or n_correct != 1):
                bad(at + ("choices",), f"单选题至少要有 2 个选项，且恰好 1 个标 correct: true（现在 {len(q.choices)} 个选项、{n_correct} 个正确）。")
            if q.type == "multiple" and (n_correct < 2 or len(q.choices) - n_correct < 1):
                bad(at + ("choices",), f"多选题至少要有 2 个正确选项和 1 个错误选项（现在 {n_correct} 个正确、{len(q.choices) - n_correct} 个错误）。")
            texts: dict[str, int] = {}
            for k, c in enumerate(q.choices):
                cloc = at + ("choices", k, "text")
                if c.text in texts:
                    bad(cloc, f"选项“{c.text}”与第 {texts[c.text] + 1} 个选项重复。")
                texts.setdefault(c.text, k)
                if c.correct and not in_cited(c.text):
                    bad(cloc, f"正确选项“{c.text}”在{cited}中找不到。正确选项的文字必须逐字出自原文，这样错误的答案不会发布出去。")
                if not c.correct and any(c.text in qt for qt in quotes):
                    bad(cloc, f"错误选项“{c.text}”出现在本题的引文中，可能其实是正确选项。请核对。")
        elif q.type == "truefalse":
            if q.choices:
                bad(at + ("choices",), "判断题不写选项：answer 写 true（说法正确）或 false（说法错误）。")
            if not isinstance(q.answer, bool):
                bad(at + ("answer",), "判断题的 answer 只能是 true（说法正确）或 false（说法错误）。")
            if not any(r.quote for r in q.sources):
                bad(at + ("sources",), "判断题至少要有一处带逐字引文（quote）的出处，解析据此说明对错。")
        elif q.type == "fill":
            if q.choices:
                bad(at + ("choices",), "填空题不写选项：answer 写应填的文字。")
            if q.q.count(BLANK) != 1:
                bad(at + ("q",), f"填空题的题干要用 {BLANK}（四个下划线）标出恰好一个空格，现在有 {q.q.count(BLANK)} 个。")
            if not isinstance(q.answer, str):
                bad(at + ("answer",), "填空题的 answer 要写应填的文字（不能为空，也不能是 true/false）。")
            else:
                for loc, text in [(at + ("answer",), q.answer)] + [(at + ("accept", k), a) for k, a in enumerate(q.accept)]:
                    if not in_cited(text):
                        bad(loc, f"答案“{text}”在{cited}中找不到。填空题的答案必须逐字出自原文。")
        if q.type != "fill" and q.accept:
            bad(at + ("accept",), "只有填空题才写 accept（其他可接受的写法）。")
    return out


def quiz_refs(quiz: m.QuizFile):
    """Every source reference of the bank with its path, for tools that walk citations (citefix)."""
    for i, q in enumerate(quiz.questions):
        for k, ref in enumerate(q.sources):
            yield ref, ("questions", i, "sources", k)


# ---- the page --------------------------------------------------------------------------------


def src_key(doc: str, para: int) -> str:
    return f"{doc}-{para}"


def quiz_data(kb: KnowledgeBase) -> dict:
    """The question bank as the page's script reads it: plain values, no markup."""
    qs = kb.quiz.questions if kb.quiz else []
    sections = [{"id": sid, "title": title, "count": sum(q.section == sid for q in qs)} for sid, title in SECTIONS.items()]
    questions = []
    for q in qs:
        item: dict = {"id": q.id, "type": q.type, "typeLabel": TYPES[q.type], "section": q.section, "q": q.q,
                      "explanation": q.explanation, "sources": []}
        if q.type in ("single", "multiple"):
            item["choices"] = [{"text": c.text, "correct": c.correct} for c in q.choices]
        elif q.type == "truefalse":
            item["answer"] = q.answer
        else:
            item["answer"] = q.answer
            item["accept"] = list(q.accept)
        for r in q.sources:
            item["sources"].append({"key": src_key(r.doc, r.para), "label": f"《{kb.documents[r.doc].meta.short_title}》第 {r.para} 段",
                                    "quote": r.quote})
        questions.append(item)
    return {"sections": [s for s in sections if s["count"]], "questions": questions,
            "setSizes": list(SET_SIZES), "defaultSetSize": DEFAULT_SET_SIZE}


def json_for_html(data: object) -> str:
    """JSON with no '<', '>' or '&': safe in HTML whatever the context (escaped again for the attribute)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_quiz(kb: KnowledgeBase, link: Linker) -> str:
    data = quiz_data(kb)
    esc = html.escape
    boxes = "".join(
        f'<label class="kb-quiz__section"><input type="checkbox" name="section" value="{esc(s["id"])}" checked> '
        f'{esc(s["title"])}（{s["count"]} 题）</label>' for s in data["sections"])
    sizes = "".join(f'<option value="{n}"{" selected" if n == DEFAULT_SET_SIZE else ""}>{n} 题</option>' for n in SET_SIZES)
    total = len(data["questions"])
    form = (
        '<form class="kb-quiz__setup" id="kb-quiz-setup" novalidate>'
        f'<fieldset><legend>出题范围（题库共 {total} 题）</legend>{boxes}</fieldset>'
        f'<p><label for="kb-quiz-size">每组题量</label> <select id="kb-quiz-size" name="size">{sizes}</select> '
        '<button type="submit" class="md-button md-button--primary" id="kb-quiz-start">随机出一组题</button></p>'
        '<p class="kb-quiz__last" id="kb-quiz-last" hidden></p>'
        '</form>'
    )
    # The forms are code-made controls: kept out of the page allowlist (widgets.py).
    block = (
        f'<div class="kb-quiz" id="kb-quiz" data-total="{total}">'
        + widgets.placeholder('<noscript><p>自测需要浏览器允许运行本站的脚本。</p></noscript>' + form)
        + '<div id="kb-quiz-status" class="kb-quiz__status" role="status" aria-live="polite"></div>'
        + widgets.placeholder('<form id="kb-quiz-questions" class="kb-quiz__questions" novalidate hidden></form>')
        + '</div>'
    )
    # Data, not code, in an attribute: Material's instant navigation re-runs every inline <script>
    # of a new page as JavaScript (it drops type="application/json" and the id), so a JSON script
    # block would break the page and trip the CSP. A quoted attribute is never executed.
    data_block = f'<div id="kb-quiz-data" hidden data-quiz="{html.escape(json_for_html(data), quote=True)}"></div>'
    # Every cited paragraph once, as a real link: validated by the build, rewritten by MkDocs.
    keys: dict[str, tuple[str, int]] = {}
    for q in (kb.quiz.questions if kb.quiz else []):
        for r in q.sources:
            keys.setdefault(src_key(r.doc, r.para), (r.doc, r.para))
    links = "\n".join(
        f'- [《{kb.documents[d].meta.short_title}》第 {p} 段]({link.paragraph(d, p)}){{ data-kb-src="{k}" }}'
        for k, (d, p) in sorted(keys.items(), key=lambda kv: (list(kb.documents).index(kv[1][0]), kv[1][1])))
    return f"{block}\n\n{data_block}\n\n<div class=\"kb-quiz-links\" hidden markdown>\n\n{links}\n\n</div>\n"
