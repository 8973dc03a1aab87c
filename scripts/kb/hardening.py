"""Content never runs: what the kb plugin (plugin.py) does to every build besides the content.

- docs/ may not ship active files (HTML, scripts, SVG): they would be served from the site's own
  origin, where script-src 'self' allows them.
- Every page's HTML passes the nh3 allowlist (sanitise.py), or the build stops naming the file
  and line; what is served is nh3's output.
- After the build, Material's own inline scripts are moved into files and any other script stops
  the build (inlinescripts.py); every page gets the CSP as a <meta> tag (csp.py), so it holds on
  any web server and from file://.
`mkdocs serve` keeps inline scripts and no meta policy: its live-reload script is inline.
MkDocs-aware; the content layer never imports it.
"""
from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

ACTIVE_SUFFIXES = {".html", ".htm", ".xhtml", ".js", ".mjs", ".svg", ".svgz", ".xml", ".xsl", ".swf", ".wasm"}


def check_files(files, config) -> None:  # noqa: ANN001 - MkDocs files and config
    docs = Path(config["docs_dir"]).resolve()
    listed = {str(getattr(s, "path", s)) for s in config["extra_javascript"]}  # the developers' own scripts
    bad = []
    for f in files:
        src = Path(f.abs_src_path or "")
        if f.is_documentation_page() or not f.abs_src_path or not src.resolve().is_relative_to(docs):
            continue
        if src.suffix.lower() in ACTIVE_SUFFIXES and not (src.suffix.lower() in (".js", ".mjs") and f.src_uri in listed):
            bad.append(f"docs/{f.src_uri}: 不能放 {src.suffix} 文件：它会以本站身份被浏览器执行。图片请用 PNG 或 JPEG。")
    if bad:
        raise PluginError("\n".join(bad))


def page_source(page) -> str:  # noqa: ANN001 - MkDocs page
    path = page.file.abs_src_path
    return Path(path).read_text("utf-8") if path and Path(path).is_file() else ""


def sanitise_page(html: str, page) -> str:  # noqa: ANN001 - MkDocs page
    from . import sanitise

    source = page_source(page)
    cleaned, problems = sanitise_piece(html, page, source)
    refuse(sanitise.source_problems(source, f"docs/{page.file.src_uri}") + problems)
    return cleaned  # the same elements and attributes, as nh3 writes them


def sanitise_piece(html: str, page, source: str) -> tuple[str, list[str]]:  # noqa: ANN001
    """A balanced piece of a page's HTML as the allowlist writes it, and what it refused there.
    Pieces cleaned apart and joined are the page cleaned whole (nh3 writes each piece balanced)."""
    from . import sanitise

    cleaned = sanitise.clean(html)
    return cleaned, sanitise.fragment_problems(html, source, f"docs/{page.file.src_uri}", cleaned)


def refuse(problems: list[str]) -> None:
    if problems:
        problems = list(dict.fromkeys(problems))  # pieces of one page may refuse the same element
        raise PluginError("页面含有不允许的内容，构建已停止：\n  " + "\n  ".join(problems))


def harden_site(site_dir: str, trusted: dict | None = None, helper=None, own_host: str = "",  # noqa: ANN001
                edit_host: str = "") -> None:
    """Material's inline scripts into files, any other script refused, the CSP meta tag added, no
    external reference: one read and one write per page. `trusted`: each page's content as the
    allowlist wrote it (inlinescripts.scan_outside reads the rest of the page, and publish reads
    every page again). `helper` (kb.helper) takes half of the pages. `own_host` (site_url's) and
    `edit_host` (编辑此页's git server) are not external (kb.selfcontained)."""
    from functools import partial

    from . import csp, inlinescripts, selfcontained

    inspect = partial(selfcontained.page_leaks, selfcontained.allowed_hosts(own_host), edit_host)
    try:
        inlinescripts.externalise(Path(site_dir), trusted=trusted, finish=csp.add_meta, helper=helper, inspect=inspect)
    except inlinescripts.Refused as e:
        raise PluginError(selfcontained.leak_report(e.found)) from None
    except inlinescripts.ScriptPolicyError as e:
        raise PluginError(str(e)) from None
