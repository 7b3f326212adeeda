from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from certification.accounts import views as account_views
from certification.accounts.views_security import ResetConfirmView
from certification.urls import api_urlpatterns as certification_api
from core.api_docs import ApiDocsView
from core.csp import csp_report
from core.ratelimit import page_throttle

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", account_views.language_set, name="set_language"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail with Django's views and signed tokens; the form answers
    # the same whether or not the address has an account.
    path(
        "accounts/password-reset/",
        page_throttle("password_reset")(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/v1/", include(certification_api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path(settings.CSP_REPORT_PATH.lstrip("/"), csp_report, name="csp-report"),
    path("", include("training.urls")),
    path("", include("certification.urls")),
    path("", include("ops.urls")),
]
