"""The built site in Debian's Chromium: what a reader on the intranet actually sees and clicks.

Uses the session fixtures from conftest.py (one strict build, one loopback server, one
Chromium). Nothing here waits for a fixed time or asserts on timings: every wait is for a
condition in the page.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError, Page, expect

from kb.harness.search import RESULT_LINKS as SEARCH_RESULT_LINKS
from kb.harness.search import SEARCH_BOX, run_query

from .instant import MEANWHILE, follow_while_page_loads, stop_timers

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent

# The shared query set (maintained next to the project at dev time) wins over the fixture copy.
SEARCH_QUERY_FILES = (
    ROOT.parent / "shared" / "search-queries.tsv",
    ROOT / "tests" / "fixtures" / "search-queries.tsv",
)
SEARCH_K = 5
SEARCH_MIN_SUCCESS = 0.95

# Every section the home page's cards must lead to.
HOME_SECTIONS = ("principles/", "phases/", "requirements/", "problems/", "organisation/",
                 "faq/", "glossary/", "events/", "sources/", "quiz/")

# One page of each kind.
PAGE_KINDS = {
    "home": "",
    "principles": "principles/",
    "phase": "phases/criticism/",
    "requirements": "requirements/",
    "faq": "faq/",
    "glossary": "glossary/",
    "events": "events/",
    "sources-index": "sources/",
    "source-document": "sources/speech/",
    "not-found": "404.html",
}

LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- helpers


class Watch:
    """Everything a page reports that a reader would never want to see: errors and failed loads."""

    def __init__(self, page: Page):
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed: list[str] = []
        self.bad_status: list[str] = []
        # on the context: it also sees the requests of the search web worker
        page.context.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} @ {message.location}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.bad_status.append(f"{response.status} {response.url}")

    def problems(self) -> list[str]:
        return ([f"console error: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]
                + [f"request failed: {e}" for e in self.failed] + [f"HTTP {e}" for e in self.bad_status])


def strip_tags(markup: str) -> str:
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def heading(text: str) -> re.Pattern:
    """A heading's text: Material appends the permalink sign (¶)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*¶?\s*$")


def fragment(url: str) -> str:
    return urlsplit(url).fragment


def by_id(page: Page, ident: str):
    return page.locator(f'[id="{ident}"]')


def rebase_sitemap(page: Page, base_url: str) -> None:
    """Serve sitemap.xml as it reads when the site runs at its own `site_url`.

    Material's instant navigation only intercepts links listed in sitemap.xml; it takes the
    listed URLs' scheme and host from the page but keeps their port, so on this test server
    (a random port) no link would ever match. Rebasing the <loc>s from the site's root onto
    the test server restores the deployed situation; an empty sitemap stays empty.
    """
    def handle(route):
        body = route.fetch().text()
        locs = re.findall(r"<loc>([^<]+)</loc>", body)
        if locs:
            root = min(locs, key=len)  # the home page
            body = body.replace(f"<loc>{root}", f"<loc>{base_url}")
        route.fulfill(status=200, body=body, headers={"content-type": "application/xml"})

    page.route("**/sitemap.xml", handle)


def goto_ready_for_instant(page: Page, url: str) -> None:
    """Open `url` and wait until Material has read the sitemap (it only then intercepts clicks)."""
    with page.expect_response(lambda r: r.url.endswith("/sitemap.xml")):
        page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__kbInstant = 'kept'")  # survives instant navigation, not a full load


def assert_instant(page: Page) -> None:
    assert page.evaluate("window.__kbInstant") == "kept", (
        f"{page.url} was reached by a full page load, not by instant navigation")


def load_queries() -> tuple[Path, list[tuple[str, str]]]:
    path = next(p for p in SEARCH_QUERY_FILES if p.is_file())
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, _, want = line.partition("\t")
        assert want, f"{path}: line without a tab-separated expected text: {line!r}"
        rows.append((query.strip(), want.strip()))
    assert rows, f"{path} holds no queries"
    return path, rows


def search(page: Page, query: str) -> list[str]:
    """The harness's search runner; a search that never settles counts as a miss."""
    try:
        return run_query(page, query, timeout_ms=10_000)
    except PlaywrightError:
        return []  # nothing rendered: counted as a miss, reported with the others


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for v in results.response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:4]]
            lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} — {targets}")
    return lines


# --------------------------------------------------------------------------- 1. home page, errors, loopback only


