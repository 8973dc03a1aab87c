"""Python-Markdown with the site's extensions (as listed in mkdocs.yml), for tests without MkDocs."""
from __future__ import annotations

import re
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS = ["toc", "attr_list", "md_in_html", "admonition", "def_list", "tables", "pymdownx.details", "pymdownx.superfences"]


def configured_extensions() -> list[str]:
    """The names under markdown_extensions in mkdocs.yml (a test keeps EXTENSIONS in step)."""
    text = (ROOT / "mkdocs.yml").read_text("utf-8")
    block = text.split("markdown_extensions:", 1)[1].split("\nnav:", 1)[0]
    return re.findall(r"^  - ([A-Za-z0-9_.]+)", block, re.M)


def to_html(md_text: str) -> str:
    return markdown.markdown(md_text, extensions=EXTENSIONS, extension_configs={"toc": {"permalink": True}})
