"""`kb new`: skeletons for new items and new source documents.

A new item is written into its data file, after the last item of its list (or of the group
asked for), with a fresh id and every field to fill marked 【待填写】: `kb check` fails on
each marker until an editor has filled it. The file's other lines, comments, BOM and line
endings are left as they were. Pure Python, no MkDocs.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .editorial import PLACEHOLDER, Unreadable, decode_text
from .errors import Loc
from .yamlsource import load_yaml

P = PLACEHOLDER


class ScaffoldError(Exception):
    pass


@dataclass(frozen=True)
class Kind:
    label: str  # Chinese name
    file: str  # data file stem
    groups: str | None  # the field holding groups (None: one flat list)
    items: str  # the field holding the items
    title_field: str
    template: str  # {id}, {title}, {doc}; relative to the item's "- " column


_SOURCES = f"""\
  sources:
    - doc: {{doc}}  # 出自哪篇原文（文档 id，见 data/documents.yml）
      para: 1  # {P}段落号：运行 kb paragraphs {{doc}} 查看各段和段号
      quote: {P}从该段逐字复制一句原文（一字不改，标点照抄）
"""

KINDS: dict[str, Kind] = {
    "question": Kind("问答", "faq", "groups", "questions", "q", f"""\
- id: {{id}}
  q: {{title}}
  a: {P}回答：只用原文的内容，可以概括，但不要加原文没有的说法
""" + _SOURCES),
    "term": Kind("术语", "glossary", None, "terms", "term", f"""\
- id: {{id}}
  term: {{title}}
  doc: {{doc}}  # 释义出自哪篇原文；两篇都说到时改写 senses（见 CONTRIBUTING.md）
  definition: {P}释义：出自原文时只说原文说过的话
  basis: source  # 释义出自原文写 source；通用常识释义写 general
""" + _SOURCES),
    "event": Kind("大事记", "events", None, "events", "title", f"""\
- id: {{id}}
  date: {P}X月Y日（照原文写，不补年份）
  doc: {{doc}}  # 这件事出自哪篇原文；不同原文的事不合并
  title: {{title}}
  text: {P}一两句话说明这件事，只用原文内容
""" + _SOURCES),
    "requirement": Kind("工作要求", "requirements", "lists", "items", "title", f"""\
- id: {{id}}
  title: {{title}}
  text: {P}要求的内容，尽量用原文
""" + _SOURCES),
    "problem": Kind("突出问题", "problems", "groups", "problems", "title", f"""\
- id: {{id}}
  title: {{title}}
  text: {P}问题的表现，尽量用原文
