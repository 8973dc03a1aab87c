"""The knowledge base: data/*.yml loaded, validated and indexed once per build.

Pure Python, no MkDocs: `load(data_dir)` returns a KnowledgeBase or raises
DataError listing every problem (file, line, field, Chinese message).
"""
from __future__ import annotations

import hashlib
import re
import typing
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from . import models as m
from . import sections
from .citefix import locate, quote_message
from .editorial import Unreadable, decode_text, drop_on_placeholder_lines
from .errors import ContentError, DataError, Loc, Problem, format_loc, line_for, rel, translate
from .textpolicy import check_model
from .yamlsource import load_yaml

SOURCES_DIR = "sources"  # under data/


@dataclass(frozen=True)
class SourceDoc:
    meta: m.Document
    paragraphs: tuple[str, ...]  # paragraph n is paragraphs[n - 1]

    def paragraph(self, n: int) -> str | None:
        return self.paragraphs[n - 1] if 1 <= n <= len(self.paragraphs) else None


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Every non-empty line is one paragraph; surrounding white space is not part of it."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def load_documents(data_dir: Path) -> dict[str, SourceDoc]:
    """Documents only, for tools that need the numbered paragraphs (raises DataError)."""
    kb_files, problems = _load_files(data_dir, only=("documents",))
    docs = _read_documents(data_dir, kb_files, problems)
    if problems:
        raise DataError(problems)
    return docs


# ---- entries: every addressable thing on the site ----------------------------------------


@dataclass(frozen=True)
class Entry:
    """One item as the site shows it: where it lives and which paragraphs it cites."""

    kind: str  # Chinese label shown in back-links, e.g. 问答
    id: str | None
    title: str
    page: str  # docs-relative source path, e.g. faq.md
    file: str  # data file name without .yml
    loc: Loc  # path of the item inside its data file
    refs: tuple[tuple[m.SourceRef, Loc], ...] = ()
    anchor: str = ""  # "" for an item with a page of its own
    section: str = ""  # key in sections.SECTIONS
    item: Any = field(default=None, compare=False, repr=False)


def _refs(obj: Any, loc: Loc) -> Iterator[tuple[m.SourceRef, Loc]]:
    """Every SourceRef below obj, with its path; stops at nested items that are entries of their own."""
    if isinstance(obj, m.SourceRef):
        yield obj, loc
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, list) and value and isinstance(value[0], m.Item) and name != "sources":
                continue  # nested items are entries themselves
            yield from _refs(value, loc + (name,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _refs(v, loc + (i,))


def _walk(sec: sections.Section, spec: sections.Items, parent: Any, loc: Loc) -> Iterator[Entry]:
    value = getattr(parent, spec.field)
    pairs = [(value, loc + (spec.field,))] if spec.single else [(v, loc + (spec.field, i)) for i, v in enumerate(value)]
    for item, here in pairs:
        item_id = None if spec.single else getattr(item, "id", None)
        own = sections.own_page(spec, item) if item_id else None
        yield Entry(sec.label, item_id, spec.title(item), own or sec.page, sec.key, here, tuple(_refs(item, here)),
                    anchor="" if own else (item_id or ""), section=sec.key, item=item)
        for child in spec.children:
            yield from _walk(sec, child, item, here)


def entries_of(name: str, model: BaseModel) -> Iterator[Entry]:
    """The entries of one validated data file, as the section table declares them."""
    sec = sections.section(name)
    for spec in sec.items:
        yield from _walk(sec, spec, model, ())


# ---- the knowledge base ------------------------------------------------------------------


@dataclass
class KnowledgeBase:
    documents: dict[str, SourceDoc]
    files: dict[str, BaseModel]  # section key -> validated data file
    entries: list[Entry] = field(default_factory=list)
    by_id: dict[str, Entry] = field(default_factory=dict)  # every item with an id, site-wide
    # (doc id, paragraph) -> entries citing it, in site order, each once
    cited_by: dict[tuple[str, int], list[Entry]] = field(default_factory=dict)
    # data/-relative path -> sha256 of its bytes, and their joint digest (set by checks.check)
    file_digests: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    def __getattr__(self, name: str) -> Any:
        # kb.faq, kb.phases …: the data file of that section.
        files = self.__dict__.get("files") or {}
        if name in files:
            return files[name]
        raise AttributeError(name)

    def entry(self, item_id: str, section: str | None = None) -> Entry:
        e = self.by_id.get(item_id)
        if e is None or (section and e.section != section):
            sec = sections.section(section) if section else None
            what = sec.label if sec else "条目"
            known = [x.id for x in self.entries if x.id and (not section or x.section == section)]
            where = f"（见 data/{sec.data_file}）" if sec and sec.data_file else ""
            raise UnknownItem(f"没有 id 为“{item_id}”的{what}{where}。可用的 id：{'、'.join(known[:30])}。")
        return e

    def requirement_list(self, list_id: str) -> m.RequirementList:
        return self.entry(list_id, "requirements").item

    def phase(self, phase_id: str) -> m.Phase:
        return self.entry(phase_id, "phases").item

    def document(self, doc_id: str) -> SourceDoc:
        if doc_id not in self.documents:
            raise UnknownItem(f"没有 id 为“{doc_id}”的文档（见 data/documents.yml）。可用的 id：{'、'.join(self.documents)}。")
        return self.documents[doc_id]

    @cached_property
    def _entries_by_page(self) -> dict[str, list[Entry]]:
        index: dict[str, list[Entry]] = {}
        for e in self.entries:
            index.setdefault(e.page, []).append(e)
        return index

    def entries_on(self, page: str) -> list[Entry]:
        """The entries a page shows, in site order (indexed once: every page asks)."""
        return self._entries_by_page.get(page, [])

    @cached_property
    def blank_pattern(self) -> "re.Pattern | None":
        """One pattern for every blanked passage of every document (every item asks whether it retells one)."""
        passages = [b.passage for d in self.documents.values() for b in d.meta.blanks]
        return re.compile("|".join(map(re.escape, passages))) if passages else None

    def pages(self) -> list[str]:
        """Every page the data asks for, in section order: section pages, then own pages."""
        out = [s.page for s in sections.SECTIONS]
        out += [e.page for e in self.entries if not e.anchor and e.id and e.page not in out]
        return list(dict.fromkeys(out))


class UnknownItem(ContentError, LookupError):
    """A page asked for an item that data/ does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


def _model_at(cls: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that holds the field at loc, to list its allowed fields."""
    current: Any = cls
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        current = _inner_model(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _load_yaml_cached(path: Path, shown: str):
    """load_yaml, from the build cache when this file's bytes were parsed before."""
    from . import cache

    try:
        raw = path.read_bytes()
    except OSError:
        return load_yaml(path, shown)
    key = cache.key_of(cache.code_digest("yamlsource", "errors"), shown, raw)
    return cache.cached("yaml", key, lambda: load_yaml(path, shown))


def _load_files(data_dir: Path, only: tuple[str, ...] | None = None) -> tuple[dict[str, tuple[BaseModel, dict[Loc, int]]], list[Problem]]:
    root = data_dir.parent
    loaded: dict[str, tuple[BaseModel, dict[Loc, int]]] = {}
    problems: list[Problem] = []
    for sec in sections.DATA_SECTIONS:
        name, cls = sec.key, sec.model
        if only and name not in only:
            continue
        path = data_dir / f"{name}.yml"
        shown = rel(path, root)
        # A preview rebuilds after every edit, usually of one file: the others' validated models
        # (frozen) and findings are kept for the process, by the file's bytes and the model's class.
        try:
            key = (shown, id(cls), hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            key = None
        kept = _validated.get(name)
        if key is not None and kept is not None and kept[0] == key:
            if kept[1] is not None:
                loaded[name] = kept[1]
            problems += kept[2]
            continue
        before = len(problems)
        _validate_file(name, cls, path, shown, loaded, problems)
        if key is not None:
            _validated[name] = (key, loaded.get(name), problems[before:])
    return loaded, problems


# name -> (file key, (model, lines) or None, problems found): the last version of each data file.
_validated: dict[str, tuple] = {}
_entries: dict[str, tuple] = {}  # name -> (model, its entries): the entries of a file kept with its model


def _kept_entries(name: str, model: BaseModel) -> list[Entry]:
    """entries_of(name, model), listed once per model (a preview keeps unchanged files' models)."""
    kept = _entries.get(name)
    if kept is None or kept[0] is not model:
        kept = _entries[name] = (model, list(entries_of(name, model)))
    return kept[1]


def _validate_file(name: str, cls, path: Path, shown: str, loaded: dict, problems: list[Problem]) -> None:  # noqa: ANN001
    data, lines, found = _load_yaml_cached(path, shown)
    problems += found
    if data is None:
        return
    try:
        loaded[name] = (cls.model_validate(data), lines)
        problems += check_model(loaded[name][0], lines, shown)  # the escaping policy (textpolicy.py)
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(err["loc"])
            allowed = None
            if err["type"] == "extra_forbidden":
                holder = _model_at(cls, loc[:-1])
                allowed = list(holder.model_fields) if holder else None
            problems.append(Problem(shown, line_for(lines, loc), format_loc(loc), translate(err, allowed)))


def _read_documents(data_dir: Path, loaded: dict, problems: list[Problem]) -> dict[str, SourceDoc]:
    docs: dict[str, SourceDoc] = {}
    if "documents" not in loaded:
        return docs
    model, lines = loaded["documents"]
    shown = rel(data_dir / "documents.yml", data_dir.parent)
    for i, d in enumerate(model.documents):
        path = data_dir / SOURCES_DIR / d.file
        loc = ("documents", i, "file")
        if not path.is_file():
            problems.append(Problem(shown, line_for(lines, loc), format_loc(loc),
                                    f"找不到原文文件 data/{SOURCES_DIR}/{d.file}。"))
            continue
        try:
            text = decode_text(path.read_bytes())
        except Unreadable as e:
            problems.append(Problem(shown, line_for(lines, loc), format_loc(loc),
                                    f"原文文件 data/{SOURCES_DIR}/{d.file} 第 {e.line} 行：{e.message}"))
            continue
        docs[d.id] = SourceDoc(d, split_paragraphs(text))
    return docs


def load(data_dir: Path) -> KnowledgeBase:
    """Load, validate and index everything in data_dir; raise DataError with every problem."""
    data_dir = Path(data_dir)
    loaded, problems = _load_files(data_dir)
    docs = _read_documents(data_dir, loaded, problems)
    root = data_dir.parent

    def where(e: Entry, loc: Loc) -> tuple[str, int, str]:
        shown = rel(data_dir / f"{e.file}.yml", root)
        return shown, line_for(loaded[e.file][1], loc), format_loc(loc)

    entries = [e for name, (model, _) in loaded.items() for e in _kept_entries(name, model)]

    # Ids are anchors, and several types share a page: one id, one thing, site-wide.
    by_id: dict[str, Entry] = {}
    for e in entries:
        if e.id is None:
            continue
        if e.id in by_id:
            first = by_id[e.id]
            f, line, fld = where(e, e.loc + ("id",))
            ff, fline, _ = where(first, first.loc + ("id",))
            problems.append(Problem(f, line, fld, f"id“{e.id}”重复：{ff}:{fline} 已经用过。请换一个不重复的 id。"))
        else:
            by_id[e.id] = e

    # Citations: document exists, paragraph exists, quote occurs verbatim.
    cited_by: dict[tuple[str, int], list[Entry]] = defaultdict(list)
    for e in entries:
        for ref, loc in e.refs:
            doc = docs.get(ref.doc)
            if doc is None:
                if "documents" in loaded:  # otherwise the documents file itself was reported
                    problems.append(Problem(*where(e, loc + ("doc",)),
                                            f"没有 id 为“{ref.doc}”的文档。可用的文档：{'、'.join(docs)}。"))
                continue
            text = doc.paragraph(ref.para)
            if text is None:
                problems.append(Problem(*where(e, loc + ("para",)),
                                        f"《{doc.meta.short_title}》只有 {len(doc.paragraphs)} 段，没有第 {ref.para} 段。"))
                continue
            if ref.quote is not None and ref.quote not in text:
                problems.append(Problem(*where(e, loc + ("quote",)), quote_message(
                    doc.meta.short_title, ref.doc, ref.para, locate(doc.paragraphs, ref.quote))))
                continue
            citers = cited_by[(ref.doc, ref.para)]
            # Each entry's refs are checked together, so a repeat can only be the last citer: an
            # O(1) test instead of scanning (and comparing dataclasses along) the whole list.
            if not citers or citers[-1] is not e:
                citers.append(e)

    # References between items.
    def check_refs(file: str, items: list[tuple[Any, Loc]], attr: str, targets: set[str], what: str) -> None:
        if file not in loaded:
            return
        for item, loc in items:
            value = getattr(item, attr)
            pairs = [(loc + (attr,), value)] if isinstance(value, str) else [(loc + (attr, k), t) for k, t in enumerate(value)]
            for fl, target in pairs:
                if target not in targets:
                    shown = rel(data_dir / f"{file}.yml", root)
                    problems.append(Problem(shown, line_for(loaded[file][1], fl), format_loc(fl),
                                            f"引用了不存在的{what}“{target}”。"))

    if "requirements" in loaded:
        list_ids = {lst.id for lst in loaded["requirements"][0].lists}
        req = loaded["requirements"][0]
        check_refs("requirements", [(lst, ("lists", i)) for i, lst in enumerate(req.lists)], "doc", set(docs), "文档")
    else:
        list_ids = set()
    if "phases" in loaded and "requirements" in loaded:
        ph = loaded["phases"][0]
        check_refs("phases", [(p, ("phases", i)) for i, p in enumerate(ph.phases)], "rules", list_ids, "要求组（data/requirements.yml 的 lists）")
    if "events" in loaded:
        ev = loaded["events"][0]
        check_refs("events", [(e, ("events", i)) for i, e in enumerate(ev.events)], "doc", set(docs), "文档")
    if "glossary" in loaded:
        gl = loaded["glossary"][0]
        term_items = [(t, ("terms", i)) for i, t in enumerate(gl.terms)]
        check_refs("glossary", term_items, "related", {t.id for t in gl.terms}, "术语")
        for t, loc in term_items:
            if t.basis == "source" and not t.sources and not t.senses:
                fl = loc + ("sources",)
                problems.append(Problem(rel(data_dir / "glossary.yml", root), line_for(loaded["glossary"][1], fl), format_loc(fl),
                                        "释义出自原文（basis: source）时至少要有一处出处；通用常识释义请写 basis: general。"))
    if "faq" in loaded:
        fq = loaded["faq"][0]
        q_items = [(q, ("groups", i, "questions", j)) for i, g in enumerate(fq.groups) for j, q in enumerate(g.questions)]
        check_refs("faq", q_items, "related", {q.id for q, _ in q_items}, "问题")
    for file, seq_name, key in (("phases", "phases", "order"), ("principles", "principles", "number")):
        if file in loaded:
            seen: dict[int, int] = {}
            for i, item in enumerate(getattr(loaded[file][0], seq_name)):
                value = getattr(item, key)
                if value in seen:
                    fl = (seq_name, i, key)
                    problems.append(Problem(rel(data_dir / f"{file}.yml", root), line_for(loaded[file][1], fl), format_loc(fl),
                                            f"序号 {value} 与第 {seen[value] + 1} 项重复。"))
                seen[value] = i

    if "quiz" in loaded:
        from .quiz import quiz_problems  # the question bank's own checks: answers against the cited text
        problems += quiz_problems(loaded["quiz"][0], loaded["quiz"][1], docs, rel(data_dir / "quiz.yml", root))

    from .faithful import check as faithful_check
    problems += faithful_check(loaded, docs, data_dir)
    if problems:
        raise DataError(drop_on_placeholder_lines(problems, [p for p in problems if "待填写" in p.message]))
    kb = KnowledgeBase(documents=docs, files={name: model for name, (model, _) in loaded.items()})
    kb.entries = entries
    kb.by_id = by_id
    kb.cited_by = dict(cited_by)
    return kb
