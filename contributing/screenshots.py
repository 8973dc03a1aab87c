#!/usr/bin/env python3
"""Regenerate the pictures in CONTRIBUTING.md: a build of this project (with an example 编辑此页
address), served on 127.0.0.1, photographed with Debian's Chromium; error messages are the real
output of `kb check` on broken copies, shown as a terminal would.

usage: .venv/bin/python contributing/screenshots.py      (needs /usr/bin/chromium)
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "contributing" / "img"

from kb.harness.browser import CHROMIUM_ARGS, CHROMIUM  # the kb package is installed in .venv
from kb.harness.servers import free_port

COPY = ("mkdocs.yml", "copy-style.yml", "docs", "data", "macros", "scripts", "overrides", "deploy")


def project(tmp: Path) -> Path:
    """A clone of this repository's committed state: the 更新记录 page needs its history."""
    dest = tmp / "project"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    return dest


def terminal(lines: str, title: str) -> str:
    return f"""<!doctype html><meta charset=utf-8><style>
body{{margin:0;background:#fff;font-family:'Noto Sans CJK SC',sans-serif}}
.t{{width:860px;margin:8px;border-radius:6px;overflow:hidden;box-shadow:0 1px 4px #0004}}
.h{{background:#444;color:#ddd;font-size:13px;padding:5px 10px}}
pre{{margin:0;background:#1e1e1e;color:#e8e8e8;padding:12px 14px;font:14px/1.6 'Noto Sans Mono CJK SC',monospace;white-space:pre-wrap}}
.e{{color:#ff8a80}}</style><div class=t><div class=h>{html.escape(title)}</div><pre>{lines}</pre></div>"""


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        proj = project(tmp)
        conf = proj / "mkdocs.yml"
        conf.write_text(conf.read_text("utf-8").replace('kb_edit_url: ""', 'kb_edit_url: "http://git.单位内网/党办/kb/-/edit/main/{path}"'), "utf-8")
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_PROJECT": str(proj)}
        subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "-q", "-d", str(tmp / "site")],
                       cwd=proj, env=env, check=True)
        # Real messages from kb check on a broken copy.
        faq = proj / "data" / "faq.yml"
        good = faq.read_text("utf-8")
        faq.write_text(good.replace("            quote: 群众路线是我党的生命线和根本路线\n", "            qoute: 群众路线是我党的生命线和根本路线\n", 1), "utf-8")
        glossary = proj / "data" / "glossary.yml"
        glossary_text = glossary.read_text("utf-8")
        glossary.write_text(glossary_text.replace("        para: 6\n        quote: 群众路线是我党的生命线和根本路线", "        para: 5\n        quote: 群众路线是我党的生命线和根本路线", 1), "utf-8")
        r = subprocess.run([str(Path(sys.executable).with_name("kb")), "check", "--no-copy"], cwd=proj, env=env, capture_output=True, text=True)
        faq.write_text(good, "utf-8")
        glossary.write_text(glossary_text, "utf-8")
        shown = "$ make check\n" + "".join(f"<span class=e>{html.escape(l)}</span>\n" if ":" in l[:40] else html.escape(l) + "\n"
                                           for l in r.stderr.splitlines())
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(tmp / "site")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 900, "height": 900}, device_scale_factor=1)
                base = f"http://127.0.0.1:{port}/"
                import time
                for _ in range(50):
                    try:
                        page.goto(base + "faq/", wait_until="load")
                        break
                    except Exception:  # the server is still starting
                        time.sleep(0.1)
                item = page.locator("#why-launch-the-campaign")
                item.scroll_into_view_if_needed()
                box = item.bounding_box()
                page.screenshot(path=str(OUT / "faq-item.png"), clip={"x": box["x"] - 10, "y": box["y"] - 10, "width": box["width"] + 20, "height": 360})
                page.goto(base + "sources/speech/#p6", wait_until="load")
                box = page.locator("#p6").bounding_box()
                page.screenshot(path=str(OUT / "source-paragraph.png"), clip={"x": box["x"] - 10, "y": box["y"] - 10, "width": box["width"] + 20, "height": 400})
                page.goto(base + "glossary/", wait_until="load")
                meta = page.locator(".kb-page-meta")
                meta.scroll_into_view_if_needed()
                box = meta.bounding_box()
                page.screenshot(path=str(OUT / "page-footer.png"), clip={"x": box["x"] - 10, "y": box["y"] - 10, "width": 760, "height": box["height"] + 20})
                page.goto(base + "changes/", wait_until="load")
                box = page.locator("article").bounding_box()
                page.screenshot(path=str(OUT / "changes.png"), clip={"x": box["x"] - 10, "y": box["y"], "width": 760, "height": 360})
                page.set_content(terminal(shown, "终端：make check 发现错误"))
                box = page.locator(".t").bounding_box()
                page.screenshot(path=str(OUT / "check-errors.png"), clip={"x": 0, "y": 0, "width": box["width"] + 16, "height": box["height"] + 16})
                browser.close()
        finally:
            server.terminate()
            server.wait()
    for png in sorted(OUT.glob("*.png")):
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
