"""Runs untrusted code in fresh, locked-down containers. Knows nothing about exams.

The public contract::

    run(spec, *, backend=None) -> RunResult
    read_output_files(directory, *, max_total_bytes, max_files) -> dict[str, bytes]
    default_image() -> str
    janitor_sweep(max_age_seconds) -> int
    engine_available(timeout=3.0) -> bool

See docs/sandbox.md.
"""

from sandbox.docker_engine import engine_available
from sandbox.images.builder import default_image, image_tag
from sandbox.janitor import janitor_sweep
from sandbox.outputs import (
    OutputFileError,
    OutputTooLargeError,
    UnsafeOutputFileError,
    read_output_files,
)
from sandbox.runner import run
from sandbox.types import Limits, Mount, RunResult, RunSpec, Verdict

__all__ = [
    "Limits",
    "Mount",
    "OutputFileError",
    "OutputTooLargeError",
    "RunResult",
    "RunSpec",
    "UnsafeOutputFileError",
    "Verdict",
    "default_image",
    "engine_available",
    "image_tag",
    "janitor_sweep",
    "read_output_files",
    "run",
]
