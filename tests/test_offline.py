"""The offline copy: a zip that works from file:// — navigation and search — and fetches nothing."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, kb_cmd

pytestmark = [pytest.mark.browser, pytest.mark.build]


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline")
    result = kb_cmd("offline", out)
    assert result.returncode == 0, result.stdout + result.stderr
    [archive] = out.glob("kb-offline-*.zip")
    assert not list(out.glob("*.partial"))
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert "README.txt" in names and "kb-offline/index.html" in names
        assert "kb-offline/search/search_index.js" in names, "search must work without a server"
        z.extractall(out / "x")
    return out / "x" / "kb-offline"


def test_offline_copy_needs_no_server_and_no_network(unzipped):
    html = (unzipped / "faq.html").read_text("utf-8")
    assert "unpkg.com" not in html and "iframe-worker-shim.js" in html
    assert (unzipped / "assets/javascripts/iframe-worker-shim.js").is_file()


def test_search_and_links_work_from_file_urls(unzipped, browser):
    page = browser.new_page()
    schemes, errors = set(), []
    page.on("request", lambda r: schemes.add(r.url.split(":", 1)[0]))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((unzipped / "index.html").as_uri())
    assert "群众路线知识库" in page.title()

    page.get_by_role("link", name="问答").first.click()
    page.wait_for_url("**/faq.html")
    assert page.locator("h1").inner_text().startswith("问答")

    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator('input[data-md-component="search-query"]')
    box.fill("回头看")
    box.dispatch_event("keyup")
    page.wait_for_selector(".md-search-result__item", timeout=10000)
    page.locator(".md-search-result__item a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith("file://") and "回头看" in page.locator("article").inner_text()

    page.goto((unzipped / "principles.html").as_uri())
    page.locator(".kb-sources a").first.click()
    page.wait_for_load_state()
    anchor = page.url.split("#")[1]
    assert page.url.split("#")[0].endswith(".html") and page.locator(f"#{anchor}").is_visible()
    page.close()
    assert schemes <= {"file", "data", "blob", "about"}, schemes
    assert errors == []
