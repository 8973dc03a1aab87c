"""mkdocs-macros entry point: the only place that knows about MkDocs.

define_env loads and validates data/ once per build and registers one macro per
render function. The content layer (models, content, render) stays MkDocs-free.
"""
from __future__ import annotations

import functools
import os
import posixpath
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


CONTENT_MODULES = ("errors", "models", "yamlsource", "content", "checks", "render", "selfcontained", "quiz", "handbook")


def _reload_content_layer() -> None:
    """`mkdocs serve` keeps imported modules: reload ours so code edits show up like data edits."""
    import importlib
    import sys

    for name in CONTENT_MODULES:
        module = sys.modules.get(f"{__name__}.{name}")
        if module is not None:
            importlib.reload(module)


def define_env(env) -> None:  # noqa: ANN001 - the mkdocs-macros environment
    from mkdocs.exceptions import PluginError

    _reload_content_layer()

    from . import render as r
    from .checks import check
    from .errors import DataError
    from .handbook import pdf_notice, render_handbook
    from .quiz import render_quiz

    try:
        kb = check(ROOT)
    except DataError as e:
        # PluginError stops the build with the editor-facing report as its message.
        raise PluginError(e.report()) from None

    def link():
        return r.Linker(env.page.file.src_uri)

    # One macro per render function; names are greppable from docs/.
    macros = {
        "principles": lambda: r.render_principles(kb, link()),
        "phase": lambda phase_id: r.render_phase(kb, phase_id, link()),
        "phase_title": lambda phase_id: r.phase_title(kb.phase(phase_id)),
        "source_title": lambda doc_id: kb.document(doc_id).meta.title,
        "phase_cards": lambda: r.render_phase_cards(kb, link()),
        "requirements": lambda: r.render_requirements(kb, link()),
        "problems": lambda: r.render_problems(kb, link()),
        "organisation": lambda: r.render_organisation(kb, link()),
        "faq": lambda: r.render_faq(kb, link()),
        "faq_index": lambda: r.render_faq_index(kb, link()),
        "glossary": lambda: r.render_glossary(kb, link()),
        "events": lambda: r.render_events(kb, link()),
        "source_document": lambda doc_id: r.render_document(kb, doc_id, link()),
        "source_documents": lambda: r.render_document_list(kb, link()),
        "home_cards": lambda: r.render_home_cards(kb, link()),
        "quote": lambda doc_id, para, text: r.render_quote(kb, doc_id, para, text, link()),
        "quiz": lambda: render_quiz(kb, link()),
        "handbook": lambda: render_handbook(kb, link()),
        "handbook_pdf": lambda: pdf_notice(_site_relative(env, os.environ.get("KB_HANDBOOK_PDF"))),
    }

    def named_page_errors(fn):
        """A wrong id or quote in a page stops the build with the page's name in the message."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (LookupError, ValueError) as e:
                raise PluginError(f"docs/{env.page.file.src_uri}: {e}") from None
        return wrapper

    for name, fn in macros.items():
        env.macro(named_page_errors(fn), name)
    # No env.variables["kb"]: mkdocs-macros' on_pre_build serialises every variable to JSON for
    # its debug log, debug on or off, in time proportional to the content.


def _site_relative(env, target: str | None) -> str | None:  # noqa: ANN001
    """A link from the current page to a file the build adds to the site (e.g. the handbook PDF)."""
    if not target:
        return None
    page_dir = posixpath.dirname(env.page.url) or "."
    return posixpath.relpath(target, page_dir)


def on_post_build(env) -> None:  # noqa: ANN001
    """Make the written site self-contained, then prove it: any external reference fails the build."""
    from mkdocs.exceptions import PluginError

    from .selfcontained import external_references, neutralise

    site = Path(env.conf["site_dir"])
    try:
        neutralise(site, ROOT / "deploy" / "offline")
    except (ValueError, FileNotFoundError) as e:  # e.g. a Material upgrade moved a patched pattern
        raise PluginError(f"无法使构建结果自包含：{e}") from None
    leaks = external_references(site, urlsplit(env.conf.get("site_url") or "").netloc)
    if leaks:
        raise PluginError("构建结果引用了外部地址（内网无法访问）：\n  " + "\n  ".join(leaks[:20]))
