"""Lockout of password guessing (django-axes, per account, account + address and
address, with a cool-off) and the throttles: the token endpoint per address, autosave
per candidate (REST endpoint and fast path share one allowance), uploads per person.
Counts live in the shared cache; each test starts with none (tests/conftest.py)."""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from certification.applications import services as applications
from certification.exams import answers
from certification.exams import services as exams
from certification.models import AnswerEvent, ApplicationAttachment
from core.errors import Throttled
from core.ratelimit import scope_rate
from tests.conftest import make_user
from tests.factories import approved_application, objective_exam
from tests.test_fastpath import put as fast_put
from tests.test_fastpath import url as answer_url

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def login(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/dashboard/"


def rates(settings: Any, **scopes: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **scopes,
        },
    }


def test_an_account_is_locked_after_five_failures_from_one_address(candidate) -> None:
    for _ in range(4):
        assert login("alice", "wrong").status_code == 200  # the form again, with an error
    locked = login("alice", "wrong")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "15 分钟后再试" in locked.content.decode()
    # Now even the right password is refused, and nothing signs in.
    again = login("alice", PASSWORD)
    assert again.status_code == 429 and "_auth_user_id" not in again.client.session


def test_the_lockout_page_speaks_english_when_asked(candidate) -> None:
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "alice", "password": "x"})
    assert response.status_code == 429
    assert "try again in 15 minutes" in response.content.decode()


def test_others_in_the_same_hall_still_sign_in(candidate, other_candidate) -> None:
    for _ in range(5):
        login("alice", "wrong")
    assert login("alice", PASSWORD).status_code == 429
    # Bob sits behind the same NAT address: the address is far below its allowance.
    assert signed_in(login("bob", PASSWORD))
    # Alice from home: her account is below its allowance from all addresses.
    assert signed_in(login("alice", PASSWORD, address="10.9.9.9"))


def test_an_address_spraying_many_accounts_is_locked(settings, candidate) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    for n in range(8):
        login(f"guess{n}", "123456")
    assert login("alice", PASSWORD).status_code == 429
    assert signed_in(login("alice", PASSWORD, address="10.0.0.2"))


def test_guessing_one_account_from_many_addresses_locks_it(settings, candidate) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 6
    for address in ("10.0.1.1", "10.0.1.2", "10.0.1.3"):
        login("alice", "wrong", address)
        login("alice", "wrong", address)
    assert login("alice", PASSWORD, address="10.0.1.4").status_code == 429


def test_a_success_clears_the_account_count_not_the_address_count(settings, candidate) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    for _ in range(4):
        login("alice", "wrong")
    assert signed_in(login("alice", PASSWORD))
    for _ in range(4):  # four more typos: alice's own count started again
        login("alice", "wrong")
    assert signed_in(login("alice", PASSWORD, address="10.0.0.7"))
    # The address has 8 failures, over its allowance of 6, whatever alice's success.
    assert login("bob-or-anyone", "wrong").status_code == 429


def test_the_lockout_ends_after_the_cool_off(settings, candidate) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for _ in range(5):
        login("alice", "wrong")
    assert login("alice", PASSWORD).status_code == 429
    time.sleep(1.6)  # the counts expire from the cache with the cool-off
    assert signed_in(login("alice", PASSWORD))