""" + _SOURCES),
}


@dataclass(frozen=True)
class Made:
    file: str
    line: int
    id: str
    label: str
    placeholders: int

    def report(self) -> str:
        return (f"已在 {self.file} 第 {self.line} 行加入新{self.label}（id: {self.id}）。\n"
                f"请打开这个文件，把标有“{P}”的 {self.placeholders} 处填好，并删去“{P}”字样；"
                f"然后运行 kb check（或 make check）检查。没填完之前检查不会通过，网站也不会发布。")


# ---- ids ----------------------------------------------------------------------------------


def _existing_ids(root: Path) -> set[str]:
    ids: set[str] = set()
    for path in (root / "data").glob("*.yml"):
        try:
            text = decode_text(path.read_bytes())
        except Unreadable:
            continue
        ids.update(re.findall(r"^\s*-?\s*id:\s*([a-z0-9-]+)\s*$", text, re.M))
    return ids


def fresh_id(root: Path, kind: str, title: str | None) -> str:
    """From the title's pinyin (as the glossary's ids are), else kind-N; never one in use."""
    base = ""
    if title and PLACEHOLDER not in title:
        from pypinyin import lazy_pinyin

        words = [re.sub(r"[^a-z0-9]", "", w.lower()) for w in lazy_pinyin(title, errors="ignore")]
        base = "-".join(w for w in words if w)[:48].strip("-")
        if base and not re.match(r"^[a-z]", base):
            base = f"{kind}-{base}"
    taken = _existing_ids(root)
    if base and base not in taken:
        return base
    stem = base or f"new-{kind}"
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


# ---- where in the file ----------------------------------------------------------------------


def _item_end(lines: dict[Loc, int], item: Loc, text_lines: list[str]) -> int:
    """The last line (1-based) that belongs to the item at loc, blank and comment lines excluded."""
    start = lines[item]
    after = [ln for loc, ln in lines.items() if ln > start and tuple(loc[:len(item)]) != tuple(item)]
    end = (min(after) - 1) if after else len(text_lines)
    while end > start and (not text_lines[end - 1].strip() or text_lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _read(path: Path) -> tuple[bytes, str, str]:
    raw = path.read_bytes()
    newline = "\r\n" if b"\r\n" in raw else "\n"
    return raw, newline, decode_text(raw)


def _write(path: Path, raw: bytes, newline: str, text: str) -> None:
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    path.write_bytes(bom + text.replace("\n", newline).encode("utf-8"))


def insert_item(path: Path, shown: str, list_loc: Loc, block: str) -> int:
    """Insert block (a '- ' item at column 0) after the last item of the list at list_loc,
    at that item's indentation. Returns the line of the new item."""
    data, lines, problems = load_yaml(path, shown)
    if data is None:
        raise ScaffoldError(f"{shown} 现在有错误，先改好再新建：\n  " + "\n  ".join(map(str, problems)))
    node = data
    for part in list_loc:
        node = node[part]
    if not isinstance(node, list) or not node:
        raise ScaffoldError(f"{shown} 里没有可以参照的条目。")
    raw, newline, text = _read(path)
    text_lines = text.split("\n")
    last = tuple(list_loc) + (len(node) - 1,)
    start = lines[last]
    first_line = text_lines[start - 1]
    column = len(first_line) - len(first_line.lstrip())
    if not first_line.lstrip().startswith("- "):
        raise ScaffoldError(f"{shown}:{start} 的写法与预期不同，请手工新建。")
    end = _item_end(lines, last, text_lines)
    # Blank lines between items stay the file's habit.
    spaced = start >= 2 and not text_lines[start - 2].strip()
    pad = " " * column
    new = [(pad + ln) if ln else ln for ln in block.rstrip("\n").split("\n")]
    insert = ([""] if spaced else []) + new
    out = text_lines[:end] + insert + text_lines[end:]
    new_text = "\n".join(out)
    _write(path, raw, newline, new_text)
    # Still YAML, and the new item is where it was meant to be.
    check, _, problems = load_yaml(path, shown)
    if check is None:
        _write(path, raw, newline, text)
        raise ScaffoldError("生成的骨架不是合法的 YAML（程序错误），文件已恢复原样：" + "; ".join(map(str, problems)))
    return end + 1 + (1 if spaced else 0)


def new_item(root: Path, kind: str, title: str | None = None, group: str | None = None, doc: str | None = None) -> Made:
    spec = KINDS[kind]
    path = root / "data" / f"{spec.file}.yml"
    shown = f"data/{spec.file}.yml"
    data, _, problems = load_yaml(path, shown)
    if data is None:
        raise ScaffoldError(f"{shown} 现在有错误，先改好再新建：\n  " + "\n  ".join(map(str, problems)))
    if spec.groups:
        groups = data.get(spec.groups) or []
        ids = [g.get("id") for g in groups]
        if group is None:
            gi = len(groups) - 1
        elif group in ids:
            gi = ids.index(group)
        else:
            raise ScaffoldError(f"{shown} 里没有 id 为“{group}”的分组。可用的分组：{'、'.join(map(str, ids))}。")
        list_loc: Loc = (spec.groups, gi, spec.items)
        # A group that belongs to one document: its items cite only that document.
        doc = doc or (groups[gi].get("doc") if isinstance(groups[gi].get("doc"), str) else None)
    else:
        list_loc = (spec.items,)
    docs, _, _ = load_yaml(root / "data" / "documents.yml", "data/documents.yml")
    doc = doc or (docs["documents"][0]["id"] if docs else "speech")
    item_id = fresh_id(root, kind, title)
    shown_title = title or f"{P}{spec.label}的标题"
    block = spec.template.format(id=item_id, title=shown_title, doc=doc)
    line = insert_item(path, shown, list_loc, block)
    return Made(shown, line, item_id, spec.label, block.count(P))


# ---- new source documents -------------------------------------------------------------------


def read_any_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 (BOM or not), UTF-16 with BOM, or GB18030/GBK."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "UTF-8（带 BOM）"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as e:
        raise ScaffoldError(f"无法识别文件编码（第 {e.start + 1} 个字节）：请把它另存为 UTF-8 文本再试。") from None


