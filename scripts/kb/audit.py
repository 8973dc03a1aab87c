"""Coverage audit: how faithfully the items retell the two source texts.

`audit(kb)` returns, per paragraph, the items citing it and its substantive passages that no
citing item covers, and, per item, the clauses of its prose that do not occur in the paragraphs
it cites. It is a list for a person to review, not a check: a retelling may be faithful without
being verbatim. Clauses a reviewer has accepted are listed in data/audit-reviewed.yml and are not
counted as unreviewed. Pure Python, no MkDocs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import BaseModel

from . import models as m
from .content import Entry, KnowledgeBase

REVIEWED_FILE = "audit-reviewed.yml"  # under data/

# Prose an editor writes (titles, answers, definitions ...), as opposed to quotes and ids.
PROSE_FIELDS = ("name", "role", "title", "q", "summary", "intro", "explanation", "text", "definition", "a")
CLAUSE_SPLIT = re.compile(r"[，。；！？：,;!?:\n（）()]+")
# Dropped before comparing: punctuation, quote marks, spaces and Markdown list markers.
NOISE = re.compile(r"[\s“”‘’\"'「」《》〈〉、—\-*#`>|]|^\d+\.|[（）()【】\[\]]")
LIST_MARK = re.compile(r"^\s*(?:[-*]|\d+\.)\s+", re.M)
MIN_CLAUSE = 4  # shorter clauses (一是, 同志们) carry no content of their own
# Who says it: attributions that frame a retelling ("讲话稿指出，…"). A clause that is only such a
# frame, or a frame followed by words of the cited paragraphs, is not counted as off the text.
FRAMING = re.compile(
    r"^(?:据|在)?(?:《?领导讲话稿》?|《?推进会报道》?|讲话稿|讲话|报道|推进会报道|推进会上|会上|"
    r"(?:市委第六)?督导组副组长濮尔杰|濮尔杰|濮组长|丁伟明局长|丁局长|丁伟明|李映哲)"
    r"(?:中|也|还|接着|先|在结尾)?(?:指出|要求|提出|提到|说明|说|称|写道|引述|介绍|认为|强调|肯定|希望|评价活动|"
    r"回答了这个问题|列举了成绩|总结前一阶段工作时指出)?(?:的|了)?")
SIMILAR_Q = 0.5  # bigram overlap above which two questions read as the same question
SIMILAR_A = 0.4  # bigram overlap above which two answers say the same thing (one is mostly the other)


def norm(text: str) -> str:
    return NOISE.sub("", text)


def clauses(text: str) -> list[str]:
    """A text's clauses, in order, each as written (trimmed), long enough to carry content."""
    text = LIST_MARK.sub("", text)
    out = []
    for c in CLAUSE_SPLIT.split(text):
        c = c.strip()
        if len(norm(c)) >= MIN_CLAUSE:
            out.append(c)
    return out


def strip_framing(clause: str) -> str:
    return FRAMING.sub("", norm(clause), count=1)


