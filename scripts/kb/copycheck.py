"""Chinese copy rules for the prose in data/*.yml and docs/*.md, house style in copy-style.yml.

Built on autocorrect-py (full-width punctuation next to Chinese, no space around full-width
punctuation, full-width letters and digits to half-width) plus the rules it does not have:
Chinese–Latin/digit spacing one way throughout, no doubled punctuation, balanced 《》“”‘’（）,
one spelling for each name. Quotes (`quote:` fields, quote() macro arguments) and the source
texts in data/sources/ are never checked or changed: they stay verbatim.
"""
from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from . import sections
from .editorial import Unreadable, decode_text
from .errors import Loc, Problem, format_loc
from .yamlsource import load_yaml

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
STYLE_FILE = "copy-style.yml"


@dataclass(frozen=True)
class Style:
    spacing: str  # "none" or "space"
    names: dict[str, list[str]]
    skip_fields: frozenset[str]


def load_style(root: Path) -> Style:
    path = root / STYLE_FILE
    raw = yaml.safe_load(path.read_text("utf-8-sig")) if path.is_file() else {}
    raw = raw or {}
    spacing = raw.get("spacing", "none")
    if spacing not in ("none", "space"):
        raise ValueError(f"{STYLE_FILE}: spacing 只能是 none 或 space")
    return Style(spacing, {str(k): [str(x) for x in v] for k, v in (raw.get("names") or {}).items()},
                 frozenset(raw.get("skip_fields") or ["quote", "id"]))


_configured: str | None = None


def _autocorrect(style: Style):
    """autocorrect-py with the rules that fit this house style (its config is process-wide)."""
    global _configured
    import autocorrect_py as ac

    rules = {"space-word": 1 if style.spacing == "space" else 0, "space-punctuation": 0, "space-bracket": 0,
             "space-backticks": 0, "space-dash": 0, "space-dollar": 0, "fullwidth": 1, "no-space-fullwidth": 1,
             "no-space-fullwidth-quote": 1, "halfwidth-word": 1, "halfwidth-punctuation": 1, "spellcheck": 0}
    key = repr(sorted(rules.items()))
    if _configured != key:
        ac.load_config(yaml.safe_dump({"rules": rules}))
        _configured = key
    return ac


# ---- rules on one piece of prose ------------------------------------------------------------

_HALF_PUNCT = re.compile(rf"(?<=[{CJK}])([,;:?!])(?=\s*(?:[{CJK}“《（]|$))|(?<=[{CJK}])(\.)(?=\s*(?:[{CJK}“《（]|$))")
# Numbering copied from a source heading, such as "(一)", keeps the source's form.
_HALF_PAREN = re.compile(rf"\((?![一二三四五六七八九十]+\))([^()]*[{CJK}][^()]*)\)")
_DOUBLED = re.compile(r"([，。；：、])\1|[，；：、][。，；：、]|。[，；：、]")
_SPACE_NONE = re.compile(rf"(?<=[{CJK}]) +(?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) +(?=[{CJK}])")
_PAIRS = (("《", "》", "书名号"), ("“", "”", "双引号"), ("‘", "’", "单引号"), ("（", "）", "括号"))
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 6):end + 6].replace("\n", " ")


