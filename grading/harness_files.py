"""The grading harness (the scripts in grading/harness/) as the Docker engine sees it.
Where a worker runs in a container beside the engine (docker-compose, deploy/), the
engine resolves bind sources on its own host, where this code's folder does not
exist: GRADING_HARNESS_DIR then names a host folder, mounted at the same path, which
the worker fills with the packaged scripts when it starts."""

import os
import shutil
from pathlib import Path

from django.conf import settings

PACKAGED = Path(__file__).resolve().parent / "harness"


def harness_dir() -> Path:
    """The folder mounted read-only at /harness in the sandbox."""
    return Path(settings.GRADING_HARNESS_DIR)


def harness_publish() -> Path:
    """Copies the packaged scripts into GRADING_HARNESS_DIR when that is another folder
    (each file replaced in one step, so a run starting meanwhile sees a whole file).
    Returns the folder."""
    target = harness_dir()
    if target.resolve() == PACKAGED:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(PACKAGED.glob("*.py")):
        partial = target / f".{source.name}.partial"
        shutil.copyfile(source, partial)
        os.replace(partial, target / source.name)
    return target
