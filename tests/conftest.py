"""Shared fixtures. Tests run on PostgreSQL and Redis (see the Makefile's `pytest`
target); Docker tests use the real engine and the real sandbox image."""

import os
import time
from base64 import b32decode
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from certification.accounts.second_factor import second_factor_required
from core.roles import Role, role_grant

# Playwright's sync API runs an event loop in the test thread; Django's guard
# against async-unsafe calls would trip over it in the browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    # Hashing demo passwords with PBKDF2 in every test costs seconds; tests need no
    # strong hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests edit blueprints and versions between starts; tests/test_start_fast.py
    # turns the blueprint cache on where it is the subject.
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 0
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        _broker_per_xdist_worker(int(workerinput["workerid"].removeprefix("gw")))
    _broker_queues_purge()
    _cache_per_run()
    Client.force_login = _force_login_verified  # type: ignore[method-assign]


def _cache_per_run() -> None:
    """The shared cache (lockout counts, throttles, cached study-plan categories) gets
    a key prefix of its own in each run and each xdist worker, in the worker's Redis
    database: ids start again at 1 in every run's test database, so a key an earlier
    run left would name another row. Processes the tests start inherit it. Tests
    delete only keys under this prefix (_cache_clean); never the whole database,
    which is also the Celery broker."""
    cache = settings.CACHES["default"]
    prefix = f"test-{os.getpid()}-{int(time.time())}"
    os.environ["CACHE_KEY_PREFIX"] = cache["KEY_PREFIX"] = prefix
    if settings.REDIS_URL:
        cache["LOCATION"] = settings.REDIS_URL


