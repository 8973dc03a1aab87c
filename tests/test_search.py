"""Site search in Chromium, through Material's own search box (issue 12).

Quality bars on the built site: success@5 >= 0.95 and MRR >= 0.85 on the project's query set
(tests/search/queries.tsv), every query of the shared set (../shared/search-queries.tsv, a sibling
of the project root as CI lays it out). Speed and size are figures of `make bench`, not tests.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urldefrag, urlsplit

import pytest
from playwright.sync_api import Page, expect

from kb.harness.search import RESULT_LINKS as SEARCH_RESULT_LINKS, SEARCH_BOX
from tests.conftest import ROOT
from tests.test_browser import strip_tags

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
OWN_QUERIES = ROOT / "tests" / "search" / "queries.tsv"
SHARED_QUERIES = ROOT.parent / "shared" / "search-queries.tsv"
K = 5

_T = "JSON.parse(document.getElementById('__config').textContent).translations"
_META = "(document.querySelector('.md-search-result__meta')?.textContent || '').trim()"
# Index loaded and nothing listed: the state before each query.
EMPTY = (f"() => {_META} === {_T}['search.result.placeholder']"
         " && document.querySelectorAll('.md-search-result__item').length === 0")
SETTLED = (f"() => document.querySelectorAll('.md-search-result__item').length > 0"
           f" || {_META} === {_T}['search.result.none']")


def read_queries(path: Path) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        query, tab, want = line.partition("\t")
        assert tab and want.strip(), f"{path}:{n}: a query needs a tab and the text its answer must contain"
        rows.append((query, want.strip()))
    return rows


class SearchBox:
    """Material's search box on one page, the index loaded once; a query at a time."""

    def __init__(self, page: Page, base_url: str):
        self.page, self.base = page, base_url
        page.goto(base_url)
        page.locator(SEARCH_BOX).focus()
        page.wait_for_function(EMPTY, timeout=20_000)

    def clear(self) -> None:
        box = self.page.locator(SEARCH_BOX)
        box.fill("")
        box.dispatch_event("keyup")
        self.page.wait_for_function(EMPTY, timeout=10_000)

    def query(self, text: str) -> list[str]:
        self.clear()
        box = self.page.locator(SEARCH_BOX)
        box.fill(text)
        box.dispatch_event("keyup")  # Material reads the query on keyup
        self.page.wait_for_function(SETTLED, timeout=10_000)
        return self.page.eval_on_selector_all(SEARCH_RESULT_LINKS, "els => els.map(e => e.href)")

    def meta(self) -> str:
        return self.page.evaluate(f"() => {_META}")


