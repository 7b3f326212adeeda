"""What every template may use: the signed-in user's roles (navigation) and the
language the content is written in (its ``lang`` attribute)."""

from django.conf import settings
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


def content_language(request: HttpRequest) -> dict[str, object]:
    return {"CONTENT_LANG": settings.CONTENT_LANGUAGE}
