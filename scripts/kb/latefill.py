"""What a page's HTML gets after the allowlist: the glossary tooltips' definitions (kb.glossarytips).

The Markdown leaves a placeholder where each tooltip's title goes, so that a definition edit
changes no page's HTML but the glossary's. The allowlist (kb.hardening, nh3) runs on that HTML,
cached by the HTML and the page's source; the titles then go in as nh3 writes an attribute, so the
page is byte for byte what nh3 makes of the page with its titles (tests/test_cache.py).
MkDocs-aware (called by kb.plugin).
"""
from __future__ import annotations

import hashlib
import re
from importlib import metadata

from . import cache, hardening, sanitise

_tables: dict = {}


def sanitised(html: str, page, config) -> str:  # noqa: ANN001 - MkDocs page and config
    """hardening.sanitise_page, or its result for the same HTML and page source.

    A page rendered part by part (kb.chunkrender sets page.kb_html_parts) is cleaned part by part,
    each part cached: an edit re-cleans the parts it touched, not a handbook of 90 MB."""
    if not cache.enabled():
        return hardening.sanitise_page(html, page)
    table = _tables.get("sanitise")
    if table is None:
        version = cache.code_digest("latefill", "hardening", "sanitise") + metadata.version("nh3").encode()
        table = _tables["sanitise"] = cache.Table.open("sanitise", version)
    # The placeholders' nonce differs in every process: the key leaves it out, a hit puts this one in.
    nonces = [e.nonce for e in config["markdown_extensions"] if getattr(e, "late_titles", False)]
    source = hardening.page_source(page)
    source_key = hashlib.sha256(source.encode("utf-8")).digest()
    problems: list[str] = []

    def clean(piece: str) -> str:
        keyed = piece
        for nonce in nonces:
            keyed = keyed.replace(nonce, "")
        key = (page.file.src_uri, hashlib.sha256(keyed.encode("utf-8")).digest(), source_key)
        cleaned, found, used = table.get(key, lambda: (*hardening.sanitise_piece(piece, page, source), nonces))
        problems.extend(found)
        for old, new in zip(used, nonces):
            if old != new:
                cleaned = cleaned.replace(old, new)
        return cleaned

    parts = getattr(page, "kb_html_parts", None)
    page.kb_html_parts = None  # a second copy of the page: not kept past here
    if parts is None or not makes(parts, html):
        out = clean(html)
    else:
        pieces = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(clean(part))
            else:  # (opening tag and line end, inner pieces, closing tag) of the page's one block
                head, inners, close = part
                wrapper = clean(head + close)
                if not wrapper.endswith(close):
                    return hardening.sanitise_page(html, page)  # not a plain block after all
                pieces += [wrapper[: -len(close)], *(clean(i) for i in inners), close]
        out = "".join(pieces)
        if all(isinstance(part, str) for part in parts):  # cut at its top level: kb.rendercache indexes it piece by piece
            page.kb_search_pieces = pieces
    hardening.refuse(sanitise.source_problems(source, f"docs/{page.file.src_uri}") + problems)
    return out


def makes(parts: list, html: str) -> bool:
    """Whether the parts, joined in order, are the page: compared in place, not joined into a second copy."""
    at = 0
    for part in parts:
        for piece in ((part,) if isinstance(part, str) else (part[0], *part[1], part[2])):
            if not html.startswith(piece, at):
                return False
            at += len(piece)
    return at == len(html)


def finish() -> None:
    table = _tables.pop("sanitise", None)
    if table is not None:
        table.save()


_titles: dict = {}


def fill(content: str, page, config) -> str:  # noqa: ANN001 - MkDocs page and config
    """The page with the tooltips' titles, written as nh3 writes them (the allowlist already ran)."""
    for ext in config["markdown_extensions"]:
        if not getattr(ext, "late_titles", False) or ext.nonce not in content:
            continue
        if cache.enabled():  # kb.rendercache keys search entries by it (a copy of the page: not in a cold build)
            page.kb_unfilled_content = content.replace(ext.nonce, "")
            pieces = getattr(page, "kb_search_pieces", None)
            if pieces:
                page.kb_search_pieces = [piece.replace(ext.nonce, "") for piece in pieces]
        content = ext.fill_titles(content, titles=_nh3_titles(ext))
    return content


def _nh3_titles(ext) -> dict[str, str]:  # noqa: ANN001 - kb.glossarytips.GlossaryTooltips
    from . import sanitise

    if _titles.get("ext") is not ext:  # one extension per build
        out = {}
        for term_id, attr in ext.titles().items():
            html = sanitise.clean(f'<a title="{attr}">x</a>')
            out[term_id] = re.fullmatch(r'<a title="([^"]*)">x</a>', html).group(1)
        _titles.clear()
        _titles.update(ext=ext, titles=out)
    return _titles["titles"]
