"""Per-page caches for the two costliest steps of a build, keyed by what each step reads.

- Markdown → HTML (MkDocs' Page.render): the page's Markdown after the macros, the site's
  files (links are resolved against them) and the Markdown configuration. The warnings a
  render logged (a broken link, say) are stored with it and logged again on a hit, so strict
  mode fails exactly as without the cache. The glossary tooltips' definitions are not in this
  HTML (kb.glossarytips: placeholders, filled in by kb.plugin after the allowlist), so a definition
  edit does not re-render the pages that mention the term.
- Material's search entries for a page: its URL, title, meta, HTML (before the tooltips' titles
  are filled in: the index holds no attribute) and table of contents.

MkDocs-aware (this module patches MkDocs and Material); the content layer never imports it.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import pickle
import re
from typing import NamedTuple

from mkdocs.structure.pages import Page

from . import cache, chunkrender, latefill

_state: dict = {}
log = logging.getLogger("mkdocs.plugins.kb.rendercache")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _toc_key(toc) -> list:  # noqa: ANN001
    return [(a.id, a.title, a.level, _toc_key(a.children)) for a in toc]


def begin(config, files) -> None:  # noqa: ANN001 - MkDocs config and files
    """Called by the kb plugin in on_files: what every page's render depends on besides itself."""
    site = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
    markdown = repr((config["markdown_extensions"], sorted(config["mdx_configs"] or {}, key=str)))
    mdx = json.dumps(config["mdx_configs"] or {}, sort_keys=True, default=lambda o: getattr(o, "__qualname__", repr(type(o))))
    _state["context"] = hashlib.sha256(json.dumps(site).encode() + markdown.encode() + mdx.encode()
                                       + str(config.get("use_directory_urls")).encode()).digest()
    _state["files"] = files
    version = cache.code_digest("rendercache", "chunkrender") + _state["context"]
    _state["html"] = cache.Table.open("markdown", version)
    _state["search"] = cache.Table.open("search", cache.code_digest("rendercache", "segmenter"))
    _state["rendered"] = []
    _state["indexed_by_piece"] = []
    _state["splits"] = _state.get("splits_new") or {}  # the previous build's, for a preview rebuild
    _state["splits_new"] = {}
    _state["assembled"] = _state.get("assembled_new") or {}
    _state["assembled_new"] = {}
    _install()


def finish() -> None:
    # `mkdocs build -v` says which pages' Markdown was not served from the cache (tests/test_cache.py).
    log.debug("Markdown rendered anew: %s", " ".join(sorted(_state.get("rendered", []))) or "(none)")
    log.debug("Search entries piece by piece: %s", " ".join(sorted(_state.get("indexed_by_piece", []))) or "(none)")
    for kind in ("html", "search"):
        if kind in _state:
            _state[kind].save()


def _nonces(config) -> dict[str, str]:  # noqa: ANN001
    """The nonces of the late-filling extensions' placeholders (kb.glossarytips) in this process."""
    return {type(e).__name__: e.nonce for e in config["markdown_extensions"] if getattr(e, "late_titles", False)}


def _renonce(content: str, nonces: dict[str, str], config) -> str:  # noqa: ANN001
    """Cached HTML with its placeholders in this process's nonces (it may come from an earlier one)."""
    for name, nonce in _nonces(config).items():
        if nonces.get(name, nonce) != nonce:
            content = content.replace(nonces[name], nonce)
    return content


@contextlib.contextmanager
def _captured():
    """What a render logs, to be logged again when its result is reused."""
    capture = _Capture()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(capture)
    records: list = []
    try:
        yield records
    finally:
        mkdocs_log.removeHandler(capture)
        records.extend((r.name, r.levelno, r.getMessage()) for r in capture.records if r.levelno >= logging.INFO)


def _replay(records: list) -> None:
    for name, level, message in records:  # what the render said, said again
        logging.getLogger(name).log(level, message)


_SEARCH_ATTRIBUTE = re.compile(r'data-search-\w+="[^"]+"')  # Material's r'\s?data-search-\w+="[^"]+"', less the space


def strip_search_attributes(html: str) -> str:
    r"""re.sub(r'\s?data-search-\w+="[^"]+"', "", html), found from its literal start."""
    if "data-search-" not in html:
        return html
    out, last = [], 0
    for m in _SEARCH_ATTRIBUTE.finditer(html):
        start = m.start()
        if start > last and html[start - 1].isspace():  # \s matches what str.isspace() calls space
            start -= 1
        out.append(html[last:start])
        last = m.end()
    out.append(html[last:])
    return "".join(out)


class _Assembled(NamedTuple):
    """A cut page as assembled from its parts, kept for the next build of this process."""

    content: str
    html_parts: list | None
    toc: bytes  # pickled: every build gets its own table of contents
    title: str | None
    anchors: frozenset
    links: dict | None
    records: list  # what the parts' renders logged, said again
    part_keys: list  # the parts' keys in the Markdown table


