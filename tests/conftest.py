"""Shared fixtures: one strict build per test session, a loopback server, one Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb.harness.browser import CHROMIUM, launch
from kb.harness.servers import SiteServer, free_port

ROOT = Path(__file__).resolve().parent.parent


def kb_cmd(*args, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """The `kb` command as an editor or operator runs it, from the project folder `cwd`."""
    return subprocess.run([sys.executable, "-m", "kb", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def mkdocs_build(project: Path, site_dir: Path, site_url: str | None = None) -> subprocess.CompletedProcess:
    """A strict build of `project`, run from its root as the Makefile does."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("KB_SITE_URL", None)
    if site_url:
        env["KB_SITE_URL"] = site_url
    return subprocess.run([str(mkdocs), "build", "--strict", "--site-dir", str(site_dir)],
                          cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def site_port() -> int:
    """The test server's port, known before the build: site_url must match it for instant navigation."""
    return free_port()


@pytest.fixture(scope="session")
def site(tmp_path_factory, site_port) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = mkdocs_build(ROOT, out, site_url=f"http://127.0.0.1:{site_port}/")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


# What a scratch copy of the project holds: every build input and the editors' tool configuration.
PROJECT_FILES = ("mkdocs.yml", "copy-style.yml", ".pre-commit-config.yaml", ".yamllint.yml", "docs", "macros", "data",
                 "scripts", "overrides", "deploy")


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A scratch copy of the project for tests that break content on purpose."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def base_url(site, site_port) -> str:
    with SiteServer(site, site_port) as server:
        yield server.base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
