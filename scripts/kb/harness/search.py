"""The search runner: types a query into the site's real search box and reads the results."""
from __future__ import annotations

import re
from pathlib import Path

SEARCH_BOX = 'input[data-md-component="search-query"]'
RESULT_LINKS = ".md-search-result__list > .md-search-result__item > a.md-search-result__link"
# Material's own words for its search states, from the page's configuration: the states to wait
# for, never a fixed delay.
_T = "JSON.parse(document.getElementById('__config').textContent).translations"
_META = "(document.querySelector('.md-search-result__meta')?.textContent || '').trim()"
# The index is loaded: the meta line has gone from "正在初始化搜索引擎" to "键入以开始搜索". Typing
# earlier renders "没有找到符合条件的结果" first and the real results a moment later.
READY = f"() => {_META} === {_T}['search.result.placeholder']"
# Results rendered, or the meta line says there are none.
SETTLED = (f"() => document.querySelectorAll('.md-search-result__item').length > 0"
           f" || {_META} === {_T}['search.result.none']")


def load_queries(path: Path) -> list[tuple[str, str]]:
    """(query, text the answering page must contain) rows of a TSV; # starts a comment."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, want = line.split("\t")[:2]
            rows.append((query, want))
    return rows


def run_query(page, query: str, timeout_ms: int = 120_000) -> list[str]:  # noqa: ANN001 - playwright Page
    """Type `query` into the site's own search box; the hrefs of the top-level results, best first."""
    box = page.locator(SEARCH_BOX)
    box.focus()  # the index is loaded when the search is first opened
    page.wait_for_function(READY, timeout=timeout_ms)
    box.fill(query)
    box.dispatch_event("keyup")  # Material reads the query on keyup
    page.wait_for_function(SETTLED, timeout=timeout_ms)
    return page.eval_on_selector_all(RESULT_LINKS, "els => els.map(e => e.href)")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html)
