"""The life of a certificate: issue, revoke, suspend, unsuspend, renew, rename,
privacy, expiry reminders and issuer key replacement. Each write is audited."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certification.audit.notifications import recipient_languages
from certification.audit.services import audit_record
from certification.credentials.documents import (
    RENEWAL_BASES,
    RESULT_KEYS,
    _certificate_sign,
    _credential_new,
    blueprint_terms,
    renewal_credits_required,
)
from certification.credentials.issuer import absolute_url, issuer_key_revoke, issuer_key_rotate
from certification.credentials.status_lists import status_bits_set, status_lists_resign
from certification.credentials.vc import identity_salt_new
from certification.learning.credits import continuing_education
from certification.models import Application, Certificate
from certification.results.selectors import blueprint_for_application, result_for_application
from certification.results.services import decision_for_issue
from core.dates import date_text
from core.errors import Conflict, NotFound
from core.roles import Role, has_role


def certificate_record_issue(
    *,
    application: Application,
    issued_by: User,
    written_percent: Decimal,
    practical_percent: Decimal,
    composite: Decimal,
    now: datetime | None = None,
) -> Certificate:
    """Creates the certificate row and its signed credential. No checks: callers
    (``certificate_issue``, the demo) decide. Call inside a transaction."""
    now = now or timezone.now()
    minimums, cut_score = blueprint_terms(blueprint_for_application(application))
    certificate = Certificate.objects.create(
        application=application,
        holder=application.candidate,
        holder_name=application.full_name,
        certification=application.certification,
        written_percent=written_percent,
        practical_percent=practical_percent,
        composite=composite,
        issued_by=issued_by,
        issued_at=now,
        valid_from=now,
        valid_until=now + timedelta(days=application.certification.validity_days),
        holder_salt=identity_salt_new(),
        shown_results=list(RESULT_KEYS),
        terms_written_minimum=minimums.get("written"),
        terms_practical_minimum=minimums.get("practical"),
        terms_cut_score=cut_score,
    )
    _credential_new(certificate)
    return _certificate_sign(certificate)


def certificate_issue(*, application_id: int, issued_by: User) -> Certificate:
    """Issues the certificate for an approved application whose composite result is
    complete and passing, with a signed OpenBadgeCredential (two status entries:
    revocation and suspension). Safe to call twice: the second call returns the
    certificate the first one issued. Issuing needs the committee's current ``pass``
    decision; without any decision yet, the issuer's pass decision is recorded in the
    same transaction (``decisions.decision_for_issue``). Raises NotFound for a
    non-committee user (or one deciding on their own application or with a conflict of
    interest) and Conflict when the result or a fail/defer decision does not allow it."""
    if not has_role(issued_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    with transaction.atomic():
        try:
            application = (
                Application.objects.select_for_update()
                .select_related("certification", "candidate")
                .get(pk=application_id, state=Application.State.APPROVED)
            )
        except Application.DoesNotExist as exc:
            raise NotFound("Not found.") from exc
        if application.candidate_id == issued_by.pk:
            raise NotFound("Not found.")
        existing = Certificate.objects.filter(application=application).first()
        if existing is not None:
            return existing
        result = result_for_application(application)
        if not result.complete:
            raise Conflict(_("成绩尚未完整"))
        if not result.passed:
            raise Conflict(_("未达到合格线，不能发证"))
        assert result.composite is not None
        # Issuing is the committee's pass decision: the current one, or one recorded now.
        decision_for_issue(application=application, result=result, issued_by=issued_by)
        try:
            with transaction.atomic():
                certificate = certificate_record_issue(
                    application=application,
                    issued_by=issued_by,
                    written_percent=result.written_percent or Decimal(0),
                    practical_percent=result.practical_percent or Decimal(0),
                    composite=result.composite,
                )
        except IntegrityError as exc:
            raise Conflict(_("证书已签发")) from exc
        audit_record(
            actor=issued_by,
            action="certificate.issue",
            obj=certificate,
            after={
                "code": certificate.code,
                "composite": str(certificate.composite),
                "credential_id": certificate.credential_id,
            },
        )
    return certificate


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Conflict(_("请填写原因"))
    return reason


def _certificate_for_committee(*, actor: User, code: str) -> Certificate:
    """Locks and returns the certificate for a committee action; NotFound otherwise."""
    if not has_role(actor, Role.COMMITTEE):
        raise NotFound("Not found.")
    certificate = (
        Certificate.objects.select_for_update()
        .select_related("certification__level", "certification__domain", "holder")
        .filter(code=code)
        .exclude(holder_id=actor.pk)
        .first()
    )
    if certificate is None:
        raise NotFound("Not found.")
    return certificate


def _state(certificate: Certificate) -> dict[str, Any]:
    return {
        "status": certificate.status,
        "suspended": certificate.suspended_at is not None,
        "credential_id": certificate.credential_id,
        "valid_until": certificate.valid_until.isoformat(),
        "holder_name": certificate.holder_name,
    }


def certificate_revoke(*, actor: User, code: str, reason: str) -> Certificate:
    """Revokes for good: sets the revocation bit of every credential of the certificate
    and re-signs the list. Raises Conflict if already revoked (so twice is harmless)."""
    reason = _reason(reason)
    with transaction.atomic():
        certificate = _certificate_for_committee(actor=actor, code=code)
        if certificate.status == Certificate.Status.REVOKED:
            raise Conflict(_("证书已撤销"))
        before = _state(certificate)
        certificate.status = Certificate.Status.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.save(update_fields=["status", "revoked_at", "revocation_reason"])
        status_bits_set(certificate=certificate, purpose="revocation", value=True)
        audit_record(
            actor=actor,
            action="certificate.revoke",
            obj=certificate,
            before=before,
            after={**_state(certificate), "reason": reason},
        )
    return certificate


def certificate_suspend(*, actor: User, code: str, reason: str) -> Certificate:
    """Suspends (reversibly): sets the suspension bit. Conflict if revoked or suspended."""
    reason = _reason(reason)
    with transaction.atomic():
        certificate = _certificate_for_committee(actor=actor, code=code)
        if certificate.status == Certificate.Status.REVOKED:
            raise Conflict(_("证书已撤销"))
        if certificate.suspended_at is not None:
            raise Conflict(_("证书已暂停"))
        before = _state(certificate)
        certificate.suspended_at = timezone.now()
        certificate.suspension_reason = reason
        certificate.save(update_fields=["suspended_at", "suspension_reason"])
        status_bits_set(certificate=certificate, purpose="suspension", value=True)
        audit_record(
            actor=actor,
            action="certificate.suspend",
            obj=certificate,
            before=before,
            after={**_state(certificate), "reason": reason},
        )
    return certificate


def certificate_unsuspend(*, actor: User, code: str, reason: str) -> Certificate:
    """Lifts a suspension: clears the suspension bit. Conflict if not suspended."""
    reason = _reason(reason)
    with transaction.atomic():
        certificate = _certificate_for_committee(actor=actor, code=code)
        if certificate.suspended_at is None or certificate.status == Certificate.Status.REVOKED:
            raise Conflict(_("证书未处于暂停状态"))
        before = _state(certificate)
        certificate.suspended_at = None
        certificate.suspension_reason = ""
        certificate.save(update_fields=["suspended_at", "suspension_reason"])
        status_bits_set(certificate=certificate, purpose="suspension", value=False)
        audit_record(
            actor=actor,
            action="certificate.unsuspend",
            obj=certificate,
            before=before,
            after={**_state(certificate), "reason": reason},
        )
    return certificate


def certificate_renew(
    *, actor: User, code: str, reason: str, basis: str, credits: int | None = None
) -> Certificate:
    """Renews by re-examination or continuing-education credits (given, or else those
    recorded by the learning journey since the validity began): a new credential id
    with fresh status indexes, valid from now for the certification's validity period.
    The previous credential stays as it was (valid until its own ``validUntil``).
    Conflict if revoked, suspended, or the credits are too few."""
    reason = _reason(reason)
    if basis not in RENEWAL_BASES:
        raise Conflict(_("续证依据无效"))
    with transaction.atomic():
        certificate = _certificate_for_committee(actor=actor, code=code)
        earned = continuing_education(
            holder=certificate.holder_id, since=certificate.valid_from or certificate.issued_at
        ).credits
        if basis == "continuing_education" and credits is None:
            credits = earned  # what the holder studied here since the validity began
        if basis == "continuing_education" and (credits or 0) < renewal_credits_required():
            raise Conflict(
                _("继续教育学分不足 %(required)s（已记录 %(earned)s）")
                % {"required": renewal_credits_required(), "earned": earned}
            )
        if certificate.status == Certificate.Status.REVOKED:
            raise Conflict(_("证书已撤销"))
        if certificate.suspended_at is not None:
            raise Conflict(_("证书已暂停"))
        before = _state(certificate)
        now = timezone.now()
        certificate.valid_from = now
        certificate.valid_until = now + timedelta(days=certificate.certification.validity_days)
        certificate.renewal_count += 1
        certificate.expiry_reminder_sent_at = None
        certificate.save(
            update_fields=["valid_from", "valid_until", "renewal_count", "expiry_reminder_sent_at"]
        )
        _credential_new(certificate)
        _certificate_sign(certificate)
        audit_record(
            actor=actor,
            action="certificate.renew",
            obj=certificate,
            before=before,
            after={
                **_state(certificate),
                "reason": reason,
                "basis": basis,
                "credits": credits,
                "credits_recorded": earned,
            },
        )
    return certificate


def certificate_rename(*, actor: User, code: str, holder_name: str, reason: str) -> Certificate:
    """Records a name change: the same credential id, signed again (a new proof)."""
    reason = _reason(reason)
    holder_name = (holder_name or "").strip()
    if not holder_name or len(holder_name) > 120:
        raise Conflict(_("姓名无效"))
    with transaction.atomic():
        certificate = _certificate_for_committee(actor=actor, code=code)
        if certificate.status == Certificate.Status.REVOKED:
            raise Conflict(_("证书已撤销"))
        before = _state(certificate)
        certificate.holder_name = holder_name
        certificate.save(update_fields=["holder_name"])
        _certificate_sign(certificate)
        audit_record(
            actor=actor,
            action="certificate.rename",
            obj=certificate,
            before=before,
            after={**_state(certificate), "reason": reason},
        )
    return certificate


def certificate_privacy_set(
    *, holder: User, code: str, show_name: bool, shown_results: list[str]
) -> Certificate:
    """The holder's choice of what the public page and the credential show. Re-signs
    the same credential id when the choice changed. NotFound for anyone but the holder."""
    unknown = set(shown_results) - set(RESULT_KEYS)
    if unknown:
        raise Conflict(_("未知的成绩项：%(keys)s") % {"keys": ", ".join(sorted(unknown))})
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("certification__level", "certification__domain", "holder")
            .filter(code=code, holder_id=getattr(holder, "pk", None))
            .first()
        )
        if certificate is None:
            raise NotFound("Not found.")
        ordered = [key for key in RESULT_KEYS if key in shown_results]
        if certificate.show_name == show_name and certificate.shown_results == ordered:
            return certificate
        before = {"show_name": certificate.show_name, "shown_results": certificate.shown_results}
        certificate.show_name = show_name
        certificate.shown_results = ordered
        certificate.save(update_fields=["show_name", "shown_results"])
        if certificate.status != Certificate.Status.REVOKED:
            _certificate_sign(certificate)
        audit_record(
            actor=holder,
            action="certificate.privacy",
            obj=certificate,
            before=before,
            after={"show_name": show_name, "shown_results": ordered},
        )
    return certificate


def certificate_expiry_reminders_send(*, now: datetime | None = None, within_days: int = 30) -> int:
    """E-mails each holder whose valid certificate expires within ``within_days`` and
    who has not been reminded for this validity period. Each certificate is claimed with
    a conditional UPDATE before its mail goes out, in one transaction per certificate,
    so a second run (or a concurrent one) sends nothing twice; a mail failure rolls the
    claim back for the next run. Returns the number of reminders sent."""
    now = now or timezone.now()
    due = (
        Certificate.objects.filter(
            status=Certificate.Status.VALID,
            suspended_at__isnull=True,
            expiry_reminder_sent_at__isnull=True,
            valid_until__gt=now,
            valid_until__lte=now + timedelta(days=within_days),
        )
        .exclude(holder__email="")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = Certificate.objects.filter(
                pk=pk, expiry_reminder_sent_at__isnull=True
            ).update(expiry_reminder_sent_at=now)
            if not claimed:
                continue
            certificate = Certificate.objects.select_related("holder", "certification").get(pk=pk)
            verify_url = absolute_url(reverse("verify", args=[certificate.code]))
            language = recipient_languages(user_ids=[certificate.holder_id])[certificate.holder_id]
            with translation.override(language):
                expires = date_text(certificate.valid_until, fmt="DATE_FORMAT")
                subject = _("证书将于 %(date)s 到期") % {"date": expires}
                message = _(
                    "%(holder)s：\n\n您的证书「%(certification)s」将于 %(date)s 到期。"
                    "可通过重新考试或继续教育学分续证。\n\n%(link)s\n"
                ) % {
                    "holder": certificate.holder_name,
                    "certification": certificate.certification,
                    "date": expires,
                    "link": verify_url,
                }
            send_mail(
                subject=subject,
                message=message,
                from_email=None,
                recipient_list=[certificate.holder.email],
                fail_silently=False,
            )
            sent += 1
    return sent


def issuer_key_replace(*, actor: User, key_id: int | None = None, reason: str = "") -> int:
    """Rotation (``key_id`` None) or revocation of a compromised key (``key_id`` given,
    with a reason), followed by re-signing every status list and every certificate
    whose current credential that key signed, with the new active key (same credential
    ids). Returns the number of certificates re-signed. Committee only; safe to repeat."""
    with transaction.atomic():
        if key_id is None:
            issuer_key_rotate(actor=actor)
            # Rotation leaves old proofs valid; only the lists move to the new key.
            status_lists_resign()
            return 0
        key = issuer_key_revoke(actor=actor, key_id=key_id, reason=reason)
        status_lists_resign()
        resigned = 0
        signed_by_key = (
            Certificate.objects.select_for_update()
            .filter(credential__proof__verificationMethod=key.key_url)
            .exclude(status=Certificate.Status.REVOKED)
            .select_related("certification__level", "certification__domain", "holder")
            .order_by("pk")
        )
        for certificate in signed_by_key:
            _certificate_sign(certificate)
            resigned += 1
        return resigned
