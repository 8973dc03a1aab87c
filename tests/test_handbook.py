"""学习手册: the page's Markdown, and the PDF read back with poppler (pdftotext, pdffonts, pdftoppm)."""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from kb.content import load
from kb.handbook import handbook_html, render_handbook, section_order
from kb.handbookpdf import missing_fonts, write_pdf
from kb.render import Linker

ROOT = Path(__file__).resolve().parent.parent
SECTION_ORDER = section_order()

NOTO = [Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")]


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


@pytest.fixture(scope="module")
def html_doc(kb) -> str:
    return handbook_html(kb)


def test_sections_in_reading_order_and_every_link_lands(kb, html_doc):
    heads = re.findall(r'<h2 class="kb-hb-section" id="hb-([\w-]+)">([^<]+)</h2>', html_doc)
    assert heads == [(sid, title) for sid, title, _ in SECTION_ORDER]
    ids = re.findall(r'\bid="([^"]+)"', html_doc)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    targets = set(re.findall(r'href="#([^"]+)"', html_doc))
    assert targets and targets <= set(ids), sorted(targets - set(ids))[:10]
    for p in kb.principles.principles:
        assert p.title in html_doc
    for g in kb.faq.groups:
        for q in g.questions:
            assert f'id="{q.id}"' in html_doc


def test_order_is_one_swappable_list(kb):
    md = render_handbook(kb, Linker("handbook.md", kb.by_id), order=[("glossary", "术语表", "glossary.md"), ("principles", "基本原则", "principles.md")])
    assert md.index("{ #hb-glossary") < md.index("{ #hb-principles")
    assert "#hb-faq" not in md


def test_citations_become_numbered_notes(kb, html_doc):
    principles = html_doc[html_doc.index('id="hb-principles"'):html_doc.index('id="hb-phases"')]
    calls = re.findall(r'<a href="#(hb-principles-n\d+)">', principles)
    notes = re.findall(r'<li id="(hb-principles-n\d+)"', principles)
    assert calls and set(calls) == set(notes)
    assert notes == [f"hb-principles-n{k}" for k in range(1, len(notes) + 1)]
    first = kb.principles.principles[0].sources[0]
    assert f'href="#hb-{first.doc}-p{first.para}"' in principles


# ---- the PDF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    if missing_fonts():
        pytest.fail("fonts-noto-cjk is missing: run `make test`, which installs it")
    out = tmp_path_factory.mktemp("pdf") / "handbook.pdf"
    info = write_pdf(out)
    assert info["pages"] > 10 and info["bytes"] == out.stat().st_size
    # one top-level bookmark for the table of contents and for each section, in order
    assert info["bookmarks"] == ["目录"] + [title for _, title, _ in SECTION_ORDER]
    return out


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_text_is_extractable(kb, pdf):
    text = flat(run("pdftotext", "-enc", "UTF-8", str(pdf), "-"))
    for p in kb.principles.principles:
        assert flat(p.title) in text, p.title
    for g in kb.faq.groups:
        for q in g.questions:
            assert flat(q.q) in text, q.q
    assert flat(kb.documents["speech"].paragraphs[15][:60]) in text


def test_fonts_are_embedded_cjk(pdf):
    rows = run("pdffonts", str(pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        cols = row.split()
        assert "CJK" in cols[0], row  # nothing fell back to a non-CJK font
        assert cols[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, with ToUnicode


def test_no_missing_glyphs(kb, pdf):
    """Every character the handbook prints is in the Noto CJK fonts it embeds: no tofu boxes."""
    from fontTools.ttLib import TTCollection

    covered: set[int] = set()
    for path in NOTO:
        for font in TTCollection(str(path)).fonts:
            covered |= set(font.getBestCmap())
    text = run("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    missing = {c for c in text if not c.isspace() and ord(c) not in covered and c != "\f"}
    assert not missing, sorted(missing)
    assert "\ufffd" not in text


def test_bookmarks_toc_page_numbers_and_a4(kb, pdf):
    info = run("pdfinfo", str(pdf))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    toc = run("pdftotext", "-layout", "-f", "2", "-l", "3", str(pdf), "-")
    for _, title, _ in SECTION_ORDER:
        m = re.search(rf"^{re.escape(title)}\s*\.+\s*(\d+)\s*$", toc, re.M)
        assert m, title
        page = int(m.group(1))
        assert 3 <= page <= pages
        on_page = run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")
        assert on_page.lstrip().startswith(title) or f"\n{title}\n" in on_page, (title, page)
        assert f"第{page}页" in flat(on_page)  # the page number printed at the foot


def test_pages_render(pdf, tmp_path):
    from PIL import Image, ImageStat

    run("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "4", str(pdf), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 4
    for img in images:
        with Image.open(img) as im:
            assert im.size[0] < im.size[1]  # portrait
            assert ImageStat.Stat(im.convert("L")).stddev[0] > 5  # not a blank page


@pytest.mark.parametrize("offline, href", [("false", "../downloads/handbook.pdf"), ("true", "downloads/handbook.pdf")])
def test_pdf_link_follows_the_url_scheme(kb, monkeypatch, offline, href):
    from kb.handbook import render_handbook_pdf

    monkeypatch.setenv("KB_OFFLINE", offline)
    monkeypatch.setenv("KB_HANDBOOK_PDF", "downloads/handbook.pdf")
    assert f'href="{href}"' in render_handbook_pdf(kb, Linker("handbook.md", kb.by_id))
    monkeypatch.delenv("KB_HANDBOOK_PDF")
    assert "href" not in render_handbook_pdf(kb, Linker("handbook.md", kb.by_id))


def test_kb_build_puts_the_pdf_in_the_site_and_links_it(tmp_path):
    """`kb build` (make build) with the fonts present: the PDF is in the site, the page links to it."""
    from tests.conftest import kb_cmd

    site = tmp_path / "site"
    result = kb_cmd("build", site)
    assert result.returncode == 0, result.stdout + result.stderr
    page = site / "handbook" / "index.html"
    hrefs = re.findall(r'href="([^"]+\.pdf)"', page.read_text("utf-8"))
    assert hrefs == ["../downloads/handbook.pdf"]
    pdf = (page.parent / hrefs[0]).resolve()
    assert pdf == (site / "downloads" / "handbook.pdf").resolve()
    assert pdf.read_bytes()[:5] == b"%PDF-"
    article = (site / "quiz" / "index.html").read_text("utf-8").split("<article", 1)[1].split("</article>", 1)[0]
    assert "<script" not in article  # the quiz's data is an attribute: instant navigation runs inline scripts
