"""Who may author training content (question banks, items, task bundles):
instructors and the committee. Anyone else gets the same 404 as a page that does
not exist, so pages cannot be discovered by probing."""

from core.http import role_required
from core.roles import Actor, Role, has_role

AUTHOR_ROLES = (Role.INSTRUCTOR, Role.COMMITTEE)

# Login required, then either author role (core.http.role_required); the view receives
# a core.http.AuthenticatedRequest.
author_required = role_required(*AUTHOR_ROLES)


def is_author(user: Actor) -> bool:
    return any(has_role(user, role) for role in AUTHOR_ROLES)
