"""Full strict builds in child processes: wall time, own peak memory, stages; and the plain baseline."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from .common import PY, TMP, copy_project, median, run_measured

INSTRUMENT = Path(__file__).with_name("instrument.py")


class BuildFailed(RuntimeError):
    pass


def build_once(project: Path, site: Path, tag: str, capture: Path | None = None, profile: Path | None = None,
               cache: bool = False) -> dict:
    """One instrumented `mkdocs build --strict` of `project`, run from its root.

    cache=False (the default) is a cold build: KB_CACHE=off, nothing taken from .cache/kb."""
    if site.exists():
        shutil.rmtree(site)
    out = TMP / "runs" / f"{tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(PY), str(INSTRUMENT), "--site-dir", str(site), "--out", str(out)]
    if capture is not None:
        if capture.exists():
            shutil.rmtree(capture)
        cmd += ["--capture", str(capture)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    log = TMP / "runs" / f"{tag}.log"
    run = run_measured(cmd, cwd=project, log=log, env={"KB_CACHE": "on" if cache else "off"})
    if run["rc"] != 0 or not out.is_file():
        tail = log.read_text("utf-8", errors="replace")[-3000:]
        raise BuildFailed(f"build of {project} failed (log: {log}):\n{tail}")
    stages = json.loads(out.read_text("utf-8"))
    capture_s = stages["stages_s"].pop("bench: capture", 0.0)
    wall = run["wall_s"] - capture_s
    # Interpreter start-up and exit happen outside the child's own clock: charge them to startup.
    stages["stages_s"]["startup"] = stages["startup_s"] + (run["wall_s"] - stages["internal_s"])
    return {"wall_s": wall, "cpu_s": run["cpu_s"] - capture_s, "peak_rss_bytes": run["peak_rss_bytes"], "build_s": stages["build_s"] - capture_s,
            "stages_s": stages["stages_s"], "html_pages": stages["html_pages"],
            "slowest_pages_s": stages.get("slowest_pages_s", {}), "log": str(log)}


def summarise(runs: list[dict]) -> dict:
    """Medians over runs (the machine is shared: single runs are noisy)."""
    labels = sorted({k for r in runs for k in r["stages_s"]})
    return {
        "runs": len(runs),
        "wall_s": median([r["wall_s"] for r in runs]),
        "wall_s_all": [round(r["wall_s"], 3) for r in runs],
        "build_s": median([r["build_s"] for r in runs]),
        "cpu_s": median([r["cpu_s"] for r in runs]),
        "peak_rss_bytes": median([r["peak_rss_bytes"] for r in runs]),
        "stages_s": {k: median([r["stages_s"].get(k, 0.0) for r in runs]) for k in labels},
        "html_pages": runs[-1]["html_pages"],
        "slowest_pages_s": runs[-1]["slowest_pages_s"],
    }


# ---- the plain-Material baseline -------------------------------------------------------------

FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)


def _drop_block(lines: list[str], start: re.Pattern) -> list[str]:
    """Remove the YAML block whose first line matches `start`, with every more-indented line after it."""
    out, skipping, indent = [], False, 0
    for line in lines:
        if skipping:
            if line.strip() and len(line) - len(line.lstrip()) <= indent and not line.lstrip().startswith("#"):
                skipping = False
            else:
                continue
        if start.match(line):
            skipping, indent = True, len(line) - len(line.lstrip())
            continue
        out.append(line)
    return out


def make_plain(project: Path, capture: Path, dest: Path) -> Path:
    """The same pages as plain Markdown for Material alone: the macros' output, no data, no macros plugin.

    mkdocs.yml is the project's, minus the macros plugin (data loading, validation, macro
    rendering, the self-contained post-build check) and its `watch:` list; theme (with the
    project's template overrides), features, search (with jieba), privacy audit, Markdown
    extensions and strict validation stay. data/ and macros/ are not in the copy; without the kb
    plugin MkDocs lists the same pages in its automatic navigation.
    """
    copy_project(dest, project)  # theme overrides and any other build input come along
    for gone in ("data", "macros"):
        shutil.rmtree(dest / gone, ignore_errors=True)
    for cap in capture.rglob("*.md"):  # hand-written and generated pages alike
        rel = cap.relative_to(capture)
        md = project / "docs" / rel
        front = FRONT_MATTER.match(md.read_text("utf-8")) if md.is_file() else None
        (dest / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / "docs" / rel).write_text((front.group(0) if front else "") + cap.read_text("utf-8"), "utf-8")
    lines = (project / "mkdocs.yml").read_text("utf-8").splitlines()
    lines = _drop_block(lines, re.compile(r"^\s*- macros:"))
    lines = [line for line in lines if not re.match(r"^\s*- kb\b", line)]
    lines = _drop_block(lines, re.compile(r"^watch:"))
    (dest / "mkdocs.yml").write_text("\n".join(lines) + "\n", "utf-8")
    return dest
