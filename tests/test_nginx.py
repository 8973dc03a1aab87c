"""The real web server: Debian's nginx with the project's configuration, over a published release.

Chromium goes through it at the site root and under /kb/: pages, navigation, search, the 404 page,
no Content-Security-Policy violation, and every request to 127.0.0.1.
"""
from __future__ import annotations

import gzip
import re
import os
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kb.harness.nginx import nginx
from kb.harness.servers import free_port

from .conftest import kb_cmd
from .instant import MEANWHILE, follow_while_page_loads, stop_timers

pytestmark = [pytest.mark.browser, pytest.mark.build]

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module", params=["/", "/kb/"], ids=["root", "subpath"])
def served(request, tmp_path_factory):
    """A full `publish --url` (as an operator runs it), served by nginx at that very address."""
    base = request.param
    port = free_port()
    dest = tmp_path_factory.mktemp("dest")
    result = kb_cmd("publish", dest, "--url", f"http://127.0.0.1:{port}{base}")
    assert result.returncode == 0, result.stdout + result.stderr
    with nginx(dest / "current", tmp_path_factory.mktemp("nginx"), base, port) as url:
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
    expect(page.locator(".md-content article")).to_contain_text("404")
    # The 404 page is served at any depth; its styles and scripts must still load.
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") in ("sticky", "fixed")
    assert failed == [] and page.evaluate("window.__csp") == []


@pytest.mark.parametrize("meanwhile", MEANWHILE)
def test_citation_lands_on_its_paragraph_while_nginx_is_slow(served, page, meanwhile):
    """The published release (CSP, scripts moved out of the pages) lands on the cited paragraph even
    when the old page writes into the new history entry while the next page loads (tests/instant.py)."""
    page.add_init_script(COLLECT_VIOLATIONS)
    if meanwhile == "start-up":
        stop_timers(page)
    with page.expect_response(lambda r: r.url.endswith("/sitemap.xml")):
        page.goto(served + "principles/")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__kbInstant = 'kept'")
    href = follow_while_page_loads(page, page.locator(".kb-sources a").first, meanwhile)

    expect(page.locator("article h1")).to_contain_text("讲话稿")
    expect(page.locator("#" + urlsplit(href).fragment)).to_be_in_viewport()
    expect(page).to_have_url(href)
    assert page.evaluate("window.__kbInstant") == "kept"
    assert page.evaluate("window.__csp") == []


def test_pages_navigation_and_search_through_nginx(served, page):
    hosts, violations, errors = set(), [], []
    page.on("request", lambda r: hosts.add(urlsplit(r.url).hostname))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(COLLECT_VIOLATIONS)

    with page.expect_response(lambda r: r.url.endswith("/sitemap.xml")):
        page.goto(served)
    assert "群众路线知识库" in page.title()
    page.evaluate("window.__kbInstant = 'kept'")
    page.get_by_role("link", name="问答").first.click()
    page.wait_for_url("**/faq/")
    expect(page.locator("h1")).to_have_text(re.compile("^问答"))
    # Instant navigation: the page was swapped in place, not reloaded (needs site_url = this address).
    assert page.evaluate("window.__kbInstant") == "kept"
    violations += page.evaluate("window.__csp")

    # A citation link lands on its paragraph.
    page.goto(served + "principles/")
    link = page.locator(".kb-sources a").first
    link.click()
    page.wait_for_url("**/sources/**#p*")
    anchor = page.url.split("#")[1]
    expect(page.locator(f"#{anchor}")).to_be_in_viewport()

    # Search with the real search box.
    page.goto(served)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator('input[data-md-component="search-query"]')
    box.fill("真督实导")
    box.dispatch_event("keyup")
    page.wait_for_selector(".md-search-result__item", timeout=10000)
    first = page.locator(".md-search-result__item a").first
    target = first.evaluate("a => a.href").split("?")[0].split("#")[0]
    first.click()
    page.wait_for_url(lambda u: u.split("?")[0].split("#")[0] == target)
    expect(page.locator(".md-content article")).to_contain_text("真督实导")
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
