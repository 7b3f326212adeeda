"""URLs of accounts: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.accounts.api import (
    PreferenceApi,
    TokenObtainApi,
    TokenRevokeApi,
    TokenRotateApi,
)
from certification.accounts.views import (
    account_settings,
    dashboard,
    email_verify_page,
    email_verify_resend,
    home,
    register,
)
from certification.accounts.views_security import (
    recovery_codes_renew,
    second_factor_setup,
    second_factor_verify,
    sign_out_everywhere,
)

urlpatterns = [
    path("", home, name="home"),
    path("accounts/register/", register, name="register"),
    path("dashboard/", dashboard, name="dashboard"),
    path("accounts/verify-email/resend/", email_verify_resend, name="email-verify-resend"),
    path("accounts/verify-email/<str:token>/", email_verify_page, name="email-verify"),
    path("accounts/settings/", account_settings, name="account-settings"),
    path("accounts/two-factor/setup/", second_factor_setup, name="second-factor-setup"),
    path("accounts/two-factor/", second_factor_verify, name="second-factor-verify"),
    path("accounts/two-factor/recovery-codes/", recovery_codes_renew, name="recovery-codes-renew"),
    path("accounts/sign-out-everywhere/", sign_out_everywhere, name="sign-out-everywhere"),
]

api_urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/rotate/", TokenRotateApi.as_view(), name="api-token-rotate"),
    path("auth/token/revoke/", TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("accounts/preferences/", PreferenceApi.as_view(), name="api-preferences"),
]
