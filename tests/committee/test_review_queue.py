"""The review queue: filters, eligibility, pages, bulk decisions."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from certification.applications import review, selectors
from certification.applications import services as applications
from certification.models import Application, AuditEvent
from core.errors import ApplicationError, NotFound
from core.roles import Role
from tests.committee.helpers import intermediate_needs_beginner, submit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(demo):
    """Three submitted applications: two for beginner-cv, one (ineligible, asking for
    a waiver) for intermediate-cv, the oldest submitted ten days ago."""
    intermediate = intermediate_needs_beginner()
    users = [make_user(f"c{n}", Role.CANDIDATE) for n in range(3)]
    a = submit(users[0], demo["certification"])
    b = submit(users[1], demo["certification"])
    c = submit(users[2], intermediate, waiver_request="经验")
    Application.objects.filter(pk=a.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    return {"a": a, "b": b, "c": c, "intermediate": intermediate}


def ids(queryset):
    return [a.pk for a in queryset]


def test_filters_narrow_the_queue(filed, committee):
    a, b, c = filed["a"].pk, filed["b"].pk, filed["c"].pk
    today = timezone.localdate()

    def queue(**filters):
        found = selectors.review_queue(
            reviewer=committee, filters=selectors.QueueFilters(**filters)
        )
        return [pk for pk in ids(found) if pk in {a, b, c}]  # not the demo's applications

    assert queue() == [a, b, c]  # oldest submission first
    assert queue(certification="beginner-cv") == [a, b]
    assert queue(level="intermediate") == [c]
    assert queue(domain="cv") == [a, b, c]
    assert queue(domain="nlp") == []
    assert queue(eligibility="eligible") == [a, b]
    assert queue(eligibility="ineligible") == [c]
    assert queue(submitted_from=today - timedelta(days=1)) == [b, c]
    assert queue(submitted_to=today - timedelta(days=5)) == [a]
    applications.application_approve(application_id=b, reviewer=committee)
    assert queue() == [a, c]
    assert queue(state="approved") == [b]
    assert queue(state="") == [a, b, c]


def test_only_the_committee_has_a_queue(filed):
    for role in (Role.CANDIDATE, Role.INSTRUCTOR, Role.EXAMINER):
        with pytest.raises(NotFound):
            selectors.review_queue(reviewer=make_user(f"x{role}", role))


def test_the_page_filters_and_pages_with_a_fixed_number_of_queries(
    demo, committee, django_assert_max_num_queries
):
    for n in range(60):
        submit(make_user(f"p{n}", Role.CANDIDATE), demo["certification"])
    client = Client()
    client.force_login(committee)
    client.get("/committee/applications/")  # warm the session and the role cache
    with django_assert_max_num_queries(15):
        first = client.get("/committee/applications/?certification=beginner-cv")
    second = client.get("/committee/applications/?certification=beginner-cv&page=2")
    assert first.status_code == second.status_code == 200
    assert first.content.decode().count('name="ids"') == 50
    assert second.content.decode().count('name="ids"') == 10
    assert "共 60 份" in first.content.decode()


def test_bulk_approve_decides_what_it_can_and_says_what_it_skipped(filed, committee):
    a, b, c = filed["a"].pk, filed["b"].pk, filed["c"].pk
    applications.application_reject(application_id=b, reviewer=committee, reason="x")

    outcome = review.applications_bulk_decide(
        reviewer=committee, application_ids=[c, b, a, 999999], approve=True
    )

    assert outcome.decided == [a]
    assert set(outcome.skipped) == {b, c, 999999}
    assert "豁免" in outcome.skipped[c]
    assert Application.objects.get(pk=a).state == "approved"
    assert Application.objects.get(pk=c).state == "submitted"
    assert AuditEvent.objects.filter(action="application.approve").count() == 1


def test_bulk_reject_gives_every_candidate_the_one_reason(filed, committee):
    with pytest.raises(ApplicationError):
        review.applications_bulk_decide(
            reviewer=committee, application_ids=[filed["a"].pk], approve=False, reason=""
        )
    assert not AuditEvent.objects.exists()
    outcome = review.applications_bulk_decide(
        reviewer=committee,
        application_ids=[filed["a"].pk, filed["b"].pk],
        approve=False,
        reason="材料不全",
    )
    assert len(outcome.decided) == 2
    assert set(
        Application.objects.filter(pk__in=outcome.decided).values_list("state", "decision_reason")
    ) == {("rejected", "材料不全")}


def test_bulk_through_the_page(filed, committee):
    client = Client()
    client.force_login(committee)
    response = client.post(
        "/committee/applications/bulk/",
        {
            "ids": [filed["a"].pk, filed["b"].pk],
            "decision": "approve",
            "next": "/committee/applications/?domain=cv",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/committee/applications/?domain=cv"
    assert set(Application.objects.filter(state="approved").values_list("pk", flat=True)) >= {
        filed["a"].pk,
        filed["b"].pk,
    }
    evil = client.post(
        "/committee/applications/bulk/",
        {
            "ids": [filed["c"].pk],
            "decision": "reject",
            "reason": "x",
            "next": "https://evil.example/",
        },
    )
    assert evil["Location"] == "/committee/applications/"


def test_the_api_queue_filters_and_pages(filed, committee):
    from tests.conftest import client_for

    body = client_for(committee).get("/api/v1/review/queue/?eligibility=ineligible").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert (row["id"], row["eligible"], row["level"]) == (filed["c"].pk, False, "intermediate")
    bulk = client_for(committee).post(
        "/api/v1/review/applications/bulk/",
        {"ids": [filed["a"].pk], "decision": "reject", "reason": "不足"},
        format="json",
    )
    assert bulk.json() == {"decided": [filed["a"].pk], "skipped": {}}


def test_the_queue_shows_eligibility(filed, committee):
    client = Client()
    client.force_login(committee)
    page = client.get("/committee/applications/").content.decode()
    assert page.count("不符合") >= 2  # the filter's choice and the ineligible row
    assert "申请豁免" in page


def test_the_queue_shows_its_load_by_days_waited(filed, committee):
    """Three applications wait: two since today, the oldest for ten days (the
    histogram's table gives the same counts as its bars)."""
    client = Client()
    client.force_login(committee)
    page = client.get("/committee/applications/?state=approved").content.decode()
    start = page.index('id="queue-load"')
    load = page[start : page.index("</details>", start)]
    assert "3 份申请等待决定" in load  # whatever the filter shows
    rows = re.findall(r"<tr><td>([\d.]+)–[\d.]+天</td><td>(\d+)</td></tr>", load)
    assert [(low, n) for low, n in rows if n != "0"] == [("0", "2"), ("10", "1")]
