"""The interview and decision flow through HTTP: book, two blind ratings, the
committee's result and decision, the certificate, the candidate's breakdown."""

from datetime import timedelta

import pytest
from django.test import Client

from certification.models import InterviewSlot
from tests.conftest import client_for
from tests.results.conftest import levels_for

pytestmark = pytest.mark.django_db


def test_interview_to_certificate_over_the_api(world):
    candidate = client_for(world.candidate)
    slots = candidate.get(f"/api/v1/applications/{world.application.pk}/interview/slots/").json()
    assert [s["id"] for s in slots] == [world.slot.pk]
    booked = candidate.post(
        f"/api/v1/applications/{world.application.pk}/interview/",
        {"slot": world.slot.pk},
        format="json",
    )
    assert booked.status_code == 201, booked.content
    interview_id = booked.json()["id"]
    InterviewSlot.objects.filter(pk=world.slot.pk).update(
        starts_at=world.slot.starts_at - timedelta(days=10)
    )
    world.score(practical=0.9)
    for examiner in world.examiners[:2]:
        rater = client_for(examiner)
        queue = rater.get("/api/v1/examiner/interviews/").json()
        assert [i["id"] for i in queue] == [interview_id]
        assert "ratings" not in queue[0] and "percent" not in queue[0]
        rated = rater.post(
            f"/api/v1/examiner/interviews/{interview_id}/rating/",
            {"levels": levels_for(75), "comment": "Sound reasoning."},
            format="json",
        )
        assert rated.status_code == 201, rated.content
    committee = client_for(world.committee)
    result = committee.get(f"/api/v1/results/{world.application.pk}/").json()
    assert (result["state"], result["composite"], result["blueprint"]) == ("complete", "87.00", 2)
    decided = committee.post(
        f"/api/v1/results/{world.application.pk}/decision/",
        {"outcome": "pass", "rationale": "Every component above its minimum."},
        format="json",
    )
    assert decided.status_code == 201, decided.content
    issued = committee.post(f"/api/v1/results/{world.application.pk}/certificate/")
    assert issued.status_code == 201, issued.content
    mine = candidate.get(f"/api/v1/applications/{world.application.pk}/result/").json()
    interview = next(c for c in mine["components"] if c["kind"] == "interview")
    assert interview["percent"] == "75.00" and interview["feedback"] == [
        "Sound reasoning.",
        "Sound reasoning.",
    ]
    assert mine["decision"]["outcome"] == "pass"


def test_pages_show_the_breakdown_decision_and_agreement(world):
    world.book()
    InterviewSlot.objects.filter(pk=world.slot.pk).update(
        starts_at=world.slot.starts_at - timedelta(days=10)
    )
    world.slot.refresh_from_db()
    world.score(practical=0.9)
    page = Client()
    page.force_login(world.examiners[0])
    interview_id = world.application.interviews.get().pk
    form = page.get(f"/examiner/interviews/{interview_id}/")
    assert form.status_code == 200 and "c1 level 2" in form.content.decode()
    posted = page.post(
        f"/examiner/interviews/{interview_id}/",
        {f"level-{k}": v for k, v in levels_for(100).items()} | {"comment": "Excellent."},
    )
    assert posted.status_code == 302
    world.rate(world.examiners[1], 50)  # 50 apart: a third rater
    committee = Client()
    committee.force_login(world.committee)
    listing = committee.get("/committee/results/").content.decode()
    assert "待仲裁" in listing
    detail = committee.get(f"/committee/results/{world.application.pk}/").content.decode()
    assert "第三评分员仲裁中" in detail
    world.rate(world.examiners[2], 100)
    response = committee.post(
        f"/committee/results/{world.application.pk}/decision/",
        {"outcome": "pass", "rationale": "Adjudicated; above the cut."},
    )
    assert response.status_code == 302
    agreement = committee.get("/committee/interviews/agreement/").content.decode()
    assert "rater1 · rater2" in agreement
    candidate = Client()
    candidate.force_login(world.candidate)
    mine = candidate.get(f"/applications/{world.application.pk}/result/").content.decode()
    assert "Excellent." in mine and "Adjudicated; above the cut." in mine
    assert 'name="grounds"' in mine  # the decision can be appealed
    appealed = candidate.post(
        f"/applications/{world.application.pk}/result/",
        {"grounds": "The second rater misheard.", "components": ["interview"]},
    )
    assert appealed.status_code == 302
    assert world.application.appeals.get().components == ["interview"]
    after = candidate.get(f"/applications/{world.application.pk}/result/").content.decode()
    assert 'name="grounds"' not in after  # once per decision
