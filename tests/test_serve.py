"""The editor's live preview: `mkdocs serve` shows a data edit, and survives a broken one."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.harness.servers import free_port, wait_for_text

pytestmark = pytest.mark.build


def wait_for(url: str, text: str, limit: float = 60) -> bool:
    return wait_for_text(url, text, limit, interval=0.3) is not None


def test_preview_shows_data_edits_and_recovers_from_errors(project_copy: Path, tmp_path: Path):
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--addr", f"127.0.0.1:{port}"],
                            cwd=project_copy, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/glossary/"
    try:
        assert wait_for(url, "术语表"), "preview did not start"
        glossary = project_copy / "data" / "glossary.yml"
        original = glossary.read_text("utf-8")
        glossary.write_text(original.replace("definition: ", "definition: 预览测试标记。", 1), "utf-8")
        assert wait_for(url, "预览测试标记"), "the data edit did not reach the preview"

        # A broken edit: the console names file, line and field; MkDocs holds requests until it is fixed.
        glossary.write_text(original.replace("definition:", "definitoin:", 1), "utf-8")
        deadline = time.monotonic() + 30
        while "definitoin" not in log.read_text("utf-8") and time.monotonic() < deadline:
            time.sleep(0.3)
        line = next(n for n, text in enumerate(original.splitlines(), 1) if "definition:" in text)
        assert f"data/glossary.yml:{line} terms[0].definitoin: 未知字段" in log.read_text("utf-8")
        glossary.write_text(original.replace("definition: ", "definition: 已修好。", 1), "utf-8")
        assert wait_for(url, "已修好"), "the preview did not recover after the fix"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_preview_rebuilds_on_changes_not_on_reads(tmp_path: Path):
    """`kb serve` takes the system's change events (inotify); a file read by the build must not
    count as a change, or every build would start the next one."""
    from watchdog.events import (FileClosedEvent, FileClosedNoWriteEvent, FileModifiedEvent, FileMovedEvent,
                                 FileOpenedEvent, FileSystemEventHandler)

    from kb.cli import changes_only

    seen = []
    handler = FileSystemEventHandler()
    handler.on_any_event = lambda event: seen.append(event.event_type)
    handler = changes_only(handler)
    path = str(tmp_path / "glossary.yml")
    for event in (FileOpenedEvent(path), FileClosedNoWriteEvent(path), FileModifiedEvent(path),
                  FileClosedEvent(path), FileMovedEvent(path + ".tmp", path)):
        handler.dispatch(event)
    assert seen == ["modified", "closed", "moved"]


def test_a_preview_keeps_the_compiled_template_of_an_unchanged_page():
    """mkdocs-macros compiles every page's text on every build; a preview reuses the previous
    build's code for the same text and syntax settings (kb.servefast.keep_compiled)."""
    import jinja2

    from kb.servefast import keep_compiled

    def build(**settings):
        env = jinja2.Environment(**settings)
        keep_compiled(env)
        return env

    first = build()
    code = first.compile("页面 {{ 1 + 1 }}")
    second = build()
    assert second.compile("页面 {{ 1 + 1 }}") is code  # kept from the previous build
    assert second.from_string("页面 {{ 1 + 1 }}").render() == "页面 2"
    assert second.compile("页面 {{ 2 + 2 }}") is not code  # another text
    third = build(variable_start_string="[[", variable_end_string="]]")
    assert third.from_string("页面 {{ 1 + 1 }} [[ 3 ]]").render() == "页面 {{ 1 + 1 }} 3"  # other syntax: compiled anew
    with pytest.raises(jinja2.TemplateSyntaxError):
        build().compile("{% if %}")
