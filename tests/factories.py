"""Small helpers that put the domain into a given state through its services."""

from typing import Any

from certification.models import Application, Certification
from certification.services import applications


def approved_application(*, candidate: Any, certification: Certification, committee: Any) -> Application:
    application = applications.application_submit(
        candidate=candidate,
        certification=certification,
        full_name="王小明",
        learning_history="在线课程：深度学习入门",
        project_experience="手写数字识别",
    )
    return applications.application_approve(application_id=application.pk, reviewer=committee)
