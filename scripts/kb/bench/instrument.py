#!/usr/bin/env python3
"""One `mkdocs build --strict`, run through MkDocs' own CLI, with a stopwatch on each stage.

usage (from the project root of the copy being built):
  python instrument.py --site-dir DIR --out stages.json [--capture DIR] [--profile FILE.prof]

The build is exactly the CLI's (`mkdocs build --strict --site-dir DIR`); before it starts,
functions are wrapped with timers that keep *exclusive* time (a stage nested in another,
such as jieba inside the search plugin, is subtracted from its parent), so the stages add
up to the build. What each stage wraps is listed in STAGES below; whatever no timer
covers (MkDocs reading files, building the nav, validating anchors ...) is reported as
"mkdocs core (rest)". Timer overhead is about a microsecond per call.

--capture writes each page's Markdown as the macros plugin leaves it (for the plain-Material
baseline); the time spent writing it is reported separately and excluded from the stages.
"""
from __future__ import annotations

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

# Stage labels, in reporting order, with what they measure.
STAGES = {
    "startup": "Python start, imports, mkdocs.yml and plugin loading (until build() starts)",
    "data: YAML parse": "kb.yamlsource.load_yaml (PyYAML with line numbers)",
    "data: schema validation": "pydantic model_validate of each data file",
    "data: cross-checks and index": "rest of kb.checks.check: ids, quotes, references, back-link index, page checks",
    "macros: setup": "rest of the macros plugin's on_config (define_env, module reload, Jinja env)",
    "macros: render functions": "kb/render.py functions called by the macros (Markdown text out)",
    "macros: Jinja and plugin": "rest of the macros plugin's on_page_markdown (Jinja parse/render per page)",
    "markdown": "mkdocs Page.render: Python-Markdown and its extensions, link rewriting",
    "search: jieba dictionary": "jieba Tokenizer.initialize (dictionary load, once per process)",
    "search: jieba segmentation": "jieba.cut calls in the build's process (Material's search plugin; the kb build cuts in a helper process, kb/segmenter.py)",
    "search: index": "rest of Material's search plugin events (section split, index JSON, write)",
    "theme templates": "Jinja render of Material's page templates (nav, header, TOC, footer) per page",
    "other plugins": "privacy plugin and any other plugin event",
    "write": "writing pages, copying theme assets, cleaning the site directory",
    "self-contained check": "the macros plugin's on_post_build (kb/selfcontained.py)",
    "mkdocs core (rest)": "everything inside build() no timer covers: files, nav, context, anchors",
}


class Clock:
    """Exclusive-time stopwatch: nested timed calls are charged to their own label only."""

    def __init__(self):
        self.excl: dict[str, float] = defaultdict(float)
        self.calls: Counter = Counter()
        self.stack: list[list] = []

    def wrap(self, label, fn):
        """label: a string, or a function of the call's arguments returning a label or None (not timed)."""
        clock = self
        if getattr(fn, "__bench_wrapped__", False):
            return fn

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            lab = label(*args, **kwargs) if callable(label) else label
            if lab is None:
                return fn(*args, **kwargs)
            frame = [lab, time.perf_counter(), 0.0]
            clock.stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                clock.stack.pop()
                dt = time.perf_counter() - frame[1]
                clock.excl[lab] += dt - frame[2]
                clock.calls[lab] += 1
                if clock.stack:
                    clock.stack[-1][2] += dt

        timed.__bench_wrapped__ = True
        return timed


CLOCK = Clock()
CAPTURE: Path | None = None
RESULT: dict = {}


def _event_label(plugin: str, event: str) -> str:
    if plugin.endswith("search"):
        return "search: index"
    if plugin == "macros":
        return {"config": "macros: setup", "page_markdown": "macros: Jinja and plugin",
                "post_build": "self-contained check"}.get(event, "macros: setup")
    return "other plugins"


def _wrap_events(cfg) -> None:
    plugins = cfg.plugins
    for event, methods in plugins.events.items():
        new = []
        for method in methods:
            origin = plugins._event_origins.get(method, "<unknown>")
            wrapped = CLOCK.wrap(_event_label(origin, event), method)
            if origin == "macros" and event == "page_markdown":
                wrapped = _per_page_event("macros", wrapped)
            if origin == "macros" and event == "page_markdown" and CAPTURE is not None:
                wrapped = _capturing(wrapped)
            plugins._event_origins[wrapped] = origin
            new.append(wrapped)
        methods[:] = new


