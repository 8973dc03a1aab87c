"""Faithful to each document: ownership, blanks, heading titles, copy, and the coverage audit."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import audit as au
from kb import render as r
from kb.content import load
from kb.errors import DataError

from .conftest import ROOT, kb_cmd
from .test_content import edit, line_of


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


@pytest.fixture
def data(tmp_path) -> Path:
    """A scratch copy of data/ to break on purpose."""
    dest = tmp_path / "data"
    shutil.copytree(ROOT / "data", dest)
    return dest


def problems(data_dir: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load(data_dir)
    return [str(p) for p in info.value.problems]


def only(data_dir: Path) -> str:
    found = problems(data_dir)
    assert len(found) == 1, found
    return found[0]


# ---- the three cases the issue names, each through `kb check` -------------------------------------


def test_duty_citing_the_other_document_stops_kb_check(project_copy):
    org = project_copy / "data" / "organisation.yml"
    # A duty of the speech's 督导组 that cites the meeting report: the nesting the issue found.
    edit(org, """      - title: 总结推介典型
        text: 要注重总结推介督导单位开展活动的成功做法和先进典型，注意抓住一些反面典型，警示教育党员干部。
        sources:
          - doc: speech
            para: 21""", """      - title: 总结推介典型
        text: 要注重总结推介督导单位开展活动的成功做法和先进典型，注意抓住一些反面典型，警示教育党员干部。
        sources:
          - doc: progress-meeting
            para: 2""")
    result = kb_cmd("check", cwd=project_copy)
    assert result.returncode == 1
    line = _line_after(org, "title: 总结推介典型", "doc: progress-meeting")
    assert f"data/organisation.yml:{line} bodies[2].duties[1].sources[0].doc: 这个条目属于《领导讲话稿》（doc: speech），" \
           f"却引用了《推进会报道》第 2 段。" in result.stderr


def test_retold_blank_without_the_passage_stops_kb_check(project_copy):
    faq = project_copy / "data" / "faq.yml"
    # The blank dropped: "是党中央坚持…" instead of "是新时期以同志为的党中央坚持…".
    edit(faq, "是新时期以同志为的党中央坚持党要管党、从严治党的重大决策，是实现", "是党中央坚持党要管党、从严治党的重大决策，是实现")
    result = kb_cmd("check", cwd=project_copy)
    assert result.returncode == 1
    line = line_of(faq, "a: 讲话稿指出，群众路线是我党的生命线和根本路线。")
    assert (f"data/faq.yml:{line} groups[0].questions[0].a: 转述了《领导讲话稿》第 6 段含空缺的句子（“党中央坚持党要管党”），"
            f"但没有照原样写出“是新时期以同志为的党中央坚持党要管党、从严治党的重大决策”") in result.stderr
    assert "不要删去或补全" in result.stderr


def test_heading_title_citing_the_next_paragraph_stops_kb_check(project_copy):
    principles = project_copy / "data" / "principles.yml"
    # The intro's title is the heading of ¶14; cite only ¶15, as the site did before.
    edit(principles, """    - doc: speech
      para: 14
      quote: 三、原则要求要明确
