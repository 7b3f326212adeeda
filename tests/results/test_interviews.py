"""Booking and rescheduling rules, blind double rating, automatic adjudication by a
third rater, and agreement per examiner pair."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from sklearn.metrics import cohen_kappa_score

from certification.applications import conflicts
from certification.interviews import agreement, selectors
from certification.interviews import services as interviews
from certification.models import AuditEvent, Interview, InterviewRating
from certification.results.selectors import result_for_application
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role
from tests.conftest import make_user
from tests.factories import approved_application
from tests.results.conftest import levels_for, new_slot

pytestmark = pytest.mark.django_db


def test_book_and_the_slot_examiners_become_the_raters(world):
    interview = world.book()
    assert (interview.rater_a, interview.rater_b) == (world.examiners[0], world.examiners[1])
    assert world.book().pk == interview.pk  # the same slot again: the same booking
    assert (
        selectors.interview_slots_open(
            candidate=world.candidate, application_id=world.application.pk
        )
        == []
    )


def test_a_taken_slot_cannot_be_booked_again(world, committee):
    world.book()
    rival = make_user("rival", Role.CANDIDATE)
    other = approved_application(
        candidate=rival, certification=world.application.certification, committee=world.committee
    )
    with pytest.raises(Conflict):
        interviews.interview_book(candidate=rival, application_id=other.pk, slot_id=world.slot.pk)
    assert Interview.objects.filter(application=other).count() == 0


def test_a_slot_with_a_conflicted_examiner_is_hidden_and_refused(world):
    conflicts.conflict_declare(
        declared_by=world.committee,
        staff=world.examiners[0],
        candidate=world.candidate,
        kind="trainer",
    )
    assert (
        selectors.interview_slots_open(
            candidate=world.candidate, application_id=world.application.pk
        )
        == []
    )
    with pytest.raises(NotFound):
        world.book()
    assert not Interview.objects.exists()


def test_booking_closes_before_the_slot(world):
    late = interviews.interview_slot_create(
        certification=world.application.certification,
        starts_at=timezone.now() + timedelta(hours=3),
        first_examiner=world.examiners[0],
        second_examiner=world.examiners[2],
        created_by=world.committee,
    )
    with pytest.raises(ApplicationError):
        interviews.interview_book(
            candidate=world.candidate, application_id=world.application.pk, slot_id=late.pk
        )


def test_someone_elses_application_or_one_without_an_interview_is_not_found(world, demo):
    with pytest.raises(NotFound):
        interviews.interview_book(
            candidate=make_user("x", Role.CANDIDATE),
            application_id=world.application.pk,
            slot_id=world.slot.pk,
        )


@override_settings(INTERVIEW_MAX_RESCHEDULES=1)
def test_reschedule_rules(world):
    world.book()
    second = new_slot(world.committee, world.application.certification, world.examiners[1:], 4)
    third = new_slot(world.committee, world.application.certification, world.examiners[:2], 5)
    moved = interviews.interview_reschedule(
        candidate=world.candidate, application_id=world.application.pk, slot_id=second.pk
    )
    assert (moved.slot, moved.reschedule_count) == (second, 1)
    assert Interview.objects.get(slot=world.slot).state == Interview.State.RESCHEDULED
    with pytest.raises(ApplicationError):  # used up
        interviews.interview_reschedule(
            candidate=world.candidate, application_id=world.application.pk, slot_id=third.pk
        )
    # Too close to the interview.
    with pytest.raises(ApplicationError):
        interviews.interview_reschedule(
            candidate=world.candidate,
            application_id=world.application.pk,
            slot_id=third.pk,
            now=second.starts_at - timedelta(hours=2),
        )
    assert AuditEvent.objects.filter(action="interview.reschedule").count() == 1


def test_ratings_are_blind_and_only_for_the_assigned(world):
    world.book()
    first, second, outsider = world.examiners
    world.rate(first, 75, "clear answers")
    # The second rater's queue shows the interview, never the first rating.
    queue = selectors.interviews_for_examiner(examiner=second)
    assert [i.pk for i in queue] == [Interview.objects.get().pk]
    assert not hasattr(queue[0], "current_ratings")
    assert selectors.interviews_for_examiner(examiner=first) == []
    with pytest.raises(NotFound):
        world.rate(outsider, 75)
    with pytest.raises(NotFound):  # rated already: no longer an open assignment
        world.rate(first, 50)
    assert InterviewRating.objects.count() == 1


def test_no_rating_before_the_interview(world):
    interview = world.book()
    with pytest.raises(ApplicationError):
        interviews.interview_rate(
            examiner=world.examiners[0],
            interview_id=interview.pk,
            levels={"c1": "c1-1", "c2": "c2-1"},
        )


def test_two_close_ratings_average(world):
    world.book()
    world.score(practical=0.9)  # written 100, practical 90
    world.rate(world.examiners[0], 75)
    world.rate(world.examiners[1], 75)
    result = result_for_application(world.application)
    # 0.3 × 100 + 0.3 × 90 + 0.4 × 75 = 87
    assert (result.interview_percent, result.composite, result.state) == (
        Decimal("75.00"),
        Decimal("87.00"),
        "complete",
    )
    assert Interview.objects.get().adjudicator is None


def test_disagreement_sends_the_interview_to_a_third_rater(world):
    world.book()
    world.score(practical=0.9)
    world.rate(world.examiners[0], 100)
    world.rate(world.examiners[1], 50)  # 50 points apart > threshold 15
    interview = Interview.objects.get()
    assert (interview.adjudicator, interview.adjudication_reason) == (
        world.examiners[2],
        "disagreement",
    )
    pending = result_for_application(world.application)
    assert (pending.state, pending.composite, pending.interview_percent) == ("pending", None, None)
    assert [i.pk for i in selectors.interviews_for_examiner(examiner=world.examiners[2])] == [
        interview.pk
    ]
    rating = world.rate(world.examiners[2], 50)
    assert rating.role == InterviewRating.Role.ADJUDICATOR
    result = result_for_application(world.application)
    # The third rating (50) and the closer of the first two (50): 50.
    assert result.interview_percent == Decimal("50.00")
    assert result.composite == Decimal("77.00")


def test_a_borderline_composite_sends_the_interview_to_a_third_rater(world):
    world.book()
    world.score(practical=0.7)  # 0.3 × 100 + 0.3 × 70 + 0.4 × 50 = 71, within 2 of 70
    world.rate(world.examiners[0], 50)
    world.rate(world.examiners[1], 50)
    interview = Interview.objects.get()
    assert interview.adjudication_reason == "borderline"
    assert result_for_application(world.application).state == "pending"
    world.rate(world.examiners[2], 50)
    result = result_for_application(world.application)
    assert (result.composite, result.state, result.passed) == (Decimal("71.00"), "borderline", True)


def test_adjudication_waits_for_a_late_component_then_triggers(world):
    world.book()
    world.rate(world.examiners[0], 50)
    world.rate(world.examiners[1], 50)
    assert Interview.objects.get().adjudicator is None  # no composite yet
    world.score(practical=0.7)
    result = result_for_application(world.application)
    assert (result.adjudication_reason, result.state) == ("borderline", "pending")
    assert result.adjudication_needed
    assert interviews.interview_adjudications_sweep() == 1
    assert interviews.interview_adjudications_sweep() == 0
    assert Interview.objects.get().adjudicator == world.examiners[2]


def test_a_conflicted_examiner_is_never_the_third_rater(world):
    conflicts.conflict_declare(
        declared_by=world.committee,
        staff=world.examiners[2],
        candidate=world.candidate,
        kind="mentor",
    )
    world.book()
    world.score()
    world.rate(world.examiners[0], 100)
    world.rate(world.examiners[1], 25)
    interview = Interview.objects.get()
    assert interview.adjudication_reason == "disagreement"
    assert interview.adjudicator is None  # nobody eligible: the committee names one
    with pytest.raises(ApplicationError):
        interviews.interview_adjudicator_assign(
            actor=world.committee, interview_id=interview.pk, examiner=world.examiners[2]
        )
    fourth = make_user("rater4", Role.EXAMINER)
    interviews.interview_adjudicator_assign(
        actor=world.committee, interview_id=interview.pk, examiner=fourth
    )
    assert Interview.objects.get().adjudicator == fourth


def test_agreement_per_pair_matches_scikit_learn(world, django_assert_max_num_queries):
    first, second, _ = world.examiners
    pairs = [(100, 75), (50, 50), (25, 50), (75, 75)]
    a_levels, b_levels = [], []
    for index, (pa, pb) in enumerate(pairs):
        if index:
            cand = make_user(f"cand{index}", Role.CANDIDATE)
            world.application = approved_application(
                candidate=cand,
                certification=world.application.certification,
                committee=world.committee,
            )
            world.candidate = cand
            world.slot = new_slot(
                world.committee, world.application.certification, world.examiners, 3 + index
            )
        world.book()
        world.rate(first, pa)
        world.rate(second, pb)
        for levels, out in ((pa, a_levels), (pb, b_levels)):
            chosen = levels_for(levels)
            out.extend(int(chosen[c].split("-")[1]) for c in ("c1", "c2"))
    with django_assert_max_num_queries(6):  # the same for any number of interviews
        [row] = agreement.rater_agreement(viewer=world.committee)
    assert (row.first, row.second, row.interviews, row.criterion_pairs) == (first, second, 4, 8)
    assert row.kappa_linear == pytest.approx(
        cohen_kappa_score(a_levels, b_levels, weights="linear")
    )
    assert row.kappa_quadratic == pytest.approx(
        cohen_kappa_score(a_levels, b_levels, weights="quadratic")
    )
    assert row.icc_2_1 is not None and -1 <= row.icc_2_1 <= 1
    with pytest.raises(NotFound):
        agreement.rater_agreement(viewer=first)
