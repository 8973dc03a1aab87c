"""A loopback static server for a built site, and free ports."""
from __future__ import annotations

import functools
import http.server
import socket
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - test and bench noise
        pass


class SiteServer:
    """Serves `site` on 127.0.0.1 (on `port`, or a free one) while the context is open."""

    def __init__(self, site: Path, port: int = 0):
        handler = functools.partial(_Quiet, directory=str(site))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.site = site

    def __enter__(self) -> "SiteServer":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def file_for(self, url: str) -> Path | None:
        """The file behind a URL of this server, or None."""
        if not url.startswith(self.base):
            return None
        path = unquote(urlsplit(url).path)
        target = self.site / path.lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        return target if target.is_file() else None


def fetch_text(url: str, timeout: float = 30) -> str:
    """The body of url as text, or "" while the server is not answering."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read().decode("utf-8")
    except OSError:
        return ""


def wait_for_text(url: str, text: str, limit: float = 60, interval: float = 0.02) -> float | None:
    """Seconds until url serves a body containing text, or None after `limit` seconds."""
    import time

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        if text in fetch_text(url):
            return time.perf_counter() - t0
        time.sleep(interval)
    return None
