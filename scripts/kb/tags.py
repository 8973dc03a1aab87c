"""Topic tags and related content, from data/tags.yml and the items' own sources.

data/tags.yml declares every allowed tag (id, label, optional description) and the ids of the
items it applies to; one file, so tagging never touches the item files. Phase tags are derived:
each phase tags itself and the requirement lists of its `rules` (with their items). A tag on a
page's front matter (`tags: [si-feng]`) must be declared too. Any unknown tag or item id stops
the build with file, line and field.

Related content of an item: the other items that share a cited paragraph or a tag, most shared
first (a shared paragraph counts 2, a shared tag 3), at most RELATED_MAX.

The Markdown step (`ItemExtras`) puts an item's tags and related content at the end of its
section (the heading whose id is the item id; for a phase, its page), marked
`data-search-exclude` so the search index keeps to the content.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor
from pydantic import Field, ValidationError

from . import models as m
from . import sections
from .content import Entry, KnowledgeBase
from .errors import DataError, Problem, format_loc, line_for, translate
from .yamlsource import load_yaml

TAGS_FILE = "data/tags.yml"
TAGS_PAGE = "tags.md"
RELATED_MAX = 6
RELATED_KINDS = {"基本原则", "环节", "工作要求", "问答"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class Tag(m.Strict):
    id: m.Id
    label: m.Text = Field(description="页面上显示的标签名，例如 四风")
    description: m.Text | None = Field(default=None, description="可选：标签页上的一句说明")
    items: list[m.Id] = Field(min_length=1, description="适用的条目 id（原则、要求、问题、问答、术语……）")


class TagsFile(m.Strict):
    tags: list[Tag] = Field(min_length=1)


@dataclass
class Tagging:
    tags: dict[str, Tag]  # id -> tag, declared and derived, in site order
    of_entry: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # entry key -> tag ids
    entries: dict[str, list[Entry]] = field(default_factory=dict)  # tag id -> entries
    related: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)

    @cached_property
    def _tags_by_page(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for (p, _), ts in self.of_entry.items():
            index.setdefault(p, []).extend(ts)
        return index

    def of_page(self, page: str) -> list[str]:
        """The tags of a page's items, in site order (indexed once: every page asks)."""
        return self._tags_by_page.get(page, [])


def key(e: Entry) -> tuple[str, str]:
    return (e.page, e.anchor)


def anchor_of(e: Entry) -> str:
    """Where a link to the entry points: a source document is its whole page."""
    return "" if e.kind == "原文" else e.anchor


def load_tags(root: Path, kb: KnowledgeBase) -> Tagging:
    """Validate data/tags.yml against the items; derive phase tags; compute related content."""
    path = root / TAGS_FILE
    data, lines, problems = load_yaml(path, TAGS_FILE)
    model = None
    if data is not None:
        try:
            model = TagsFile.model_validate(data)
        except ValidationError as e:
            for err in e.errors():
                loc = tuple(err["loc"])
                problems.append(Problem(TAGS_FILE, line_for(lines, loc), format_loc(loc), translate(err, list(Tag.model_fields))))
    if problems or model is None:
        raise DataError(problems)

    by_id: dict[str, Entry] = dict(kb.by_id)
    tagging = Tagging(tags={})
    for i, tag in enumerate(model.tags):
        loc = ("tags", i, "id")
        if tag.id in tagging.tags or tag.id.startswith("phase-"):
            why = "以 phase- 开头的标签由环节自动生成" if tag.id.startswith("phase-") else "标签 id 重复"
            problems.append(Problem(TAGS_FILE, line_for(lines, loc), format_loc(loc), f"{why}：“{tag.id}”。请换一个 id。"))
            continue
        tagging.tags[tag.id] = tag
        for j, item in enumerate(tag.items):
            if item not in by_id:
                iloc = ("tags", i, "items", j)
                problems.append(Problem(TAGS_FILE, line_for(lines, iloc), format_loc(iloc),
                                        f"没有 id 为“{item}”的条目。请对照 data/ 中各条目的 id 修改或删去。"))
    if problems:
        raise DataError(problems)

    for p in kb.phases.phases:
        items = [p.id]
        for rule in p.rules:
            lst = kb.requirement_list(rule)
            items += [lst.id, *(r.id for r in lst.items)]
        tagging.tags[f"phase-{p.id}"] = Tag(id=f"phase-{p.id}", label=p.name, items=items,
                                            description=f"{p.label}及其适用的工作要求。")
    for tag in tagging.tags.values():
        for item in dict.fromkeys(tag.items):
            e = by_id[item]
            tagging.of_entry.setdefault(key(e), []).append(tag.id)
            tagging.entries.setdefault(tag.id, []).append(e)
    tagging.related = related_content(kb, tagging, list(by_id.values()))
    return tagging


