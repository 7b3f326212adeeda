"""The signed-in user's roles, for the templates' navigation."""

from django.http import HttpRequest

from core.roles import Role, user_roles


def roles(request: HttpRequest) -> dict[str, object]:
    held = user_roles(request.user)
    return {
        "is_candidate": Role.CANDIDATE in held,
        "is_committee": Role.COMMITTEE in held,
        "is_examiner": Role.EXAMINER in held,
        "is_instructor": Role.INSTRUCTOR in held,
    }
