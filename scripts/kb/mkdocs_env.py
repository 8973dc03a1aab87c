"""The mkdocs-macros side of the site: registers the section table's macros.

The only MkDocs-aware code besides plugin.py. The content layer (models, content, render,
sections) stays free of MkDocs so that it can move to another generator unchanged.
"""
from __future__ import annotations

import functools
import inspect
from pathlib import Path
from urllib.parse import urlsplit

CONTENT_MODULES = ("errors", "editorial", "citefix", "models", "sections", "yamlsource", "content", "checks", "pagecheck",
                   "changes", "pagemeta", "render", "selfcontained")


def _reload_content_layer() -> None:
    """`mkdocs serve` keeps imported modules: reload ours so code edits show up like data edits."""
    import importlib
    import sys

    for name in CONTENT_MODULES:
        module = sys.modules.get(f"{__package__}.{name}")
        if module is not None:
            importlib.reload(module)


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

    _reload_content_layer()

    from . import render, sections
    from .checks import check
    from .errors import ContentError, DataError

    from .checks import check_pages

    try:
        kb = check(project_root(env.conf))
        # Pages too, before any is rendered: a macro mistake is named with page and line here,
        # instead of a Jinja traceback from mkdocs-macros later.
        page_problems = check_pages(project_root(env.conf), kb)
        if page_problems:
            raise DataError(page_problems)
    except DataError as e:
        # PluginError stops the build with the editor-facing report as its message.
        raise PluginError(e.report()) from None
    _editor_facing_page_errors()
    _STATE["kb"] = kb

    def page_macro(name: str, fn):
        """A macro for pages: the editor's mistakes (unknown id, wrong quote, wrong arguments)
        name the page; anything else is a bug in the code and keeps its traceback."""
        sig = inspect.signature(fn)
        wanted = [p for p in list(sig.parameters)[1:] if p != "link"]
        usage = f"{name}({', '.join(wanted)})"

        @functools.wraps(fn)
        def macro(*args, **kwargs):
            src = page_src(env)
            link = render.Linker(src, kb.by_id)
            try:
                sig.bind(kb, *args, link=link, **kwargs)
            except TypeError:
                raise PluginError(f"docs/{src}: 宏 {name} 的参数不对：用法是 {{{{ {usage} }}}}。") from None
            try:
                return fn(kb, *args, link=link, **kwargs)
            except ContentError as e:
                raise PluginError(f"docs/{src}: {e}") from None
        return macro

    for sec in sections.SECTIONS:
        for name, fn_name in sec.macros.items():
            env.macro(page_macro(name, getattr(render, fn_name)), name)
    # No env.variables["kb"]: mkdocs-macros' on_pre_build serialises every variable to JSON for
    # its debug log, debug on or off, in time proportional to the content.


_STATE: dict = {}  # the build's knowledge base, for the page-footer hook


def edit_url(conf) -> str:  # noqa: ANN001
    """The intranet git server's edit address, {path} for the file: mkdocs.yml extra.kb_edit_url."""
    return str((conf.get("extra") or {}).get("kb_edit_url") or "")


def on_post_page_macros(env) -> None:  # noqa: ANN001
    """Every page ends with when its content last changed (git, data and page files) and 编辑此页."""
    from .pagemeta import page_footer

    kb = _STATE.get("kb")
    if kb is not None:
        env.markdown += page_footer(project_root(env.conf), kb, page_src(env), edit_url(env.conf))


def _editor_facing_page_errors() -> None:
    """mkdocs-macros prints a traceback for any exception in a page; for the editor-facing ones
    (PluginError from page_macro) print page, line and the Chinese message instead."""
    from mkdocs.exceptions import PluginError
    from mkdocs_macros.errors import format_error

    from .pagecheck import editor_message

    @format_error.register(PluginError)
    def _(error, markdown, page) -> str:  # noqa: ANN001
        try:
            text = Path(page.file.abs_src_path).read_text("utf-8-sig")
        except (OSError, TypeError, ValueError):
            text = None
        return editor_message(error, page.file.src_uri, text, markdown)


def on_post_build(env) -> None:  # noqa: ANN001
    """Make the written site self-contained, then prove it: any external reference fails the build."""
    from mkdocs.exceptions import PluginError

    from .selfcontained import external_references, neutralise

    site = Path(env.conf["site_dir"])
    try:
        neutralise(site, project_root(env.conf) / "deploy" / "offline")
    except (ValueError, FileNotFoundError) as e:  # e.g. a Material upgrade moved a patched pattern
        raise PluginError(f"无法使构建结果自包含：{e}") from None
    leaks = external_references(site, urlsplit(env.conf.get("site_url") or "").netloc)
    edit_host = urlsplit(edit_url(env.conf)).netloc.lower()
    if edit_host:  # 编辑此页 links to the intranet git server: links, never fetched by the page
        leaks = [x for x in leaks if f"//{edit_host}" not in x.lower() or "href=" not in x.lower()]
    if leaks:
        raise PluginError("构建结果引用了外部地址（内网无法访问）：\n  " + "\n  ".join(leaks[:20]))
