"""Shared plumbing: paths, child processes with their own peak memory, medians, gzip sizes."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..harness.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - re-exported for the bench modules
from ..harness.servers import free_port  # noqa: F401
from ..paths import ROOT

BENCH = ROOT / "bench"
TMP = BENCH / "tmp"
PY = Path(sys.executable)
MKDOCS = PY.with_name("mkdocs")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUTF8": "1"}

# What a project copy leaves out: everything else (mkdocs.yml, docs/, data/, macros/, theme
# overrides, hooks, vendored files ...) is copied, so that new build inputs are never missed.
NOT_COPIED = {".git", ".venv", ".lock-venv", "bench", "site", "dist", "tests", ".pytest_cache", ".cache", "__pycache__"}

def copy_project(dest: Path, src: Path = ROOT) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for s in src.iterdir():
        if s.name in NOT_COPIED or s.name.startswith((".site-build-", ".site-old-")):
            continue
        if s.is_dir():
            shutil.copytree(s, dest / s.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(s, dest / s.name)
    return dest


def run_measured(cmd: list[str], cwd: Path, log: Path, timeout: float = 900, env: dict | None = None) -> dict:
    """Run cmd as a child; return its wall time, CPU time, exit code and its own peak RSS (bytes).

    os.wait4 gives the rusage of exactly this child, so the peak memory is per build,
    not the maximum over every child the benchmark has started.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env={**ENV, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "rc": proc.returncode, "peak_rss_bytes": usage.ru_maxrss * 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def gz_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def tree_size(root: Path) -> tuple[int, int, int]:
    """(files, bytes, gzipped bytes) of every file below root."""
    n = raw = gz = 0
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            n += 1
            raw += len(data)
            gz += gz_size(data)
    return n, raw, gz


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