def needs_related(e: Entry) -> bool:
    """Principles, phases, requirements (lists and items) and questions; not FAQ groups."""
    return e.kind in RELATED_KINDS and not (e.file == "faq" and len(e.loc) == 2) and bool(e.id or e.kind == "环节")


def related_content(kb: KnowledgeBase, tagging: Tagging, entries: list[Entry]) -> dict[tuple[str, str], list[Entry]]:
    """related_content_of(…), or the previous result when nothing it reads has changed.

    A preview rechecks after every edit; a definition edit changes no item's place, citations or
    tags, which is all the choice reads. The kept choice is given the current entries."""
    features = ([(e.page, e.anchor, e.kind, e.id, e.file, e.loc, tuple((r.doc, r.para) for r, _ in e.refs)) for e in entries],
                [key(e) for e in kb.entries], sorted(tagging.of_entry.items()))
    kept = _related_kept.get("last")
    if kept is None or kept[0] != features:
        kept = _related_kept["last"] = (features, related_content_of(kb, tagging, entries))
    current = {key(e): e for e in entries}
    return {k: [current[key(o)] for o in found] for k, found in kept[1].items()}


_related_kept: dict[str, tuple] = {}


def related_content_of(kb: KnowledgeBase, tagging: Tagging, entries: list[Entry]) -> dict[tuple[str, str], list[Entry]]:
    """For each entry, the others that share its paragraphs (2 points each) or tags (3 points each).

    Candidates come from inverted indexes (paragraph -> entries, tag -> entries), so the work grows
    with the shared postings, not with the square of the items (at 100× content the pairwise version
    took minutes).
    """
    paras = {key(e): {(r.doc, r.para) for r, _ in e.refs} for e in entries}
    tags = {key(e): set(tagging.of_entry.get(key(e), ())) for e in entries}
    order = {key(e): i for i, e in enumerate(kb.entries)}
    by_para: dict[tuple[str, int], list[Entry]] = defaultdict(list)
    by_tag: dict[str, list[Entry]] = defaultdict(list)
    for o in entries:
        if o.kind == "原文":
            continue
        for p in paras[key(o)]:
            by_para[p].append(o)
        for t in tags[key(o)]:
            by_tag[t].append(o)
    out = {}
    for e in entries:
        if not needs_related(e):
            continue
        ke = key(e)
        score: dict[tuple[str, str], int] = defaultdict(int)
        found: dict[tuple[str, str], Entry] = {}
        for postings, points in (((by_para[p] for p in paras[ke]), 2), ((by_tag[t] for t in tags[ke]), 3)):
            for posting in postings:
                for o in posting:
                    ko = key(o)
                    score[ko] += points
                    found[ko] = o
        scored = [(-n, order.get(ko, 0), found[ko]) for ko, n in score.items() if ko != ke and not _nested(e, found[ko])]
        out[ke] = [o for _, _, o in sorted(scored, key=lambda s: s[:2])[:RELATED_MAX]]
    return out


def _nested(a: Entry, b: Entry) -> bool:
    """A list and its own items are not each other's related content."""
    if a.file != b.file:
        return False
    short, long = sorted((a.loc, b.loc), key=len)
    return long[: len(short)] == short


def check_page_tags(tagging: Tagging, page_tags, src_path: Path, shown: str) -> list[str]:
    """Front-matter tags of a page: every one declared. Returns them; raises DataError otherwise."""
    if page_tags is None:
        return []
    values = page_tags if isinstance(page_tags, list) else [page_tags]
    problems = []
    text = src_path.read_text("utf-8") if src_path.is_file() else ""
    for i, t in enumerate(values):
        if str(t) not in tagging.tags:
            line = next((n for n, l in enumerate(text.splitlines(), 1) if re.search(rf"(^|[\s\[,-]){re.escape(str(t))}([\s\],]|$)", l)), 0)
            allowed = "、".join(f"{x}（{tg.label}）" for x, tg in tagging.tags.items())
            problems.append(Problem(shown, line, f"tags[{i}]", f"未声明的标签“{t}”。标签要先在 {TAGS_FILE} 中声明；已有：{allowed}。"))
    if problems:
        raise DataError(problems)
    return [str(t) for t in values]


# ---- rendering ------------------------------------------------------------------------------


def render_tag_index(kb: KnowledgeBase, tagging: Tagging, page: str) -> str:
    """The tag index page: every tag with its items, linked."""
    out = ["标签：" + " ".join(f"[{t.label}](#{t.id})" for t in tagging.tags.values()) + "\n{ .kb-letters }"]
    for t in tagging.tags.values():
        out.append(f"## {t.label} {{ #{t.id} }}")
        if t.description:
            out.append(t.description)
        out.append("\n".join(f"- {e.kind}：[{e.title}]({sections.link(page, e.page, e.anchor)})" for e in tagging.entries.get(t.id, [])))
    return "\n\n".join(out) + "\n"


