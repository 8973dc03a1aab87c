"""Models and loader, on the real data and on data broken in each way an editor can break it."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb import models as m
from kb import sections
from kb.content import load, split_paragraphs
from kb.errors import DataError

from .conftest import ROOT, kb_cmd
SHARED_SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


def problems_of(project: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load(project / "data")
    return [str(p) for p in info.value.problems]


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, count), "utf-8")


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


# ---- the real data ---------------------------------------------------------------------------


def test_real_data_is_valid_and_complete(kb):
    assert len(kb.principles.principles) == 6
    assert [p.number for p in kb.principles.principles] == [1, 2, 3, 4, 5, 6]
    assert {p.id for p in kb.phases.phases} >= {"study", "criticism", "rectification"}
    assert sum(len(g.questions) for g in kb.faq.groups) >= 40
    assert len(kb.glossary.terms) >= 20
    assert len(kb.events.events) >= 4
    titles = {lst.title for lst in kb.requirements.lists}
    for needed in ("三严三实", "五个对照", "六个不放过", "五个实"):
        assert any(needed in t for t in titles), needed


def test_source_copies_are_byte_identical_to_shared_sources(kb):
    if not SHARED_SOURCES.is_dir():
        pytest.skip("shared/sources is not beside this checkout")
    for doc in kb.documents.values():
        ours = (ROOT / "data" / "sources" / doc.meta.file).read_bytes()
        assert ours == (SHARED_SOURCES / doc.meta.file).read_bytes(), doc.meta.file


def test_paragraphs_are_non_empty_lines():
    assert split_paragraphs(" a \n\n b\n  \nc") == ("a", "b", "c")


def test_every_quote_occurs_in_its_paragraph(kb):
    checked = 0
    for e in kb.entries:
        for ref, _ in e.refs:
            if ref.quote:
                assert ref.quote in kb.documents[ref.doc].paragraph(ref.para)
                checked += 1
    assert checked > 100


def test_citation_index_points_back(kb):
    principle = kb.by_id["lead-by-example"] if "lead-by-example" in kb.by_id else next(
        e for e in kb.entries if e.kind == "基本原则" and e.id)
    for ref, _ in principle.refs:
        assert principle in kb.cited_by[(ref.doc, ref.para)]


def test_blanked_names_are_never_filled_in(kb):
    # The speech blanks some names ("以同志为的党中央", "习提出"); nothing on the site may fill them in.
    text = "".join(p.model_dump_json() for p in (kb.principles, kb.phases, kb.requirements, kb.problems,
                                                  kb.organisation, kb.events, kb.glossary, kb.faq))
    for filled in ("习近平", "以习近平同志为总书记"):
        assert filled not in text


def test_general_knowledge_terms_are_marked(kb):
    four_winds = next(t for t in kb.glossary.terms if t.term == "四风")
    # The sources never spell 四风 out, so its definition must be marked as general knowledge.
    assert four_winds.basis == "general"
    assert four_winds.sources, "a general term still shows where the sources use it"


# ---- broken data: each mistake is named with file, line and field ----------------------------


def test_wrong_quote_names_file_line_and_field(project_copy):
    faq = project_copy / "data" / "faq.yml"
    first_quote = re.search(r"quote: (.+)", faq.read_text("utf-8")).group(1)
    edit(faq, f"quote: {first_quote}", "quote: 这句话原文里没有")
    [msg] = problems_of(project_copy)
    line = line_of(faq, "这句话原文里没有")
    assert msg.startswith(f"data/faq.yml:{line} groups[0].questions[0].sources[0].quote: 引文在《")
    assert "找不到" in msg


def test_every_problem_is_reported_in_one_run(project_copy):
    data = project_copy / "data"
    edit(data / "principles.yml", "number: 2", "number: 二")
    edit(data / "events.yml", "  - id: ", "  - idd: ")
    edit(data / "glossary.yml", "definition:", "definitoin:")
    msgs = problems_of(project_copy)
    joined = "\n".join(msgs)
    assert "data/principles.yml" in joined and "应为整数" in joined
    assert "events[0].idd: 未知字段“idd”" in joined and "events[0].id: 缺少必填字段“id”" in joined
    assert "允许的字段有：id、sources、date" in joined
    assert "definitoin" in joined
    assert len({m.split(":")[0] for m in msgs}) == 3, msgs


def test_duplicate_id_names_both_places(project_copy):
    data = project_copy / "data"
    first = re.search(r"- id: (\S+)", (data / "problems.yml").read_text("utf-8")).group(1)
    second = re.findall(r"- id: (\S+)", (data / "problems.yml").read_text("utf-8"))[1]
    edit(data / "problems.yml", f"- id: {second}\n", f"- id: {first}\n")
    [msg] = problems_of(project_copy)
    assert f"id“{first}”重复" in msg and "data/problems.yml:" in msg


def test_duplicate_yaml_key_is_an_error(project_copy):
    data = project_copy / "data"
    edit(data / "documents.yml", "    kind: 讲话稿\n", "    kind: 讲话稿\n    kind: 报告\n")
    [msg] = problems_of(project_copy)
    assert "data/documents.yml:" in msg and "字段“kind”重复出现" in msg


def test_unknown_document_and_paragraph(project_copy):
    data = project_copy / "data"
    edit(data / "events.yml", "doc: speech", "doc: speeches")
    edit(data / "organisation.yml", "- doc: speech", "- doc: talk")
    edit(data / "principles.yml", "para: 16", "para: 99")
    joined = "\n".join(problems_of(project_copy))
    assert "events[0].doc: 引用了不存在的文档“speeches”" in joined
    assert "没有 id 为“talk”的文档。可用的文档：speech、progress-meeting" in joined
    assert "只有 23 段，没有第 99 段" in joined


def test_reference_to_unknown_item(project_copy):
    data = project_copy / "data"
    text = (data / "phases.yml").read_text("utf-8")
    rule = re.search(r"rules:\n\s+- (\S+)", text).group(1)
    edit(data / "phases.yml", f"- {rule}\n", "- no-such-list\n")
    [msg] = problems_of(project_copy)
    assert "rules[0]: 引用了不存在的要求组" in msg and "“no-such-list”" in msg


def test_yaml_syntax_error_names_line(project_copy):
    data = project_copy / "data"
    (data / "events.yml").write_text("events:\n  - id: a\n   date: [unclosed\n", "utf-8")
    [msg] = problems_of(project_copy)
    assert re.match(r"data/events.yml:\d+: YAML 语法错误", msg)


def test_missing_file_and_wrong_type(project_copy):
    data = project_copy / "data"
    (data / "glossary.yml").unlink()
    edit(data / "documents.yml", "documents:\n", "documents:\n  - 不是键值对\n")
    joined = "\n".join(problems_of(project_copy))
    assert "data/glossary.yml: 文件不存在" in joined
    assert "documents[0]: 应为键值对" in joined


def test_bad_id_and_date_formats(project_copy):
    data = project_copy / "data"
    edit(data / "events.yml", "date: ", "date: 某日", 1)
    text = (data / "faq.yml").read_text("utf-8")
    qid = re.search(r"- id: (\S+)\n\s+q:", text).group(1)
    edit(data / "faq.yml", f"- id: {qid}\n", "- id: Bad_ID\n")
    text = (data / "faq.yml").read_text("utf-8").replace(f"- {qid}\n", "- Bad_ID\n")
    (data / "faq.yml").write_text(text, "utf-8")
    joined = "\n".join(problems_of(project_copy))
    assert "日期应以“X月Y日”开头" in joined
    assert "“Bad_ID”格式不对" in joined


def test_scripts_check_exits_nonzero_and_lists_problems(project_copy):
    edit(project_copy / "data" / "principles.yml", "number: 3", "number: 2")
    result = kb_cmd("check", cwd=project_copy)
    assert result.returncode == 1
    assert "序号 2 与第 2 项重复" in result.stderr


def test_scripts_check_passes_on_real_data():
    result = kb_cmd("check")
    assert result.returncode == 0, result.stderr
    assert "内容检查通过" in result.stdout


# ---- schemas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["schemas", "theme"])
def test_generated_files_are_current(command):
    result = kb_cmd(command, "--check")
    assert result.returncode == 0, result.stderr


def test_schema_drift_is_detected(project_copy):
    schema = project_copy / "data" / "schemas" / "faq.schema.json"
    schema.write_text(schema.read_text("utf-8").replace('"q"', '"question"', 1), "utf-8")
    result = kb_cmd("schemas", "--check", cwd=project_copy)
    assert result.returncode == 1 and "faq.schema.json" in result.stderr
    assert kb_cmd("schemas", cwd=project_copy).returncode == 0
    assert kb_cmd("schemas", "--check", cwd=project_copy).returncode == 0


def test_every_data_file_names_its_schema():
    for name in (s.key for s in sections.DATA_SECTIONS):
        first = (ROOT / "data" / f"{name}.yml").read_text("utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=schemas/{name}.schema.json"


def test_theme_override_drift_is_detected(project_copy):
    partial = project_copy / "overrides" / "partials" / "search.html"
    partial.write_text(partial.read_text("utf-8").replace("aria-label", "data-x", 1), "utf-8")
    result = kb_cmd("theme", "--check", cwd=project_copy)
    assert result.returncode == 1 and "search.html" in result.stderr


def test_an_unchanged_data_file_is_validated_once_per_process(tmp_path, monkeypatch):
    """A preview rebuild validates only the files that changed; a changed file is validated again
    and its mistakes are reported (kb.content keeps the last version of each file)."""
    import shutil

    from kb import content
    from kb.checks import check

    data_copy = tmp_path / "project"
    shutil.copytree(ROOT / "data", data_copy / "data")
    check(data_copy)
    validated = []
    original = content._validate_file
    monkeypatch.setattr(content, "_validate_file", lambda name, *a: (validated.append(name), original(name, *a)))
    check(data_copy)
    assert validated == []
    faq = data_copy / "data" / "faq.yml"
    faq.write_text(faq.read_text("utf-8").replace("questions:", "questionz:", 1), "utf-8")
    with pytest.raises(DataError) as e:
        check(data_copy)
    assert validated == ["faq"] and "data/faq.yml" in str(e.value.report())
    with pytest.raises(DataError):  # the mistake stays reported while the file is unchanged
        check(data_copy)
    assert validated == ["faq"]


YAML_CASES = [
    "terms:\n  - id: a\n    term: 甲\n    n: 3\n    f: 1.5\n    ok: true\n    none: ~\n    date: 2014-01-20\n",
    "a: '引号'\nb: \"双引号\"\nc: |\n  多行\n  文字\nd: >\n  折叠\n  文字\ne: [1, two, {x: 3}]\nf: {g: [h, i]}\n",
    "a: 1\nb: 2\na: 3\n",  # a duplicate key
    "list:\n  - a\n  -\n  - - nested\n    - more\n  - {k: v, k: w}\n",
    "1: int key\ntrue: bool key\nnull: x\n'2': str key\n",
    "# 只有注释\n",
    "",
    "---\na: 1\n...\n",
    "a: 1\n---\nb: 2\n",  # two documents
    "a: &x 1\nb: *x\n",  # anchor and alias
    "a: !!python/object:os.system x\n",
    "a: !!int 7\nb: !!str 8\nc: !!float 1\n",
    "a: !!int seven\n",
    "a: 'unclosed\nb: 2\n",
    "a: [1, 2\nb: 3\n",
    "a:\n  b: 1\n c: 2\n",
    "? [complex, key]\n: value\n",
    "a: 【待填写】\nb:\n  - 【待填写】说明\n",
    "a: \x00\n",
    "a: " + "[" * 20 + "]" * 20 + "\n",  # too deep
]


@pytest.mark.parametrize("text", YAML_CASES)
def test_the_one_pass_yaml_reader_gives_what_the_composer_gives(text):
    """kb.yamlsource reads a data file in one pass over libyaml's events; the result (data, the
    line of every path, the problems) is what the composer-based reading gives, errors included."""
    from kb import yamlsource

    def read(fn):
        try:
            return ("ok", fn(text, "data/x.yml", "x"))
        except Exception as e:  # noqa: BLE001 - a bug must be the same bug both ways
            return ("raised", type(e).__name__)

    events = read(yamlsource._from_events)
    nodes = read(yamlsource._from_nodes)
    if events == ("ok", None):  # left to the composer: load_yaml then uses _from_nodes
        assert text in ("a: 1\n---\nb: 2\n", "? [complex, key]\n: value\n"), text
        return
    assert events == nodes


def test_every_data_file_reads_the_same_in_one_pass():
    from kb import yamlsource
    from kb.editorial import read_text

    for path in sorted((ROOT / "data").glob("*.yml")):
        text = read_text(path)
        assert yamlsource._from_events(text, path.name, path.stem) == yamlsource._from_nodes(text, path.name, path.stem), path.name
