"""Print the nginx server block for a published site (deploy/nginx/kb.conf.in filled in).

`kb nginx --root /srv/kb/current [--base /kb/] [--listen 80] [--allow "10.0.0.0/8 ::1"]` prints it.
The networks allowed to read the site are those of deploy/nginx/allowed-networks.conf unless
--allow names others; every other address gets 403.
"""
import ipaddress
import re
from pathlib import Path

from .paths import ROOT

NGINX = ROOT / "deploy" / "nginx"
ALLOWED = NGINX / "allowed-networks.conf"


def allowed_networks(spec: str | None = None) -> list[str]:
    """The allowed networks, checked: from spec (space or comma separated) or the one config file."""
    if spec is None:
        words = [w for line in ALLOWED.read_text("utf-8").splitlines() for w in line.split("#", 1)[0].split()]
        origin = str(ALLOWED.relative_to(ROOT))
    else:
        words, origin = spec.replace(",", " ").split(), "--allow"
    out = []
    for w in words:
        try:
            out.append(str(ipaddress.ip_network(w, strict=False)))
        except ValueError:
            raise ValueError(f"{origin}: “{w}”不是 IP 地址或网段（例如 10.0.0.0/8、192.168.1.10）。") from None
    if not out:
        raise ValueError(f"{origin}: 没有列出任何允许访问的网络，所有人都会得到 403。")
    return out


def render(root: str, base: str = "/", listen: str = "80", allow: str | None = None) -> str:
    from . import csp

    if not base.startswith("/") or not base.endswith("/"):
        raise ValueError(f"--base 必须以 / 开头并以 / 结尾，例如 /kb/，而不是 {base!r}")
    headers = "\n".join("        " + line for line in (NGINX / "security-headers.conf").read_text("utf-8").splitlines()
                        if line.strip() and not line.startswith("#")).replace("@CSP@", csp.header())
    access = "\n".join(f"    allow {n};" for n in allowed_networks(allow)) + "\n    deny all;"
    text = (NGINX / "kb.conf.in").read_text("utf-8")
    for key, value in {"@ROOT@": root.rstrip("/"), "@BASE_RE@": re.escape(base), "@BASE@": base,
                       "@LISTEN@": listen, "@HEADERS@": headers, "@ACCESS@": access}.items():
        text = text.replace(key, value)
    return text
