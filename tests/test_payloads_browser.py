"""The payload corpus in a real build, read by Chromium with a trap on every way a payload calls out.

Every payload that the check accepts goes into data (plain fields: FAQ question and group title,
glossary term and alias, event title; citation quotes, which become title attributes and tooltips;
source paragraphs) and, as code or as the text the allowlist keeps, into a page. Chromium loads
every page of that build — over a plain HTTP server (the <meta> policy alone), through nginx
after a real publish (header and meta), and from the offline zip over file:// — hovers the
tooltips and searches, and must record no execution and no Content-Security-Policy violation.
"""
from __future__ import annotations

import functools
from html import unescape as html_unescape
import http.server
import json
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kb import inlinescripts, sanitise, textpolicy
from kb.harness.nginx import nginx
from kb.harness.search import run_query
from kb.harness.servers import free_port

from .conftest import ROOT, copy_project, kb_cmd, mkdocs_build
from .payloads import PAYLOADS
from .site_markdown import to_html

pytestmark = [pytest.mark.browser, pytest.mark.build]

TRAP = """
window.__xss = [];
window.__csp = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'msgbox']) {
  window[name] = (...args) => window.__xss.push(name + '(' + args.join(',') + ') on ' + location.href);
}
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' on ' + location.href));
"""

# Accepted in plain fields and quotes: everything but control characters (refused), one line.
IN_DATA = [p for p in PAYLOADS if not textpolicy.problems_in(p.text, textpolicy.PLAIN) and "\n" not in p.text]
# Kept by the page allowlist as they stand (the rest stop the build; tests/test_security.py).
# Two of those are Markdown links to a page that does not exist, which strict MkDocs refuses.
STRICT_LINK_REFUSED = {"md-title-break", "md-image-onerror"}
IN_PAGE = [p for p in PAYLOADS if "\x00" not in p.text and p.id not in STRICT_LINK_REFUSED
           and not sanitise.page_problems(to_html(p.text), p.text, "docs/payloads.md")]


def _dump(path: Path, data: dict) -> None:
    head = path.read_text("utf-8").split("\n", 1)[0]
    path.write_text(head + "\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), "utf-8")


def make_payload_project(dest: Path) -> Path:
    copy_project(dest)
    data = dest / "data"
    docs = yaml.safe_load((data / "documents.yml").read_text("utf-8"))
    speech = next(d for d in docs["documents"] if d["id"] == "speech")
    source = data / "sources" / speech["file"]
    text = source.read_text("utf-8")
    first = len([line for line in text.splitlines() if line.strip()]) + 1
    source.write_text(text.rstrip("\n") + "\n" + "\n".join(p.text for p in IN_DATA) + "\n", "utf-8")

    def ref(i: int, p) -> list[dict]:
        return [{"doc": "speech", "para": first + i, "quote": p.text.strip()}]

    faq = yaml.safe_load((data / "faq.yml").read_text("utf-8"))
    faq["groups"].append({"id": "payload-group", "title": IN_DATA[0].text, "questions": [
        {"id": f"payload-{i}", "q": p.text, "a": f"回答见**原文**，[原文段落](sources/speech.md#p{first + i})。",
         "sources": ref(i, p), "related": [f"payload-{(i + 1) % len(IN_DATA)}"]}
        for i, p in enumerate(IN_DATA)]})
    _dump(data / "faq.yml", faq)
    glossary = yaml.safe_load((data / "glossary.yml").read_text("utf-8"))
    glossary["terms"] += [{"id": f"payload-term-{i}", "term": p.text, "aliases": [p.text], "pinyin": f"zz payload {i:02d}",
                           "definition": "一条*安全*的释义。", "basis": "general", "sources": ref(i, p)}
                          for i, p in enumerate(IN_DATA)]
    _dump(data / "glossary.yml", glossary)
    events = yaml.safe_load((data / "events.yml").read_text("utf-8"))
    events["events"] += [{"id": f"payload-event-{i}", "date": "5月1日", "doc": "speech", "title": p.text, "sources": ref(i, p)}
                         for i, p in enumerate(IN_DATA[:8])]
    _dump(data / "events.yml", events)

    page = ["# 载荷", "", "页面中作为代码显示的载荷，以及白名单原样保留的载荷。", ""]
    for p in PAYLOADS:
        if "\x00" in p.text or "`" in p.text:
            continue
        page += [f"## {p.id}", "", f"`{' '.join(p.text.split())}`", "", "```html", p.text, "```", ""]
    page += ["## 原样保留", ""] + [p.text + "\n" for p in IN_PAGE]
    (dest / "docs" / "payloads.md").write_text("\n".join(page) + "\n", "utf-8")
    conf = dest / "mkdocs.yml"
    conf.write_text(conf.read_text("utf-8") + "\nnot_in_nav: |\n  payloads.md\n", "utf-8")
    return dest


@pytest.fixture(scope="module")
def payload_project(tmp_path_factory) -> Path:
    return make_payload_project(tmp_path_factory.mktemp("payloads") / "project")


def pages_of(tree: Path) -> list[str]:
    return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.html"))


def visit_all(browser, base: str, pages: list[str], search_for: str | None = "script") -> tuple[list, list, list]:
    """Load every page, hover what has a tooltip, search once; return (executions, violations, errors)."""
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(TRAP)
    page = context.new_page()
    xss, csp, errors, hovered = [], [], [], 0
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (xss.append("dialog " + d.message), d.dismiss()))
    for rel in pages:
        page.goto(base + rel)
        page.wait_for_load_state("load")
        for el in page.locator("article [title]").all()[:12]:
            try:  # a busy machine may be slow to settle the layout: a missed hover is no failure
                if el.is_visible():
                    el.hover(timeout=5000)
                    hovered += 1
            except PlaywrightTimeout:
                pass
        xss += page.evaluate("window.__xss")
        csp += page.evaluate("window.__csp")
    if search_for:
        page.goto(base + ("index.html" if "index.html" in pages else ""))  # not 404.html: it links absolutely
        # Results show the payloads' text (the sections of docs/payloads.md are named after them).
        assert run_query(page, search_for), "the search found the payload sections"
        xss += page.evaluate("window.__xss")
        csp += page.evaluate("window.__csp")
    context.close()
    assert hovered > len(pages), "the tooltips (title attributes, citation quotes among them) were shown"
    return xss, csp, errors