@pytest.fixture(autouse=True)
def _cache_clean() -> None:
    """Each test starts with no lockout counts and full throttle allowances."""
    cache = settings.CACHES["default"]
    if "redis" not in cache["BACKEND"].lower():
        from django.core.cache import cache as local

        local.clear()
        return
    import redis

    client = redis.Redis.from_url(cache["LOCATION"])
    keys = list(client.scan_iter(match=f"{cache['KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _language_reset() -> None:
    """Each test starts in the site's language: a test-client request in English
    leaves English active in the thread (LocaleMiddleware activates, nothing resets),
    and a later test on the same worker then read its messages in English."""
    translation.activate(settings.LANGUAGE_CODE)


_force_login = Client.force_login


def _force_login_verified(self: Client, user: Any, backend: str | None = None) -> None:
    """``Client.force_login`` skips the password; for staff it skips the second factor
    too, as if they had typed a code (django_otp.login marks the session the same
    way). Tests of the second factor itself sign in through the forms."""
    _force_login(self, user, backend)
    if second_factor_required(user):
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
        session.save()


def authenticator_for(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator (the demo one for demo staff), created if
    there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return device


def code_for_secret(secret: str) -> str:
    """The code an authenticator app shows now for a key typed from the enrolment page."""
    return str(TOTP(b32decode(secret.replace(" ", ""))).token()).zfill(6)


def second_factor_in_page(page: Any, username: str) -> None:
    """In a Playwright page that has just sent the login form: completes the second
    factor the way a person would, when the account asks for one. A new authenticator
    is enrolled from the key the enrolment page shows (then past the recovery codes);
    an enrolled one gets the code its app would show."""
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/two-factor/setup/" in page.url:
        page.fill("input[name=code]", code_for_secret(page.inner_text("#totp-secret")))
        page.click("button[type=submit]")
        page.wait_for_selector("#recovery-codes")
        page.click("text=我已保存，继续")
    elif "/accounts/two-factor/" in page.url:
        user = get_user_model().objects.get(username=username)
        page.fill("input[name=code]", totp_code(authenticator_for(user)))
        page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/two-factor/" not in url)


def totp_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now, as a person would type it.
    A code is good once: if the current one was used, the next period's (which the
    server also accepts) is given."""
    device.refresh_from_db()
    app = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = app.t()
    if device.last_t >= now:
        app.drift += device.last_t + 1 - now
    return str(app.token()).zfill(device.digits)


def _broker_per_xdist_worker(index: int) -> None:
    """Each xdist worker gets its own Redis database as the broker (the base one + its
    index). Tests that start a real Celery worker, or read the queues, would otherwise
    take each other's messages: a message names a row of its own test database.
    (xdist's ``loadgroup`` no longer keeps the "worker" group on one process with
    pytest 9, so the groups cannot be relied on for this.)"""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return
    parts = urlsplit(settings.CELERY_BROKER_URL)
    base = int(parts.path.strip("/") or 0)
    url = urlunsplit(parts._replace(path=f"/{(base + index) % 16}"))
    settings.CELERY_BROKER_URL = settings.REDIS_URL = url
    os.environ["REDIS_URL"] = url  # processes the tests start inherit it

    from config.celery import app  # the settings above are read when it is first used

    app.conf.broker_url = url


def _broker_queues_purge() -> None:
    """Empties the test broker's task queues (this process's broker: one per xdist
    worker). The test database is created afresh for every run and its ids start
    again at 1, so a message an earlier run left behind would name a different row
    of this run (a test worker would grade the wrong submission, a routing test
    would find a stranger's message)."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return
    import redis

    from grading.practical import QUEUE_CPU, QUEUE_GPU

    queues = {settings.CELERY_TASK_DEFAULT_QUEUE, "celery", QUEUE_CPU, QUEUE_GPU}
    queues |= {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    # kombu keeps delivered, unacknowledged messages here and restores them later.
    unacked = {"unacked", "unacked_index", "unacked_mutex"}
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*sorted(queues | unacked))


@pytest.fixture(autouse=True, scope="session")
def _private_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Each test session (each xdist worker) gets its own private storage."""
    root = tmp_path_factory.mktemp("private")
    root.chmod(0o755)  # the sandbox user must be able to reach mounted bundle files
    original = settings.PRIVATE_STORAGE_DIR
    settings.PRIVATE_STORAGE_DIR = root
    yield root
    settings.PRIVATE_STORAGE_DIR = original


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any, _private_storage: Path) -> None:
    """Loads the demo data once per test database; each test's transaction is rolled
    back, so tests see it fresh."""
    from certification.demo.programme import demo_load

    with django_db_blocker.unblock():
        demo_load()


@pytest.fixture
def demo(db: None) -> dict[str, Any]:
    return demo_data()


def demo_data() -> dict[str, Any]:
    """The demo's Beginner CV certification and its four people (loaded again when a
    transactional test flushed the database)."""
    from certification.demo.programme import demo_load
    from certification.models import Certification

    if not Certification.objects.filter(slug="beginner-cv", written_exam__isnull=False).exists():
        demo_load()  # a transactional test flushed the database
    User = get_user_model()
    return {
        "certification": Certification.objects.get(slug="beginner-cv"),
        **{
            u.username: u
            for u in User.objects.filter(
                username__in=["committee", "instructor", "examiner", "candidate"]
            )
        },
    }


@pytest.fixture(scope="module")
def programme_shared(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo and the whole programme (nine exams, banks, practice quizzes), loaded
    once per test module inside a transaction that is rolled back after the module.
    Each test runs in a savepoint of it (pytest-django's own transaction, nested), so
    every test starts from the freshly loaded programme. Not for transactional tests."""
    from certification.demo.programme_exams import programme_exams_load

    with django_db_blocker.unblock(), transaction.atomic():
        yield programme_exams_load(author=demo_data()["instructor"])
        transaction.set_rollback(True)


def make_user(username: str, role: Role | None) -> Any:
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="correct horse battery staple"
    )
    if role is not None:
        role_grant(user=user, role=role)
    return user


@pytest.fixture
def candidate(db: None) -> Any:
    return make_user("alice", Role.CANDIDATE)


@pytest.fixture
def other_candidate(db: None) -> Any:
    return make_user("bob", Role.CANDIDATE)


@pytest.fixture
def committee(db: None) -> Any:
    return make_user("carol", Role.COMMITTEE)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def broker_take(queue: str, task: str) -> list[list[Any]]:
    """The argument lists of ``task`` messages waiting in ``queue`` on the test
    broker (the real Redis), removed from it as they are read. Tests that use this
    run in the "worker" xdist group, so no test worker consumes them first."""
    import base64
    import json

    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message.get("headers", {}).get("task") != task:
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append(args)
        client.lrem(queue, 1, raw)
    return found
