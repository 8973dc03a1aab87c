"""The search vocabulary (kb.segmenter): cut in a helper process or in the build's own, it counts
the words Material's own jieba segmentation would give."""
from __future__ import annotations

from collections import Counter

import pytest

from kb import cache, segmenter
from kb.helper import Helper

WORDS = ["领导小组及办公室", "真督实导"]
TEXTS = [
    "<p>要充分发挥领导小组及办公室的作用，做到真督实导，从严过细。</p>",
    "做到真督实导",
    "<li>反对形式主义、官僚主义、享乐主义和奢靡之风</li><p>领导小组及办公室</p>",
    "no Han at all",
    "做到真督实导",  # a repeated text counts again, as in the index
]


def material_counts(texts: list[str]) -> Counter:
    """The vocabulary as it was taken from Material's segmented index: split at its \\u200b marks."""
    from material.plugins.search.plugin import SearchIndex

    segment = getattr(SearchIndex._segment_chinese, "__wrapped__", SearchIndex._segment_chinese)
    segmenter.setup_jieba(None, None, tuple(WORDS))
    counts: Counter = Counter()
    for text in texts:
        for word in segment(None, text).split("\u200b"):
            word = segmenter.HAN_RUN.fullmatch(word.strip()) and word.strip()
            if word and len(word) >= 2:
                counts[word] += 1
    return counts


@pytest.fixture
def no_cache(monkeypatch):
    monkeypatch.setenv("KB_CACHE", "off")


def test_helper_and_own_process_count_what_material_would_cut(no_cache):
    process = Helper()
    try:
        helper = segmenter.Vocabulary(WORDS, helper=process)
        helper.prefetch("".join(TEXTS[:2]))  # some runs cut ahead, the rest at the end
        in_helper = helper.counts(TEXTS)
    finally:
        process.close()
    here = segmenter.Vocabulary(WORDS).counts(TEXTS)
    assert in_helper == here == material_counts(TEXTS)
    assert here["领导小组及办公室"] == 2
    assert here["真督实导"] == 3  # once in the first text, and the repeated text counts twice


def test_an_error_in_the_helper_stops_the_build(no_cache, monkeypatch):
    def broken(run):
        raise RuntimeError("cut failed")

    monkeypatch.setattr(segmenter, "_run_words", broken)  # the forked helper inherits it
    process = Helper()
    try:
        vocabulary = segmenter.Vocabulary(WORDS, helper=process)
        with pytest.raises(RuntimeError, match="cut failed"):
            vocabulary.counts(TEXTS)
    finally:
        process.close()


def test_a_preview_rebuild_takes_unchanged_texts_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE", "on")
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    first = segmenter.Vocabulary(WORDS)
    counted = first.counts(TEXTS)
    first.save()

    def refuse(text):
        raise AssertionError(f"cut again: {text}")

    monkeypatch.setattr(segmenter, "cut", refuse)
    assert segmenter.Vocabulary(WORDS).counts(TEXTS) == counted
    with pytest.raises(AssertionError, match="cut again"):
        segmenter.Vocabulary(WORDS).counts(["一段新的文字"])


def test_other_site_words_are_a_new_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE", "on")
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    assert cache.enabled()
    first = segmenter.Vocabulary(WORDS)
    first.counts(TEXTS)
    first.save()
    other = segmenter.Vocabulary(WORDS + ["从严过细"])
    assert other.table.peek(TEXTS[0]) is None
    assert other.counts(TEXTS[:1])["从严过细"] == 1
