"""The site's Content-Security-Policy, in one place: nginx sends it as a header, every page carries it.

Only the site's own origin; no inline script ('unsafe-inline' never: Material's own inline scripts
are moved into files, macros/inlinescripts.py); data: images are the icons Material embeds in its
CSS. A <meta> policy cannot carry frame-ancestors (nor report-uri or sandbox): those stay in the
server's headers, and X-Frame-Options covers servers that send none.
"""
from __future__ import annotations

import html
import re

POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADER_ONLY = {"frame-ancestors", "report-uri", "sandbox"}


def header() -> str:
    return "; ".join(f"{k} {v}" for k, v in POLICY.items())


def meta_policy() -> str:
    return "; ".join(f"{k} {v}" for k, v in POLICY.items() if k not in HEADER_ONLY)


def meta_tag() -> str:
    policy = meta_policy()
    assert '"' not in policy
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False)}">'


_CHARSET = re.compile(r"<meta charset=[\"']?utf-8[\"']?\s*/?>", re.I)


def add_meta(page_html: str) -> str:
    """The policy as the first thing after <meta charset>: it governs only what follows it."""
    if 'http-equiv="Content-Security-Policy"' in page_html:
        return page_html
    m = _CHARSET.search(page_html)
    if not m:
        raise ValueError("page has no <meta charset>: cannot place the Content-Security-Policy first")
    return page_html[:m.end()] + meta_tag() + page_html[m.end():]
