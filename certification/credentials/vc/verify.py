"""Verifier: every check a stranger can run on a credential, each with a reason.

:func:`credential_verify` never raises for a bad credential; it returns a
:class:`VerificationReport` with one :class:`CheckResult` per :class:`Check`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canon import Canonical, canonical_form
from .contexts import OB_V3P0, PINNED_CONTEXTS, PRODUCTION_CONTEXTS, VC_V2
from .errors import CredentialError, KeyFormatError, ProofError, StatusListError
from .multikey import public_key_from_multikey
from .proof import ASSERTION_METHOD, ProofParts, hash_data_from_canonical, proof_parts
from .proof import signature_verify as _signature_verify
from .status_list import (
    PURPOSES,
    StatusEntry,
    StatusList,
    StatusListExcerpt,
    StatusPurpose,
    status_entries_parse,
    status_list_from_credential,
)


class Check(StrEnum):
    """The named checks, in the order they are reported."""

    CONTEXTS = "contexts"
    TERMS = "terms"
    PROOF = "proof"
    KEY = "key"
    ISSUER = "issuer"
    DATES = "dates"
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check. ``code`` is machine-readable (``ok``, ``failed``,
    ``skipped``, ``expired``, ``not_yet_valid``, ``revoked``, ``suspended``...);
    ``reason`` is a sentence for people."""

    check: Check
    passed: bool
    code: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check.value,
            "passed": self.passed,
            "code": self.code,
            "reason": self.reason,
        }


_INTEGRITY = (Check.CONTEXTS, Check.TERMS, Check.PROOF, Check.KEY, Check.ISSUER)
# Failure codes that are a banner of their own; any other failure is "invalid".
_BANNER_CODES = frozenset({"revoked", "suspended", "expired", "not_yet_valid"})


@dataclass(frozen=True)
class VerificationReport:
    """All check results for one credential."""

    checks: tuple[CheckResult, ...]
    credential_id: str | None
    issuer_id: str | None

    @property
    def valid(self) -> bool:
        """True only if every check passed."""
        return all(result.passed for result in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.checks if not result.passed)

    def result(self, check: Check) -> CheckResult:
        """The result of one check."""
        return next(result for result in self.checks if result.check == check)

    @property
    def status(self) -> str:
        """Banner status: ``invalid`` (forged, altered, untrusted, unverifiable),
        ``revoked``, ``suspended``, ``expired``, ``not_yet_valid`` or ``valid``."""
        failed = {result.check: result for result in self.failures}
        if any(check in failed for check in _INTEGRITY):
            return "invalid"
        for check in (Check.REVOCATION, Check.SUSPENSION, Check.DATES):
            if check in failed:
                code = failed[check].code
                return code if code in _BANNER_CODES else "invalid"
        return "valid"

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "status": self.status,
            "credential_id": self.credential_id,
            "issuer": self.issuer_id,
            "checks": [result.to_json() for result in self.checks],
        }


@dataclass(frozen=True)
class VerificationKey:
    """A resolved verification method.

    ``controller`` is the issuer id the key belongs to. A *retired* key (rotated out)
    is still returned with ``revoked=False`` so old credentials keep verifying; a
    *revoked* key (compromised) fails every proof it made, whatever its ``created``.
    """

    id: str
    controller: str
    public_key: Ed25519PublicKey
    revoked: bool = False
    revoked_reason: str = ""


KeyResolver = Callable[[str], VerificationKey | None]
StatusResolver = Callable[[str], StatusList | StatusListExcerpt | None]


def did_key_resolve(verification_method: str) -> VerificationKey | None:
    """A :data:`KeyResolver` for ``did:key:z6Mk...#z6Mk...`` (self-certifying keys)."""
    if not verification_method.startswith("did:key:"):
        return None
    did, _, fragment = verification_method.partition("#")
    multikey = did.removeprefix("did:key:")
    if fragment and fragment != multikey:
        return None
    try:
        public_key = public_key_from_multikey(multibase=multikey)
    except (KeyFormatError, ValueError):
        return None
    return VerificationKey(id=verification_method, controller=did, public_key=public_key)


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _ok(check: Check, reason: str) -> CheckResult:
    return CheckResult(check=check, passed=True, code="ok", reason=reason)


