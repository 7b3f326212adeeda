"""Accounts: what a person chose for themselves. A user with no row has chosen
nothing and reads times in the site's zone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preference",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("IANA name, e.g. Europe/Berlin; blank for the site's zone."),
    )
    # What notifications and e-mails are written in: the language the person last
    # signed in with or picked in the top bar (blank: the site's).
    language = models.CharField(
        max_length=10, blank=True, choices=settings.LANGUAGES, verbose_name=_("语言")
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone or '-'}"


class EmailAddress(models.Model):
    """The address a self-registered person was asked to confirm, and when they did
    (by opening the link mailed to it). Accounts made by staff have no row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_address",
    )
    email = models.EmailField()
    verified_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email} ({'verified' if self.verified_at else 'pending'})"
