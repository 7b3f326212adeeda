"""Times of live sessions: a wall-clock time in a zone turned into an instant, an
instant shown in a zone, and the zone the viewer reads in. Zone names are IANA names
(core.zones)."""

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.zones import zone_get


def viewer_zone_name() -> str:
    """The zone the current request reads times in: the person's own (accounts'
    time-zone middleware activates it), else the site's."""
    return timezone.get_current_timezone_name()


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
            _("该时区没有这个时间（夏令时调整）"),
            extra={"field": "starts_at"},
        )
    return instant


def in_zone(instant: datetime, zone_name: str) -> datetime:
    """``instant`` as a wall-clock time in the zone (aware, with the zone's offset)."""
    return instant.astimezone(zone_get(zone_name))
