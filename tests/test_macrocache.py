"""kb.macrocache: a preview reuses a macro's output only while the data it read is unchanged."""
from __future__ import annotations

import shutil

import pytest

from kb import macrocache
from kb.checks import check

from .conftest import ROOT


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    macrocache.forget()
    yield tmp_path
    macrocache.forget()


def edit(project, name: str) -> None:
    path = project / "data" / name
    path.write_text(path.read_text("utf-8") + "\n# 改过\n", "utf-8")


def test_output_is_kept_until_a_file_it_read_changes(project):
    renders = []

    def faq_titles(seen):
        renders.append(1)
        return "|".join(g.title for g in seen.faq.groups)

    def everything(seen):
        renders.append(2)
        return str(len(seen.entries))

    kb = check(project)
    first = macrocache.call(kb, ("faq",), faq_titles)
    macrocache.call(kb, ("all",), everything)
    edit(project, "glossary.yml")
    kb = check(project)
    assert macrocache.call(kb, ("faq",), faq_titles) == first  # kept: it read only the FAQ
    macrocache.call(kb, ("all",), everything)  # rendered again: it read every entry
    assert renders == [1, 2, 2]
    edit(project, "faq.yml")
    kb = check(project)
    macrocache.call(kb, ("faq",), faq_titles)
    assert renders == [1, 2, 2, 1]


def test_an_item_looked_up_by_id_makes_its_file_a_dependency(project):
    kb = check(project)
    faq_id = next(e.id for e in kb.entries if e.file == "faq" and e.id)
    renders = []

    def link_to_a_question(seen):
        renders.append(1)
        return seen.by_id[faq_id].anchor

    macrocache.call(kb, ("link",), link_to_a_question)
    edit(project, "glossary.yml")
    macrocache.call(check(project), ("link",), link_to_a_question)
    edit(project, "faq.yml")
    macrocache.call(check(project), ("link",), link_to_a_question)
    assert renders == [1, 1]


def test_documents_and_their_source_texts_are_one_dependency(project):
    renders = []

    def titles(seen):
        renders.append(1)
        return "|".join(d.meta.title for d in seen.documents.values())

    macrocache.call(check(project), ("docs",), titles)
    edit(project, "faq.yml")
    macrocache.call(check(project), ("docs",), titles)
    assert renders == [1]
    source = sorted((project / "data" / "sources").iterdir())[0]
    source.write_bytes(source.read_bytes() + b"\n")  # a trailing line end: the same paragraphs
    macrocache.call(check(project), ("docs",), titles)
    assert renders == [1, 1]


def test_an_error_is_never_kept(project):
    kb = check(project)
    calls = []

    def broken(seen):
        calls.append(1)
        seen.faq
        raise ValueError("bug")

    for _ in range(2):
        with pytest.raises(ValueError):
            macrocache.call(kb, ("broken",), broken)
    assert calls == [1, 1]


def test_a_part_is_kept_by_what_it_read_and_the_call_by_everything_its_parts_read(project):
    renders = []

    def glossary_part(seen):
        renders.append("glossary")
        return str(len(seen.glossary.terms))

    def faq_part(seen):
        renders.append("faq")
        return "|".join(g.title for g in seen.faq.groups)

    def page(seen):
        renders.append("page")
        return macrocache.part(seen, ("g",), glossary_part) + "/" + macrocache.part(seen, ("f",), faq_part)

    first = macrocache.call(check(project), ("page",), page)
    assert renders == ["page", "glossary", "faq"]
    edit(project, "glossary.yml")
    assert macrocache.call(check(project), ("page",), page) == first
    # The call read the glossary through its part: it is redone, and only that part with it.
    assert renders == ["page", "glossary", "faq", "page", "glossary"]
    edit(project, "tags.yml")  # read by neither part: the call is kept
    macrocache.call(check(project), ("page",), page)
    assert renders == ["page", "glossary", "faq", "page", "glossary"]
    # Outside a kept call a part is simply rendered.
    assert macrocache.part(check(project), ("g",), glossary_part) == first.split("/")[0]
    assert renders[-1] == "glossary"


def test_the_handbook_kept_section_by_section_equals_the_handbook_rendered_whole(project):
    from kb import render

    def handbook(seen):
        return render.render_handbook(seen, render.Linker("handbook.md", seen.by_id))

    macrocache.call(check(project), ("handbook",), handbook)
    path = project / "data" / "glossary.yml"
    text = path.read_text("utf-8")
    assert "definition: " in text
    path.write_text(text.replace("definition: ", "definition: 手册分节测试。", 1), "utf-8")
    kb = check(project)
    kept = macrocache.call(kb, ("handbook",), handbook)
    assert "手册分节测试" in kept
    assert kept == render.render_handbook(kb, render.Linker("handbook.md", kb.by_id))
