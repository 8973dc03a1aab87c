"""Instant navigation while the next page is still on its way (shared by test_browser and test_nginx).

Material pushes the new address when a link is clicked and scrolls only once the page has arrived,
by the state of the new history entry. Whatever the old page writes into that entry in between
(its scroll offset, navigation.tracking's anchor) decides where the reader lands. These helpers
hold the next page's response (a slow server), make the old page write, wait until it HAS written,
then release the page: no sleeps, the race is decided every time the same way.
"""
from __future__ import annotations

import time
from urllib.parse import urldefrag, urljoin

import pytest
from playwright.sync_api import Error as PlaywrightError, Page, expect

# What the old page does while the next one loads, and the state that shows it has been written.
MEANWHILE = {
    # the reader scrolls: Material's offset tracker (100 ms debounce) stores the old offset
    "scroll": "() => history.state !== null",
    # the reader scrolls: navigation.tracking (250 ms) rewrites the new address's #fragment
    "tracking": "fragment => location.hash !== fragment",
    # the click came before Material's start-up timer ran (a busy machine): it stores offset 0
    "start-up": "() => history.state !== null",
}


def stop_timers(page: Page) -> None:
    """Before page.goto: the page's timers stand still, as on a machine too busy to run them yet."""
    page.clock.install()
    page.clock.pause_at(time.time() + 1)


def follow_while_page_loads(page: Page, link, meanwhile: str) -> str:
    """Click `link` (to another page's #fragment) with that page held back until the old page has
    written into the new history entry as `meanwhile` says; then let it arrive. Returns the href."""
    href = urljoin(page.url, link.get_attribute("href"))
    page_url, held = urldefrag(href).url, []
    page.route(page_url, lambda route: held.append(route))
    link.click()
    expect(page).to_have_url(href)  # Material has pushed the entry; the page is still held
    if meanwhile == "start-up":
        page.clock.resume()
    else:
        box = page.locator("article").bounding_box()
        page.mouse.move(box["x"] + 10, 400)
        page.mouse.wheel(0, 300)
    try:
        page.wait_for_function(MEANWHILE[meanwhile], arg="#" + urldefrag(href).fragment)
    except PlaywrightError:
        pytest.fail(f"the old page never wrote into the new history entry ({meanwhile}: "
                    f"{MEANWHILE[meanwhile]}): has Material's instant navigation changed?")
    assert len(held) == 1, f"the request for {href} was not held: {held}"
    held[0].continue_()
    page.unroute(page_url)  # only now: unrouting first would already have handled the held request
    return href
