"""Every page of the product, as each role that may see it, held to the journeys'
standards (``standards.check``): on a desktop in Chinese and on a phone in English.
The journeys walk the flows; this walk makes sure no page is left out of the standards.

The same page loads also hold every page to the Content-Security-Policy
(tests/test_csp_browser.py, whose control proves that its three channels work): one
walk for both, as each page load costs seconds on a busy machine.
"""

import logging

import pytest
from playwright.sync_api import Browser

from certification.models import Certificate
from tests.journeys import standards
from tests.pages import pages_by_role
from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture
from tests.test_csp_browser import reported, visit, watch
from tests.test_permissions import World, world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTINGS = [("desktop", "zh-hans"), ("phone", "en")]


@pytest.mark.parametrize(("viewport", "language"), SETTINGS)
def test_every_page_meets_the_standards(
    browser: Browser,  # noqa: F811
    live_server,
    world: World,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    viewport: str,
    language: str,
) -> None:
    caplog.set_level(logging.WARNING, logger="csp.violations")
    certificate = Certificate.objects.select_related("application__candidate").get(
        pk=world.security.certificate.pk
    )
    users = {**world.users, "anonymous": None, "holder": certificate.application.candidate}
    found: dict[str, dict[str, list[str]]] = {}
    csp: list[str] = []
    visited = read = 0
    for role, urls in pages_by_role(world, certificate.code).items():
        with standards.signed_in(
            browser, live_server.url, users[role], viewport=viewport, language=language
        ) as page:
            where = watch(page, role, csp)
            # axe-core is in every document from its start (outside the page's policy, like
            # the watcher), instead of half a megabyte sent to each page after it loads.
            page.context.add_init_script(standards.axe_source())
            for url in sorted(set(urls)):
                where["url"] = url
                response = visit(page, live_server.url, url)
                visited += 1
                if url == "/api/docs/":
                    continue  # Swagger UI's own markup: not ours to fix
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue  # a PDF, JSON or the metrics text: not a page to read
                page.wait_for_load_state("load")
                read += 1
                for name, items in standards.problems(page).items():
                    if items:
                        found.setdefault(name, {})[f"{role} {url}"] = items
    assert read > 100, read
    assert csp == [] and reported(caplog) == [], (csp, reported(caplog))
    assert not found, f"{read} pages read, {visited} loaded:\n" + "\n".join(
        f"[{name}] {where}: {items}"
        for name, pages in found.items()
        for where, items in pages.items()
    )
