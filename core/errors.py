"""The one domain error type. Services raise these; the API's exception handler and
the HTML views turn them into one JSON shape or a readable message."""

from django.utils.translation import gettext_lazy as _

from core.i18n import StrOrPromise


class ApplicationError(Exception):
    """A rule of the domain refused the request. ``message`` is shown to the user."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: StrOrPromise, *, extra: dict[str, object] | None = None) -> None:
        # Read now, in the language of the request that caused it (a lazy message
        # from a module-level constant too).
        message = str(message)
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class Throttled(ApplicationError):
    """Over an allowance; ``wait`` seconds until it renews (the Retry-After header)."""

    status_code = 429
    code = "throttled"

    def __init__(self, wait: int) -> None:
        super().__init__(_("请求过于频繁"))
        self.wait = wait


class NotFound(ApplicationError):
    """The object does not exist, or the user may not see it: both answer the same."""

    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    """The object is not in a state that allows the request."""

    status_code = 409
    code = "conflict"
