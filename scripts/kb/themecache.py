"""`kb serve` only: each page's theme template output is kept between rebuilds, without the page's HTML.

Material's templates (navigation, header, table of contents, footer) cost more per page than
anything else once the content comes from the render cache: at 100× content every page carries a
navigation of hundreds of entries. A rebuild renders a page's template only when something it
shows changed; what it shows is in the key:
- the page: address, title, meta, table of contents, edit link, previous and next page, and
  whether its HTML has an h1 (Material adds the title when it has none);
- the whole navigation (titles, addresses, nesting), the configuration, the template's name and
  the project's own template overrides.
The page's HTML itself is not in the key: the template is rendered with a placeholder in its place
(Material prints `page.content` once) and the HTML goes in after. Kept in memory for the process:
a build from scratch renders every template (tests/test_cache.py compares a kept rebuild with a
build without the cache).
MkDocs-aware (installed by kb.plugin on `serve`).
"""
from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from pathlib import Path

from . import cache

_NONCE = secrets.token_hex(12)
_kept: dict = {"old": {}, "new": {}}


def install(env, config) -> None:  # noqa: ANN001 - Jinja environment and MkDocs config
    """Wrap env.get_template for this build (the environment is made anew for every build)."""
    if not cache.enabled() or getattr(env.get_template, "__kb_kept__", False):
        return
    get_template = env.get_template
    state = {"site": None, "config": config}

    def kept_get_template(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        return _Kept(get_template(name, *args, **kwargs), str(name), state)

    kept_get_template.__kb_kept__ = True
    env.get_template = kept_get_template


def finish() -> None:
    """This build's outputs are what the next build may reuse."""
    _kept["old"], _kept["new"] = _kept["new"], {}


class _Kept:
    def __init__(self, template, name: str, state: dict):  # noqa: ANN001 - a Jinja template
        self.template, self.name, self.state = template, name, state

    def __getattr__(self, attr: str):  # noqa: ANN204 - everything but render is the template's
        return getattr(self.template, attr)

    def render(self, context) -> str:  # noqa: ANN001 - MkDocs' template context
        page = context.get("page")
        if page is None or not isinstance(page.content, str):
            return self.template.render(context)
        content = page.content
        has_h1 = "<h1" in content  # partials/content.html adds the title when there is none
        key = self.key(context, page, has_h1)
        fake = f"<!--kb-page-content-{_NONCE}-->" + ("<h1>" if has_h1 else "")
        shell = _kept["new"].get(key) or _kept["old"].get(key)
        if shell is None:
            page.content = fake
            try:
                shell = self.template.render(context)
            finally:
                page.content = content
            if shell.count(fake) != 1:  # a template that shows the HTML twice (or not at all): no reuse
                return self.template.render(context)
        _kept["new"][key] = shell
        return shell.replace(fake, content)

    def key(self, context, page, has_h1: bool) -> bytes:  # noqa: ANN001
        if self.state["site"] is None:
            self.state["site"] = _site_digest(context)
        extra = {k: v for k, v in context.items() if k not in ("nav", "pages", "config", "page", "build_date_utc")}
        facts = [self.name, self.state["site"], has_h1, extra,
                 page.url, page.canonical_url, page.abs_url, page.edit_url, page.title, page.is_homepage,
                 page.file.src_uri, page.meta, _toc(page.toc),
                 [(p.url, p.title) if p else None for p in (page.previous_page, page.next_page)]]
        return hashlib.sha256(json.dumps(facts, sort_keys=True, default=_plain).encode("utf-8")).digest()


def _site_digest(context) -> str:  # noqa: ANN001
    """Navigation, configuration and template overrides: the same for every page of a build."""
    config = context["config"]
    settings = {k: config[k] for k in config.keys() if k not in ("plugins", "markdown_extensions", "mdx_configs")}
    overrides = []
    for folder in config.theme.dirs:
        if not Path(folder).resolve().is_relative_to(Path(config["config_file_path"]).resolve().parent):
            continue  # the installed theme does not change while the process runs
        overrides += [(str(p), p.read_bytes().hex()) for p in sorted(Path(folder).rglob("*")) if p.is_file()]
    facts = [_nav(context["nav"].items), settings, repr(config.theme), overrides,
             sorted(str(getattr(p, "url", p)) for p in context.get("pages") or [])]
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=_plain).encode("utf-8")).hexdigest()


def _nav(items) -> list:  # noqa: ANN001 - MkDocs navigation items
    return [[type(i).__name__, i.title, getattr(i, "url", None), _nav(getattr(i, "children", None) or [])] for i in items]


def _toc(toc) -> list:  # noqa: ANN001
    return [(a.id, a.title, a.level, _toc(a.children)) for a in toc]


def _plain(o) -> str:  # noqa: ANN001
    if isinstance(o, (Path, datetime.date, datetime.time)):
        return str(o)
    # Plugin objects and the like count by their type: templates read the settings above.
    return type(o).__qualname__
