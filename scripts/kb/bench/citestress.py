"""Back-links, worst case: every synthetic copy cites the two real documents.

The scale copies give each copy its own documents, so citers per source paragraph stay as in
the real site. Here they grow with the factor instead (synth.make_scaled(cite_real_documents=True)),
and the project's own content layer is timed in a child process, from the copy's root:

- check_s: macros.checks.check with the YAML already parsed (validation, quote checks,
  references, the back-link index), second call, so that imports and parsing are excluded;
- render_s: macros.render.render_document for every document (the pages that list back-links);
- check_no_gc_s: check_s again with Python's cyclic garbage collector paused, which separates
  the code's own growth from the collector's (its full passes visit every live object).

Linear code takes 3 times as long at 30× as at 10×.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from . import synth
from .common import ENV, PY, TMP

CHILD = r"""
import json, sys, time
from pathlib import Path
root = Path(sys.argv[1])
from kb import checks, content, render
parsed = {}
load_yaml = content.load_yaml
def cached(path, shown):
    if path not in parsed:
        parsed[path] = load_yaml(path, shown)
    return parsed[path]
content.load_yaml = cached
checks.check(root)
t0 = time.perf_counter()
kb = checks.check(root)
t1 = time.perf_counter()
for doc_id in kb.documents:
    render.render_document(kb, doc_id, render.Linker(kb.by_id[doc_id].page, kb.by_id))
t2 = time.perf_counter()
import gc
gc.collect()
gc.disable()
t3 = time.perf_counter()
checks.check(root)
t4 = time.perf_counter()
gc.enable()
print(json.dumps({"check_s": t1 - t0, "render_s": t2 - t1, "check_no_gc_s": t4 - t3,
                  "max_citers_per_paragraph": max(len(v) for v in kb.cited_by.values())}))
"""


def measure_citations(source: Path, factors=(10, 30)) -> dict:
    out: dict = {}
    for f in factors:
        dest = TMP / f"cite-real-{f}x"
        synth.make_scaled(dest, f, src=source, cite_real_documents=True)
        run = subprocess.run([str(PY), "-c", CHILD, str(dest)], cwd=dest, env=ENV, capture_output=True, text=True)
        if run.returncode != 0:
            out[f"{f}x"] = {"error": run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "failed"}
            continue
        out[f"{f}x"] = json.loads(run.stdout.strip().splitlines()[-1])
    a, b = (out.get(f"{f}x", {}) for f in factors)
    if "check_s" in a and "check_s" in b:
        out["growth_check"] = b["check_s"] / a["check_s"]
        out["growth_check_no_gc"] = b["check_no_gc_s"] / a["check_no_gc_s"]
        out["growth_render"] = b["render_s"] / a["render_s"]
        out["linear"] = factors[1] / factors[0]
    return out
