"""URLs of accounts: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from certification.accounts.api import PreferenceApi
from certification.accounts.views import account_settings, dashboard, home, register

urlpatterns = [
    path("", home, name="home"),
    path("accounts/register/", register, name="register"),
    path("dashboard/", dashboard, name="dashboard"),
    path("accounts/settings/", account_settings, name="account-settings"),
]

api_urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("accounts/preferences/", PreferenceApi.as_view(), name="api-preferences"),
]