def normalise(text: str) -> str:
    """One paragraph per line, surrounding white space (also full-width indentation) removed,
    empty lines dropped, \\n line endings, a final newline: as the site numbers paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras = [line.strip() for line in text.split("\n") if line.strip()]
    return "\n".join(paras) + "\n" if paras else ""


def _yaml_text(value: str) -> str:
    """A YAML scalar for a title: quoted when it would otherwise not read back as the same text."""
    import yaml

    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6).strip()
    return dumped[:-4].strip() if dumped.endswith("\n...") else dumped.removesuffix("...").strip()


@dataclass(frozen=True)
class NewDocument:
    id: str
    file: str
    encoding: str
    paragraphs: tuple[str, ...]
    line: int


def new_document(root: Path, source: Path, doc_id: str | None = None, short_title: str | None = None,
                 kind: str | None = None, summary: str | None = None) -> NewDocument:
    """short_title, kind and summary given on the command line are written as they are; each one
    not given is left as a marked placeholder for the editor."""
    if not source.is_file():
        raise ScaffoldError(f"找不到文件 {source}。")
    text, encoding = read_any_text(source.read_bytes())
    body = normalise(text)
    if not body:
        raise ScaffoldError(f"{source} 是空的。")
    paragraphs = tuple(body.rstrip("\n").split("\n"))
    sources_dir = root / "data" / "sources"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    for existing in sources_dir.glob("*.txt"):
        if existing.read_bytes() == body.encode("utf-8"):
            raise ScaffoldError(f"这篇原文已经添加过：data/sources/{existing.name}。")
    taken_numbers = [int(m.group(1)) for p in sources_dir.glob("*.txt") if (m := re.match(r"^(\d+)_", p.name))]
    name = f"{(max(taken_numbers) + 1) if taken_numbers else 0:03d}_{digest}.txt"
    if doc_id is None:
        stem = re.sub(r"[^a-z0-9]+", "-", source.stem.lower()).strip("-")
        doc_id = stem if re.match(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", stem or "") else fresh_id(root, "document", None)
    if not re.match(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", doc_id):
        raise ScaffoldError(f"id“{doc_id}”格式不对：只能用小写英文字母、数字和连字符，例如 work-plan。")
    if doc_id in _existing_ids(root):
        raise ScaffoldError(f"id“{doc_id}”已经有了，请用 --id 换一个。")
    title = paragraphs[0]
    block = (f"- id: {doc_id}\n"
             f"  file: {name}\n"
             f"  title: {_yaml_text(title)}  # 默认取第一段，请核对\n"
             f"  short_title: {_yaml_text(short_title) if short_title else P + '引用时显示的简称，例如 领导讲话稿'}\n"
             f"  kind: {_yaml_text(kind) if kind else P + '文种，例如 讲话稿、新闻报道、通知'}\n"
             f"  summary: {_yaml_text(summary) if summary else P + '一两句话的内容概述，只用原文内容'}\n")
    (sources_dir / name).write_bytes(body.encode("utf-8"))
    try:
        line = insert_item(root / "data" / "documents.yml", "data/documents.yml", ("documents",), block)
    except ScaffoldError:
        (sources_dir / name).unlink()
        raise
    return NewDocument(doc_id, name, encoding, paragraphs, line)


def new_document_cli(root: Path, source: Path, doc_id: str | None, short_title: str | None = None,
                     kind: str | None = None, summary: str | None = None) -> int:
    try:
        made = new_document(root, source, doc_id, short_title, kind, summary)
    except ScaffoldError as e:
        import sys

        print(str(e), file=sys.stderr)
        return 1
    print(f"读入 {source}（{made.encoding}），共 {len(made.paragraphs)} 段。段号如下，引用时写 para: 段号：")
    for n, text in enumerate(made.paragraphs, 1):
        print(f"  ¶{n}\t{text if len(text) <= 60 else text[:60] + '…'}")
    print(f"\n已保存为 data/sources/{made.file}（UTF-8，每段一行），并在 data/documents.yml 第 {made.line} 行加入文档 {made.id}。")
    left = [name for name, value in (("简称", short_title), ("文种", kind), ("概述", summary)) if not value]
    if left:
        print(f"请填好 data/documents.yml 中标有“{P}”的 {len(left)} 处（{'、'.join(left)}），然后运行 kb check。"
              f"之后网站上自动出现它的原文页、导航项和“原文”列表中的一项，不用改别的文件。")
    else:
        print("网站上已自动出现它的原文页、导航项和“原文”列表中的一项，不用改别的文件。请运行 kb check 核对。")
    return 0
