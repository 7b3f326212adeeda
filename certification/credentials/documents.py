"""What a certificate says: the results it shows, its achievement and its signed
Open Badges credential."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from certification.credentials.issuer import (
    absolute_reverse,
    issuer_id,
    issuer_key_active,
    issuer_private_key_unseal,
    issuer_profile,
)
from certification.credentials.lookups import credential_signing_inputs
from certification.credentials.status_lists import (
    PURPOSES,
    status_entries_for,
    status_index_allocate,
)
from certification.credentials.vc import (
    AchievementSpec,
    ComponentResult,
    LocalizedText,
    StatusEntry,
    achievement_document,
    credential_sign,
    open_badge_credential_build,
)
from certification.models import Blueprint, Certificate, Certification
from certification.results.selectors import blueprint_current

# Keys of the component results a holder may show (the credential and the public page
# carry only those chosen).
RESULT_KEYS = ("written", "practical", "composite")


RENEWAL_BASES = ("reexamination", "continuing_education")

BlueprintTerms = tuple[dict[str, Decimal], Decimal | None]


def renewal_credits_required() -> int:
    return settings.CERTIFICATE_RENEWAL_CREDITS


def _percent_text(value: Decimal) -> str:
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class ShownResult:
    key: str
    name: LocalizedText
    value: Decimal
    required: Decimal | None


def blueprint_terms(blueprint: Blueprint | None) -> BlueprintTerms:
    """Component minimums by kind and the cut score of ``blueprint`` (none: no terms).
    Copied onto the certificate at issue (``Certificate.terms_*``)."""
    if blueprint is None:
        return {}, None
    return {c.kind: c.minimum for c in blueprint.components.all()}, blueprint.cut_score


def _certificate_terms(certificate: Certificate) -> BlueprintTerms:
    """The terms of the blueprint the certificate was issued under, as copied at issue."""
    minimums = {
        kind: value
        for kind, value in (
            ("written", certificate.terms_written_minimum),
            ("practical", certificate.terms_practical_minimum),
        )
        if value is not None
    }
    return minimums, certificate.terms_cut_score


def certificate_results(certificate: Certificate) -> list[ShownResult]:
    """Every component result of ``certificate`` (before the holder's choice)."""
    minimums, cut = _certificate_terms(certificate)
    return [
        ShownResult(
            "written",
            LocalizedText("笔试", "Written exam"),
            certificate.written_percent,
            minimums.get("written") or None,
        ),
        ShownResult(
            "practical",
            LocalizedText("实操考核", "Practical assessment"),
            certificate.practical_percent,
            minimums.get("practical") or None,
        ),
        ShownResult(
            "composite",
            LocalizedText("综合成绩", "Composite score"),
            certificate.composite,
            cut,
        ),
    ]


def certificate_results_shown(certificate: Certificate) -> list[ShownResult]:
    shown = set(certificate.shown_results or [])
    return [r for r in certificate_results(certificate) if r.key in shown]


def achievement_spec(certificate: Certificate) -> AchievementSpec:
    """The achievement a certificate attests, with the cut of its blueprint."""
    return _certification_achievement(certificate.certification, certificate.terms_cut_score)


def achievement_public(*, certification: Certification) -> dict[str, Any]:
    """The public Achievement document that credentials' achievement id names, with
    the criteria of the certification's current published blueprint."""
    blueprint = blueprint_current(certification=certification)
    cut_score = blueprint.cut_score if blueprint is not None else None
    return achievement_document(_certification_achievement(certification, cut_score))


def _certification_achievement(cert: Certification, cut_score: Decimal | None) -> AchievementSpec:
    level, domain = cert.level, cert.domain
    cut = _percent_text(cut_score or Decimal(0))
    return AchievementSpec(
        id=absolute_reverse("credential-achievement", cert.slug),
        name=LocalizedText(cert.name, cert.name_en),
        description=LocalizedText(
            cert.description or f"{level.name}{domain.name}人工智能技能认证",
            f"AI skills certification, {level.name_en} level, {domain.name_en}",
        ),
        criteria=LocalizedText(
            f"笔试与实操考核加权综合成绩不低于 {cut} 分，且各部分达到最低分。",
            f"A weighted composite of the written exam and the practical assessment of "
            f"at least {cut}, with each component at or above its minimum.",
        ),
        level=level.slug,
        domain=LocalizedText(domain.name, domain.name_en),
        human_code=f"AISC-{domain.slug.upper()}-{level.rank}",
    )


def certificate_credential_build(
    certificate: Certificate, status_entries: Sequence[StatusEntry] | None = None
) -> dict[str, Any]:
    """The unsigned credential of ``certificate`` as it stands (pure apart from reads).
    ``status_entries``: those of its credential id when the caller has read them."""
    results = [
        ComponentResult(
            key=result.key,
            name=result.name,
            result_type="Percent",
            value=_percent_text(result.value),
            # Percent is 0-100 by definition: no valueMin/valueMax.
            required_value=_percent_text(result.required) if result.required else None,
        )
        for result in certificate_results_shown(certificate)
    ]
    achievement = achievement_spec(certificate)
    if status_entries is None:
        status_entries = status_entries_for(
            certificate=certificate, credential_id=certificate.credential_id
        )
    return open_badge_credential_build(
        credential_id=certificate.credential_id,
        issuer=issuer_profile(),
        achievement=achievement,
        holder_email=certificate.holder.email,
        holder_salt=certificate.holder_salt,
        valid_from=certificate.valid_from or certificate.issued_at,
        valid_until=certificate.valid_until,
        results=results,
        status_entries=status_entries,
        holder_name=certificate.holder_name if certificate.show_name else None,
        credential_name=achievement.name.render(),
    )


def certificate_credential_signed(certificate: Certificate) -> dict[str, Any]:
    """The credential of ``certificate`` signed with the issuer's active key (created
    if there is none); nothing is saved. Reads its status entries and the active key
    in one query (the certificate's holder, certification, level and domain are read
    if they are not loaded yet)."""
    inputs = credential_signing_inputs(
        certificate_id=certificate.pk, credential_id=certificate.credential_id, issuer=issuer_id()
    )
    if inputs.key_url is None or inputs.sealed_key is None:
        key = issuer_key_active()
        key_url, sealed = key.key_url, key.secret_encrypted
    else:
        key_url, sealed = inputs.key_url, inputs.sealed_key
    return credential_sign(
        document=certificate_credential_build(certificate, inputs.status_entries),
        private_key=issuer_private_key_unseal(key_url=key_url, sealed=sealed),
        verification_method=key_url,
    )


def _certificate_sign(certificate: Certificate) -> Certificate:
    """Builds and signs the credential with the active key and saves it."""
    certificate.credential = certificate_credential_signed(certificate)
    certificate.save(update_fields=["credential"])
    return certificate


def _credential_new(certificate: Certificate) -> None:
    """Gives ``certificate`` a new credential id with fresh status indexes."""
    certificate.credential_id = f"urn:uuid:{uuid.uuid4()}"
    certificate.save(update_fields=["credential_id"])
    for purpose in PURPOSES:
        status_index_allocate(
            certificate=certificate, credential_id=certificate.credential_id, purpose=purpose
        )
