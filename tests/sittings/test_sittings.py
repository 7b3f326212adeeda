"""Exam sittings: staff open them, candidates book under the seat lock (a race for the
last seats on PostgreSQL), move and cancel until the cut-off, and start the exam only
within the booked window; an exam without sittings starts as before. Then the API,
the pages, the dashboard in the reader's zone and the calendar file."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from certification.exams import services as exams
from certification.models import Attempt, AuditEvent, Exam, ExamSitting, Preference, SittingBooking
from certification.sittings import services as sittings
from certification.sittings.ics import booking_ics
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role
from tests.conftest import client_for, make_user
from tests.factories import approved_application, objective_exam

pytestmark = pytest.mark.django_db
SLUG = "beginner-cv"
# 2099-01-15 09:00 UTC is 17:00 in Shanghai.
DAY = datetime(2099, 1, 15, 9, 0, tzinfo=UTC)
BEFORE = DAY - timedelta(days=3)


@pytest.fixture
def exam(demo: dict[str, Any]) -> Exam:
    return objective_exam(certification=demo["certification"])


def sitting(
    exam: Exam, by: Any, *, start: datetime = DAY, capacity: int = 2, **kw: Any
) -> ExamSitting:
    return sittings.sitting_create(
        created_by=by,
        exam_id=exam.pk,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=capacity,
        **{"now": BEFORE - timedelta(days=1), **kw},
    )


def approved(name: str, demo: dict[str, Any]) -> Any:
    person = make_user(name, Role.CANDIDATE)
    approved_application(
        candidate=person, certification=demo["certification"], committee=demo["committee"]
    )
    return person


def test_staff_open_sittings_others_cannot(exam, demo, candidate) -> None:
    opened = sitting(exam, demo["instructor"], location="A101")
    assert (opened.capacity, opened.location, opened.cutoff_hours) == (2, "A101", 24)
    assert AuditEvent.objects.filter(action="sitting.create").count() == 1
    with pytest.raises(NotFound):
        sitting(exam, candidate)
    with pytest.raises(ApplicationError):
        sitting(exam, demo["committee"], capacity=0)
    with pytest.raises(ApplicationError):  # in the past
        sitting(exam, demo["committee"], start=BEFORE - timedelta(days=2))
    assert ExamSitting.objects.count() == 1


def test_booking_moving_and_cancelling_until_the_cut_off(exam, demo) -> None:
    alice = approved("alice", demo)
    first = sitting(exam, demo["committee"])
    second = sitting(exam, demo["committee"], start=DAY + timedelta(days=1))

    booked = sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=first.pk, now=BEFORE)
    again = sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=first.pk, now=BEFORE)
    assert again.pk == booked.pk  # a second click books nothing more

    moved = sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=second.pk, now=BEFORE)
    booked.refresh_from_db()
    assert booked.state == SittingBooking.State.CANCELLED and moved.sitting_id == second.pk

    late = second.starts_at - timedelta(hours=23)
    with pytest.raises(Conflict):  # within 24 hours of the booked sitting
        sittings.sitting_cancel(candidate=alice, slug=SLUG, now=late)
    with pytest.raises(Conflict):
        sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=first.pk, now=late)
    assert SittingBooking.objects.get(state="booked").pk == moved.pk  # nothing changed

    cancelled = sittings.sitting_cancel(candidate=alice, slug=SLUG, now=BEFORE)
    assert cancelled is not None and cancelled.state == SittingBooking.State.CANCELLED
    assert sittings.sitting_cancel(candidate=alice, slug=SLUG, now=BEFORE) is None


def test_a_full_sitting_refuses_and_strangers_get_not_found(exam, demo, candidate) -> None:
    one = sitting(exam, demo["committee"], capacity=1)
    sittings.sitting_book(candidate=approved("ann", demo), slug=SLUG, sitting_id=one.pk, now=BEFORE)
    with pytest.raises(Conflict):
        sittings.sitting_book(
            candidate=approved("ben", demo), slug=SLUG, sitting_id=one.pk, now=BEFORE
        )
    with pytest.raises(NotFound):  # no approved application
        sittings.sitting_book(candidate=candidate, slug=SLUG, sitting_id=one.pk, now=BEFORE)
    assert SittingBooking.objects.count() == 1


def _in_thread(target: Any, results: list[Any], *args: Any) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target(*args))
        except Exception as exc:  # the outcome is what the test reads
            results.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_a_race_for_the_last_seats_never_overbooks(demo) -> None:
    """Five candidates click at the same moment, each on their own connection."""
    exam = objective_exam(certification=demo["certification"])
    target = sitting(exam, demo["committee"], capacity=2)
    racers = [approved(f"racer{i}", demo) for i in range(5)]
    barrier = threading.Barrier(len(racers))
    results: list[Any] = []

    def book(person: Any) -> Any:
        barrier.wait()
        return sittings.sitting_book(candidate=person, slug=SLUG, sitting_id=target.pk, now=BEFORE)

    threads = [_in_thread(book, results, person) for person in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(isinstance(r, SittingBooking) for r in results) == 2
    assert sum(isinstance(r, Conflict) for r in results) == 3
    assert SittingBooking.objects.filter(sitting=target, state="booked").count() == 2


def test_the_exam_starts_only_within_the_booked_window(exam, demo) -> None:
    alice = approved("alice", demo)
    booked = sitting(exam, demo["committee"])
    with pytest.raises(Conflict, match="本考试须先预约考场"):
        exams.attempt_start(candidate=alice, exam=exam, now=DAY + timedelta(minutes=5))
    sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=booked.pk, now=BEFORE)
    with pytest.raises(Conflict, match="尚未开始"):
        exams.attempt_start(candidate=alice, exam=exam, now=DAY - timedelta(minutes=1))
    with pytest.raises(Conflict, match="已结束"):
        exams.attempt_start(candidate=alice, exam=exam, now=booked.ends_at)
    assert not Attempt.objects.exists()
    attempt = exams.attempt_start(candidate=alice, exam=exam, now=DAY + timedelta(minutes=5))
    assert attempt.started_at == DAY + timedelta(minutes=5)


def test_after_a_sitting_is_over_the_next_one_can_be_booked(exam, demo) -> None:
    alice = approved("alice", demo)
    first = sitting(exam, demo["committee"])
    second = sitting(exam, demo["committee"], start=DAY + timedelta(days=7))
    old = sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=first.pk, now=BEFORE)
    new = sittings.sitting_book(
        candidate=alice, slug=SLUG, sitting_id=second.pk, now=first.ends_at + timedelta(hours=1)
    )
    old.refresh_from_db()
    assert (old.state, new.state) == ("done", "booked")


def test_an_exam_without_sittings_starts_as_before(exam, demo) -> None:
    alice = approved("alice", demo)
    assert exams.attempt_start(candidate=alice, exam=exam).state in Attempt.ACTIVE_STATES


def test_api_lists_books_and_cancels(exam, demo) -> None:
    alice = approved("alice", demo)
    future = timezone.now() + timedelta(days=3)
    opened = client_for(demo["committee"]).post(
        f"/api/v1/exams/{exam.pk}/sittings/",
        {
            "starts_at": future.isoformat(),
            "ends_at": (future + timedelta(hours=2)).isoformat(),
            "capacity": 5,
        },
        format="json",
    )
    assert opened.status_code == 201, opened.content
    assert client_for(alice).post(f"/api/v1/exams/{exam.pk}/sittings/", {}).status_code == 404

    api = client_for(alice)
    listed = api.get(f"/api/v1/certifications/{SLUG}/sittings/").json()
    assert listed["booking"] is None and listed["sittings"][0]["seats_left"] == 5
    booked = api.post(
        f"/api/v1/certifications/{SLUG}/sittings/booking/",
        {"sitting": opened.json()["id"]},
        format="json",
    )
    assert booked.status_code == 201 and booked.json()["state"] == "booked"
    assert api.get(f"/api/v1/certifications/{SLUG}/sittings/").json()["booking"] is not None
    assert api.delete(f"/api/v1/certifications/{SLUG}/sittings/booking/").status_code == 204
    assert not SittingBooking.objects.filter(state="booked").exists()
    stranger = client_for(make_user("eve", Role.CANDIDATE))
    assert stranger.get(f"/api/v1/certifications/{SLUG}/sittings/").status_code == 404


def test_pages_book_show_the_zone_and_give_a_calendar_file(exam, demo) -> None:
    alice = approved("alice", demo)
    Preference.objects.create(user=alice, time_zone="Asia/Shanghai")
    start = (timezone.now() + timedelta(days=3)).replace(hour=1, minute=0, second=0, microsecond=0)
    opened = sitting(exam, demo["committee"], start=start, location="A101", now=timezone.now())
    client = Client()
    client.force_login(alice)
    dashboard = client.get("/dashboard/").content.decode()
    assert (
        f"/certifications/{SLUG}/sittings/" in dashboard
        and f"/certifications/{SLUG}/exam/" not in dashboard
    )

    page = client.get(f"/certifications/{SLUG}/sittings/").content.decode()
    assert "Asia/Shanghai" in page and "09:00" in page  # 01:00 UTC is 09:00 there
    booked = client.post(f"/certifications/{SLUG}/sittings/book/", {"sitting": opened.pk})
    assert booked.status_code == 302
    dashboard = client.get("/dashboard/").content.decode()
    assert (
        "09:00" in dashboard
        and "Asia/Shanghai" in dashboard
        and f"/certifications/{SLUG}/exam/" not in dashboard
    )

    ics = client.get(f"/certifications/{SLUG}/sittings/booking.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in body and "LOCATION:A101" in body
    assert body.endswith("END:VCALENDAR\r\n")

    staff = Client()
    staff.force_login(demo["instructor"])
    listing = staff.get(f"/exams/{exam.pk}/sittings/").content.decode()
    assert "1 / 2" in listing
    assert client.get(f"/exams/{exam.pk}/sittings/").status_code == 404


def test_calendar_file_of_a_booking(exam, demo) -> None:
    alice = approved("alice", demo)
    opened = sitting(exam, demo["committee"], location="Room; 1, north")
    booking = sittings.sitting_book(candidate=alice, slug=SLUG, sitting_id=opened.pk, now=BEFORE)
    text = booking_ics(booking, slug=SLUG, now=BEFORE)
    assert "DTSTART:20990115T090000Z" in text and "DTEND:20990115T120000Z" in text
    assert "LOCATION:Room\\; 1\\, north" in text
    assert f"UID:exam-sitting-booking-{booking.pk}@" in text
