"""Checks that keep the site faithful to each source document.

- Ownership: an item that belongs to one document (doc: …) cites only that document, and so
  does everything nested in it (duties, points, senses); an alias is a spelling that document uses.
- Blanks: a passage of a source with a blank (a name removed) is declared in data/documents.yml;
  an item that retells that sentence must reproduce the passage exactly as written.
- Headings: a title taken from a heading paragraph cites that heading paragraph.
- Copy: prose fields use full-width punctuation (quotes stay verbatim: they are not prose).

Every problem names file, line and field, in Chinese. Pure Python, no MkDocs.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from . import models as m
from . import sections
from .errors import Loc, Problem, format_loc, line_for, rel

# Prose an editor writes; quotes, ids and dates are not prose.
_LINK_TARGET = re.compile(r"\]\([^()\s]*\)")
PROSE_FIELDS = ("name", "role", "title", "q", "summary", "intro", "explanation", "text", "definition", "a", "note")

_NUMBERING = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、是])\s*")
_PUNCT = re.compile(r"[\s“”‘’\"'、，。；：！？,.;:!?（）()—\-]")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、)")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’"
_ASCII_PUNCT = re.compile(rf"(?<=[{_CJK}])[;,:?!()\"]|[;,:?!()\"](?=[{_CJK}])")
_FULL = {";": "；", ",": "，", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）", '"': "“”"}


def norm_title(text: str) -> str:
    return _PUNCT.sub("", _NUMBERING.sub("", text))


def headings(paragraphs: tuple[str, ...]) -> dict[int, str]:
    """Paragraph number -> heading text: the title (paragraph 1) and numbered section headings."""
    out = {}
    for n, text in enumerate(paragraphs, 1):
        if n == 1 or (_HEADING.match(text) and len(text) <= 30 and "。" not in text):
            out[n] = text
    return out


def walk(obj: Any, loc: Loc) -> Iterator[tuple[Any, Loc]]:
    """Every pydantic model below obj (obj included), with its path, in document order."""
    stack = [(obj, loc)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, BaseModel):
            yield node, where
            children = []
            for name in type(node).model_fields:
                value = getattr(node, name)
                if isinstance(value, (BaseModel, list)):
                    children.append((value, where + (name,)))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(v, where + (i,)) for i, v in enumerate(node) if isinstance(v, (BaseModel, list))]))


def prose(obj: Any, loc: Loc, nested_items: bool = True) -> Iterator[tuple[str, Loc]]:
    """(text, path) of every prose field below obj; nested items skipped unless nested_items."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, str):
                if name in PROSE_FIELDS:
                    yield value, loc + (name,)
            elif isinstance(value, m.SourceRef) or name == "sources":
                continue
            elif not nested_items and isinstance(value, list) and value and isinstance(value[0], m.Item):
                continue
            else:
                yield from prose(value, loc + (name,), nested_items)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from prose(v, loc + (i,), nested_items)


def refs_below(obj: Any, loc: Loc) -> Iterator[tuple[m.SourceRef, Loc]]:
    for node, where in walk(obj, loc):
        if isinstance(node, m.SourceRef):
            yield node, where


def owned_items(name: str, model: BaseModel) -> Iterator[tuple[Any, Loc]]:
    """The items of a data file that belong to one document (or say they span both): the
    top-level items the section table declares for it (an intro belongs to no single item)."""
    sec = sections.BY_KEY.get(name)
    if sec is None or sec.model is None or not isinstance(model, sec.model):
        return
    for items in sec.items:
        if not items.single:
            for i, item in enumerate(getattr(model, items.field)):
                yield item, (items.field, i)


def owner_of(item: Any) -> str | None:
    if isinstance(item, m.Document):
        return item.id
    return getattr(item, "doc", None)


