"""A content-addressed build cache: what does not change between two builds is not redone.

Entries are pickles under .cache/kb/<kind>/ (outside site/, git-ignored, safe to delete at any
time), named by the SHA-256 of everything the result depends on, including the code that makes
it: a changed input or a changed module gives a new key, never a stale result. KB_CACHE=off
turns the cache off (the tests build both ways and compare the sites byte for byte).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable

_code_digest: dict[str, bytes] = {}


def enabled() -> bool:
    return os.environ.get("KB_CACHE", "on").lower() not in ("off", "0", "no", "false")


def cache_dir() -> Path:
    from .paths import find_root

    return Path(os.environ.get("KB_CACHE_DIR") or find_root() / ".cache" / "kb")


def code_digest(*modules: str) -> bytes:
    """The source of the named kb modules (and the versions of the libraries they lean on)."""
    key = ",".join(modules)
    if key not in _code_digest:
        from importlib import metadata

        h = hashlib.sha256()
        here = Path(__file__).parent
        for name in modules:
            h.update((here / f"{name}.py").read_bytes())
        for dist in ("PyYAML", "pydantic", "jieba", "mkdocs-material"):
            h.update(metadata.version(dist).encode())
        _code_digest[key] = h.digest()
    return _code_digest[key]


def key_of(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def cached(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """compute(), or its earlier result for the same key."""
    if not enabled():
        return compute()
    path = cache_dir() / kind / key[:2] / f"{key}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError):
        pass  # absent or unreadable: compute it again
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers never see half a file
    except OSError:
        pass  # a read-only checkout still builds, just without the cache
    return value


_tables: dict[Path, "Table"] = {}


_written: set[Path] = set()  # tables this process has written to disk


class Table:
    """A persisted dict for many small results (one pickle per kind and code version).

    Keys must already be content hashes (or the content itself) plus everything else the value
    depends on. Entries not used by a build are dropped when it saves, so the table holds one
    build's worth. `Table.open` keeps one instance per process: `mkdocs serve` rebuilds read the
    previous build's results from memory, not from disk.
    """

    @classmethod
    def open(cls, kind: str, version: bytes) -> "Table":
        path = cache_dir() / kind / f"{key_of(version)}.pickle"
        table = _tables.get(path)
        if table is None or not enabled():
            table = _tables[path] = cls(path)
        return table

    def __init__(self, path: Path):
        self.path = path
        self.old: dict = {}
        self.new: dict = {}
        if enabled():
            try:
                with self.path.open("rb") as f:
                    self.old = pickle.load(f)
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError):
                self.old = {}

    def get(self, key, compute: Callable[[], Any]) -> Any:
        if not enabled():
            return compute()
        if key in self.new:
            return self.new[key]
        value = self.old[key] if key in self.old else compute()
        self.new[key] = value
        return value

    def peek(self, key) -> Any:
        """The stored value (kept for this build), or None."""
        if not enabled():
            return None
        if key in self.new:
            return self.new[key]
        if key in self.old:
            value = self.new[key] = self.old[key]
            return value
        return None

    def put(self, key, value) -> None:
        if enabled():
            self.new[key] = value

    def save(self) -> None:
        """Persist this build's entries; they become what the next build starts from.

        Written to disk once per process: a preview's later rebuilds start from the table in
        memory, and pickling a table at 100 times the content took a second of every rebuild."""
        changed = self.new.keys() != self.old.keys()
        self.old, self.new = self.new, {}
        if not enabled() or not changed or self.path in _written:
            return
        _written.add(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for stale in self.path.parent.glob("*.pickle"):  # another code version's table
                if stale != self.path:
                    stale.unlink(missing_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(self.old, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass
