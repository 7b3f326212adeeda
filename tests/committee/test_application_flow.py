"""Draft → submitted → approved / rejected / withdrawn, and eligibility."""

import pytest
from django.test import Client

from certification.applications import review, selectors
from certification.applications import services as applications
from certification.models import Application, AuditEvent, EligibilityWaiver
from core.errors import ApplicationError, Conflict, NotFound
from tests.committee.helpers import TEXT, intermediate_needs_beginner, submit

pytestmark = pytest.mark.django_db


def test_a_draft_keeps_half_written_text_and_submitting_files_it(demo, candidate):
    draft = applications.application_draft_save(
        candidate=candidate, certification=demo["certification"], full_name="王"
    )
    assert (draft.state, draft.submitted_at) == (Application.State.DRAFT, None)
    again = applications.application_draft_save(
        candidate=candidate, certification=demo["certification"], learning_history="MOOC"
    )
    assert again.pk == draft.pk and (again.full_name, again.learning_history) == ("王", "MOOC")

    submitted = submit(candidate, demo["certification"], phone="123")

    assert submitted.pk == draft.pk
    assert (submitted.state, submitted.phone) == (Application.State.SUBMITTED, "123")
    assert submitted.submitted_at is not None
    assert Application.objects.filter(candidate=candidate).count() == 1


def test_submitting_without_a_draft_still_creates_a_submitted_application(demo, candidate):
    application = submit(candidate, demo["certification"])
    assert application.state == Application.State.SUBMITTED
    with pytest.raises(Conflict):
        applications.application_draft_save(
            candidate=candidate, certification=demo["certification"], full_name="x"
        )


@pytest.mark.parametrize("missing", ["full_name", "learning_history", "project_experience"])
def test_a_submission_needs_every_required_field(demo, candidate, missing):
    with pytest.raises(ApplicationError):
        submit(candidate, demo["certification"], **{missing: "  "})
    assert not Application.objects.filter(candidate=candidate).exists()


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_the_candidate_withdraws_a_draft_or_a_submitted_application(demo, candidate, state):
    if state == "draft":
        application = applications.application_draft_save(
            candidate=candidate, certification=demo["certification"], **TEXT
        )
    else:
        application = submit(candidate, demo["certification"])

    withdrawn = applications.application_withdraw(
        candidate=candidate, application_id=application.pk
    )
    again = applications.application_withdraw(candidate=candidate, application_id=application.pk)

    assert withdrawn.state == again.state == Application.State.WITHDRAWN
    # A withdrawn application no longer blocks a new one.
    assert submit(candidate, demo["certification"]).state == Application.State.SUBMITTED


def test_a_decided_application_cannot_be_withdrawn_nor_someone_elses(
    demo, candidate, other_candidate, committee
):
    application = submit(candidate, demo["certification"])
    with pytest.raises(NotFound):
        applications.application_withdraw(candidate=other_candidate, application_id=application.pk)
    applications.application_reject(application_id=application.pk, reviewer=committee, reason="x")
    with pytest.raises(Conflict):
        applications.application_withdraw(candidate=candidate, application_id=application.pk)
    application.refresh_from_db()
    assert application.state == Application.State.REJECTED


def test_drafts_are_invisible_to_the_committee(demo, candidate, committee):
    draft = applications.application_draft_save(
        candidate=candidate, certification=demo["certification"], **TEXT
    )
    everything = selectors.review_queue(
        reviewer=committee, filters=selectors.QueueFilters(state="")
    )
    assert draft not in everything and everything.exists()  # the demo holder's is there
    with pytest.raises(NotFound):
        applications.application_approve(application_id=draft.pk, reviewer=committee)
    with pytest.raises(NotFound):
        selectors.application_get_for_reviewer(reviewer=committee, application_id=draft.pk)


def test_the_rejection_reason_is_on_the_candidates_page(demo, candidate, committee):
    application = submit(candidate, demo["certification"])
    applications.application_reject(
        application_id=application.pk, reviewer=committee, reason="项目经验不足"
    )
    client = Client()
    client.force_login(candidate)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "项目经验不足" in page and "未通过审核" in page


# --- Eligibility ---


def test_an_ineligible_candidate_is_told_why_on_submit(demo, candidate):
    intermediate = intermediate_needs_beginner()
    with pytest.raises(ApplicationError) as refused:
        submit(candidate, intermediate)
    assert "需要有效的" in refused.value.message
    assert refused.value.extra == {"missing": ["beginner-cv"]}
    assert not Application.objects.filter(candidate=candidate).exists()


def test_a_valid_certificate_of_the_required_level_makes_one_eligible(demo):
    from django.contrib.auth import get_user_model

    intermediate = intermediate_needs_beginner()
    holder = get_user_model().objects.get(username="holder")  # demo: valid beginner-cv
    assert selectors.eligibility_check(candidate=holder, certification=intermediate).eligible
    assert submit(holder, intermediate).state == Application.State.SUBMITTED


def test_an_expired_or_revoked_certificate_does_not_count(demo):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from certification.models import Certificate

    intermediate = intermediate_needs_beginner()
    holder = get_user_model().objects.get(username="holder")
    Certificate.objects.filter(holder=holder).update(valid_until=timezone.now() - timedelta(days=1))
    assert not selectors.eligibility_check(candidate=holder, certification=intermediate).eligible
    Certificate.objects.filter(holder=holder).update(
        valid_until=timezone.now() + timedelta(days=1), status=Certificate.Status.REVOKED
    )
    assert not selectors.eligibility_check(candidate=holder, certification=intermediate).eligible


def test_an_ineligible_candidate_may_ask_for_a_waiver_which_the_committee_grants(
    demo, candidate, committee
):
    intermediate = intermediate_needs_beginner()
    application = submit(candidate, intermediate, waiver_request="五年 CV 工作经验")
    assert application.state == Application.State.SUBMITTED
    [queued] = selectors.review_queue(reviewer=committee)
    assert (queued.pk, queued.eligible) == (application.pk, False)

    # Approving needs the waiver first.
    with pytest.raises(Conflict):
        applications.application_approve(application_id=application.pk, reviewer=committee)
    with pytest.raises(ApplicationError):
        review.waiver_grant_for_application(
            granted_by=committee, application_id=application.pk, reason=" "
        )
    assert not EligibilityWaiver.objects.exists()

    waiver = review.waiver_grant_for_application(
        granted_by=committee, application_id=application.pk, reason="工作经验相当"
    )
    approved = applications.application_approve(application_id=application.pk, reviewer=committee)

    assert approved.state == Application.State.APPROVED
    event = AuditEvent.objects.get(action="eligibility.waive")
    assert (event.actor, event.object_id, event.after["reason"]) == (
        committee,
        str(waiver.pk),
        "工作经验相当",
    )
    queued = selectors.review_queue(
        reviewer=committee, filters=selectors.QueueFilters(state="")
    ).get(pk=application.pk)
    assert queued.eligible and queued.waived
