"""Installs the demo practical tasks (training/demo/) as bundle versions."""

import logging
import shutil

from django.contrib.auth.models import User

from training.bundles.archive import file_checksums, listing_hash
from training.bundles.storage import bundle_upload
from training.demo.bundles import DEMO_TASKS, ESPEAK_TASKS, demo_bundle
from training.models import PracticalTask

logger = logging.getLogger(__name__)


def practical_demo_install(*, uploaded_by: User | None = None) -> dict[str, PracticalTask]:
    """Uploads each demo bundle unless its task already holds identical content.
    Returns the tasks by slug. Safe to call any number of times. No trial run here
    (that needs the sandbox): the tests trial-run every demo bundle."""
    tasks = {}
    for name in DEMO_TASKS:
        if name in ESPEAK_TASKS and not shutil.which("espeak-ng"):
            # `make run` on a machine without espeak-ng still works; the tests need
            # it and fail loudly (scripts/test_services.sh installs it).
            logger.warning("espeak-ng is not installed: the %s demo task is left out", name)
            continue
        folder = demo_bundle(name)
        digest = listing_hash(file_checksums(folder))
        task = (
            PracticalTask.objects.select_related("current_version")
            .filter(current_version__sha256=digest)
            .first()
        )
        if task is None:
            task = bundle_upload(source=folder, uploaded_by=uploaded_by, trial=None).task
        tasks[task.slug] = task
    return tasks
