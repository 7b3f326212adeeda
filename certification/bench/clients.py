"""Test clients for the page benchmarks: signed in as a demo user, staff with their
second factor marked verified (as after typing a code), and the client's
environment without Django's template instrumentation."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from certification.accounts.second_factor import second_factor_required


def client_environment_setup() -> None:
    """What the test client needs (its host name, e-mail kept in memory), without
    Django's test environment: that one instruments every template render for the
    test client to record it, which would add to exactly what is measured here (a
    select of 600 time zones renders 600 templates)."""
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 404s of discovery


def signed_in(username: str) -> Client:
    """A test client signed in as ``username``; staff with their authenticator
    verified in the session, as django_otp.login marks it."""
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no confirmed authenticator")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
