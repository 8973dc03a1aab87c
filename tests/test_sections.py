"""The one model of the site: the section table decides pages, anchors, macros and navigation."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb import render, sections
from kb.content import load
from kb.errors import DataError
from kb.pages import generated_pages, site_nav

from .conftest import ROOT, kb_cmd, mkdocs_build

KB_CODE = ROOT / "scripts" / "kb"


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


def test_every_table_macro_is_a_render_function():
    for sec in sections.SECTIONS:
        for name, fn in sec.macros.items():
            assert callable(getattr(render, fn, None)), f"{sec.key}: macro {name} -> render.{fn} is missing"
        assert sec.page_macro in sec.macros, f"{sec.key}: its page macro is not one of its macros"
        if sec.item_macros:
            assert set(sec.item_macros) <= set(sec.macros)


def test_render_code_names_no_page():
    """Pages come from the section table only: no page path literal in the render code."""
    literal = re.compile(r"""["'][\w./{}-]*\.md["']""")
    for name in ("render.py", "content.py", "checks.py", "mkdocs_env.py", "pages.py"):
        hits = [line for line in (KB_CODE / name).read_text("utf-8").splitlines() if literal.search(line)]
        assert not hits, f"{name} names pages: {hits}"


def test_every_item_with_an_id_is_in_the_one_index(kb):
    with_id = [e for e in kb.entries if e.id]
    assert len(kb.by_id) == len(with_id)
    for key in ("documents", "phases", "principles", "faq", "glossary", "events", "requirements", "problems", "organisation"):
        assert any(e.section == key for e in kb.by_id.values()), key
    assert kb.by_id["study"].page == "phases/study.md" and kb.by_id["study"].anchor == ""
    assert kb.by_id["speech"].page == "sources/speech.md"


def test_generated_pages_and_nav_follow_the_table(kb):
    pages = generated_pages(kb)
    for sec in sections.SECTIONS:
        assert sec.page in pages
    for p in kb.phases.phases:
        assert f'phase("{p.id}")' in pages[f"phases/{p.id}.md"]
    nav = site_nav(kb)
    flat = repr(nav)
    for page in pages:
        assert f"'{page}'" in flat, f"{page} is not in the navigation"
    phases_node = next(n for group in nav for n in (group.get("活动要点") or []) if "环节" in n)["环节"]
    ordered = [p.id for p in sorted(kb.phases.phases, key=lambda p: p.order)]
    assert phases_node == ["phases/index.md", *(f"phases/{i}.md" for i in ordered)]


def _dup(path: Path, first_id_line: str, block_start: str) -> None:
    """Duplicate the first item of a data file's list (same id)."""
    text = path.read_text("utf-8")
    start = text.index(block_start)
    end = text.index("\n  - id:", start + 1)
    text = text[:end] + "\n" + text[start:end].rstrip("\n") + text[end:]
    path.write_text(text, "utf-8")


@pytest.mark.parametrize("file, first", [("phases", "  - id: study\n"), ("documents", "  - id: speech\n")])
def test_duplicate_phase_and_document_ids_are_caught(project_copy, file, first):
    path = project_copy / "data" / f"{file}.yml"
    _dup(path, first, first)
    with pytest.raises(DataError) as e:
        load(project_copy / "data")
    ident = first.split(": ")[1].strip()
    lines = [n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if line == first.rstrip("\n")]
    assert len(lines) == 2
    want = f"data/{file}.yml:{lines[1]} {file}[1].id: id“{ident}”重复：data/{file}.yml:{lines[0]} 已经用过"
    assert any(want in str(p) for p in e.value.problems), e.value.report()


THIRD_DOC = "第一段：这是第三篇文档的开头。\n\n第二段：教育实践活动要注重实效。\n"


@pytest.mark.build
def test_a_new_document_and_phase_appear_by_data_alone(project_copy, tmp_path):
    data = project_copy / "data"
    (data / "sources" / "002_test.txt").write_text(THIRD_DOC, "utf-8")
    with (data / "documents.yml").open("a", encoding="utf-8") as f:
        f.write("""  - id: third-doc
    file: 002_test.txt
    title: 第三篇测试文档
    short_title: 测试文档
    kind: 测试
    summary: 只用于测试：由数据新增的文档。
""")
    with (data / "phases.yml").open("a", encoding="utf-8") as f:
        f.write("""  - id: fourth-phase
    order: 4
    label: 测试环节
    name: 注重实效
    summary: 只用于测试：由数据新增的一项。
    sources:
      - doc: third-doc
        para: 2
        quote: 教育实践活动要注重实效
""")
    out = tmp_path / "site"
    result = mkdocs_build(project_copy, out)
    assert result.returncode == 0, result.stdout + result.stderr
    doc_page = (out / "sources" / "third-doc" / "index.html").read_text("utf-8")
    assert "第三篇测试文档" in doc_page and 'id="p2"' in doc_page and "教育实践活动要注重实效" in doc_page
    assert "测试环节：注重实效" in doc_page, "the new phase cites paragraph 2: its back-link is listed there"
    phase_page = (out / "phases" / "fourth-phase" / "index.html").read_text("utf-8")
    assert "测试环节：注重实效" in phase_page and "只用于测试：由数据新增的一项。" in phase_page
    listing = (out / "sources" / "index.html").read_text("utf-8")
    assert "第三篇测试文档" in listing and 'href="third-doc/"' in listing
    nav_link = re.compile(r'<a href="(?:\.\./)*(?:sources/)?third-doc/" class="md-nav__link')
    assert nav_link.search(listing), "the new document is in the navigation"
    phases = (out / "phases" / "index.html").read_text("utf-8")
    assert re.search(r'<a href="fourth-phase/" class="md-nav__link', phases), "the new phase is in the navigation"
    assert not (project_copy / "docs" / "sources" / "third-doc.md").exists(), "no hand-made page was needed"


@pytest.mark.build
def test_hand_written_page_wraps_a_generated_section(project_copy, tmp_path):
    page = project_copy / "docs" / "phases" / "study.md"
    page.write_text('# {{ phase_title("study") }}\n\n编辑加的导语。\n\n{{ phase("study") }}\n', "utf-8")
    out = tmp_path / "site"
    result = mkdocs_build(project_copy, out)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (out / "phases" / "study" / "index.html").read_text("utf-8")
    assert "编辑加的导语。" in html and "主要任务" in html


def test_wrong_macro_arguments_name_the_page(project_copy, tmp_path):
    page = project_copy / "docs" / "faq.md"
    page.write_text(page.read_text("utf-8") + '\n{{ faq("extra") }}\n', "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert re.search(r"docs/faq.md:\d+: 宏“?faq”? ?的参数不对.*\{\{ faq\(\) \}\}", result.stdout + result.stderr)
    assert "Traceback" not in result.stdout + result.stderr


class FakeEnv:
    """The part of mkdocs-macros' environment that define_env uses."""

    def __init__(self, root: Path):
        self.conf = {"config_file_path": str(root / "mkdocs.yml")}
        self.macros: dict = {}
        self.page = type("P", (), {"file": type("F", (), {"src_uri": "faq.md"})()})()

    def macro(self, fn, name):
        self.macros[name] = fn


def test_a_bug_in_a_render_function_is_reported_as_a_bug(monkeypatch):
    from kb import mkdocs_env

    monkeypatch.setattr(mkdocs_env, "_reload_content_layer", lambda: None)

    def broken(kb, link):
        raise ValueError("programming mistake")

    monkeypatch.setattr(render, "render_faq", broken)
    env = FakeEnv(ROOT)
    mkdocs_env.define_env(env)
    with pytest.raises(ValueError, match="programming mistake"):
        env.macros["faq"]()  # not dressed up as the editor's mistake
    out = env.macros["phase"]("nope")  # the editor's mistake: collected, named with its page
    assert "这里有错误" in out
    assert mkdocs_env.PAGE_PROBLEMS[-1].startswith("docs/faq.md: 没有 id 为“nope”的环节")


def test_kb_command_exit_codes(project_copy):
    assert kb_cmd("check").returncode == 0
    usage = kb_cmd("no-such-command")
    assert usage.returncode == 2
    assert kb_cmd("check", "--no-such-option").returncode == 2
    (project_copy / "data" / "faq.yml").write_text("groups: [", "utf-8")
    content = kb_cmd("check", cwd=project_copy)
    assert content.returncode == 1 and "data/faq.yml:1" in content.stderr and "YAML 语法错误" in content.stderr
    assert "Traceback" not in content.stderr


def test_a_preview_reloads_the_content_code_only_when_it_changed(monkeypatch):
    """`kb serve` reloads the content layer when its code changed, and only then: a module first
    imported during the first build is not a change (that reload cost the first edit seconds)."""
    import importlib
    import sys

    from kb import mkdocs_env

    reloaded = []
    monkeypatch.setattr(importlib, "reload", lambda module: reloaded.append(module.__name__))
    loaded = {f"kb.{n}": Path(sys.modules[f"kb.{n}"].__file__).read_bytes()
              for n in mkdocs_env.CONTENT_MODULES if f"kb.{n}" in sys.modules}
    first, *rest = sorted(loaded)
    monkeypatch.setattr(mkdocs_env, "_loaded_sources", {k: loaded[k] for k in rest})  # `first` came later
    assert mkdocs_env._reload_content_layer() is False and reloaded == []
    mkdocs_env._loaded_sources[first] = b"# older code"
    assert mkdocs_env._reload_content_layer() is True and first in reloaded


def test_macros_that_read_beyond_the_data_are_macros_of_the_table():
    """A rename in the section table must not leave a stale name here (a preview would keep its output)."""
    declared = {name for sec in sections.SECTIONS for name in sec.macros}
    assert sections.READS_BEYOND_DATA and sections.READS_BEYOND_DATA <= declared
