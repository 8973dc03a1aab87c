"""`kb serve` only: what every rebuild redid although it cannot have changed in the running process.

- MkDocs lists the theme's files on every build (Files.add_files_from_theme): for Material that is a
  walk over thousands of icon files, each matched against a dozen name patterns. The listing of a
  theme folder inside the Python installation, and which of its names the patterns keep, are kept
  for the process; the project's own folders (overrides/) are listed afresh every time.
- Material's search plugin (made anew for every build) compiles its language template twice per
  build for two words; the words are kept per theme configuration and template overrides.
- mkdocs-macros asks git a dozen questions per build for its `git` page variable, which no page of
  this site uses; the answers are kept for the process.
- the privacy plugin's audit of every page is left to the published build (`begin`).
- the garbage of a build is collected while the preview waits for the next edit (`collect_when_idle`).
- mkdocs-macros compiles every page's text as a Jinja template on every build; the compiled code of
  an unchanged text is kept from the previous build (`keep_compiled`).
MkDocs-aware (installed by kb.plugin on `serve`).
"""
from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path

import jinja2

_listed: dict[str, list[str]] = {}


def install() -> None:
    loader = jinja2.FileSystemLoader
    if getattr(loader.list_templates, "__kb_kept__", False):
        return
    list_templates = loader.list_templates
    installed = Path(sys.prefix).resolve()

    def kept_list_templates(self: jinja2.FileSystemLoader) -> list[str]:
        found: set[str] = set()
        for searchpath in self.searchpath:
            one = jinja2.FileSystemLoader(searchpath, followlinks=self.followlinks)
            if not Path(searchpath).resolve().is_relative_to(installed):
                found.update(list_templates(one))
                continue
            if searchpath not in _listed:
                _listed[searchpath] = list_templates(one)
            found.update(_listed[searchpath])
        return sorted(found)

    kept_list_templates.__kb_kept__ = True
    loader.list_templates = kept_list_templates

    filter_templates = jinja2.Environment.list_templates

    def kept_filter(self, extensions=None, filter_func=None):  # noqa: ANN001, ANN202 - Jinja's signature
        # MkDocs' filter is a new function on every build, with the same patterns: keep its verdict
        # per name (the patterns come from the configuration, which is part of the key).
        if filter_func is None or extensions is not None or getattr(filter_func, "__qualname__", "") != THEME_FILTER:
            return filter_templates(self, extensions, filter_func)
        config = _current.get("config")
        key = (repr(getattr(config, "theme", None)), tuple(sorted(getattr(getattr(config, "theme", None), "static_templates", ()))))
        verdicts = _kept_names.setdefault(key, {})
        out = []
        for name in self.loader.list_templates():
            if name not in verdicts:
                verdicts[name] = bool(filter_func(name))
            if verdicts[name]:
                out.append(name)
        return out

    jinja2.Environment.list_templates = kept_filter

    try:
        from material.plugins.search.plugin import SearchPlugin

        translate = SearchPlugin._translate

        def kept_translate(self, config, value):  # noqa: ANN001, ANN202 - Material's signature
            key = (repr(config.theme), value, _overrides(config))
            if key not in _words:
                _words[key] = translate(self, config, value)
            return _words[key]

        SearchPlugin._translate = kept_translate
    except ImportError:
        pass
    try:
        from mkdocs_macros import context

        git_info = context.get_git_info
        context.get_git_info = lambda: _git.setdefault("info", git_info())
    except (ImportError, AttributeError):
        pass


THEME_FILTER = "Files.add_files_from_theme.<locals>.filter"
_kept_names: dict = {}
_current: dict = {}
_words: dict = {}
_git: dict = {}


def _overrides(config) -> tuple:  # noqa: ANN001 - MkDocs config
    """The project's own template folders' files and their times: an override of the language
    template shows up at the next build."""
    root = Path(config["config_file_path"]).resolve().parent
    return tuple((str(f), f.stat().st_mtime_ns) for d in config.theme.dirs if Path(d).resolve().is_relative_to(root)
                 for f in sorted(Path(d).rglob("*")) if f.is_file())


