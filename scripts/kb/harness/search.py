"""The search runner: types a query into the site's real search box and reads the results."""
from __future__ import annotations

import re
from pathlib import Path

SEARCH_BOX = 'input[data-md-component="search-query"]'
RESULT_LINKS = ".md-search-result__list > .md-search-result__item > a.md-search-result__link"
# Results shown, or the "no results" line: the state to wait for, never a fixed delay.
SETTLED = """() =>
    document.querySelectorAll('.md-search-result__item').length > 0 ||
    /(没有|No matching|no matching|0 )/.test(document.querySelector('.md-search-result__meta')?.textContent || '')"""


def load_queries(path: Path) -> list[tuple[str, str]]:
    """(query, text the answering page must contain) rows of a TSV; # starts a comment."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, want = line.split("\t")[:2]
            rows.append((query, want))
    return rows


def run_query(page, query: str, timeout_ms: int = 120_000) -> list[str]:  # noqa: ANN001 - playwright Page
    """The result links' hrefs for `query`, once the search has settled."""
    box = page.locator(SEARCH_BOX)
    page.evaluate("(sel) => document.querySelector(sel).focus()", SEARCH_BOX)
    box.fill(query)
    box.dispatch_event("keyup")  # Material reads the query on keyup
    page.wait_for_function(SETTLED, timeout=timeout_ms)
    return page.eval_on_selector_all(RESULT_LINKS, "els => els.map(e => e.href)")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html)
