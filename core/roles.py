"""Roles are Django groups. Every permission decision asks these helpers."""

from collections.abc import Iterable
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

# Whoever makes a request: what the role checks accept (an anonymous user has no role).
Actor = AbstractBaseUser | AnonymousUser


class Role(StrEnum):
    CANDIDATE = "candidate"
    INSTRUCTOR = "instructor"
    EXAMINER = "examiner"
    COMMITTEE = "committee"


def user_roles(user: Actor) -> frozenset[Role]:
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, "_cert_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
        cached = user_roles_known(user, names=names)
    return cached


def user_roles_known(user: Actor, *, names: Iterable[str]) -> frozenset[Role]:
    """Hands ``user_roles`` the names of the user's groups, read already (with the
    API token, certification/accounts/authentication.py), for this request."""
    roles = frozenset(Role(name) for name in names if name in Role._value2member_map_)
    setattr(user, "_cert_roles", roles)  # noqa: B010 - a per-request cache on the user
    return roles


def has_role(user: Actor, role: Role) -> bool:
    return role in user_roles(user)


def role_grant(*, user: AbstractBaseUser, role: Role) -> None:
    """Adds ``user`` to the role's group (created on first use). Safe to call twice."""
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)  # type: ignore[attr-defined]
    if hasattr(user, "_cert_roles"):
        del user._cert_roles
