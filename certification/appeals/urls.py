"""URLs of appeals: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.appeals.api import AppealDecideApi, AppealQueueApi, CandidateAppealApi
from certification.appeals.views import committee_appeal_decide, committee_appeals

urlpatterns = [
    path("committee/appeals/", committee_appeals, name="committee-appeals"),
    path(
        "committee/appeals/<int:appeal_id>/decide/",
        committee_appeal_decide,
        name="committee-appeal-decide",
    ),
]

api_urlpatterns = [
    path(
        "applications/<int:application_id>/appeal/",
        CandidateAppealApi.as_view(),
        name="api-appeal-file",
    ),
    path("appeals/", AppealQueueApi.as_view(), name="api-appeals"),
    path(
        "appeals/<int:appeal_id>/decision/",
        AppealDecideApi.as_view(),
        name="api-appeal-decide",
    ),
]
