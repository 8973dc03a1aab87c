"""Preview latency: from saving a data edit to `mkdocs serve` serving the updated page.

`make serve` runs `mkdocs serve --dev-addr 127.0.0.1:8000` from the project root; here the
same command runs on a scratch copy of the project (the real data/ is never touched) on a
free port. Each sample changes the first glossary definition to carry a new marker, then
polls the glossary page every 20 ms until the marker is served. The time includes MkDocs'
file watcher (a polling observer, 0.5 s interval), its 0.1 s build delay and the full
rebuild that `mkdocs serve` does on every change.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ..harness.servers import free_port, wait_for_text as _wait_for
from .common import ENV, MKDOCS, TMP, copy_project, median


def measure_preview(samples: int = 3, source: Path | None = None) -> dict:
    project = copy_project(TMP / "preview-project", **({"src": source} if source else {}))
    port = free_port()
    log = TMP / "runs" / "preview-serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(MKDOCS), "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=project, env=ENV,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/glossary/"
    out: dict = {"page": "/glossary/", "edit": "data/glossary.yml: first definition", "samples_s": []}
    try:
        started = _wait_for(url, "术语表", 120)
        if started is None:
            raise RuntimeError(f"mkdocs serve did not start (log: {log})")
        out["serve_start_s"] = started
        glossary = project / "data" / "glossary.yml"
        original = glossary.read_text("utf-8")
        for i in range(samples):
            time.sleep(1.0)  # let the watcher settle after the previous rebuild
            marker = f"预览计时标记{i}号"
            glossary.write_text(original.replace("definition: ", f"definition: {marker}", 1), "utf-8")
            t = _wait_for(url, marker, 60)
            out["samples_s"].append(t)
        out["median_s"] = median(out["samples_s"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out
