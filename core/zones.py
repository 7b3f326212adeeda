"""Time zones by IANA name (``zoneinfo``, the system's tz database): which names are
accepted, which a form offers, and the zone a name stands for. Used by live sessions
(the zone they are scheduled in) and by accounts (the zone a person reads times in)."""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils.translation import gettext as _

from core.errors import ApplicationError

# Aliases and legacy names that the tz database keeps for compatibility: valid, but
# not offered in a form's list.
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "posix/", "right/")


@cache
def zone_names() -> frozenset[str]:
    """Every accepted zone name."""
    return frozenset(available_timezones())


@cache
def zone_choices() -> tuple[str, ...]:
    """The names a form offers, sorted: regions/cities and UTC."""
    return tuple(
        sorted(
            name
            for name in zone_names()
            if ("/" in name and not name.startswith(_LEGACY_PREFIXES)) or name == "UTC"
        )
    )


def zone_get(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The zone called ``name``. Raises ApplicationError (on ``field``) for a name that
    is not an IANA zone: a file path or a typo is never looked up."""
    if name not in zone_names():
        raise ApplicationError(
            _("未知的时区：%(name)s") % {"name": name[:64]},
            extra={"field": field},
        )
    return ZoneInfo(name)
