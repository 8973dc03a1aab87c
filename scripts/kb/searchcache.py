"""Material's search index segments Chinese with jieba for every section of every page, on every
build. Segmentation is a pure function of the text and the dictionaries: the kb plugin caches it
by content (kb.cache.Table), so a preview rebuild segments only text that changed."""
from __future__ import annotations

import hashlib

from . import cache


def install(user_dict: str | None, words: bytes = b"") -> cache.Table | None:
    """Wrap Material's segmenter with the cache; return the table to save after the build."""
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:
        return None
    original = getattr(SearchIndex._segment_chinese, "__wrapped__", SearchIndex._segment_chinese)
    extra = b""
    if user_dict:
        try:
            with open(user_dict, "rb") as f:
                extra = f.read()
        except OSError:
            pass
    table = cache.Table.open("jieba", cache.code_digest("searchcache") + hashlib.sha256(extra + words).digest())

    def segment(self, data):
        if not cache.enabled():
            return original(self, data)
        return table.get(data, lambda: original(self, data))

    segment.__wrapped__ = original
    SearchIndex._segment_chinese = segment
    return table
