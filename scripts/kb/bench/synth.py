"""Synthetic content at N times the real item counts, from the real data's own vocabulary.

`make_scaled(dest, factor)` writes a project copy in which every list of items in
data/*.yml holds `factor` copies of the real items:

- copy 0 is the real data, unchanged;
- copy j >= 1 gets new ids (`<id>-x<j>`), its cross-references (related, rules)
  follow it, and it cites its own copy of each source document (`<doc>-v<j>`,
  a byte-identical copy of the real text under a new file name), so every quote
  stays verbatim and every source page keeps about as many citers per paragraph
  as the real site;
- prose fields (answers, definitions, summaries ...) are re-drawn sentence by
  sentence from the pool of real sentences of the same field, titles from the
  pool of real titles, so the search index and the Markdown see varied Chinese
  text rather than 100 identical copies;
- pages grow with the items by themselves: phases and documents get their pages and
  navigation from the section table, as they do for editors; FAQ groups, requirement
  lists, problem groups, terms and events grow on their existing pages.

The copy must pass the project's own validation and strict build unchanged.
"""
from __future__ import annotations

import copy
import random
import re
from pathlib import Path

import yaml

from .. import sections
from ..faithful import headings as headings_of, norm_title
from .common import ROOT, copy_project

TEXT_KEYS = {"a", "definition", "text", "summary", "explanation", "intro"}
TITLE_KEYS = {"q", "title", "term", "name"}
KEEP_KEYS = {"quote", "para", "date", "basis", "label", "file", "kind", "aliases", "short_title"}
MARKUP = re.compile(r"[\n*\[\]#|`<>{}_&\\]")
SENTENCE = re.compile(r"[^。！？；]*[。！？；]|[^。！？；]+$")

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    def ignore_aliases(self, data):  # data files may not use anchors/aliases (yamlsource.py)
        return True


def sid(value: str, j: int) -> str:
    return value if j == 0 else f"{value}-x{j}"


def dv(doc: str, j: int) -> str:
    return doc if j == 0 else f"{doc}-v{j}"


def _balanced(text: str) -> bool:
    """Every opening quote or bracket closed, in order (a fragment like '”，…“' is not)."""
    for a, b in ("“”", "‘’", "《》", "（）", "()"):
        depth = 0
        for ch in text:
            depth += (ch == a) - (ch == b)
            if depth < 0:
                return False
        if depth:
            return False
    return True


class Vocabulary:
    """Sentences of every prose field and every title, as found in the real data."""

    def __init__(self, data: dict[str, object]):
        self.sentences: dict[str, list[str]] = {}
        self.titles: dict[str, list[str]] = {}
        for obj in data.values():
            self._collect(obj, None)
        # A title drawn at random must not become a heading's title or retell a blank without its
        # passage: the faithfulness checks would (rightly) refuse the synthetic copy.
        avoid = _heading_and_blank_phrases(data)
        for key, pool in self.titles.items():
            self.titles[key] = [t for t in pool if norm_title(t) not in avoid["headings"]
                                and not any(p in t for p in avoid["retold"])] or pool

    def _collect(self, obj, key):
        if isinstance(obj, dict):
            for k, v in obj.items():
                self._collect(v, k)
        elif isinstance(obj, list):
            for v in obj:
                self._collect(v, key)
        elif isinstance(obj, str) and not MARKUP.search(obj):
            if key in TEXT_KEYS:
                # Only sentences whose quotes and brackets balance on their own: re-drawn prose must
                # pass the copy check like real prose does.
                self.sentences.setdefault(key, []).extend(s for s in SENTENCE.findall(obj) if s.strip() and _balanced(s))
            elif key in TITLE_KEYS:
                self.titles.setdefault(key, []).append(obj)

    def prose(self, key: str, original: str, rng: random.Random) -> str:
        pool = self.sentences.get(key)
        if not pool or MARKUP.search(original):
            return original  # Markdown lists and the like stay as written
        n = max(1, len(SENTENCE.findall(original)))
        return "".join(rng.choice(pool) for _ in range(n))

    def title(self, key: str, original: str, rng: random.Random) -> str:
        pool = self.titles.get(key)
        return rng.choice(pool) if pool else original


def _heading_and_blank_phrases(data: dict) -> dict[str, set[str]]:
    headings: set[str] = set()
    retold: set[str] = set()
    for d in (data.get("documents") or {}).get("documents", []):
        path = ROOT / "data" / "sources" / d.get("file", "")
        if path.is_file():
            paragraphs = tuple(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())
            headings |= {norm_title(t) for t in headings_of(paragraphs).values()}
        for b in d.get("blanks", []):
            retold |= set(b.get("retold_if", []))
    return {"headings": headings, "retold": retold}