def bigrams(text: str) -> set[str]:
    t = norm(text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def _item_at(kb: KnowledgeBase, e: Entry) -> Any:
    if getattr(e, "item", None) is not None:
        return e.item
    if e.file == "documents":
        return kb.documents[e.id].meta if e.id in kb.documents else None
    obj: Any = getattr(kb, e.file)
    for part in e.loc:
        obj = obj[part] if isinstance(part, int) else getattr(obj, part)
    return obj


def prose_of(obj: Any) -> Iterator[tuple[str, str]]:
    """(field path, text) of every prose field of an item and what is nested in it, nested items excluded."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, str) and name in PROSE_FIELDS:
                yield name, value
            elif isinstance(value, list) and value and isinstance(value[0], m.Item) and name != "sources":
                continue  # nested items are entries of their own
            elif isinstance(value, (list, BaseModel)) and name != "sources" and not isinstance(value, m.SourceRef):
                for sub, text in prose_of(value):
                    yield f"{name}.{sub}", text
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            for sub, text in prose_of(v):
                yield f"[{i}]{sub}" if not sub.startswith("[") else f"[{i}]{sub}", text


@dataclass
class ParagraphReport:
    doc: str
    para: int
    text: str
    citers: list[str]
    uncovered: list[str]


@dataclass
class ItemReport:
    label: str  # file and id (or title)
    cited: list[tuple[str, int]]
    clauses: int
    off_text: list[tuple[str, str]]  # (field, clause) not found in the cited paragraphs, framing aside
    unreviewed: list[tuple[str, str]]
    framing: int = 0  # clauses that are attributions (讲话稿指出 …) around words of the text


@dataclass
class Audit:
    paragraphs: list[ParagraphReport] = field(default_factory=list)
    items: list[ItemReport] = field(default_factory=list)
    # Copy: the same prose in two items, questions that read alike, terms absent from their citations.
    same_text: list[tuple[str, str, str]] = field(default_factory=list)
    similar_questions: list[tuple[str, str, float]] = field(default_factory=list)
    terms_not_in_citations: list[str] = field(default_factory=list)

    @property
    def uncovered_passages(self) -> int:
        return sum(len(p.uncovered) for p in self.paragraphs)

    @property
    def substantive_passages(self) -> int:
        return sum(len(clauses(p.text)) for p in self.paragraphs)

    @property
    def off_text_clauses(self) -> int:
        return sum(len(i.off_text) for i in self.items)

    @property
    def unreviewed_clauses(self) -> int:
        return sum(len(i.unreviewed) for i in self.items)

    def figures(self) -> dict[str, int]:
        return {
            "items": len(self.items),
            "paragraphs": len(self.paragraphs),
            "substantive_passages": self.substantive_passages,
            "uncovered_passages": self.uncovered_passages,
            "uncited_paragraphs": sum(1 for p in self.paragraphs if not p.citers),
            "item_clauses": sum(i.clauses for i in self.items),
            "framing_clauses": sum(i.framing for i in self.items),
            "off_text_clauses": self.off_text_clauses,
            "unreviewed_clauses": self.unreviewed_clauses,
            "same_text_pairs": len(self.same_text),
            "similar_question_pairs": len(self.similar_questions),
            "terms_not_in_citations": len(self.terms_not_in_citations),
        }


def load_reviewed(data_dir: Path) -> dict[str, set[str]]:
    """Item label -> clauses a reviewer accepted as faithful framing (e.g. 讲话稿指出)."""
    path = data_dir / REVIEWED_FILE
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text("utf-8")) or {}
    out: dict[str, set[str]] = {}
    for label, items in (raw.get("items") or {}).items():
        out[label] = set(map(norm, items or []))
    return out


def _label(e: Entry) -> str:
    return f"{e.file}:{e.id}" if e.id else f"{e.file}:{'.'.join(map(str, e.loc))}"


def audit(kb: KnowledgeBase, reviewed: dict[str, set[str]] | None = None) -> Audit:
    reviewed = reviewed or {}
    out = Audit()
    covered_text: dict[tuple[str, int], list[str]] = {}
    for e in kb.entries:
        item = _item_at(kb, e)
        if item is None or not e.refs:
            continue
        texts = [t for _, t in prose_of(item)]
        cited = list(dict.fromkeys((r.doc, r.para) for r, _ in e.refs))
        for r, _ in e.refs:
            bucket = covered_text.setdefault((r.doc, r.para), [])
            bucket.append(norm(r.quote or ""))
        for key in cited:
            covered_text.setdefault(key, []).extend(norm(t) for t in texts)
        source = "".join(norm(kb.documents[d].paragraph(p) or "") for d, p in cited if d in kb.documents)
        off, unrev, n, framed = [], [], 0, 0
        accepted = reviewed.get(_label(e), set())
        for fld, text in prose_of(item):
            for c in clauses(text):
                n += 1
                nc = norm(c)
                if nc in source:
                    continue
                rest = strip_framing(c)
                if rest != nc and (len(rest) < 2 or rest in source):
                    framed += 1
                    continue
                off.append((fld, c))
                if nc not in accepted:
                    unrev.append((fld, c))
        out.items.append(ItemReport(_label(e), cited, n, off, unrev, framed))
    _copy_findings(kb, out)
    for doc_id, doc in kb.documents.items():
        for n, text in enumerate(doc.paragraphs, 1):
            citers = [_label(e) for e in kb.cited_by.get((doc_id, n), [])]
            pool = covered_text.get((doc_id, n), [])
            uncovered = [c for c in clauses(text) if not any(norm(c) in t for t in pool)]
            out.paragraphs.append(ParagraphReport(doc_id, n, text, citers, uncovered))
    return out


def _copy_findings(kb: KnowledgeBase, out: Audit) -> None:
    # The same prose (a whole field, not a short title) in two different items.
    seen: dict[str, str] = {}
    for e in kb.entries:
        item = _item_at(kb, e)
        if item is None:
            continue
        for fld, text in prose_of(item):
            key = norm(text)
            if fld.endswith(("title", "name", "q", "role")) or len(key) < 12:
                continue
            here = f"{_label(e)} {fld}"
            # Within one content type: the same sentence under two terms, two problems, two answers.
            if key in seen and seen[key].split(":", 1)[0] == e.file and not seen[key].startswith(_label(e) + " "):
                out.same_text.append((seen[key], here, text[:40]))
            seen.setdefault(key, here)
    questions = [(q.id, q.q, q.a) for g in kb.faq.groups for q in g.questions]
    for i, (a_id, a_q, a_a) in enumerate(questions):
        for b_id, b_q, b_a in questions[i + 1:]:
            sim = max(similarity(a_q, b_q), similarity(a_a, b_a) / SIMILAR_A * SIMILAR_Q)
            if sim >= SIMILAR_Q:
                out.similar_questions.append((a_id, b_id, round(sim, 2)))
    for t in kb.glossary.terms:
        if t.basis != "source":
            continue
        senses = getattr(t, "senses", [])  # data from before senses existed has none
        names = [t.term, *t.aliases, *(a for s in senses for a in s.aliases)]
        refs = [*t.sources, *(r for s in senses for r in s.sources)]
        text = "".join(kb.documents[r.doc].paragraph(r.para) or "" for r in refs if r.doc in kb.documents)
        if not any(norm(n) in norm(text) for n in names):
            out.terms_not_in_citations.append(f"glossary:{t.id}")


def render_report(a: Audit, kb: KnowledgeBase) -> str:
    """The audit as a Markdown page for editors (not part of the readers' navigation)."""
    f = a.figures()
    lines = [
        "# 内容覆盖审核（编辑用）",
        "",
        "本页由 `kb audit` 生成，供编辑逐条审核，不在读者导航中。",
        "",
        f"- 条目 {f['items']} 个，原文段落 {f['paragraphs']} 段，实质性片段 {f['substantive_passages']} 处；",
        f"- 没有任何条目覆盖的实质性片段：{f['uncovered_passages']} 处（{f['uncited_paragraphs']} 段没有被任何条目引用）；",
        f"- 条目文字的分句 {f['item_clauses']} 处：{f['framing_clauses']} 处是“讲话稿指出”一类的出处说明；"
        f"不见于所引段落的 {f['off_text_clauses']} 处，其中未经审核的 {f['unreviewed_clauses']} 处；",
        f"- 文字完全相同的两处：{f['same_text_pairs']} 对；读来相近的问题：{f['similar_question_pairs']} 对；"
        f"所引段落中找不到术语本身的：{f['terms_not_in_citations']} 个。",
        "",
        "审核过、确认忠实于原文的分句记在 data/audit-reviewed.yml（按条目列出），不再计入“未经审核”。",
        "",
        "## 一、各段被哪些条目引用、哪些片段没有覆盖",
        "",
    ]
    for p in a.paragraphs:
        short = kb.documents[p.doc].meta.short_title
        lines.append(f"### 《{short}》第 {p.para} 段")
        lines.append("")
        lines.append("引用条目：" + ("、".join(f"`{c}`" for c in p.citers) if p.citers else "（无）"))
        lines.append("")
        if p.uncovered:
            lines.append("未覆盖的片段：")
            lines.append("")
            lines += [f"- {c}" for c in p.uncovered]
            lines.append("")
    lines += ["## 二、条目文字中不见于所引段落的分句（待人工审核）", ""]
    reviewed_only = [i for i in a.items if i.off_text and not i.unreviewed]
    for i in a.items:
        if not i.unreviewed:
            continue
        lines.append(f"### `{i.label}`")
        lines.append("")
        lines.append("所引段落：" + "、".join(f"《{kb.documents[d].meta.short_title}》第 {n} 段" for d, n in i.cited if d in kb.documents))
        lines.append("")
        lines += [f"- {fld}：{c}" for fld, c in i.unreviewed]
        lines.append("")
    if reviewed_only:
        lines += [f"另有 {len(reviewed_only)} 个条目的改写已审核，见 data/audit-reviewed.yml。", ""]
    lines += ["## 三、文案：重复与相近", ""]
    lines += [f"- 文字相同：`{x}` 与 `{y}`（“{t}…”）" for x, y, t in a.same_text] or ["- 文字相同：无"]
    lines += [f"- 问题相近：`{x}` 与 `{y}`（相似度 {s}）" for x, y, s in a.similar_questions] or ["- 问题相近：无"]
    lines += [f"- 所引段落中找不到术语本身：`{t}`" for t in a.terms_not_in_citations] or ["- 术语均出现在所引段落中"]
    return "\n".join(lines) + "\n"


def run(root: Path, out: Path | None = None) -> Audit:
    """Load the project's data, audit it and write the report (default: dist/audit.md). Used by `kb audit`."""
    from .content import load

    kb = load(root / "data")
    a = audit(kb, load_reviewed(root / "data"))
    out = out or root / "dist" / "audit.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(a, kb), "utf-8")
    return a
