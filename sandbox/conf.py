"""Settings of the sandbox, read lazily.

Each value comes from the Django setting of the same name when Django is configured and
defines it, else from the environment variable of the same name, else from a default.
The sandbox never requires Django: the image builder runs without it.
"""

from __future__ import annotations

import os
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _django_setting(name: str) -> Any:
    try:
        from django.conf import settings

        if not settings.configured:
            return None
        return getattr(settings, name, None)
    except Exception:
        return None


def get(name: str, default: Any = None) -> Any:
    value = _django_setting(name)
    if value is not None:
        return value
    env = os.environ.get(name)
    if env is not None:
        return env
    return default


def get_bool(name: str, default: bool) -> bool:
    value = get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be a boolean, got {value!r}")


def get_float(name: str, default: float) -> float:
    value = get(name)
    return default if value is None else float(value)


def backend_name() -> str:
    """``docker``, ``local`` or ``auto`` (the default)."""
    name = str(get("SANDBOX_BACKEND", "auto")).strip().lower()
    if name not in {"docker", "local", "auto"}:
        raise ValueError(f"SANDBOX_BACKEND must be docker, local or auto, got {name!r}")
    return name


def allow_local() -> bool:
    """Whether the non-isolating local backend may run. Without an explicit
    ``SANDBOX_ALLOW_LOCAL`` it follows ``DEBUG``: a production site (DEBUG off) refuses."""
    explicit = get("SANDBOX_ALLOW_LOCAL")
    if explicit is not None:
        return get_bool("SANDBOX_ALLOW_LOCAL", False)
    return bool(_django_setting("DEBUG"))


def docker_timeout() -> float:
    """Seconds allowed for one call to the Docker engine's API."""
    return get_float("SANDBOX_DOCKER_TIMEOUT", 30.0)


def configured_image() -> str | None:
    value = get("SANDBOX_IMAGE")
    return str(value) if value else None


def gpu_device() -> str | None:
    value = get("SANDBOX_GPU_DEVICE")
    return str(value) if value not in (None, "") else None


def sandbox_uid() -> int:
    return int(get("SANDBOX_UID", 10001))
