"""Who may author training content (question banks, items, task bundles):
instructors and the committee. Anyone else gets the same 404 as a page that does
not exist, so pages cannot be discovered by probing."""

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import NotFound
from core.http import View
from core.roles import Actor, Role, has_role

AUTHOR_ROLES = (Role.INSTRUCTOR, Role.COMMITTEE)


def is_author(user: Actor) -> bool:
    return any(has_role(user, role) for role in AUTHOR_ROLES)


def author_required(view: View) -> View:
    """``core.http.role_required`` for either author role: login required, then the
    role; without it, or when the view raises NotFound, the answer is 404. The view
    receives a ``core.http.AuthenticatedRequest``."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_author(request.user):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc

    return wrapped
