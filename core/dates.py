"""Dates written for a reader, in Python (an e-mail, a notification, a PDF): the
active language's named format (``config/formats/``), never a ``strftime`` pattern,
so the text reads ``2026年12月5日 14:30`` in Chinese and ``5 Dec 2026, 14:30`` in
English. Machine values (ISO 8601 in JSON, CSV and iCalendar) keep ``isoformat()``.

``date_text_lazy`` waits until the text is read, so a notification formats the date
in its recipient's language (``translation.override`` in ``notification_send``)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.functional import lazy


def date_text(value: date | datetime, *, fmt: str = "SHORT_DATETIME_FORMAT", zone: str = "") -> str:
    """``value`` in the active language's ``fmt`` (a format setting's name such as
    ``SHORT_DATE_FORMAT``). An aware datetime is first moved to ``zone`` (an IANA
    name), else to the current time zone, as the ``date`` template filter does."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, ZoneInfo(zone) if zone else None)
    return formats.date_format(value, fmt)


date_text_lazy = lazy(date_text, str)
