"""Search engines side by side, in Debian's Chromium, on a built site (issue 12).

For each engine:
- quality: success@5 and MRR on a query file (a hit is a top-5 result whose page contains the
  expected text), the same method as tests/test_search.py;
- speed: keystroke to rendered results, per query, with the index already loaded (the first
  search's wait is reported as bytes and time of its own); median and 95th percentile;
- bytes: search bytes fetched before the reader opens search (must be 0), and everything fetched
  from opening search to the first rendered result (raw and gzip -6);
- exactness (at scale): for multi-character queries, the share of the first ten result pages
  that contain the whole query, and the count shown against the pages that truly contain it;
- CSP: one search under `Content-Security-Policy: script-src 'self'`, console errors recorded.

Engines: "kb" (Material's box with macros/search_worker.js), "material" (Material's lunr worker,
a site built with KB_SEARCH_ENGINE=material), "pagefind" (Pagefind's index built over the same
site with `python -m pagefind`, queried through its JS API and rendered as a plain list; needs
`pip install 'pagefind[extended]'`, which the project does not keep).
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

from ..harness.browser import launch as _launch
from ..harness.search import RESULT_LINKS, SEARCH_BOX
from ..harness.servers import SiteServer
from .common import ROOT, gz_size, median

QUERIES = ROOT / "tests" / "search" / "queries.tsv"
SHARED_QUERIES = ROOT.parent / "shared" / "search-queries.tsv"
_T = "JSON.parse(document.getElementById('__config').textContent).translations"
_META = "(document.querySelector('.md-search-result__meta')?.textContent || '').trim()"
READY = (f"() => {_META} === {_T}['search.result.placeholder']"
         f" && document.querySelectorAll('.md-search-result__item').length === 0")
SETTLED = (f"() => document.querySelectorAll('.md-search-result__item').length > 0"
           f" || {_META} === {_T}['search.result.none']")
SEARCH_PATHS = ("search/search_index", "assets/javascripts/workers/", "assets/javascripts/lunr/", "pagefind/")
ARTICLE = re.compile(r'<article class="md-content__inner[^"]*">(.*?)</article>', re.S)
HAN_ONLY = re.compile(r"^[\u3400-\u9fff]{2,}$")

# Pagefind behind a plain list: import on opening search, then search + the top ten fragments.
PAGEFIND_OPEN = """async () => { window.__pf = await import('./pagefind/pagefind.js'); await window.__pf.init(); }"""
PAGEFIND_QUERY = """async (q) => {
  const r = await Promise.race([window.__pf.search(q),
                                new Promise((_, no) => setTimeout(() => no(new Error('pagefind: no answer in 20 s for ' + q)), 20000))]);
  const top = await Promise.all(r.results.slice(0, 10).map(x => x.data()));
  let ol = document.getElementById('__pf_results');
  if (!ol) { ol = document.createElement('ol'); ol.id = '__pf_results'; document.body.prepend(ol); }
  ol.innerHTML = '';
  for (const d of top) { const li = document.createElement('li'); li.innerHTML = `<a href="${d.url}">${d.meta.title}</a><p>${d.excerpt}</p>`; ol.appendChild(li); }
  await new Promise(requestAnimationFrame);
  return { urls: top.map(d => new URL(d.url, location.href).href), count: r.results.length };
}"""


def read_queries(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            q, _, want = line.partition("\t")
            rows.append((q.strip(), want.strip()))
    return rows


EXCLUDED = re.compile(r"<(p|div)[^>]*\bdata-search-exclude\b[^>]*>.*?</\1>", re.S)


def page_texts(site: Path) -> dict[str, str]:
    """url path ('faq/') -> visible text of the page's article, as search sees it: without the
    blocks marked data-search-exclude (tags, related content), and without the pages excluded from
    search (front matter `search: exclude`, absent from our index)."""
    searchable = None
    index = site / "search" / "search_index.json"
    if index.is_file():
        import json

        docs = json.loads(index.read_text("utf-8")).get("docs")
        if isinstance(docs, dict):  # kb.searchindex's form lists the searchable pages
            searchable = set(docs["pages"])
    out = {}
    for p in site.rglob("index.html"):
        rel = p.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search", "pagefind")):
            continue
        key = "" if rel == "." else rel + "/"
        if searchable is not None and key not in searchable:
            continue
        m = ARTICLE.search(p.read_text("utf-8"))
        if m:
            out[key] = html.unescape(re.sub(r"<[^>]+>", "", EXCLUDED.sub(" ", m.group(1))))
    return out


def page_key(url: str, base: str) -> str:
    path = unquote(urlsplit(urldefrag(url)[0]).path)
    rel = path[len(urlsplit(base).path):] if path.startswith(urlsplit(base).path) else path.lstrip("/")
    return rel.removesuffix("index.html")


class Engine:
    """Open search, then type queries; results as page keys in rank order, and the count shown."""

    def __init__(self, kind: str, page, base: str):
        self.kind, self.page, self.base = kind, page, base

    def open(self) -> None:
        if self.kind == "pagefind":
            self.page.evaluate(PAGEFIND_OPEN)
        else:
            self.page.locator(SEARCH_BOX).focus()
            self.page.wait_for_function(READY, timeout=120_000)

    def query(self, q: str) -> tuple[list[str], int | None, float]:
        if self.kind == "pagefind":
            t0 = time.perf_counter()
            r = self.page.evaluate(PAGEFIND_QUERY, q)
            ms = (time.perf_counter() - t0) * 1000
            return [page_key(u, self.base) for u in r["urls"]], r["count"], ms
        box = self.page.locator(SEARCH_BOX)
        box.fill("")
        box.dispatch_event("keyup")  # back to the empty list, so the wait below sees only this query's results
        self.page.wait_for_function(READY, timeout=120_000)
        t0 = time.perf_counter()
        box.fill(q)
        box.dispatch_event("keyup")
        self.page.wait_for_function(SETTLED, timeout=120_000)
        ms = (time.perf_counter() - t0) * 1000
        hrefs = self.page.eval_on_selector_all(RESULT_LINKS, "els => els.map(e => e.href)")
        items = self.page.eval_on_selector_all(
            ".md-search-result__item > a.md-search-result__link:first-child", "els => els.map(e => e.href)")
        meta = self.page.evaluate(f"() => {_META}")
        m = re.search(r"(\d[\d,.]*)\s*(k?)", meta)
        count = None
        if m:
            count = int(float(m.group(1).replace(",", "")) * (1000 if m.group(2) else 1))
        elif items == []:
            count = 0
        # ranked links (for success@k), and the distinct pages in order (for precision)
        self.last_pages = [page_key(u, self.base) for u in items]
        return [page_key(u, self.base) for u in hrefs], count, ms


def _bytes(server: SiteServer, urls: list[str]) -> dict:
    raw = gz = 0
    files = 0
    for url in dict.fromkeys(urldefrag(u)[0] for u in urls):
        f = server.file_for(url)
        if f is None:
            continue
        data = f.read_bytes()
        raw += len(data)
        gz += len(data) if f.suffix in (".png", ".ico", ".woff2") else gz_size(data)
        files += 1
    return {"raw": raw, "gz": gz, "files": files}


def measure(site: Path, kind: str, query_files: list[Path], exactness: bool = False, csp: bool = True,
            limit: int | None = None) -> dict:
    """All figures for one engine on one built site; `limit` takes the first queries of each file only."""
    from playwright.sync_api import sync_playwright

    texts = page_texts(site)
    out: dict = {"engine": kind, "site": str(site), "pages": len(texts)}
    with SiteServer(site) as server, sync_playwright() as p:
        browser = _launch(p)
        try:
            # first search: bytes before opening, then from opening to the first rendered result
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            urls: list[str] = []
            ctx.on("request", lambda r: urls.append(r.url))
            page = ctx.new_page()
            page.goto(server.base, wait_until="networkidle")
            before = [u for u in urls if any(s in u for s in SEARCH_PATHS)]
            n_before = len(urls)
            eng = Engine(kind, page, server.base)
            t0 = time.perf_counter()
            eng.open()
            eng.query("四风")
            out["first_search_ms"] = (time.perf_counter() - t0) * 1000
            out["search_bytes_before_open"] = _bytes(server, before)
            out["first_search_bytes"] = _bytes(server, urls[n_before:])
            ctx.close()

            # quality and speed, one context, index loaded once
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(server.base, wait_until="networkidle")
            eng = Engine(kind, page, server.base)
            eng.open()
            times: list[float] = []
            for qf in query_files:
                rows = read_queries(qf)[:limit]
                hits, rr, misses = 0, [], []
                for q, want in rows:
                    links, _, ms = eng.query(q)
                    times.append(ms)
                    rank = next((i + 1 for i, k in enumerate(links[:5]) if want in texts.get(k, "")), None)
                    hits += bool(rank)
                    rr.append(1 / rank if rank else 0.0)
                    if not rank:
                        misses.append(f"{q} -> {links[:5]}")
                out.setdefault("quality", {})[qf.name if qf != SHARED_QUERIES else "shared/" + qf.name] = {
                    "queries": len(rows), "success_at_5": hits / len(rows), "mrr": sum(rr) / len(rows), "misses": misses}
            t = sorted(times)
            out["query_ms_median"] = median(t)
            out["query_ms_p95"] = t[int(0.95 * (len(t) - 1))]

            if exactness:
                qs = sorted({q for q, _ in read_queries(QUERIES) if HAN_ONLY.match(q)})
                precisions, errors, rows = [], [], []
                for q in qs:
                    truth = sum(q in t for t in texts.values())
                    if not truth:
                        continue
                    links, count, _ = eng.query(q)
                    pages = (eng.last_pages if kind != "pagefind" else links)[:10]
                    pages = list(dict.fromkeys(pages))[:10]
                    prec = sum(q in texts.get(k, "") for k in pages) / len(pages) if pages else 0.0
                    err = abs((count or 0) - truth) / truth
                    precisions.append(prec)
                    errors.append(err)
                    rows.append({"query": q, "precision_at_10": prec, "count_shown": count, "true_count": truth})
                out["exactness"] = {
                    "queries": len(rows),
                    "precision_at_10_mean": sum(precisions) / len(precisions),
                    "precision_at_10_min": min(precisions),
                    "share_with_precision_ge_0_9": sum(p >= 0.9 for p in precisions) / len(precisions),
                    "count_error_mean": sum(errors) / len(errors),
                    "count_error_max": max(errors),
                    "share_count_within_10pct": sum(e <= 0.10 for e in errors) / len(errors),
                    "worst": sorted(rows, key=lambda r: (r["precision_at_10"], -abs((r["count_shown"] or 0) - r["true_count"])))[:5],
                }
            ctx.close()

        finally:
            browser.close()
    if csp:
        out["csp_script_src_self"] = csp_check(site, kind)
    return out


def csp_check(site: Path, kind: str) -> dict:
    """One search on a copy published as `make publish` does (inline scripts moved to files), served
    with the project's Content-Security-Policy (script-src 'self', no 'wasm-unsafe-eval')."""
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    from ..release import Steps, externalise_inline_scripts

    # The policy the project's nginx sends (deploy/nginx/security-headers.conf).
    conf = (ROOT / "deploy" / "nginx" / "security-headers.conf").read_text("utf-8")
    policy = re.search(r'Content-Security-Policy "([^"]+)"', conf).group(1)
    with tempfile.TemporaryDirectory(prefix="kb-csp-") as tmp:
        copy = Path(tmp) / "site"
        shutil.copytree(site, copy)
        externalise_inline_scripts(copy, Steps())
        errors: list[str] = []
        with SiteServer(copy) as server, sync_playwright() as p:
            browser = _launch(p)
            try:
                page = browser.new_page()
                page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                page.on("pageerror", lambda e: errors.append(str(e)))

                def add_csp(route):
                    resp = route.fetch()
                    route.fulfill(response=resp, headers={**resp.headers, "content-security-policy": policy})

                page.context.route("**/*", add_csp)
                page.goto(server.base, wait_until="networkidle")
                eng = Engine(kind, page, server.base)
                try:
                    eng.open()
                    links, _, _ = eng.query("四风")
                    ok = bool(links)
                except Exception as e:  # noqa: BLE001 - the failure is the figure
                    ok = False
                    errors.append(str(e).splitlines()[0])
            finally:
                browser.close()
    return {"policy": policy, "search_works": ok, "errors": errors[:3]}


def pagefind_site(site: Path, dest: Path) -> Path:
    """A copy of `site` with Pagefind's index over each page's article."""
    import shutil

    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(site, dest)
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(dest), "--root-selector", "article",
                    "--exclude-selectors", ".headerlink", "--silent"], check=True)
    return dest