def prose_findings(text: str, style: Style) -> list[tuple[str, str]]:
    """(message, snippet to locate the line) for every rule the text breaks."""
    out: list[tuple[str, str]] = []
    ac = _autocorrect(style)
    fixed = ac.format(text)
    touched: set[int] = set()  # positions autocorrect already reports: one message each
    if fixed != text:
        sm = difflib.SequenceMatcher(None, text, fixed, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                continue
            touched.update(range(i1 - 1, i2 + 1))
            old, new = _context(text, i1, i2), _context(fixed, j1, j2)
            out.append((f"标点或空格：“{old}”应写成“{new}”（中文里用全角标点，全角标点前后不加空格）。", text[max(0, i1 - 6):i2 + 6]))
    for m in _HALF_PUNCT.finditer(text):
        if m.start() in touched:
            continue
        ch = m.group(1) or m.group(2)
        out.append((f"中文句子里用了半角标点“{ch}”：“{_context(text, m.start(), m.end())}”，请改成全角“{_FULL[ch]}”。",
                    text[max(0, m.start() - 6):m.end() + 6]))
    for m in _HALF_PAREN.finditer(text):
        out.append((f"中文内容用了半角括号：“{m.group(0)}”，请改成全角“（{m.group(1)}）”。", m.group(0)))
    for m in _DOUBLED.finditer(text):
        out.append((f"标点重复：“{_context(text, m.start(), m.end())}”，请只留一个。", text[max(0, m.start() - 6):m.end() + 6]))
    if style.spacing == "none":
        for m in _SPACE_NONE.finditer(text):
            out.append((f"中文和英文字母、数字之间不加空格（本站统一写法，见 {STYLE_FILE}）：“{_context(text, m.start(), m.end())}”。",
                        text[max(0, m.start() - 6):m.end() + 6]))
    for left, right, name in _PAIRS:
        depth = 0
        for i, ch in enumerate(text):
            if ch == left:
                depth += 1
            elif ch == right:
                depth -= 1
                if depth < 0:
                    out.append((f"{name}不配对：“{_context(text, i, i + 1)}”处多了一个“{right}”。", text[max(0, i - 6):i + 1]))
                    break
        if depth > 0:
            i = text.rfind(left)
            out.append((f"{name}不配对：“{_context(text, i, i + 1)}”处的“{left}”没有对应的“{right}”。", text[i:i + 8]))
    for canonical, variants in style.names.items():
        for v in variants:
            for m in re.finditer(re.escape(v), text):
                out.append((f"同一名称请统一写成 {canonical} ，不要写成 {v} （见 {STYLE_FILE}）。", text[max(0, m.start() - 2):m.end() + 2]))
    return out


# ---- where prose lives ------------------------------------------------------------------------


def _strings(obj: Any, loc: Loc, skip: frozenset[str]) -> Iterator[tuple[Loc, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in skip:
                yield from _strings(v, loc + (k,), skip)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, loc + (i,), skip)
    elif isinstance(obj, str) and re.search(f"[{CJK}]", obj):
        yield loc, obj


def _line_of(text_lines: list[str], start: int, snippet: str) -> int:
    """The line, at or after the field's own line, that holds the snippet (multi-line values)."""
    probe = snippet.strip().split("\n")[0][:12]
    for n in range(start, min(len(text_lines), start + 400) + 1):
        if probe and probe in text_lines[n - 1]:
            return n
    return start


def data_problems(root: Path, style: Style) -> list[Problem]:
    out: list[Problem] = []
    for sec in sections.DATA_SECTIONS:
        path = root / "data" / sec.data_file
        shown = f"data/{sec.data_file}"
        data, lines, _ = load_yaml(path, shown)
        if data is None:
            continue  # kb check reports why
        text_lines = decode_text(path.read_bytes()).split("\n")
        for loc, value in _strings(data, (), style.skip_fields):
            start = lines.get(loc, 1)
            for message, snippet in prose_findings(value, style):
                out.append(Problem(shown, _line_of(text_lines, start, snippet), format_loc(loc), message))
    return out


_MACRO = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_MD_NOISE = re.compile(r"\]\([^)]*\)|`[^`]*`|\{[:#.][^}]*\}|<[^>]+>")


def page_problems(root: Path, style: Style) -> list[Problem]:
    from .pagecheck import split_front_matter

    out: list[Problem] = []
    docs = root / "docs"
    for path in sorted(docs.rglob("*.md")):
        shown = f"docs/{path.relative_to(docs).as_posix()}"
        try:
            text = decode_text(path.read_bytes())
        except Unreadable:
            continue
        body, offset = split_front_matter(text)
        # Macro calls (and the quotes in them) are blanked line by line, so line numbers stay right.
        body = _MACRO.sub(lambda m: "\n" * m.group(0).count("\n"), body)
        fenced = False
        for n, line in enumerate(body.split("\n"), 1):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
                continue
            if fenced or line.lstrip().startswith(">"):  # block quotes quote sources
                continue
            prose = _MD_NOISE.sub("", line)
            if not re.search(f"[{CJK}]", prose):
                continue
            for message, _ in prose_findings(prose, style):
                out.append(Problem(shown, n + offset, "", message))
    return out


def problems(root: Path) -> list[Problem]:
    style = load_style(root)
    return sorted(set(data_problems(root, style) + page_problems(root, style)))


def fix_data(root: Path) -> int:
    """Apply autocorrect's fixes and the spacing rule to single-line values written plainly on
    their line; everything else is left for a person. Returns the number of lines changed."""
    style = load_style(root)
    ac = _autocorrect(style)
    changed = 0
    for sec in sections.DATA_SECTIONS:
        path = root / "data" / sec.data_file
        data, lines, _ = load_yaml(path, f"data/{sec.data_file}")
        if data is None:
            continue
        raw = path.read_bytes()
        newline = "\r\n" if b"\r\n" in raw else "\n"
        bom = raw.startswith(b"\xef\xbb\xbf")
        text_lines = decode_text(raw).split("\n")
        for loc, value in _strings(data, (), style.skip_fields):
            if "\n" in value:
                continue
            new = ac.format(value)
            if style.spacing == "none":
                new = _SPACE_NONE.sub("", new)
            new = _HALF_PUNCT.sub(lambda m: _FULL[m.group(1) or m.group(2)], new)
            new = _HALF_PAREN.sub(lambda m: f"（{m.group(1)}）", new)
            line_no = lines.get(loc)
            if new == value or line_no is None:
                continue
            line = text_lines[line_no - 1]
            if line.count(value) == 1:
                text_lines[line_no - 1] = line.replace(value, new)
                changed += 1
        if changed:
            path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + newline.join(text_lines).encode("utf-8"))
    return changed


def main(root: Path, fix: bool = False) -> int:
    if fix:
        n = fix_data(root)
        print(f"已自动改正 {n} 行。")
    found = problems(root)
    for p in found:
        print(p, file=sys.stderr)
    if found:
        print(f"中文排版检查：{len(found)} 处需要修改（引文和原文不检查）。", file=sys.stderr)
        return 1
    print("中文排版检查通过（引文和原文不检查）。")
    return 0
