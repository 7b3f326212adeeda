from typing import Any

from certification.models import Attempt
from core.errors import NotFound


def attempt_get_for_candidate(*, candidate: Any, public_id: Any) -> Attempt:
    try:
        return Attempt.objects.select_related("exam").get(public_id=public_id, candidate=candidate)
    except (Attempt.DoesNotExist, ValueError) as exc:
        raise NotFound("Not found.") from exc
