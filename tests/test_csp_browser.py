"""Every page of the product in headless Chromium, as each role, under the site's
Content-Security-Policy (docs/security.md): a page that breaks the policy (an inline
script or event handler, an inline style, a resource from elsewhere) fails the test.

The pages are walked once for every standard, in tests/journeys/test_every_page.py,
with the list of tests/pages.py (``pages_by_role``) and this module's watcher
(``watch``). A violation is caught three ways: the page's ``securitypolicyviolation``
event (a listener added by an init script, which runs outside the page's policy), the
console message Chromium writes for it, and the report Chromium posts to /csp-report/
(its log line). The control here, a deliberate violation, proves that all three
channels work.
"""

import logging
import time

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response

from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`csp-event ${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watch(page: Page, role: str, seen: list[str]) -> dict[str, str]:
    """Notes in ``seen`` every policy violation (the init script's event and Chromium's
    console message) and every uncaught error of ``page``; the caller keeps the returned
    ``where["url"]`` current so that each note names its page."""
    page.context.add_init_script(LISTENER)
    where = {"url": ""}

    def console(message: ConsoleMessage) -> None:
        text = message.text
        if text.startswith("csp-event") or "Content Security Policy" in text:
            seen.append(f"{role} {where['url']}: {text}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(f"{role} {where['url']}: {error}"))
    return where


def visit(page: Page, base: str, url: str) -> Response:
    response = page.goto(base + url)
    assert response is not None and response.status == 200, (url, response and response.status)
    if url == "/api/docs/":  # Swagger UI renders after fetching the schema
        page.wait_for_selector("#swagger-ui .opblock", timeout=15_000)
    return response


def reported(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "csp.violations"]


def test_a_violation_is_seen_on_all_three_channels(
    browser: Browser,  # noqa: F811
    live_server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The control for the walk (tests/journeys/test_every_page.py): an inline script
    added to a page is refused, and the event, the console and the report say so."""
    caplog.set_level(logging.WARNING, logger="csp.violations")
    seen: list[str] = []
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    where = watch(page, "anonymous", seen)
    where["url"] = "/verifier/"
    visit(page, live_server.url, "/verifier/")
    assert seen == [] and reported(caplog) == [], (seen, reported(caplog))

    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ranInline = true'; document.body.append(s); }"
    )
    deadline = time.monotonic() + 10
    while not reported(caplog) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.ranInline") is None
    assert any(s.startswith("anonymous") and "csp-event script-src-elem inline" in s for s in seen)
    assert any("Content Security Policy" in s for s in seen)
    assert len(reported(caplog)) == 1 and '"directive": "script-src-elem"' in reported(caplog)[0]
    context.close()
