"""The candidate's booked sitting as an iCalendar file (one VEVENT, times in UTC),
written with the live sessions' helpers (certification.sessions.ics)."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from certification.models import SittingBooking
from certification.sessions.ics import ics_escape, ics_fold, site_url

PRODID = "-//Certification exam engine//Exam sittings//EN"


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def booking_ics(booking: SittingBooking, *, slug: str, now: datetime | None = None) -> str:
    """The booked sitting: a stable UID per booking, its window, the exam's title and
    the dashboard's address (where the exam is started)."""
    sitting = booking.sitting
    host = urlsplit(site_url()).hostname or "localhost"
    link = site_url(reverse("sittings", args=[slug]))
    properties = [
        ("UID", f"exam-sitting-booking-{booking.pk}@{host}"),
        ("DTSTAMP", _utc(now or timezone.now())),
        ("DTSTART", _utc(sitting.starts_at)),
        ("DTEND", _utc(sitting.ends_at)),
        ("STATUS", "CONFIRMED" if booking.state == SittingBooking.State.BOOKED else "CANCELLED"),
        ("SUMMARY", ics_escape(sitting.exam.title)),
        ("DESCRIPTION", ics_escape(link)),
        ("LOCATION", ics_escape(sitting.location)),
        ("URL", link),
    ]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        *(f"{name}:{value}" for name, value in properties),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def booking_calendar_response(booking: SittingBooking, *, slug: str) -> HttpResponse:
    response = HttpResponse(
        booking_ics(booking, slug=slug), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="exam-sitting-{booking.pk}.ics"'
    return response
