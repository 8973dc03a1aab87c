"""The site's search: Material's search box and result list, our own index and query worker.

Material's worker (lunr) ORs jieba fragments of a query and drops its last character, so 群众路线
lists nearly every page and 领导小组办公室 highlights 办 alone. We keep Material's search UI and
its worker protocol (SETUP / READY / QUERY / RESULT, see Material's
integrations/search/worker/message) and replace the worker with kb-search.js, which matches the
whole query as written (after normalising width, case, dashes and traditional characters),
falls back to the words of a question cut with the site's own vocabulary, and ranks the
defining place (a title, term or question) first.

`rewrite(site_dir, kb, vocabulary, pages)` runs after Material's search plugin has written
search/search_index.json (sections split at headings; the text as written, see kb.segmenter):
- the index keeps Material's `config` (used by search.highlight on the target page) and
  replaces `docs` with a compact form the worker reads;
- the worker is copied under a content-hashed name and every page's configuration points to it
  (`point_to_worker`, as each page is written), so a cached copy of an older worker is never used
  with a newer index.
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .searchvocab import HAN_RUN, domain_words, pinyin_keys

if TYPE_CHECKING:
    from .content import KnowledgeBase
    from .segmenter import Vocabulary

WORKER_SOURCE = Path(__file__).with_name("search_worker.js")
MATERIAL_WORKER = re.compile(r'"search":\s*"([^"]*assets/javascripts/workers/search\.[0-9a-f]+\.min\.js)"')
TAG = re.compile(r"<[^>]+>")
# Question words and particles: never required in a result. Shipped to the worker.
STOPWORDS = ("为什么 为何 怎么样 怎么 怎样 如何 什么样 什么 哪些 哪个 哪里 哪几 哪 吗 呢 吧 啊 是 的 地 得 了 "
             "要 做 有 谁 几 多少 请问 关于 和 与 及 在 对 把 被 就 都 也 还 又 之 其 这 那 中 里 上 下").split()


def _plain(markup: str) -> str:
    """Text as the reader sees it: no tags, no jieba separators."""
    return html.unescape(TAG.sub("", markup)).replace("\u200b", "").strip()


def _t2s_pairs(text: str) -> str:
    """Traditional characters whose simplified form occurs on the site, as 'TsTs…' pairs."""
    chars = sorted(set("".join(HAN_RUN.findall(text))))
    # One conversion call per converter: characters one per line (no dictionary entry spans a
    # line break, so each is converted on its own, as a call per character would).
    joined = "\n".join(chars)
    candidates = set()
    for config in ("s2t", "s2tw", "s2hk"):
        converted = _opencc(config).convert(joined).split("\n")
        if len(converted) != len(chars):
            raise ValueError(f"OpenCC {config} changed the number of lines: cannot pair characters")
        candidates |= {(trad, ch) for trad, ch in zip(converted, chars) if trad != ch and len(trad) == 1}
    ordered = sorted(candidates)
    back = _opencc("t2s").convert("\n".join(trad for trad, _ in ordered)).split("\n") if ordered else []
    return "".join(sorted({trad + ch for (trad, ch), simple in zip(ordered, back) if simple == ch}))


def warm_up() -> None:
    """Build the converters and their indexes ahead (the build's helper process does it while pages render)."""
    _t2s_pairs("后")


@functools.lru_cache(maxsize=None)
def _opencc(config: str):  # noqa: ANN202
    # Building a converter's dictionaries takes longer than converting the site's characters: `kb serve`
    # rebuilds the index after every edit, so the converters are kept for the process.
    from opencc_purepy import OpenCC

    return OpenCC(config)


def compact(material: dict, kb: "KnowledgeBase", words: "Vocabulary | None" = None) -> dict:
    """Material's index (config + docs) -> the worker's index (config + compact docs).

    `words` cuts the texts for the vocabulary (the build's, which began while pages were rendered);
    without it they are cut here."""
    pages: list[str] = []
    page_of: dict[str, int] = {}
    sections: list[list] = []
    for doc in material["docs"]:
        location = doc["location"]
        path, _, fragment = location.partition("#")
        if path not in page_of:
            page_of[path] = len(pages)
            pages.append(path)
        sections.append([page_of[path], fragment, _plain(doc.get("title", "")), _plain(doc.get("text", ""))])
    if words is None:
        from .segmenter import Vocabulary

        words = Vocabulary(domain_words(kb))
    # Traditional forms of the site's characters, in the helper (whose converters are warm, see warm_up).
    by_page: dict[int, list[str]] = {}
    for s in sections:
        by_page.setdefault(s[0], []).extend((s[2], s[3]))
    present: set[str] = set()
    for texts in by_page.values():
        present |= _han_chars("\0".join(texts))
    chars = "".join(sorted(present))
    t2s = words.run(_t2s_pairs, chars)
    # jieba's cut of every title and text gives the corpus vocabulary.
    vocabulary = words.counts(t for doc in material["docs"] for t in (doc.get("title", ""), doc.get("text", "")))
    # The defining place of a term: its glossary entry wins a tie with other titles that equal it.
    glossary = {(e.page.removesuffix(".md") + "/", e.anchor) for e in kb.entries if e.section == "glossary" and e.anchor}
    defining = [i for i, s in enumerate(sections) if (pages[s[0]], s[1]) in glossary]
    domain = domain_words(kb)
    for w in domain:
        vocabulary[w] += 1000  # the site's own names win over accidental cuts
    for w in STOPWORDS:
        vocabulary[w] += 1
    return {
        "config": material["config"],
        "docs": {
            "version": 1,
            "pages": pages,
            "sections": sections,
            "defining": defining,
            "words": sorted(vocabulary.items(), key=lambda kv: (-kv[1], kv[0])),
            "stopwords": STOPWORDS,
            "pinyin": pinyin_keys(kb),
            "t2s": t2s.result(),
        },
    }


@functools.lru_cache(maxsize=4096)
def _han_chars(text: str) -> frozenset[str]:
    # Per page, kept for the process: a preview's rebuild looks at the pages an edit changed (going
    # through every character of the site took a third of a second at 100× content).
    return frozenset(c for c in set(text) if HAN_RUN.fullmatch(c))


@functools.lru_cache(maxsize=1)
def worker_rel() -> str:
    """Where the worker goes in the site: content-hashed, so a cached older worker is never used."""
    digest = hashlib.sha256(WORKER_SOURCE.read_bytes()).hexdigest()[:8]
    return f"assets/javascripts/workers/kb-search.{digest}.js"


def point_to_worker(page_html: str) -> tuple[str, bool]:
    """A page as Material wrote it, its configuration naming our worker; and whether it named Material's."""
    # The regex's first match, looked for where its literal start is (str.find): a regex search
    # walked every page, the 91 MB handbook included, on every build.
    match, at = None, page_html.find('"search":')
    while at >= 0:
        match = MATERIAL_WORKER.match(page_html, at)
        if match:
            break
        at = page_html.find('"search":', at + 1)
    if not match:
        return page_html, False
    old = match.group(1)
    new = old[: old.index("assets/javascripts/workers/")] + worker_rel()
    return page_html.replace(f'"{old}"', f'"{new}"'), True


_material: dict = {}  # Material's index of this build, handed over in memory (keep_material_index)


def keep_material_index() -> None:
    """Material writes its whole index as JSON and `rewrite` read it back, only to replace it:
    Material now writes an index without sections, and hands its entries to `rewrite` in memory
    (the same values: they are plain strings, numbers and lists). At 100× content the round trip
    took half a second of every build. A dirty reload's merge (not used here) stays Material's."""
    from material.plugins.search.plugin import SearchIndex

    _material["wanted"] = True  # for this build only (KB_SEARCH_ENGINE=material keeps Material's index)
    _material.pop("index", None)
    if getattr(SearchIndex.generate_search_index, "__wrapped__", None) is not None:
        return
    generate = SearchIndex.generate_search_index

    def handed_over(self, prev):  # noqa: ANN001, ANN202 - Material's signature
        if prev is not None or not _material.pop("wanted", False):
            return generate(self, prev)
        config = {key: self.config[key] for key in ["lang", "separator", "pipeline", "fields"]}
        _material["index"] = {"config": config, "docs": self.entries}
        return json.dumps({"config": config, "docs": []}, separators=(",", ":"), default=str)

    handed_over.__wrapped__ = generate
    SearchIndex.generate_search_index = handed_over


def rewrite(site_dir: Path, kb: "KnowledgeBase", words: "Vocabulary | None" = None, pages: int = 0) -> dict[str, int]:
    """Replace Material's index and worker in a written site; return a few sizes for the log.

    `pages`: how many pages point_to_worker found Material's worker in (kb.plugin, as each page
    was written)."""
    index_file = site_dir / "search" / "search_index.json"
    material = _material.pop("index", None) or json.loads(index_file.read_text("utf-8"))
    data = compact(material, kb, words)
    index_file.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    (site_dir / worker_rel()).write_bytes(WORKER_SOURCE.read_bytes())
    if not pages:
        raise ValueError("页面配置中找不到 Material 的搜索 worker 路径（Material 版本变了？）")
    # Material's lunr worker and lunr itself are no longer used by any page.
    for stale in list((site_dir / "assets" / "javascripts" / "workers").glob("search.*.min.js")):
        stale.unlink()
    lunr = site_dir / "assets" / "javascripts" / "lunr"
    if lunr.is_dir():
        import shutil

        shutil.rmtree(lunr)
    return {"sections": len(data["docs"]["sections"]), "pages": pages}
