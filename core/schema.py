"""The OpenAPI schema's error answers. Every API view answers its errors through
``core.api.exception_handler`` in one shape; this drf-spectacular post-processing
hook documents that shape once, as the ``Error`` component, and the statuses each
operation can answer with it, so that clients (and the schema conformance tests)
know every answer an operation may give."""

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {},
                "fields": {"type": "object", "additionalProperties": True},
                "extra": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ALWAYS = {
    "400": "请求无效 / The request is invalid.",
    # Forbidden answers like missing (core.api), so both are one documented 404.
    "404": "不存在或无权访问 / Not found, or not yours to see.",
}
UNSAFE = {"409": "当前状态不允许 / The object's state does not allow it."}
SIGNED_IN = {"403": "需要登录 / Authentication credentials were not provided."}
# Endpoints that take an API token only (rotate, revoke) answer 401 with a challenge.
TOKEN_ONLY = {"401": "需要 API 令牌 / An API token is required."}


def error_responses(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Adds the ``Error`` component and, to each operation, the error statuses it may
    answer that it does not document itself: 400 and 404 to all, 409 to writes, 403
    (not signed in: session authentication comes first, so no 401) where a signed-in
    user is required, and 401 where only an API token is accepted."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            statuses = dict(ALWAYS)
            if method in ("post", "put", "patch", "delete"):
                statuses |= UNSAFE
            security = operation.get("security", [{}])
            if {} not in security:
                statuses |= SIGNED_IN
                if all(set(scheme) == {"knoxApiToken"} for scheme in security):
                    statuses |= TOKEN_ONLY
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(status, {"content": _ERROR, "description": description})
    return result