def test_home_page_loads_cleanly_and_cards_lead_to_every_section(page: Page, base_url: str):
    watch = Watch(page)
    page.goto(base_url, wait_until="networkidle")

    expect(page).to_have_title(re.compile("群众路线知识库"))
    expect(page.locator("article h1")).to_have_text(heading("群众路线知识库"))

    cards = page.locator("article .grid.cards a")
    hrefs = [urljoin(base_url, h) for h in cards.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert sorted(hrefs) == sorted(base_url + s for s in HOME_SECTIONS), f"home cards link to {hrefs}"
    for card, href in zip(cards.all(), hrefs):
        response = page.request.get(href)
        assert response.ok, f"card {card.inner_text()!r} -> {href}: HTTP {response.status}"
        # a card labelled X leads to a page headed X
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", response.text(), flags=re.S)
        h1_text = strip_tags(h1.group(1)).replace("¶", "").strip() if h1 else None
        assert h1_text == card.inner_text().strip(), f"card {card.inner_text()!r} leads to {href}, headed {h1_text!r}"

    cards.filter(has_text="问答").click()
    expect(page).to_have_url(base_url + "faq/")
    expect(page.locator("article h1")).to_have_text(heading("问答"))
    page.wait_for_load_state("networkidle")
    assert not watch.problems(), "\n".join(watch.problems())


def test_every_request_stays_on_the_loopback_server(page: Page, base_url: str):
    watch = Watch(page)
    for path in ("", "principles/", "faq/", "glossary/", "sources/speech/", "404.html"):
        page.goto(base_url + path, wait_until="networkidle")
    page.goto(base_url, wait_until="networkidle")
    hrefs = search(page, "四风")
    assert hrefs, "the search returned nothing"
    # This test records requests; clicking a result is test_search_result_click_lands_on_the_page's.
    page.goto(hrefs[0], wait_until="networkidle")
    page.locator(".md-tabs__link", has_text="原文").click()
    expect(page).to_have_url(base_url + "sources/")
    page.wait_for_load_state("networkidle")

    assert any(u.endswith("/search/search_index.json") for u in watch.requests), (
        "the search index was never requested: the recording missed the search worker")
    outside = sorted({u for u in watch.requests
                      if not u.startswith(("data:", "blob:")) and urlsplit(u).hostname != LOOPBACK})
    assert not outside, "requests leaving the loopback server:\n" + "\n".join(outside)
    assert not watch.console_errors and not watch.page_errors, "\n".join(watch.problems())
    assert not watch.bad_status, "\n".join(watch.bad_status)


# --------------------------------------------------------------------------- 2. navigation


def test_tabs_sidebar_and_footer_reach_the_pages(page: Page, base_url: str):
    watch = Watch(page)
    page.goto(base_url)

    page.locator(".md-tabs__link", has_text="问答").click()
    expect(page).to_have_url(base_url + "faq/")
    expect(page).to_have_title(re.compile("问答"))
    expect(page.locator("article h1")).to_have_text(heading("问答"))
    expect(page.locator(".md-tabs__item--active")).to_have_text(re.compile(r"^\s*问答\s*$"))

    page.locator(".md-tabs__link", has_text="原文").click()
    expect(page).to_have_url(base_url + "sources/")
    expect(page.locator("article h1")).to_have_text(heading("原文"))

    # the primary sidebar lists the section's pages
    page.locator(".md-sidebar--primary .md-nav__link", has_text="推进会").first.click()
    expect(page).to_have_url(base_url + "sources/progress-meeting/")
    expect(page.locator("article .kb-para").first).to_be_visible()

    # footer: the page before the meeting report is the speech, and the speech's next page is the report
    prev = page.locator("a.md-footer__link--prev")
    expect(prev).to_contain_text("讲话")
    prev.click()
    expect(page).to_have_url(base_url + "sources/speech/")
    expect(page.locator("article h1")).to_contain_text("讲话稿")
    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(base_url + "sources/progress-meeting/")

    # the logo leads home, and the home page's footer into the first section
    page.locator("a.md-logo").first.click()
    expect(page).to_have_url(base_url)
    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(base_url + "principles/")
    expect(page.locator("article h1")).to_have_text(heading("基本原则"))
    expect(page.locator("article h2[id]")).to_have_count(6)
    assert not watch.console_errors and not watch.page_errors, "\n".join(watch.problems())


def test_navigation_is_instant(page: Page, base_url: str):
    """navigation.instant: tabs, footer and citation links swap the page in place, no full load."""
    sitemap = page.request.get(base_url + "sitemap.xml").text()
    assert "<loc>" in sitemap, (
        "sitemap.xml lists no pages, so Material's instant navigation intercepts no link and every click "
        "is a full page load: Material needs `site_url` in mkdocs.yml to write the sitemap")
    rebase_sitemap(page, base_url)
    goto_ready_for_instant(page, base_url)
    page.locator(".md-tabs__link", has_text="问答").click()
    expect(page).to_have_url(base_url + "faq/")
    expect(page.locator("article h1")).to_have_text(heading("问答"))
    assert_instant(page)

    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(base_url + "glossary/")
    expect(page.locator("article h1")).to_have_text(heading("术语表"))
    assert_instant(page)

    link = page.locator("article p.kb-sources a").first
    href = urljoin(page.url, link.get_attribute("href"))
    link.click()
    expect(page).to_have_url(href)
    assert_on_screen_below_header(page, by_id(page, fragment(href)))
    assert_instant(page)


# --------------------------------------------------------------------------- 3. citations


def quote_of(link_title: str | None) -> list[str]:
    assert link_title and link_title.startswith("引文："), f"citation link title {link_title!r} is not 引文：…"
    parts = [normalise(p) for p in re.split(r"…+|\.\.\.", link_title.removeprefix("引文："))]
    parts = [p for p in parts if p]
    assert parts, f"citation link title {link_title!r} carries no quote"
    return parts


def until(page: Page, condition, timeout_s: float = 10) -> None:
    """Wait for a condition on the Python side (a routed request); Playwright runs route handlers
    while it waits."""
    for _ in range(int(timeout_s * 50)):
        if condition():
            return
        page.wait_for_timeout(20)
    raise AssertionError(f"still not true after {timeout_s} s: {condition}")


def assert_on_screen_below_header(page: Page, target) -> None:
    expect(target).to_be_in_viewport()
    # and not hidden under the sticky header
    top, header_bottom = target.evaluate(
        "el => [el.getBoundingClientRect().top, document.querySelector('.md-header').getBoundingClientRect().bottom]")
    assert top >= header_bottom - 1, f"{target} starts at y={top}, under the header (bottom {header_bottom})"


def test_citation_link_lands_on_the_quoted_paragraph(page: Page, base_url: str):
    page.goto(base_url + "principles/")
    link = page.locator("article p.kb-sources a").first
    quote = quote_of(link.get_attribute("title"))
    link.click()

    expect(page).to_have_url(re.compile(r"/sources/[a-z0-9-]+/#p\d+$"))
    ident = fragment(page.url)
    target = by_id(page, ident)
    expect(target).to_have_count(1)
    expect(target).to_have_class(re.compile(r"\bkb-para\b"))
    assert_on_screen_below_header(page, target)
    text = normalise(target.inner_text())
    missing = [q for q in quote if q not in text]
    assert not missing, f"#{ident} does not contain the quote {missing}: {text[:200]}"

    # the same address opened in a new tab (a link pasted into a chat) scrolls there too
    tab = page.context.new_page()
    tab.goto(page.url)
    assert_on_screen_below_header(tab, by_id(tab, ident))


@pytest.mark.parametrize("meanwhile", MEANWHILE)
def test_citation_lands_on_its_paragraph_whatever_the_old_page_does_while_it_loads(
        page: Page, base_url: str, meanwhile: str):
    """Instant navigation on a slow server: the reader scrolled, or clicked as soon as the page appeared.

    Material (9.8) decided where to scroll from a history entry the old page had meanwhile written
    into, and landed at the old offset, under an address without #pN (docs/javascripts/kb-anchor.js).
    """
    rebase_sitemap(page, base_url)
    if meanwhile == "start-up":
        stop_timers(page)
    goto_ready_for_instant(page, base_url + "principles/")
    href = follow_while_page_loads(page, page.locator("article p.kb-sources a").first, meanwhile)

    expect(page.locator("article h1")).to_contain_text("讲话稿")
    assert_on_screen_below_header(page, by_id(page, fragment(href)))
    expect(page).to_have_url(href)  # the address to copy still names the paragraph
    expect(page.locator(".kb-para:target")).to_have_id(fragment(href))  # highlighted as the target
    assert_instant(page)

    # Back leads to the citing page (the landing replaced the entry, it did not add one), and Forward
    # returns to the paragraph.
    page.go_back()
    expect(page).to_have_url(base_url + "principles/")
    expect(page.locator("article h1")).to_have_text(heading("基本原则"))
    page.go_forward()
    expect(page).to_have_url(href)
    assert_on_screen_below_header(page, by_id(page, fragment(href)))
    assert_instant(page)


def test_forward_at_once_after_back_lands_on_the_paragraph(page: Page, base_url: str):
    """Back, and Forward before the citing page has finished arriving.

    Material announces a page (document$) only once the scripts inside it have loaded. Here the
    citing page's script is held until Forward has started, so its announcement comes late, under
    the address of the paragraph; taken for the paragraph's page, it spent the noted landing and the
    reader ended at the top (it failed about one run in three by chance before this test held it).
    """
    rebase_sitemap(page, base_url)
    goto_ready_for_instant(page, base_url + "principles/")
    page.evaluate("window.__kbDocs = 0; document$.subscribe(() => window.__kbDocs++)")
    link = page.locator("article p.kb-sources a").first
    href = urljoin(page.url, link.get_attribute("href"))
    link.click()
    assert_on_screen_below_header(page, by_id(page, fragment(href)))
    page.wait_for_function("() => window.__kbDocs === 2")

    # The citing page comes back with one more script in it, held (the page's own script may come
    # from the browser's memory cache, out of a route's reach). Material waits for the last script
    # of the page only: the held one goes after the page's own, behind the article.
    def with_held_script(route):
        body = re.sub(r"(</article>.*?</script>)", r'\1<script src="/kb-held.js"></script>', route.fetch().text(),
                      count=1, flags=re.S)
        route.fulfill(status=200, body=body, headers={"content-type": "text/html; charset=utf-8"})

    scripts, documents = [], []
    page.route(base_url + "principles/", with_held_script)
    page.route(base_url + "kb-held.js", lambda route: scripts.append(route))
    page.route(urldefrag(href).url, lambda route: documents.append(route))
    # Back within 100 ms of the landing: Material's offset tracker has not yet stored the offset.
    page.evaluate("history.replaceState(null, '', location.href)")
    page.go_back(wait_until="commit")
    expect(page.locator("article h1")).to_have_text(heading("基本原则"))  # swapped in, its script held
    until(page, lambda: scripts)
    assert page.evaluate("window.__kbDocs") == 2, "the citing page was announced before its script loaded"

    page.go_forward(wait_until="commit")
    expect(page).to_have_url(href)
    until(page, lambda: documents)  # the paragraph's page is on its way (held)
    scripts[0].fulfill(status=200, body="", headers={"content-type": "text/javascript"})
    page.wait_for_function("() => window.__kbDocs === 3")  # the citing page's late announcement
    page.unroute(urldefrag(href).url)
    for route in documents:
        route.continue_()

    expect(page.locator("article h1")).to_contain_text("讲话稿")
    expect(page).to_have_url(href)
    assert_on_screen_below_header(page, by_id(page, fragment(href)))
    assert_instant(page)


def test_back_returns_to_where_the_reader_was_while_the_page_loads(page: Page, base_url: str):
    """Back, slow server, and the reader scrolls meanwhile: the citing page comes back at the offset
    it was left at, not at the offset of the page the reader scrolled while waiting."""
    rebase_sitemap(page, base_url)
    goto_ready_for_instant(page, base_url + "principles/")
    box = page.locator("article").bounding_box()
    page.mouse.move(box["x"] + 10, 400)
    page.mouse.wheel(0, 800)
    # settled: navigation.tracking (the last of the page's trackers) has named the heading in view
    page.wait_for_function("() => scrollY > 0 && location.hash !== ''")
    left_at = page.evaluate("scrollY")
    links = page.locator("article p.kb-sources a")
    on_screen = links.evaluate_all("els => els.findIndex(e => e.getBoundingClientRect().top > 100"
                                   " && e.getBoundingClientRect().bottom < innerHeight)")
    assert on_screen >= 0, f"no citation link on screen at y={left_at}"
    link = links.nth(on_screen)
    href = urljoin(page.url, link.get_attribute("href"))
    link.click()
    assert_on_screen_below_header(page, by_id(page, fragment(href)))

    held = []
    page.route(base_url + "principles/", lambda route: held.append(route))
    page.go_back(wait_until="commit")
    expect(page).to_have_url(re.compile(re.escape(base_url + "principles/") + r"(#.*)?$"))  # + tracking's anchor
    page.mouse.wheel(0, 300)
    # Material's offset tracker has written the source page's offset into the citing page's entry
    page.wait_for_function("y => history.state && history.state.y !== y", arg=left_at)
    assert len(held) == 1, held
    held[0].continue_()
    page.unroute(base_url + "principles/")

    expect(page.locator("article h1")).to_have_text(heading("基本原则"))
    try:
        page.wait_for_function("y => scrollY === y", arg=left_at, timeout=5000)
    except PlaywrightError:
        pytest.fail(f"Back restored y={page.evaluate('scrollY')}, not y={left_at} where the reader left the page")
    expect(link).to_be_in_viewport()
    assert_instant(page)


def test_cited_by_back_link_reaches_the_citing_item(page: Page, base_url: str):
    page.goto(base_url + "sources/speech/")
    cited_by = page.locator("article p.kb-cited-by").first
    # the paragraph this list hangs under
    para_id = cited_by.evaluate("el => { let p = el.previousElementSibling;"
                                " while (p && !p.classList.contains('kb-para')) p = p.previousElementSibling;"
                                " return p && p.id; }")
    assert para_id and re.fullmatch(r"p\d+", para_id), f"p.kb-cited-by not below a numbered paragraph ({para_id})"
    link = cited_by.locator("a").first
    href = urljoin(page.url, link.get_attribute("href"))
    assert fragment(href), f"back-link {href} has no anchor"
    link.click()

    expect(page).to_have_url(href)
    target = by_id(page, fragment(href))
    expect(target).to_have_count(1)
    assert_on_screen_below_header(page, target)
    # the item reached cites the paragraph we came from in its own 出处
    cites = target.evaluate("""el => {
        const level = /^H[1-6]$/.test(el.tagName) ? +el.tagName[1] : 6, hrefs = [];
        for (let n = el.nextElementSibling; n; n = n.nextElementSibling) {
            if (/^H[1-6]$/.test(n.tagName) && +n.tagName[1] <= level) break;
            n.querySelectorAll('a').forEach(a => hrefs.push(a.href));
            if (n.matches('a')) hrefs.push(n.href);
        }
        return hrefs; }""")
    assert any(c.endswith(f"/sources/speech/#{para_id}") for c in cites), (
        f"{href} does not cite speech #{para_id}; it links to {cites}")


# --------------------------------------------------------------------------- 4. search


def test_search_finds_what_readers_ask_for(browser, base_url: str):
    path, queries = load_queries()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page_text: dict[str, str] = {}
    misses = []
    try:
        for query, want in queries:
            page.goto(base_url)
            hrefs = search(page, query)[:SEARCH_K]
            hit = False
            for href in hrefs:
                url = urldefrag(href)[0]
                if url not in page_text:
                    response = page.request.get(url)
                    page_text[url] = strip_tags(response.text()) if response.ok else ""
                if want in page_text[url]:
                    hit = True
                    break
            if not hit:
                misses.append(f"{query!r} (wants {want!r}) got {[h.replace(base_url, '/') for h in hrefs]}")
    finally:
        context.close()
    rate = (len(queries) - len(misses)) / len(queries)
    print(f"search success@{SEARCH_K} = {rate:.2f} on {len(queries)} queries from {path}")
    assert rate >= SEARCH_MIN_SUCCESS, (
        f"search success@{SEARCH_K} = {rate:.2f} < {SEARCH_MIN_SUCCESS} ({path}); misses:\n" + "\n".join(misses))


def test_search_result_click_lands_on_the_page(page: Page, base_url: str):
    # the first result, as a reader would pick it
    page.goto(base_url)
    assert search(page, "焦裕禄"), "no results for 焦裕禄"
    first = page.locator(SEARCH_RESULT_LINKS).first
    href = first.evaluate("e => e.href")
    first.click()
    # navigation.tracking may rewrite the fragment as the page scrolls: compare without it
    expect(page).to_have_url(re.compile(re.escape(urldefrag(href)[0]) + r"(#.*)?$"))
    expect(page.locator("#__search")).not_to_be_checked()  # the search overlay closed
    expect(page.locator(".md-content article")).to_contain_text("焦裕禄")

    # a section result: lands on its heading, with the term highlighted
    page.goto(base_url)
    search(page, "焦裕禄")
    section = page.locator(SEARCH_RESULT_LINKS).filter(has=page.locator("h2, h3")).first
    href = section.evaluate("e => e.href")
    assert fragment(href), f"section result {href} has no anchor"
    section.click()
    expect(page).to_have_url(re.compile(re.escape(urldefrag(href)[0]) + r"(#.*)?$"))
    target = by_id(page, fragment(href))
    assert_on_screen_below_header(page, target)
    expect(page.locator(".md-content article mark[data-md-highlight]").first).to_have_text("焦裕禄")


# --------------------------------------------------------------------------- 5. phone


@pytest.fixture(scope="module")
def phone_context(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def phone(phone_context):
    page = phone_context.new_page()
    yield page
    page.close()


def test_phone_pages_do_not_scroll_sideways(phone: Page, base_url: str):
    overflowing = []
    for path in ("", "faq/", "sources/speech/", "glossary/", "events/", "requirements/"):
        phone.goto(base_url + path)
        widths = phone.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] > widths[1] + 1:
            wide = phone.evaluate("""() => [...document.querySelectorAll('article *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className ? '.' + e.className.trim().replace(/\\s+/g, '.') : '')
                    + ' "' + e.textContent.trim().slice(0, 20) + '"')""")
            overflowing.append(f"/{path}: scrollWidth {widths[0]} > clientWidth {widths[1]}; e.g. {wide}")
    assert not overflowing, "\n".join(overflowing)


def test_phone_menu_opens_the_navigation(phone: Page, base_url: str):
    phone.goto(base_url)
    nav_link = phone.locator(".md-sidebar--primary .md-nav__link", has_text="问答").first
    expect(nav_link).not_to_be_in_viewport()
    phone.locator('label.md-header__button[for="__drawer"]').tap()
    expect(phone.locator("#__drawer")).to_be_checked()
    expect(nav_link).to_be_in_viewport()
    nav_link.tap()
    expect(phone).to_have_url(base_url + "faq/")
    expect(phone.locator("article h1")).to_have_text(heading("问答"))


def test_phone_search_is_reachable(phone: Page, base_url: str):
    phone.goto(base_url + "faq/")
    box = phone.locator(SEARCH_BOX)
    expect(box).not_to_be_in_viewport()
    phone.locator('label.md-header__button[for="__search"]').tap()
    expect(phone.locator("#__search")).to_be_checked()
    expect(box).to_be_in_viewport()
    assert search(phone, "回头看"), "no results for 回头看 on the phone"
    expect(phone.locator(SEARCH_RESULT_LINKS).first).to_be_in_viewport()


# --------------------------------------------------------------------------- 6. accessibility


# Every page kind in the light scheme; the home page and a source text in the dark one too.
AXE_CASES = [("light", p, k) for k, p in PAGE_KINDS.items()] + [("dark", "", "home"), ("dark", "sources/speech/", "source-document")]


@pytest.mark.parametrize("scheme,path", [(s, p) for s, p, _ in AXE_CASES], ids=[f"{s}-{k}" for s, _, k in AXE_CASES])
def test_no_serious_accessibility_violations(page: Page, base_url: str, scheme: str, path: str):
    page.emulate_media(color_scheme=scheme)
    page.goto(base_url + path, wait_until="networkidle")
    expected = {"light": "default", "dark": "slate"}[scheme]
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", expected)
    violations = serious_violations(page)
    assert not violations, f"axe on /{path} ({scheme}):\n" + "\n".join(violations)


# --------------------------------------------------------------------------- 7. palette


def test_palette_toggle_switches_and_remembers_the_scheme(page: Page, base_url: str):
    page.emulate_media(color_scheme="light")
    page.goto(base_url)
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")

    page.locator('[data-md-component="palette"] label[title="切换到深色模式"]').click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    # the choice survives a full page load
    page.goto(base_url + "faq/")
    expect(body).to_have_attribute("data-md-color-scheme", "slate")

    page.locator('[data-md-component="palette"] label[title="切换到浅色模式"]').click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")


# --------------------------------------------------------------------------- 8. print


def test_print_shows_the_content_without_the_chrome(page: Page, base_url: str):
    page.emulate_media(media="print")
    page.goto(base_url + "faq/")
    for chrome in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.locator("article h1")).to_have_text(heading("问答"))
    expect(page.locator("article h3[id]").first).to_be_visible()
    expect(page.locator("article p.kb-sources").first).to_be_visible()
    expect(page.locator("article .headerlink").first).to_be_hidden()


def test_search_index_loads_only_when_the_search_opens(page: Page, base_url: str):
    # First views stay light: the index (growing with the content) is fetched on demand.
    fetched: list[str] = []
    page.context.on("request", lambda r: fetched.append(r.url))
    page.goto(base_url + "faq/", wait_until="networkidle")
    assert not [u for u in fetched if "search_index" in u or "/workers/" in u], fetched
    with page.expect_request(lambda r: r.url.endswith("search/search_index.json")):
        page.locator(SEARCH_BOX).focus()
    assert search(page, "四风"), "search works once opened"
