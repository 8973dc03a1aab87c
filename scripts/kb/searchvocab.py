"""Domain vocabulary for search, generated from the data at every build (never kept by hand).

- `domain_words(kb)`: glossary terms and aliases, item titles, names of bodies and phases,
  document titles. Loaded into jieba (so the build's segmentation keeps them whole) and
  shipped to the search worker (so a reader's question is cut the same way).
- `pinyin_keys(kb)`: full pinyin and initials of every glossary term and alias
  (四风 -> sifeng, sf), so a reader can type either.
- `pinyin_names(kb)`: every name kb.pinyin is asked to spell in a build (the helper spells them ahead).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .content import KnowledgeBase

HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
# Titles are split at punctuation: 坚持领导带头，层层示范 gives 坚持领导带头 and 层层示范.
PIECES = re.compile(r"[^\s\u3000-\u303f\uff00-\uffef“”‘’…—\-·、，。：；！？（）()《》\[\]]+")
# High enough to win against jieba's own dictionary when a domain word competes with a split.
DOMAIN_FREQ = 200000


def _terms(kb: "KnowledgeBase") -> Iterable[tuple[str, list[str]]]:
    for t in kb.glossary.terms:
        yield t.term, list(t.aliases) + [a for s in (getattr(t, "senses", None) or []) for a in s.aliases]


def domain_words(kb: "KnowledgeBase") -> list[str]:
    """Every name the data gives a thing, cut at punctuation; Han words of 2 to 12 characters."""
    names: list[str] = []
    for term, aliases in _terms(kb):
        names += [term, *aliases]
    names += [e.title for e in kb.entries]
    names += [b.name for b in kb.organisation.bodies]
    for p in kb.phases.phases:
        names += [p.label, p.name]
    names += [d.meta.title for d in kb.documents.values()] if kb.documents else []
    words: dict[str, None] = {}
    for name in names:
        for piece in PIECES.findall(name):
            for run in HAN_RUN.findall(piece):
                if 2 <= len(run) <= 12:
                    words[run] = None
    return list(words)



def pinyin_names(kb: "KnowledgeBase") -> list[str]:
    """What kb.pinyin.of is asked to spell in a build: each glossary term and alias (its Han characters), and each term the
    glossary orders by its pinyin."""
    return [t.term for t in kb.glossary.terms if not t.pinyin] + [han for _, han in _spelt_names(kb)]


def _spelt_names(kb: "KnowledgeBase") -> Iterable[tuple[str, str]]:
    for term, aliases in _terms(kb):
        for name in [term, *aliases]:
            han = "".join(HAN_RUN.findall(name))
            if len(han) >= 2:
                yield term, han


def pinyin_keys(kb: "KnowledgeBase") -> dict[str, list[str]]:
    """pinyin or initials (lower case ASCII) -> glossary terms it spells."""
    from . import pinyin

    keys: dict[str, list[str]] = {}
    for term, han in _spelt_names(kb):
        syllables = pinyin.of(han)
        for key in ("".join(syllables), "".join(s[0] for s in syllables if s)):
            if key.isascii() and key.isalpha():
                bucket = keys.setdefault(key.lower(), [])
                if term not in bucket:
                    bucket.append(term)
    return keys
