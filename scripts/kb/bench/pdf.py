"""Benchmark of the handbook PDF: wall time and peak memory of `write_pdf` at 1× and 10× content.

usage: python -m kb.bench.pdf [FACTOR ...]      (default: 1 10)
Each factor: a scaled project copy (synth.make_scaled) under bench/tmp/, then one PDF build in a
child process; wall time from start to exit, peak resident memory from the child's rusage.
`kb bench` runs the same measurement (--pdf-scales, default 1,10) and reports it in its table.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import TMP
from .synth import make_scaled

CHILD = ("import sys; from pathlib import Path; from kb.handbookpdf import write_pdf; "
         "import json; print(json.dumps(write_pdf(Path(sys.argv[1]) / 'handbook.pdf', Path(sys.argv[1]))))")


def measure(factor: int, project: Path | None = None) -> dict:
    """One PDF build of `project` (default: a fresh copy scaled by `factor`)."""
    if project is None:
        project = TMP / f"pdf-{factor}x"
        shutil.rmtree(project, ignore_errors=True)
        make_scaled(project, factor)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(project)], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        raise RuntimeError(f"PDF build at {factor}x failed (status {status})")
    info = json.loads(out.strip().splitlines()[-1])
    return {"factor": factor, "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024), "pages": info["pages"], "bytes": info["bytes"]}


def main(argv: list[str]) -> int:
    for factor in [int(a) for a in argv] or [1, 10]:
        print(json.dumps(measure(factor)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
