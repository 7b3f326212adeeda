"""Every GET page of the product, by the role that may see it: the roles × endpoints
matrix's pages (tests/test_permissions.py) less its downloads, plus the public pages
and a few whose objects the demo data holds. The browser walk
(tests/journeys/test_every_page.py) and the test-client language check
(tests/test_every_page_language.py) read the same list."""

from collections.abc import Callable

from tests.test_permissions import PAGES, ROLES, World

# Pages of PAGES that are downloads, not documents.
DOWNLOADS = {
    "bank export",
    "item analysis csv",
    "item analysis progress",  # JSON, polled by the page
    "audit csv",
    "attachment",
    "session calendar",
    "sitting calendar",
}
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
