"""Registering a candidate account; a person's own preferences."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from certification.models import Preference
from core.errors import ApplicationError
from core.roles import Role, role_grant
from core.zones import zone_get


def candidate_register(*, username: str, email: str, password: str) -> Any:
    """Creates a candidate account. Raises ApplicationError for a taken username or a
    weak password; creates nothing in that case."""
    User = get_user_model()
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
            role_grant(user=candidate, role=Role.CANDIDATE)
    except IntegrityError as exc:
        raise ApplicationError("该用户名已被使用 / This username is taken.") from exc
    return candidate


def preference_update(*, user: Any, time_zone: str) -> Preference:
    """Sets the zone the person reads times in (blank: the site's). Raises
    ApplicationError for a name that is not an IANA zone; changes nothing then."""
    time_zone = time_zone.strip()
    if time_zone:
        zone_get(time_zone)
    preference, _ = Preference.objects.update_or_create(
        user_id=user.pk, defaults={"time_zone": time_zone}
    )
    return preference
