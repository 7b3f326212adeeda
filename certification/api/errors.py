"""The one place a domain error becomes an HTTP answer: ``{"error": {code, message}}``."""

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.extra:
            body["extra"] = exc.extra
        return Response({"error": body}, status=exc.status_code)
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