def check(loaded: dict[str, tuple[BaseModel, dict[Loc, int]]], docs: dict, data_dir: Path) -> list[Problem]:
    """Every faithfulness problem in the loaded data files (docs: id -> SourceDoc).

    In order: ownership, blanks, retellings, titles, copy; each of them file by file."""
    ctx = _Context(loaded, docs, data_dir)
    blank_problems, by_phrase, signal = _blanks(ctx)
    heads: dict[str, list[tuple[str, int]]] = {}
    for doc_id, d in docs.items():
        for n, text in headings(d.paragraphs).items():
            heads.setdefault(norm_title(text), []).append((doc_id, n))
    # A preview rechecks after every edit, usually of one file: a file's findings depend on it, the
    # documents (and their texts) and the organisation's bodies only, and are kept while those stay.
    shared = (ctx.documents_model, ctx.organisation_model, tuple((k, d.paragraphs) for k, d in docs.items()), str(data_dir))
    kinds: dict[str, list[Problem]] = {"owner": [], "retell": [], "titles": [], "copy": []}
    for file, (model, lines) in loaded.items():
        kept = _kept.get(file)
        if kept is not None and kept[0] is model and kept[1] is lines and _same(kept[2], shared):
            found = kept[3]
        else:
            found = _file_problems(ctx, file, model, by_phrase, signal, heads)
            _kept[file] = (model, lines, shared, found)
        for kind, problems in found.items():
            kinds[kind] += problems
    return kinds["owner"] + blank_problems + kinds["retell"] + kinds["titles"] + kinds["copy"]


_kept: dict[str, tuple] = {}  # file -> (model, lines, shared inputs, its problems by kind)


def _same(a: tuple, b: tuple) -> bool:
    return a[0] is b[0] and a[1] is b[1] and a[2] == b[2] and a[3] == b[3]


class _Context:
    def __init__(self, loaded: dict, docs: dict, data_dir: Path):
        self.loaded, self.docs, self.data_dir = loaded, docs, data_dir
        self.documents_model = loaded["documents"][0] if "documents" in loaded else None
        self.organisation_model = loaded["organisation"][0] if "organisation" in loaded else None
        self.bodies = {b.id: b for b in self.organisation_model.bodies} if self.organisation_model is not None else {}

    def reporter(self, out: list[Problem]):  # noqa: ANN201
        root = self.data_dir.parent

        def report(file: str, loc: Loc, message: str) -> None:
            out.append(Problem(rel(self.data_dir / f"{file}.yml", root), line_for(self.loaded[file][1], loc), format_loc(loc), message))
        return report

    def title_of(self, doc_id: str) -> str:
        return f"《{self.docs[doc_id].meta.short_title}》" if doc_id in self.docs else f"文档“{doc_id}”"


def _blanks(ctx: _Context) -> tuple[list[Problem], dict[str, list[tuple[str, m.Blank]]], "re.Pattern | None"]:
    """The declared blanks' own problems, and each retelling phrase with its blanks (one pattern for all)."""
    problems: list[Problem] = []
    report, title_of, docs, loaded = ctx.reporter(problems), ctx.title_of, ctx.docs, ctx.loaded
    blanks: list[tuple[str, m.Blank]] = []
    if "documents" in loaded:
        for i, d in enumerate(loaded["documents"][0].documents):
            for k, b in enumerate(d.blanks):
                loc = ("documents", i, "blanks", k)
                text = docs[d.id].paragraph(b.para) if d.id in docs else None
                if text is None:
                    if d.id in docs:
                        report("documents", loc + ("para",), f"{title_of(d.id)}没有第 {b.para} 段。")
                    continue
                if b.passage not in text:
                    report("documents", loc + ("passage",), f"这段文字在{title_of(d.id)}第 {b.para} 段中找不到，必须逐字照抄原文（包括空缺处）。")
                    continue
                for j, phrase in enumerate(b.retold_if):
                    if phrase not in text:
                        report("documents", loc + ("retold_if", j), f"“{phrase}”不在{title_of(d.id)}第 {b.para} 段中。")
                blanks.append((d.id, b))
    # Copies of a document share their blanks: each distinct blank once, found by one pattern.
    distinct: dict[tuple[str, tuple[str, ...]], tuple[str, m.Blank]] = {}
    for doc_id, b in blanks:
        distinct.setdefault((b.passage, tuple(b.retold_if)), (doc_id, b))
    by_phrase: dict[str, list[tuple[str, m.Blank]]] = {}
    for doc_id, b in distinct.values():
        for phrase in b.retold_if:
            by_phrase.setdefault(phrase, []).append((doc_id, b))
    signal = re.compile("|".join(map(re.escape, sorted(by_phrase, key=len, reverse=True)))) if by_phrase else None
    return problems, by_phrase, signal


