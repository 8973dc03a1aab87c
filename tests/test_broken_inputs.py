"""Errors that teach: every case under tests/broken/ breaks a scratch copy of the project the way
an editor might, runs what the editor runs, and checks the exit code and the Chinese message.

A case is tests/broken/<name>/case.yml:
  edits:   what to do to the copy, each one of
           {file, append}        text appended after the file's last line ({end+K} in expect = its K-th line)
           {file, replace, with} first occurrence replaced
           {file, content}       the whole file replaced
           {file, encode}        the file re-saved in another encoding (gbk, utf-16)
           {file, bom_crlf}      the file re-saved with a BOM and Windows line endings
  run:     check (kb check) | schemas (kb schemas --check) | mkdocs (mkdocs build --strict) | build (kb build)
  exit:    expected exit code
  expect:  fragments that must all appear in the output
Every case also asserts: no Python traceback, nothing written to site/.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, copy_project
CASES = sorted(p.parent.name for p in (ROOT / "tests" / "broken").glob("*/case.yml"))


def _apply(project: Path, edit: dict) -> dict[str, int]:
    """Apply one edit; returns {file: original line count} for {end+K} in expectations."""
    path = project / edit["file"]
    ends: dict[str, int] = {}
    if "append" in edit:
        text = path.read_text("utf-8").rstrip("\n")
        ends[edit["file"]] = text.count("\n") + 1
        path.write_text(text + "\n" + edit["append"], "utf-8")
    elif "replace" in edit:
        text = path.read_text("utf-8")
        assert edit["replace"] in text, f"case is stale: {edit['replace']!r} not in {edit['file']}"
        path.write_text(text.replace(edit["replace"], edit["with"], 1), "utf-8")
    elif "content" in edit:
        path.write_text(edit["content"], "utf-8")
    elif "encode" in edit:
        path.write_bytes(path.read_text("utf-8").encode(edit["encode"]))
    elif edit.get("bom_crlf"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_text("utf-8").replace("\n", "\r\n").encode("utf-8"))
    else:
        raise AssertionError(f"unknown edit {edit}")
    return ends


def _expand(fragment: str, ends: dict[str, int]) -> str:
    def sub(m: re.Match) -> str:
        (end,) = ends.values() if len(ends) == 1 else (ends[m.group(1)],)
        return str(end + int(m.group(2)))
    return re.sub(r"\{end(?:@([^+}]+))?\+(\d+)\}", sub, fragment)


def _run(project: Path, how: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUTF8": "1"}
    env.pop("KB_SITE_URL", None)
    env["KB_PROJECT"] = str(project)
    kb = str(Path(sys.executable).with_name("kb"))
    cmd = {
        "check": [kb, "check"],
        "schemas": [kb, "schemas", "--check"],
        "mkdocs": [str(Path(sys.executable).with_name("mkdocs")), "build", "--strict"],
        "build": [kb, "build"],
    }[how]
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_there_are_enough_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_broken_input(name: str, tmp_path: Path) -> None:
    case = yaml.safe_load((ROOT / "tests" / "broken" / name / "case.yml").read_text("utf-8"))
    project = tmp_path / "project"
    project.mkdir()
    copy_project(project)
    ends: dict[str, int] = {}
    for edit in case["edits"]:
        ends.update(_apply(project, edit))
    result = _run(project, case.get("run", "check"))
    out = result.stdout + result.stderr
    assert result.returncode == case["exit"], out
    for fragment in case["expect"]:
        assert _expand(fragment, ends) in out, f"missing {_expand(fragment, ends)!r} in:\n{out}"
    assert "Traceback" not in out, out
    if case["exit"] != 0:
        assert not (project / "site").exists(), "a failed check must not write site/"
    elif case.get("run") == "mkdocs":
        assert (project / "site" / "faq" / "index.html").is_file()