@pytest.fixture(scope="module")
def box(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield SearchBox(context.new_page(), base_url)
    context.close()


def score(box: SearchBox, rows: list[tuple[str, str]]) -> tuple[float, float, list[str]]:
    texts: dict[str, str] = {}
    rr, misses = [], []
    for query, want in rows:
        links = box.query(query)[:K]
        rank = None
        for i, href in enumerate(links, 1):
            url = urldefrag(href)[0].split("?")[0]
            if url not in texts:
                response = box.page.request.get(url)
                texts[url] = strip_tags(response.text()) if response.ok else ""
            if want in texts[url]:
                rank = i
                break
        rr.append(1 / rank if rank else 0.0)
        if not rank:
            misses.append(f"{query!r} (wants {want!r}) got {[unquote(h.replace(box.base, '/')) for h in links]}")
    success = sum(1 for r in rr if r) / len(rows)
    return success, sum(rr) / len(rows), misses


def test_own_query_set_meets_the_bars(box):
    rows = read_queries(OWN_QUERIES)
    assert len(rows) >= 80, f"{OWN_QUERIES} holds {len(rows)} queries, the issue asks for at least 80"
    success, mrr, misses = score(box, rows)
    print(f"tests/search/queries.tsv: success@{K}={success:.3f} MRR={mrr:.3f} n={len(rows)}")
    assert success >= 0.95 and mrr >= 0.85, (
        f"success@{K}={success:.3f} (>= 0.95), MRR={mrr:.3f} (>= 0.85); misses:\n" + "\n".join(misses))


def test_shared_query_set_is_answered_in_full(box):
    assert SHARED_QUERIES.is_file(), f"the shared query set is missing: {SHARED_QUERIES} (shared/ sits beside the project)"
    rows = read_queries(SHARED_QUERIES)
    success, mrr, misses = score(box, rows)
    print(f"shared/search-queries.tsv: success@{K}={success:.3f} MRR={mrr:.3f} n={len(rows)}")
    assert not misses, "missed from the shared set:\n" + "\n".join(misses)


def test_a_long_name_is_matched_whole(box):
    # Material's worker highlighted 领导小组办公室 as 办 alone; every result must hold the words.
    box.query("四风")
    links = box.query("领导小组")
    assert links
    marks = box.page.eval_on_selector_all(".md-search-result mark", "els => els.map(e => e.textContent)")
    assert marks and set(marks) == {"领导小组"}, marks


def test_the_count_is_the_pages_that_contain_the_query(box, site: Path):
    query = "回头看"
    box.query(query)
    truth = 0
    # pages whose front matter says `search: exclude: true` (tags, handbook) are not searched
    excluded = {md.stem for md in (ROOT / "docs").glob("*.md")
                if re.match(r"---\n(?:.*\n)*?search:\n\s+exclude: true\n(?:.*\n)*?---\n", md.read_text("utf-8"))}
    assert {"tags", "handbook"} <= excluded
    for page in site.rglob("index.html"):
        if page.parent.name in excluded:
            continue
        article = re.search(r'<article class="md-content__inner[^"]*">(.*?)</article>', page.read_text("utf-8"), re.S)
        # tags and related-content lines are navigation, marked data-search-exclude
        text = re.sub(r"<p[^>]*data-search-exclude[^>]*>.*?</p>", "", article.group(1), flags=re.S) if article else ""
        truth += query in strip_tags(text)
    assert truth >= 3
    assert re.search(rf"\b{truth}\b", box.meta()), f"{box.meta()!r}: {truth} pages contain {query}"
    pages = box.page.eval_on_selector_all(".md-search-result__item", "els => els.length")
    assert pages == truth


@pytest.mark.parametrize("typed,term", [("sifeng", "四风"), ("sf", "四风"), ("syss", "三严三实"),
                                        ("SanYanSanShi", "三严三实"), ("ｓｉｆｅｎｇ", "四风")])
def test_pinyin_finds_the_term_and_shows_only_chinese(box, typed: str, term: str):
    links = box.query(typed)
    assert links, f"{typed}: no results"
    first = urlsplit(links[0])
    assert first.path.endswith("/glossary/") or term in box.page.locator(".md-search-result__item").first.inner_text()
    shown = box.page.locator(".md-search-result__list").inner_text()
    assert term in shown
    assert typed.lower() not in shown.lower() and "sifeng" not in shown.lower(), "pinyin leaked into the results"
    # the term's own entry is among the first links
    glossary = [h for h in links[:5] if "/glossary/" in h]
    assert glossary, f"{typed}: glossary entry of {term} not in the first five links: {links[:5]}"


@pytest.mark.parametrize("typed,expected", [("民主生活會", "民主生活会"), ("团结-批评-团结", "团结—批评—团结"),
                                            ("三严 三实", "三严三实"), ("四风？", "四风")])
def test_variants_of_writing_find_the_same_text(box, typed: str, expected: str):
    assert box.query(typed)
    marks = box.page.eval_on_selector_all(".md-search-result mark", "els => els.map(e => e.textContent)")
    assert expected in marks, f"{typed}: marked {sorted(set(marks))[:8]}"


def test_a_question_lists_its_faq_entry_first(box):
    links = box.query("查摆问题查什么")
    first = [(urlsplit(h).path, urlsplit(h).fragment) for h in links[:2]]
    assert any(path.endswith("/faq/") and frag == "what-to-check" for path, frag in first), first


def test_highlight_on_the_page_reached(page: Page, base_url: str):
    box = SearchBox(page, base_url)
    links = box.query("领导小组")
    section = next(h for h in links if "#" in h)
    assert parse_qs(urlsplit(section).query).get("h") == ["领导小组"]
    page.locator(SEARCH_RESULT_LINKS).filter(has=page.locator("h2, h3")).first.click()
    expect(page.locator(".md-content article mark[data-md-highlight]").first).to_have_text("领导小组")


def test_nothing_found_says_so(box):
    assert box.query("量子计算机") == []
    assert box.meta() == box.page.evaluate(f"() => {_T}['search.result.none']")


# --------------------------------------------------------------------------- glossary tooltips


def test_term_in_a_sentence_shows_its_definition_and_leads_to_its_entry(page: Page, base_url: str):
    page.goto(base_url + "principles/")
    term = page.locator("article p a.kb-term").first
    name = term.inner_text()
    term.hover()
    tip = page.locator(".md-tooltip2--active")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("：")
    page.mouse.move(0, 0)
    term.focus()  # keyboard readers get the same tooltip
    expect(page.locator(".md-tooltip2--active")).to_be_visible()
    term.click()
    expect(page).to_have_url(re.compile(r"/glossary/#[a-z0-9-]+$"))
    target = page.locator(f'[id="{urlsplit(page.url).fragment}"]')
    expect(target).to_contain_text(re.compile(".+"))
    # the entry reached names the term or the alias that was marked
    entry = target.evaluate("""el => { let t = el.textContent; for (let n = el.nextElementSibling; n && !/^H[1-3]$/.test(n.tagName); n = n.nextElementSibling) t += n.textContent; return t; }""")
    assert name in entry


def test_on_a_phone_the_first_tap_shows_the_definition_and_the_second_opens_the_entry(browser, base_url: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN")
    try:
        phone = context.new_page()
        phone.goto(base_url + "principles/")
        term = phone.locator("article p a.kb-term").first
        term.scroll_into_view_if_needed()
        term.tap()
        expect(phone.locator(".md-tooltip2--active")).to_be_visible()
        expect(phone.locator(".md-tooltip2--active")).to_contain_text("：")
        assert phone.url == base_url + "principles/", "the first tap must not leave the page"
        term.tap()
        expect(phone).to_have_url(re.compile(r"/glossary/#[a-z0-9-]+$"))
    finally:
        context.close()


def test_terms_are_never_marked_in_headings_links_or_source_texts(site: Path):
    checked = 0
    for page in site.rglob("index.html"):
        html = page.read_text("utf-8")
        checked += html.count('class="kb-term"')
        assert not re.search(r"<h[1-6][^>]*>(?:(?!</h[1-6]>).)*kb-term", html, re.S), page
        assert not re.search(r'<a [^>]*>(?:(?!</a>).)*class="kb-term"', html, re.S), page
        for para in re.findall(r'<p[^>]*class="[^"]*kb-para[^"]*"[^>]*>.*?</p>', html, re.S):
            assert "kb-term" not in para, page
        for quote in re.findall(r"<blockquote>.*?</blockquote>", html, re.S):
            assert "kb-term" not in quote, page
    assert checked > 50


@pytest.mark.parametrize("term,anchor", [("四风", "si-feng"), ("三严三实", "san-yan-san-shi"),
                                         ("民主生活会", "minzhu-shenghuohui"), ("一把手", "yibashou")])
def test_a_glossary_term_lists_its_entry_first(box, term: str, anchor: str):
    links = box.query(term)
    first_section = next(h for h in links if urlsplit(h).fragment)
    assert urlsplit(first_section).path.endswith("/glossary/") and urlsplit(first_section).fragment == anchor, links[:4]


def test_the_tag_index_is_not_a_search_result(box):
    assert not [h for h in box.query("四风") if "/tags/" in h]
