"""Per-page caches for the two costliest steps of a build, keyed by what each step reads.

- Markdown → HTML (MkDocs' Page.render): the page's Markdown after the macros, the site's
  files (links are resolved against them) and the Markdown configuration. The warnings a
  render logged (a broken link, say) are stored with it and logged again on a hit, so strict
  mode fails exactly as without the cache. What an extension fills in after the Markdown
  (`fill_titles`: the glossary tooltips' definitions, kb.glossarytips) is not part of the key:
  it is filled in on every render, hit or miss, so a definition edit does not re-render the pages
  that mention the term.
- Material's search entries for a page: its URL, title, meta, HTML and table of contents.

MkDocs-aware (this module patches MkDocs and Material); the content layer never imports it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pickle

from mkdocs.structure.pages import Page

from . import cache

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
    version = cache.code_digest("rendercache") + _state["context"]
    _state["html"] = cache.Table.open("markdown", version)
    _state["search"] = cache.Table.open("search", cache.code_digest("rendercache"))
    _state["rendered"] = []
    _install()


def finish() -> None:
    # `mkdocs build -v` says which pages' Markdown was not served from the cache (tests/test_cache.py).
    log.debug("Markdown rendered anew: %s", " ".join(sorted(_state.get("rendered", []))) or "(none)")
    for kind in ("html", "search"):
        if kind in _state:
            _state[kind].save()


def _install() -> None:
    if getattr(Page.render, "__kb_cached__", False):
        return
    render = Page.render

    def cached_render(self: Page, config, files) -> None:  # noqa: ANN001
        late = [e for e in config["markdown_extensions"] if getattr(e, "late_titles", False)]
        nonces = _render(self, config, files)
        for ext in late:  # the placeholders' nonce: this process's, or the one the cached HTML was made with
            self.content = ext.fill_titles(self.content, nonces.get(type(ext).__name__, ext.nonce))

    def _render(self: Page, config, files) -> dict:  # noqa: ANN001
        table = _state.get("html")
        if table is None or files is not _state.get("files") or not cache.enabled():
            render(self, config, files)
            return {}
        key = (self.file.src_uri, hashlib.sha256(self.markdown.encode("utf-8")).digest())

        def compute():
            _state["rendered"].append(self.file.src_uri)
            capture = _Capture()
            mkdocs_log = logging.getLogger("mkdocs")
            mkdocs_log.addHandler(capture)
            try:
                render(self, config, files)
            finally:
                mkdocs_log.removeHandler(capture)
            links = {f.src_uri: v for f, v in (self.links_to_anchors or {}).items()}
            records = [(r.name, r.levelno, r.getMessage()) for r in capture.records if r.levelno >= logging.INFO]
            nonces = {type(e).__name__: e.nonce for e in config["markdown_extensions"] if getattr(e, "late_titles", False)}
            return pickle.dumps((self.content, self.toc, self._title_from_render, self.present_anchor_ids, links,
                                 records, nonces), protocol=pickle.HIGHEST_PROTOCOL), True

        blob, fresh = table.get(key, compute)
        if fresh:
            table.new[key] = (blob, False)  # the next use is a hit
            return {}
        content, toc, title, anchors, links, records, nonces = pickle.loads(blob)
        self.content, self.toc, self._title_from_render, self.present_anchor_ids = content, toc, title, anchors
        if links:
            self.links_to_anchors = {files.get_file_from_path(src): v for src, v in links.items()}
        for name, level, message in records:  # what the render said, said again
            logging.getLogger(name).log(level, message)
        return nonces

    cached_render.__kb_cached__ = True
    Page.render = cached_render

    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:
        return
    add = SearchIndex.add_entry_from_context

    def cached_add(self, page) -> None:  # noqa: ANN001
        table = _state.get("search")
        if table is None or not cache.enabled():
            return add(self, page)
        meta = {k: page.meta.get(k) for k in ("tags", "search", "title")}
        key = hashlib.sha256(json.dumps([page.url, page.title, meta, page.content, _toc_key(page.toc)],
                                        default=str).encode("utf-8")).digest()

        def compute():
            start = len(self.entries)
            add(self, page)
            return self.entries[start:]

        before = len(self.entries)
        entries = table.get(key, compute)
        if len(self.entries) == before:  # a hit: compute() did not run
            self.entries.extend(dict(e) for e in entries)

    SearchIndex.add_entry_from_context = cached_add
