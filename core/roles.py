"""Roles are Django groups. Every permission decision asks these helpers."""

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
        cached = frozenset(Role(name) for name in names if name in Role._value2member_map_)
        setattr(user, "_cert_roles", cached)  # noqa: B010 - a per-request cache on the user
    return cached


def has_role(user: Actor, role: Role) -> bool:
    return role in user_roles(user)


def role_grant(*, user: AbstractBaseUser, role: Role) -> None:
    """Adds ``user`` to the role's group (created on first use). Safe to call twice."""
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)  # type: ignore[attr-defined]
    if hasattr(user, "_cert_roles"):
        del user._cert_roles
