"""Keep the built site self-contained: no request may ever leave the intranet.

Material's bundle carries loaders for optional CDN scripts (Mermaid, a
ResizeObserver polyfill) and repository APIs. This site uses none of them; the
loaders are pointed at a same-origin path that does not exist, so even an old
browser that would take those code paths asks the intranet server, never the
internet. Source maps are dropped: readers never need them.
"""
from __future__ import annotations

import re
from pathlib import Path

# Not external: XML namespace names (never fetched) and loopback (`mkdocs serve` sets
# site_url to its own address, which becomes the canonical link).
NOT_EXTERNAL = frozenset({"www.w3.org", "127.0.0.1", "localhost"})

_LOADERS = [
    ('"https://unpkg.com/', '"./assets/unavailable/'),
    ("`https://api.github.com/", "`./assets/unavailable/"),
    ("`https://${", "`./assets/unavailable/${"),
]

# What a browser could fetch: HTML resource attributes, CSS url()/@import, JS string literals
# that are URLs (script loaders). Hosts named inside prose or licence text are not requests.
_HOST = r"(?:https?:)?//[a-z0-9-]+(?:\.[a-z0-9-]+)+"
FETCHABLE = {
    ".html": re.compile(r"""\b(?:src|href|srcset|action|formaction|poster|data|manifest)\s*=\s*["']?\s*""" + _HOST, re.I),
    ".css": re.compile(r"""(?:url\(\s*["']?\s*|@import\s+["'])""" + _HOST, re.I),
    ".js": re.compile(r"""["'`]""" + _HOST, re.I),
}


# Material fetches the whole search index on every first visit, before anyone searches (at 1× about
# 50 KB gzipped, growing with the content), and starts its search worker. Three rewrites of its
# bundle load them when the search is first opened instead, as Material already does for file://
# pages: the worker setup waits for the search toggle on every protocol, search.highlight
# subscribes to the index only when the page was reached from a search result (?h=), and the
# worker is created when it is sent its first message. Pinned to Material 9.8.1's minified
# bundle: if a pattern is missing (another Material version), the build fails here rather than
# silently loading the index eagerly again.
_LAZY_SEARCH = [
    ('L($(location.protocol!=="file:"),Je("search"))', 'L($(!1),Je("search"))'),
    ('z([t,r.pipe(Q(we()),g(o=>!!o.searchParams.get("h")))])',
     'r.pipe(Q(we()),g(o=>!!o.searchParams.get("h")),b(n=>t.pipe(m(o=>[o,n]))))'),
    # The search worker itself (its script and lunr's) starts with the first message it is sent.
    ('function Mn(e,t=new Worker(e))',
     'function Mn(e,t=((u,w,q=[])=>({addEventListener(...a){w?w.addEventListener(...a):q.push(a)},'
     'removeEventListener(...a){w&&w.removeEventListener(...a)},'
     'postMessage(...a){w||(w=new Worker(u),q.forEach(x=>w.addEventListener(...x))),w.postMessage(...a)}}))(e))'),
]


IFRAME_WORKER_CDN = "https://unpkg.com/iframe-worker/shim"
IFRAME_WORKER_LOCAL = "assets/javascripts/iframe-worker-shim.js"
IFRAME_WORKER_PRELUDE = "assets/javascripts/iframe-worker-prelude.js"
# The shim writes an inline script into the worker's iframe, which inherits the page's CSP
# (script-src 'self'): the vendored prelude file takes its place (same behaviour, loaded by src).
_SHIM_PATCHES = [
    ('"use strict";(()=>{', '"use strict";(()=>{var P=document.currentScript.src.replace(/iframe-worker-shim\\.js$/,"iframe-worker-prelude.js");'),
    ('<script>postMessage=${c};importScripts=${d};addEventListener("error",({error})=>{parent.dispatchEvent(new ErrorEvent("error",{filename:"${e}",error}))})<\\/script>',
     '<script src="${P}" data-worker="${e}"><\\/script>'),
]


def patched_shim(shim: str) -> str:
    for old, new in _SHIM_PATCHES:
        if shim.count(old) != 1:
            raise ValueError(f"iframe-worker shim changed, cannot move its inline script to a file: {old[:60]}")
        shim = shim.replace(old, new)
    return shim


