"""学习手册 as PDF: the handbook's standalone HTML (handbook.py) through WeasyPrint.

Fonts come from Debian's fonts-noto-cjk through fontconfig; WeasyPrint embeds the subsets it uses.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .paths import ROOT

FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC")
SITE_PATH = "downloads/handbook.pdf"  # where the PDF goes in the built site


class PdfError(Exception):
    pass


def missing_fonts() -> list[str]:
    """The CJK fonts the print stylesheet names that fontconfig cannot find."""
    try:
        listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return list(FONTS)
    families = {f.strip() for line in listed.splitlines() for f in line.split(",")}
    return [f for f in FONTS if f not in families]


def write_pdf(out: Path, root: Path = ROOT) -> dict:
    """Check the content, then write the handbook PDF to `out` atomically. Returns pages and bytes."""
    from .checks import check
    from .errors import DataError
    from .handbook import handbook_html

    missing = missing_fonts()
    if missing:
        raise PdfError(f"缺少字体：{'、'.join(missing)}。请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）。")
    try:
        kb = check(root)
    except DataError as e:
        raise PdfError(e.report()) from None
    import weasyprint

    doc = weasyprint.HTML(string=handbook_html(kb, root), base_url=str(root)).render()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".handbook-", suffix=".pdf", dir=out.parent)
    os.close(fd)
    try:
        doc.write_pdf(tmp)  # WeasyPrint embeds subsets of the fonts it used
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    bookmarks = [b[0] for b in doc.make_bookmark_tree()]  # (label, target, children, state)
    return {"pages": len(doc.pages), "bytes": out.stat().st_size, "bookmarks": bookmarks}
