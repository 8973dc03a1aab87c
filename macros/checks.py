"""Whole-project content checks shared by scripts/check and the build."""
from __future__ import annotations

import sys
from pathlib import Path

from .content import KnowledgeBase, load
from .errors import DataError, Problem


def page_problems(kb: KnowledgeBase, docs_dir: Path) -> list[Problem]:
    """Every item must have the page it is linked to (e.g. a new phase needs docs/phases/<id>.md)."""
    out = []
    for page in sorted(kb.pages()):
        if not (docs_dir / page).is_file():
            owner = next(e for e in kb.entries if e.page == page)
            out.append(Problem(f"data/{owner.file}.yml", 0, owner.id or "",
                               f"条目“{owner.title}”要显示在 docs/{page}，但这个页面不存在。请新建该页面。"))
    return out


def check(root: Path) -> KnowledgeBase:
    """Load and validate everything; raise DataError with every problem."""
    kb = load(root / "data")
    problems = page_problems(kb, root / "docs")
    if problems:
        raise DataError(problems)
    from .tags import load_tags

    load_tags(root, kb)  # data/tags.yml: declared tags, known item ids
    return kb


def main(root: Path) -> int:
    try:
        kb = check(root)
    except DataError as e:
        print(e.report(), file=sys.stderr)
        return 1
    counts = {"原文段落": sum(len(d.paragraphs) for d in kb.documents.values())}
    for e in kb.entries:
        if e.id:
            counts[e.kind] = counts.get(e.kind, 0) + 1
    print("内容检查通过：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0