def _file_problems(ctx: _Context, file: str, model: BaseModel, by_phrase: dict, signal: "re.Pattern | None",
                   heads: dict[str, list[tuple[str, int]]]) -> dict[str, list[Problem]]:
    """One data file's problems, by kind."""
    found: dict[str, list[Problem]] = {"owner": [], "retell": [], "titles": [], "copy": []}
    docs, title_of, loaded, bodies = ctx.docs, ctx.title_of, ctx.loaded, ctx.bodies
    report = ctx.reporter(found["owner"])

    def cite_error(file: str, owner: str, ref: m.SourceRef, where: Loc, what: str) -> None:
        if ref.doc != owner and ref.doc in docs and owner in docs:
            report(file, where + ("doc",),
                   f"{what}属于{title_of(owner)}（doc: {owner}），却引用了{title_of(ref.doc)}第 {ref.para} 段。"
                   f"两篇文档的机构、人物、说法不能合进一个条目：请把这一处移到属于{title_of(ref.doc)}的条目或说法中。")

    # ---- ownership -------------------------------------------------------------------------
    nodes = list(walk(model, ()))
    position = {where: k for k, (_, where) in enumerate(nodes)}

    def subtree(loc: Loc) -> list[tuple[Any, Loc]]:
        k, n = position[loc], len(loc)
        end = k + 1
        while end < len(nodes) and nodes[end][1][:n] == loc:
            end += 1
        return nodes[k:end]

    for item, loc in owned_items(file, model):
        owner = owner_of(item)
        if owner is not None and owner not in docs and "documents" in loaded:
            report(file, loc + ("doc",), f"没有 id 为“{owner}”的文档。可用的文档：{'、'.join(docs)}。")
            continue
        # Each citation is checked against the nearest thing that names its document:
        # a point or a sense with its own doc, else the item itself.
        scopes: dict[Loc, tuple[str, str]] = {}
        if owner is not None:
            scopes[loc] = (owner, "这个术语" if isinstance(item, m.Term) else "这个条目")
        for node, where in subtree(loc):
            if isinstance(node, m.Point) and node.doc is not None:
                if owner is not None and node.doc != owner:
                    report(file, where + ("doc",), f"这条要点写的是 doc: {node.doc}，但它所在的条目属于{title_of(owner)}。"
                                                   "要点只能属于条目自己的文档。")
                else:
                    scopes[where] = (node.doc, "这条要点")
            elif isinstance(node, m.Sense):
                scopes[where] = (node.doc, "这条说法")
            elif isinstance(node, m.SourceRef):
                scope = next((scopes[where[:k]] for k in range(len(where) - 1, len(loc) - 1, -1) if where[:k] in scopes), None)
                if scope:
                    cite_error(file, scope[0], node, where, scope[1])
        if isinstance(item, m.Term):
            _term_problems(item, loc, docs, report, title_of)
            continue
        if isinstance(item, m.Phase) and owner is None:
            for key in ("tasks", "outputs"):
                for j, p in enumerate(getattr(item, key)):
                    if p.doc is None and len({r.doc for r in p.sources}) > 1:
                        report(file, loc + (key, j, "sources"),
                               "这个环节没有写 doc（两篇文档都谈到），它的每条要点只能引一篇文档：请把这条拆成两条，并各写 doc。")
                    elif p.doc is None:
                        report(file, loc + (key, j), "这个环节没有写 doc（两篇文档都谈到），每条要点要写 doc：出自哪篇文档。")
        if isinstance(item, m.Body) and item.counterpart is not None:
            other = bodies.get(item.counterpart)
            if other is None:
                report(file, loc + ("counterpart",), f"没有 id 为“{item.counterpart}”的机构。")
            elif other.doc == item.doc:
                report(file, loc + ("counterpart",), "并列显示的应是另一篇文档中的同名机构；同一文档中的请合并为一条。")

    # ---- retellings of sentences with a blank ------------------------------------------------
    report = ctx.reporter(found["retell"])
    if signal is not None:
        for item, loc in _retelling_units(nodes):
            texts = list(prose(item, loc, nested_items=False))
            hits = [(h.group(0), t, where) for t, where in texts for h in [signal.search(t)] if h]
            reported: set[str] = set()
            for phrase, _, where in hits:
                for doc_id, b in by_phrase[phrase]:
                    if b.passage in reported or any(b.passage in t for t, _ in texts):
                        continue
                    reported.add(b.passage)
                    report(file, where,
                           f"转述了{title_of(doc_id)}第 {b.para} 段含空缺的句子（“{phrase}”），但没有照原样写出“{b.passage}”"
                           f"（{b.note}）。请照原文写出这段文字，空缺处保持空缺，不要删去或补全。")

    # ---- titles from headings ----------------------------------------------------------------
    report = ctx.reporter(found["titles"])
    for node, loc in nodes:
        title = getattr(node, "title", None)
        sources = getattr(node, "sources", None)
        if not isinstance(title, str) or not sources:
            continue
        hit = heads.get(norm_title(title))
        if not hit:
            continue
        cited = {(r.doc, r.para) for r in sources}
        if not cited & set(hit):
            doc_id, n = next(((d, n) for d, n in hit if any(r.doc == d for r in sources)), hit[0])
            report(file, loc + ("title",),
                   f"标题“{title}”取自{title_of(doc_id)}第 {n} 段的小标题，出处应包含第 {n} 段"
                   f"（现在引的是第 {'、'.join(str(r.para) for r in sources)} 段）。")

    # ---- copy: full-width punctuation in prose -------------------------------------------------
    report = ctx.reporter(found["copy"])
    for text, loc in prose(model, ()):
        # A link of the rich-text subset (textpolicy.py) is syntax, not prose: [文字](faq.md#id).
        bad = _ASCII_PUNCT.search(_LINK_TARGET.sub("]", text))
        if bad:
            ch = bad.group(0)
            report(file, loc, f"用了半角标点“{ch}”（在“{text[max(0, bad.start() - 6):bad.end() + 6]}”中）。"
                              f"中文正文请用全角标点“{_FULL[ch]}”；逐字引文写在 quote 字段里，照原文。")
    return found


