"""The real web server: Debian's nginx with the project's configuration, over a published release.

Chromium goes through it at the site root and under /kb/: pages, navigation, search, the 404 page,
no Content-Security-Policy violation, and every request to 127.0.0.1.
"""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from .conftest import ROOT
from .nginx_server import nginx

pytestmark = [pytest.mark.browser, pytest.mark.build]

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module", params=["/", "/kb/"], ids=["root", "subpath"])
def served(request, site, tmp_path_factory):
    base = request.param
    dest = tmp_path_factory.mktemp("dest")
    result = subprocess.run([sys.executable, "scripts/publish", str(dest), "--site", str(site), "--base", base],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with nginx(dest / "current", tmp_path_factory.mktemp("nginx"), base) as url:
        yield url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with _opener.open(req, timeout=5) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_headers_caching_and_precompression(served):
    status, h, body = get(served, **{"Accept-Encoding": "gzip"})
    assert status == 200 and h["content-encoding"] == "gzip"
    assert "群众路线知识库" in gzip.decompress(body).decode("utf-8")
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] and h["permissions-policy"]
    assert h["cache-control"] == "no-cache"
    html = gzip.decompress(body).decode("utf-8")
    bundle = html.split('src="assets/javascripts/bundle.')[1].split('"')[0]
    status, h, _ = get(served + "assets/javascripts/bundle." + bundle, **{"Accept-Encoding": "gzip"})
    assert status == 200 and "immutable" in h["cache-control"] and "content-security-policy" in h
    status, h, _ = get(served + "search/search_index.json")
    assert status == 200 and h["cache-control"] == "no-cache"
    status, h, _ = get(served + "faq")
    assert status == 301 and h["location"] == urlsplit(served).path + "faq/"


def test_unknown_path_gets_the_sites_404_page(served, page):
    status, h, body = get(served + "no/such/page/")
    assert status == 404 and "content-security-policy" in h
    page.add_init_script(COLLECT_VIOLATIONS)
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(served + "no/such/page/")
    assert "404" in page.locator("article").inner_text()
    # The 404 page is served at any depth; its styles and scripts must still load.
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") in ("sticky", "fixed")
    assert failed == [] and page.evaluate("window.__csp") == []


def test_pages_navigation_and_search_through_nginx(served, page):
    hosts, violations, errors = set(), [], []
    page.on("request", lambda r: hosts.add(urlsplit(r.url).hostname))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(COLLECT_VIOLATIONS)

    page.goto(served)
    assert page.title().startswith("群众路线知识库") or "群众路线知识库" in page.title()
    page.get_by_role("link", name="问答").first.click()
    page.wait_for_url("**/faq/")
    assert page.locator("h1").inner_text().startswith("问答")
    violations += page.evaluate("window.__csp")

    # A citation link lands on its paragraph.
    page.goto(served + "principles/")
    link = page.locator(".kb-sources a").first
    link.click()
    page.wait_for_url("**/sources/**#p*")
    anchor = page.url.split("#")[1]
    assert page.locator(f"#{anchor}").is_visible()

    # Search with the real search box.
    page.goto(served)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator('input[data-md-component="search-query"]')
    box.fill("真督实导")
    box.dispatch_event("keyup")
    page.wait_for_selector(".md-search-result__item", timeout=10000)
    first = page.locator(".md-search-result__item a").first
    first.click()
    page.wait_for_load_state()
    assert "真督实导" in page.locator("article").inner_text()
    violations += page.evaluate("window.__csp")

    # Dark scheme toggle still works under the CSP (its script was moved out of the page).
    page.goto(served + "glossary/")
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") != scheme
    violations += page.evaluate("window.__csp")

    assert hosts == {"127.0.0.1"}, hosts
    assert violations == [], violations
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == [], errors