""", "")
    result = kb_cmd("check", cwd=project_copy)
    assert result.returncode == 1
    line = line_of(principles, "title: 原则要求要明确")
    assert (f"data/principles.yml:{line} intro.title: 标题“原则要求要明确”取自《领导讲话稿》第 14 段的小标题，"
            f"出处应包含第 14 段（现在引的是第 15 段）。") in result.stderr


def _line_after(path: Path, anchor: str, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if anchor in line)
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


# ---- ownership ------------------------------------------------------------------------------------


def test_real_data_keeps_each_item_with_one_document(kb):
    for b in kb.organisation.bodies:
        assert {r.doc for r in b.sources} | {r.doc for d in b.duties for r in d.sources} == {b.doc}, b.id
    for p in kb.organisation.people:
        assert {r.doc for r in p.sources} == {p.doc}, p.id
    for t in kb.glossary.terms:
        for s in t.senses:
            assert {r.doc for r in s.sources} == {s.doc}, t.id
        if t.basis == "source" and not t.senses:
            assert {r.doc for r in t.sources} == {t.doc}, t.id
    # Where both documents speak of the same body or word, there are two entries or two senses.
    pairs = {b.id: b.counterpart for b in kb.organisation.bodies if b.counterpart}
    assert pairs["supervision-group"] == "supervision-group-meeting" and pairs["supervision-group-meeting"] == "supervision-group"
    assert pairs["leading-group"] == "leading-group-meeting"
    terms = {t.id: t for t in kb.glossary.terms}
    for tid in ("duzhaozu", "lingdao-xiaozu", "yibashou"):
        assert [s.doc for s in terms[tid].senses] == ["speech", "progress-meeting"], tid
    assert terms["bian-cha-bian-gai"].aliases == [] and terms["bian-cha-bian-gai"].doc == "progress-meeting"
    assert terms["bian-xue-bian-gai"].doc == "speech" and terms["bian-zhenggai"].doc == "progress-meeting"


def test_term_citing_both_documents_must_be_split_into_senses(data):
    glossary = data / "glossary.yml"
    edit(glossary, """    term: 联系点
    doc: speech
""", """    term: 联系点
""")
    edit(glossary, """        quote: 各县市区教育局党委领导小组成员要办好联系点，经常到联系点调研指导，为面上活动的开展作出示范
    related: [lingdao-xiaozu]""", """        quote: 各县市区教育局党委领导小组成员要办好联系点，经常到联系点调研指导，为面上活动的开展作出示范
      - doc: progress-meeting
        para: 2
    related: [lingdao-xiaozu]""")
    msg = only(data)
    assert "terms[" in msg and "].doc: 释义出自原文的术语要写 doc" in msg and "请改写成 senses" in msg


def test_alias_from_the_other_document_is_refused(data):
    glossary = data / "glossary.yml"
    edit(glossary, """    term: 边查边改
    doc: progress-meeting
""", """    term: 边查边改
    doc: progress-meeting
    aliases: [边学边改]
""")
    line = line_of(glossary, "aliases: [边学边改]")
    assert only(data).startswith(f"data/glossary.yml:{line} terms[")
    assert "又作“边学边改”在《推进会报道》中没有出现" in only(data)


def test_sense_citing_the_other_document_is_refused(data):
    glossary = data / "glossary.yml"
    edit(glossary, """      - doc: progress-meeting
        definition: 督导组副组长濮尔杰评价活动“自选动作有特色”。
        sources:
          - doc: progress-meeting
            para: 17
            quote: 自选动作有特色""", """      - doc: progress-meeting
        definition: 督导组副组长濮尔杰评价活动“自选动作有特色”。
        sources:
          - doc: speech
            para: 19
            quote: 把自选动作做出成效""")
    msg = only(data)
    assert ".senses[1].sources[0].doc: 这条说法属于《推进会报道》（doc: progress-meeting），却引用了《领导讲话稿》第 19 段" in msg


def test_phase_point_without_a_document_is_refused(data):
    phases = data / "phases.yml"
    edit(phases, """      - title: 边学边改
        doc: speech
