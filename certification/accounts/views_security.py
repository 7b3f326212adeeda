"""Pages of account security: enrolling an authenticator, the code after the
password, new recovery codes, signing out everywhere, and the last step of a
password reset (which also revokes the person's API tokens)."""

from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from certification.accounts import second_factor as otp
from certification.accounts import services as accounts
from certification.accounts.tokens import api_tokens_revoke_all
from core.errors import ApplicationError
from core.http import AuthenticatedRequest, error_show


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=16,
        label=_("验证码"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label=_("当前密码"),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/dashboard/"


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def second_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Enrols an authenticator: its QR code and key, then a first code. Replacing an
    enrolled one needs a verified session, so a password alone cannot swap it. Only
    for accounts that need a second factor: nothing would ask anyone else for it."""
    if not otp.second_factor_required(request.user):
        return redirect("account-settings")
    if otp.second_factor_enrolled(request.user) and not otp.second_factor_verified(request.user):
        return redirect("second-factor-verify")
    device = otp.authenticator_pending(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = otp.authenticator_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            otp.second_factor_login_device(request, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": otp.authenticator_secret(device),
            "next": _next(request),
        },
    )


@login_required
def second_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The code after the password (or a recovery code)."""
    if otp.second_factor_verified(request.user):
        return redirect(_next(request))
    if not otp.second_factor_enrolled(request.user):
        return redirect("second-factor-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.second_factor_login(request, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("验证码不正确，或已使用过。"))
    return render(
        request, "accounts/second_factor_verify.html", {"form": form, "next": _next(request)}
    )


@login_required
def recovery_codes_renew(request: AuthenticatedRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), for a verified session."""
    if request.method != "POST" or not otp.second_factor_verified(request.user):
        return redirect("account-settings")
    codes = otp.recovery_codes_issue(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/dashboard/"})


@login_required
def sign_out_everywhere(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.sign_out_everywhere(
                request=request, user=request.user, password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            logout(request)
            messages.success(request, _("已在所有设备上退出登录，API 令牌均已撤销。"))
            return redirect("login")
    return render(request, "accounts/sign_out_everywhere.html", {"form": form})


class ResetConfirmView(PasswordResetConfirmView):
    """Django's last step of a password reset; the new password also revokes every
    API token (the sessions end by themselves: their hash no longer matches)."""

    def form_valid(self, form: forms.Form) -> HttpResponse:
        response = super().form_valid(form)
        api_tokens_revoke_all(user=self.user)
        return response
