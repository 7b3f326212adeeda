"""What the proxy allows: sandbox images, bind roots, the seccomp profile. Read from
the sandbox settings (``sandbox.conf``: Django settings or the environment)."""

from __future__ import annotations

import fnmatch
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import conf
from sandbox.docker_config import SECCOMP_PROFILE

# The offline builder's repositories (sandbox/images): any content-hash tag of them.
DEFAULT_IMAGE_PATTERNS = ("cert-engine/sandbox-*:*",)
MAX_BODY_BYTES = 256 * 1024


def _paths(value: Any) -> tuple[Path, ...]:
    if not value:
        return ()
    items = value.split(os.pathsep) if isinstance(value, str) else list(value)
    return tuple(Path(os.path.realpath(str(item))) for item in items if str(item).strip())


def _words(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return tuple(str(item) for item in items)


@dataclass(frozen=True)
class ProxyConfig:
    """``images``: exact tags or ``fnmatch`` patterns a container may use.
    ``writable_roots``: where a writable bind's source may lie (the worker's temporary
    directory: capped tmpfs areas and pool slots; scratch folders).
    ``readonly_roots``: where a read-only bind's source may lie, in addition."""

    images: tuple[str, ...]
    writable_roots: tuple[Path, ...]
    readonly_roots: tuple[Path, ...]
    seccomp: Any = field(default=None, compare=False)
    max_body_bytes: int = MAX_BODY_BYTES

    def image_allowed(self, image: str) -> bool:
        if not isinstance(image, str) or not image or image.startswith("sha256:"):
            return False
        return any(fnmatch.fnmatchcase(image, pattern) for pattern in self.images)

    def bind_allowed(self, source: Path, *, writable: bool) -> bool:
        roots = self.writable_roots if writable else self.writable_roots + self.readonly_roots
        return any(source == root or root in source.parents for root in roots)


def load_config() -> ProxyConfig:
    """The configuration from ``SANDBOX_PROXY_IMAGES`` (plus ``SANDBOX_IMAGE`` and
    ``SANDBOX_IMAGE_TENSORFLOW``), ``SANDBOX_PROXY_WRITABLE_ROOTS`` (default: the
    temporary directory) and ``SANDBOX_PROXY_READONLY_ROOTS`` (path lists)."""
    images = (
        *DEFAULT_IMAGE_PATTERNS,
        *_words(conf.get("SANDBOX_PROXY_IMAGES")),
        *_words(conf.get("SANDBOX_IMAGE")),
        *_words(conf.get("SANDBOX_IMAGE_TENSORFLOW")),
    )
    writable = _paths(conf.get("SANDBOX_PROXY_WRITABLE_ROOTS")) or _paths(tempfile.gettempdir())
    return ProxyConfig(
        images=images,
        writable_roots=writable,
        readonly_roots=_paths(conf.get("SANDBOX_PROXY_READONLY_ROOTS")),
        seccomp=json.loads(SECCOMP_PROFILE.read_text()),
    )