def _fail(check: Check, reason: str, code: str = "failed") -> CheckResult:
    return CheckResult(check=check, passed=False, code=code, reason=reason)


def _check_contexts(document: Mapping[str, Any], allowed: Collection[str]) -> CheckResult:
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts:
        return _fail(Check.CONTEXTS, "@context must be a non-empty list of context URLs")
    if contexts[0] != VC_V2:
        return _fail(Check.CONTEXTS, f"the first @context must be {VC_V2}, found {contexts[0]!r}")
    for ctx in contexts:
        if not isinstance(ctx, str):
            return _fail(Check.CONTEXTS, "embedded (inline) contexts are not accepted")
        if ctx not in allowed:
            return _fail(Check.CONTEXTS, f"context {ctx!r} is not one of the pinned contexts")
    if len(set(contexts)) != len(contexts):
        return _fail(Check.CONTEXTS, "a context is listed twice")
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "OpenBadgeCredential" in types and contexts[1:2] != [OB_V3P0]:
        return _fail(
            Check.CONTEXTS,
            f"an OpenBadgeCredential needs {OB_V3P0} right after the VC context",
        )
    return _ok(Check.CONTEXTS, "only pinned contexts, in the required order")


def _check_dates(document: Mapping[str, Any], now: datetime) -> CheckResult:
    parsed: dict[str, datetime] = {}
    for name in ("validFrom", "validUntil"):
        value = document.get(name)
        if value is None:
            continue
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            return _fail(Check.DATES, f"{name} {value!r} is not a date-time with a time zone")
        parsed[name] = moment
    valid_from, valid_until = parsed.get("validFrom"), parsed.get("validUntil")
    if valid_from and valid_until and valid_until < valid_from:
        return _fail(Check.DATES, "validUntil is before validFrom")
    if valid_from and valid_from > now:
        return _fail(
            Check.DATES, f"not valid yet: valid from {document['validFrom']}", "not_yet_valid"
        )
    if valid_until and valid_until < now:
        return _fail(Check.DATES, f"expired on {document['validUntil']}", "expired")
    if valid_until:
        return _ok(Check.DATES, f"valid until {document['validUntil']}")
    return _ok(Check.DATES, "valid, with no expiry date")


def _check_status(
    document: Mapping[str, Any], status_resolver: StatusResolver | None
) -> list[CheckResult]:
    checks = (Check.REVOCATION, Check.SUSPENSION)
    try:
        entries = status_entries_parse(document=document)
    except StatusListError as exc:
        return [_fail(check, f"credentialStatus is malformed: {exc}") for check in checks]
    return [
        _check_purpose(
            check,
            purpose,
            [entry for entry in entries if entry.purpose == purpose],
            status_resolver,
        )
        for check, purpose in zip(checks, PURPOSES, strict=True)
    ]


def _check_purpose(
    check: Check,
    purpose: StatusPurpose,
    entries: list[StatusEntry],
    status_resolver: StatusResolver | None,
) -> CheckResult:
    """The first failure among ``entries`` (all of one ``purpose``), or a pass."""
    if not entries:
        return _ok(check, f"the credential has no {purpose} status entry")
    if status_resolver is None:
        return _fail(check, f"cannot check {purpose}: no status resolver")
    state = "revoked" if purpose == "revocation" else "suspended"
    for entry in entries:
        where = f"status list {entry.list_credential} index {entry.index}"
        try:
            status_list = status_resolver(entry.list_credential)
            if status_list is None:
                return _fail(check, f"{where}: the status list could not be retrieved")
            if status_list.purpose != purpose:
                return _fail(
                    check, f"{where}: the list is for {status_list.purpose}, not {purpose}"
                )
            if status_list.is_set(entry.index):
                return _fail(check, f"the credential is {state} ({where})", state)
        except (CredentialError, ValueError) as exc:
            return _fail(check, f"{where}: {exc}")
    return _ok(check, f"not {state}")