def _install() -> None:
    if getattr(Page.render, "__kb_cached__", False):
        return
    render = Page.render

    def cached_render(self: Page, config, files) -> None:  # noqa: ANN001
        table = _state.get("html")
        if table is None or files is not _state.get("files") or not cache.enabled():
            return render(self, config, files)
        extras = next((e.extras_at(self.file.src_uri) for e in config["markdown_extensions"] if hasattr(e, "extras_at")), None)
        digest = hashlib.sha256(self.markdown.encode("utf-8")).digest()
        split_key = (digest, repr(extras))
        if split_key not in _state["splits"]:  # a scan of every line: once per text and process
            _state["splits"][split_key] = chunkrender.split(self.markdown, extras)
        parts = _state["splits_new"][split_key] = _state["splits"][split_key]
        if parts is not None:
            # A page whose Markdown did not change since the previous build of this process: its
            # assembled parts as they were (a preview assembled every cut page after every edit).
            page_key = (self.file.src_uri, split_key, _state["context"], tuple(sorted(_nonces(config).items())))
            kept = _state["assembled"].get(page_key)
            if kept is not None:
                _state["assembled_new"][page_key] = kept
                for k in kept.part_keys:  # still in use: kept in the table for when the page changes
                    table.peek(k)
                self.content, self.kb_html_parts, self.toc = kept.content, kept.html_parts, pickle.loads(kept.toc)
                self._title_from_render, self.present_anchor_ids = kept.title, set(kept.anchors)
                if kept.links is not None:
                    self.links_to_anchors = {files.get_file_from_path(src): dict(v) for src, v in kept.links.items()}
                _replay(kept.records)
                return
            rendered = _render_parts(self, config, files, table, parts)
            if rendered is not None:
                docs, part_keys = rendered
                links = None if self.links_to_anchors is None else {f.src_uri: dict(v) for f, v in self.links_to_anchors.items()}
                _state["assembled_new"][page_key] = _Assembled(
                    self.content, getattr(self, "kb_html_parts", None), pickle.dumps(self.toc, protocol=pickle.HIGHEST_PROTOCOL),
                    self._title_from_render, frozenset(self.present_anchor_ids), links, [r for d in docs for r in d["records"]],
                    part_keys)
                return
        key = (self.file.src_uri, digest)

        def compute():
            _state["rendered"].append(self.file.src_uri)
            with _captured() as records:
                render(self, config, files)
            links = {f.src_uri: v for f, v in (self.links_to_anchors or {}).items()}
            return pickle.dumps((self.content, self.toc, self._title_from_render, self.present_anchor_ids, links,
                                 records, _nonces(config)), protocol=pickle.HIGHEST_PROTOCOL), True

        blob, fresh = table.get(key, compute)
        if fresh:
            table.new[key] = (blob, False)  # the next use is a hit
            return
        content, toc, title, anchors, links, records, nonces = pickle.loads(blob)
        self.content = _renonce(content, nonces, config)
        self.toc, self._title_from_render, self.present_anchor_ids = toc, title, anchors
        if links:
            self.links_to_anchors = {files.get_file_from_path(src): v for src, v in links.items()}
        _replay(records)

    def _render_parts(self: Page, config, files, table, parts) -> tuple[list[dict], list[tuple]] | None:  # noqa: ANN001
        """The page from its separately cached parts (kb.chunkrender): the parts and their keys in
        the table; None: render it whole."""
        converter = None
        docs, keys = [], []
        misses = 0
        nonces = _nonces(config)
        outer = [("outer", parts.outer)] if parts.outer is not None else []
        for kind, text in [*outer, *(("part", chunkrender.chunk_doc(parts, c)) for c in parts.chunks)]:
            fresh = False

            def compute():
                nonlocal converter, fresh, misses
                fresh, misses = True, misses + 1
                converter = converter or chunkrender.Converter(self, config, files)
                with _captured() as records:
                    doc = converter.convert(text)
                return {**doc, "records": records, "nonces": nonces}

            # Kept as dicts, not pickles: at 100× content a page has thousands of parts, and
            # unpickling each on every rebuild of the preview cost a second. Never changed in place.
            key = (self.file.src_uri, kind, hashlib.sha256(text.encode("utf-8")).digest())
            doc = table.get(key, compute)
            if not fresh:
                _replay(doc["records"])
            if doc["nonces"] != nonces:  # made by an earlier process: in this process's nonces from now on
                doc = table.new[key] = {**doc, "content": _renonce(doc["content"], doc["nonces"], config),
                                        "raw": _renonce(doc["raw"], doc["nonces"], config), "nonces": nonces}
            docs.append(doc)
            keys.append(key)
        if misses:
            _state["rendered"].append(f"{self.file.src_uri}[{misses}/{len(docs)}]")  # parts rendered anew / all
        if chunkrender.assemble(self, files, parts, docs):
            return docs, keys
        log.debug("%s: rendered whole (its parts would not give the same HTML)", self.file.src_uri)
        return None

    cached_render.__kb_cached__ = True
    Page.render = cached_render

    try:
        from material.plugins.search.plugin import SearchIndex, SearchPlugin
    except ImportError:
        return
    on_page_context = SearchPlugin.on_page_context

    def on_page_context_fast(self, context, *, page, config, nav):  # noqa: ANN001, ANN202 - Material's signature
        """Material's on_page_context: the page's search entries, then its data-search-* attributes
        stripped, with the same result as Material's regex, which starts with an optional space and
        so is tried at every character of every page: most of a second per build at 100× content."""
        if not self.config.enabled:
            return
        self.search_index.add_entry_from_context(page)
        page.content = strip_search_attributes(page.content)

    on_page_context_fast.__wrapped__ = on_page_context
    SearchPlugin.on_page_context = on_page_context_fast
    add = SearchIndex.add_entry_from_context

    def cached_add(self, page) -> None:  # noqa: ANN001
        table = _state.get("search")
        if table is None or not cache.enabled() or (page.meta.get("search") or {}).get("exclude"):
            return add(self, page)  # an excluded page (the handbook) has no entries: nothing to hash
        meta = {k: page.meta.get(k) for k in ("tags", "search", "title")}
        content = getattr(page, "kb_unfilled_content", page.content)  # set by kb.plugin
        pieces, page.kb_search_pieces = getattr(page, "kb_search_pieces", None), None
        if pieces and latefill.makes(pieces, content):
            entries = _entries_by_piece(self, page, pieces, table, meta)
            if entries is not None:
                _state["indexed_by_piece"].append(page.file.src_uri)
                self.entries.extend(entries)
                return
        # The content hashed on its own: written into JSON, a page at 100× content took seconds.
        key = hashlib.sha256(json.dumps([page.url, page.title, meta, _toc_key(page.toc)], default=str).encode("utf-8")
                             + hashlib.sha256(content.encode("utf-8")).digest()).digest()

        def compute():
            start = len(self.entries)
            add(self, page)
            return self.entries[start:]

        before = len(self.entries)
        entries = table.get(key, compute)
        if len(self.entries) == before:  # a hit: compute() did not run
            self.entries.extend(dict(e) for e in entries)

    SearchIndex.add_entry_from_context = cached_add

    def _entries_by_piece(self, page, pieces: list[str], table, meta: dict) -> list[dict] | None:  # noqa: ANN001
        """A page cut at its top level (kb.chunkrender), indexed piece by piece, each piece cached:
        a definition edit parses one piece of the glossary, not all of it (a second at 100× content).

        Material's parser gives the same sections for a piece alone as inside the page when the
        piece starts with a heading (only white space before it, which the section before would
        have ended with) and leaves the parser as it found it: no element open, nothing skipped,
        nothing buffered. Otherwise the page is indexed whole. A section's location does not
        depend on the table of contents: Material links a heading it finds there by '#' + id, and
        one it does not find by '#' + id too."""
        from material.plugins.search.plugin import Parser

        context = hashlib.sha256(json.dumps([page.url, page.title, meta], default=str).encode("utf-8")).digest()

        def parse(piece: str, first: bool):  # noqa: ANN202
            parser = Parser()
            if not first:
                parser.feed(" ")  # the section before: what precedes the piece's first heading goes there
            parser.feed(piece)
            if (parser.rawdata or parser.cdata_elem is not None or parser.context
                    or len(parser.skip) != 3 or not all(isinstance(x, str) for x in parser.skip)):
                return None
            sections = parser.data
            if not first:
                lead, sections = sections[0], sections[1:]
                if lead.title or not all(t.isspace() for t in lead.text):
                    return None
            start = len(self.entries)
            for section in sections:
                if not section.is_excluded():
                    self.create_entry_for_section(section, page.toc, page.url, page)
            entries = self.entries[start:]
            del self.entries[start:]
            return entries

        out: list[dict] = []
        for k, piece in enumerate(pieces):
            found = table.get(("piece", context, k == 0, hashlib.sha256(piece.encode("utf-8")).digest()),
                              lambda piece=piece, k=k: parse(piece, k == 0))
            if found is None:
                return None
            out.extend(dict(e) for e in found)
        return out

    find = SearchIndex._find_toc_by_id

    def indexed_find(self, toc, id):  # noqa: ANN001, A002 - Material's names
        # Material looks each section's heading up in the whole toc, from its start: quadratic on a
        # page with thousands of headings. The first match in the same depth-first order, from an index.
        index = _state.get("toc_index")
        if index is None or index[0] is not toc:
            found: dict = {}

            def walk(items) -> None:  # noqa: ANN001
                for item in items:
                    found.setdefault(item.id, item)
                    walk(item.children)

            walk(toc)
            index = _state["toc_index"] = (toc, found)
        return index[1].get(id)

    indexed_find.__wrapped__ = find
    SearchIndex._find_toc_by_id = indexed_find
