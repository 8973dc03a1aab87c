"""Code-made controls (the 自测 forms) bypass the page allowlist only through placeholders that
no editor can write."""
from __future__ import annotations

import pytest

from kb import sanitise, widgets


def test_a_placeholder_is_restored_after_the_allowlist():
    marker = widgets.placeholder('<form id="x"><button type="submit">开始</button></form>')
    page = f"<p>导语</p>{marker}"
    assert sanitise.clean(page) == page, "the placeholder itself passes the allowlist"
    assert widgets.restore(sanitise.clean(page)) == '<p>导语</p><form id="x"><button type="submit">开始</button></form>'


def test_an_editor_cannot_forge_a_placeholder():
    widgets.placeholder("<form></form>")
    forged = '<div id="kb-widget-000000000000000000000000-0"></div>'
    assert widgets.restore(forged) == forged


@pytest.mark.parametrize("tag", ["<form>", "<input>", "<button>", "<select>"])
def test_controls_written_in_a_page_are_still_refused(tag):
    fragment = f"<p>说明</p>{tag}"
    assert sanitise.refused(fragment), f"{tag} in page content must be refused"
