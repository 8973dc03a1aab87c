"""The search vocabulary: how often each word of the site's text occurs, cut by jieba, off the
build's critical path.

Material's search plugin cuts every section of every page with jieba on the build's only
thread: after Markdown, the largest cost of a plain Material build (about a quarter of it, with
the dictionary load). The site's search does not match on that cut (kb-search.js matches the
query as written); it needs only the corpus vocabulary, to cut a reader's question into words.
So the kb plugin stops Material from cutting (its index keeps the text as written) and:

- a cold build hands the cut to its helper process (kb.helper): the helper loads jieba's
  dictionary and cuts each page's runs of Han characters as soon as the page is rendered
  (`prefetch`), while the build goes on with the next pages; at the end it sums the words of
  exactly the index's texts (`counts`), cutting whatever it has not seen;
- a preview (`kb serve`, whose server threads make forking unsafe) cuts in its own process and
  keeps each text's words in the content-hash cache, so a rebuild cuts only text that changed.

The cut is the same on both paths: jieba's dictionaries (Material's `jieba_dict` and
`jieba_dict_user`, if set) plus the site's own words (kb.searchvocab), and a text's words are
the sum of its Han runs' words, which is what Material's own segmentation gives.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from concurrent.futures import Future
from typing import Callable, Iterable, TypeVar

from backrefs import bre

from . import cache, helper as helpers
from .searchvocab import DOMAIN_FREQ, HAN_RUN

# Material's own expression for the text it would cut (material/plugins/search/plugin.py).
HAN = bre.compile(r"\p{script: Han}+", bre.UNICODE)
BATCH_CHARS = 200_000  # pages per hand-over: a page or a few; the hand-over itself is cheap

Words = tuple[tuple[str, int], ...]
T = TypeVar("T")

# In the helper (or, for a preview, in the build's process): each run's words, cut once with the
# dictionaries of `_runs_for`.
_runs: dict[str, Words] = {}
_runs_for: list[tuple] = []


def setup_jieba(dictionary: str | None, user_dict: str | None, words: tuple[str, ...]) -> None:
    """jieba's default tokenizer as Material's search plugin would use it, plus the site's words."""
    import jieba

    if _runs_for != [(dictionary, user_dict, words)]:
        _runs.clear()
        _runs_for[:] = [(dictionary, user_dict, words)]

    if dictionary and jieba.dt.dictionary != os.path.abspath(dictionary):
        jieba.set_dictionary(dictionary)
    if user_dict:
        jieba.load_userdict(user_dict)
    for w in words:
        # add_word raises jieba's total frequency each time: a preview adds the words on every
        # rebuild, and the same text would be cut differently from a fresh build.
        if jieba.dt.FREQ.get(w) != DOMAIN_FREQ:
            jieba.add_word(w, freq=DOMAIN_FREQ)
    jieba.dt.check_initialized()  # the dictionary now, not at the first page


def _run_words(run: str) -> Words:
    words = _runs.get(run)
    if words is None:
        import jieba

        found: Counter[str] = Counter(w for w in jieba.cut(run) if len(w) >= 2 and HAN_RUN.fullmatch(w))
        words = _runs[run] = tuple(sorted(found.items()))
    return words


def cut(text: str) -> Words:
    """Words of 2+ Han characters in `text`, with their counts, as jieba cuts its Han runs."""
    found: Counter[str] = Counter()
    for run in HAN.findall(text):
        for w, n in _run_words(run):
            found[w] += n
    return tuple(sorted(found.items()))


def _cut_pages(pages: list[str]) -> None:
    for page in pages:
        for run in HAN.findall(page):
            _run_words(run)


def _count(texts: list[str], each: bool) -> tuple[Counter[str], list[Words] | None]:
    total: Counter[str] = Counter()
    per_text = [] if each else None
    for text in texts:
        words = cut(text)
        for w, n in words:
            total[w] += n
        if per_text is not None:
            per_text.append(words)
    return total, per_text


class Vocabulary:
    """Word counts of the search index's texts for one build."""

    def __init__(self, words: list[str], dictionary: str | None = None, user_dict: str | None = None,
                 helper: helpers.Helper | None = None):
        extra = b""
        for path in (dictionary, user_dict):
            if path:
                try:
                    with open(path, "rb") as f:
                        extra += hashlib.sha256(f.read()).digest()
                except OSError:
                    pass  # Material's search plugin reports a missing dictionary itself
        setup_args = (dictionary, user_dict, tuple(words))
        version = cache.code_digest("segmenter") + hashlib.sha256(extra + "\n".join(words).encode()).digest()
        self.table = cache.Table.open("vocabulary", version)
        self.batch: list[str] = []
        self.batch_chars = 0
        self.helper = helper
        # The helper loads jieba's dictionary while the build reads its content: the build's own
        # process never loads it.
        self.tasks: list[Future] = [self.run(setup_jieba, *setup_args)]

    def prefetch(self, html: str) -> None:
        """A rendered page: the helper starts cutting its Han runs (a superset of its index text).
        The page goes as it is: finding the runs is the helper's work too."""
        if self.helper is None:
            return
        self.batch.append(html)
        self.batch_chars += len(html)
        if self.batch_chars >= BATCH_CHARS:
            self._hand_over()

    def _hand_over(self) -> None:
        self.tasks.append(self.run(_cut_pages, self.batch))
        self.batch, self.batch_chars = [], 0

    def run(self, fn: Callable[..., T], *args) -> "Future[T]":  # noqa: ANN002
        """fn(*args) where this vocabulary's cut is done (and after it: the helper works in order)."""
        return helpers.run(self.helper, fn, *args)

    def counts(self, texts: Iterable[str]) -> Counter[str]:
        """The summed word counts of `texts` (each occurrence counts, as in the index)."""
        texts = [t for t in texts if HAN.search(t)]
        if self.helper is not None:
            if self.batch:
                self._hand_over()
            total, per_text = self.run(_count, texts, cache.enabled()).result()
            for task in self.tasks:
                task.result()  # a helper's error surfaces here, not silently
            if per_text is not None:
                for text, words in zip(texts, per_text):
                    self.table.put(text, words)
            return total
        for task in self.tasks:
            task.result()
        total = Counter()
        for text in texts:
            words = self.table.peek(text)
            if words is None:
                words = cut(text)
                self.table.put(text, words)
            for w, n in words:
                total[w] += n
        return total

    def save(self) -> None:
        self.table.save()


def install() -> None:
    """Material's search index keeps each section's title and text as written (not cut)."""
    from material.plugins.search.plugin import SearchIndex

    def segment(self, data):  # noqa: ANN001, ANN202 - Material's method signature
        return data

    segment.__wrapped__ = getattr(SearchIndex._segment_chinese, "__wrapped__", SearchIndex._segment_chinese)
    SearchIndex._segment_chinese = segment
