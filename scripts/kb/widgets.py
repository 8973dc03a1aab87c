"""Interactive controls that the site's own code generates (the 自测 forms) are not page content.

Pages pass an allowlist that never admits <form>, <input> or <button> (sanitise.py). The quiz's
controls are made by code from checked data, so the quiz macro emits a placeholder instead, and
the kb plugin puts the markup back after the page passed the allowlist. The placeholder's name
holds a random nonce drawn once per process: an editor cannot write one that gets replaced.
No MkDocs here.
"""
from __future__ import annotations

import secrets

_NONCE = secrets.token_hex(12)
_store: dict[str, str] = {}


def placeholder(markup: str) -> str:
    key = f"kb-widget-{_NONCE}-{len(_store)}"
    _store[key] = markup
    return f'<div id="{key}"></div>'


def restore(html: str) -> str:
    """The page with every placeholder of this process replaced by its markup."""
    if _NONCE not in html:
        return html
    for key, markup in _store.items():
        html = html.replace(f'<div id="{key}"></div>', markup)
    return html
