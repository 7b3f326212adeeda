"""What every API view shares: the one place a domain error becomes an HTTP answer
(``{"error": {code, message}}``), the role checks that answer 404 to outsiders, and
page-number pagination."""

from typing import Any

from django.contrib.auth.models import User
from django.core.paginator import Paginator
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError, NotFound, Throttled
from core.roles import Role, has_role

PAGE_SIZE = 50


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.extra:
            body["extra"] = exc.extra
        headers = {"Retry-After": str(exc.wait)} if isinstance(exc, Throttled) else None
        return Response({"error": body}, status=exc.status_code, headers=headers)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.PermissionDenied)):
        # Forbidden answers exactly like missing, so probing reveals nothing.
        exc = exceptions.NotFound() if isinstance(exc, exceptions.PermissionDenied) else exc
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    message = detail.get("detail", detail) if isinstance(detail, dict) else detail
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message}}
    if isinstance(detail, dict) and "detail" not in detail:
        response.data["error"]["fields"] = detail
    return response


def require_role(user: Any, role: Role) -> None:
    """Raises NotFound unless ``user`` has ``role``. Call it before validating input,
    so that an outsider's malformed request answers 404 like any other."""
    if not has_role(user, role):
        raise NotFound("Not found.")


def paginate(queryset: Any, request: Request) -> tuple[Any, dict[str, Any]]:
    """One page of ``queryset`` (``?page=``, PAGE_SIZE rows) and its counts."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.query_params.get("page"))
    meta = {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }
    return page.object_list, meta


def page_schema(item: type[serializers.BaseSerializer[Any]], **extra: Any) -> Any:
    """The OpenAPI schema of one page from ``paginate``: its counts, ``extra`` fields
    and the page's rows (``item``, many), as the ``<Item>Page`` component."""
    name = item.__name__.removesuffix("Out") + "Page"
    fields = {
        "count": serializers.IntegerField(),
        "page": serializers.IntegerField(),
        "pages": serializers.IntegerField(),
        **extra,
        "results": item(many=True),
    }
    return inline_serializer(name=name, fields=fields)


class AuthenticatedApiRequest(Request):
    """An API request that passed DRF's default permission, IsAuthenticated: its user
    is signed in (views with AllowAny take a plain Request)."""

    user: User
