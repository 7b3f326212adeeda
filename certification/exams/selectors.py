import uuid

from django.contrib.auth.models import User

from certification.models import Attempt
from core.errors import NotFound


def attempt_get_for_candidate(*, candidate: User, public_id: uuid.UUID | str) -> Attempt:
    try:
        return Attempt.objects.select_related("exam").get(public_id=public_id, candidate=candidate)
    except (Attempt.DoesNotExist, ValueError) as exc:
        raise NotFound("Not found.") from exc
