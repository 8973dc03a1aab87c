"""The question bank: the real data, and each way a wrong answer could try to reach the site."""
from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kb import widgets
from kb.content import load
from kb.errors import DataError
from kb.quiz import BLANK, SECTIONS, json_for_html, quiz_data, render_quiz
from kb.render import Linker

ROOT = Path(__file__).resolve().parent.parent
QUIZ = "data/quiz.yml"


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


@pytest.fixture
def data_copy(tmp_path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def problems_after(project: Path, old: str, new: str) -> list[str]:
    path = project / QUIZ
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"fixture text must occur once in quiz.yml: {old!r}"
    path.write_text(text.replace(old, new), "utf-8")
    with pytest.raises(DataError) as info:
        load(project / "data")
    return [str(p) for p in info.value.problems]


def line_of(project: Path, needle: str) -> int:
    for n, line in enumerate((project / QUIZ).read_text("utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


# ---- the real bank ----------------------------------------------------------------------------


def test_bank_has_every_type_and_enough_questions(kb):
    qs = kb.quiz.questions
    by_type = Counter(q.type for q in qs)
    assert len(qs) >= 60
    assert set(by_type) == {"single", "multiple", "truefalse", "fill"}
    assert min(by_type.values()) >= 10
    # every section offered on the page has questions
    assert {q.section for q in qs} == set(SECTIONS)


def test_answers_occur_in_the_cited_paragraphs(kb):
    """The build's rule, restated independently: what is marked right is in the source."""
    for q in kb.quiz.questions:
        paras = [kb.documents[r.doc].paragraph(r.para) for r in q.sources]
        assert len({r.doc for r in q.sources}) == 1, q.id  # one document per question
        for r in q.sources:
            if r.quote:
                assert r.quote in kb.documents[r.doc].paragraph(r.para), q.id
        if q.type == "fill":
            assert q.q.count(BLANK) == 1, q.id
            assert any(q.answer in p for p in paras), q.id
        elif q.type == "truefalse":
            assert isinstance(q.answer, bool) and any(r.quote for r in q.sources), q.id
        else:
            correct = [c.text for c in q.choices if c.correct]
            assert len(correct) == 1 if q.type == "single" else len(correct) >= 2, q.id
            for text in correct:
                assert any(text in p for p in paras), (q.id, text)


def test_blanked_names_stay_blank(kb):
    """The speech leaves some names out (习提出, 以同志为的党中央): no question fills them in."""
    texts = [t for q in kb.quiz.questions for t in [q.q, q.explanation] + [c.text for c in q.choices]]
    assert any("习提出" in t for t in texts)  # the blank is quoted as it stands
    for t in texts:
        assert "近平" not in t and "总书记" not in t and "同志为核心" not in t, t


# ---- checks that must fail ---------------------------------------------------------------------


def test_wrong_fill_answer_is_named_with_file_line_and_field(data_copy):
    problems = problems_after(data_copy, "answer: 正面教育", "answer: 反面教育")
    line = line_of(data_copy, "answer: 反面教育")
    assert any(p.startswith(f"{QUIZ}:{line} questions[") and ".answer:" in p and "反面教育" in p and "找不到" in p
               for p in problems), problems


def test_correct_choice_not_in_source_is_refused(data_copy):
    problems = problems_after(data_copy, "- text: 对照群众期盼", "- text: 对照群众意见")
    line = line_of(data_copy, "对照群众意见")
    assert any(p.startswith(f"{QUIZ}:{line} ") and "choices[2].text" in p and "正确选项" in p for p in problems), problems


# (what the data says, what an editor changes it to, what one problem must say): each a mistake
# an editor could make in data/quiz.yml, reported on the field with a Chinese explanation.
QUIZ_MISTAKES = {
    "wrong choice found in the quote": ("      - text: 教师个人教案\n", "      - text: 整改方案x\n      - text: 民主生活会方案\n",
                                        ("错误选项“民主生活会方案”",)),
    "true/false needs a quote": ("        quote: 会议的第二个议程是市委教育实践活动督导组领导讲话。\n", "",
                                 (".sources:", "判断题至少要有一处带逐字引文")),
    "true/false answer is true or false": ("    q: 据《推进会报道》，第一环节中“四风”具体问题收集得很多。\n    answer: false",
                                           "    q: 据《推进会报道》，第一环节中“四风”具体问题收集得很多。\n    answer: 错",
                                           (".answer:", "只能是 true")),
    # quotes let kb fix-citations find a paragraph again after a source text is corrected
    "every source quotes its paragraph": ("        quote: 坚持六个基本原则。\n", "", ("questions[0].sources[0]:", "逐字引文")),
    "one document per question": ("      - doc: speech\n        para: 23\n",
                                  "      - doc: speech\n        para: 23\n      - doc: progress-meeting\n        para: 22\n",
                                  ("同一篇文档",)),
    "single choice has exactly one correct": ("      - text: 经济总量翻番\n", "      - text: 经济总量翻番\n        correct: true\n",
                                              (".choices:", "恰好 1 个")),
    "fill-in has one blank": ("q: 《领导讲话稿》要求组织保障要有力，首先要抓住____这个关键。", "q: 《领导讲话稿》要求组织保障要有力，首先要抓住这个关键。",
                              (".q:", "恰好一个空格")),
    "unknown section": ("  - id: org-key\n    type: fill\n    section: organisation",
                        "  - id: org-first-responsible\n    type: fill\n    section: organization",
                        (".section:", "没有栏目“organization”")),
    "duplicate id": ("  - id: org-key\n    type: fill\n    section: organisation",
                     "  - id: org-first-responsible\n    type: fill\n    section: organization", (".id:", "重复")),
}


@pytest.mark.parametrize("old, new, needles", QUIZ_MISTAKES.values(), ids=QUIZ_MISTAKES.keys())
def test_an_editors_mistake_is_reported_on_its_field(data_copy, old, new, needles):
    problems = problems_after(data_copy, old, new)
    assert any(all(n in p for n in needles) for p in problems), problems


def test_misspelt_field_is_refused(data_copy):
    problems = problems_after(data_copy, "    explanation: 原文：“会议由市委教育工委副书记李映哲主持”。",
                              "    explaination: 原文：“会议由市委教育工委副书记李映哲主持”。")
    assert any("未知字段“explaination”" in p for p in problems), problems


# ---- the page's data ---------------------------------------------------------------------------


def test_data_cannot_break_out_of_the_page():
    text = json_for_html({"q": "</script><script>alert(1)</script>&<!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"q": "</script><script>alert(1)</script>&<!--"}


def test_rendered_page_carries_every_question_and_link(kb):
    md = render_quiz(kb, Linker("quiz.md", kb.by_id))
    block = re.search(r'<div id="kb-quiz-data" hidden data-quiz="([^"]*)"></div>', md)
    assert block, md[:500]
    data = json.loads(html.unescape(block.group(1)))
    assert data == json.loads(json.dumps(quiz_data(kb), ensure_ascii=False))
    assert [q["id"] for q in data["questions"]] == [q.id for q in kb.quiz.questions]
    keys = {s["key"] for q in data["questions"] for s in q["sources"]}
    links = dict(re.findall(r'\]\(([^)]+)\)\{ data-kb-src="([^"]+)" \}', md))
    assert keys == set(links.values())
    for href, key in links.items():
        doc, para = key.rsplit("-", 1)
        assert href == f"sources/{doc}.md#p{para}"
    # no inline script at all: Material's instant navigation would run it as JavaScript
    assert "<script" not in md
    assert html.escape("出题范围") in widgets.restore(md)  # the code-made forms, behind their placeholder
