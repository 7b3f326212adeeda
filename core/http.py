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
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import ApplicationError, NotFound
from core.roles import Role, has_role

View = Callable[..., HttpResponse]
PAGE_SIZE = 50


def role_required(*roles: Role) -> Callable[[View], View]:
    """Login required, then one of ``roles``; a user without any gets the same 404 as a
    missing page, so pages cannot be discovered by probing. A NotFound raised by the
    view becomes that 404 too."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(has_role(request.user, role) for role in roles):
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


def redirect_back(request: HttpRequest, default: str) -> HttpResponse:
    """To the form's ``next`` when it is a page of this site, otherwise to ``default``
    (a URL name or path): never to another host."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(default)


class AuthenticatedRequest(HttpRequest):
    """The request a ``role_required`` or ``login_required`` view receives: its user
    is signed in, so services may take it as a ``User``."""

    user: User
