"""The build cache never changes the output, and a changed input is never served from it."""
from __future__ import annotations

import filecmp
import json
import os
from pathlib import Path

import pytest

from .conftest import mkdocs_build

pytestmark = pytest.mark.build


def same_tree(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two trees (missing on either side, or other bytes)."""
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    differ = sorted(files_a ^ files_b)
    differ += [f for f in sorted(files_a & files_b) if not filecmp.cmp(a / f, b / f, shallow=False)]
    return differ


def build(project: Path, out: Path, **env: str) -> None:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = mkdocs_build(project, out)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert result.returncode == 0, result.stdout + result.stderr


def test_builds_with_and_without_the_cache_are_byte_identical(project_copy, tmp_path):
    cache = tmp_path / "cache"
    build(project_copy, tmp_path / "off", KB_CACHE="off", KB_CACHE_DIR=str(cache))
    assert not cache.exists(), "KB_CACHE=off must not write a cache"
    build(project_copy, tmp_path / "cold", KB_CACHE_DIR=str(cache))
    assert {p.name for p in cache.iterdir()} >= {"yaml", "vocabulary", "selfcontained", "markdown", "search", "jinja"}, "the cache was not filled"
    build(project_copy, tmp_path / "warm", KB_CACHE_DIR=str(cache))
    assert same_tree(tmp_path / "off", tmp_path / "cold") == []
    assert same_tree(tmp_path / "off", tmp_path / "warm") == []


def test_a_data_edit_is_never_served_from_the_cache(project_copy, tmp_path):
    cache = tmp_path / "cache"
    build(project_copy, tmp_path / "before", KB_CACHE_DIR=str(cache))
    glossary = project_copy / "data" / "glossary.yml"
    glossary.write_text(glossary.read_text("utf-8").replace("definition: ", "definition: 缓存测试新词。", 1), "utf-8")
    build(project_copy, tmp_path / "after", KB_CACHE_DIR=str(cache))
    build(project_copy, tmp_path / "reference", KB_CACHE="off")
    assert "缓存测试新词" in (tmp_path / "after" / "glossary" / "index.html").read_text("utf-8")
    index = json.loads((tmp_path / "after" / "search" / "search_index.json").read_text("utf-8"))
    assert any("缓存测试新词" in section[3] for section in index["docs"]["sections"])  # kb.searchindex's form
    assert same_tree(tmp_path / "reference", tmp_path / "after") == []


def test_a_definition_edit_re_renders_the_glossary_not_the_pages_mentioning_the_term(project_copy, tmp_path):
    """Tooltips carry the definitions (kb.glossarytips), filled in after the cached Markdown: a page that
    mentions the term keeps its cached HTML and still shows the new definition."""
    import subprocess
    import sys

    import yaml

    cache = tmp_path / "cache"
    glossary = project_copy / "data" / "glossary.yml"
    first = yaml.safe_load(glossary.read_text("utf-8"))["terms"][0]
    build(project_copy, tmp_path / "before", KB_CACHE_DIR=str(cache))
    glossary.write_text(glossary.read_text("utf-8").replace("definition: ", "definition: 缓存测试新词。", 1), "utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_CACHE_DIR": str(cache)}
    result = subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "--verbose", "--site-dir",
                             str(tmp_path / "after")], cwd=project_copy, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    rendered = next(line for line in (result.stdout + result.stderr).splitlines() if "Markdown rendered anew:" in line)
    rendered = set(rendered.split("Markdown rendered anew:")[1].split())  # page, or page[parts anew/parts]
    pages = {r.split("[")[0] for r in rendered}
    title = f'#{first["id"]}" title="{first["term"]}：缓存测试新词。"'
    mentions = [p.relative_to(tmp_path / "after").parent.as_posix() for p in (tmp_path / "after").rglob("index.html")
                if title in p.read_text("utf-8")]
    others = [m for m in mentions if m not in ("glossary", "handbook")]
    assert others, f"no page besides the glossary shows the new tooltip: {mentions}"
    assert "glossary.md" in pages
    # The handbook (one large block) and the glossary (cut at its headings) re-render only the parts
    # that hold the definition (kb.chunkrender).
    for page in ("handbook.md", "glossary.md"):
        counts = [r for r in rendered if r.startswith(f"{page}[")]
        assert counts, f"{page} was not rendered in parts: {sorted(rendered)}"
        anew, parts = map(int, counts[0][len(page) + 1:-1].split("/"))
        assert parts > 10 and anew <= 2, counts
    assert not {f"{m}.md" for m in others} & pages, f"pages re-rendered for a definition edit: {sorted(rendered)}"
    # The glossary's search entries come piece by piece (only the edited piece parsed again), and
    # the index equals the one Material's parser makes of the whole page (the reference, below).
    indexed = next(line for line in (result.stdout + result.stderr).splitlines() if "Search entries piece by piece:" in line)
    assert "glossary.md" in indexed.split(":", 1)[1].split(), indexed
    build(project_copy, tmp_path / "reference", KB_CACHE="off")
    assert same_tree(tmp_path / "reference", tmp_path / "after") == []


def test_a_broken_link_fails_the_strict_build_again_when_its_page_is_cached(project_copy, tmp_path):
    cache = tmp_path / "cache"
    page = project_copy / "docs" / "events.md"
    page.write_text(page.read_text("utf-8") + "\n[坏链接](no-such-page.md)\n", "utf-8")
    for attempt in ("cold", "warm"):
        os.environ["KB_CACHE_DIR"] = str(cache)
        try:
            result = mkdocs_build(project_copy, tmp_path / attempt)
        finally:
            os.environ.pop("KB_CACHE_DIR")
        assert result.returncode != 0, f"{attempt} cache: a broken link passed the strict build"
        assert "no-such-page.md" in result.stdout + result.stderr
    assert (cache / "markdown").is_dir()


def test_the_handbook_block_is_cut_only_where_a_part_renders_alone():
    """kb.chunkrender cuts before h2/h3 inside the block; never inside a fence or another HTML
    block, and keeps headings that `toc` must number (same text, no id of their own) in one part."""
    from kb import chunkrender

    filler = "正文。" * 40_000  # the block must be large enough to be cut at all
    block = "\n\n".join([
        "## 甲 { #a }", filler,
        "## 乙 { #b }", "#### 职责", "```text\n\n## 不是标题\n\n```",
        "## 丙 { #c }", "<div class=\"x\">\n\n## 在别的块里\n\n</div>",
        "### 丁 { #d }", "#### 职责",
        "## 戊 { #e }", "段落。",
    ])
    page = f"# 学习手册\n\n前言。\n\n<div class=\"kb-handbook\" markdown>\n\n{block}\n\n</div>\n\n页脚。\n"
    parts = chunkrender.split(page)
    assert parts is not None and parts.open_line == '<div class="kb-handbook" markdown>'
    starts = [c.strip().split("\n", 1)[0] for c in parts.chunks]
    # 乙 … 丁 hold the two 职责 headings: one part; the fence and the other div are never cut.
    assert starts == ["## 甲 { #a }", "## 乙 { #b }", "## 戊 { #e }"], starts
    assert "".join(parts.chunks).count("不是标题") == 1 and "在别的块里" in parts.chunks[1]
    assert parts.outer == f"# 学习手册\n\n前言。\n\n{chunkrender.PLACEHOLDER}\n\n页脚。\n"
    assert chunkrender.split(page.replace(filler, "短。")) is None  # small pages are rendered whole
    assert chunkrender.split(page + "\nkb-parts-here\n") is None  # an editor's text never meets the placeholder
    assert chunkrender.split(page + "\n## 块后的标题\n") is None  # would have to be ordered into the contents


SERVE_REBUILDS = r'''
import os, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

project, out, fresh = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "fresh"
os.chdir(project)

def serve_build(site):
    # As `kb serve` builds: the configuration is loaded anew, the plugins that keep state are started once.
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site))
    config.site_url = "http://127.0.0.1:8000/"
    if not getattr(serve_build, "started", False):
        config.plugins.on_startup(command="serve", dirty=False)
        serve_build.started = True
    build(config, serve_url="http://127.0.0.1:8000/")

if not fresh:  # a preview that was running before the edit
    serve_build(out / "first")
glossary = project / "data" / "glossary.yml"
glossary.write_text(glossary.read_text("utf-8").replace("definition: ", "definition: 预览重建测试。", 1), "utf-8")
page = project / "docs" / "phases" / "index.md"  # its title is in the navigation of the pages beside it
page.write_text(page.read_text("utf-8").replace("# ", "# 改过的", 1), "utf-8")
serve_build(out / "second")
'''


def test_a_preview_rebuild_matches_a_preview_build_without_the_cache(project_copy, tmp_path):
    """`kb serve` keeps rendered pages, allowlisted HTML and theme output between rebuilds (kb.rendercache,
    kb.latefill, kb.themecache): after an edit that changes a definition and a title shown in every
    page's navigation, the rebuilt site is byte for byte the one a fresh cache-less preview writes."""
    import shutil
    import subprocess
    import sys

    reference = tmp_path / "reference-project"
    shutil.copytree(project_copy, reference)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_CACHE_DIR": str(tmp_path / "cache")}
    # The reference: the edited project previewed from scratch, without the cache.
    for proj, out, cache_on, how in ((project_copy, tmp_path / "kept", "on", "rebuild"), (reference, tmp_path / "plain", "off", "fresh")):
        result = subprocess.run([sys.executable, "-c", SERVE_REBUILDS, str(proj), str(out), how],
                                env={**env, "KB_CACHE": cache_on}, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    second = tmp_path / "kept" / "second"
    assert "预览重建测试" in (second / "glossary" / "index.html").read_text("utf-8")
    assert "改过的环节" in (second / "phases" / "study" / "index.html").read_text("utf-8")  # in the navigation
    assert same_tree(tmp_path / "plain" / "second", second) == []


def test_a_table_is_written_once_per_process_and_kept_in_memory(tmp_path, monkeypatch):
    """A preview's rebuilds start from the table in memory; only the first build writes it to disk."""
    from kb import cache

    monkeypatch.setenv("KB_CACHE", "on")
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    table = cache.Table.open("example", b"v1")
    table.put("a", 1)
    table.save()
    [written] = list((tmp_path / "example").glob("*.pickle"))
    on_disk = written.read_bytes()
    again = cache.Table.open("example", b"v1")
    assert again is table and again.peek("a") == 1
    again.put("b", 2)
    again.save()
    assert written.read_bytes() == on_disk  # not written again
    assert cache.Table.open("example", b"v1").peek("b") == 2  # but kept for the next rebuild


IDLE_COLLECTION = r'''
import gc, os, sys, threading, weakref
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.structure.pages import Page

project = Path(sys.argv[1])
os.chdir(project)
started = False

def serve_build(site):
    global started
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site))
    if not started:
        config.plugins.on_startup(command="serve", dirty=False)
        started = True
    build(config, serve_url="http://127.0.0.1:8000/")

def wait_idle():
    for t in threading.enumerate():
        if t.name == "kb-idle-gc":
            t.join()

serve_build(project / "s1")
wait_idle()
first = [weakref.ref(o) for o in gc.get_objects() if isinstance(o, Page)]
serve_build(project / "s2")
wait_idle()
print(len(first), sum(r() is not None for r in first))
'''


def test_a_preview_frees_the_previous_builds_pages_while_idle(project_copy):
    """A build freezes what is alive once its content is loaded; a preview must still free the
    builds before it (their pages hold one another in cycles), or it grows with every rebuild."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", IDLE_COLLECTION, str(project_copy)], capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    pages, alive = map(int, result.stdout.split()[-2:])
    assert pages >= 10 and alive == 0, result.stdout


def test_search_attributes_are_stripped_as_materials_regex_strips_them():
    """Material strips data-search-* attributes with a regex tried at every character; kb.rendercache
    finds them from their literal start and must leave exactly what Material's regex leaves."""
    import re

    from kb.rendercache import strip_search_attributes

    material = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")
    samples = [
        '<p data-search-exclude="1">甲</p>',
        '<p class="x"\tdata-search-boost="2"data-search-a="b">乙</p>',
        '<p data-search-exclude>丙</p><p data-search-x="">丁</p>',
        'data-search-x="1" 在开头\u3000data-search-甲="全角空格前"',
        '  data-search-x="1"data-search-y="2"  data-search-z="3',
        "没有属性的页面",
        '<p\u00a0data-search-q="不换行空格">',
    ]
    for html in samples:
        assert strip_search_attributes(html) == material.sub("", html), html
    assert strip_search_attributes('<p data-search-exclude="1">甲</p>') == "<p>甲</p>"
