"""A record of changes, from git: when each page's content last changed, and what changed item
by item (新增问答“…”, 修改术语“…”, 删除…), computed by comparing data/ between commits, not
from commit messages. Each commit's comparison is cached under .cache/changes/ (commits never
change), so a build only compares the commits it has not seen. Without git (a build from an
archive) dates come from the files themselves and the record is empty. No MkDocs here.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import sections

CACHE_DIR = ".cache/changes"
CACHE_VERSION = 4
TITLE_FIELDS = ("q", "term", "title", "name", "short_title", "label")


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _git(root: Path, *args: str) -> str | None:
    try:
        r = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=60,
                           env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.decode("utf-8", "replace") if r.returncode == 0 else None


def _in_git(root: Path) -> bool:
    top = _git(root, "rev-parse", "--show-toplevel")
    return bool(top) and Path(top.strip()).resolve() == root.resolve()


# ---- when each file last changed ------------------------------------------------------------


@lru_cache(maxsize=4)
def _last_commit_dates(root_str: str, head: str) -> dict[str, date]:
    """path -> date of the newest commit touching it, in one pass over the history."""
    root = Path(root_str)
    out: dict[str, date] = {}
    log = _git(root, "log", "--format=%x00%cI", "--name-only", "--no-renames", "--", "data", "docs") or ""
    current: date | None = None
    for line in log.split("\n"):
        if line.startswith("\0"):
            current = datetime.fromisoformat(line[1:].strip()).date()
        elif line.strip() and current is not None:
            out.setdefault(line.strip(), current)
    return out


def _dirty(root: Path) -> set[str]:
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", "data", "docs") or ""
    return {line[3:].strip().split(" -> ")[-1] for line in status.split("\n") if line.strip()}


@dataclass(frozen=True)
class GitState:
    """What git says about the working tree, taken once per build (three git calls)."""

    committed: dict[str, date]  # path -> date of the newest commit touching it
    dirty: frozenset[str]  # paths with uncommitted edits

    @classmethod
    def of(cls, root: Path) -> GitState:
        head = _git(root, "rev-parse", "HEAD") if _in_git(root) else None
        if not head:
            return cls({}, frozenset())
        return cls(_last_commit_dates(str(root.resolve()), head.strip()), frozenset(_dirty(root)))


def last_changed(root: Path, files: Iterable[str], state: GitState | None = None) -> date | None:
    """The newest change among files (project-relative): the last commit touching each, or the
    file's own time when it has uncommitted edits or there is no git."""
    files = [f for f in files if (root / f).exists()]
    if not files:
        return None
    state = state or GitState.of(root)
    dates: list[date] = []
    for f in files:
        if f in state.committed and f not in state.dirty:
            dates.append(state.committed[f])
        else:
            dates.append(datetime.fromtimestamp((root / f).stat().st_mtime, timezone.utc).date())
    return max(dates)


def page_files(root: Path, kb: Any, page: str) -> list[str]:
    """The files whose content a page shows: its own .md (if hand-written) and the data behind
    its macros (sections it shows, own-page items, source texts)."""
    out: list[str] = []
    md = root / "docs" / page
    text = md.read_text("utf-8-sig") if md.is_file() else ""
    if text:
        out.append(f"docs/{page}")
    used = set(re.findall(r"\{\{\s*(\w+)\s*\(", text))
    for sec in sections.SECTIONS:
        shows = sec.page == page or bool(used & set(sec.macros))
        if sec.key == "home" and shows:  # the home page counts everything
            out += [f"data/{s.data_file}" for s in sections.DATA_SECTIONS]
        elif shows and sec.data_file:
            out.append(f"data/{sec.data_file}")
    if "quote" in used:
        out.append("data/documents.yml")
    for e in kb.entries_on(page) if kb is not None else ():
        if not e.anchor:
            out.append(f"data/{e.file}.yml")
            if e.section == "documents" and e.id in kb.documents:
                out.append(f"data/sources/{kb.documents[e.id].meta.file}")
    return list(dict.fromkeys(out))


# ---- what changed, item by item --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    action: str  # 新增 | 修改 | 删除
    label: str  # 问答, 术语 …
    title: str
    id: str | None
    file: str


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # ISO date
    changes: tuple[Change, ...]


def _title(item: dict) -> str:
    for k in TITLE_FIELDS:
        v = item.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return str(item.get("id", ""))


def _own(item: dict) -> dict:
    """An item's own fields, without its nested items (they are compared on their own)."""
    return {k: v for k, v in item.items()
            if not (isinstance(v, list) and v and all(isinstance(x, dict) and "id" in x for x in v))}


def _items(data: Any, path: str) -> dict[str, tuple[str, str, str]]:
    """id -> (label, title, fingerprint) of every item with an id, following the section table:
    a group is 'changed' only when its own fields change, not when one of its items does."""
    out: dict[str, tuple[str, str, str]] = {}
    sec = next((s for s in sections.SECTIONS if s.data_file == Path(path).name), None)

    def add(item: dict, label: str) -> None:
        if isinstance(item.get("id"), str):
            out[item["id"]] = (label, _title(item), json.dumps(_own(item), ensure_ascii=False, sort_keys=True, default=str))

    def walk(parent: Any, specs: tuple) -> None:
        if not isinstance(parent, dict):
            return
        for spec in specs:
            value = parent.get(spec.field)
            for item in ([value] if spec.single else value) if isinstance(value, (list, dict)) else []:
                if isinstance(item, dict):
                    add(item, f"{sec.label}分组" if spec.children else sec.label)
                    walk(item, spec.children)

    if sec is not None:
        walk(data, sec.items)
    return out


