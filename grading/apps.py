from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("评分")

    def ready(self) -> None:
        # Registers the Celery tasks in every process (models are loaded only now), so
        # that services can queue them by name, in-process too when tasks run eagerly.
        from grading import tasks  # noqa: F401
