"""The one limit on a request body's declared size, checked before Django reads a
byte of it: without it a multipart upload of any size is spooled to a temporary file
before a view can look at its size. Each upload's own, smaller limit (attachments,
solutions, bundles) is still checked by its service."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.i18n import StrOrPromise

MESSAGE = gettext_lazy("请求内容过大")


class BodySizeLimitMiddleware:
    """Answers 413 (the API's error shape under /api/, plain text elsewhere) when the
    declared Content-Length exceeds ``settings.REQUEST_BODY_MAX_BYTES``, or is not a
    number (400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            return _refuse(request, 400, "bad_request", gettext_lazy("Content-Length 无效"))
        if int(declared) > settings.REQUEST_BODY_MAX_BYTES:
            return _refuse(request, 413, "too_large", MESSAGE)
        return self.get_response(request)


def _refuse(request: HttpRequest, status: int, code: str, message: StrOrPromise) -> HttpResponse:
    # This runs before LocaleMiddleware has picked the language: pick it here.
    with translation.override(translation.get_language_from_request(request)):
        message = str(message)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