_NOT_AN_OBJECT = VerificationReport(
    checks=tuple(_fail(check, "the credential is not a JSON object") for check in Check),
    credential_id=None,
    issuer_id=None,
)


def _check_terms(
    document: Mapping[str, Any], parts: ProofParts | None
) -> tuple[CheckResult, tuple[Canonical, Canonical] | None]:
    """Whether every term of the credential (and its proof) is defined by the pinned
    contexts, and the canonical forms of both, computed once for the signature check
    (None when they could not be computed)."""
    contexts = document.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    unpinned = [c for c in context_list if isinstance(c, str) and c not in PINNED_CONTEXTS]
    if unpinned:
        reason = f"not checked: context {unpinned[0]!r} is not pinned, so terms are unknown"
        return _fail(Check.TERMS, reason, "skipped"), None
    unsecured = (
        parts.unsecured_document
        if parts
        else {key: value for key, value in document.items() if key != "proof"}
    )
    canonical: tuple[Canonical, Canonical] | None = None
    try:
        canonical_document = canonical_form(document=unsecured)
        undefined = list(canonical_document.undefined_terms)
        if parts is not None:
            canonical_config = canonical_form(document=parts.proof_config)
            undefined += [f"proof: {term}" for term in canonical_config.undefined_terms]
            canonical = (canonical_document, canonical_config)
    except CredentialError as exc:
        return _fail(Check.TERMS, f"JSON-LD processing failed: {exc}"), None
    if undefined:
        reason = "terms not defined by the contexts, so not covered by the signature: "
        return _fail(Check.TERMS, reason + "; ".join(undefined)), canonical
    return _ok(Check.TERMS, "every term is defined"), canonical


def _check_key(
    parts: ProofParts, key_resolver: KeyResolver, issuer_id: str | None
) -> tuple[CheckResult, VerificationKey | None]:
    """Whether the proof's verification method is a current key of the issuer, and
    the key when it resolves (the signature is checked with it even when it is not
    the issuer's: both failures are reported)."""
    key = key_resolver(parts.verification_method)
    if key is None:
        return _fail(Check.KEY, f"unknown verification method {parts.verification_method!r}"), None
    if key.controller != issuer_id:
        reason = f"key {key.id!r} belongs to {key.controller!r}, not to the issuer {issuer_id!r}"
        return _fail(Check.KEY, reason), key
    if key.revoked:
        reason = f": {key.revoked_reason}" if key.revoked_reason else ""
        return _fail(Check.KEY, f"key {key.id!r} has been revoked{reason}"), key
    return _ok(Check.KEY, f"signed with {key.id}, a key of the issuer"), key


def _check_signature(
    parts: ProofParts | None,
    key: VerificationKey | None,
    canonical: tuple[Canonical, Canonical] | None,
) -> CheckResult:
    if key is None or parts is None:
        return _fail(Check.PROOF, "not checked: the verification method is unknown", "skipped")
    if canonical is None:
        return _fail(
            Check.PROOF, "not checked: the credential could not be canonicalised", "skipped"
        )
    hash_data = hash_data_from_canonical(
        canonical_document=canonical[0].nquads, canonical_proof_config=canonical[1].nquads
    )
    try:
        _signature_verify(signature=parts.signature, hash_data=hash_data, public_key=key.public_key)
    except ProofError as exc:
        return _fail(Check.PROOF, str(exc))
    return _ok(Check.PROOF, "the signature matches the credential")


