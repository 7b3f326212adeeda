"""The exam page without a mouse, and its timer for those who listen rather than look.

- Every item kind of the demo exam is answered and the exam submitted with key presses
  alone (Tab, Shift+Tab, Space, Enter, arrow keys, typing); every control shows a
  visible focus outline when the keyboard reaches it.
- The countdown is not a live region; a polite live region says the time left at 30,
  10, 5 and 1 minutes, once each, and nothing in between.
"""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from certification.models import Answer, Attempt
from tests.factories import correct_response, objective_exam
from tests.test_browser import browser, logged_in, start_exam  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the keyboard is on: the element, its item (fieldset) and its ordering row.
FOCUSED = """() => {
  const el = document.activeElement;
  const fs = el.closest('fieldset[data-item]');
  const li = el.closest('li[data-id]');
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id, value: el.value ?? '',
    checked: Boolean(el.checked), classes: [...el.classList],
    item: fs ? fs.dataset.item : null, kind: fs ? fs.dataset.kind : null,
    blank: el.dataset.blank || null, prompt: el.dataset.prompt || null,
    row: li ? li.dataset.id : null,
    rows: li ? [...li.parentElement.children].map((x) => x.dataset.id) : [],
    outline: `${style.outlineStyle} ${parseFloat(style.outlineWidth)}`,
  };
}"""


def focused(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(FOCUSED))


def press_until(page: Page, key: str, done: Any, limit: int = 12) -> dict[str, Any]:
    """Presses ``key`` until ``done(focused)`` holds; fails after ``limit`` presses."""
    now = focused(page)
    for _ in range(limit):
        if done(now):
            return now
        page.keyboard.press(key)
        now = focused(page)
    assert done(now), (key, now)
    return now


def answer_with_keys(page: Page, want: dict[str, Any], now: dict[str, Any], moved: set) -> None:
    """Gives the wanted answer through the control the keyboard is on, by keys alone."""
    kind, response = now["kind"], want.get(now["item"])
    if response is None:
        return
    if kind in ("single_choice", "true_false"):
        # A radio group is one Tab stop; the arrow keys move and check within it.
        target = str(response.get("choice", response.get("value"))).lower()
        if now["value"] != target:
            now = press_until(page, "ArrowDown", lambda f: f["value"] == target)
        if not now["checked"]:
            page.keyboard.press("Space")
    elif kind == "multiple_choice":
        if (now["value"] in response["choices"]) != now["checked"]:
            page.keyboard.press("Space")
    elif kind == "fill_in":
        page.keyboard.press("Control+A")
        page.keyboard.type(response["blanks"][now["blank"]])
    elif kind == "matching":
        target = response["pairs"][now["prompt"]]
        page.keyboard.press("Home")
        press_until(page, "ArrowDown", lambda f: f["value"] == target)
    elif kind in ("short_answer", "case_analysis", "programming") and now["tag"] == "textarea":
        page.keyboard.press("Control+A")
        page.keyboard.type(response["text" if "text" in response else "code"])
    elif kind == "ordering" and now["row"]:
        rank = {row: i for i, row in enumerate(response["order"])}.__getitem__
        if kind not in moved and "down" in now["classes"]:
            # A change to save even when the page happened to show the right order:
            # down, back to the up key, up.
            moved.add(kind)
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
        elif "up" in now["classes"]:
            # Insertion sort as the keyboard walks down the list: the row on the up key
            # climbs while the row above belongs below it (the key keeps the focus).
            def settled(f: dict[str, Any]) -> bool:
                i = f["rows"].index(f["row"])
                return i == 0 or rank(f["rows"][i - 1]) < rank(f["row"])

            press_until(page, "Enter", settled)


