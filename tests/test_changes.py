"""The record of changes: page dates from git (data and page files), item-by-item changes
between commits, the cache, the fallback without git, and 编辑此页 links."""
from __future__ import annotations

import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from kb import changes, checks, pagemeta, render, scaffold


def git(root: Path, *args: str, when: str = "2024-01-01T10:00:00+08:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "党办", "GIT_AUTHOR_EMAIL": "office@example.invalid", "GIT_COMMITTER_NAME": "党办",
           "GIT_COMMITTER_EMAIL": "office@example.invalid", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def history(project_copy):
    """base (2024-01-01); then a new question, an edited term, a deleted event (2024-02-03)."""
    root = project_copy
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    made = scaffold.new_item(root, "question", title="教育实践活动要开多久？", group="faq-significance")
    faq = root / "data" / "faq.yml"
    faq.write_text(faq.read_text("utf-8").replace("【待填写】回答：只用原文的内容，可以概括，但不要加原文没有的说法", "讲话稿指出，群众路线是我党的生命线和根本路线。")
                   .replace("para: 1  # 【待填写】段落号：运行 kb paragraphs speech 查看各段和段号", "para: 6")
                   .replace("【待填写】从该段逐字复制一句原文（一字不改，标点照抄）", "群众路线是我党的生命线和根本路线"), "utf-8")
    gl = root / "data" / "glossary.yml"
    gl.write_text(gl.read_text("utf-8").replace("definition: 讲话稿指出，群众路线是我党的生命线和根本路线。",
                                                "definition: 讲话稿指出：群众路线是我党的生命线和根本路线。", 1), "utf-8")
    ev = root / "data" / "events.yml"
    text = ev.read_text("utf-8")
    start = text.index("  - id: march-17-lankao")
    end = text.index("  - id:", start + 5)
    ev.write_text(text[:start] + text[end:], "utf-8")
    checks._memo.clear()
    checks.check_everything(root, copy=False)  # still valid content
    git(root, "commit", "-qam", "内容更新（提交说明不会被用到）", when="2024-02-03T09:00:00+08:00")
    return root, made


def test_item_by_item_changes(history):
    root, made = history
    log = changes.changelog(root)
    assert [c.date for c in log] == ["2024-02-03", "2024-01-01"]
    latest = {(ch.action, ch.label, ch.title) for ch in log[0].changes}
    assert latest == {("新增", "问答", "教育实践活动要开多久？"), ("修改", "术语", "群众路线"),
                      ("删除", "大事记", "调研指导兰考县教育实践活动")}
    first = log[1].changes
    assert sum(ch.action == "新增" for ch in first) == len(first) > 200


def test_changelog_page_links_living_items(history):
    root, made = history
    kb = checks.check(root)
    md = changes.render_changelog(kb, render.Linker("changes.md", kb.by_id), root=root)
    assert "## 2024年2月3日" in md and "## 2024年1月1日" in md
    assert f"[新增问答“教育实践活动要开多久？”](faq.md#{made.id})" in md
    assert "- 删除大事记“调研指导兰考县教育实践活动”" in md  # no link: it is gone
    assert "提交说明" not in md


def test_cache_per_commit(history):
    root, _ = history
    first = changes.changelog(root)
    cached = sorted((root / changes.CACHE_DIR).glob("*.json"))
    assert len(cached) == 2
    for p in cached:  # a stale or foreign cache entry is recomputed, not trusted
        p.write_text('{"v": 0}', "utf-8")
    assert changes.changelog(root) == first


def test_page_dates_follow_data_and_page_files(history):
    root, _ = history
    kb = checks.check(root)
    changes._last_commit_dates.cache_clear()
    assert "本页内容最后更新：2024年2月3日" in pagemeta.page_footer(root, kb, "faq.md")  # data changed
    assert "本页内容最后更新：2024年1月1日" in pagemeta.page_footer(root, kb, "principles.md")  # nothing changed
    assert "本页内容最后更新：2024年2月3日" in pagemeta.page_footer(root, kb, "events.md")
    # an uncommitted edit of the page text counts, dated by the file
    (root / "docs" / "principles.md").write_text((root / "docs" / "principles.md").read_text("utf-8") + "\n补充。\n", "utf-8")
    assert f"本页内容最后更新：{changes.cn_date(date.today())}" in pagemeta.page_footer(root, kb, "principles.md")


def test_without_git_dates_come_from_files(project_copy):
    root = project_copy
    kb = checks.check(root)
    stamp = datetime(2023, 5, 23, 12, 0).timestamp()
    for f in changes.page_files(root, kb, "glossary.md"):
        os.utime(root / f, (stamp, stamp))
    assert "本页内容最后更新：2023年5月23日" in pagemeta.page_footer(root, kb, "glossary.md")
    assert changes.changelog(root) == []
    assert "没有版本历史" in changes.render_changelog(kb, render.Linker("changes.md", kb.by_id), root=root)


def test_edit_links(project_copy):
    kb = checks.check(project_copy)
    url = "http://git.intranet.example/office/kb/-/edit/main/{path}"
    foot = pagemeta.page_footer(project_copy, kb, "faq.md", url)
    assert "[页面文字（docs/faq.md）](http://git.intranet.example/office/kb/-/edit/main/docs/faq.md)" in foot
    assert "[问答数据（data/faq.yml）](http://git.intranet.example/office/kb/-/edit/main/data/faq.yml)" in foot
    doc = pagemeta.page_footer(project_copy, kb, "sources/speech.md", url)
    assert "data/documents.yml" in doc and "data/sources/" not in doc  # source texts are not edited online
    assert "编辑此页" not in pagemeta.page_footer(project_copy, kb, "faq.md", "")  # off by default


@pytest.mark.build
def test_built_site_has_dates_and_record(site):
    faq = (site / "faq" / "index.html").read_text("utf-8")
    assert "本页内容最后更新：" in faq and "编辑此页" not in faq
    record = (site / "changes" / "index.html").read_text("utf-8")
    assert "<h1" in record and "更新记录" in record and "新增问答“" in record


@pytest.mark.build
def test_edit_links_in_a_build(project_copy, tmp_path):
    from tests.conftest import mkdocs_build

    conf = project_copy / "mkdocs.yml"
    conf.write_text(conf.read_text("utf-8").replace('kb_edit_url: ""', 'kb_edit_url: "http://git.intranet.example/office/kb/-/edit/main/{path}"'), "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    faq = (tmp_path / "site" / "faq" / "index.html").read_text("utf-8")
    assert 'href="http://git.intranet.example/office/kb/-/edit/main/data/faq.yml"' in faq
