"""Debian's Chromium driven by Playwright (never `playwright install`)."""
from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class ChromiumMissing(RuntimeError):
    pass


def launch(playwright):  # noqa: ANN001 - playwright's sync API object
    if not Path(CHROMIUM).exists():
        raise ChromiumMissing(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (as root)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
