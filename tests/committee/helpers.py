"""Givens shared by the committee tests."""

from typing import Any

from certification.applications import services as applications
from certification.models import Application, Certification, EligibilityRule

TEXT = {
    "full_name": "王小明",
    "learning_history": "中级课程",
    "project_experience": "目标检测",
}


def submit(candidate: Any, certification: Certification, **extra: Any) -> Application:
    return applications.application_submit(
        candidate=candidate, certification=certification, **{**TEXT, **extra}
    )


def intermediate_needs_beginner() -> Certification:
    """intermediate-cv opened, with the rule: a valid beginner-cv certificate."""
    intermediate = Certification.objects.get(slug="intermediate-cv")
    intermediate.is_open = True
    intermediate.save(update_fields=["is_open"])
    EligibilityRule.objects.get_or_create(
        certification=intermediate, required=Certification.objects.get(slug="beginner-cv")
    )
    return intermediate


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
