"""Glossary terms in running text: a link to the term's entry whose title is its short definition.

Python-Markdown's `abbr` only matches whole words between word boundaries, which Chinese text
does not have, so this tree processor does the matching itself, fed from data/glossary.yml:

- longest term first (党的群众路线教育实践活动 before 群众路线), aliases included;
- the first occurrence of each term per section (a heading starts a new section), and never the
  term inside its own entry;
- never inside headings, links, code, abbreviations, source texts and quotes from them
  (`.kb-quote`, `.kb-para`), citation lines (`.kb-sources`, `.kb-cited-by`) or another term;
- the text itself is unchanged (only wrapped in <a>), so search and copying see the same text.

Material's `content.tooltips` shows the link title in its tooltip style on hover and focus;
tapping follows the link to the entry.

The titles (the short definitions) are written in after the Markdown: the tree processor leaves
a placeholder keyed by term id, holding a random nonce drawn once per process (an editor cannot
write one that gets replaced), and `fill_titles` puts the current definitions in. A cached page's
HTML thus stays valid when only a definition changed (kb.rendercache): a definition edit re-renders
the glossary page, not every page that mentions the term. No MkDocs here: the current page's path comes from a
callable, links are relative Markdown-style paths that MkDocs then validates and rewrites.
"""
from __future__ import annotations

import functools
import html
import posixpath
import re
import secrets
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from typing import Callable, Iterable

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.serializers import to_html_string
from markdown.treeprocessors import Treeprocessor

GLOSSARY_PAGE = "glossary.md"
SKIP_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre", "abbr", "kbd", "script", "style", "svg",
             "blockquote"}
SKIP_CLASSES = {"kb-quote", "kb-para", "kb-sources", "kb-cited-by", "kb-aliases", "kb-related", "kb-letters",
                "kb-doc-facts", "kb-tags", "kb-related-content", "headerlink",
                "cards",  # navigation cards are not running text
                "kb-hb-cover", "kb-hb-toc", "kb-hb-notes"}  # the handbook's cover, contents and notes
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MARKUP = re.compile(r"[*_`\[\]]|\{[^}]*\}")
SHORT = 90
NONCE = secrets.token_hex(12)


_TERM_ID = re.compile(r"[a-z0-9-]+")


def title_placeholder(term_id: str, nonce: str = NONCE) -> str:
    return f"kb-tip-{nonce}-{term_id}"


@dataclass(frozen=True)
class TermLink:
    id: str
    name: str
    short: str  # the short definition shown in the tooltip


def short_definition(definition: str) -> str:
    """The first sentence, without Markdown marks, at most SHORT characters."""
    text = MARKUP.sub("", definition).strip()
    depth, first = 0, text
    for i, ch in enumerate(text):  # a sentence ends outside quotation marks
        depth += (ch in "“‘「『") - (ch in "”’」』")
        if ch in "。！？；" and depth <= 0:
            first = text[: i + 1]
            break
    return first if len(first) <= SHORT else first[: SHORT - 1] + "…"


def term_links(terms: Iterable, doc_titles: dict[str, str] | None = None) -> dict[str, TermLink]:
    """Every name (term and aliases) of every glossary term -> its link; longest names first.

    A term that two documents explain separately (senses) shows each document's first sentence,
    each under its document's name: the two are never merged into one definition."""
    names: dict[str, TermLink] = {}
    for t in terms:
        senses = getattr(t, "senses", None) or []
        if getattr(t, "definition", None):
            short = short_definition(t.definition)
        else:
            short = "　".join(f"〔{(doc_titles or {}).get(s.doc, s.doc)}〕{short_definition(s.definition)}" for s in senses)
        aliases = list(t.aliases) + [a for s in senses for a in getattr(s, "aliases", [])]
        for name in [t.term, *aliases]:
            names.setdefault(name, TermLink(t.id, t.term, short))
    return dict(sorted(names.items(), key=lambda kv: (-len(kv[0]), kv[0])))


@functools.lru_cache(maxsize=4)
def _trie_pattern(names: tuple[str, ...]) -> re.Pattern:
    """One regex for all names, factored as a trie: `re` tries a flat alternation of thousands of
    literals one by one at every position (minutes at 100× content), a trie only along the text.
    Greedy optional tails make the longest name win at each position, as longest-first did."""
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie))


