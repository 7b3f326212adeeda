"""Pages: the home page, registration, the candidate's dashboard and one's settings."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from certification.accounts import services as accounts
from certification.accounts.email import email_pending, email_verification_send, email_verify
from certification.accounts.middleware import time_zone_remember
from certification.accounts.second_factor import (
    second_factor_enrolled,
    second_factor_required,
    second_factor_verified,
)
from certification.accounts.selectors import dashboard_rows, user_zone_name
from certification.applications.selectors import certifications_with_rules
from core.errors import ApplicationError
from core.http import AuthenticatedRequest, error_show
from core.roles import Role, has_role
from core.zones import zone_choices
from training.models import Curriculum


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "certifications": certifications_with_rules(),
            "curricula": Curriculum.objects.select_related("level", "domain"),
        },
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in, which also records the language the person signs in with
    (the picker's cookie, else the browser's): their notifications use it."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        accounts.preference_language_set(user=form.get_user(), language=get_language())
        return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The top bar's language picker (Django's ``set_language``); a signed-in person's
    choice is also recorded for their notifications."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and response.status_code in (302, 204):
        accounts.preference_language_set(user=request.user, language=language)
    return response


class RegisterForm(forms.Form):
    username = forms.RegexField(regex=r"^[\w.@+-]{3,150}$", label=_("用户名"))
    email = forms.EmailField(label=_("电子邮箱"))
    password = forms.CharField(widget=forms.PasswordInput, label=_("密码"))


def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.candidate_register(**form.cleaned_data)
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            accounts.preference_language_set(user=user, language=get_language())
            messages.success(
                request, _("注册成功。我们已向你的邮箱发送了验证链接，请打开邮件完成验证。")
            )
            return redirect("dashboard")
    return render(request, "registration/register.html", {"form": form})


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    if has_role(request.user, Role.COMMITTEE):
        return redirect("committee-applications")
    rows = dashboard_rows(candidate=request.user)
    return render(
        request,
        "accounts/dashboard.html",
        {"rows": rows, "email_pending": email_pending(user=request.user)},
    )


def email_verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the mail: confirms the address, signed in or not."""
    try:
        address = email_verify(token=token)
    except ApplicationError as exc:
        return render(request, "accounts/email_verified.html", {"error": exc.message}, status=400)
    return render(request, "accounts/email_verified.html", {"email": address.email})


@login_required
@require_POST
def email_verify_resend(request: AuthenticatedRequest) -> HttpResponse:
    try:
        email_verification_send(user=request.user)
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("验证邮件已重新发送，请查收。"))
    return redirect("dashboard")


class PreferenceForm(forms.Form):
    time_zone = forms.CharField(max_length=64, required=False, label=_("时区"))


@login_required
def account_settings(request: AuthenticatedRequest) -> HttpResponse:
    """The zone the person reads times in (sessions, exam windows, notifications)."""
    form = PreferenceForm(
        request.POST or None, initial={"time_zone": user_zone_name(user_id=request.user.pk)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            chosen = accounts.preference_update(
                user=request.user, time_zone=form.cleaned_data["time_zone"]
            )
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            time_zone_remember(request.session, chosen.time_zone)
            messages.success(request, _("设置已保存"))
            return redirect("account-settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "zones": zone_choices(),
            "site_zone": settings.TIME_ZONE,
            "now": timezone.now(),
            "second_factor_required": second_factor_required(request.user),
            "second_factor": second_factor_enrolled(request.user),
            "second_factor_verified": second_factor_verified(request.user),
        },
    )
