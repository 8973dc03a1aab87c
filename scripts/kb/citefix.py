"""Citations that survive corrections to a source text.

When a quote is no longer in the paragraph it cites (a paragraph was split, merged or
inserted above it), find where it is now; `fix_citations` rewrites the unambiguous
`para:` lines in place and lists the rest. Pure Python, no MkDocs.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import format_loc, line_for, rel


@dataclass(frozen=True)
class Whereabouts:
    paras: tuple[int, ...]  # paragraphs that contain the quote verbatim
    closest: tuple[int, str, float] | None  # (paragraph, passage, similarity) when none does

    @property
    def moved_to(self) -> int | None:
        return self.paras[0] if len(self.paras) == 1 else None


def _closest(paragraphs: tuple[str, ...], quote: str) -> tuple[int, str, float] | None:
    """The passage of the quote's length most like it, over all paragraphs."""
    size = len(quote)
    best: tuple[float, int, int] | None = None
    step = max(1, size // 8)
    for n, text in enumerate(paragraphs, 1):
        sm = difflib.SequenceMatcher(None, autojunk=False)
        sm.set_seq2(quote)
        starts = list(range(0, max(1, len(text) - size + 1), step))
        for start in starts:
            sm.set_seq1(text[start:start + size])
            if sm.real_quick_ratio() < (best[0] if best else 0):
                continue
            r = sm.ratio()
            if best is None or r > best[0]:
                best = (r, n, start)
    if best is None:
        return None
    r, n, start = best
    text = paragraphs[n - 1]
    # refine around the coarse hit
    sm = difflib.SequenceMatcher(None, autojunk=False)
    sm.set_seq2(quote)
    best_start, best_len = start, size
    for s in range(max(0, start - step), min(len(text), start + step) + 1):
        for length in range(max(1, size - 3), size + 4):
            sm.set_seq1(text[s:s + length])
            rr = sm.ratio()
            if rr > r:
                r, best_start, best_len = rr, s, length
    # Show whole words: no stray punctuation in front, the clause finished when it nearly is.
    start, end = best_start, best_start + best_len
    while start < end and text[start] in "。，；：、！？ ":
        start += 1
    tail = re.search(r"[。，；：！？]", text[end:end + 4])
    if tail:
        end += tail.start()
    return n, text[start:end], r


def locate(paragraphs: tuple[str, ...], quote: str) -> Whereabouts:
    paras = tuple(n for n, text in enumerate(paragraphs, 1) if quote in text)
    return Whereabouts(paras, None if paras else _closest(paragraphs, quote))


def quote_message(short_title: str, doc_id: str, para: int, where: Whereabouts, in_page: bool = False) -> str:
    head = f"引文在《{short_title}》第 {para} 段中找不到。"
    if where.moved_to is not None:
        change = (f"把段号 {para} 改为 {where.moved_to}" if in_page else f"把 para: {para} 改为 para: {where.moved_to}")
        return head + f"引文现在在第 {where.moved_to} 段，{change}（可运行 kb fix-citations 自动改）。"
    if where.paras:
        listed = "、".join(str(n) for n in where.paras)
        return head + f"这句话出现在第 {listed} 段，请确认要引的是哪一段，再改 para。"
    tail = "引文必须逐字照抄原文（注意标点和引号）；可用 kb paragraphs " + doc_id + " 查看各段原文。"
    if where.closest and where.closest[2] >= 0.5:
        n, passage, ratio = where.closest
        return head + f"最接近的原文在第 {n} 段（相似 {ratio:.0%}）：“{passage}”。如果原文已更正，请照此改引文{'' if n == para else f'，并把 para 改为 {n}'}。" + tail
    return head + tail


# ---- fix-citations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    file: str  # data/x.yml
    line: int  # line of the para: field
    field: str
    doc: str
    para: int
    quote: str
    where: Whereabouts


def broken_citations(root: Path) -> list[Finding]:
    """Every citation whose quote is not in its paragraph, with where it is now."""
    from .content import _load_files, _read_documents, entries_of

    data_dir = root / "data"
    loaded, problems = _load_files(data_dir)
    docs = _read_documents(data_dir, loaded, problems)
    out = []

    def refs_of(name, model):
        if name == "quiz":  # the question bank has no entries: its sources are walked directly
            from .quiz import quiz_refs
            yield from quiz_refs(model)
        for e in entries_of(name, model):
            yield from e.refs

    for name, (model, lines) in loaded.items():
        for ref, loc in refs_of(name, model):
            doc = docs.get(ref.doc)
            if doc is None or ref.quote is None:
                continue
            text = doc.paragraph(ref.para)
            if text is not None and ref.quote in text:
                continue
            out.append(Finding(rel(data_dir / f"{name}.yml", root), line_for(lines, loc + ("para",)),
                               format_loc(loc + ("para",)), ref.doc, ref.para, ref.quote,
                               locate(doc.paragraphs, ref.quote)))
    # passages with a blank, recorded in data/documents.yml
    if "documents" in loaded:
        model, lines = loaded["documents"]
        for i, d in enumerate(model.documents):
            doc = docs.get(d.id)
            for j, b in enumerate(getattr(d, "blanks", None) or []):
                text = doc.paragraph(b.para) if doc else None
                if doc is None or (text is not None and b.passage in text):
                    continue
                loc = ("documents", i, "blanks", j, "para")
                out.append(Finding(rel(data_dir / "documents.yml", root), line_for(lines, loc), format_loc(loc),
                                   d.id, b.para, b.passage, locate(doc.paragraphs, b.passage)))
    # quote("doc", para, "text") in the pages
    for path in sorted((root / "docs").rglob("*.md")):
        text = path.read_text("utf-8-sig")
        for m in _PAGE_QUOTE.finditer(text):
            doc = docs.get(m.group("doc"))
            para, quote = int(m.group("para")), m.group("text")
            found = doc.paragraph(para) if doc else None
            if doc is None or (found is not None and quote in found):
                continue
            line = text.count("\n", 0, m.start("para")) + 1
            out.append(Finding(rel(path, root), line, "quote()", m.group("doc"), para, quote, locate(doc.paragraphs, quote)))
    return out


_PAGE_QUOTE = re.compile(r"""\bquote\(\s*["'](?P<doc>[a-z0-9-]+)["']\s*,\s*(?P<para>\d+)\s*,\s*["'](?P<text>[^"']+)["']\s*\)""")
_PARA = re.compile(r"(\bpara\s*:\s*)(\d+)\b")


def fix_citations(root: Path, write: bool = True) -> tuple[list[Finding], list[Finding]]:
    """Rewrite `para: N` for every quote found in exactly one other paragraph; return (fixed, left)."""
    fixed, left = [], []
    by_file: dict[str, list[Finding]] = {}
    found = broken_citations(root)
    # A quote found in several paragraphs is settled by how the document moved: when the quotes
    # that moved unambiguously all moved by the same number of paragraphs, and exactly one of the
    # candidates lies that far from the cited paragraph, that is where it went.
    shifts: dict[str, Counter] = {}
    for f in found:
        if f.where.moved_to is not None:
            shifts.setdefault(f.doc, Counter())[f.where.moved_to - f.para] += 1
    for f in found:
        counts = shifts.get(f.doc)
        if f.where.moved_to is None and len(f.where.paras) > 1 and counts and len(counts) == 1:
            (shift,) = counts
            if f.para + shift in f.where.paras:
                f = Finding(f.file, f.line, f.field, f.doc, f.para, f.quote, Whereabouts((f.para + shift,), None))
        (by_file.setdefault(f.file, []) if f.where.moved_to is not None else left).append(f)
    for file, findings in by_file.items():
        path = root / file
        raw = path.read_bytes()
        newline = "\r\n" if b"\r\n" in raw else "\n"
        bom = raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode("utf-8-sig").split(newline)
        for f in findings:
            line = lines[f.line - 1]
            pattern = _PAGE_QUOTE if f.field == "quote()" else _PARA
            group = "para" if f.field == "quote()" else 2
            hits = [m for m in pattern.finditer(line) if int(m.group(group)) == f.para]
            if len(hits) != 1:  # e.g. two refs on one flow-style line: leave it to a person
                left.append(f)
                continue
            m = hits[0]
            lines[f.line - 1] = line[:m.start(group)] + str(f.where.moved_to) + line[m.end(group):]
            fixed.append(f)
        if write:
            out = newline.join(lines).encode("utf-8")
            path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out)
    return fixed, left


def main(root: Path, dry_run: bool = False) -> int:
    fixed, left = fix_citations(root, write=not dry_run)
    verb = "可改" if dry_run else "已改"
    for f in fixed:
        print(f"{f.file}:{f.line} {f.field}: {verb} para: {f.para} → para: {f.where.moved_to}（《{f.doc}》引文“{f.quote[:30]}”）")
    for f in left:
        if f.where.paras:
            why = f"引文出现在第 {'、'.join(map(str, f.where.paras))} 段，不能自动判断"
        elif f.where.closest:
            n, passage, ratio = f.where.closest
            why = f"原文中已没有这句引文；最接近的是第 {n} 段（相似 {ratio:.0%}）：“{passage}”"
        else:
            why = "原文中已没有这句引文"
        print(f"{f.file}:{f.line} {f.field}: 需要人工处理：{why}")
    if not fixed and not left:
        print("所有引文都在所引段落中，无需修改。")
    return 1 if left else 0
