"""All URLs of certification, gathered from its areas: pages (``urlpatterns``) and the
REST API (``api_urlpatterns``, mounted under /api/v1/ by config/urls.py)."""

from certification.accounts import urls as accounts
from certification.appeals import urls as appeals
from certification.applications import urls as applications
from certification.audit import urls as audit
from certification.credentials import urls as credentials
from certification.exams import urls as exams
from certification.interviews import urls as interviews
from certification.learning import urls as learning
from certification.mentoring import urls as mentoring
from certification.results import urls as results
from certification.sessions import urls as sessions
from certification.sittings import urls as sittings
from certification.studio import urls as studio

AREAS = (
    accounts,
    applications,
    exams,
    interviews,
    sittings,
    results,
    appeals,
    credentials,
    audit,
    studio,
    sessions,  # before learning: /learn/sessions/ is not a curriculum
    learning,
    mentoring,
)

urlpatterns = [pattern for area in AREAS for pattern in area.urlpatterns]
api_urlpatterns = [pattern for area in AREAS for pattern in area.api_urlpatterns]
