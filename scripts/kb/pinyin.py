"""Pinyin of the site's names: the glossary's A–Z order and search by pinyin (四风 -> sifeng, sf).

pypinyin loads its dictionaries on import (about a fifth of a second, longer than all the names
take): a cold build has its helper process (kb.helper) import it and spell every name while the
build goes on (`prefetch`); `of` then finds each name spelt. Without a helper (a preview, tests,
the editors' tools) `of` spells in place.
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Iterable

_spelt: dict[str, tuple[str, ...]] = {}  # a pure function of the name: kept for the process
_pending: list[Future] = []


def syllables(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each name's syllables in pypinyin's plain style (tone marks dropped; other characters kept)."""
    from pypinyin import Style, lazy_pinyin

    return {name: tuple(lazy_pinyin(name, style=Style.NORMAL)) for name in names}


def prefetch(spelling: "Future[dict[str, tuple[str, ...]]]") -> None:
    """Names being spelt elsewhere (the build's helper): `of` waits for them before spelling any itself."""
    _pending.append(spelling)


def of(name: str) -> tuple[str, ...]:
    while _pending:
        _spelt.update(_pending.pop(0).result())
    if name not in _spelt:
        _spelt.update(syllables([name]))
    return _spelt[name]