def test_the_exam_is_taken_and_submitted_with_the_keyboard_alone(
    logged_in: Page,  # noqa: F811
    candidate,
) -> None:
    page = logged_in
    start_exam(page)  # the demo exam: every item kind
    attempt = Attempt.objects.get(candidate=candidate)
    items = list(attempt.items.select_related("version"))
    want = {str(i.pk): correct_response(i.version) for i in items}
    kinds = {i.version.kind for i in items}
    assert {"single_choice", "multiple_choice", "true_false", "fill_in", "matching"} <= kinds
    assert {"ordering", "case_analysis", "programming"} <= kinds  # short answer: case's widget

    # The skip link comes first and takes the keyboard past the navigation.
    page.keyboard.press("Tab")
    assert focused(page)["classes"] == ["skip-link"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.on("dialog", lambda dialog: dialog.accept())  # the browser's own confirm box
    unseen_outline: list[dict[str, Any]] = []
    moved: set[str] = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        now = focused(page)
        if not now["outline"].startswith("solid") or float(now["outline"].split()[1]) < 2:
            unseen_outline.append(now)
        if now["id"] == "submit-exam":
            break
        if now["item"]:
            answer_with_keys(page, want, now, moved)
    else:
        pytest.fail("the keyboard never reached the submit button")
    assert unseen_outline == []
    expect(page.locator("#connection")).to_have_text("所有答案已保存")
    page.keyboard.press("Enter")
    expect(page.locator("h2", has_text="已交卷")).to_be_visible()

    attempt.refresh_from_db()
    assert attempt.state in (Attempt.State.SUBMITTED, Attempt.State.GRADED)
    for item in items:
        expected = want[str(item.pk)]
        if expected is None:
            continue
        saved = Answer.objects.get(item=item).response
        if item.version.kind == "multiple_choice":
            saved, expected = sorted(saved["choices"]), sorted(expected["choices"])
        assert saved == expected, item.version.kind


# One second at a time from 30:30 down to 0:30, as the page's clock would show it,
# noting every write to the live region (not just changes of its text).
COUNTDOWN = """() => {
  const region = document.getElementById('timer-announce');
  const writes = new MutationObserver(() => {});
  writes.observe(region, { childList: true, characterData: true, subtree: true });
  const said = [];
  for (let left = 1830; left >= 30; left--) {
    window.ExamClock.show(left);
    if (writes.takeRecords().length) said.push(region.textContent);
  }
  writes.disconnect();
  return { said, shown: document.getElementById('timer').textContent };
}"""


def test_the_timer_is_announced_politely_at_a_few_thresholds(
    logged_in: Page,  # noqa: F811
    demo,
) -> None:
    page = logged_in
    objective_exam(certification=demo["certification"])
    start_exam(page)
    region = page.locator("#timer-announce")
    assert region.get_attribute("aria-live") == "polite"
    # The countdown that changes every second is not (inside) a live region.
    assert page.locator("#timer").evaluate("el => el.closest('[aria-live]')") is None
    assert page.locator("#timer").get_attribute("role") == "timer"
    expect(region).to_have_text("")  # nothing said when the exam opens

    assert page.evaluate(COUNTDOWN) == {
        "said": ["还剩 30 分钟", "还剩 10 分钟", "还剩 5 分钟", "还剩 1 分钟"],
        "shown": "00:30",
    }


def test_the_timer_and_the_save_status_count_in_english(
    logged_in: Page,  # noqa: F811
    demo,
) -> None:
    """The script's count messages take the plural form of the page's language
    (window.pluralText): "1 minute left", "5 minutes left"; numbers grouped."""
    page = logged_in
    objective_exam(certification=demo["certification"])
    start_exam(page)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.url}])
    page.reload()
    assert page.evaluate(COUNTDOWN)["said"] == [
        "30 minutes left",
        "10 minutes left",
        "5 minutes left",
        "1 minute left",
    ]
    pending = page.evaluate(
        """() => {
          const forms = JSON.parse(document.getElementById('i18n-plural').textContent).pending;
          return [1, 2, 1234].map((n) => window.pluralText(forms, n));
        }"""
    )
    assert pending == [
        "1 answer waiting to be sent",
        "2 answers waiting to be sent",
        "1,234 answers waiting to be sent",
    ]
