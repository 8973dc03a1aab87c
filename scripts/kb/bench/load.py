"""Load on the real web server: wrk against nginx on 127.0.0.1 serving a published release.

Three targets, as a reader's browser asks for them: a content page (HTML), a fingerprinted
asset (Material's JavaScript bundle) and the search index, each with gzip accepted. Requests
are bounded in time and stay on the loopback interface.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..harness.nginx import nginx
from ..harness.servers import free_port
from ..paths import ROOT

WRK = shutil.which("wrk") or "/usr/bin/wrk"


def _parse(out: str) -> dict:
    """requests/s, latency and errors from wrk's summary."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    lat = re.search(r"Latency\s+([\d.]+)(\w+)", out)
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "latency_avg_ms": round(float(lat.group(1)) * unit.get(lat.group(2), 1.0), 3) if lat else None,
        "errors": errors,
    }


def run(seconds: int = 5, connections: int = 32, threads: int = 2) -> dict:
    """Publish the current tree into a scratch DEST, serve it with nginx, and load three URLs."""
    if not Path(WRK).exists():
        return {"skipped": "wrk is missing (Debian package wrk; make bench installs it as root)"}
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        dest = Path(tmp) / "dest"
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        published = subprocess.run([sys.executable, "-m", "kb", "publish", str(dest), "--url", url],
                                   cwd=ROOT, capture_output=True, text=True)
        if published.returncode != 0:
            raise RuntimeError(published.stdout + published.stderr)
        current = dest / "current"
        bundle = next((current / "assets" / "javascripts").glob("bundle.*.min.js")).name
        targets = {
            "page (faq/)": "faq/",
            "fingerprinted asset": f"assets/javascripts/{bundle}",
            "search index": "search/search_index.json",
        }
        results = {"seconds": seconds, "connections": connections, "threads": threads}
        with nginx(current, Path(tmp) / "nginx", "/", port) as base:
            for label, path in targets.items():
                out = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                                      "-H", "Accept-Encoding: gzip", base + path],
                                     capture_output=True, text=True, timeout=seconds + 30)
                results[label] = {"url": "/" + path, **_parse(out.stdout)}
        return results
