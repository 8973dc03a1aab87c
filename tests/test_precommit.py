"""The pre-commit hooks run offline from .venv and stop a commit with a broken data file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import copy_project


def _project(tmp_path: Path) -> tuple[Path, dict]:
    dest = copy_project(tmp_path / "clone")
    (dest / ".venv").symlink_to(Path(sys.executable).parent.parent)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "KB_PROJECT": str(dest),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "base"]):
        subprocess.run(cmd, cwd=dest, env=env, check=True)
    return dest, env


def _run(dest: Path, env: dict) -> subprocess.CompletedProcess:
    pre_commit = str(Path(sys.executable).with_name("pre-commit"))
    return subprocess.run([pre_commit, "run", "--all-files"], cwd=dest, env=env, capture_output=True, text=True, timeout=300)


def test_hooks_pass_on_the_project_and_stop_a_broken_file(tmp_path):
    dest, env = _project(tmp_path)
    ok = _run(dest, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "内容检查" in ok.stdout and "中文排版检查" in ok.stdout and "yamllint" in ok.stdout

    faq = dest / "data" / "faq.yml"
    faq.write_text(faq.read_text("utf-8").replace("        q: ", "        q:  ", 1).replace("讲话稿指出，", "讲话稿指出,", 1)
                   .replace("\n        a: ", "\n\ta: ", 1), "utf-8")
    index = dest / "docs" / "index.md"
    index.write_text(index.read_text("utf-8") + "\n详见《领导讲话稿。\n", "utf-8")
    bad = _run(dest, env)
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "制表符（Tab 键）" in out  # kb check
    assert "docs/index.md" in out and "书名号不配对" in out  # kb copy
    assert out.count("Failed") == 3, out
