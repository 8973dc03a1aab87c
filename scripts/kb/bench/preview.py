"""Preview latency: from saving a data edit to `kb serve` serving the updated page.

`make serve` runs `kb serve` (MkDocs' server, polling for changes every 0.05 s) from the project
root; here the same command runs on a scratch copy of the project (the real data/ is never touched) on a
free port. Each sample changes the first glossary definition to carry a new marker, then
polls the glossary page every 20 ms until the marker is served. The time includes the
file watcher (the system's change events), its 0.1 s build delay and the rebuild (with the build
cache, every unchanged page, segment and template is reused).

`median_s` is an edit on an idle preview: after the previous sample the bench waits until the
server's log says the rebuild is done (MkDocs logs "Reloading browsers") and the server process
has used no CPU for half a second (a preview frees the previous build's memory once it is done),
then one more second. `soon_median_s` is the same edit made one second after the previous one was
served, as an editor saving twice in quick succession does: it may also wait for that clean-up.
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
    proc = subprocess.Popen([str(PY), "-m", "kb", "serve", "--addr", f"127.0.0.1:{port}"], cwd=project, env={**ENV, "PYTHONUNBUFFERED": "1"},  # the log is read as it is written
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
        out["soon_samples_s"] = []
        for i in range(2 * samples):
            idle = i < samples
            _wait_for_reloads(log, i, limit)  # each sample's build is over
            if idle:
                _wait_until_quiet(proc.pid, limit)
            time.sleep(1.0)  # let the watcher settle after the previous rebuild
            marker = f"预览计时标记{i}号"
            glossary.write_text(original.replace("definition: ", f"definition: {marker}", 1), "utf-8")
            t = _wait_for(url, marker, limit)
            out["samples_s" if idle else "soon_samples_s"].append(t)
        out["median_s"] = median(out["samples_s"])
        out["soon_median_s"] = median(out["soon_samples_s"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def _wait_for_reloads(log: Path, count: int, limit: float) -> None:
    """Until the preview's log reports `count` rebuilds done ("[time] Reloading browsers" ends each;
    MkDocs does not repeat a message it just logged, such as "Documentation built in 0.15 seconds")."""
    deadline = time.monotonic() + limit
    while log.read_text("utf-8", errors="replace").count("Reloading browsers") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the preview did not finish rebuild {count} (log: {log})")
        time.sleep(0.05)


def _wait_until_quiet(pid: int, limit: float, quiet: float = 0.5) -> None:
    """Until the process has used no CPU for `quiet` seconds (Linux's /proc; elsewhere at once)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return
    deadline = time.monotonic() + limit

    def cpu() -> int:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    last, since = cpu(), time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the preview (pid {pid}) did not go quiet")
        time.sleep(0.1)
        now = cpu()
        if now != last:
            last, since = now, time.monotonic()
