"""Editors' tools: kb new (items and documents) and kb fix-citations, on a scratch copy."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb import checks, citefix, pages, scaffold
from kb.errors import DataError

SPEECH = "data/sources/000_40300b2fb4bdb054.txt"


def problems(root: Path) -> list[str]:
    checks._memo.clear()
    try:
        checks.check_everything(root)
    except DataError as e:
        return [str(p) for p in e.problems]
    return []


def fill(path: Path) -> None:
    """Fill every placeholder the way an editor would: a real paragraph and a verbatim quote."""
    out = []
    doc = "speech"
    for line in path.read_text("utf-8").split("\n"):
        if line.strip(" -").startswith("doc:"):
            doc = line.split(":", 1)[1].split("#")[0].strip()
        if scaffold.PLACEHOLDER in line:
            key = line.split(":", 1)[0]
            para, quote = ("3", "市教育局局长丁伟明") if doc == "progress-meeting" else ("6", "群众路线是我党的生命线和根本路线")
            value = {"para": para, "quote": quote, "date": "5月23日",
                     "short_title": "回头看通知", "kind": "通知"}.get(key.strip(" -"), "测试内容。")
            line = f"{key}: {value}"
        out.append(line)
    path.write_text("\n".join(out), "utf-8")


@pytest.mark.parametrize("kind", sorted(scaffold.KINDS))
def test_new_item_fails_until_filled(project_copy, kind):
    before = (project_copy / "data" / f"{scaffold.KINDS[kind].file}.yml").read_text("utf-8")
    made = scaffold.new_item(project_copy, kind, title="群众观点")
    path = project_copy / made.file
    after = path.read_text("utf-8")
    assert after.startswith(before.rstrip("\n")), "the lines before the new item are untouched"
    found = problems(project_copy)
    assert len(found) == made.placeholders > 0
    assert all("待填写" in p and p.startswith(made.file) for p in found), found
    fill(path)
    assert problems(project_copy) == []
    kb = checks.check(project_copy)
    assert made.id in kb.by_id


def test_new_item_in_named_group_and_fresh_ids(project_copy):
    a = scaffold.new_item(project_copy, "question", group="faq-significance")
    b = scaffold.new_item(project_copy, "question", group="faq-significance")
    assert a.id != b.id
    fill(project_copy / "data" / "faq.yml")
    kb = checks.check(project_copy)
    group = next(g for g in kb.faq.groups if g.id == "faq-significance")
    assert [q.id for q in group.questions][-2:] == [a.id, b.id]


def test_new_item_unknown_group(project_copy):
    with pytest.raises(scaffold.ScaffoldError, match="没有 id 为“nope”的分组"):
        scaffold.new_item(project_copy, "problem", group="nope")


TEXT = "关于开展“回头看”工作的通知\n\n　　各学校：\n　　为巩固教育实践活动成果，现就开展“回头看”工作通知如下。\n一、认真对照检查。  \n"


@pytest.mark.parametrize("encoding,bom,newline", [
    ("utf-8", False, "\n"), ("utf-8", True, "\r\n"), ("gb18030", False, "\r\n"), ("gbk", False, "\r"), ("utf-16", False, "\n"),
])
def test_new_document(project_copy, tmp_path, encoding, bom, newline):
    src = tmp_path / "notice.txt"
    src.write_bytes((b"\xef\xbb\xbf" if bom else b"") + TEXT.replace("\n", newline).encode(encoding))
    made = scaffold.new_document(project_copy, src, "review-notice")
    saved = (project_copy / "data" / "sources" / made.file).read_bytes()
    assert saved == "关于开展“回头看”工作的通知\n各学校：\n为巩固教育实践活动成果，现就开展“回头看”工作通知如下。\n一、认真对照检查。\n".encode()
    assert made.paragraphs[1] == "各学校："
    found = problems(project_copy)
    assert len(found) == 3 and all("data/documents.yml" in p and "待填写" in p for p in found), found
    fill(project_copy / "data" / "documents.yml")
    assert problems(project_copy) == []
    kb = checks.check(project_copy)
    assert kb.document("review-notice").paragraph(4) == "一、认真对照检查。"
    assert "sources/review-notice.md" in pages.generated_pages(kb)
    with pytest.raises(scaffold.ScaffoldError, match="已经添加过"):
        scaffold.new_document(project_copy, src, "another-id")


def test_new_cli(project_copy):
    kb = str(Path(sys.executable).with_name("kb"))
    env = {"KB_PROJECT": str(project_copy), "PATH": "/usr/bin:/bin", "PYTHONUTF8": "1"}
    r = subprocess.run([kb, "new", "term", "群众观点"], cwd=project_copy, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "已在 data/glossary.yml 第" in r.stdout and "qun-zhong-guan-dian" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([kb, "check"], cwd=project_copy, env=env, capture_output=True, text=True)
    assert r.returncode == 1 and "还有待填写的内容" in r.stderr
    r = subprocess.run([kb, "new", "nonsense"], cwd=project_copy, env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "不认识“nonsense”" in r.stderr


def test_fix_citations_after_a_paragraph_is_inserted(project_copy):
    src = project_copy / SPEECH
    lines = src.read_text("utf-8").split("\n")
    src.write_text("\n".join([lines[0], "（编者按：本文据录音整理。）", *lines[1:]]), "utf-8")
    before = {p: (project_copy / "data" / p).read_text("utf-8").split("\n") for p in ("faq.yml", "glossary.yml")}
    broken = problems(project_copy)
    assert any("引文现在在第 7 段，把 para: 6 改为 para: 7" in p for p in broken), broken[:5]
    fixed, left = citefix.fix_citations(project_copy)
    assert len(fixed) > 50 and left == []
    assert problems(project_copy) == []
    # quote() in page prose moved too
    assert '{{ quote("speech", 7, "群众路线是我党的生命线和根本路线。") }}' in (project_copy / "docs" / "index.md").read_text("utf-8")
    for p in ("faq.yml", "glossary.yml"):
        after = (project_copy / "data" / p).read_text("utf-8").split("\n")
        assert len(after) == len(before[p])
        changed = [(a, b) for a, b in zip(before[p], after) if a != b]
        assert changed and all(re.fullmatch(r"\s*(- )?para: \d+", b) for _, b in changed), changed[:3]
    # the paragraph numbers moved by exactly one
    for a, b in (pair for p in before for pair in zip(before[p], (project_copy / "data" / p).read_text("utf-8").split("\n")) if pair[0] != pair[1]):
        assert int(b.split(":")[1]) == int(a.split(":")[1]) + 1


def test_fix_citations_keeps_bom_and_crlf(project_copy):
    faq = project_copy / "data" / "faq.yml"
    raw = faq.read_bytes()
    faq.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"para: 6\n", b"para: 5\n", 1).replace(b"\n", b"\r\n"))
    fixed, left = citefix.fix_citations(project_copy)
    assert [f.where.moved_to for f in fixed] == [6] and not left
    assert faq.read_bytes() == b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")


def test_closest_passage():
    paras = ("第一段。", "群众路线是我党的生命线和根本路线，这是第二段。")
    where = citefix.locate(paras, "群众路线是我们党的生命线和根本路线")
    assert where.paras == () and where.closest[0] == 2 and where.closest[1].startswith("群众路线是我党的生命线")


def test_copy_fix_changes_only_prose(project_copy):
    from kb import copycheck

    faq = project_copy / "data" / "faq.yml"
    text = faq.read_text("utf-8")
    broken = text.replace("a: 讲话稿指出，群众路线", "a: 讲话稿第 6 段指出,群众路线", 1)
    assert broken != text
    faq.write_text(broken, "utf-8")
    found = copycheck.problems(project_copy)
    assert len(found) == 3 and all(p.file == "data/faq.yml" and p.line == 9 for p in found), found  # two spaces, one comma
    assert copycheck.fix_data(project_copy) == 1
    assert faq.read_text("utf-8") == text.replace("a: 讲话稿指出，群众路线", "a: 讲话稿第6段指出，群众路线", 1)
    assert copycheck.problems(project_copy) == []


def test_copy_rules_never_look_at_quotes_or_sources(project_copy):
    from kb import copycheck

    style = copycheck.load_style(project_copy)
    assert "quote" in style.skip_fields
    assert copycheck.problems(project_copy) == []  # the sources themselves use half-width ; and (一)
    assert copycheck.prose_findings("讲话要求 ,统一思想。。", style)


@pytest.mark.build
def test_new_document_with_its_facts_appears_with_no_other_edit(project_copy, tmp_path):
    """kb new document FILE --short-title … --kind … --summary …: page, navigation and 原文 list at once."""
    src = tmp_path / "notice.txt"
    src.write_text(TEXT, "utf-8")
    env = {**os.environ, "KB_PROJECT": str(project_copy), "PYTHONUTF8": "1"}
    r = subprocess.run([sys.executable, "-m", "kb", "new", "document", str(src), "--id", "review-notice",
                        "--short-title", "回头看通知", "--kind", "通知", "--summary", "关于开展“回头看”工作的通知。"],
                       cwd=project_copy, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "不用改别的文件" in r.stdout, r.stdout + r.stderr
    assert problems(project_copy) == []
    out = tmp_path / "site"
    built = subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "-q", "-d", str(out)],
                           cwd=project_copy, env={**env, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    page = (out / "sources" / "review-notice" / "index.html").read_text("utf-8")
    assert "一、认真对照检查。" in page and 'id="p4"' in page
    listing = (out / "sources" / "index.html").read_text("utf-8")
    assert re.search(r'href="(\./)?review-notice/"', listing), "listed under 原文"
    assert "关于开展“回头看”工作的通知" in listing
