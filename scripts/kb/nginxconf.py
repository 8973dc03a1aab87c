"""Print the nginx server block for a published site (deploy/nginx/kb.conf.in filled in).

`kb nginx --root /srv/kb/current [--base /kb/] [--listen 80]` prints it.
"""
import re
from pathlib import Path

from .paths import ROOT

NGINX = ROOT / "deploy" / "nginx"


def render(root: str, base: str = "/", listen: str = "80") -> str:
    if not base.startswith("/") or not base.endswith("/"):
        raise ValueError(f"--base 必须以 / 开头并以 / 结尾，例如 /kb/，而不是 {base!r}")
    headers = "\n".join("        " + line for line in (NGINX / "security-headers.conf").read_text("utf-8").splitlines()
                        if line.strip() and not line.startswith("#"))
    text = (NGINX / "kb.conf.in").read_text("utf-8")
    for key, value in {"@ROOT@": root.rstrip("/"), "@BASE_RE@": re.escape(base), "@BASE@": base,
                       "@LISTEN@": listen, "@HEADERS@": headers}.items():
        text = text.replace(key, value)
    return text