def _load_at(root: Path, rev: str, path: str) -> Any:
    text = _git(root, "show", f"{rev}:{path}")
    if text is None:
        return None
    try:
        return yaml.load(text.lstrip("\ufeff"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None  # a commit with broken data: nothing to compare


def _label(path: str) -> str:
    stem = Path(path).stem
    for sec in sections.SECTIONS:
        if sec.key == stem:
            return sec.label
    return stem


def compare(root: Path, old: str | None, new: str) -> list[Change]:
    """Item-level differences of data/ between two commits (old None: the first commit)."""
    names = _git(root, "diff", "--name-only", "--no-renames", old or "4b825dc642cb6eb9a060e54bf8d69288fbee4904", new, "--", "data") or ""
    out: list[Change] = []
    for path in sorted(n for n in names.split("\n") if n.strip()):
        if path.startswith("data/sources/"):
            continue  # reported below, by document
        if not path.endswith(".yml") or path.startswith("data/schemas/"):
            continue
        before = _items(_load_at(root, old, path), path) if old else {}
        after = _items(_load_at(root, new, path), path)
        for item_id, (label, title, fp) in after.items():
            if item_id not in before:
                out.append(Change("新增", label, title, item_id, path))
            elif before[item_id][2] != fp:
                out.append(Change("修改", label, title, item_id, path))
        for item_id, (label, title, _) in before.items():
            if item_id not in after:
                out.append(Change("删除", label, title, item_id, path))
    # A corrected source text (its file changed, its entry did not).
    changed_sources = {Path(n).name for n in names.split("\n") if n.startswith("data/sources/")}
    if changed_sources:
        docs = _load_at(root, new, "data/documents.yml") or {}
        for d in docs.get("documents", []) if isinstance(docs, dict) else []:
            if isinstance(d, dict) and d.get("file") in changed_sources and not any(c.id == d.get("id") for c in out):
                out.append(Change("修改", "原文", _title(d), d.get("id"), f"data/sources/{d.get('file')}"))
    return out


def _cached(root: Path, sha: str, parent: str | None) -> list[Change]:
    path = root / CACHE_DIR / f"{sha}.json"
    try:
        raw = json.loads(path.read_text("utf-8"))
        if raw.get("v") == CACHE_VERSION and raw.get("parent") == parent:
            return [Change(**c) for c in raw["changes"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    changes = compare(root, parent, sha)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"v": CACHE_VERSION, "parent": parent, "changes": [asdict(c) for c in changes]},
                                  ensure_ascii=False), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout still builds, only slower
    return changes


def changelog(root: Path, limit: int = 30) -> list[Commit]:
    """The newest `limit` commits that changed data/, each with its item-level changes."""
    if not _in_git(root):
        return []
    log = _git(root, "log", f"-n{limit}", "--first-parent", "--format=%H %P%x00%cI", "--", "data") or ""
    out: list[Commit] = []
    for line in log.split("\n"):
        if not line.strip():
            continue
        shas, iso = line.split("\0")
        sha, *parents = shas.split()
        changes = _cached(root, sha, parents[0] if parents else None)
        if changes:
            out.append(Commit(sha, datetime.fromisoformat(iso.strip()).date().isoformat(), tuple(changes)))
    return out


def format_text(log: list[Commit]) -> str:
    lines = []
    for c in log:
        lines.append(f"{cn_date(date.fromisoformat(c.date))}（{c.sha[:7]}）")
        lines += [f"  {ch.action}{ch.label}“{ch.title}”" for ch in c.changes]
    return "\n".join(lines)


def merge_days(log: list[Commit]) -> dict[str, list[Change]]:
    """One line per item and day, newest day first: added then changed is 新增, added then
    deleted is nothing, changed twice is 修改 once."""
    days: dict[str, dict[tuple[str, str | None], Change]] = {}
    for c in log:
        days.setdefault(c.date, {})
    for c in reversed(log):  # oldest first within each day
        day = days[c.date]
        for ch in c.changes:
            key = (ch.file, ch.id or ch.title)
            prev = day.get(key)
            if prev is None:
                day[key] = ch
            elif prev.action == "新增" and ch.action == "删除":
                del day[key]
            elif prev.action == "新增":
                day[key] = Change("新增", ch.label, ch.title, ch.id, ch.file)
            elif prev.action == "删除" and ch.action == "新增":
                day[key] = Change("修改", ch.label, ch.title, ch.id, ch.file)
            else:
                day[key] = ch
    order = {"新增": 0, "修改": 1, "删除": 2}
    return {d: sorted(v.values(), key=lambda ch: order[ch.action]) for d, v in days.items() if v}


def render_changelog(kb: Any, link: Any, root: Path | None = None, limit: int = 30) -> str:
    """The 更新记录 page: by date, newest first; each change links to the item when it still exists."""
    from .paths import find_root

    root = root or find_root()
    log = changelog(root, limit)
    if not log:
        return "本网站是在没有版本历史（git）的情况下构建的，无法列出更新记录。"
    by_day = merge_days(log)
    out = [f"最近 {len(log)} 次内容修改，按日期从新到旧排列。点击条目可查看它现在的内容。"]
    for day, changes in by_day.items():
        out.append(f"## {cn_date(date.fromisoformat(day))}")
        rows = []
        for ch in changes:
            title = ch.title if len(ch.title) <= 40 else ch.title[:40] + "…"
            text = f"{ch.action}{ch.label}“{_md(title)}”"
            e = kb.by_id.get(ch.id) if ch.id and ch.action != "删除" else None
            rows.append(f"- [{text}]({link.entry(e)})" if e is not None else f"- {text}")
        out.append("\n".join(rows))
    return "\n\n".join(out) + "\n"


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)
