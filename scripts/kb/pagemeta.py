"""The line at the foot of every page: when its content last changed, and 编辑此页 links to the
files behind it on the intranet git server (mkdocs.yml: extra.kb_edit_url; off when empty).
No MkDocs here: mkdocs_env.on_post_page_macros appends what page_footer returns."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import sections
from .changes import GitState, cn_date, last_changed, page_files


def _label(path: str) -> str:
    if path.startswith("docs/"):
        return "页面文字"
    stem = Path(path).stem
    sec = next((s for s in sections.SECTIONS if s.key == stem), None)
    return f"{sec.label}数据" if sec else path


def edit_links(files: list[str], edit_url: str, page: str) -> list[tuple[str, str]]:
    """(label, url) for each file an editor may change; source texts are not edited on the server.
    The home page counts every data file, but only its own text is edited from there."""
    editable = [f for f in files if not f.startswith("data/sources/")]
    if page == "index.md":
        editable = [f for f in editable if f.startswith("docs/")]
    return [(f"{_label(f)}（{f}）", edit_url.replace("{path}", f)) for f in editable] if edit_url else []


def page_footer(root: Path, kb: Any, page: str, edit_url: str = "", git: GitState | None = None) -> str:
    files = page_files(root, kb, page)
    if not files:
        return ""
    parts = []
    when = last_changed(root, files, git)
    if when:
        parts.append(f"本页内容最后更新：{cn_date(when)}")
    links = edit_links(files, edit_url, page)
    if links:
        parts.append("编辑此页：" + "、".join(f"[{label}]({url})" for label, url in links))
    if not parts:
        return ""
    return '\n\n<div class="kb-page-meta" markdown>\n\n' + "　·　".join(parts) + "\n\n</div>\n"