def transform(obj, j: int, vocab: Vocabulary, rng: random.Random, key: str | None = None, doc_j: int | None = None):
    """Copy j of one item: new ids, own document copies (doc_j: another copy's), re-drawn prose."""
    doc_j = j if doc_j is None else doc_j
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "id":
                out[k] = sid(v, j)
            elif k == "doc":
                out[k] = dv(v, doc_j)
            elif k in ("related", "rules"):
                out[k] = [sid(x, j) for x in v]
            elif k in KEEP_KEYS or j == 0:
                out[k] = transform(v, j, vocab, rng, k, doc_j) if j == 0 else copy.deepcopy(v)
            elif k in TEXT_KEYS and isinstance(v, str):
                out[k] = vocab.prose(k, v, rng)
            elif k in TITLE_KEYS and isinstance(v, str):
                out[k] = vocab.title(k, v, rng)
            elif k == "pinyin":
                continue  # the term changed: let the build derive its pinyin
            else:
                out[k] = transform(v, j, vocab, rng, k, doc_j)
        return out
    if isinstance(obj, list):
        return [transform(v, j, vocab, rng, key, doc_j) for v in obj]
    return obj


# The item lists that grow, per data file, from the section table; intros stay single.
# A section without items (the quiz: its answers are checked against the real paragraphs) stays as it is.
GROWING = {sec.key: next((i.field for i in sec.items if not i.single), None)
           for sec in sections.DATA_SECTIONS if sec.key != "documents"}


def scaled_data(data: dict[str, dict], factor: int, cite_real_documents: bool = False) -> dict[str, dict]:
    vocab = Vocabulary(data)
    out: dict[str, dict] = {}
    for name, content in data.items():
        if name == "documents":
            continue
        list_key = GROWING[name]
        if list_key is None:
            out[name] = content
            continue
        items = content[list_key]
        rng = random.Random(f"{name}:{factor}")
        grown = []
        for j in range(factor):
            for item in items:
                new = transform(item, j, vocab, rng, doc_j=0 if cite_real_documents else j) if j else copy.deepcopy(item)
                if name == "principles":
                    new["number"] = item["number"] + j * len(items)
                if name == "phases":
                    new["order"] = item["order"] + j * len(items)
                grown.append(new)
        out[name] = {**content, list_key: grown}
    return out


def make_scaled(dest: Path, factor: int, src: Path = ROOT, cite_real_documents: bool = False) -> dict:
    """Write a project copy with `factor` times the real items; return its counts.

    cite_real_documents: every copy cites the two real documents (the document copies and their
    pages still exist), so the citers per source paragraph grow with the factor: the worst case
    for back-links.
    """
    copy_project(dest, src)
    data_dir = dest / "data"
    data = {name: yaml.load((data_dir / f"{name}.yml").read_text("utf-8"), Loader=Loader)
            for name in ["documents", *GROWING]}
    if factor > 1:
        grown = scaled_data(data, factor, cite_real_documents)
        # Documents: copy j of each real document, a byte-identical text under a new file name.
        docs = []
        for j in range(factor):
            for d in data["documents"]["documents"]:
                if j == 0:
                    docs.append(d)
                    continue
                text = (data_dir / "sources" / d["file"]).read_bytes()
                stem, ext = d["file"].rsplit(".", 1)
                new = {**copy.deepcopy(d), "id": dv(d["id"], j), "file": f"{stem}-v{j}.{ext}",
                       "title": f"{d['title']}（第{j + 1}辑）", "short_title": f"{d['short_title']}（{j + 1}）"}
                if "sources" in new:
                    new["sources"] = [{**s, "doc": dv(s["doc"], j)} for s in new["sources"]]
                (data_dir / "sources" / new["file"]).write_bytes(text)
                docs.append(new)
        grown["documents"] = {"documents": docs}
        for name, content in grown.items():
            path = data_dir / f"{name}.yml"
            head = path.read_text("utf-8").split("\n", 1)[0]  # the schema line
            body = yaml.dump(content, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=10_000)
            path.write_text(f"{head}\n# 合成的基准测试数据：真实条目的 {factor} 倍。\n{body}", "utf-8")
    return counts(dest)


def counts(project: Path) -> dict:
    """Items and pages of a project (the data as the build will see it)."""
    data = {p.stem: yaml.load(p.read_text("utf-8"), Loader=Loader) for p in (project / "data").glob("*.yml")}
    c = {
        "documents": len(data["documents"]["documents"]),
        "principles": len(data["principles"]["principles"]),
        "phases": len(data["phases"]["phases"]),
        "requirement_lists": len(data["requirements"]["lists"]),
        "requirements": sum(len(x["items"]) for x in data["requirements"]["lists"]),
        "problem_groups": len(data["problems"]["groups"]),
        "problems": sum(len(x["problems"]) for x in data["problems"]["groups"]),
        "bodies": len(data["organisation"]["bodies"]),
        "events": len(data["events"]["events"]),
        "terms": len(data["glossary"]["terms"]),
        "faq_groups": len(data["faq"]["groups"]),
        "questions": sum(len(x["questions"]) for x in data["faq"]["groups"]),
    }
    c["items"] = sum(v for k, v in c.items())
    c["pages"] = sum(1 for _ in (project / "docs").rglob("*.md")) + c["documents"] + c["phases"]  # + generated
    c["data_bytes"] = sum(p.stat().st_size for p in (project / "data").rglob("*") if p.is_file())
    return c
