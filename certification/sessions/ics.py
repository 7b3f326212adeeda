"""An iCalendar file (RFC 5545) with one VEVENT for a live session.

Written by hand: no iCalendar library is among the project's dependencies, and one
event needs little of the format. What matters, and is tested: CRLF line ends; TEXT
values escaped (backslash, semicolon, comma, newline; RFC 5545 §3.3.11); content
lines folded at 75 octets without splitting a UTF-8 character (§3.1); times in UTC
(``…Z``), so no VTIMEZONE is needed; a UID stable across edits, with SEQUENCE and
STATUS telling a calendar that imported the file earlier what changed."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from certification.models import LiveSession

LINE_OCTETS = 75
PRODID = "-//Certification exam engine//Live sessions//EN"


def ics_escape(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def ics_fold(line: str) -> str:
    """One content line folded into CRLF-separated pieces of at most 75 octets, each
    continuation starting with a space (which counts toward its 75)."""
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def site_url(path: str = "") -> str:
    return f"{str(settings.SITE_URL).rstrip('/')}{path}"


def session_uid(session: LiveSession) -> str:
    return f"live-session-{session.pk}@{urlsplit(site_url()).hostname or 'localhost'}"


ONLINE = gettext_lazy("在线")


def session_location(session: LiveSession, *, with_link: bool = True) -> str:
    """The room, else the online link (a calendar shows LOCATION prominently)."""
    return session.room or (session.online_url if with_link else str(ONLINE))


def session_ics(
    session: LiveSession, *, with_link: bool = True, now: datetime | None = None
) -> str:
    """The session as an iCalendar document (``text/calendar``), cancelled or not.
    ``with_link=False`` leaves the online link out (for candidates not registered:
    the link is for those who hold a seat)."""
    link = site_url(reverse("sessions-mine"))
    description = session.description
    if with_link and session.online_url:
        link = session.online_url
        description = f"{description}\n\n{session.online_url}".strip()
    properties = [
        ("UID", session_uid(session)),
        ("DTSTAMP", _utc(now or timezone.now())),
        ("DTSTART", _utc(session.starts_at)),
        ("DTEND", _utc(session.ends_at)),
        ("SEQUENCE", str(session.sequence)),
        ("STATUS", "CANCELLED" if session.is_cancelled else "CONFIRMED"),
        ("SUMMARY", ics_escape(session.title)),
        ("DESCRIPTION", ics_escape(description)),
        ("LOCATION", ics_escape(session_location(session, with_link=with_link))),
        ("URL", link),  # a URI value: not TEXT, not escaped
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


def ics_filename(session: LiveSession) -> str:
    return f"live-session-{session.pk}.ics"


def calendar_response(session: LiveSession, *, with_link: bool) -> HttpResponse:
    """The calendar file as a download."""
    response = HttpResponse(
        session_ics(session, with_link=with_link), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(session)}"'
    return response
