"""What every page of a journey is held to, in one call: ``check(page, journey, step)``.

- **Accessible**: axe-core (the npm package, ``make test`` installs it into
  node_modules/) finds no serious or critical violation of WCAG 2.0–2.2 A/AA.
- **One language**: no UI string of the other language (``tests/journeys/language.py``).
- **Fits a phone**: at a phone's width nothing makes the page scroll sideways (a wide
  table scrolls inside its own box instead).
- A full-page screenshot under var/screenshots/<journey>/ (CI keeps var/ as artifacts).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from tests.journeys.language import SEGMENTS, other_language_strings

ROOT = Path(settings.BASE_DIR)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
LANGUAGES = {
    "zh-hans": {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-hans"}},
    "en": {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}},
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'],
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
}"""
# Elements wider than the window, unless they sit in a box that scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll' || x === 'hidden') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !scrolls(el)) {
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
        `${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''}` +
        ` right=${Math.round(box.right)}`);
    }
  }
  return [`page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`,
          ...wide.slice(0, 5)];
}"""


@cache
def axe_source() -> str:
    if not AXE.exists():
        raise RuntimeError("node_modules/axe-core is missing: run `npm ci` (make test does)")
    return AXE.read_text(encoding="utf-8")


def new_context(
    browser: Browser, *, viewport: str = "desktop", language: str = "zh-hans"
) -> BrowserContext:
    """A fresh browser profile with the viewport's size and the language's headers."""
    return browser.new_context(**VIEWPORTS[viewport], **LANGUAGES[language])


def sign_in(context: BrowserContext, base: str, user: Any) -> None:
    """Puts a signed-in session for ``user`` into the context, past the second factor
    (tests/conftest.py's ``force_login``): for steps that are not about signing in."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


@contextmanager
def signed_in(
    browser: Browser, base: str, user: Any, *, viewport: str = "desktop", language: str = "zh-hans"
) -> Iterator[Page]:
    context = new_context(browser, viewport=viewport, language=language)
    if user is not None:
        sign_in(context, base, user)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now. axe is
    evaluated through the DevTools protocol, so the page's CSP does not block it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return list(page.evaluate(RUN_AXE, AXE_TAGS))


def overflow(page: Page) -> list[str]:
    return list(page.evaluate(OVERFLOW))


def language_problems(page: Page) -> list[str]:
    language = page.evaluate("() => document.documentElement.lang")
    return other_language_strings([tuple(s) for s in page.evaluate(SEGMENTS)], language)


def screenshot(page: Page, journey: str, step: str) -> Path:
    width = (page.viewport_size or {"width": 0})["width"]
    viewport = "phone" if width and width < 600 else "desktop"
    path = SCREENSHOTS / journey / f"{viewport}-{step}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, timeout=15_000)
    return path


def problems(page: Page) -> dict[str, list[str]]:
    """Every standard's findings on the page as it is now, by standard."""
    return {
        "axe": axe_violations(page),
        "language": language_problems(page),
        "layout": overflow(page),
    }


def check(page: Page, journey: str, step: str) -> None:
    """Screenshots the page and fails the test on any standard the page breaks."""
    page.wait_for_load_state("load")
    screenshot(page, journey, step)
    found = {name: items for name, items in problems(page).items() if items}
    assert not found, f"{journey} / {step} ({page.url}): {found}"
