"""Certificates, the issuer's signing keys and the credential status lists."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _certificate_code() -> str:
    """16 URL-safe characters that start with a letter or digit.

    A code that began with "-" would read as an option on a command line
    (``export_credential -JWP…``) and is easy to lose when copied from a sentence.
    """
    while True:
        code = secrets.token_urlsafe(12)
        if code[0].isalnum():
            return code


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    code = models.CharField(max_length=32, unique=True, default=_certificate_code, editable=False)
    application = models.OneToOneField(
        "certification.Application", on_delete=models.PROTECT, related_name="certificate"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = models.CharField(max_length=120)
    certification = models.ForeignKey("certification.Certification", on_delete=models.PROTECT)
    written_percent = models.DecimalField(max_digits=5, decimal_places=2)
    practical_percent = models.DecimalField(max_digits=5, decimal_places=2)
    composite = models.DecimalField(max_digits=5, decimal_places=2)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    credential = models.JSONField(default=dict, blank=True, help_text=_("Signed credential."))
    # Signed-credential state. The credential id changes on renewal only; a
    # name change or a privacy choice re-signs the same id.
    credential_id = models.CharField(max_length=80, blank=True, db_index=True)
    holder_salt = models.CharField(max_length=64, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    renewal_count = models.PositiveSmallIntegerField(default=0)
    show_name = models.BooleanField(default=True, help_text=_("Holder's choice: name shown."))
    shown_results = models.JSONField(
        default=list, blank=True, help_text=_("Holder's choice: result keys shown publicly.")
    )
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The terms of the blueprint version the certificate was issued under, copied at
    # issue: the credential states them, and a credential build reads no blueprint.
    # Null where that blueprint had no such component (or there was no blueprint).
    terms_written_minimum = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    terms_practical_minimum = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    terms_cut_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.holder_name}"


class IssuerKey(models.Model):
    """An Ed25519 signing key of the issuer. The secret is stored encrypted (Fernet, key
    derived from a setting), never served. Rotation retires the active key: retired keys
    keep verifying what they signed; a revoked (compromised) key fails every proof."""

    class State(models.TextChoices):
        ACTIVE = "active", _("使用中")
        RETIRED = "retired", _("已轮换")
        REVOKED = "revoked", _("已吊销")

    issuer_id = models.CharField(max_length=200)
    key_url = models.CharField(max_length=300, unique=True)
    public_multikey = models.CharField(max_length=80)
    secret_encrypted = models.TextField(help_text=_("Fernet token of the z3u2… secret."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    revoked_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_id"],
                condition=models.Q(state="active"),
                name="issuer_key_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_url} ({self.state})"


class CredentialStatusList(models.Model):
    """One Bitstring Status List (revocation or suspension) and its signed credential,
    re-signed after every change and served at ``url``."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("撤销")
        SUSPENSION = "suspension", _("暂停")

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    url = models.CharField(max_length=300, unique=True)
    size = models.PositiveIntegerField(default=131_072)
    bits = models.BinaryField()
    credential = models.JSONField(default=dict, blank=True)
    is_full = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "number"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "number"], name="status_list_number"),
            models.CheckConstraint(condition=models.Q(size__gte=131_072), name="status_list_size"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.number}"


class CredentialStatusIndex(models.Model):
    """An index of a status list held by one credential of a certificate. Indexes are
    random; the unique constraint makes allocation safe without check-then-act."""

    status_list = models.ForeignKey(
        CredentialStatusList, on_delete=models.PROTECT, related_name="indexes"
    )
    index = models.PositiveIntegerField()
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="status_indexes"
    )
    credential_id = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "index"], name="status_index_unique")
        ]

    def __str__(self) -> str:
        return f"{self.status_list_id}#{self.index}"
