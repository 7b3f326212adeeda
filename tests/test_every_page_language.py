"""Every page in one language, without a browser: each GET page of tests/pages.py, as
each role that may see it, in Chinese and in English, through the test client. A page
fails on a UI string of the other language's catalogue, and an English page on any
Chinese text that is not marked as content (an element whose ``lang`` is not English:
lessons, questions, names entered in Chinese). Code, formulas, scripts and styles are
left out (tests/journeys/language.py, shared with the browser walk).

The browser walk (tests/journeys/test_every_page.py) reads the rendered DOM and holds
the pages to the other standards too; this check reads the served HTML and takes
seconds, so it runs with every change."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from certification.models import Application, Certificate, MentorThread
from tests.journeys.language import html_page, other_language_strings, untranslated_chinese
from tests.pages import pages_by_role
from tests.test_i18n import demo_data
from tests.test_permissions import World, matrix_world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

# Pages not ours to hold to it: Swagger UI's own markup.
NOT_OURS = {"/api/docs/"}


def people() -> frozenset[str]:
    """People's names, as they entered them: the one deliberate exception to "no
    Chinese on an English page" besides marked content (the language picker's
    "简体中文" is marked: it carries ``lang``)."""
    User = get_user_model()
    names = {*Application.objects.values_list("full_name", flat=True)}
    for first, last in User.objects.values_list("first_name", "last_name"):
        names |= {first, last, f"{first} {last}", f"{last}{first}"}
    return frozenset(name.strip() for name in names if name.strip())


def pages_in(language: str, world: World) -> dict[str, str]:
    """Each HTML page as each role that may see it, in ``language``, by "role url"."""
    certificate = Certificate.objects.select_related("application__candidate").get(
        pk=world.security.certificate.pk
    )
    users: dict[str, Any] = {
        **world.users,
        "anonymous": None,
        "holder": certificate.application.candidate,
    }
    pages: dict[str, str] = {}
    for role, urls in pages_by_role(world, certificate.code).items():
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if users[role] is not None:
            client.force_login(users[role])
        for url in sorted(set(urls) - NOT_OURS):
            response = client.get(url, follow=True)  # as a browser would
            assert response.status_code == 200, (role, url, response.status_code)
            if response["Content-Type"].startswith("text/html"):
                pages[f"{role} {url}"] = response.content.decode()
    return pages


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_is_in_one_language(
    matrix_world: World,  # noqa: F811
    language: str,
) -> None:
    pages = pages_in(language, matrix_world)
    # What people wrote (thread subjects) is marked lang="" where it is shown, but
    # the page title quotes it unmarked, as it quotes content.
    written = frozenset(MentorThread.objects.values_list("subject", flat=True))
    content, names = frozenset(demo_data()) | written, people()
    found: dict[str, list[str]] = {}
    for where, served in pages.items():
        page = html_page(served)
        assert page.language.lower() == language, (where, page.language)
        problems = other_language_strings(page.segments, page.language)
        problems += [
            f"{text!r} (Chinese)"
            for text in untranslated_chinese(page, content=content, names=names)
        ]
        if problems:
            found[where] = problems
    assert len(pages) > 100, len(pages)
    assert not found, f"{len(found)} of {len(pages)} pages:\n" + "\n".join(
        f"{where}: {problems}" for where, problems in found.items()
    )
