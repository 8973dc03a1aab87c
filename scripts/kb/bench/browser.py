"""What a reader's browser does with a built site: bytes of a first view, and search timings.

Debian's Chromium through Playwright, the site served from disk by a loopback HTTP server
without compression. Transfer sizes are computed from the files the browser requested:
raw bytes and gzip level 6 (what an intranet server with gzip on would send; PNG, ICO and
WOFF2 count as they are). A first view
is a fresh browser context (empty cache) loading one page until the network is idle for
0.5 s, with every request counted, including those of Material's search worker.
"""
from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urldefrag

from ..harness.browser import launch as _launch
from ..harness.search import load_queries, run_query, visible_text
from ..harness.servers import SiteServer
from .common import ROOT, gz_size, median

QUERY_FILES = (ROOT.parent / "shared" / "search-queries.tsv", ROOT / "tests" / "fixtures" / "search-queries.tsv")
SEARCH_ONLY = ("search/search_index.json", "assets/javascripts/workers/", "assets/javascripts/lunr/")


def kind_of(path: str) -> str:
    for ext, kind in ((".html", "html"), ("/", "html"), (".css", "css"), (".js", "js"), (".json", "search index"),
                      (".svg", "images"), (".png", "images"), (".ico", "images"), (".woff2", "fonts")):
        if path.endswith(ext):
            return kind
    return "other"


def first_view(browser, server: SiteServer, path: str) -> dict:
    """Every request of a first visit to `path`, with raw and gzipped sizes by kind."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    urls: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    page = context.new_page()
    page.goto(server.base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    context.close()
    assets = []
    seen = set()
    for url in urls:
        url = urldefrag(url)[0]
        if url in seen:
            continue
        seen.add(url)
        f = server.file_for(url)
        rel = url[len(server.base):] if url.startswith(server.base) else url
        if f is None:
            assets.append({"url": rel, "missing": True})
            continue
        data = f.read_bytes()
        compressed = f.suffix in (".png", ".ico", ".jpg", ".webp", ".woff2")  # servers send these as they are
        assets.append({"url": rel, "kind": kind_of(rel or "/"), "raw": len(data),
                       "gz": len(data) if compressed else gz_size(data),
                       "search_only": any(s in rel for s in SEARCH_ONLY)})
    ok = [a for a in assets if not a.get("missing")]
    by_kind: dict[str, dict] = {}
    for a in ok:
        k = by_kind.setdefault(a["kind"], {"raw": 0, "gz": 0, "files": 0})
        k["raw"] += a["raw"]
        k["gz"] += a["gz"]
        k["files"] += 1
    return {
        "path": "/" + path,
        "requests": len(assets),
        "raw": sum(a["raw"] for a in ok),
        "gz": sum(a["gz"] for a in ok),
        "by_kind": by_kind,
        "search_only_gz": sum(a["gz"] for a in ok if a["search_only"]),
        "missing": [a["url"] for a in assets if a.get("missing")],
        "assets": ok,
    }


def content_pages(site: Path) -> list[tuple[str, int]]:
    """(url path, HTML bytes) of every page except the home page and 404, smallest first."""
    out = []
    for p in site.rglob("index.html"):
        rel = p.parent.relative_to(site).as_posix()
        if rel in (".", "") or rel.startswith(("assets", "search")):
            continue
        out.append((rel + "/", p.stat().st_size))
    return sorted(out, key=lambda x: (x[1], x[0]))


def measure_weight(site: Path) -> dict:
    """First views of the home page, a typical (median-sized) content page and the largest page."""
    from playwright.sync_api import sync_playwright

    pages = content_pages(site)
    typical = pages[len(pages) // 2][0]
    largest = pages[-1][0]
    with SiteServer(site) as server, sync_playwright() as p:
        browser = _launch(p)
        try:
            views = {"home": first_view(browser, server, ""), "typical": first_view(browser, server, typical),
                     "largest": first_view(browser, server, largest)}
        finally:
            browser.close()
    index = site / "search" / "search_index.json"
    data = index.read_bytes() if index.is_file() else b""
    return {"first_view": views, "search_index": {"raw": len(data), "gz": gz_size(data)}}


def measure_search(site: Path, k: int = 5, max_queries: int | None = None) -> dict:
    """Search timings on a built site.

    - first_search_s: a fresh visit to the home page, then one query: from the start of the
      navigation until the results are shown (page load, index download, index build in the
      search worker, the query).
    - query_ms: per query, the findability tool's method (shared/tools/search_eval.py): load
      the home page, then time from typing the query to the results being shown; median and
      95th percentile. success@k and MRR are computed the same way.
    """
    from playwright.sync_api import sync_playwright

    qfile = next(p for p in QUERY_FILES if p.is_file())
    rows = load_queries(qfile)
    rows = rows[:max_queries] if max_queries else rows
    text_cache: dict[str, str] = {}
    times, rr, hits = [], [], 0
    with SiteServer(site) as server, sync_playwright() as p:
        browser = _launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(server.base, wait_until="load")
            t_load = time.perf_counter() - t0
            run_query(page, rows[0][0])
            first = time.perf_counter() - t0
            context.close()
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            for query, want in rows:
                page.goto(server.base, wait_until="load")
                t0 = time.perf_counter()
                hrefs = run_query(page, query)[:k]
                times.append((time.perf_counter() - t0) * 1000)
                rank = None
                for i, h in enumerate(hrefs):
                    url = urldefrag(h)[0]
                    if url not in text_cache:
                        f = server.file_for(url)
                        text_cache[url] = visible_text(f.read_text("utf-8", errors="replace")) if f else ""
                    if want in text_cache[url]:
                        rank = i + 1
                        break
                hits += bool(rank)
                rr.append(1 / rank if rank else 0.0)
            context.close()
        finally:
            browser.close()
    t = sorted(times)
    return {
        "queries": len(rows), "query_file": str(qfile), "k": k,
        "page_load_s": t_load, "first_search_s": first,
        "query_ms_median": median(t), "query_ms_p95": t[int(0.95 * (len(t) - 1))],
        "success_at_k": hits / len(rows), "mrr": sum(rr) / len(rows),
    }
