"""Schemathesis against the API's own OpenAPI schema (``/api/schema/``), in process
through the WSGI application, as each role of the permission matrix (an API token per
user): whatever the generated request, no answer is a server error, every status is
one the schema documents for the operation, and every documented body matches its
schema.

Bounded for CI: a few derandomised examples per operation and role, no shrinking, and
every request rolled back to a savepoint, so each one meets the same world."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from certification.accounts.tokens import api_tokens_issue_many
from config.wsgi import application
from tests.test_permissions import ROLES, World

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 3


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Django's WSGI handler closes the database connection around each request when
    it sits in a transaction; the test client does not, and neither may we: the
    requests must see (and never commit) the test's world."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _headers(w: World, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    [token] = api_tokens_issue_many(users=[w.users[role]])
    return {"Authorization": f"Token {token}"}


def _operation_failure(operation: Any, headers: dict[str, str]) -> str | None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        savepoint = transaction.savepoint()
        try:
            case.call_and_validate(base_url="http://testserver", headers=headers, checks=CHECKS)
        finally:
            transaction.savepoint_rollback(savepoint)

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # every failure, reported with its operation
        return f"{operation.label}: {exc}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_as_its_schema_says(
    world: World,
    role: str,
    in_test_transaction: None,
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = _headers(world, role)
    failures = []
    for result in schema.get_all_operations():
        failure = _operation_failure(result.ok(), headers)
        if failure is not None:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)