def assert_search_index_and_page_json_inert(site: Path) -> None:
    """The search index (Material inserts its text as HTML) and the JSON in each page hold the
    payloads only as escaped text: no element beyond Material's text markup, no handler, no URL."""
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    seen = 0

    def strings(node):  # whatever the index's layout: every string in it
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)

    # The index holds plain text (scripts/kb/searchindex.py); the search worker escapes it before
    # Material inserts results as HTML — the browser tests search for the payloads below.
    for text in strings(index["docs"]):
        seen += "alert(1)" in text
    assert seen >= len(IN_DATA), "the payloads are in the index, as text"
    for rel in pages_of(site):
        text = (site / rel).read_text("utf-8")
        config = text.split('<script id="__config" type="application/json">', 1)[1].split("</script>", 1)[0]
        assert "<" not in config and json.loads(config)["base"]


def test_payloads_reach_every_kind_of_place():
    assert len(IN_DATA) >= 25, "most payloads are accepted as plain text and must be shown inert"
    assert {p.kind for p in IN_PAGE} and len(IN_PAGE) < len(PAYLOADS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_no_payload_runs_over_http(payload_project, tmp_path, browser):
    port = free_port()
    out = tmp_path / "site"
    result = mkdocs_build(payload_project, out, site_url=f"http://127.0.0.1:{port}/")
    assert result.returncode == 0, result.stdout + result.stderr
    for rel in pages_of(out):  # no script, handler or active URL in any page, as an HTML parser reads it
        text = (out / rel).read_text("utf-8")
        assert inlinescripts.check_page(text, rel, out, inlinescripts.patterns(), inlinescripts.theme_dir(),
                                        inlinescripts.absolute_prefix(text) if rel == "404.html" else "/",
                                        inlinescripts.project_scripts()) == [], rel
    assert_search_index_and_page_json_inert(out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{port}/"
        pages = [p.removesuffix("index.html") for p in pages_of(out)]
        xss, csp, errors = visit_all(browser, base, pages)
        # The payloads are on the page, as text: escaped, not dropped.
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(base + "faq/")
        for i, p in enumerate(IN_DATA):
            assert pg.locator(f"h3#payload-{i}").inner_text().replace("¶", "").strip() == " ".join(p.text.split()), p.id
        title = pg.locator("#payload-0").locator("xpath=following::p[contains(@class,'kb-sources')][1]//a").first.get_attribute("title")
        assert "<" not in title and html_unescape(title) == "引文：" + IN_DATA[0].text  # Material shows it as HTML
        context.close()
    finally:
        server.shutdown()
    assert xss == [] and csp == [] and errors == [], (xss, csp, errors)


def test_no_payload_runs_and_no_csp_violation_through_nginx(payload_project, tmp_path, browser):
    port = free_port()
    dest = tmp_path / "dest"
    result = kb_cmd("publish", dest, "--url", f"http://127.0.0.1:{port}/", cwd=payload_project)
    assert result.returncode == 0, result.stdout + result.stderr
    with nginx(dest / "current", tmp_path / "nginx", "/", port) as url:
        pages = [p.removesuffix("index.html") for p in pages_of(dest / "current")]
        xss, csp, errors = visit_all(browser, url, pages)
    assert xss == [] and csp == [] and errors == [], (xss, csp, errors)


def test_no_payload_runs_in_the_offline_copy(payload_project, tmp_path, browser):
    out = tmp_path / "dist"
    result = kb_cmd("offline", out, cwd=payload_project)
    assert result.returncode == 0, result.stdout + result.stderr
    [archive] = out.glob("kb-offline-*.zip")
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "x")
    root = tmp_path / "x" / "kb-offline"
    xss, csp, errors = visit_all(browser, root.as_uri() + "/", pages_of(root))
    assert xss == [] and csp == [] and errors == [], (xss, csp, errors)
