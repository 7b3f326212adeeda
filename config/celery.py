"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery

from core.requestid import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("certengine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The request id travels in a message header and is set again around the task's run.
celery_signals_connect()
