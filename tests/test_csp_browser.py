"""Every page of the product in headless Chromium, as each role, under the site's
Content-Security-Policy (docs/security.md): a page that breaks the policy (an inline
script or event handler, an inline style, a resource from elsewhere) fails the test.

A violation is caught three ways: the page's ``securitypolicyviolation`` event (a
listener added by an init script, which runs outside the page's policy), the console
message Chromium writes for it, and the report Chromium posts to /csp-report/ (its
log line). A deliberate violation at the end proves that all three channels work.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from certification.models import Certificate
from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture
from tests.test_permissions import PAGES, ROLES, World, world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`csp-event ${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
# Pages of PAGES that are downloads, not documents.
DOWNLOADS = {"bank export", "item analysis csv", "audit csv", "attachment", "session calendar"}
# Pages PAGES does not hold: public ones, and a few whose objects the demo data has.
EXTRA: dict[str, Callable[[str], list[str]]] = {
    "anonymous": lambda code: [
        "/",
        "/accounts/login/",
        "/accounts/register/",
        "/curricula/beginner-cv/",
        "/verifier/",
        f"/verify/{code}/",
        "/api/docs/",
    ],
    "committee": lambda code: ["/", "/committee/certificates/", "/api/docs/"],
    "holder": lambda code: ["/", f"/certificates/{code}/"],
}


def pages_by_role(w: World, code: str) -> dict[str, list[str]]:
    assert set(PAGES) >= DOWNLOADS
    pages: dict[str, list[str]] = {role: [] for role in [*ROLES, "holder"]}
    for name, (method, url, allowed, *_) in PAGES.items():
        if method == "get" and name not in DOWNLOADS:
            for role in allowed:
                pages[role].append(url(w))
    for role, extra in EXTRA.items():
        pages[role] += extra(code)
    return pages


def signed_in_context(browser: Browser, base: str, user: Any) -> BrowserContext:  # noqa: F811
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    context.add_init_script(LISTENER)
    return context


def visit(page: Page, base: str, url: str) -> None:
    response = page.goto(base + url)
    assert response is not None and response.status == 200, (url, response and response.status)
    if url == "/api/docs/":  # Swagger UI renders after fetching the schema
        page.wait_for_selector("#swagger-ui .opblock", timeout=15_000)


def reported(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "csp.violations"]


def test_no_page_breaks_the_content_security_policy(
    browser: Browser,  # noqa: F811
    live_server,
    world: World,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="csp.violations")
    certificate = Certificate.objects.select_related("application__candidate").get(
        pk=world.security.certificate.pk
    )
    users = {**world.users, "anonymous": None, "holder": certificate.application.candidate}
    seen: list[str] = []
    visited = 0
    page: Page | None = None
    for role, urls in pages_by_role(world, certificate.code).items():
        context = signed_in_context(browser, live_server.url, users[role])
        page = context.new_page()
        where = {"url": ""}

        def console(message: ConsoleMessage, role: str = role, where: dict = where) -> None:
            text = message.text
            if text.startswith("csp-event") or "Content Security Policy" in text:
                seen.append(f"{role} {where['url']}: {text}")

        page.on("console", console)
        page.on(
            "pageerror",
            lambda error, role=role, where=where: seen.append(f"{role} {where['url']}: {error}"),
        )
        for url in urls:
            where["url"] = url
            visit(page, live_server.url, url)
            visited += 1
        if role != "holder":
            context.close()
    assert visited > 100, visited
    assert seen == [] and reported(caplog) == [], (seen, reported(caplog))

    # The control: an inline script added to the last page is refused, and all three
    # channels say so.
    assert page is not None
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ranInline = true'; document.body.append(s); }"
    )
    deadline = time.monotonic() + 10
    while not reported(caplog) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.ranInline") is None
    assert any(s.startswith("holder") and "csp-event script-src-elem inline" in s for s in seen)
    assert any("Content Security Policy" in s for s in seen)
    assert len(reported(caplog)) == 1 and '"directive": "script-src-elem"' in reported(caplog)[0]
    page.context.close()
