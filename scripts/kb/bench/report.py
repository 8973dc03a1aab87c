"""The printed table and the targets of the performance issue, from results.json's figures."""
from __future__ import annotations

from .instrument import STAGES

MIB = 1024 * 1024
KB = 1000


def _s(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def _mib(b):
    return "—" if b is None else f"{b / MIB:.0f} MiB"


def _kb(b):
    return "—" if b is None else f"{b / KB:.1f} KB"


def _size(b):
    """Bytes in the unit that reads best: KB below 10 MB, MB above (decimal, like the issue's figures)."""
    if b is None:
        return "—"
    return f"{b / KB:.0f} KB" if b < 10_000_000 else f"{b / 1e6:.0f} MB"


def targets(r: dict) -> list[dict]:
    out = []

    def add(name, target, measured, ok, note=""):
        out.append({"target": name, "limit": target, "measured": measured, "met": ok, "note": note})

    ov = r.get("overhead", {}).get("1x")
    if ov:
        add("project layers over plain Material (1×, wall)", "≤ 1.15", f"{ov['ratio_wall']:.2f}", ov["ratio_wall"] <= 1.15)
    for f, ov in r.get("overhead", {}).items():
        if f != "1x":
            add(f"project layers over plain Material ({f.replace('x', '×')}, wall)", "≤ 1.15", f"{ov['ratio_wall']:.2f}",
                ov["ratio_wall"] <= 1.15)
    g = r.get("scale", {}).get("growth_time_100_over_10")
    if g is not None:
        add("growth time(100×)/time(10×)", "≤ 12", f"{g:.1f}", g <= 12)
    big = r.get("scale", {}).get("100x")
    if big:
        add("peak memory at 100×", "< 1 GiB", _mib(big["peak_rss_bytes"]), big["peak_rss_bytes"] < 1024 * MIB)
    cs = r.get("citations", {})
    if "growth_check_no_gc" in cs:
        add("§3 back-link checks linear, 10×→30× (collector paused)", "≤ ×4 (linear ×3)",
            f"×{cs['growth_check_no_gc']:.1f}", cs["growth_check_no_gc"] <= 4, "all copies cite the 2 real documents")
    pv = r.get("preview")
    if pv:
        for tag, goal in (("1x", 0.5), ("10x", 3.0), ("100x", 10.0)):
            if pv.get(tag, {}).get("median_s") is not None:
                add(f"preview shows a one-entry data edit ({tag.replace('x', '×')})", f"≤ {goal} s",
                    f"{pv[tag]['median_s']:.2f} s", pv[tag]["median_s"] <= goal)
    for f, w in r.get("weight", {}).items():
        view = w["first_view"]["typical"]
        add(f"first view of a typical content page ({f.replace('x', '×')}, gzip)", "< 150 KB", _kb(view["gz"]),
            view["gz"] < 150 * KB, view["path"])
        add(f"search-only assets fetched on first view ({f.replace('x', '×')}, gzip)", "0 (no unused asset)",
            _kb(view["search_only_gz"]), view["search_only_gz"] == 0, "index, worker, lunr: fetched before any search")
    for f, s_ in r.get("search", {}).items():
        sc = f.replace("x", "×")
        limit = 50 if f == "1x" else 150 if f == "100x" else None
        if limit:
            add(f"search: median keystroke → results ({sc})", f"≤ {limit} ms", f"{s_['query_ms_median']:.0f} ms",
                s_["query_ms_median"] <= limit, f"p95 {s_['query_ms_p95']:.0f} ms")
        add(f"search bytes fetched before opening search ({sc})", "0", _kb(s_["search_bytes_before_open"]["gz"]),
            s_["search_bytes_before_open"]["raw"] == 0, f"first search fetches {_kb(s_['first_search_bytes']['gz'])} gzip")
        q = s_["quality"]
        if f == "1x" and "queries.tsv" in q:
            own = q["queries.tsv"]
            add("search success@5 / MRR, tests/search/queries.tsv (1×)", "≥ 0.95 / ≥ 0.85",
                f"{own['success_at_5']:.2f} / {own['mrr']:.2f}", own["success_at_5"] >= 0.95 and own["mrr"] >= 0.85)
        if f == "1x" and "shared/search-queries.tsv" in q:
            sh = q["shared/search-queries.tsv"]
            add("search success@5, shared/search-queries.tsv (1×)", "1.00", f"{sh['success_at_5']:.2f}", sh["success_at_5"] == 1.0)
        ex = s_.get("exactness")
        if f == "100x" and ex:
            add("search at 100×: first ten results hold the whole query", "≥ 90%",
                f"{ex['precision_at_10_mean']:.0%} (min {ex['precision_at_10_min']:.0%})", ex["precision_at_10_min"] >= 0.9,
                f"{ex['queries']} multi-character queries")
            add("search at 100×: count shown vs pages containing the query", "within 10%",
                f"max error {ex['count_error_max']:.0%}", ex["count_error_max"] <= 0.10)
    ld = r.get("load", {})
    for label, v in ld.items():
        if isinstance(v, dict) and "errors" in v:
            add(f"load: errors under wrk, {label}", "0", str(v["errors"]), v["errors"] == 0,
                f"{v['requests_per_s']:.0f} requests/s")
    return out


def table(r: dict) -> str:
    L: list[str] = []
    m = r["meta"]
    L.append(f"群众路线知识库 benchmark — {m['date']}, {m['cpus']} CPUs, Python {m['python']}, MkDocs {m['mkdocs']}, "
             f"Material {m['material']}, commit {m['commit']}")
    la0, la1 = m.get("load_avg_start", [0])[0], m.get("load_avg_end", [0])[0]
    L.append(f"Times are medians of the runs shown. Load average {la0:.1f} at start, {la1:.1f} at end on {m['cpus']} CPUs: "
             "other work on the machine stretches wall times; CPU times are steadier.")

    b = r.get("build")
    L.append("")
    if not b:
        L.append("1. BUILD — not measured (the scales did not include 1)")
        b = {"runs": 0, "wall_s_all": [], "wall_s": None, "peak_rss_bytes": None, "html_pages": 0, "pages_per_s": None,
             "items": 0, "items_per_s": None, "stages_s": {}}
    L.append(f"1. BUILD — real site, full strict build, {b['runs']} runs: wall {b['wall_s_all']}")
    L.append(f"   wall {_s(b['wall_s'])} s   CPU {_s(b.get('cpu_s'))} s   peak memory {_mib(b['peak_rss_bytes'])}   {b['html_pages']} pages "
             f"({_s(b['pages_per_s'], 1)}/s)   {b['items']} items ({_s(b['items_per_s'], 0)}/s)")
    L.append(f"   {'stage (exclusive time, instrumented in the build process)':60s} {'s':>7s} {'%':>5s}")
    total = sum(b["stages_s"].values())
    for label in STAGES:
        v = b["stages_s"].get(label)
        if v is None:
            continue
        L.append(f"   {label:60s} {v:7.3f} {100 * v / total:5.1f}")
    groups = b.get("stage_groups_s", {})
    if groups:
        L.append("   issue's split: " + "   ".join(f"{k} {v:.2f} s" for k, v in groups.items()))

    L.append("")
    L.append("2. OVERHEAD — the same pages as plain Markdown built by Material alone (macros output, no data, no macros plugin)")
    L.append(f"   {'scale':6s} {'project s':>10s} {'plain s':>9s} {'ratio':>6s}   {'in-build ratio':>14s}   "
             f"{'CPU s':>13s} {'CPU ratio':>9s}   runs")
    for f, ov in r.get("overhead", {}).items():
        L.append(f"   {f.replace('x', '×'):6s} {ov['project_wall_s']:10.2f} {ov['plain_wall_s']:9.2f} {ov['ratio_wall']:6.2f}   "
                 f"{ov['ratio_build']:14.2f}   {ov['project_cpu_s']:6.2f}/{ov['plain_cpu_s']:<6.2f} {ov['ratio_cpu']:9.2f}   {ov['runs']}")
    L.append("   ratio = project wall / plain wall (whole process); in-build = inside build() only; CPU = user+sys of the process")

    sc = r.get("scale", {})
    L.append("")
    L.append("3. SCALE — synthetic content from the real vocabulary (bench/README.md)")
    L.append(f"   {'scale':6s} {'items':>6s} {'pages':>6s} {'data':>9s} {'wall s':>8s} {'CPU s':>7s} {'peak mem':>9s} {'pages/s':>8s} "
             f"{'items/s':>8s} {'site':>9s}  runs")
    for f in ("1x", "10x", "100x"):
        s = sc.get(f)
        if not s:
            continue
        L.append(f"   {f.replace('x', '×'):6s} {s['items']:6d} {s['html_pages']:6d} {_size(s['data_bytes']):>9s} {s['wall_s']:8.2f} "
                 f"{s['cpu_s']:7.2f} {_mib(s['peak_rss_bytes']):>9s} {s['pages_per_s']:8.1f} {s['items_per_s']:8.0f} {_size(s['site_bytes']):>9s}  "
                 f"{s['runs']}")
    if sc.get("growth_time_100_over_10") is not None:
        L.append(f"   growth time(100×)/time(10×) = {sc['growth_time_100_over_10']:.1f}   "
                 f"(linear would be {sc.get('linear_pages_ratio', 10):.1f} by pages, 10 by items)")
    for f in ("10x", "100x"):
        s = sc.get(f)
        if s and s.get("stages_s"):
            top = sorted(s["stages_s"].items(), key=lambda kv: -kv[1])[:6]
            L.append(f"   {f.replace('x', '×')} top stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in top))

    cs = r.get("citations")
    if cs and "growth_check" in cs:
        a, b = cs["10x"], cs["30x"]
        L.append(f"   back-links worst case (all copies cite the 2 real documents; {a['max_citers_per_paragraph']} → "
                 f"{b['max_citers_per_paragraph']} citers per paragraph): checks {a['check_s']:.2f} → {b['check_s']:.2f} s "
                 f"(×{cs['growth_check']:.1f}; without the garbage collector ×{cs['growth_check_no_gc']:.1f}), "
                 f"source pages {a['render_s']:.2f} → {b['render_s']:.2f} s (×{cs['growth_render']:.1f}); linear ×{cs['linear']:.0f}")
    elif cs:
        L.append(f"   back-links worst case: not measured ({cs})")

    pv = r.get("preview")
    L.append("")
    if pv:
        L.append("4. PREVIEW — one-entry data edit to served page, `mkdocs serve` on a copy")
        for tag, v in pv.items():
            samples = ", ".join(_s(x) for x in v["samples_s"])
            L.append(f"   {tag.replace('x', '×'):6s} median {_s(v.get('median_s'))} s (samples {samples}; "
                     f"serve start {_s(v.get('serve_start_s'))} s)")
            if v.get("soon_samples_s"):
                soon = ", ".join(_s(x) for x in v["soon_samples_s"])
                L.append(f"          one second after the previous edit: median {_s(v.get('soon_median_s'))} s (samples {soon})")
    else:
        L.append("4. PREVIEW — not measured (--no-preview)")

    L.append("")
    if r.get("weight"):
        L.append("5. WEIGHT — first view in Chromium, fresh cache, all requests incl. the search worker; gzip -6")
        L.append(f"   {'scale':6s} {'page':28s} {'req':>4s} {'raw':>10s} {'gzip':>10s} {'html':>9s} {'css':>8s} {'js':>8s} "
                 f"{'index':>10s} {'search-only':>11s}")
        for f, w in r["weight"].items():
            for name in ("home", "typical", "largest"):
                v = w["first_view"][name]
                k = v["by_kind"]
                L.append(f"   {f.replace('x', '×'):6s} {(name + ' ' + v['path'])[:28]:28s} {v['requests']:4d} {_size(v['raw']):>10s} "
                         f"{_kb(v['gz']):>10s} {_kb(k.get('html', {}).get('gz')):>9s} {_kb(k.get('css', {}).get('gz')):>8s} "
                         f"{_kb(k.get('js', {}).get('gz')):>8s} {_kb(k.get('search index', {}).get('gz')):>10s} "
                         f"{_kb(v['search_only_gz']):>11s}")
            si, site = w["search_index"], w["site"]
            L.append(f"   {f.replace('x', '×'):6s} search index {_size(si['raw'])} raw, {_size(si['gz'])} gzip;   "
                     f"whole site {site['files']} files, {_size(site['raw'])} raw, {_size(site['gz'])} gzip")
    else:
        L.append("5. WEIGHT — not measured (--no-browser)")

    L.append("")
    if r.get("search"):
        L.append("6. SEARCH — Material's search box (scripts/kb/search_worker.js) in Chromium; tests/search/queries.tsv and shared/search-queries.tsv")
        L.append(f"   {'scale':6s} {'query ms median':>16s} {'p95':>7s} {'first search':>13s} {'first-search bytes gz':>22s} "
                 f"{'before open':>11s} {'s@5 own':>8s} {'MRR own':>8s} {'s@5 shared':>10s} {'prec@10≥.9':>10s} {'count ±10%':>10s}")
        for f, s_ in r["search"].items():
            q = s_["quality"]
            own = q.get("queries.tsv", {})
            shared = q.get("shared/search-queries.tsv", {})
            ex = s_.get("exactness") or {}
            L.append(f"   {f.replace('x', '×'):6s} {s_['query_ms_median']:16.0f} {s_['query_ms_p95']:7.0f} {s_['first_search_ms']:10.0f} ms "
                     f"{_kb(s_['first_search_bytes']['gz']):>22s} {_kb(s_['search_bytes_before_open']['gz']):>11s} "
                     f"{own.get('success_at_5', float('nan')):8.2f} {own.get('mrr', float('nan')):8.2f} "
                     f"{shared.get('success_at_5', float('nan')):10.2f} "
                     + (f"{ex['share_with_precision_ge_0_9']:10.2f} {ex['share_count_within_10pct']:10.2f}" if ex else f"{'–':>10s} {'–':>10s}"))
        L.append("   (query ms: keystroke to rendered results, index loaded; first search: opening the box to the first results)")
    else:
        L.append("6. SEARCH — not measured (--no-browser)")

    L.append("")
    ld = r.get("load")
    if ld and "skipped" not in ld:
        L.append(f"7. LOAD — wrk, {ld['threads']} threads, {ld['connections']} connections, {ld['seconds']} s each, "
                 "gzip accepted, against nginx (deploy/nginx) serving a published release on 127.0.0.1")
        for label, v in ld.items():
            if isinstance(v, dict) and "errors" in v:
                L.append(f"   {label:22s} {v['url'][:44]:44s} {v['requests_per_s']:10.0f} req/s  "
                         f"latency {v['latency_avg_ms']} ms  errors {v['errors']}")
    else:
        L.append("7. LOAD — " + (ld or {}).get("skipped", "not measured (--no-load)"))

    L.append("")
    if r.get("pdf"):
        L.append("8. PDF — 学习手册 with WeasyPrint (kb pdf), one build per scale in a child process")
        L.append(f"   {'scale':6s} {'wall s':>8s} {'CPU s':>8s} {'peak memory':>12s} {'pages':>6s} {'size':>10s}")
        for f, v in r["pdf"].items():
            L.append(f"   {f.replace('x', '×'):6s} {v['wall_s']:8.1f} {v['cpu_s']:8.1f} {str(v['peak_rss_mib']) + ' MiB':>12s} "
                     f"{v['pages']:6d} {_size(v['bytes']):>10s}")
    else:
        L.append("8. PDF — not measured (--pdf-scales '' or fonts missing)")

    L.append("")
    L.append("TARGETS (issue §2; §3 for back-links)")
    for t in r.get("targets", []):
        mark = "met    " if t["met"] else "MISSED "
        note = f"   ({t['note']})" if t.get("note") else ""
        L.append(f"   {mark} {t['target']:58s} {t['limit']:>20s}  measured {t['measured']}{note}")
    for note in r.get("notes", []):
        L.append(f"   note: {note}")
    L.append("")
    L.append(f"Benchmark took {r['meta']['bench_s']:.0f} s.  Figures: {r['meta'].get('out', 'bench/results.json')}")
    return "\n".join(L)
