"""The `kb` MkDocs plugin: pages and navigation from the section table (MkDocs' own hooks).

Registered as an entry point in pyproject.toml and listed in mkdocs.yml before `macros`.
"""
from __future__ import annotations

import gc
import os
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlsplit

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from .checks import check
from .errors import DataError
from . import cache, hardening, helper as helpers, inlinescripts, latefill, rendercache, searchindex, segmenter, widgets
from .mkdocs_env import PAGE_PROBLEMS, edit_url, project_root
from .pages import generated_pages, site_nav


class KbPlugin(BasePlugin):
    command = "build"

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command  # `serve` keeps inline scripts for its live reload (hardening.py)
        if command == "serve":
            from . import servefast

            servefast.install()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.command == "serve":
            from . import servefast

            servefast.begin(config)  # before MkDocs lists the theme's files
            servefast.collect_garbage()  # the previous builds', if not done while the preview was idle
        collecting = gc.isenabled()
        gc.disable()  # loading builds many long-lived objects and no cycles worth collecting
        try:
            self.kb = check(project_root(config))
            self.checked = (config, self.kb)  # the macros' define_env (mkdocs_env.py) reuses it in this build
        except DataError as e:
            raise PluginError(e.report()) from None
        finally:
            if collecting:
                gc.enable()
        # The loaded content lives for the whole build: move it (and the imports) out of the cyclic
        # collector's way, or every full collection during Markdown and search work re-scans it.
        gc.freeze()
        if not config.nav:  # a nav written in mkdocs.yml still wins
            config.nav = site_nav(self.kb)
        # The build's helper process (kb.helper), forked now that the content is loaded. Not for a
        # preview: its server threads make forking unsafe (and it mostly finds its work cached).
        self.helper = helpers.Helper() if self.command != "serve" else None
        if self.helper is not None:  # first: the glossary's order waits for it
            from . import pinyin
            from .searchvocab import pinyin_names

            pinyin.prefetch(self.helper.run(pinyin.syllables, pinyin_names(self.kb)))
        self.vocabulary = None
        # KB_SEARCH_ENGINE=material keeps Material's own lunr search (and its cut): the benchmark's comparison only.
        if os.environ.get("KB_SEARCH_ENGINE", "kb") != "material":
            search = getattr(config.plugins.get("material/search") or config.plugins.get("search"), "config", None)
            from .searchindex import warm_up
            from .searchvocab import domain_words

            # The site's own words stay whole in jieba's cut.
            self.vocabulary = segmenter.Vocabulary(domain_words(self.kb), getattr(search, "jieba_dict", None),
                                                   getattr(search, "jieba_dict_user", None), helper=self.helper)
            segmenter.install()
            searchindex.keep_material_index()
            self.vocabulary.run(warm_up)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        hardening.check_files(files, config)
        for path, content in generated_pages(self.kb).items():
            if files.get_file_from_path(path) is None:
                files.append(File.generated(config, path, content=content))
        rendercache.begin(config, files)
        self.trusted: dict[str, inlinescripts.Content] = {}
        self.allowlist = ThreadPoolExecutor(1, thread_name_prefix="kb-allowlist")
        self.pending: list[tuple[object, Future]] = []
        self.pointed = 0
        return files

    def on_post_page(self, output: str, page, config: MkDocsConfig) -> str:  # noqa: ANN001
        # Every page's configuration names the site's own search worker (kb.searchindex), as it is written.
        if self.vocabulary is None:  # KB_SEARCH_ENGINE=material
            return output
        output, pointed = searchindex.point_to_worker(output)
        self.pointed += pointed
        return output

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        # The theme's own pages (404.html) are not pages to MkDocs' events.
        if self.vocabulary is None or not template_name.endswith(".html"):
            return output_content
        return searchindex.point_to_worker(output_content)[0]

    @event_priority(100)  # every page's final content in place before any other plugin's on_env
    def on_env(self, env, config: MkDocsConfig, files: Files):  # noqa: ANN001
        refused = []
        for page, task in self.pending:
            try:
                page.content = task.result()
            except PluginError as e:  # the editor's: reported with every other page's
                refused.append(str(e))
        self.pending = []
        self.allowlist.shutdown()
        if refused:
            raise PluginError("\n".join(refused))
        # The theme's templates are compiled anew for every build; Jinja's bytecode cache (keyed by
        # each template's source checksum) lets a preview rebuild and a warm build skip that.
        if cache.enabled():
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache.cache_dir() / "jinja"))
            (cache.cache_dir() / "jinja").mkdir(parents=True, exist_ok=True)
        if self.command == "serve":
            from . import themecache

            themecache.install(env, config)
        # Every page's Markdown has been rendered by now: stop on the editor's mistakes, all at once.
        if PAGE_PROBLEMS:
            problems = sorted(set(PAGE_PROBLEMS))
            raise PluginError(f"页面中有 {len(problems)} 处错误，构建已停止（已发布的网站不受影响）：\n  " + "\n  ".join(problems))
        return env

    # After every other plugin's on_page_content (the privacy plugin audits the page as rendered).
    @event_priority(-100)
    def on_page_content(self, html: str, page, config: MkDocsConfig, files: Files) -> str:  # noqa: ANN001
        # The allowlist runs in a thread (nh3 releases the GIL) while MkDocs renders the next pages;
        # on_env puts each page's result in place, before anything reads it. One thread: the
        # pages' finishing steps below run one at a time, in order. Until then the page holds
        # nothing, so that a big site is not held twice (as rendered and as allowed).
        self.pending.append((page, self.allowlist.submit(self._finish_content, html, page, config)))
        return ""

    def _finish_content(self, html: str, page, config: MkDocsConfig) -> str:  # noqa: ANN001
        # The allowlist first, then the site's own code-made controls back in place (widgets.py),
        # then the glossary tooltips' definitions (latefill.py): a definition edit leaves the page's
        # HTML until here unchanged, so its render, allowlist and search entries come from the cache.
        cleaned = latefill.sanitised(html, page, config)
        content = widgets.restore(cleaned)
        trusted = content == cleaned  # nothing but the allowlist's output: the post-build check may skip it
        if not trusted:
            page.kb_search_pieces = None  # the pieces are the allowlist's, not this content's
        if self.vocabulary is not None:  # before the tooltips' titles, which the search index leaves out
            self.vocabulary.prefetch(content)
        content = latefill.fill(content, page, config)
        if trusted and self.command != "serve":  # for kb.hardening, which a preview does not run
            self.trusted[page.file.dest_uri] = inlinescripts.Content.of(content)
        return content

    # After every other plugin (the offline plugin runs at -100): the pages are final.
    @event_priority(-150)
    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.vocabulary is not None:
            self.vocabulary.save()
        rendercache.finish()
        latefill.finish()
        if self.command == "serve":
            from . import servefast, themecache

            themecache.finish()
            servefast.collect_when_idle()
        if self.command != "serve":
            hardening.harden_site(config["site_dir"], self.trusted, self.helper, urlsplit(config.get("site_url") or "").netloc,
                                  urlsplit(edit_url(config)).netloc)
        if self.helper is not None:
            self.helper.close()

    def on_build_error(self, error: Exception) -> None:  # noqa: ARG002
        # A failed build does not wait for the helper to finish cutting text nobody will index.
        if getattr(self, "helper", None) is not None:
            self.helper.close()
        if getattr(self, "allowlist", None) is not None:
            self.allowlist.shutdown(cancel_futures=True)
