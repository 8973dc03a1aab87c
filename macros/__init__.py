"""mkdocs-macros entry point (mkdocs.yml: macros.module_name). The code is the `kb` package:
the macros come from its section table (scripts/kb/sections.py), rendered by scripts/kb/render.py."""
from kb.mkdocs_env import define_env, on_post_build, on_post_page_macros, on_pre_page_macros

__all__ = ["define_env", "on_post_build", "on_post_page_macros", "on_pre_page_macros"]
