"""Record the digests of Material's inline scripts (deploy/csp/material-inline-scripts.json).

`kb material-scripts` records the installed theme's scripts (after someone has read them);
`kb material-scripts --check` exits 1 when the installed theme's scripts differ from the record.
Publish moves only these scripts out of the pages (inlinescripts.py); after a Material upgrade,
read the scripts of material/templates/partials/javascripts/*.html, then record them.
"""
from __future__ import annotations

import json
import sys

from . import inlinescripts


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problem = inlinescripts.drift()
        if problem:
            print(problem, file=sys.stderr)
            return 1
        return 0
    inlinescripts.RECORD.parent.mkdir(parents=True, exist_ok=True)
    record = inlinescripts.expected_record()
    inlinescripts.RECORD.write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    return 0
