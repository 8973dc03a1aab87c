"""Preview latency: from saving a data edit to `kb serve` serving the updated page.

`make serve` runs `kb serve` (MkDocs' server, polling for changes every 0.05 s) from the project
root; here the same command runs on a scratch copy of the project (the real data/ is never touched) on a
free port. Each sample changes the first glossary definition to carry a new marker, then
polls the glossary page every 20 ms until the marker is served. The time includes the
file watcher (the system's change events), its 0.1 s build delay and the rebuild (with the build
cache, every unchanged page, segment and template is reused).

Each edit is made on an idle preview: after the previous sample, the bench waits until the server's
log says the build is done (MkDocs logs "Documentation built in …" at the end of every build; the
marker is served as soon as the page is written, while the build still writes the search index),
then one more second. An edit made while a build still runs would also count that build's end.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ..harness.servers import free_port, wait_for_text as _wait_for
from .common import ENV, PY, TMP, copy_project, median


def measure_previews(source: Path, scales: list[int], samples: int = 3) -> dict:
    """preview.<scale>: the same one-entry edit on the real site (1×) and on the scaled copies."""
    out = {}
    for f in scales:
        src = source if f == 1 else TMP / f"scale-{f}x"
        if f != 1 and not src.is_dir():
            from . import synth

            synth.make_scaled(src, f, src=source)
        out[f"{f}x"] = measure_preview(samples, source=src, tag=f"{f}x", limit=60 if f < 100 else 600)
    return out


def measure_preview(samples: int = 3, source: Path | None = None, tag: str = "1x", limit: float = 60) -> dict:
    project = copy_project(TMP / f"preview-project-{tag}", **({"src": source} if source else {}))
    port = free_port()
    log = TMP / "runs" / f"preview-serve-{tag}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(PY), "-m", "kb", "serve", "--addr", f"127.0.0.1:{port}"], cwd=project, env=ENV,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/glossary/"
    out: dict = {"page": "/glossary/", "edit": "data/glossary.yml: first definition", "samples_s": []}
    try:
        started = _wait_for(url, "术语表", limit * 2)
        if started is None:
            raise RuntimeError(f"mkdocs serve did not start (log: {log})")
        out["serve_start_s"] = started
        glossary = project / "data" / "glossary.yml"
        original = glossary.read_text("utf-8")
        for i in range(samples):
            _wait_for_builds(log, i + 1, limit)  # the start's build, then each sample's
            time.sleep(1.0)  # let the watcher settle after the previous rebuild
            marker = f"预览计时标记{i}号"
            glossary.write_text(original.replace("definition: ", f"definition: {marker}", 1), "utf-8")
            t = _wait_for(url, marker, limit)
            out["samples_s"].append(t)
        out["median_s"] = median(out["samples_s"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def _wait_for_builds(log: Path, count: int, limit: float) -> None:
    """Until the preview's log reports `count` finished builds."""
    deadline = time.monotonic() + limit
    while log.read_text("utf-8", errors="replace").count("Documentation built in") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the preview did not finish build {count} (log: {log})")
        time.sleep(0.05)
