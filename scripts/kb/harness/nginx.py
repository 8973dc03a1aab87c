"""Start Debian's nginx on 127.0.0.1 with the project's configuration, and stop it again."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from ..nginxconf import render
from .servers import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The workers run as the test's own user: pytest's temporary directories are private (0700).
MAIN_CONF = """{user}worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {run}/access.log;
  client_body_temp_path {run}/body; proxy_temp_path {run}/proxy; fastcgi_temp_path {run}/fastcgi;
  uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;
  include {run}/kb.conf;
}}
"""


def render_conf(root: Path, base: str, listen: str) -> str:
    return render(str(root), base, listen)


@contextmanager
def nginx(site_root: Path, run_dir: Path, base: str = "/", port: int | None = None):
    """Serve site_root under base; yields the base URL. Logs stay in run_dir."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: run `make test`, which installs Debian's nginx")
    run_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    (run_dir / "kb.conf").write_text(render_conf(site_root, base, f"127.0.0.1:{port}"), "utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (run_dir / "nginx.conf").write_text(MAIN_CONF.format(run=run_dir, user=user), "utf-8")
    test = subprocess.run([NGINX, "-t", "-c", str(run_dir / "nginx.conf"), "-p", str(run_dir)], capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(test.stderr)
    proc = subprocess.Popen([NGINX, "-c", str(run_dir / "nginx.conf"), "-p", str(run_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}{base}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {(run_dir / 'error.log').read_text() if (run_dir / 'error.log').exists() else ''}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