def begin(config) -> None:  # noqa: ANN001 - MkDocs config
    """The build's configuration, whose theme settings decide which theme files are copied.

    The privacy plugin's audit of every page (external assets) is the published build's: a
    preview leaves it out (it parsed every page's HTML after every edit), and the kb plugin's own
    check of the written site (kb.selfcontained) still runs."""
    _current["config"] = config
    privacy = config.plugins.get("material/privacy") or config.plugins.get("privacy")
    if privacy is not None:
        privacy.config["enabled"] = False


# A build freezes the objects alive once its content is loaded (kb.plugin): the collector then
# skips them for the rest of the build. In a preview, the previous build's pages, files and
# content were still alive at that moment and, held by one another in cycles, were never freed:
# the process grew by half a gigabyte per rebuild at 100× content. They are thawed and collected
# once the build is done and the preview is idle (a second at 100× content, off the editor's
# wait), or at the start of the next build if an edit came first.
IDLE_DELAY_S = 0.3  # the browsers' reload after the build goes first
_gc_lock = threading.Lock()
_gc_state = {"build": 0, "frozen": False}


def collect_garbage() -> None:
    """At the start of a build: collect what earlier builds left, if the idle collection has not."""
    with _gc_lock:
        _gc_state["build"] += 1
        if _gc_state["frozen"]:
            gc.unfreeze()
            gc.collect()
        _gc_state["frozen"] = True  # this build freezes again


def collect_when_idle(delay: float = IDLE_DELAY_S) -> None:
    """At the end of a build: collect its garbage in a moment, unless the next build has begun."""
    build = _gc_state["build"]

    def collect() -> None:
        time.sleep(delay)
        with _gc_lock:
            if _gc_state["build"] == build and _gc_state["frozen"]:
                gc.unfreeze()
                gc.collect()
                _gc_state["frozen"] = False

    threading.Thread(target=collect, name="kb-idle-gc", daemon=True).start()


_compiled: dict = {"previous": {}, "current": {}}


def keep_compiled(jinja_env) -> None:  # noqa: ANN001 - mkdocs-macros' Jinja environment (new every build)
    """The environment's compile() of a page's text, from the previous build when the text, its
    name and the environment's syntax settings are the same (Jinja's own template cache serves
    only templates loaded by name)."""
    _compiled["previous"], _compiled["current"] = _compiled["current"], {}
    compile_ = jinja_env.compile
    settings = (jinja_env.block_start_string, jinja_env.block_end_string, jinja_env.variable_start_string,
                jinja_env.variable_end_string, jinja_env.comment_start_string, jinja_env.comment_end_string,
                jinja_env.line_statement_prefix, jinja_env.line_comment_prefix, jinja_env.trim_blocks,
                jinja_env.lstrip_blocks, jinja_env.newline_sequence, jinja_env.keep_trailing_newline,
                tuple(sorted(jinja_env.extensions)), jinja_env.optimized, jinja_env.finalize, jinja_env.is_async,
                jinja_env.autoescape, jinja_env.undefined, tuple(sorted(jinja_env.filters)), tuple(sorted(jinja_env.tests)),
                jinja2.__version__)

    def compile(source, name=None, filename=None, raw=False, defer_init=False):  # noqa: ANN001, ANN202, A001 - Jinja's signature
        if raw or not isinstance(source, str):
            return compile_(source, name, filename, raw, defer_init)
        key = (settings, source, name, filename, defer_init)
        code = _compiled["current"].get(key) or _compiled["previous"].get(key)
        if code is None:
            code = compile_(source, name, filename, raw, defer_init)  # a syntax error is raised, never kept
        _compiled["current"][key] = code
        return code

    jinja_env.compile = compile