def _per_page_event(what: str, fn):
    def timed(markdown, page, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(markdown, page=page, **kwargs)
        finally:
            PER_PAGE[what][page.file.src_uri] = time.perf_counter() - t0
    return timed


def _capturing(fn):
    def capture(markdown, page, **kwargs):
        out = fn(markdown, page=page, **kwargs)
        t0 = time.perf_counter()
        dest = CAPTURE / page.file.src_uri
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(out if out is not None else markdown, "utf-8")
        dt = time.perf_counter() - t0
        CLOCK.excl["bench: capture"] += dt
        if CLOCK.stack:  # not the enclosing stage's own time
            CLOCK.stack[-1][2] += dt
        return out
    return capture


PER_PAGE: dict[str, dict[str, float]] = defaultdict(dict)


def _per_page(what: str, render):
    """Inclusive time per page, to name the pages that cost most."""
    def timed(page, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return render(page, *args, **kwargs)
        finally:
            PER_PAGE[what][page.file.src_uri] = time.perf_counter() - t0
    return timed


def _instrument_content_module(module) -> None:
    """Wrap the project's own functions; called again after define_env reloads the module."""
    name = module.__name__.rsplit(".", 1)[-1]
    if name == "yamlsource":
        module.load_yaml = CLOCK.wrap("data: YAML parse", module.load_yaml)
    elif name == "checks":
        module.check = CLOCK.wrap("data: cross-checks and index", module.check)
    elif name == "render":
        for attr, value in list(vars(module).items()):
            if callable(value) and getattr(value, "__module__", None) == module.__name__ and (
                    attr.startswith("render_") or attr in ("term_pinyin", "term_letter")):
                setattr(module, attr, CLOCK.wrap("macros: render functions", value))


class _ContentHook:
    """Meta path finder for kb.*: runs the module as usual, then wraps its functions."""

    def find_spec(self, name, path, target=None):
        if not name.startswith("kb."):
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            exec_module = spec.loader.exec_module

            def exec_and_instrument(module):
                exec_module(module)
                _instrument_content_module(module)

            spec.loader.exec_module = exec_and_instrument
        return spec


def install() -> None:
    import jieba
    import jinja2
    import mkdocs.utils
    import pydantic
    from mkdocs.commands import build as build_mod
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page
    from mkdocs.theme import Theme

    # The project's content layer: instrument each module as it is executed, on first import
    # and on every reload by define_env, without changing when that happens.
    sys.meta_path.insert(0, _ContentHook())

    validate = pydantic.BaseModel.model_validate.__func__
    pydantic.BaseModel.model_validate = classmethod(CLOCK.wrap("data: schema validation", validate))

    jieba.Tokenizer.initialize = CLOCK.wrap("search: jieba dictionary", jieba.Tokenizer.initialize)
    cut = jieba.cut  # a generator: time its consumption, not its creation
    jieba.cut = CLOCK.wrap("search: jieba segmentation", lambda *a, **k: list(cut(*a, **k)))

    Page.render = CLOCK.wrap("markdown", _per_page("markdown", Page.render))

    theme_envs: set[int] = set()
    get_env = Theme.get_env

    def theme_get_env(self):
        env = get_env(self)
        theme_envs.add(id(env))
        return env

    Theme.get_env = theme_get_env
    jinja2.Template.render = CLOCK.wrap(
        lambda self, *a, **k: "theme templates" if id(self.environment) in theme_envs else None,
        jinja2.Template.render)

    mkdocs.utils.write_file = CLOCK.wrap("write", mkdocs.utils.write_file)
    mkdocs.utils.clean_directory = CLOCK.wrap("write", mkdocs.utils.clean_directory)
    build_mod.utils.write_file = mkdocs.utils.write_file
    Files.copy_static_files = CLOCK.wrap("write", Files.copy_static_files)

    real_build = build_mod.build

    def build(cfg, **kwargs):
        _wrap_events(cfg)
        RESULT["t_build_start"] = time.perf_counter()
        try:
            return CLOCK.wrap("mkdocs core (rest)", real_build)(cfg, **kwargs)
        finally:
            RESULT["t_build_end"] = time.perf_counter()

    build_mod.build = build


def main() -> int:
    global CAPTURE
    ap = argparse.ArgumentParser()
    ap.add_argument("--site-dir", required=True)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--capture", type=Path)
    ap.add_argument("--profile", type=Path)
    a = ap.parse_args()
    CAPTURE = a.capture
    install()
    from mkdocs.__main__ import cli

    profiler = None
    if a.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    rc = 0
    try:
        cli.main(["build", "--strict", "--site-dir", a.site_dir], standalone_mode=False)
    except SystemExit as e:  # click's Abort paths
        rc = e.code or 0
    except Exception as e:  # noqa: BLE001 - reported to the parent, which shows the log
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        print(f"build failed: {type(e).__name__}: {message}", file=sys.stderr)
        rc = 1
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(a.profile))
    t_end = time.perf_counter()
    site = Path(a.site_dir)
    RESULT.update({
        "rc": rc,
        "internal_s": t_end - T_START,
        "startup_s": RESULT.get("t_build_start", t_end) - T_START,
        "build_s": RESULT.get("t_build_end", t_end) - RESULT.get("t_build_start", t_end),
        "stages_s": dict(CLOCK.excl),
        "calls": dict(CLOCK.calls),
        "html_pages": sum(1 for _ in site.rglob("*.html")) if site.is_dir() else 0,
        "slowest_pages_s": {what: dict(sorted(times.items(), key=lambda kv: -kv[1])[:5]) for what, times in PER_PAGE.items()},
    })
    a.out.write_text(json.dumps(RESULT, ensure_ascii=False, indent=1), "utf-8")
    return rc


if __name__ == "__main__":
    sys.exit(main())