def neutralise(site_dir: Path, vendor_dir: Path | None = None, offline: bool = True) -> list[str]:
    """Rewrite external loaders in Material's JavaScript and drop source maps; return what changed.

    In an offline build, the offline plugin's CDN shim (Web Workers from file://) is replaced
    by the vendored copy in vendor_dir (deploy/offline/). offline=False: the offline plugin is
    off, no page is read for its shim (external_references would still find one).
    """
    changed = []
    pages = [p for p in sorted(site_dir.rglob("*.html")) if IFRAME_WORKER_CDN in p.read_text("utf-8")] if offline else []
    if pages:
        if vendor_dir is None:
            raise FileNotFoundError("offline build needs the vendored iframe-worker shim (deploy/offline/)")
        (site_dir / IFRAME_WORKER_LOCAL).write_text(patched_shim((vendor_dir / "iframe-worker-shim.js").read_text("utf-8")), "utf-8")
        (site_dir / IFRAME_WORKER_PRELUDE).write_bytes((vendor_dir / "iframe-worker-prelude.js").read_bytes())
        for page in pages:
            depth = page.relative_to(site_dir).as_posix().count("/")
            page.write_text(page.read_text("utf-8").replace(IFRAME_WORKER_CDN, "../" * depth + IFRAME_WORKER_LOCAL), "utf-8")
        changed += [p.relative_to(site_dir).as_posix() for p in pages]
    for js in sorted((site_dir / "assets" / "javascripts").glob("bundle.*.js")):
        text = js.read_text("utf-8")
        new = text
        for old, replacement in _LOADERS:
            new = new.replace(old, replacement)
        for old, replacement in _LAZY_SEARCH:
            if new.count(old) != 1:
                raise ValueError(f"{js.name}: cannot make the search index lazy, pattern not found: {old}")
            new = new.replace(old, replacement)
        if new != text:
            js.write_text(new, "utf-8")
            changed.append(js.relative_to(site_dir).as_posix())
    for source_map in sorted(site_dir.rglob("*.map")):
        source_map.unlink()
        changed.append(f"-{source_map.relative_to(site_dir).as_posix()}")
    return changed


def allowed_hosts(own_host: str = "") -> frozenset:
    return NOT_EXTERNAL | {own_host.split(":")[0].lower()} if own_host else NOT_EXTERNAL


def external_references(site_dir: Path, own_host: str = "", skip: tuple[str, ...] = ()) -> list[str]:
    """Every external URL the built site could make a browser fetch, as 'file: reference'.

    own_host is the host of site_url: links to the site itself (canonical links) are not external.
    Each file's findings are cached by its content hash: a preview rebuild rescans only what changed.
    `skip`: suffixes checked elsewhere (a build checks its pages in kb.hardening's pass, `page_leaks`).
    """
    import hashlib

    from . import cache

    allowed = allowed_hosts(own_host)
    table = cache.Table.open("selfcontained", cache.code_digest("selfcontained") + own_host.encode())
    found = []
    for path in sorted(site_dir.rglob("*")):
        pattern = FETCHABLE.get(path.suffix)
        if pattern is None or path.suffix in skip or not path.is_file():
            continue
        data = path.read_bytes()
        refs = table.get((path.suffix, hashlib.blake2b(data, digest_size=20).digest()),
                         lambda: _fetchable(data, path.suffix, pattern, allowed))
        found += [f"{path.relative_to(site_dir).as_posix()}: {ref}" for ref in refs]
    table.save()
    return found


# Every host named after '//' (with or without a scheme): a literal start the regex engine finds fast.
_ANY_HOST = re.compile(_HOST.removeprefix("(?:https?:)?"), re.I)


def leaks(found: list[str], edit_host: str = "") -> list[str]:
    """External references a reader's browser would fetch. 编辑此页 links to the intranet git
    server (`edit_host`) are links, never fetched by the page."""
    edit_host = edit_host.lower()
    if not edit_host:
        return found
    return [x for x in found if f"//{edit_host}" not in x.lower() or "href=" not in x.lower()]


def leak_report(found: list[str]) -> str:
    """The build's message for external references (the first twenty)."""
    return "构建结果引用了外部地址（内网无法访问）：\n  " + "\n  ".join(found[:20])


def page_leaks(allowed: frozenset, edit_host: str, text: str, rel: str) -> list[str]:
    """`leaks` of one written page (kb.hardening runs it in its one pass over the pages)."""
    return leaks([f"{rel}: {ref}" for ref in _fetchable_text(text, ".html", FETCHABLE[".html"], allowed)], edit_host)


def _fetchable(data: bytes, suffix: str, pattern: re.Pattern, allowed: frozenset) -> list[str]:
    return _fetchable_text(data.decode("utf-8", errors="replace"), suffix, pattern, allowed)


def _fetchable_text(text: str, suffix: str, pattern: re.Pattern, allowed: frozenset) -> list[str]:
    if all(m.group(0).split("//", 1)[-1].lower() in allowed for m in _ANY_HOST.finditer(text)):
        return []  # only allowed hosts named anywhere (SVG namespaces, say): one fast scan decides
    if suffix != ".html":
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)  # licence headers name their authors' sites
    return [m.group(0) for m in pattern.finditer(text) if m.group(0).split("//", 1)[-1].lower() not in allowed]
