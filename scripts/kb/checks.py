"""Whole-project content checks shared by `kb check` and the build."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from .content import KnowledgeBase, load
from .errors import DataError, Problem

# One validated knowledge base per content state: the MkDocs plugin, the macros and a
# preview rebuild of unchanged data all get the same object without loading twice.
_memo: dict[tuple[str, str], KnowledgeBase] = {}


def data_digests(data_dir: Path) -> dict[str, str]:
    """data/-relative path -> sha256 of the file, for every data file."""
    return {path.relative_to(data_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and "schemas" not in p.parts)}


def data_fingerprint(data_dir: Path, digests: dict[str, str] | None = None) -> str:
    h = hashlib.sha256()
    for rel, digest in (data_digests(data_dir) if digests is None else digests).items():
        h.update(rel.encode() + b"\0")
        h.update(bytes.fromhex(digest))
    return h.hexdigest()


def check(root: Path) -> KnowledgeBase:
    """Load and validate everything under root/data; raise DataError with every problem."""
    data_dir = Path(root) / "data"
    digests = data_digests(data_dir)
    key = (str(data_dir.resolve()), data_fingerprint(data_dir, digests))
    kb = _memo.get(key)
    if kb is None:
        kb = load(data_dir)
        from .tags import load_tags

        kb.tagging = load_tags(Path(root), kb)  # data/tags.yml: declared tags, known item ids
        kb.file_digests, kb.fingerprint = digests, key[1]
        _memo.clear()  # only the newest state is worth keeping
        _memo[key] = kb
    return kb


def check_pages(root: Path, kb: KnowledgeBase | None, links: bool = True) -> list[Problem]:
    """Pages in docs/: macro syntax, names and arguments, and (links=True) links and anchors
    (kb None: what can be checked without data)."""
    from .pagecheck import page_checker

    checker = page_checker(Path(root), kb)
    checker.links = links
    return checker.check_all()


def check_everything(root: Path, copy: bool = True) -> KnowledgeBase:
    """Data and pages together, so an editor sees every problem in one run; raises DataError."""
    problems: list[Problem] = []
    kb = None
    try:
        kb = check(root)
    except DataError as e:
        problems += e.problems
    problems += check_pages(root, kb)
    if copy:
        from .copycheck import problems as copy_problems

        problems += copy_problems(Path(root))
    if problems:
        raise DataError(problems)
    return kb


def main(root: Path, copy: bool = True) -> int:
    try:
        kb = check_everything(root, copy=copy)
    except DataError as e:
        print(e.report(), file=sys.stderr)
        return 1
    counts = {"原文段落": sum(len(d.paragraphs) for d in kb.documents.values())}
    for e in kb.entries:
        if e.id:
            counts[e.kind] = counts.get(e.kind, 0) + 1
    print("内容检查通过：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0
