from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("认证")

    def ready(self) -> None:
        # The audit log records what the lower layers announce (core.audit).
        from certification.audit.receivers import audit_connect  # app registry is ready

        audit_connect()
