"""Givens and browser steps shared by the staff journeys (tests/journeys/test_staff.py):
the demo's staff accounts signing in through the form, and the phone's second look at
a page the desktop walk has just been held to the standards on."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, BrowserContext, Page

from certification.demo.content import DEMO_ACCOUNTS
from tests.conftest import authenticator_for, totp_code
from tests.journeys import standards

PASSWORDS = {username: password for username, password, _role, _staff in DEMO_ACCOUNTS}


@contextmanager
def logged_in(browser: Browser, base: str, username: str) -> Iterator[Page]:
    """A desktop browser in Chinese that signs ``username`` in through the login form
    and the second factor, with the code the account's authenticator app shows now."""
    context: BrowserContext = standards.new_context(browser)
    page = context.new_page()
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORDS[username])
        page.click("button[type=submit]")
        page.wait_for_url("**/accounts/two-factor/**")
        user = get_user_model().objects.get(username=username)
        page.fill("input[name=code]", totp_code(authenticator_for(user)))
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/" not in url)
        yield page
    finally:
        context.close()


class Phone:
    """The same person on a 390×844 phone, in English: ``look(url, step)`` opens the
    page and holds it to the standards, so each key page is checked in both settings
    in the state the desktop walk has reached."""

    def __init__(self, page: Page, base: str, journey: str) -> None:
        self.page, self.base, self.journey = page, base, journey

    def look(self, url: str, step: str) -> Page:
        response = self.page.goto(self.base + url)
        assert response is not None and response.status == 200, (url, response and response.status)
        standards.check(self.page, self.journey, step)
        return self.page


@contextmanager
def phone(browser: Browser, base: str, user: Any, journey: str) -> Iterator[Phone]:
    with standards.signed_in(browser, base, user, viewport="phone", language="en") as page:
        yield Phone(page, base, journey)


def path(page: Page, base: str) -> str:
    """The page's URL without the server's address (to reopen it on the phone)."""
    return page.url.removeprefix(base)
