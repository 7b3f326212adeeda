"""Builder for Open Badges 3.0 ``OpenBadgeCredential`` documents (unsigned).

Every key used here is defined by the pinned VC 2.0 / OB 3.0.3 contexts; the tests
canonicalise a full credential in strict mode to keep it that way.

Bilingual text: the OB 3.0.3 context gives ``name``/``description`` no language
container and the OB JSON Schema requires plain strings, so Chinese and English are
joined into one string (``"中文 / English"``) rather than sent as a language map.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .contexts import OB_V3P0, VC_V2
from .proof import xsd_datetime
from .status_list import StatusEntry

CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]

# OB 3.0 ResultType / ResultStatusType enumerations (subset used by the engine).
ResultType = Literal["Percent", "RawScore", "ScaledScore", "Status", "LetterGrade"]
ResultStatus = Literal["Completed", "Failed", "InProgress", "Provisional", "Withdrew"]


@dataclass(frozen=True)
class LocalizedText:
    """Text in Simplified Chinese and English; rendered as one string (see module doc)."""

    zh_hans: str
    en: str

    def render(self) -> str:
        """``"中文 / English"``, or the one that is set if they are equal or one is empty."""
        if not self.zh_hans or self.zh_hans == self.en:
            return self.en
        if not self.en:
            return self.zh_hans
        return f"{self.zh_hans} / {self.en}"


@dataclass(frozen=True)
class IssuerProfile:
    """The issuing organisation; ``id`` is the issuer id proofs' keys belong to."""

    id: str
    name: str
    url: str
    email: str | None = None


@dataclass(frozen=True)
class ComponentResult:
    """One exam component: its description on the achievement and the holder's result.

    ``key`` makes the ResultDescription id (``{achievement_id}#result-{key}``).
    ``value`` is the holder's value as text (``"86"``); ``required_value`` the pass mark.
    """

    key: str
    name: LocalizedText
    result_type: ResultType
    value: str
    required_value: str | None = None
    value_min: str | None = None
    value_max: str | None = None
    status: ResultStatus = "Completed"


@dataclass(frozen=True)
class AchievementSpec:
    """The certification (level x domain) the credential attests."""

    id: str
    name: LocalizedText
    description: LocalizedText
    criteria: LocalizedText
    level: str
    domain: LocalizedText
    human_code: str | None = None
    image_url: str | None = None
    tags: Sequence[str] = field(default_factory=tuple)


def identity_salt_new() -> str:
    """A fresh random salt for :func:`identity_hash` (32 hex characters)."""
    return secrets.token_hex(16)


def email_normalize(email: str) -> str:
    """Trimmed, lower-cased address: what is hashed, so matching is case-insensitive."""
    return email.strip().lower()


def identity_hash(*, email: str, salt: str) -> str:
    """OB 3.0 IdentityHash of an e-mail: ``"sha256$" + hex(SHA-256(email + salt))``."""
    digest = hashlib.sha256((email_normalize(email) + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def identity_hash_matches(*, email: str, salt: str, hashed: str) -> bool:
    """True if ``hashed`` is the IdentityHash of ``email`` with ``salt`` (constant time)."""
    return hmac.compare_digest(identity_hash(email=email, salt=salt), hashed.lower())


def achievement_document(
    achievement: AchievementSpec, results: Sequence[ComponentResult] = ()
) -> dict[str, Any]:
    """The OB 3.0 ``Achievement``: inside a credential, and alone as the public
    document its id resolves to. Level and domain go into ``tag`` (``level:...``,
    ``domain:...``) and the domain into ``fieldOfStudy``; ``results`` become
    ``ResultDescription``s. Pure; no I/O."""
    document: dict[str, Any] = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": achievement.name.render(),
        "description": achievement.description.render(),
        "criteria": {"narrative": achievement.criteria.render()},
        "fieldOfStudy": achievement.domain.render(),
        "tag": [
            f"level:{achievement.level}",
            f"domain:{achievement.domain.en or achievement.domain.zh_hans}",
            *achievement.tags,
        ],
    }
    if achievement.human_code:
        document["humanCode"] = achievement.human_code
    if achievement.image_url:
        document["image"] = {"id": achievement.image_url, "type": "Image"}
    if results:
        document["resultDescription"] = [
            _result_description(achievement.id, result) for result in results
        ]
    return document


def open_badge_credential_build(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: AchievementSpec,
    holder_email: str,
    holder_salt: str,
    valid_from: datetime,
    valid_until: datetime | None,
    results: Sequence[ComponentResult] = (),
    status_entries: Sequence[StatusEntry] = (),
    holder_name: str | None = None,
    credential_name: str | None = None,
) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential`` (JSON-compatible dict); sign it next.

    The holder is identified by an IdentityObject with the salted hash of
    ``holder_email`` (``identityType`` emailAddress, ``hashed`` true); ``holder_name``,
    if given, is added in clear (``identityType`` name) for the public page. The
    achievement is ``achievement_document``'s; component results become
    ``Result``s on the subject. Pure; no I/O.
    """
    subject = _subject(achievement, results, holder_email, holder_salt, holder_name)
    issuer_json: dict[str, Any] = {
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
    }
    if issuer.email:
        issuer_json["email"] = issuer.email
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3P0],
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": credential_name or achievement.name.render(),
        "issuer": issuer_json,
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    credential["credentialSubject"] = subject
    if status_entries:
        credential["credentialStatus"] = [entry.to_json() for entry in status_entries]
    return credential


def _subject(
    achievement: AchievementSpec,
    results: Sequence[ComponentResult],
    holder_email: str,
    holder_salt: str,
    holder_name: str | None,
) -> dict[str, Any]:
    """The AchievementSubject: the holder's identifiers, the achievement, the results."""
    achievement_json = achievement_document(achievement, results)

    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityHash": identity_hash(email=holder_email, salt=holder_salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": holder_salt,
        }
    ]
    if holder_name:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityHash": holder_name,
                "identityType": "name",
                "hashed": False,
            }
        )
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement_json,
    }
    if results:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": _result_description_id(achievement.id, result),
                "value": result.value,
                "status": result.status,
            }
            for result in results
        ]
    return subject


def _result_description_id(achievement_id: str, result: ComponentResult) -> str:
    return f"{achievement_id}#result-{result.key}"


def _result_description(achievement_id: str, result: ComponentResult) -> dict[str, Any]:
    description: dict[str, Any] = {
        "id": _result_description_id(achievement_id, result),
        "type": ["ResultDescription"],
        "name": result.name.render(),
        "resultType": result.result_type,
    }
    if result.required_value is not None:
        description["requiredValue"] = result.required_value
    if result.value_min is not None:
        description["valueMin"] = result.value_min
    if result.value_max is not None:
        description["valueMax"] = result.value_max
    return description
