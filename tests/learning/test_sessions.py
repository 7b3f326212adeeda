"""Live sessions: scheduling rules (zones, past times, places), registering under the
capacity lock (a race for the last seat, a double click), cancelling with notices,
the calendar file, times shown in two zones, attendance after the start by the
session's staff only, reminders sent once, and what attendance adds to progress."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from certification.models import AuditEvent, Enrolment, LiveSession, Notification
from certification.models import SessionRegistration as Registration
from certification.sessions import selectors
from certification.sessions import services as sessions
from certification.sessions.ics import LINE_OCTETS, ics_escape, ics_fold, session_ics
from certification.sessions.services import SessionDetails
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role
from tests.conftest import make_user
from training.models import Curriculum, Lesson


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Services' messages are asserted in English here (pages pick their own)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db
NOW = datetime(2098, 12, 1, 12, 0, tzinfo=UTC)
# 09:00 in Berlin in winter (UTC+1) is 08:00 UTC, 16:00 in Shanghai.
WINTER = datetime(2099, 1, 15, 9, 0)


@pytest.fixture
def curriculum(demo: dict[str, Any]) -> Curriculum:
    return Curriculum.objects.get(slug="beginner-cv")


@pytest.fixture
def instructor(demo: dict[str, Any]) -> Any:
    return demo["instructor"]


def other_curriculum(curriculum: Curriculum) -> Curriculum:
    return Curriculum.objects.create(
        slug="other-track", level=curriculum.level, domain=curriculum.domain, title="Other"
    )


def details(curriculum: Curriculum, **changes: Any) -> SessionDetails:
    fields: dict[str, Any] = {
        "curriculum": curriculum,
        "title": "答疑课 Q&A",
        "starts_at": WINTER,
        "time_zone": "Europe/Berlin",
        "duration_minutes": 90,
        "capacity": 2,
        "online_url": "https://meet.example.org/room-1",
        "room": "",
        "description": "",
    }
    return SessionDetails(**{**fields, **changes})


def schedule(
    instructor: Any, curriculum: Curriculum, *, now: datetime | None = NOW, **changes: Any
) -> LiveSession:
    """Scheduled as if it were NOW (late 2098); ``now=None`` for real time."""
    return sessions.session_schedule(
        actor=instructor, details=details(curriculum, **changes), now=now
    )


def candidates(n: int, prefix: str = "learner") -> list[Any]:
    return [make_user(f"{prefix}{i}", Role.CANDIDATE) for i in range(n)]


def started(session: LiveSession, minutes: int = 10) -> LiveSession:
    """Moves the session so that it started ``minutes`` ago (real time)."""
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=minutes)
    )
    session.refresh_from_db()
    return session


# Scheduling -------------------------------------------------------------------


def test_a_wall_time_is_stored_as_the_instant_in_its_zone(instructor, curriculum) -> None:
    session = schedule(instructor, curriculum)
    assert session.starts_at == datetime(2099, 1, 15, 8, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2099, 1, 15, 9, 30, tzinfo=UTC)
    assert session.instructor == instructor and session.time_zone == "Europe/Berlin"
    summer = schedule(instructor, curriculum, starts_at=datetime(2099, 7, 15, 9, 0))
    assert summer.starts_at.hour == 7  # UTC+2 in summer
    assert AuditEvent.objects.filter(action="session.schedule").count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"starts_at": datetime(2098, 11, 30, 9, 0)}, "starts_at"),  # before NOW
        ({"starts_at": datetime(2099, 3, 29, 2, 30)}, "starts_at"),  # skipped by DST
        ({"online_url": "", "room": ""}, "online_url"),
        ({"online_url": "http://meet.example.org/x"}, "online_url"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"capacity": 0}, "capacity"),
        ({"duration_minutes": 0}, "duration"),
        ({"title": "  "}, "title"),
    ],
)
def test_scheduling_refuses(instructor, curriculum, changes, field) -> None:
    with pytest.raises(ApplicationError) as refused:
        schedule(instructor, curriculum, **changes)
    assert refused.value.extra["field"] == field
    assert LiveSession.objects.count() == 0


def test_a_room_alone_or_a_link_alone_is_a_place(instructor, curriculum) -> None:
    assert schedule(instructor, curriculum, online_url="", room="A-301").room == "A-301"
    assert schedule(instructor, curriculum).online_url.startswith("https://")


def test_a_lesson_must_belong_to_the_curriculum(instructor, curriculum) -> None:
    other = Lesson.objects.create(
        curriculum=other_curriculum(curriculum), position=1, title="Elsewhere", body="-"
    )
    with pytest.raises(ApplicationError):
        schedule(instructor, curriculum, lesson=other)
    own = Lesson.objects.filter(curriculum=curriculum).first()
    assert schedule(instructor, curriculum, lesson=own).lesson == own


def test_only_staff_schedule(curriculum, candidate, demo) -> None:
    for outsider in (candidate, demo["examiner"]):
        with pytest.raises(NotFound):
            schedule(outsider, curriculum)
    assert schedule(demo["committee"], curriculum).instructor == demo["committee"]


# Registering ------------------------------------------------------------------


def test_registering_enrols_and_a_double_click_keeps_one_seat(
    instructor, curriculum, candidate
) -> None:
    session = schedule(instructor, curriculum)
    first = sessions.registration_create(candidate=candidate, session_id=session.pk, now=NOW)
    second = sessions.registration_create(candidate=candidate, session_id=session.pk, now=NOW)
    assert first.pk == second.pk
    assert Registration.objects.filter(session=session).count() == 1
    assert Enrolment.objects.filter(candidate=candidate, curriculum=curriculum).exists()


def test_a_double_click_through_the_page_and_the_api(instructor, curriculum, candidate) -> None:
    session = schedule(
        instructor, curriculum, starts_at=timezone.now() + timedelta(days=3), now=None
    )
    page = Client()
    page.force_login(candidate)
    for _ in range(2):
        response = page.post(f"/learn/sessions/{session.pk}/register/")
        assert response.status_code == 302
    api = APIClient()
    api.force_authenticate(candidate)
    ids = {api.put(f"/api/v1/sessions/{session.pk}/registration/").json()["id"] for _ in "ab"}
    assert len(ids) == 1
    assert Registration.objects.filter(session=session).count() == 1
    assert api.delete(f"/api/v1/sessions/{session.pk}/registration/").status_code == 204
    assert api.delete(f"/api/v1/sessions/{session.pk}/registration/").status_code == 204
    assert not Registration.objects.filter(session=session, cancelled_at__isnull=True).exists()


def test_full_started_and_cancelled_sessions_refuse(instructor, curriculum) -> None:
    session = schedule(instructor, curriculum, capacity=1)
    alice, bob = candidates(2)
    sessions.registration_create(candidate=alice, session_id=session.pk, now=NOW)
    with pytest.raises(Conflict, match=r"(?i)full"):
        sessions.registration_create(candidate=bob, session_id=session.pk, now=NOW)
    later = session.starts_at + timedelta(minutes=1)
    roomy = schedule(instructor, curriculum, capacity=5)
    with pytest.raises(Conflict, match=r"(?i)started"):
        sessions.registration_create(candidate=bob, session_id=roomy.pk, now=later)
    sessions.session_cancel(actor=instructor, session_id=roomy.pk, now=NOW)
    with pytest.raises(Conflict, match=r"(?i)cancelled"):
        sessions.registration_create(candidate=bob, session_id=roomy.pk, now=NOW)
    assert not Registration.objects.filter(candidate=bob).exists()
    assert not Enrolment.objects.filter(candidate=bob).exists()  # refused: nothing happened


def test_a_freed_seat_can_be_taken_and_registering_again_adds_a_row(instructor, curriculum) -> None:
    session = schedule(instructor, curriculum, capacity=1)
    alice, bob = candidates(2)
    sessions.registration_create(candidate=alice, session_id=session.pk, now=NOW)
    assert sessions.registration_cancel(candidate=alice, session_id=session.pk, now=NOW)
    assert sessions.registration_cancel(candidate=alice, session_id=session.pk, now=NOW) is None
    sessions.registration_create(candidate=bob, session_id=session.pk, now=NOW)
    with pytest.raises(Conflict):
        sessions.registration_create(candidate=alice, session_id=session.pk, now=NOW)
    with pytest.raises(Conflict, match=r"(?i)started"):
        sessions.registration_cancel(
            candidate=bob, session_id=session.pk, now=session.starts_at + timedelta(minutes=5)
        )


def test_other_roles_cannot_register(instructor, curriculum, demo) -> None:
    session = schedule(instructor, curriculum)
    for outsider in (instructor, demo["examiner"], demo["committee"]):
        with pytest.raises(NotFound):
            sessions.registration_create(candidate=outsider, session_id=session.pk, now=NOW)
    with pytest.raises(NotFound):
        sessions.registration_create(candidate=candidates(1)[0], session_id=999_999, now=NOW)


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
def test_a_race_for_the_last_seat_has_one_winner(demo) -> None:
    """Four candidates click at the same moment, each on their own connection."""
    curriculum = Curriculum.objects.get(slug="beginner-cv")
    session = schedule(demo["instructor"], curriculum, capacity=1)
    racers = candidates(4, "racer")
    barrier = threading.Barrier(len(racers))
    results: list[Any] = []

    def register(candidate: Any) -> Any:
        barrier.wait()
        return sessions.registration_create(candidate=candidate, session_id=session.pk, now=NOW)

    threads = [_in_thread(register, results, c) for c in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(isinstance(r, Registration) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) and "名额已满" in r.message for r in results) == 3
    assert Registration.objects.filter(session=session).count() == 1


@pytest.mark.django_db(transaction=True)
def test_registering_waits_for_the_session_lock_and_counts_again(demo) -> None:
    """While another transaction holds the session's row and takes the last seat, a
    registration waits, then sees the session full."""
    curriculum = Curriculum.objects.get(slug="beginner-cv")
    session = schedule(demo["instructor"], curriculum, capacity=1)
    early, late = candidates(2, "lock")
    results: list[Any] = []
    waiter = _in_thread(
        lambda: sessions.registration_create(candidate=late, session_id=session.pk, now=NOW),
        results,
    )
    with transaction.atomic():
        LiveSession.objects.select_for_update().get(pk=session.pk)
        waiter.start()
        waiter.join(timeout=1.0)
        assert waiter.is_alive() and results == []  # blocked on the row lock
        Registration.objects.create(session=session, candidate=early, registered_at=NOW)
    waiter.join(timeout=30)
    [outcome] = results
    assert isinstance(outcome, Conflict) and "名额已满" in outcome.message
    assert list(Registration.objects.values_list("candidate", flat=True)) == [early.pk]


# Editing and cancelling -------------------------------------------------------


def test_cancelling_notifies_each_registrant_once(
    instructor, curriculum, django_capture_on_commit_callbacks
) -> None:
    session = schedule(instructor, curriculum, capacity=5)
    alice, bob, gone = candidates(3)
    for c in (alice, bob, gone):
        sessions.registration_create(candidate=c, session_id=session.pk, now=NOW)
    sessions.registration_cancel(candidate=gone, session_id=session.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        sessions.session_cancel(actor=instructor, session_id=session.pk, reason="讲师生病", now=NOW)
        sessions.session_cancel(actor=instructor, session_id=session.pk, now=NOW)
    notices = Notification.objects.filter(title__contains="直播课程已取消")
    assert sorted(n.recipient_id for n in notices) == sorted([alice.pk, bob.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email])
    assert "讲师生病" in mail.outbox[0].body and "Europe/Berlin" in mail.outbox[0].body
    session.refresh_from_db()
    assert session.is_cancelled and session.sequence == 1


def test_other_instructors_cannot_touch_a_session(instructor, curriculum, candidate) -> None:
    session = schedule(instructor, curriculum)
    other = make_user("other-teacher", Role.INSTRUCTOR)
    for actor in (other, candidate):
        with pytest.raises(NotFound):
            sessions.session_cancel(actor=actor, session_id=session.pk, now=NOW)
        with pytest.raises(NotFound):
            sessions.session_update(
                actor=actor, session_id=session.pk, details=details(curriculum), now=NOW
            )
    assert LiveSession.objects.get(pk=session.pk).cancelled_at is None


def test_moving_a_session_tells_registrants_and_rearms_reminders(
    instructor, curriculum, django_capture_on_commit_callbacks
) -> None:
    session = schedule(instructor, curriculum, capacity=3)
    alice, bob = candidates(2)
    for c in (alice, bob):
        sessions.registration_create(candidate=c, session_id=session.pk, now=NOW)
    Registration.objects.update(reminded_at=NOW)
    with pytest.raises(Conflict, match=r"(?i)capacity"):
        sessions.session_update(
            actor=instructor,
            session_id=session.pk,
            details=details(curriculum, capacity=1),
            now=NOW,
        )
    with django_capture_on_commit_callbacks(execute=True):
        sessions.session_update(
            actor=instructor,
            session_id=session.pk,
            details=details(curriculum, capacity=3, starts_at=datetime(2099, 1, 16, 10, 0)),
            now=NOW,
        )
    session.refresh_from_db()
    assert session.starts_at == datetime(2099, 1, 16, 9, 0, tzinfo=UTC) and session.sequence == 1
    assert not Registration.objects.filter(reminded_at__isnull=False).exists()
    assert len(mail.outbox) == 2 and "2099年1月16日 10:00" in mail.outbox[0].body


# Calendar file ------------------------------------------------------------------


def unfold(document: bytes) -> list[tuple[str, str]]:
    """(name, value) of each content line, folding undone, TEXT escapes undone."""
    text = document.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    logical = text.replace("\r\n ", "").split("\r\n")[:-1]
    pairs = []
    for line in logical:
        name, _sep, value = line.partition(":")
        unescaped, i = [], 0
        while i < len(value):
            if value[i] == "\\" and name not in ("URL",):
                nxt = value[i + 1]
                unescaped.append("\n" if nxt in "nN" else nxt)
                i += 2
            else:
                unescaped.append(value[i])
                i += 1
        pairs.append((name, "".join(unescaped)))
    return pairs


def test_the_calendar_file_round_trips(instructor, curriculum) -> None:
    title = "答疑课, 第一讲; 模型评估 \\ Q&A"
    description = "带上你的问题，我们一起看; 代码在仓库里。\n第二行, with a comma. " + "长文本" * 40
    session = schedule(
        instructor, curriculum, title=title, description=description, room="A-301, 3楼"
    )
    document = session_ics(session, now=NOW).encode("utf-8")
    for line in document.split(b"\r\n"):
        assert len(line) <= LINE_OCTETS
        line.decode("utf-8")  # no character cut in two by the folding
    assert b"\r\n " in document  # the description was long enough to fold
    fields = dict(unfold(document))
    pairs = unfold(document)
    assert pairs[0] == ("BEGIN", "VCALENDAR") and pairs[-1] == ("END", "VCALENDAR")
    assert ("BEGIN", "VEVENT") in pairs and fields["VERSION"] == "2.0" and fields["PRODID"]
    assert fields["UID"] == f"live-session-{session.pk}@{urlsplit(settings.SITE_URL).hostname}"
    assert fields["DTSTAMP"] == "20981201T120000Z"
    assert fields["DTSTART"] == "20990115T080000Z" and fields["DTEND"] == "20990115T093000Z"
    assert fields["SUMMARY"] == title
    assert fields["DESCRIPTION"] == description + "\n\n" + session.online_url
    assert fields["LOCATION"] == "A-301, 3楼"
    assert fields["URL"] == session.online_url
    assert fields["STATUS"] == "CONFIRMED" and fields["SEQUENCE"] == "0"
    assert [n for n, _ in unfold(document)].count("BEGIN") == 2


def test_escaping_and_folding_by_the_rules() -> None:
    assert ics_escape("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    folded = ics_fold("X:" + "é" * 100)  # two octets each: a fold never splits one
    pieces = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p.removeprefix(" ") for p in pieces) == "X:" + "é" * 100
    assert ics_fold("SHORT:x") == "SHORT:x"


def test_the_calendar_download_and_the_link_kept_for_seat_holders(
    instructor, curriculum, candidate
) -> None:
    session = schedule(
        instructor, curriculum, starts_at=timezone.now() + timedelta(days=3), now=None
    )
    page = Client()
    page.force_login(candidate)
    response = page.get(f"/learn/sessions/{session.pk}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    fields = dict(unfold(response.content))
    assert session.online_url not in response.content.decode()
    assert fields["LOCATION"] == "在线"
    sessions.registration_create(candidate=candidate, session_id=session.pk)
    api = APIClient()
    api.force_authenticate(candidate)
    response = api.get(f"/api/v1/sessions/{session.pk}/calendar.ics", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert dict(unfold(response.content))["URL"] == session.online_url
    sessions.session_cancel(actor=instructor, session_id=session.pk)
    assert dict(unfold(page.get(f"/learn/sessions/{session.pk}/calendar.ics").content))[
        "STATUS"
    ] == ("CANCELLED")


# Times shown --------------------------------------------------------------------


def test_times_are_shown_in_the_sessions_zone_and_the_viewers(
    instructor, curriculum, candidate
) -> None:
    session = schedule(instructor, curriculum)  # 09:00 Berlin, winter
    Enrolment.objects.create(candidate=candidate, curriculum=curriculum)
    page = Client()
    page.force_login(candidate)
    html = page.get("/learn/sessions/").content.decode()
    assert f'id="session-{session.pk}"' in html
    assert "2099年1月15日 09:00</time>–10:30" in html and "Europe/Berlin" in html
    assert "2099年1月15日 16:00–17:30" in html and "Asia/Shanghai" in html
    assert session.online_url not in html  # not registered yet
    staff = Client()
    staff.force_login(instructor)
    listing = staff.get("/studio/sessions/").content.decode()
    assert "2099年1月15日 09:00" in listing and "2099年1月15日 16:00" in listing
    form = staff.get(f"/studio/sessions/{session.pk}/edit/").content.decode()
    assert 'value="2099-01-15T09:00"' in form
    api = APIClient()
    api.force_authenticate(candidate)
    [entry] = api.get("/api/v1/sessions/").json()
    assert entry["session"]["starts_local"] == "2099-01-15T09:00:00+01:00"
    assert entry["session"]["starts_at"].startswith("2099-01-15T16:00:00+08:00")
    assert entry["online_url"] == "" and entry["registration"] is None


def test_the_candidates_page_with_nothing_scheduled(candidate) -> None:
    page = Client()
    page.force_login(candidate)
    assert 'id="no-sessions"' in page.get("/learn/sessions/").content.decode()
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(candidate)
    assert "Live sessions" in page.get("/learn/sessions/").content.decode()


def test_scheduling_through_the_form(instructor, curriculum) -> None:
    staff = Client()
    staff.force_login(instructor)
    form = {
        "curriculum": curriculum.pk,
        "title": "Office hours",
        "starts_at": "2099-01-15T09:00",
        "time_zone": "Europe/Berlin",
        "duration_minutes": "60",
        "capacity": "10",
        "online_url": "http://insecure.example.org",
        "room": "",
    }
    refused = staff.post("/studio/sessions/new/", form)
    assert refused.status_code == 200 and "在线链接须为 https:// 地址" in refused.content.decode()
    assert not LiveSession.objects.exists()
    created = staff.post("/studio/sessions/new/", {**form, "online_url": "", "room": "B-2"})
    session = LiveSession.objects.get()
    assert created["Location"] == f"/studio/sessions/{session.pk}/"
    assert session.starts_at == datetime(2099, 1, 15, 8, 0, tzinfo=UTC)


# Attendance ---------------------------------------------------------------------


def test_attendance_only_after_the_start_and_only_by_staff(instructor, curriculum, demo) -> None:
    session = schedule(instructor, curriculum, capacity=3)
    alice, bob = candidates(2)
    a = sessions.registration_create(candidate=alice, session_id=session.pk, now=NOW)
    b = sessions.registration_create(candidate=bob, session_id=session.pk, now=NOW)
    marks = {a.pk: True, b.pk: False}
    with pytest.raises(Conflict, match=r"(?i)started"):
        sessions.attendance_mark(actor=instructor, session_id=session.pk, marks=marks, now=NOW)
    during = session.starts_at + timedelta(minutes=5)
    for outsider in (make_user("t2", Role.INSTRUCTOR), alice, demo["examiner"]):
        with pytest.raises(NotFound):
            sessions.attendance_mark(actor=outsider, session_id=session.pk, marks=marks, now=during)
    with pytest.raises(ApplicationError, match="999"):
        sessions.attendance_mark(
            actor=instructor, session_id=session.pk, marks={**marks, 999: True}, now=during
        )
    assert not Registration.objects.filter(attended__isnull=False).exists()
    assert (
        sessions.attendance_mark(actor=instructor, session_id=session.pk, marks=marks, now=during)
        == 2
    )
    assert (
        sessions.attendance_mark(
            actor=demo["committee"], session_id=session.pk, marks=marks, now=during
        )
        == 0
    )
    a.refresh_from_db()
    assert a.attended is True and a.marked_by == instructor and a.marked_at == during


def test_the_attendance_sheet_and_api(instructor, curriculum) -> None:
    session = schedule(
        instructor, curriculum, starts_at=timezone.now() + timedelta(days=1), now=None
    )
    alice, bob = candidates(2)
    a = sessions.registration_create(candidate=alice, session_id=session.pk)
    b = sessions.registration_create(candidate=bob, session_id=session.pk)
    staff = Client()
    staff.force_login(instructor)
    staff.post(f"/studio/sessions/{session.pk}/", {f"attended-{a.pk}": "1"})
    assert not Registration.objects.filter(attended__isnull=False).exists()  # not started
    started(session)
    assert 'name="attended-' in staff.get(f"/studio/sessions/{session.pk}/").content.decode()
    staff.post(
        f"/studio/sessions/{session.pk}/", {f"attended-{a.pk}": "1", f"attended-{b.pk}": "0"}
    )
    assert dict(Registration.objects.values_list("pk", "attended")) == {a.pk: True, b.pk: False}
    api = APIClient()
    api.force_authenticate(instructor)
    rows = api.post(
        f"/api/v1/sessions/{session.pk}/attendance/",
        {"marks": [{"registration": b.pk, "attended": None}]},
        format="json",
    ).json()
    assert {r["candidate"]: r["attended"] for r in rows} == {"learner0": True, "learner1": None}


def test_attended_sessions_count_toward_progress(instructor, curriculum, demo) -> None:
    alice, bob = candidates(2)
    held = [schedule(instructor, curriculum, capacity=5, duration_minutes=m) for m in (60, 45, 30)]
    elsewhere = schedule(instructor, other_curriculum(curriculum))
    for session in [*held, elsewhere]:
        for c in (alice, bob):
            sessions.registration_create(candidate=c, session_id=session.pk, now=NOW)
    during = held[0].starts_at + timedelta(minutes=1)
    for session in [*held, elsewhere]:
        sessions.attendance_mark(
            actor=instructor,
            session_id=session.pk,
            marks={r.pk: r.candidate_id == alice.pk for r in session.registrations.all()},
            now=during,
        )
    Registration.objects.filter(session=held[2], candidate=bob).update(attended=True)
    LiveSession.objects.filter(pk=held[2].pk).update(cancelled_at=NOW)  # does not count
    attended = selectors.attended_sessions(candidate=alice, curriculum=curriculum)
    assert (attended.sessions, attended.minutes) == (2, 105)
    assert selectors.attended_sessions(candidate=bob, curriculum=curriculum).sessions == 0


# Reminders ----------------------------------------------------------------------


def test_reminders_go_out_once_a_day_ahead(
    instructor, curriculum, django_capture_on_commit_callbacks
) -> None:
    soon = schedule(instructor, curriculum, capacity=5)
    later = schedule(instructor, curriculum, capacity=5, starts_at=datetime(2099, 1, 20, 9, 0))
    alice, bob, gone = candidates(3)
    for c in (alice, bob, gone):
        for s in (soon, later):
            sessions.registration_create(candidate=c, session_id=s.pk, now=NOW)
    sessions.registration_cancel(candidate=gone, session_id=soon.pk, now=NOW)
    day_before = soon.starts_at - timedelta(hours=23, minutes=50)
    assert sessions.reminders_send(now=soon.starts_at - timedelta(hours=25)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sessions.reminders_send(now=day_before) == 2
        assert sessions.reminders_send(now=day_before + timedelta(minutes=15)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email])
    assert "2099年1月15日 09:00 (Europe/Berlin) = 2099年1月15日 16:00 (Asia/Shanghai)" in (
        mail.outbox[0].body
    )
    assert Notification.objects.filter(title__startswith="直播课程提醒").count() == 2
    assert not Registration.objects.filter(session=later, reminded_at__isnull=False).exists()


def test_the_beat_sends_reminders_every_quarter_hour() -> None:
    from certification.sessions.tasks import session_reminders_task

    name = "certification.sessions_tasks.session_reminders_task"
    assert session_reminders_task.name == name
    assert settings.CELERY_BEAT_SCHEDULE["live-session-reminders"] == {
        "task": name,
        "schedule": 15 * 60.0,
    }
    assert "certification.sessions.tasks" in settings.CELERY_IMPORTS


def test_past_sessions_show_the_attendance_recorded(instructor, curriculum, candidate) -> None:
    session = schedule(
        instructor, curriculum, starts_at=timezone.now() + timedelta(days=1), now=None
    )
    registration = sessions.registration_create(candidate=candidate, session_id=session.pk)
    LiveSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=3))
    Registration.objects.filter(pk=registration.pk).update(attended=True)
    page = Client()
    page.force_login(candidate)
    html = page.get("/learn/sessions/").content.decode()
    assert 'id="no-sessions"' in html  # nothing upcoming any more
    assert 'id="past-sessions"' in html and "出席" in html
