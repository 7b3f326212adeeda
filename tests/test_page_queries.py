"""List pages read a fixed number of queries, whatever the number of rows (no N+1):
the server-time budget of issue 16 (no page over 300 ms with the demo data, measured
by ``manage.py bench_pages``) holds only if the lists do not grow in queries. Counts,
not timings: each page is read with a few rows, then with more."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certification.applications import services as applications
from certification.models import Notification
from core.roles import Role
from tests.conftest import make_user
from tests.factories import approved_application, question
from training.models import QuestionBank

pytestmark = pytest.mark.django_db


def _submitted(demo: dict[str, Any], count: int) -> None:
    start = Notification.objects.count()  # any changing number keeps usernames unique
    for n in range(count):
        applications.application_submit(
            candidate=make_user(f"queue{start}x{n}", Role.CANDIDATE),
            certification=demo["certification"],
            full_name=f"考生 {n}",
            learning_history="在线课程",
            project_experience="项目",
        )
        Notification.objects.create(recipient=demo["committee"], title="·")


def _approved(demo: dict[str, Any], count: int) -> None:
    start = Notification.objects.count()
    for n in range(count):
        approved_application(
            candidate=make_user(f"approved{start}x{n}", Role.CANDIDATE),
            certification=demo["certification"],
            committee=demo["committee"],
        )
        Notification.objects.create(recipient=demo["committee"], title="·")


def _notifications(demo: dict[str, Any], count: int) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=demo["committee"], title=f"通知 {n}", link="/dashboard/")
        for n in range(count)
    )


def _items(demo: dict[str, Any], count: int) -> None:
    bank = QuestionBank.objects.get(slug="beginner-cv-bank")
    for _ in range(count):
        question(bank, "true_false", {}, {"answer": True})


LIST_PAGES: dict[str, tuple[str, str, Callable[[dict[str, Any], int], None]]] = {
    "review queue": ("committee", "/committee/applications/", _submitted),
    "results table": ("committee", "/committee/results/", _approved),
    "notifications": ("committee", "/notifications/", _notifications),
    "bank items": ("instructor", "/banks/beginner-cv-bank/items/", _items),
}


def _queries(client: Client, url: str) -> int:
    client.get(url)  # caches warm (per-process memos), as on a live site
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", LIST_PAGES)
def test_a_list_page_reads_as_many_queries_for_more_rows(demo, page):
    role, url, add = LIST_PAGES[page]
    client = Client()
    client.force_login(demo[role])
    add(demo, 2)
    few = _queries(client, url)
    add(demo, 8)
    assert _queries(client, url) == few
