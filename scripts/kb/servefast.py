"""`kb serve` only: what every rebuild redid although it cannot have changed in the running process.

- MkDocs lists the theme's files on every build (Files.add_files_from_theme): for Material that is a
  walk over thousands of icon files. The listing of a theme folder inside the Python installation is
  kept for the process; the project's own folders (overrides/) are listed afresh every time.
MkDocs-aware (installed by kb.plugin on `serve`).
"""
from __future__ import annotations

import sys
from pathlib import Path

import jinja2

_listed: dict[str, list[str]] = {}


def install() -> None:
    loader = jinja2.FileSystemLoader
    if getattr(loader.list_templates, "__kb_kept__", False):
        return
    list_templates = loader.list_templates
    installed = Path(sys.prefix).resolve()

    def kept_list_templates(self: jinja2.FileSystemLoader) -> list[str]:
        found: set[str] = set()
        for searchpath in self.searchpath:
            one = jinja2.FileSystemLoader(searchpath, followlinks=self.followlinks)
            if not Path(searchpath).resolve().is_relative_to(installed):
                found.update(list_templates(one))
                continue
            if searchpath not in _listed:
                _listed[searchpath] = list_templates(one)
            found.update(_listed[searchpath])
        return sorted(found)

    kept_list_templates.__kb_kept__ = True
    loader.list_templates = kept_list_templates
