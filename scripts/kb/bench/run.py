"""The performance benchmark: build, overhead, scale, preview, page weight and search.

usage: kb bench [--runs 3] [--big-runs 1] [--scales 1,10,100] [--plain-scales 1,10]
                     [--no-preview] [--no-browser] [--search-scales 1,10,100] [--profile] [--project DIR]

Prints a table and writes bench/results.json (figures only). Scratch copies, sites and logs
go to bench/tmp/ (git-ignored). What each figure means and how it is measured: bench/README.md.
Run it through `make bench` (= `kb bench`), which prepares the development environment first.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.metadata as md
import os
import platform
import pstats
import subprocess
import sys
import time
from pathlib import Path

from . import builds, synth
from .common import BENCH, CHROMIUM, ROOT, TMP, median, tree_size, write_json
from .instrument import STAGES
from .report import table, targets

# The stage split, from the instrumented stages.
STAGE_GROUPS = {
    "startup": ("startup",),
    "load+validate data": ("data: YAML parse", "data: schema validation", "data: cross-checks and index"),
    "render macros": ("macros: setup", "macros: render functions", "macros: Jinja and plugin"),
    "markdown": ("markdown",),
    "search index (jieba)": ("search: jieba dictionary", "search: jieba segmentation", "search: index"),
    "templates+write": ("theme templates", "write", "other plugins", "self-contained check", "mkdocs core (rest)"),
}


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def meta() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "data", "docs", "macros", "scripts", "mkdocs.yml"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        commit += "+changes" if dirty else ""
    except OSError:
        commit = "?"
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "python": platform.python_version(), "mkdocs": md.version("mkdocs"), "material": md.version("mkdocs-material"),
            "macros_plugin": md.version("mkdocs-macros-plugin"), "jieba": md.version("jieba"), "commit": commit,
            "load_avg_start": os.getloadavg()}


def scale_label(f: int) -> str:
    return f"{f}x"


def run_scale(f: int, project: Path, n: int, plain: bool) -> tuple[dict, dict | None]:
    """n builds of the project, interleaved with n builds of its plain-Material twin (drift hits both)."""
    tag = scale_label(f)
    site = TMP / f"site-{tag}"
    capture = TMP / f"capture-{tag}"
    runs, plain_runs = [], []
    plain_project = None
    for i in range(n):
        say(f"{tag}: build {i + 1}/{n} of {project}")
        runs.append(builds.build_once(project, site, f"build-{tag}-{i + 1}", capture=capture if (plain and i == 0) else None))
        say(f"{tag}:   {runs[-1]['wall_s']:.2f} s, {runs[-1]['peak_rss_bytes'] / 2**20:.0f} MiB")
        if plain:
            if plain_project is None:
                plain_project = builds.make_plain(project, capture, TMP / f"plain-{tag}")
            say(f"{tag}: plain Material build {i + 1}/{n}")
            plain_runs.append(builds.build_once(plain_project, TMP / f"plain-site-{tag}", f"plain-{tag}-{i + 1}"))
            say(f"{tag}:   {plain_runs[-1]['wall_s']:.2f} s")
    summary = builds.summarise(runs)
    if f < 100:
        # Warm: the same build with the content-hash cache filled by a first cached build.
        builds.build_once(project, site, f"prime-{tag}", cache=True)
        summary["warm_cache_wall_s"] = builds.build_once(project, site, f"warm-{tag}", cache=True)["wall_s"]
        say(f"{tag}:   warm cache {summary['warm_cache_wall_s']:.2f} s")
    return summary, (builds.summarise(plain_runs) if plain else None)


def profile(project: Path, tag: str) -> Path:
    """One cProfile'd build (slower than the timed ones); the top functions as text."""
    prof = TMP / f"profile-{tag}.prof"
    builds.build_once(project, TMP / f"profile-site-{tag}", f"profile-{tag}", profile=prof)
    out = TMP / f"profile-{tag}.txt"
    with out.open("w") as fh:
        st = pstats.Stats(str(prof), stream=fh)
        st.sort_stats("cumulative").print_stats(60)
        st.sort_stats("tottime").print_stats(30)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="builds per scale below 100× (median reported)")
    ap.add_argument("--big-runs", type=int, default=1, help="builds at 100× and above (about 3 minutes each)")
    ap.add_argument("--scales", default="1,10,100")
    ap.add_argument("--plain-scales", default="1,10,100", help="scales at which the plain-Material baseline is built")
    ap.add_argument("--search-scales", default="1,10,100", help="scales at which search timings are taken")
    ap.add_argument("--no-preview", action="store_true")
    ap.add_argument("--preview-scales", default="1,10,100", help="scales at which the preview latency is measured")
    ap.add_argument("--no-citations", action="store_true", help="skip the back-links worst case (about 15 s)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-load", action="store_true", help="skip wrk against nginx (about 20 s)")
    ap.add_argument("--pdf-scales", default="1,10", help="scales at which the handbook PDF is built and measured ('' to skip)")
    ap.add_argument("--profile", action="store_true", help="also write cProfile reports to bench/tmp/profile-*.txt")
    ap.add_argument("--project", type=Path, default=ROOT,
                    help="measure another copy of the project (e.g. with a proposed change) instead of this one")
    ap.add_argument("--out", type=Path, default=BENCH / "results.json")
    a = ap.parse_args(argv)
    t_bench = time.perf_counter()
    os.chdir(ROOT)
    TMP.mkdir(parents=True, exist_ok=True)
    scales = [int(x) for x in a.scales.split(",") if x]
    plain_scales = {int(x) for x in a.plain_scales.split(",") if x}
    search_scales = {int(x) for x in a.search_scales.split(",") if x}

    source = a.project.resolve()
    r: dict = {"meta": {**meta(), "project": str(source)}, "notes": []}
    r["meta"]["stage_definitions"] = dict(STAGES)
    r["overhead"], r["scale"], r["weight"], r["search"] = {}, {}, {}, {}
    if not a.no_browser and not Path(CHROMIUM).exists():
        a.no_browser = True
        r["notes"].append(f"no page-weight or search figures: {CHROMIUM} is missing (`make chromium` as root installs it)")

    for f in scales:
        tag = scale_label(f)
        if f == 1:
            project = source
            counts = synth.counts(source)
        else:
            say(f"{tag}: generating synthetic content")
            counts = synth.make_scaled(TMP / f"scale-{tag}", f, src=source)
            project = TMP / f"scale-{tag}"
        n = a.runs if f < 100 else a.big_runs
        if n < 3:
            option = "--big-runs 3" if f >= 100 else "--runs 3"
            r["notes"].append(f"{tag.replace('x', '×')} was built {n} time(s), not 3: its figures are single runs ({option} for medians)")
        summary, plain = run_scale(f, project, n, plain=f in plain_scales)
        site = TMP / f"site-{tag}"
        files, raw, gz = tree_size(site)
        summary.update({"items": counts["items"], "counts": counts, "data_bytes": counts["data_bytes"],
                        "pages_per_s": summary["html_pages"] / summary["wall_s"],
                        "items_per_s": counts["items"] / summary["wall_s"],
                        "site_bytes": raw, "site_gz_bytes": gz, "site_files": files})
        r["scale"][tag] = summary
        if f == 1:
            r["build"] = {**summary, "stage_groups_s": {g: sum(summary["stages_s"].get(s, 0.0) for s in members)
                                                       for g, members in STAGE_GROUPS.items()}}
        if plain:
            r["overhead"][tag] = {"project_wall_s": summary["wall_s"], "plain_wall_s": plain["wall_s"],
                                  "ratio_wall": summary["wall_s"] / plain["wall_s"],
                                  "project_build_s": summary["build_s"], "plain_build_s": plain["build_s"],
                                  "ratio_build": summary["build_s"] / plain["build_s"],
                                  "project_cpu_s": summary["cpu_s"], "plain_cpu_s": plain["cpu_s"],
                                  "ratio_cpu": summary["cpu_s"] / plain["cpu_s"], "runs": plain["runs"],
                                  "plain_stages_s": plain["stages_s"], "plain_peak_rss_bytes": plain["peak_rss_bytes"]}
        if not a.no_browser:
            from .browser import measure_weight
            from .search import QUERIES, SHARED_QUERIES, measure as measure_search

            say(f"{tag}: page weight in Chromium")
            r["weight"][tag] = measure_weight(site)
            r["weight"][tag]["site"] = {"files": files, "raw": raw, "gz": gz}
            if f in search_scales:
                say(f"{tag}: search timings in Chromium")
                files = [QUERIES] + ([SHARED_QUERIES] if SHARED_QUERIES.is_file() else [])
                r["search"][tag] = measure_search(site, "kb", files, exactness=f >= 10)
        if a.profile:
            say(f"{tag}: cProfile build")
            say(f"{tag}:   {profile(project, tag)}")
    if "10x" in r["scale"] and "100x" in r["scale"]:
        s10, s100 = r["scale"]["10x"], r["scale"]["100x"]
        r["scale"]["growth_time_100_over_10"] = s100["wall_s"] / s10["wall_s"]
        r["scale"]["growth_memory_100_over_10"] = s100["peak_rss_bytes"] / s10["peak_rss_bytes"]
        r["scale"]["linear_pages_ratio"] = s100["html_pages"] / s10["html_pages"]

    if not a.no_citations:
        from .citestress import measure_citations

        say("back-links, worst case: all copies cite the two real documents (10×, 30×)")
        r["citations"] = measure_citations(source)

    pdf_scales = [int(x) for x in a.pdf_scales.split(",") if x]
    if pdf_scales:
        from ..handbookpdf import missing_fonts
        from .pdf import measure as measure_pdf

        if missing_fonts():
            r["notes"].append("no PDF figures: fonts-noto-cjk is missing (`make test` as root installs it)")
        else:
            r["pdf"] = {}
            for f in pdf_scales:
                tag = scale_label(f)
                project = source if f == 1 else TMP / f"scale-{tag}"
                say(f"pdf: handbook PDF at {tag}")
                r["pdf"][tag] = measure_pdf(f, project if project.is_dir() else None)
                say(f"pdf:   {r['pdf'][tag]['wall_s']:.1f} s, {r['pdf'][tag]['peak_rss_mib']} MiB, {r['pdf'][tag]['pages']} pages")

    if not a.no_preview:
        from .preview import measure_previews

        pscales = [int(x) for x in a.preview_scales.split(",") if x]
        say(f"preview: mkdocs serve on copies at {pscales}×, 3 data edits each")
        r["preview"] = measure_previews(source, pscales)

    if not a.no_load:
        from .load import run as measure_load

        say("load: wrk against nginx on 127.0.0.1 serving a published release")
        r["load"] = measure_load()

    r["targets"] = targets(r)
    r["meta"]["bench_s"] = time.perf_counter() - t_bench
    r["meta"]["out"] = str(a.out)
    r["meta"]["load_avg_end"] = os.getloadavg()
    write_json(a.out, r)
    print(table(r))
    return 0