def _check_issuer(issuer_id: str | None, trusted_issuers: Collection[str]) -> CheckResult:
    if issuer_id is None:
        return _fail(Check.ISSUER, "the credential names no issuer")
    if issuer_id in trusted_issuers:
        return _ok(Check.ISSUER, f"{issuer_id} is a trusted issuer")
    return _fail(Check.ISSUER, f"{issuer_id} is not a trusted issuer")


def credential_verify(
    document: Mapping[str, Any],
    *,
    trusted_issuers: Collection[str],
    key_resolver: KeyResolver,
    status_resolver: StatusResolver | None,
    now: datetime,
    allowed_contexts: Collection[str] = PRODUCTION_CONTEXTS,
) -> VerificationReport:
    """Run every check on a secured credential and report each with its reason.

    Checks: ``contexts`` (only ``allowed_contexts``, VC 2.0 first, OB context second
    for Open Badges), ``terms`` (no key/type/id that the contexts leave out of the
    signature, in the credential or its proof), ``proof`` (``eddsa-rdfc-2022``
    signature over the canonical credential), ``key`` (the verification method
    resolves via ``key_resolver``, its controller is the issuer, it is not revoked),
    ``issuer`` (in ``trusted_issuers``), ``dates`` (``validFrom`` <= ``now`` <=
    ``validUntil``), ``revocation`` and ``suspension`` (bit at the entry's index in
    the list returned by ``status_resolver``).

    Never raises for a bad credential (only for a programming error such as a naive
    ``now``); pure apart from what the resolvers do.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(document, Mapping):
        return _NOT_AN_OBJECT
    issuer_id = _issuer_id(document)
    credential_id = document.get("id") if isinstance(document.get("id"), str) else None
    results: dict[Check, CheckResult] = {}

    results[Check.CONTEXTS] = _check_contexts(document, allowed_contexts)
    parts: ProofParts | None = None
    try:
        parts = proof_parts(document=document)
    except ProofError as exc:
        results[Check.PROOF] = _fail(Check.PROOF, str(exc))
    results[Check.TERMS], canonical = _check_terms(document, parts)
    key: VerificationKey | None = None
    if parts is None:
        results[Check.KEY] = _fail(Check.KEY, "not checked: no usable proof", "skipped")
    else:
        if parts.proof_purpose != ASSERTION_METHOD:
            results[Check.PROOF] = _fail(
                Check.PROOF, f"proofPurpose is {parts.proof_purpose!r}, not assertionMethod"
            )
        results[Check.KEY], key = _check_key(parts, key_resolver, issuer_id)
    if Check.PROOF not in results:
        results[Check.PROOF] = _check_signature(parts, key, canonical)
    results[Check.ISSUER] = _check_issuer(issuer_id, trusted_issuers)
    results[Check.DATES] = _check_dates(document, now)
    for result in _check_status(document, status_resolver):
        results[result.check] = result

    return VerificationReport(
        checks=tuple(results[check] for check in Check),
        credential_id=credential_id,
        issuer_id=issuer_id,
    )


def status_list_credential_verify(
    document: Mapping[str, Any],
    *,
    issuer_id: str,
    key_resolver: KeyResolver,
    now: datetime,
) -> StatusList:
    """Verify a fetched ``BitstringStatusListCredential`` and decode it.

    It must be signed by a key of ``issuer_id`` (the issuer of the credential whose
    status is checked) and be within its validity period. Returns the
    :class:`StatusList`; raises :class:`StatusListError` naming the failed checks.
    """
    report = credential_verify(
        document,
        trusted_issuers={issuer_id},
        key_resolver=key_resolver,
        status_resolver=None,
        now=now,
        allowed_contexts={VC_V2},
    )
    if not report.valid:
        reasons = "; ".join(f"{r.check}: {r.reason}" for r in report.failures)
        raise StatusListError(f"status list credential does not verify: {reasons}")
    return status_list_from_credential(document=document)
