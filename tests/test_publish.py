"""Releases: manifest, verification, atomic switch, rollback, pruning, drafts, and SIGKILL at any point."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb import release

from .conftest import ROOT, kb_cmd

pytestmark = pytest.mark.build


def run(command: str, *args, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return kb_cmd(command, *args, cwd=cwd, env=env)


def current_of(dest: Path) -> str:
    link = dest / "current"
    assert link.is_symlink(), "current must be a symlink"
    target = os.readlink(link)
    assert target.startswith("releases/"), "relative, so DEST can move"
    return Path(target).name


def assert_current_complete(dest: Path) -> None:
    name = current_of(dest)
    assert release.verify(dest / "releases" / name) == [], name
    assert (dest / "current" / "index.html").is_file()


@pytest.fixture
def dest(tmp_path, site) -> Path:
    d = tmp_path / "dest"
    result = run("publish", d, "--site", site)
    assert result.returncode == 0, result.stderr
    return d


def test_release_has_manifest_gz_and_no_inline_scripts(dest):
    name = current_of(dest)
    tree = dest / "releases" / name
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4,}(-\d+)?", name) or name.endswith("-nogit")
    manifest = json.loads((tree / "manifest.json").read_text("utf-8"))
    assert manifest["release"] == name and manifest["base"] == "/"
    assert manifest["tools"]["mkdocs"].startswith("1.6") and manifest["tools"]["mkdocs-material"].startswith("9.")
    assert len(manifest["git_commit"]) == 40
    listed = set(manifest["files"])
    assert "index.html" in listed and "index.html.gz" in listed and "manifest.json" not in listed
    assert all(f["size"] >= 0 and len(f["sha256"]) == 64 for f in manifest["files"].values())
    for page in tree.rglob("*.html"):
        assert not re.search(r"<script>", page.read_text("utf-8")), f"inline script left in {page}"
    assert list((tree / release.INLINE_DIR).glob("*.js"))
    assert oct((tree / "index.html").stat().st_mode)[-3:] == "644" and oct(tree.stat().st_mode)[-3:] == "755"


def test_verify_names_missing_extra_and_altered_files(dest):
    tree = dest / "current"
    ok = run("verify", tree)
    assert ok.returncode == 0 and "与清单一致" in ok.stdout
    (tree / "faq" / "index.html").write_text("tampered", "utf-8")
    (tree / "glossary" / "index.html.gz").unlink()
    (tree / "extra.html").write_text("x", "utf-8")
    bad = run("verify", tree)
    assert bad.returncode == 1
    assert "文件被改动：faq/index.html" in bad.stderr
    assert "缺少文件：glossary/index.html.gz" in bad.stderr
    assert "多出文件：extra.html" in bad.stderr


def test_publish_switches_and_rollback_goes_back(dest, site):
    first = current_of(dest)
    assert run("publish", dest, "--site", site).returncode == 0
    second = current_of(dest)
    assert second != first and second > first
    back = run("rollback", dest)
    assert back.returncode == 0, back.stderr
    assert current_of(dest) == first
    assert_current_complete(dest)
    again = run("rollback", dest)
    assert again.returncode != 0 and "没有可以回退的版本" in again.stderr
    assert current_of(dest) == first


def test_rollback_refuses_a_corrupted_previous_release(dest, site):
    first = current_of(dest)
    assert run("publish", dest, "--site", site).returncode == 0
    second = current_of(dest)
    (dest / "releases" / first / "index.html").write_text("corrupt", "utf-8")
    result = run("rollback", dest)
    assert result.returncode != 0 and "校验失败" in result.stderr
    assert current_of(dest) == second


def test_keeps_the_newest_five_releases(dest, site):
    for _ in range(6):
        assert run("publish", dest, "--site", site).returncode == 0
    names = sorted(p.name for p in (dest / "releases").iterdir())
    assert len(names) == 5 and current_of(dest) == names[-1]


def test_sigkill_at_any_point_leaves_current_complete(dest, site):
    before = current_of(dest)
    traced = run("publish", dest, "--site", site, env={"KB_PUBLISH_TRACE": "1"})
    total = int(re.search(r"steps: (\d+)", traced.stdout).group(1))
    assert total > 50  # one step per written file and more: enough points to kill at (the site has no lunr files)
    published = current_of(dest)
    assert published != before
    # Every step near the end (where the switch happens), and a spread of the rest.
    points = sorted(set(range(1, total + 1, 5)) | set(range(max(1, total - 12), total + 1)))
    seen = set()
    for k in points:
        result = run("publish", dest, "--site", site, env={"KB_PUBLISH_KILL_AT": str(k)})
        assert result.returncode == -9, (k, result.stderr)
        assert_current_complete(dest)
        seen.add(current_of(dest))
    # Killed before the switch: the old release; killed after it: the new one. Never anything else.
    assert published in seen and len(seen) >= 2
    assert run("publish", dest, "--site", site).returncode == 0
    assert not list((dest / "releases").glob(".partial-*")), "a later publish clears what killed ones left"
    assert not list(dest.glob(".current-*")) or all(p.is_symlink() for p in dest.glob(".current-*"))
    assert_current_complete(dest)


def test_sub_path_release_rebases_only_the_404_page(tmp_path, site):
    d = tmp_path / "dest"
    assert run("publish", d, "--site", site, "--base", "/kb/").returncode == 0
    tree = d / "current"
    page404 = (tree / "404.html").read_text("utf-8")
    assert 'href="/kb/assets/stylesheets/' in page404 and 'src="/kb/assets/javascripts/inline/' in page404
    assert 'href="/assets' not in page404
    assert 'href="assets/stylesheets/' in (tree / "index.html").read_text("utf-8")
    bad = run("publish", d, "--site", site, "--base", "kb")
    assert bad.returncode != 0 and "BASE" in bad.stderr


def test_failed_build_publishes_nothing_and_drafts_never_ship(project_copy, tmp_path):
    d = tmp_path / "dest"
    drafts = project_copy / "docs" / "drafts"
    drafts.mkdir()
    (drafts / "note.md").write_text("# 草稿\n\n未定稿标记甲\n", "utf-8")
    (project_copy / "docs" / "faq.draft.md").write_text("# 草稿\n\n未定稿标记乙\n", "utf-8")
    ok = run("publish", d, cwd=project_copy)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    good = current_of(d)
    shipped = "".join(p.read_text("utf-8", errors="replace") for p in (d / "current").rglob("*")
                      if p.is_file() and p.suffix in {".html", ".json", ".xml"})
    assert "未定稿标记" not in shipped
    assert "未定稿标记" not in (d / "current" / "search" / "search_index.json").read_text("utf-8")

    faq = project_copy / "data" / "faq.yml"
    faq.write_text(faq.read_text("utf-8").replace("quote: ", "quote: 不存在的引文", 1), "utf-8")
    failed = run("publish", d, cwd=project_copy)
    assert failed.returncode != 0 and "current 未改变" in failed.stderr
    assert current_of(d) == good
    assert_current_complete(d)
