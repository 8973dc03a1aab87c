"""One full strict build, read back as HTML: sections, counts, citations, self-containment."""
from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from kb.content import load
from kb.selfcontained import external_references

from .conftest import ROOT, kb_cmd, mkdocs_build

pytestmark = pytest.mark.build


class Page(HTMLParser):
    """Ids, links and headings of one built page."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, dict]] = []
        self.classes: dict[str, int] = {}
        self.h1 = ""
        self._in_h1 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for c in (a.get("class") or "").split():
            self.classes[c] = self.classes.get(c, 0) + 1
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], a))
        self._in_h1 = tag == "h1" or self._in_h1 and tag != "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data.replace("¶", "")  # the permalink sign


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


@pytest.fixture(scope="module")
def pages(site) -> dict[str, Page]:
    return {p.relative_to(site).as_posix(): Page(p.read_text("utf-8")) for p in site.rglob("*.html")}


def main_html(site: Path, path: str) -> str:
    text = (site / path).read_text("utf-8")
    return text[text.index('<article'): text.index("</article>")]


SECTIONS = {
    "index.html": "群众路线知识库", "principles/index.html": "基本原则", "phases/index.html": "环节",
    "requirements/index.html": "工作要求", "problems/index.html": "突出问题", "organisation/index.html": "组织保障",
    "faq/index.html": "问答", "glossary/index.html": "术语表", "events/index.html": "大事记",
    "sources/index.html": "原文",
}


def test_every_section_is_built_with_its_chinese_title(pages):
    for path, title in SECTIONS.items():
        assert path in pages, path
        assert pages[path].h1.strip().startswith(title), (path, pages[path].h1)


def test_a_page_per_phase_and_per_document(pages, kb):
    for p in kb.phases.phases:
        assert pages[f"phases/{p.id}/index.html"].h1.strip().startswith(p.label)
    for doc_id, doc in kb.documents.items():
        page = pages[f"sources/{doc_id}/index.html"]
        assert page.h1.strip() == doc.meta.title
        assert {f"p{n}" for n in range(1, len(doc.paragraphs) + 1)} <= page.ids


def test_item_counts_match_the_data(pages, kb):
    faq = pages["faq/index.html"]
    assert {q.id for g in kb.faq.groups for q in g.questions} <= faq.ids
    assert {t.id for t in kb.glossary.terms} <= pages["glossary/index.html"].ids
    assert {p.id for p in kb.principles.principles} <= pages["principles/index.html"].ids
    assert {e.id for e in kb.events.events} <= pages["events/index.html"].ids
    assert {g.id for g in kb.problems.groups} | {p.id for g in kb.problems.groups for p in g.problems} <= pages["problems/index.html"].ids
    assert {r.id for lst in kb.requirements.lists for r in lst.items} <= pages["requirements/index.html"].ids
    assert {b.id for b in kb.organisation.bodies} <= pages["organisation/index.html"].ids


def test_every_internal_link_and_anchor_resolves(site, pages):
    checked = 0
    for path, page in pages.items():
        base = "/" + path
        for href, _ in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = urlsplit(urljoin(base, href))
            target_path = unquote(target.path).lstrip("/")
            if target_path == "" or target_path.endswith("/"):
                target_path += "index.html"
            assert target_path in pages or (site / target_path).exists(), f"{path}: {href}"
            if target.fragment and target_path in pages:
                assert unquote(target.fragment) in pages[target_path].ids, f"{path}: {href}"
                checked += 1
    assert checked > 500


def test_every_item_cites_paragraphs_that_exist(site, pages, kb):
    cites = 0
    for path, page in pages.items():
        for href, attrs in page.links:
            m = re.search(r"sources/([a-z-]+)/#p(\d+)$", urljoin("/" + path, href))
            if not m or path.startswith("sources/"):
                continue
            doc, para = m.group(1), int(m.group(2))
            assert 1 <= para <= len(kb.documents[doc].paragraphs)
            quote = attrs.get("title", "").removeprefix("引文：")
            if quote:
                assert quote in kb.documents[doc].paragraph(para), (path, href, quote)
            cites += 1
    distinct = {(e.page, e.id, ref.doc, ref.para) for e in kb.entries if not e.page.startswith("sources/") for ref, _ in e.refs}
    assert cites >= len(distinct)


def test_source_paragraphs_list_their_citers(site, kb):
    speech = main_html(site, "sources/speech/index.html")
    # Paragraphs cited from other pages (the speech's own entry cites its title, ¶1, on this page).
    cited = sorted(n for (d, n), es in kb.cited_by.items() if d == "speech" and any(e.file != "documents" for e in es))
    assert speech.count('class="kb-cited-by"') == len(cited)
    assert "引用于　基本原则：" in speech and 'href="../../principles/#' in speech


def test_text_is_shown_verbatim_including_blanked_names(site):
    speech = main_html(site, "sources/speech/index.html")
    assert "是新时期以同志为的党中央坚持党要管党" in speech
    assert "3月9日，习提出“三严三实”重要论述" in speech


def test_chinese_headings_get_readable_anchors(pages):
    ids = pages["index.html"].ids
    assert "从这里开始" in ids, sorted(ids)
    assert not any(re.fullmatch(r"_\d+", i) for p in pages.values() for i in p.ids)


def test_site_is_self_contained(site):
    assert external_references(site) == []
    html = (site / "index.html").read_text("utf-8")
    assert "Made with" not in html and "squidfunk" not in html  # extra.generator: false
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    assert not list(site.rglob("*.map"))


def test_search_index_is_segmented_chinese(site):
    import json

    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    assert index["config"]["lang"] == ["zh"]
    words = dict(index["docs"]["words"])  # the vocabulary jieba cut the text into, with the site's own words
    assert "领导小组及办公室" in words and "群众路线" in words, "jieba did not segment the index"
    assert all("\u200b" not in s[3] for s in index["docs"]["sections"]), "segmentation marks left in the text"


def test_broken_data_stops_the_build_and_keeps_the_old_site(project_copy, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("previous release", "utf-8")
    faq = project_copy / "data" / "faq.yml"
    faq.write_text(faq.read_text("utf-8").replace("quote: ", "quote: 不存在的引文", 1), "utf-8")
    result = kb_cmd("build", site, cwd=project_copy)
    assert result.returncode != 0
    assert "data/faq.yml:" in result.stdout + result.stderr and "引文在《" in result.stdout + result.stderr
    assert (site / "index.html").read_text("utf-8") == "previous release"
    assert not list(tmp_path.glob(".site-build-*"))


def test_wrong_quote_in_page_prose_stops_the_build(project_copy, tmp_path):
    index = project_copy / "docs" / "index.md"
    index.write_text(index.read_text("utf-8").replace("根本路线。", "根本路线！"), "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert re.search(r"docs/index.md:\d+: .*引文", result.stdout + result.stderr)


def test_broken_link_in_docs_stops_the_build(project_copy, tmp_path):
    page = project_copy / "docs" / "principles.md"
    page.write_text(page.read_text("utf-8") + "\n[坏链接](faq.md#no-such-anchor)\n", "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "no-such-anchor" in result.stdout + result.stderr


def test_unknown_id_in_a_page_names_the_page(project_copy, tmp_path):
    page = project_copy / "docs" / "phases" / "index.md"
    page.write_text(page.read_text("utf-8") + '\n{{ phase("stduy") }}\n', "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert re.search(r"docs/phases/index.md:\d+: .*没有 id 为“stduy”的环节", result.stdout + result.stderr)
