"""自测 in Debian's Chromium: answer whole sets right and wrong, by mouse, by keyboard, on a phone."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import assert_instant, goto_ready_for_instant, rebase_sitemap

pytestmark = pytest.mark.browser

START = "#kb-quiz-start"
SUBMIT = "#kb-quiz-submit"


def bank(page: Page) -> dict:
    return {q["id"]: q for q in json.loads(page.locator("#kb-quiz-data").get_attribute("data-quiz"))["questions"]}


def draw(page: Page, size: int = 20, only: str | None = None) -> list[str]:
    if only:
        for box in page.locator("input[name=section]").all():
            box.set_checked(box.get_attribute("value") == only)
    page.select_option("#kb-quiz-size", str(size))
    page.click(START)
    expect(page.locator(".kb-quiz__q").first).to_be_visible()
    return page.locator(".kb-quiz__q").evaluate_all("els => els.map(e => e.dataset.qid)")


def answer(page: Page, q: dict, right: bool) -> None:
    box = page.locator(f'fieldset[data-qid="{q["id"]}"]')
    if q["type"] == "fill":
        box.locator("input[type=text]").fill(q["answer"] if right else "不对的答案")
    elif q["type"] == "truefalse":
        value = str(q["answer"]).lower() if right else str(not q["answer"]).lower()
        box.locator(f'input[value="{value}"]').check()
    else:
        picks = [k for k, c in enumerate(q["choices"]) if c["correct"] == right]
        if not right:
            picks = picks[:1]  # one wrong choice is wrong for single and multiple alike
        for k in picks:
            box.locator(f'input[value="{k}"]').check()


def expect_feedback(page: Page, q: dict, right: bool, base_url: str) -> None:
    box = page.locator(f'fieldset[data-qid="{q["id"]}"]')
    expect(box).to_have_attribute("data-result", "right" if right else "wrong")
    expect(box.locator(".kb-quiz__verdict")).to_have_text("回答正确" if right else "回答错误")
    expect(box.locator(".kb-quiz__explanation")).to_have_text("解析：" + q["explanation"])
    if q["type"] == "fill":
        want = q["answer"]
    elif q["type"] == "truefalse":
        want = "正确" if q["answer"] else "错误"
    else:
        want = "；".join(c["text"] for c in q["choices"] if c["correct"])
    expect(box.locator(".kb-quiz__answer")).to_have_text("正确答案：" + want)
    links = box.locator(".kb-quiz__source a")
    expect(links).to_have_count(len(q["sources"]))
    for k, s in enumerate(q["sources"]):
        doc, para = s["key"].rsplit("-", 1)
        href = urljoin(page.url, links.nth(k).get_attribute("href"))
        assert urlsplit(href).path.endswith(f"/sources/{doc}/") and href.endswith(f"#p{para}"), href
        expect(links.nth(k)).to_have_text(s["label"])


@pytest.mark.parametrize("right", [True, False], ids=["all-right", "all-wrong"])
def test_a_set_answered_all_right_or_all_wrong(page, base_url, right):
    requests: list[str] = []
    page.context.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "quiz/")
    qs = bank(page)
    drawn = draw(page, 20)
    assert len(drawn) == 20 and len(set(drawn)) == 20
    for qid in drawn:
        answer(page, qs[qid], right)
    page.click(SUBMIT)
    score = page.locator(".kb-quiz__score")
    expect(score).to_have_attribute("data-correct", "20" if right else "0")
    expect(score).to_contain_text(f"得分：{20 if right else 0} / 20")
    expect(page.locator("#kb-quiz-summary")).to_be_focused()
    for qid in drawn:
        expect_feedback(page, qs[qid], right, base_url)
    expect(page.locator(".kb-quiz__q input:not([disabled])")).to_have_count(0)
    # the score stays in this browser only
    stored = json.loads(page.evaluate("localStorage.getItem('kb-quiz-last')"))
    assert (stored["correct"], stored["total"]) == ((20 if right else 0), 20)
    page.reload()
    expect(page.locator("#kb-quiz-last")).to_contain_text(f"上次得分：{20 if right else 0} / 20")
    assert all(u.startswith(base_url) for u in requests), [u for u in requests if not u.startswith(base_url)]


def test_unanswered_counts_wrong_and_sets_differ(page, base_url):
    page.goto(base_url + "quiz/")
    sets = {tuple(draw(page, 10)) for _ in range(3)}
    assert len(sets) > 1  # 87 questions, 10 drawn: three equal draws would mean no randomness
    page.click(SUBMIT)
    expect(page.locator(".kb-quiz__score")).to_have_attribute("data-correct", "0")
    expect(page.locator(".kb-quiz__verdict").first).to_have_text("未作答")
    page.click("#kb-quiz-again")
    expect(page.locator(SUBMIT)).to_be_visible()
    expect(page.locator(".kb-quiz__feedback:visible")).to_have_count(0)


def test_draw_by_section(page, base_url):
    page.goto(base_url + "quiz/")
    qs = bank(page)
    drawn = draw(page, 20, only="organisation")
    assert drawn and {qs[q]["section"] for q in drawn} == {"organisation"}
    for box in page.locator("input[name=section]").all():
        box.uncheck()
    page.click(START)
    expect(page.locator("#kb-quiz-status")).to_have_text("请至少选择一个出题范围。")


def test_keyboard_only(page, base_url):
    """Tab, Space, arrow keys, typing and Enter: a whole set answered right without a mouse."""
    page.goto(base_url + "quiz/")
    qs = bank(page)
    page.locator("#kb-quiz-size").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "kb-quiz-start"
    page.keyboard.press("Enter")
    expect(page.locator("#kb-quiz-set")).to_be_focused()
    drawn = page.locator(".kb-quiz__q").evaluate_all("els => els.map(e => e.dataset.qid)")
    for _ in range(400):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const a = document.activeElement;
            const f = a.closest('fieldset'); return {id: a.id, type: a.type, value: a.value, qid: f && f.dataset.qid}; }""")
        if info["id"] == "kb-quiz-submit":
            break
        q = qs[info["qid"]]
        if q["type"] == "fill":
            page.keyboard.type(q["answer"])
            page.keyboard.press("Enter")  # must not hand in the set
            assert not page.locator(".kb-quiz__score").count()
        elif q["type"] == "multiple":
            if q["choices"][int(info["value"])]["correct"]:
                page.keyboard.press("Space")
        else:  # a radio group is one tab stop: arrows move and select
            want = str(q["answer"]).lower() if q["type"] == "truefalse" else str(next(k for k, c in enumerate(q["choices"]) if c["correct"]))
            for _ in range(8):
                if page.evaluate("document.activeElement.value") == want:
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
    else:
        pytest.fail("never reached the submit button by Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".kb-quiz__score")).to_have_attribute("data-correct", str(len(drawn)))
    expect(page.locator("#kb-quiz-summary")).to_be_focused()


def test_phone(browser, base_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(base_url + "quiz/")
        qs = bank(page)
        drawn = draw(page, 10)
        for qid in drawn:
            q = qs[qid]
            box = page.locator(f'fieldset[data-qid="{qid}"]')
            if q["type"] in ("single", "multiple"):
                for k, c in enumerate(q["choices"]):
                    if c["correct"]:  # tap the words, not the tiny box: labels carry the input
                        label = box.locator("label.kb-quiz__choice", has=page.locator(f'input[value="{k}"]'))
                        assert label.bounding_box()["height"] >= 40
                        label.locator("span").tap()
            elif q["type"] == "truefalse":
                box.locator("label.kb-quiz__choice", has_text="正确" if q["answer"] else "错误").locator("span").tap()
            else:
                box.locator("input[type=text]").fill(q["answer"])
        page.locator(SUBMIT).tap()
        expect(page.locator(".kb-quiz__score")).to_have_attribute("data-correct", str(len(drawn)))
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()


def test_instant_navigation_then_file_url(page, base_url, site):
    """Reached through Material's instant navigation the page still works; and from file:// too."""
    rebase_sitemap(page, base_url)
    goto_ready_for_instant(page, base_url)
    page.locator('a[href$="quiz/"]').first.click()
    expect(page).to_have_url(base_url + "quiz/")
    expect(page.locator("#kb-quiz-start")).to_be_visible()
    assert_instant(page)  # no full page load happened
    draw(page, 5)
    page.click(SUBMIT)
    expect(page.locator(".kb-quiz__score")).to_have_attribute("data-total", "5")

    page.goto((Path(site) / "quiz" / "index.html").as_uri())
    qs = bank(page)
    drawn = draw(page, 5)
    for qid in drawn:
        answer(page, qs[qid], True)
    page.click(SUBMIT)
    expect(page.locator(".kb-quiz__score")).to_have_attribute("data-correct", "5")