def test_the_token_endpoint_is_guarded_by_the_lockout(candidate) -> None:
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        response = api.post("/api/v1/auth/token/", {"username": "alice", "password": "x"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert int(response["Retry-After"]) > 0
    refused = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and "token" not in refused.json()


def test_the_token_endpoint_is_throttled_per_address(settings, candidate) -> None:
    rates(settings, auth_token="3/min")
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    body = {"username": "alice", "password": PASSWORD}
    for _ in range(3):
        assert api.post("/api/v1/auth/token/", body).status_code == 200
    throttled = api.post("/api/v1/auth/token/", body)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 61
    assert APIClient(REMOTE_ADDR="10.0.0.2").post("/api/v1/auth/token/", body).status_code == 200


@pytest.fixture
def attempt(demo, candidate, committee, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    exam = objective_exam(certification=demo["certification"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    return exams.attempt_start(candidate=candidate, exam=exam)


@pytest.mark.django_db(
    transaction=True
)  # the fast path closes the connection, as in the web server
def test_autosave_is_throttled_per_attempt_across_both_paths(settings, attempt) -> None:
    rates(settings, autosave="3/min")
    item = attempt.items.order_by("position").first()
    api = APIClient()
    api.force_authenticate(attempt.candidate)
    path = answer_url(attempt, item.pk)
    token = answers.attempt_save_token(attempt)
    assert (
        api.put(path, {"response": {"choice": "a"}, "revision": 1}, format="json").status_code
        == 200
    )
    assert fast_put(path, {"response": {"choice": "b"}, "revision": 2}, token)[0] == "200 OK"
    assert (
        api.put(path, {"response": {"choice": "c"}, "revision": 3}, format="json").status_code
        == 200
    )
    refused = api.put(path, {"response": {"choice": "d"}, "revision": 4}, format="json")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert "Retry-After" in refused
    status, body = fast_put(path, {"response": {"choice": "d"}, "revision": 4}, token)
    assert status.startswith("429") and body["error"]["code"] == "throttled"
    assert AnswerEvent.objects.filter(item=item).count() == 3  # nothing more was saved


@pytest.mark.parametrize("store", ["_store_sql", "_store_orm"])
def test_both_stores_count_the_allowance_alike_and_renew_it_each_window(
    settings, attempt, store, monkeypatch
) -> None:
    """The PostgreSQL function and the ORM path (SQLite) count the same allowance under
    the attempt's lock; refused saves change nothing and are not counted."""
    chosen = getattr(answers, store)
    monkeypatch.setattr(answers, "_store_sql", chosen)
    monkeypatch.setattr(answers, "_store_orm", chosen)
    rates(settings, autosave="2/min")
    item = attempt.items.order_by("position").first()
    window_start = (int(time.time()) // 60 + 1) * 60  # the next minute, whole

    def save(revision: int, second: int) -> Any:
        now = datetime.fromtimestamp(window_start + second, tz=UTC)
        return answers.answer_save(
            attempt=attempt,
            item_id=item.pk,
            response={"choice": "a"},
            revision=revision,
            now=now,
        )

    assert save(1, 0).applied and save(2, 30).applied
    for revision in (3, 4):
        with pytest.raises(Throttled) as refused:
            save(revision, 50)
        assert refused.value.wait == 11  # the window ends in 10 s, Retry-After rounds up
    assert save(5, 60).applied  # a new window, a new allowance
    events = AnswerEvent.objects.filter(item=item).order_by("pk")
    assert list(events.values_list("revision", flat=True)) == [1, 2, 5]


def test_the_default_autosave_allowance_leaves_room_for_a_fast_typist(settings) -> None:
    limit, window = scope_rate("autosave")
    assert limit / window >= 2  # a save every half second, all exam long


def test_uploads_are_throttled_per_person_on_the_api_and_the_page(settings, candidate, demo):
    rates(settings, upload="1/hour")
    application = applications.application_submit(
        candidate=candidate,
        certification=demo["certification"],
        full_name="A",
        learning_history="-",
        project_experience="-",
    )
    api = APIClient()
    api.force_authenticate(candidate)
    url = f"/api/v1/applications/{application.pk}/attachments/"

    def pdf() -> SimpleUploadedFile:
        return SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n%%EOF\n")

    assert api.post(url, {"file": pdf()}, format="multipart").status_code == 201
    refused = api.post(url, {"file": pdf()}, format="multipart")
    assert refused.status_code == 429 and "Retry-After" in refused
    page = Client()
    page.force_login(candidate)
    response = page.post(f"/applications/{application.pk}/attachments/", {"attachments": pdf()})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "请求过于频繁" in response.content.decode()
    assert ApplicationAttachment.objects.filter(application=application).count() == 1


def test_an_outsider_is_answered_not_found_before_any_throttle(settings, db) -> None:
    rates(settings, upload="1/hour")
    page = Client()
    page.force_login(make_user("dora", None))
    for _ in range(3):  # not an author: the same 404 as before, never a 429
        assert page.post("/tasks/bundles/", {}).status_code == 404