def page_tags_markdown(tagging: Tagging, page: str, declared: list[str]) -> str:
    """The "本页话题" line of a page: its front-matter tags and its items' tags, as Markdown (so the
    page's render cache key changes with it)."""
    tags = list(dict.fromkeys(declared + tagging.of_page(page)))
    if not tags or page == TAGS_PAGE:
        return ""
    links = "、".join(f"[{tagging.tags[t].label}]({sections.link(page, TAGS_PAGE, t)})" for t in tags)
    return f"本页话题：{links}\n{{ .kb-tags .kb-page-tags data-search-exclude }}"


def with_page_tags(markdown: str, line: str) -> str:
    """The line after the page's first-level heading (or first, when there is none)."""
    if not line:
        return markdown
    m = re.search(r"^# .*$", markdown, re.M)
    if m is None:
        return f"{line}\n\n{markdown}"
    return f"{markdown[:m.end()]}\n\n{line}\n{markdown[m.end():]}"


class ExtrasProcessor(Treeprocessor):
    def __init__(self, md: Markdown, tagging: Tagging, current_page: Callable[[], str]):
        super().__init__(md)
        self.tagging, self.current_page = tagging, current_page

    def line(self, cls: str, label: str, links: list[tuple[str, str]]) -> etree.Element:
        p = etree.Element("p", {"class": cls, "data-search-exclude": ""})
        p.text = label
        for i, (text, href) in enumerate(links):
            a = etree.SubElement(p, "a", {"href": href})
            a.text = text
            a.tail = "、" if i < len(links) - 1 else ""
        return p

    def extras(self, page: str, k: tuple[str, str]) -> list[etree.Element]:
        out = []
        tags = self.tagging.of_entry.get(k, [])
        if tags:
            out.append(self.line("kb-tags", "标签：", [(self.tagging.tags[t].label, sections.link(page, TAGS_PAGE, t)) for t in tags]))
        related = self.tagging.related.get(k)
        if related:
            out.append(self.line("kb-related-content", "相关内容：",
                                 [(f"{e.title}（{e.kind}）", sections.link(page, e.page, anchor_of(e))) for e in related]))
        return out

    def run(self, root: etree.Element) -> None:
        page = self.current_page()
        children = list(root)
        inserts: list[tuple[int, list[etree.Element]]] = []
        for i, el in enumerate(children):
            level = HEADINGS.get(el.tag)
            if not level or not el.get("id"):
                continue
            extra = self.extras(page, (page, el.get("id")))
            if not extra:
                continue
            end = next((j for j in range(i + 1, len(children)) if HEADINGS.get(children[j].tag, 99) <= level), len(children))
            inserts.append((end, extra))
        # the page's own entry (a phase page): at the end
        own = self.extras(page, (page, ""))
        if own:
            inserts.append((len(children), own))
        for at, els in sorted(inserts, key=lambda x: -x[0]):
            for n, el in enumerate(els):
                root.insert(at + n, el)


class ItemExtras(Extension):
    def __init__(self, tagging: Tagging, current_page: Callable[[], str], **kwargs):
        self.tagging, self.current_page = tagging, current_page
        super().__init__(**kwargs)

    def extras_at(self, page: str) -> tuple[set[str], bool]:
        """The anchors of `page` whose sections get lines, and whether the page gets some at its end
        (kb.chunkrender may not cut a page inside such a section)."""
        keys = self._keys_by_page.get(page, [])
        return {a for _, a in keys if a}, any(not a for _, a in keys)

    @cached_property
    def _keys_by_page(self) -> dict[str, list[tuple[str, str]]]:
        """The items that get lines, by page: one pass over the items, not one per page."""
        out: dict[str, list[tuple[str, str]]] = {}
        for k in (*self.tagging.of_entry, *self.tagging.related):
            if self.tagging.of_entry.get(k) or self.tagging.related.get(k):
                out.setdefault(k[0], []).append(k)
        return out

    def __repr__(self) -> str:
        # kb.rendercache keys pages by the Markdown configuration's repr: the data this step adds.
        import hashlib

        facts = repr(sorted((k, v) for k, v in self.tagging.of_entry.items())) + repr(
            sorted((k, [(e.page, e.anchor, e.title, e.kind) for e in v]) for k, v in self.tagging.related.items()))
        facts += repr([(t.id, t.label) for t in self.tagging.tags.values()])
        return f"ItemExtras({hashlib.sha256(Path(__file__).read_bytes() + facts.encode()).hexdigest()[:16]})"  # code and data

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After attr_list (8) gave headings their ids; before toc (5) and MkDocs' link rewriting (0).
        md.treeprocessors.register(ExtrasProcessor(md, self.tagging, self.current_page), "kb_item_extras", 7)


def schema_text() -> str:
    """data/schemas/tags.schema.json, as scripts/schemas writes the others."""
    import json

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": TAGS_FILE, **TagsFile.model_json_schema()}
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