""", """      - title: 边学边改
""")
    line = line_of(phases, "      - title: 边学边改")
    assert only(data) == f"data/phases.yml:{line} phases[2].tasks[1]: 这个环节没有写 doc（两篇文档都谈到），每条要点要写 doc：出自哪篇文档。"


def test_counterpart_in_the_same_document_is_refused(data):
    edit(data / "organisation.yml", "    counterpart: top-leader-meeting\n", "    counterpart: leading-group\n")
    assert "bodies[0].counterpart: 并列显示的应是另一篇文档中的同名机构" in only(data)


# ---- blanks ---------------------------------------------------------------------------------------


def test_blanks_are_declared_as_written(kb):
    blanks = {b.passage: b for b in kb.documents["speech"].meta.blanks}
    assert "是新时期以同志为的党中央坚持党要管党、从严治党的重大决策" in blanks
    assert "3月9日，习提出“三严三实”重要论述" in blanks
    for b in blanks.values():
        assert b.passage in kb.documents["speech"].paragraph(b.para)


def test_blank_passage_must_be_verbatim(data):
    documents = data / "documents.yml"
    # Filling the blank in is exactly what must never happen: the passage no longer matches the text.
    edit(documents, "passage: 3月9日，习提出“三严三实”重要论述", "passage: 3月9日，习近平提出“三严三实”重要论述")
    line = line_of(documents, "passage: 3月9日，习近平提出")
    found = problems(data)
    assert f"data/documents.yml:{line} documents[0].blanks[2].passage: 这段文字在《领导讲话稿》第 8 段中找不到，必须逐字照抄原文（包括空缺处）。" in found


def test_source_page_and_retelling_items_show_the_blank(kb):
    page = r.render_document(kb, "speech", r.Linker("sources/speech.md", kb.by_id))
    assert '<mark class="kb-blank" title="原文此处人名空缺，“习提出”照原样保留，不补全。">3月9日，习提出“三严三实”重要论述</mark>' in page
    assert "原文空缺：“是新时期以同志为的党中央坚持党要管党、从严治党的重大决策”——原文此处人名空缺" in page
    faq = r.render_faq(kb, r.Linker("faq.md", kb.by_id))
    assert "是新时期以同志为的党中央坚持党要管党" in faq
    assert "原文空缺：“是新时期以同志为的党中央坚持党要管党、从严治党的重大决策”：原文此处人名空缺" in faq
    events = r.render_events(kb, r.Linker("events.md", kb.by_id))
    assert "3月9日　习提出“三严三实”重要论述" in events and "原文空缺：“3月9日，习提出“三严三实”重要论述”" in events


# ---- copy -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("old, new, bad", [
    ("等问题；重点解决宗旨意识淡漠", "等问题;重点解决宗旨意识淡漠", ";"),
    ("民办学校管理不规范、“四不独立”，中小学", '民办学校管理不规范、"四不独立"，中小学', '"'),
    ("      - title: （一）开展教育实践活动要与贯彻中央、省委和市委精神相吻合", "      - title: (一)开展教育实践活动要与贯彻中央、省委和市委精神相吻合", "("),
])
def test_half_width_punctuation_in_prose_is_refused(data, old, new, bad):
    path = data / "requirements.yml"
    edit(path, old, new)
    msg = only(data)
    assert msg.startswith(f"data/requirements.yml:{line_of(path, new.strip()[:12])} lists[0].items[")
    assert f"用了半角标点“{bad}”" in msg and "中文正文请用全角标点" in msg


def test_quotes_keep_the_source_punctuation(kb):
    """Quotes are verbatim: the speech's own "(一)" and ";" stay in quote fields and pass."""
    quotes = [ref.quote for e in kb.entries for ref, _ in e.refs if ref.quote]
    assert any("(一)" in q for q in quotes) and any(";" in q for q in quotes)


def test_phase_rules_are_joined_with_semicolons(kb):
    out = r.render_phase(kb, "criticism", r.Linker("phases/criticism.md", kb.by_id))
    assert "对照党章；对照廉政准则；对照改进作风要求" in out
    assert "经常“回头看”；坚持“边整改”；做到“早打算”" in out


def test_phases_are_counted_as_the_texts_name_them(kb):
    home = r.render_home_cards(kb, r.Linker("index.md", kb.by_id))
    assert "2 个环节（第一环节、第二环节），以及整改落实（原文没有称之为环节）" in home
    assert "3 个环节" not in home
    study = r.render_phase(kb, "study", r.Linker("phases/study.md", kb.by_id))
    assert "环节：**第一环节** → [第二环节]" in study and "整改落实" not in study.split("环节：")[-1].split("\n")[0]
    rect = r.render_phase(kb, "rectification", r.Linker("phases/rectification.md", kb.by_id))
    assert "整改落实原文没有称之为环节" in rect and "第三环节" not in rect


