"""The mkdocs-macros side of the site: registers the section table's macros.

The only MkDocs-aware code besides plugin.py. The content layer (models, content, render,
sections) stays free of MkDocs so that it can move to another generator unchanged.
"""
from __future__ import annotations

import functools
import inspect
from pathlib import Path
from urllib.parse import urlsplit

# Mistakes found by the macros while rendering pages: collected for every page, then raised
# together by the kb plugin (plugin.py, on_env), so that the editor sees all of them in one run
# and never mkdocs-macros' traceback.
PAGE_PROBLEMS: list[str] = []

CONTENT_MODULES = ("errors", "editorial", "citefix", "textpolicy", "models", "sections", "yamlsource", "content", "checks",
                   "pagecheck", "changes", "pagemeta", "render", "pages", "selfcontained", "cache",
                   "searchvocab", "searchindex", "glossarytips", "tags")


_loaded_sources: dict[str, bytes] = {}


def _reload_content_layer() -> bool:
    """`mkdocs serve` keeps imported modules: reload ours when their code changed, so code edits show
    up like data edits. Unchanged code is not reloaded (pydantic rebuilds every model on reload).
    True when modules were reloaded."""
    import importlib
    import sys

    modules = [sys.modules.get(f"{__package__}.{name}") for name in CONTENT_MODULES]
    sources = {m.__name__: Path(m.__file__).read_bytes() for m in modules if m is not None}
    # A module first imported since the last build (the first build imports some only after this
    # point) has not changed: comparing it would reload everything on the first edit.
    reload = any(_loaded_sources.get(name, source) != source for name, source in sources.items())
    if reload:
        for module in modules:
            if module is not None:
                importlib.reload(module)
    _loaded_sources.clear()
    _loaded_sources.update(sources)
    return reload


def project_root(conf) -> Path:  # noqa: ANN001 - MkDocs config
    """The project is the folder of mkdocs.yml, wherever the package is installed from."""
    return Path(conf["config_file_path"]).resolve().parent


def page_src(env) -> str:  # noqa: ANN001
    """The page being rendered, docs-relative. One adapter: Zensical's env.page has .path instead."""
    page = env.page
    file = getattr(page, "file", None)
    return file.src_uri if file is not None else str(page.path)


def define_env(env) -> None:  # noqa: ANN001 - the mkdocs-macros environment
    from mkdocs.exceptions import PluginError

    reloaded = _reload_content_layer()

    from . import render, sections
    from .checks import check
    from .errors import ContentError, DataError

    from .checks import check_pages

    PAGE_PROBLEMS.clear()
    try:
        # The kb plugin checked the same files a moment ago in this build (its on_config runs first):
        # at 100× content a second check took seconds of every preview rebuild.
        checked = getattr((env.conf.get("plugins") or {}).get("kb"), "checked", None)
        kb = checked[1] if checked and checked[0] is env.conf and not reloaded else check(project_root(env.conf))
        # Pages too, before any is rendered: Jinja syntax, unknown macros and literal arguments are
        # named with page and line here, instead of a Jinja traceback later. Links are left to
        # MkDocs' strict validation in the build (kb check reports them in Chinese beforehand).
        page_problems = check_pages(project_root(env.conf), kb, links=False)
        if page_problems:
            raise DataError(page_problems)
    except DataError as e:
        # PluginError stops the build with the editor-facing report as its message.
        raise PluginError(e.report()) from None
    from .changes import GitState

    _STATE["kb"] = kb
    _STATE["git"] = GitState.of(project_root(env.conf))  # once per build, for every page's date

    def page_macro(name: str, fn, kept: bool = False):
        """A macro for pages: the editor's mistakes (unknown id, wrong quote, wrong arguments)
        name the page; anything else is a bug in the code and keeps its traceback."""
        sig = inspect.signature(fn)
        wanted = [p for p in list(sig.parameters)[1:] if p != "link"]
        usage = f"{name}({', '.join(wanted)})"

        def mistake(src: str, message: str) -> str:
            from .pagecheck import rendering_line

            line = rendering_line(env.page, getattr(env, "markdown", ""))
            PAGE_PROBLEMS.append(f"docs/{src}{f':{line}' if line else ''}: {message}")
            return f"\n\n**（这里有错误：{render.md_escape(message)}）**\n\n"

        @functools.wraps(fn)
        def macro(*args, **kwargs):
            src = page_src(env)
            link = render.Linker(src, kb.by_id)
            try:
                sig.bind(kb, *args, link=link, **kwargs)
            except TypeError:
                return mistake(src, f"宏 {name} 的参数不对：用法是 {{{{ {usage} }}}}。")
            try:
                if kept:
                    key = (name, src, repr(args), repr(sorted(kwargs.items())))
                    return macrocache.call(kb, key, lambda seen: fn(seen, *args, link=render.Linker(src, seen.by_id), **kwargs))
                return fn(kb, *args, link=link, **kwargs)
            except ContentError as e:
                return mistake(src, str(e))
        return macro

    # A preview keeps each macro's output between rebuilds, by the data it read (kb.macrocache);
    # not the macros that read more than data (sections.READS_BEYOND_DATA).
    from . import cache, macrocache

    serving = getattr((env.conf.get("plugins") or {}).get("kb"), "command", "build") == "serve"
    keeping = _STATE["keep_compiled"] = serving and cache.enabled()
    if reloaded:
        macrocache.forget()

    for sec in sections.SECTIONS:
        for name, fn_name in sec.macros.items():
            kept = keeping and name not in sections.READS_BEYOND_DATA
            env.macro(page_macro(name, getattr(render, fn_name), kept), name)

    # Findability steps fed from the data, rebuilt on every build (serve included): glossary
    # tooltips in running text; tags and related content under items.
    from .glossarytips import GlossaryTooltips
    from .tags import ItemExtras

    exts = env.conf.get("markdown_extensions")
    if exts is not None:  # None: a test's stand-in configuration
        exts[:] = [e for e in exts if type(e).__name__ not in ("GlossaryTooltips", "ItemExtras")]
        exts += [GlossaryTooltips(kb.glossary.terms, lambda: page_src(env),
                                  {k: d.meta.short_title for k, d in kb.documents.items()}, late_titles=True), ItemExtras(kb.tagging, lambda: page_src(env))]
    # No env.variables["kb"]: mkdocs-macros' on_pre_build serialises every variable to JSON for
    # its debug log, debug on or off, in time proportional to the content.


