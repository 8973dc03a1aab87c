"""MkDocs hooks (mkdocs.yml `hooks:`): content never runs.

- docs/ may not ship active files (HTML, scripts, SVG): they would be served from the site's own
  origin, where script-src 'self' allows them.
- Every page's HTML passes the nh3 allowlist (macros/sanitise.py), or the build stops naming the
  file and line.
- After the build, Material's own inline scripts are moved into files and any other inline
  script stops the build (macros/inlinescripts.py); every page gets the CSP as a <meta> tag
  (macros/csp.py), so it holds on any web server and from file://.
`mkdocs serve` keeps inline scripts and no meta policy: its live-reload script is inline.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # hooks are loaded by path, not as part of the package
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402

ACTIVE_SUFFIXES = {".html", ".htm", ".xhtml", ".js", ".mjs", ".svg", ".svgz", ".xml", ".xsl", ".swf", ".wasm"}
_state = {"command": "build"}


def on_startup(command: str, dirty: bool) -> None:
    _state["command"] = command


def on_files(files, config):  # noqa: ANN001
    docs = Path(config["docs_dir"]).resolve()
    bad = []
    for f in files:
        src = Path(f.abs_src_path or "")
        if f.is_documentation_page() or not src.is_relative_to(docs):
            continue
        if src.suffix.lower() in ACTIVE_SUFFIXES:
            bad.append(f"docs/{f.src_uri}: 不能放 {src.suffix} 文件：它会以本站身份被浏览器执行。图片请用 PNG 或 JPEG。")
    if bad:
        raise PluginError("\n".join(bad))
    return files


def on_page_content(html: str, page, config, files) -> str:  # noqa: ANN001
    from macros import sanitise

    source = Path(page.file.abs_src_path).read_text("utf-8") if page.file.abs_src_path else ""
    problems = sanitise.page_problems(html, source, f"docs/{page.file.src_uri}")
    if problems:
        raise PluginError("页面含有不允许的内容，构建已停止：\n  " + "\n  ".join(problems))
    return sanitise.clean(html)  # the same elements and attributes, as nh3 writes them


def on_post_build(config) -> None:  # noqa: ANN001
    if _state["command"] == "serve":
        return
    from macros import csp, inlinescripts

    site = Path(config["site_dir"])
    try:
        inlinescripts.externalise(site)
    except inlinescripts.ScriptPolicyError as e:
        raise PluginError(str(e)) from None
    for page in sorted(site.rglob("*.html")):
        text = page.read_text("utf-8")
        page.write_text(csp.add_meta(text), "utf-8")
