"""Every object URL is in the roles × endpoints matrix (tests/test_permissions.py),
where another candidate, another examiner or another author is refused with 404: a
new page or endpoint that takes an id cannot be added without saying who may reach
it. URLs public by design (verification of a certificate, say) are listed here with
their reason."""

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from tests.test_permissions import API, PAGES, World, state

pytestmark = pytest.mark.django_db

# route: why anyone may reach it.
PUBLIC = {
    "verify/<str:code>/": "anyone verifies a certificate by its code",
    "verify/<str:code>/credential.json": "the signed credential behind the public verify page",
    "verify/<str:code>/badge.svg": "the badge image of the public verify page",
    "api/v1/certificates/<str:code>/": "the verify page as JSON",
    "api/v1/certificates/<str:code>/credential/": "the signed credential, for any verifier",
    "credentials/status/<str:purpose>/<int:number>": "revocation and suspension status lists, "
    "fetched by verifiers of any credential (W3C Bitstring Status List)",
    "achievements/<slug:slug>": "the Open Badges achievement a credential names",
    "curricula/<slug:slug>/": "a curriculum's public description",
    "accounts/password-reset/<uidb64>/<token>/": "the e-mailed reset link: its signed, "
    "expiring token is the credential (Django's PasswordResetConfirmView checks it)",
    "accounts/verify-email/<str:token>/": "the e-mailed confirmation link: its signed, "
    "expiring token names the account and the address it confirms",
}
# Framework pages that are not ours to matrix (Django's admin checks staff itself).
IGNORED_PREFIXES = ("admin/", "static/", "media/", "__debug__/")


def routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append(prefix + str(entry.pattern))
    return found


def object_routes() -> set[str]:
    """Our routes that take a parameter: each names an object."""
    return {
        route
        for route in routes(get_resolver().url_patterns)
        if "<" in route and not route.startswith(IGNORED_PREFIXES)
    }


def test_every_object_url_is_in_the_matrix(world: World) -> None:
    covered = set()
    for _method, url, *_ in [*PAGES.values(), *API.values()]:
        covered.add(resolve(url(world).split("?")[0]).route)
    missing = sorted(object_routes() - covered - set(PUBLIC))
    assert not missing, "object URLs missing from tests/test_permissions.py:\n" + "\n".join(missing)


def _examiner_urls(w: World) -> dict[str, list[tuple[str, str, Any]]]:
    """Each examiner's objects: (method, url, body) a page or API call reaches."""

    def of(item: Any, interview: Any) -> list[tuple[str, str, Any]]:
        return [
            ("get", f"/examiner/grading/{item.pk}/", None),
            ("post", f"/examiner/grading/{item.pk}/", {"level-c": "1", "comment": "x"}),
            ("post", f"/api/v1/grading/manual/{item.pk}/", {"levels": {"c": "1"}}),
            ("get", f"/examiner/interviews/{interview.pk}/", None),
            ("post", f"/api/v1/examiner/interviews/{interview.pk}/rating/", {"levels": {}}),
        ]

    s = w.security
    return {
        "examiner": of(s.manual_item, w.results.interview),
        "second_examiner": of(s.second_manual_item, s.second_interview),
    }


@pytest.mark.parametrize("holder", ["examiner", "second_examiner"])
def test_an_examiner_is_refused_the_other_examiners_objects(world: World, holder: str) -> None:
    examiners = {
        "examiner": world.users["examiner"],
        "second_examiner": world.security.second_examiner,
    }
    intruder = examiners["second_examiner" if holder == "examiner" else "examiner"]
    api, page = APIClient(), Client()
    api.force_authenticate(intruder)
    page.force_login(intruder)
    before = state(world)
    for method, url, body in _examiner_urls(world)[holder]:
        client = api if url.startswith("/api/") else page
        response = getattr(client, method)(
            url, body, **({"format": "json"} if client is api else {})
        )
        assert response.status_code == 404, (url, response.status_code)
    assert state(world) == before
    # The holder reaches their own pages.
    mine = Client()
    mine.force_login(examiners[holder])
    for method, url, _body in _examiner_urls(world)[holder]:
        if method == "get":
            assert mine.get(url).status_code == 200, url