_STATE: dict = {}  # the build's knowledge base, for the page hooks


def edit_url(conf) -> str:  # noqa: ANN001
    """The intranet git server's edit address, {path} for the file: mkdocs.yml extra.kb_edit_url."""
    return str((conf.get("extra") or {}).get("kb_edit_url") or "")


def on_pre_page_macros(env) -> None:  # noqa: ANN001
    """A preview keeps the compiled template of each page's unchanged text (kb.servefast)."""
    jinja_env = env.env  # made anew by mkdocs-macros for every build, after define_env
    if _STATE.get("keep_compiled") and not getattr(jinja_env, "kb_kept", False):
        from .servefast import keep_compiled

        keep_compiled(jinja_env)
        jinja_env.kb_kept = True


def on_post_page_macros(env) -> None:  # noqa: ANN001
    """A page's front-matter tags must be declared in data/tags.yml, and the page gets its "本页话题"
    line; every page ends with when its content last changed (git, data and page files) and 编辑此页."""
    from .errors import DataError
    from .pagemeta import page_footer
    from .tags import check_page_tags, page_tags_markdown, with_page_tags

    kb = _STATE.get("kb")
    if kb is None:
        return
    src = page_src(env)
    try:
        declared = check_page_tags(kb.tagging, env.page.meta.get("tags"), project_root(env.conf) / env.conf["docs_dir"] / src,
                                   f"docs/{src}")
    except DataError as e:
        PAGE_PROBLEMS.extend(str(p) for p in e.problems)
        declared = []
    env.markdown = with_page_tags(env.markdown, page_tags_markdown(kb.tagging, src, declared))
    env.markdown += page_footer(project_root(env.conf), kb, page_src(env), edit_url(env.conf), _STATE.get("git"))


def on_post_build(env) -> None:  # noqa: ANN001
    """Our search index and worker; then make the written site self-contained, and prove it."""
    import os

    from mkdocs.exceptions import PluginError

    from .searchindex import rewrite
    from .selfcontained import external_references, leak_report, leaks, neutralise

    site = Path(env.conf["site_dir"])
    kb_plugin = env.conf.plugins.get("kb")
    # KB_SEARCH_ENGINE=material keeps Material's own lunr search: for the benchmark's comparison only.
    if os.environ.get("KB_SEARCH_ENGINE", "kb") != "material":
        try:
            rewrite(site, _STATE["kb"], getattr(kb_plugin, "vocabulary", None), getattr(kb_plugin, "pointed", 0))
        except ValueError as e:  # e.g. a Material upgrade changed how pages name the search worker
            raise PluginError(f"无法生成站内搜索：{e}") from None
    offline = getattr(env.conf.plugins.get("material/offline") or env.conf.plugins.get("offline"), "config", {})
    try:
        neutralise(site, project_root(env.conf) / "deploy" / "offline", offline=bool(offline.get("enabled", True)))
    except (ValueError, FileNotFoundError) as e:  # e.g. a Material upgrade moved a patched pattern
        raise PluginError(f"无法使构建结果自包含：{e}") from None
    # A build's pages are checked in kb.hardening's one pass over them (after this); a preview's here.
    skip = (".html",) if getattr(kb_plugin, "command", "serve") != "serve" else ()
    found = leaks(external_references(site, urlsplit(env.conf.get("site_url") or "").netloc, skip),
                  urlsplit(edit_url(env.conf)).netloc)
    if found:
        raise PluginError(leak_report(found))