def test_meeting_report_date_says_what_it_dates(kb):
    meta = kb.documents["progress-meeting"].meta
    assert meta.date == "5月23日" and meta.date_label == "推进会召开日期" and "未署日期" in meta.summary
    page = r.render_document(kb, "progress-meeting", r.Linker("sources/progress-meeting.md", kb.by_id))
    assert "推进会召开日期：5月23日" in page


def test_organisation_shows_each_document_separately(kb):
    out = r.render_organisation(kb, r.Linker("organisation.md", kb.by_id))
    speech = out.split("## 督导组（《领导讲话稿》）")[1].split("## ")[0]
    assert "濮尔杰" not in speech and "五个实" not in speech
    assert "## 市委第六督导组（《推进会报道》）" in out
    assert "### 《领导讲话稿》中" in out and "衡松同志" in out


# ---- audit ----------------------------------------------------------------------------------------


def test_audit_of_the_real_data(kb):
    a = au.audit(kb, au.load_reviewed(ROOT / "data"))
    f = a.figures()
    assert f["unreviewed_clauses"] == 0, [(i.label, i.unreviewed) for i in a.items if i.unreviewed]
    assert f["uncovered_passages"] <= 3
    assert f["same_text_pairs"] == 0 and f["similar_question_pairs"] == 0
    speech3 = next(p for p in a.paragraphs if p.doc == "speech" and p.para == 3)
    assert "organisation:hengsong" in speech3.citers


def test_audit_finds_what_it_is_for(data):
    faq = data / "faq.yml"
    # A clause that says more than ¶21 (a sequence the text does not state), an uncovered passage, a near-duplicate.
    edit(faq, "        a: 讲话稿要求督导组全程参与指导民主生活会，", "        a: 讲话稿要求督导组依次全程参与指导民主生活会，")
    edit(faq, "        q: 对督导组成员自身有什么要求？", "        q: 督导组在民主生活会中要做什么？")
    kb = load(data)
    a = au.audit(kb, au.load_reviewed(data))
    item = next(i for i in a.items if i.label == "faq:supervisors-and-democratic-life-meeting")
    assert ("a", "讲话稿要求督导组依次全程参与指导民主生活会") in item.unreviewed
    [(x, y, sim)] = a.similar_questions
    assert (x, y) == ("supervisors-and-democratic-life-meeting", "how-supervision-groups-supervise") and sim >= au.SIMILAR_Q
    report = au.render_report(a, kb)
    assert "### `faq:supervisors-and-democratic-life-meeting`" in report and "问题相近" in report


def test_kb_audit_writes_the_report(project_copy):
    out = project_copy / "dist" / "audit.md"
    result = kb_cmd("audit", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert "未经审核 0 处" in result.stdout
    text = out.read_text("utf-8")
    assert text.startswith("# 内容覆盖审核（编辑用）") and "### 《推进会报道》第 16 段" in text


def test_a_recheck_after_an_edit_reports_what_a_fresh_check_reports(data):
    """A preview keeps each file's findings while the file and the documents are unchanged
    (kb.faithful._kept): after an edit of one file, the other file's problems are still reported,
    in the same order as a check from scratch."""
    from kb import content, faithful

    glossary, faq = data / "glossary.yml", data / "faq.yml"
    edit(faq, "a: 讲话稿指出，群众路线", "a: 讲话稿指出,群众路线")
    edit(glossary, "definition: 讲话稿指出，群众路线", "definition: 讲话稿指出;群众路线")
    first = problems(data)
    assert len(first) == 2 and "faq.yml" in first[0] and "glossary.yml" in first[1], first
    edit(glossary, "definition: 讲话稿指出;群众路线", "definition: 讲话稿指出：群众路线")  # fixed: faq.yml is kept
    kept = problems(data)
    assert len(kept) == 1 and "faq.yml" in kept[0] and "“,”" in kept[0], kept
    edit(glossary, "definition: 讲话稿指出：群众路线", "definition: 讲话稿指出!群众路线")
    again = problems(data)
    faithful._kept.clear()
    content._validated.clear()
    assert again == problems(data) and len(again) == 2, again
