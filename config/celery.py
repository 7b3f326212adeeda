"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

import logging.config
import os
from typing import Any

from celery import Celery, signals
from django.conf import settings

from core.requestid import celery_signals_connect
from grading.harness_files import harness_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("certengine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The request id travels in a message header and is set again around the task's run.
celery_signals_connect()


@signals.worker_init.connect
def _harness_publish(**_: Any) -> None:
    """The grading scripts where the Docker engine can mount them."""
    harness_publish()


@signals.setup_logging.connect
def _logging_from_settings(**_: Any) -> None:
    """Workers and beat log through settings.LOGGING (JSON lines with the request id),
    not Celery's own format: a receiver here tells Celery to leave logging alone."""
    logging.config.dictConfig(settings.LOGGING)
