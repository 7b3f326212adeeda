"""URLs of accounts: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from certification.accounts.views import dashboard, home, register

urlpatterns = [
    path("", home, name="home"),
    path("accounts/register/", register, name="register"),
    path("dashboard/", dashboard, name="dashboard"),
]

api_urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
]