class TooltipProcessor(Treeprocessor):
    def __init__(self, md: Markdown, names: dict[str, TermLink], current_page: Callable[[], str]):
        super().__init__(md)
        self.names = names
        self.pattern = _trie_pattern(tuple(names)) if names else None
        self.current_page = current_page

    def href(self, term: TermLink) -> str:
        return f"{self.glossary}#{term.id}"

    def run(self, root: etree.Element) -> None:
        if self.pattern is None:
            return
        # The glossary page relative to this page, worked out once per page (not per link).
        page = self.current_page()
        self.glossary = "" if page == GLOSSARY_PAGE else posixpath.relpath(GLOSSARY_PAGE, posixpath.dirname(page) or ".")
        self.seen: set[str] = set()
        self.section = ""
        self.walk(root)

    def skipped(self, el: etree.Element) -> bool:
        classes = set((el.get("class") or "").split())
        return el.tag in SKIP_TAGS or bool(classes & SKIP_CLASSES)

    def walk(self, el: etree.Element) -> None:
        # The new children are collected in one list and set once: inserting each link where it
        # belongs (list(el).index per child) made large pages quadratic.
        out: list = []
        if el.text:
            nodes = self.split(el.text)
            if nodes:
                el.text = nodes[0]
                out.extend(nodes[1:])
        changed = bool(out)
        for child in list(el):
            if child.tag in HEADINGS:
                self.seen = set()
                self.section = child.get("id", "")
            elif not self.skipped(child):
                self.walk(child)
            out.append(child)
            if child.tail:
                nodes = self.split(child.tail)
                if nodes:
                    child.tail = nodes[0]
                    out.extend(nodes[1:])
                    changed = True
        if changed:
            el[:] = out

    def split(self, text: str) -> list | None:
        """[leading text, <a>, <a>, …] with each link's tail set, or None when nothing matched."""
        out: list = [""]
        pos = 0
        for m in self.pattern.finditer(text):
            term = self.names[m.group(0)]
            if term.id in self.seen or term.id == self.section:
                continue
            self.seen.add(term.id)
            # The title comes later (fill_titles): the Markdown's HTML does not depend on the definition.
            a = etree.Element("a", {"href": self.href(term), "class": "kb-term", "title": title_placeholder(term.id)})
            a.text = m.group(0)
            if len(out) == 1:
                out[0] = text[pos:m.start()]
            else:
                out[-1].tail = (out[-1].tail or "") + text[pos:m.start()]
            a.tail = ""
            out.append(a)
            pos = m.end()
        if len(out) == 1:
            return None
        out[-1].tail = text[pos:]
        return out


class _FillTitles(Postprocessor):
    def __init__(self, md: Markdown, ext: "GlossaryTooltips"):
        super().__init__(md)
        self.ext = ext

    def run(self, text: str) -> str:
        return self.ext.fill_titles(text)


class GlossaryTooltips(Extension):
    """late_titles=True: the caller runs fill_titles on the HTML itself (after its caches: kb.plugin
    fills them after the allowlist); otherwise the Markdown's own last step does."""

    def __init__(self, terms: Iterable, current_page: Callable[[], str], doc_titles: dict[str, str] | None = None,
                 late_titles: bool = False, **kwargs):
        self.names = term_links(terms, doc_titles)
        self.current_page = current_page
        self.late_titles = late_titles
        self.nonce = NONCE  # this module's (a reloaded module draws another)
        self._titles: dict[str, str] = {}
        for link in self.names.values():
            # Exactly as Python-Markdown writes the attribute, so the page is byte for byte the same.
            # Material's tooltip inserts a title with innerHTML: the value is escaped text (textpolicy.attr).
            tag = to_html_string(etree.Element("a", {"title": html.escape(f"{link.name}：{link.short}")}))
            self._titles[link.id] = tag[len('<a title="'):-len('"></a>')]
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        # kb.rendercache keys pages by the Markdown configuration's repr: which names link where (the
        # definitions are not in the Markdown's HTML, see fill_titles).
        import hashlib

        from pathlib import Path

        links = sorted((name, t.id, t.name) for name, t in self.names.items())
        facts = Path(__file__).read_bytes() + repr((links, self.late_titles)).encode()  # code and data
        return f"GlossaryTooltips({hashlib.sha256(facts).hexdigest()[:16]})"

    def fill_titles(self, text: str, nonce: str = NONCE, titles: dict[str, str] | None = None) -> str:
        """The HTML with each placeholder of `nonce` (this process's, or the one a cached page was
        rendered with) replaced by the term's current title: as Python-Markdown writes the attribute,
        or as `titles` (term id -> attribute text) has it."""
        if nonce not in text:
            return text
        titles = self._titles if titles is None else titles
        # What re.sub(placeholder + r"([a-z0-9-]+)", …) gives, the placeholders found by str.split
        # (a regex scan of the 91 MB handbook at 100× content took a fifth of a second).
        prefix = title_placeholder("", nonce)
        pieces = text.split(prefix)
        out = [pieces[0]]
        for k in range(1, len(pieces)):
            piece = pieces[k]
            m = _TERM_ID.match(piece)
            if (m.end() if m else 0) == len(piece) and k + 1 < len(pieces):
                # A placeholder right after (its characters are an id's): the regex reads on into it.
                return re.sub(re.escape(prefix) + r"([a-z0-9-]+)", lambda mt: titles[mt.group(1)], text)
            if m is None:
                out += [prefix, piece]
            else:
                out += [titles[m.group(0)], piece[m.end():]]
        return "".join(out)

    def titles(self) -> dict[str, str]:
        """Term id -> the title attribute's text as Python-Markdown writes it."""
        return dict(self._titles)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # After attr_list (8: classes such as .kb-quote are set), before toc (5) and MkDocs' link rewriting (0).
        md.treeprocessors.register(TooltipProcessor(md, self.names, self.current_page), "kb_glossary_tooltips", 6)
        if not self.late_titles:
            md.postprocessors.register(_FillTitles(md, self), "kb_glossary_titles", 0)
