"""What every HTML view shares: the role check that answers 404 to outsiders, the one
way a domain error is shown on a page, and the page size of long lists."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import ApplicationError, NotFound
from core.roles import Role, has_role

View = Callable[..., HttpResponse]
PAGE_SIZE = 50


def role_required(role: Role) -> Callable[[View], View]:
    """Login required, then the role; a user without it gets the same 404 as a missing
    page, so pages cannot be discovered by probing."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, role):
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc

        return wrapped

    return decorator


def error_show(
    request: HttpRequest, exc: ApplicationError, *, form: forms.Form | None = None
) -> None:
    """Shows a refused request: on ``form`` (which keeps what was typed) when given,
    otherwise as a message on the next page."""
    if form is not None:
        form.add_error(None, exc.message)
    else:
        messages.error(request, exc.message)


class AuthenticatedRequest(HttpRequest):
    """The request a ``role_required`` or ``login_required`` view receives: its user
    is signed in, so services may take it as a ``User``."""

    user: User
