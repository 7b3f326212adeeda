from django.urls import path

from certification import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/register/", views.register, name="register"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("certifications/<slug:slug>/apply/", views.apply, name="apply"),
    path("certifications/<slug:slug>/exam/", views.exam_start, name="exam-start"),
    path("certifications/<slug:slug>/practical/", views.practical_page, name="practical"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("committee/applications/", views.committee_applications, name="committee-applications"),
    path(
        "committee/applications/<int:application_id>/decide/",
        views.committee_decide,
        name="committee-decide",
    ),
    path("committee/results/", views.committee_results, name="committee-results"),
    path(
        "committee/results/<int:application_id>/issue/",
        views.committee_issue,
        name="committee-issue",
    ),
    path("verify/<str:code>/", views.verify, name="verify"),
]
