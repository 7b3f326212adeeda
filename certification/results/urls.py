"""URLs of results: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.results.api import (
    AngoffEstimatesApi,
    AngoffStudyApi,
    BlueprintListCreateApi,
    BlueprintPublishApi,
    CandidateResultApi,
    CommitteeResultApi,
    DecisionRecordApi,
    ResultListApi,
)
from certification.results.views import (
    angoff_study,
    application_result,
    committee_adjudication_check,
    committee_angoff,
    committee_blueprint_publish,
    committee_blueprints,
    committee_decide_result,
    committee_result,
    committee_results,
    examiner_angoff_study,
)

urlpatterns = [
    path("committee/results/", committee_results, name="committee-results"),
    path(
        "applications/<int:application_id>/result/",
        application_result,
        name="application-result",
    ),
    path(
        "committee/results/<int:application_id>/",
        committee_result,
        name="committee-result",
    ),
    path(
        "committee/results/<int:application_id>/decision/",
        committee_decide_result,
        name="committee-result-decide",
    ),
    path(
        "committee/results/<int:application_id>/adjudication/",
        committee_adjudication_check,
        name="committee-adjudication-check",
    ),
    path("committee/blueprints/", committee_blueprints, name="committee-blueprints"),
    path(
        "committee/blueprints/<int:blueprint_id>/publish/",
        committee_blueprint_publish,
        name="committee-blueprint-publish",
    ),
    path("committee/angoff/", committee_angoff, name="committee-angoff"),
    path("committee/angoff/<int:study_id>/", angoff_study, name="angoff-study"),
    path(
        "examiner/angoff/<int:study_id>/",
        examiner_angoff_study,
        name="examiner-angoff-study",
    ),
]

api_urlpatterns = [
    path("results/", ResultListApi.as_view(), name="api-results"),
    path(
        "applications/<int:application_id>/result/",
        CandidateResultApi.as_view(),
        name="api-candidate-result",
    ),
    path("angoff/<int:study_id>/", AngoffStudyApi.as_view(), name="api-angoff"),
    path(
        "angoff/<int:study_id>/estimates/",
        AngoffEstimatesApi.as_view(),
        name="api-angoff-estimates",
    ),
    path(
        "results/<int:application_id>/",
        CommitteeResultApi.as_view(),
        name="api-committee-result",
    ),
    path(
        "results/<int:application_id>/decision/",
        DecisionRecordApi.as_view(),
        name="api-decision-record",
    ),
    path("blueprints/", BlueprintListCreateApi.as_view(), name="api-blueprints"),
    path(
        "blueprints/<int:blueprint_id>/publish/",
        BlueprintPublishApi.as_view(),
        name="api-blueprint-publish",
    ),
]
