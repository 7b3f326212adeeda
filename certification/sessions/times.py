"""Time zones of live sessions: which names are accepted, a wall-clock time in a zone
turned into an instant, and an instant shown in a zone. Zone names are IANA names
from the system's tz database (``zoneinfo``)."""

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings

from core.errors import ApplicationError

# Aliases and legacy names that the tz database keeps for compatibility: valid, but
# not offered in the form's list.
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "posix/", "right/")


@cache
def zone_names() -> tuple[str, ...]:
    """Every accepted zone name, sorted."""
    return tuple(sorted(available_timezones()))


@cache
def zone_choices() -> tuple[str, ...]:
    """The names the scheduling form offers: regions/cities and UTC."""
    return tuple(
        name
        for name in zone_names()
        if ("/" in name and not name.startswith(_LEGACY_PREFIXES)) or name == "UTC"
    )


def zone_get(name: str) -> ZoneInfo:
    """The zone called ``name``. Raises ApplicationError for a name that is not an
    IANA zone (a file path or a typo is not looked up)."""
    if name not in zone_names():
        raise ApplicationError(
            f"未知的时区 / Unknown time zone: {name[:64]}",
            extra={"field": "time_zone"},
        )
    return ZoneInfo(name)


def viewer_zone_name() -> str:
    """The zone a viewer reads times in when they chose none: the site's."""
    return str(settings.TIME_ZONE)


def wall_to_instant(wall: datetime, zone_name: str) -> datetime:
    """``wall`` (a naive wall-clock time in the zone) as an aware UTC instant. An aware
    ``wall`` is already an instant and is only converted. Raises ApplicationError for
    a wall time that does not exist in the zone (skipped by a daylight-saving change);
    an ambiguous one (repeated) is read as its first occurrence."""
    zone = zone_get(zone_name)
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    local = wall.replace(tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise ApplicationError(
            "该时区没有这个时间（夏令时调整） / That time does not exist in the zone "
            "(daylight-saving change).",
            extra={"field": "starts_at"},
        )
    return instant


def in_zone(instant: datetime, zone_name: str) -> datetime:
    """``instant`` as a wall-clock time in the zone (aware, with the zone's offset)."""
    return instant.astimezone(zone_get(zone_name))
