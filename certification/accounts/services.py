"""Registering a candidate account."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import ApplicationError
from core.roles import Role, role_grant


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