def _retelling_units(nodes: list[tuple[Any, Loc]]) -> Iterator[tuple[Any, Loc]]:
    """The units a blank is looked for in: every item with an id, and file intros."""
    for node, loc in nodes:
        if isinstance(node, (m.Item, m.Term, m.Document)) or loc == ("intro",):
            yield node, loc


def _term_problems(t: m.Term, loc: Loc, docs: dict, report, title_of) -> None:
    file = "glossary"
    if t.senses and t.doc:
        report(file, loc + ("doc",), "写了 senses（各文档分开的说法）就不要再写 doc；每条说法各写自己的 doc。")
    if t.senses and t.definition and t.basis == "source":
        report(file, loc + ("definition",), "释义出自原文且分文档写了 senses 时，不要再写一条合并的 definition。")
    if not t.senses and not t.definition:
        report(file, loc, "缺少释义：请写 definition，或按文档分开写 senses。")
    if t.basis == "source" and not t.senses and t.doc is None:
        docs_cited = {r.doc for r in t.sources}
        report(file, loc + ("doc",), "释义出自原文的术语要写 doc（出自哪篇文档）" +
               ("；它引了两篇文档：请改写成 senses，每篇文档一条说法，并排显示。" if len(docs_cited) > 1 else "。"))
    if t.senses and t.sources and t.basis == "source":
        report(file, loc + ("sources",), "分文档写了 senses 时，出处写在各条说法下面。")
    seen: set[str] = set()
    for k, s in enumerate(t.senses):
        if s.doc in seen:
            report(file, loc + ("senses", k, "doc"), f"{title_of(s.doc)}已经有一条说法了：同一文档的说法请写在一条里。")
        seen.add(s.doc)
        if s.doc in docs:
            for j, alias in enumerate(s.aliases):
                if not any(alias in p for p in docs[s.doc].paragraphs):
                    report(file, loc + ("senses", k, "aliases", j), f"又作“{alias}”在{title_of(s.doc)}中没有出现：又作只写这篇文档自己的写法。")
    scope = [t.doc] if t.doc in docs else ([] if t.senses else list(docs))
    for j, alias in enumerate(t.aliases):
        if scope and not any(alias in p for d in scope for p in docs[d].paragraphs):
            report(file, loc + ("aliases", j), f"又作“{alias}”在{'、'.join(map(title_of, scope))}中没有出现：又作只写同一文档对同一事物的写法。")
        if t.senses:
            report(file, loc + ("aliases", j), "分文档写了 senses 时，又作写在各条说法下面（aliases）。")
