"""Pages and navigation made from the section table and the data (no MkDocs here).

A section page or an item's own page that docs/ does not hold is generated as a stub of
macro calls; a hand-written page at the same path wins, so prose can wrap a section.
"""
from __future__ import annotations

from typing import Any

from . import sections
from .content import KnowledgeBase


def generated_pages(kb: KnowledgeBase) -> dict[str, str]:
    """docs-relative path -> Markdown for every page the site needs."""
    out: dict[str, str] = {}
    for sec in sections.SECTIONS:
        out[sec.page] = f"# {sec.title}\n\n{{{{ {sec.page_macro}() }}}}\n"
        if sec.item_macros:
            title_macro, body_macro = sec.item_macros
            for e in kb.entries:
                if e.section == sec.key and e.id and not e.anchor:
                    out[e.page] = f'# {{{{ {title_macro}("{e.id}") }}}}\n\n{{{{ {body_macro}("{e.id}") }}}}\n'
    return out


def site_nav(kb: KnowledgeBase) -> list[Any]:
    """MkDocs' nav structure: sections in table order, grouped; own pages under their index page."""
    nav: list[Any] = []
    groups: dict[str, list[Any]] = {}
    for sec in sections.SECTIONS:
        own = [e for e in kb.entries if e.section == sec.key and e.id and not e.anchor]
        spec = next((i for i in sec.items if i.own_page), None)
        if spec and spec.order:
            own.sort(key=lambda e: spec.order(e.item))
        node = {sec.title: [sec.page, *(e.page for e in own)]} if own else {sec.title: sec.page}
        if sec.nav:
            if sec.nav not in groups:
                groups[sec.nav] = []
                nav.append({sec.nav: groups[sec.nav]})
            groups[sec.nav].append(node)
        else:
            nav.append(node)
    return nav
