"""Interviews (advanced level): slots with a panel of two examiners, booking and
rescheduling by the candidate, two independent blind rubric ratings, automatic
adjudication by a third rater (reads in selectors.py, rater agreement in agreement.py).

Rules:

* a slot can be booked up to ``INTERVIEW_BOOKING_CUTOFF_HOURS`` (24) before it starts,
  never one whose examiners have a conflict of interest with the candidate (such a
  slot answers like a missing one);
* a booking can be moved to another slot up to ``INTERVIEW_RESCHEDULE_CUTOFF_HOURS``
  (24) before it starts, at most ``INTERVIEW_MAX_RESCHEDULES`` (2) times, and never
  once a rating exists;
* each rater sees only their own assignment and never the other rating; a rating is
  final once saved;
* when the two ratings differ by more than the blueprint's ``rater_threshold``, or the
  composite lies within its ``borderline_margin`` of the cut, a third examiner (not a
  rater of this interview and without a conflict) is assigned automatically; the
  score is then the mean of the third rating and the closer of the first two
  (``certification.results.scoring.interview_score``).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.applications.conflicts import conflicted_candidate_ids, conflicted_staff_ids
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.interviews.selectors import (
    booking_cutoff,
    interview_application_for_candidate,
    interview_get_for_examiner,
    interview_rubric,
    max_reschedules,
    reschedule_cutoff,
)
from certification.models import (
    Application,
    Certification,
    Interview,
    InterviewRating,
    InterviewSlot,
)
from certification.results.selectors import (
    result_for_application,
)
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role, has_role


def _slot_state(slot: InterviewSlot) -> dict[str, Any]:
    return {
        "starts_at": slot.starts_at.isoformat(),
        "examiners": [slot.first_examiner_id, slot.second_examiner_id],
    }


# --- Slots (committee) ---


def interview_slot_create(
    *,
    certification: Certification,
    starts_at: datetime,
    first_examiner: User,
    second_examiner: User,
    created_by: User,
    duration_minutes: int = 30,
    location: str = "",
) -> InterviewSlot:
    """Opens a slot with a panel of two different examiners. Returns the slot. Raises
    NotFound for anyone but the committee, ApplicationError for a past start, a panel
    that is not two distinct examiners. Each call opens one more slot."""
    if not has_role(created_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    if starts_at <= timezone.now():
        raise ApplicationError(_("面试时间须在将来"))
    if first_examiner.pk == second_examiner.pk or not all(
        has_role(e, Role.EXAMINER) for e in (first_examiner, second_examiner)
    ):
        raise ApplicationError(_("需要两位不同的考官"))
    with transaction.atomic():
        slot = InterviewSlot.objects.create(
            certification=certification,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            location=location.strip(),
            first_examiner=first_examiner,
            second_examiner=second_examiner,
            created_by=created_by,
        )
        audit_record(actor=created_by, action="interview.slot", obj=slot, after=_slot_state(slot))
    return slot


# --- Booking (candidate) ---


def _slot_for_booking(
    *, candidate: User, application: Application, slot_id: int, now: datetime
) -> InterviewSlot:
    slot = (
        InterviewSlot.objects.select_for_update()
        .filter(pk=slot_id, certification_id=application.certification_id)
        .first()
    )
    if slot is None or {slot.first_examiner_id, slot.second_examiner_id} & conflicted_staff_ids(
        candidate=candidate
    ):
        raise NotFound("Not found.")
    if slot.starts_at < now + booking_cutoff():
        raise ApplicationError(_("该时段已截止预约"))
    return slot


def _booking_create(
    *, application: Application, slot: InterviewSlot, now: datetime, reschedule_count: int = 0
) -> Interview:
    """The booking row; the slot's examiners become the raters. Conflict when the slot
    was taken meanwhile (its unique booking)."""
    try:
        with transaction.atomic():
            return Interview.objects.create(
                application=application,
                slot=slot,
                rater_a_id=slot.first_examiner_id,
                rater_b_id=slot.second_examiner_id,
                reschedule_count=reschedule_count,
                booked_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(_("该时段已被预约")) from exc


def interview_book(
    *, candidate: User, application_id: int, slot_id: int, now: datetime | None = None
) -> Interview:
    """Books a slot for the candidate's approved application whose blueprint has an
    interview; the slot's examiners become the two raters. Returns the booking.
    Raises NotFound (not the candidate's, no interview, a conflicted slot),
    ApplicationError (too late), Conflict (slot taken, or already booked). Safe to
    call twice: booking the same slot again returns the existing booking."""
    now = now or timezone.now()
    with transaction.atomic():
        application = interview_application_for_candidate(
            candidate=candidate, application_id=application_id
        )
        existing = Interview.objects.filter(
            application=application, state=Interview.State.BOOKED
        ).first()
        if existing is not None:
            if existing.slot_id == slot_id:
                return existing
            raise Conflict(_("你已预约面试，请改期"))
        slot = _slot_for_booking(
            candidate=candidate, application=application, slot_id=slot_id, now=now
        )
        interview = _booking_create(application=application, slot=slot, now=now)
        audit_record(
            actor=candidate,
            action="interview.book",
            obj=interview,
            after={"slot": slot.pk, **_slot_state(slot)},
        )
    return interview


def interview_reschedule(
    *, candidate: User, application_id: int, slot_id: int, now: datetime | None = None
) -> Interview:
    """Moves the candidate's booking to another slot: the old booking is closed as
    ``rescheduled`` and a new one is made. Raises ApplicationError when the booked
    interview starts within the reschedule cut-off, the reschedules are used up or a
    rating exists; NotFound/Conflict as ``interview_book``. Calling it again with
    the slot already booked returns that booking."""
    now = now or timezone.now()
    with transaction.atomic():
        application = interview_application_for_candidate(
            candidate=candidate, application_id=application_id
        )
        current = (
            Interview.objects.select_for_update()
            .select_related("slot")
            .filter(application=application, state=Interview.State.BOOKED)
            .first()
        )
        if current is None:
            raise Conflict(_("没有可改期的预约"))
        if current.slot_id == slot_id:
            return current
        if current.slot.starts_at < now + reschedule_cutoff():
            raise ApplicationError(_("距面试太近，不能改期"))
        if current.reschedule_count >= max_reschedules():
            raise ApplicationError(_("改期次数已用完"))
        if current.ratings.exists():
            raise ApplicationError(_("面试已评分"))
        slot = _slot_for_booking(
            candidate=candidate, application=application, slot_id=slot_id, now=now
        )
        current.state = Interview.State.RESCHEDULED
        current.save(update_fields=["state"])
        interview = _booking_create(
            application=application,
            slot=slot,
            now=now,
            reschedule_count=current.reschedule_count + 1,
        )
        audit_record(
            actor=candidate,
            action="interview.reschedule",
            obj=interview,
            before={"interview": current.pk, **_slot_state(current.slot)},
            after={"slot": slot.pk, **_slot_state(slot)},
        )
    return interview


# --- Rating (examiners) ---


def interview_rate(
    *,
    examiner: User,
    interview_id: int,
    levels: dict[str, str],
    comment: str = "",
    now: datetime | None = None,
) -> InterviewRating:
    """Records the examiner's blind rubric rating (a level per criterion). Returns the
    rating. After the second rating, and after an adjudicating one, checks whether a
    third rater is needed and assigns one. Raises NotFound when the interview is not
    the examiner's open assignment, ApplicationError before the interview started or
    for an incomplete rubric, Conflict when the examiner rated meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        interview_get_for_examiner(examiner=examiner, interview_id=interview_id)
        interview = (
            Interview.objects.select_for_update()
            .select_related("slot", "application__certification")
            .get(pk=interview_id)
        )
        if interview.slot.starts_at > now:
            raise ApplicationError(_("面试尚未开始"))
        rubric = interview_rubric(interview)
        try:
            raw = rubric.points_for(levels)
        except ValueError as exc:
            raise ApplicationError(str(exc)) from exc
        maximum = rubric.max_points
        percent = (
            Decimal(str(raw * 100 / maximum)).quantize(Decimal("0.01")) if maximum else Decimal(0)
        )
        role = (
            InterviewRating.Role.ADJUDICATOR
            if interview.adjudicator_id == examiner.pk
            else InterviewRating.Role.RATER
        )
        try:
            with transaction.atomic():
                rating = InterviewRating.objects.create(
                    interview=interview,
                    examiner=examiner,
                    role=role,
                    levels=levels,
                    points=Decimal(str(raw)),
                    percent=percent,
                    comment=comment.strip(),
                    rated_at=now,
                )
        except IntegrityError as exc:
            raise Conflict(_("你已评分")) from exc
        audit_record(
            actor=examiner,
            action="interview.rate",
            obj=interview,
            after={"role": role, "levels": levels, "percent": str(percent)},
        )
        _adjudication_check(interview)
    return rating


def _unavailable_examiner_ids(interview: Interview) -> set[int]:
    """Who may not rate ``interview`` anew: its raters, everyone who ever rated it, and
    the staff in conflict with its candidate."""
    rated = InterviewRating.objects.filter(interview=interview).values_list(
        "examiner_id", flat=True
    )
    return (
        set(rated)
        | {interview.rater_a_id, interview.rater_b_id}
        | conflicted_staff_ids(candidate=interview.application.candidate_id)
    )


def _active_examiners() -> Any:
    return get_user_model().objects.filter(groups__name=Role.EXAMINER.value, is_active=True)


def _adjudicator_pick(interview: Interview) -> Any | None:
    """An examiner who has not rated this interview (ever), is not in conflict with
    the candidate, with the fewest open adjudications; ties by id."""
    eligible = list(
        _active_examiners().exclude(pk__in=_unavailable_examiner_ids(interview)).order_by("pk")
    )
    load = dict(
        Interview.objects.filter(state=Interview.State.BOOKED, adjudicator__isnull=False)
        .values("adjudicator_id")
        .annotate(n=Count("pk"))
        .values_list("adjudicator_id", "n")
    )
    return min(eligible, key=lambda u: (load.get(u.pk, 0), u.pk), default=None)


def _adjudication_check(interview: Interview) -> Interview:
    """Assigns a third rater when the application's result asks for one. Call inside
    the transaction that locked ``interview``."""
    if interview.adjudicator_id is not None or interview.state != Interview.State.BOOKED:
        return interview
    reason = result_for_application(interview.application).adjudication_reason
    if not reason:
        return interview
    adjudicator = _adjudicator_pick(interview)
    interview.adjudication_reason = reason
    interview.adjudicator = adjudicator
    interview.save(update_fields=["adjudication_reason", "adjudicator"])
    if adjudicator is not None:
        notification_send(
            recipient=adjudicator,
            title=gettext_lazy("面试仲裁评分"),
            link=reverse("examiner-interviews"),
            email=False,
        )
    audit_record(
        actor=None,
        action="interview.adjudication",
        obj=interview,
        after={"reason": reason, "adjudicator": adjudicator.pk if adjudicator else None},
    )
    return interview


def interview_adjudication_check(*, application_id: int) -> Interview | None:
    """Assigns a third rater to the application's interview when its two ratings
    disagree by more than the threshold or the composite is borderline (for example
    once a late written score completes the composite). Returns the interview, or
    None without one. Safe to call any number of times."""
    with transaction.atomic():
        interview = (
            Interview.objects.select_for_update()
            .select_related("application__certification")
            .filter(application_id=application_id, state=Interview.State.BOOKED)
            .first()
        )
        if interview is None:
            return None
        return _adjudication_check(interview)


def interview_adjudications_sweep() -> int:
    """Checks every booked interview with two ratings and no third rater (for a
    periodic task). Returns how many got a third rater. Safe to run twice."""
    candidates = (
        Interview.objects.filter(state=Interview.State.BOOKED, adjudicator__isnull=True)
        .annotate(n=Count("ratings", filter=Q(ratings__superseded=False)))
        .filter(n__gte=2)
        .values_list("application_id", flat=True)
    )
    assigned = 0
    for application_id in list(candidates):
        interview = interview_adjudication_check(application_id=application_id)
        if interview is not None and interview.adjudicator_id is not None:
            assigned += 1
    return assigned


def interview_adjudicator_assign(*, actor: User, interview_id: int, examiner: User) -> Interview:
    """The committee names the third rater where none could be found automatically
    (or replaces one). NotFound for non-committee users; ApplicationError for an
    examiner who rated this interview or has a conflict with the candidate."""
    if not has_role(actor, Role.COMMITTEE):
        raise NotFound("Not found.")
    with transaction.atomic():
        interview = (
            Interview.objects.select_for_update()
            .select_related("application")
            .filter(pk=interview_id, state=Interview.State.BOOKED)
            .exclude(application__candidate_id__in=conflicted_candidate_ids(staff=actor))
            .first()
        )
        if interview is None:
            raise NotFound("Not found.")
        if not has_role(examiner, Role.EXAMINER) or examiner.pk in _unavailable_examiner_ids(
            interview
        ):
            raise ApplicationError(_("该考官不能仲裁"))
        before = {"adjudicator": interview.adjudicator_id}
        interview.adjudicator = examiner
        interview.adjudication_reason = interview.adjudication_reason or "committee"
        interview.save(update_fields=["adjudicator", "adjudication_reason"])
        audit_record(
            actor=actor,
            action="interview.adjudicator",
            obj=interview,
            before=before,
            after={"adjudicator": examiner.pk},
        )
    return interview


def interview_rerate(*, interview: Interview, actor: User) -> dict[str, Any]:
    """Re-scoring after a granted appeal: the current ratings are superseded (kept
    for the record) and two examiners who never rated this interview and have no
    conflict become its raters. Call inside the appeal's transaction. Raises
    Conflict when fewer than two such examiners exist."""
    excluded = _unavailable_examiner_ids(interview) | {actor.pk}
    fresh = list(_active_examiners().exclude(pk__in=excluded).order_by("pk")[:2])
    if len(fresh) < 2:
        raise Conflict(_("没有足够的新考官重新评分"))
    superseded = interview.ratings.filter(superseded=False).update(superseded=True)
    before = {"raters": [interview.rater_a_id, interview.rater_b_id]}
    interview.rater_a, interview.rater_b = fresh
    interview.adjudicator = None
    interview.adjudication_reason = ""
    interview.save(update_fields=["rater_a", "rater_b", "adjudicator", "adjudication_reason"])
    audit_record(
        actor=actor,
        action="interview.rerate",
        obj=interview,
        before=before,
        after={"raters": [fresh[0].pk, fresh[1].pk], "superseded": superseded},
    )
    return {"interview": interview.pk, "superseded": superseded, "raters": [u.pk for u in fresh]}


# --- Rater agreement (committee dashboard) ---
