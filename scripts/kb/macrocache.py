"""A preview keeps each macro's output between rebuilds, by the data the call read.

After an edit of one data file, `kb serve` rendered every page's macros again: at 100 times the
content that was the largest part of a rebuild. Here a macro call sees the knowledge base through
a view that notes which data it reads (`Reads`): a data file when it reads that file's section
or an item of it (by id), the documents and their source texts, or everything when it reads
anything else (all entries, the back-link index, the tags). The call's output is kept with the
digest of each file it read; the next build reuses it when none of them changed.

Pure content layer (no MkDocs); `kb.mkdocs_env` uses it for `kb serve` with the cache on.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from .content import Entry, KnowledgeBase

EVERYTHING = "*"
DOCUMENTS = "documents"  # data/documents.yml and the source texts under data/sources/

_kept: dict[tuple, tuple[tuple[tuple[str, str], ...], str]] = {}


class Reads(set):
    """The names of what a call read: data file stems, DOCUMENTS or EVERYTHING."""


class WatchedIndex(Mapping):
    """kb.by_id, noting the data file of every item looked up."""

    def __init__(self, index: Mapping[str, Entry], reads: Reads):
        self._index, self._reads = index, reads

    def __getitem__(self, key: str) -> Entry:
        try:
            e = self._index[key]
        except KeyError:
            self._reads.add(EVERYTHING)  # an id that may appear in any file
            raise
        self._reads.add(e.file)
        return e

    def __iter__(self):  # noqa: ANN204
        self._reads.add(EVERYTHING)
        return iter(self._index)

    def __len__(self) -> int:
        self._reads.add(EVERYTHING)
        return len(self._index)


class WatchedKnowledgeBase:
    """The knowledge base as a render function sees it, noting what it reads."""

    def __init__(self, kb: KnowledgeBase, reads: Reads):
        self._kb, self._reads = kb, reads
        self.by_id = WatchedIndex(kb.by_id, reads)

    def __getattr__(self, name: str) -> Any:
        kb, reads = self._kb, self._reads
        if name in kb.files:  # kb.faq, kb.glossary …: that data file
            reads.add(name)
        elif name in ("documents", "document", "blank_pattern"):
            reads.add(DOCUMENTS)
        elif name in ("entry", "requirement_list", "phase"):
            return self._looked_up(getattr(kb, name))
        else:  # entries, cited_by, tagging, entries_on …: the whole content
            reads.add(EVERYTHING)
        return getattr(kb, name)

    def _looked_up(self, method: Callable) -> Callable:
        def call(item_id: str, *args: Any) -> Any:
            e = self.by_id.get(item_id)  # notes the item's file (or everything, for an unknown id)
            if e is None:
                self._reads.add(EVERYTHING)
            return method(item_id, *args)
        return call


def digest(kb: KnowledgeBase, name: str) -> str:
    files = kb.file_digests
    if name == DOCUMENTS:
        return "".join(f"{k}:{v}" for k, v in sorted(files.items()) if k == "documents.yml" or k.startswith("sources/"))
    if name != EVERYTHING and f"{name}.yml" in files:
        return files[f"{name}.yml"]
    return kb.fingerprint


def call(kb: KnowledgeBase, key: tuple, render: Callable[[Any], str]) -> str:
    """render(view of kb), or its output of an earlier build when nothing it read has changed.

    `key` names the call (macro, arguments, page, code); an exception is never kept."""
    return _kept_or_rendered(kb, key, render, Reads())


def part(kb: Any, key: tuple, render: Callable[[Any], str]) -> str:
    """Inside a kept call: one piece of its output kept on its own (a section of the handbook).

    `kb` is the view the call was given: what the piece reads counts as read by the call too, so
    the call is redone when it changes. Outside a kept call (`kb` is the knowledge base itself)
    the piece is simply rendered."""
    if not isinstance(kb, WatchedKnowledgeBase):
        return render(kb)
    reads = Reads()
    try:
        return _kept_or_rendered(kb._kb, (_PART, *key), render, reads)
    finally:
        kb._reads.update(reads)


_PART = object()  # parts' keys never equal a macro call's


def _kept_or_rendered(kb: KnowledgeBase, key: tuple, render: Callable[[Any], str], reads: Reads) -> str:
    kept = _kept.get(key)
    if kept is not None and all(digest(kb, name) == h for name, h in kept[0]):
        reads.update(name for name, _ in kept[0])
        return kept[1]
    out = render(WatchedKnowledgeBase(kb, reads))
    _kept[key] = (tuple((name, digest(kb, name)) for name in sorted(reads)), out)
    return out


def forget() -> None:
    _kept.clear()
