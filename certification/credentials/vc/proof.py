"""``DataIntegrityProof`` with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

hashData = SHA-256(canonical proof config) || SHA-256(canonical document); the proof
value is the Ed25519 signature of hashData, multibase base58btc encoded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canon import Canonical, canonical_form, canonicalize, json_copy
from .errors import KeyFormatError, ProofError
from .multikey import multibase_base58btc_decode, multibase_base58btc_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"


@dataclass(frozen=True)
class HashData:
    """Every intermediate value of the cryptosuite, for tests and diagnostics."""

    canonical_document: str
    canonical_proof_config: str
    document_hash: bytes
    proof_config_hash: bytes

    @property
    def combined(self) -> bytes:
        """The bytes that are signed: proof config hash then document hash."""
        return self.proof_config_hash + self.document_hash


def xsd_datetime(value: datetime) -> str:
    """``2024-05-01T08:00:00Z``: an aware datetime in UTC, whole seconds."""
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def proof_config_build(
    *,
    document: Mapping[str, Any],
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """The proof options (without ``proofValue``) for signing ``document``.

    ``@context`` is copied from the document, as the cryptosuite requires.
    """
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created if isinstance(created, str) else xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def _canonical(document: Mapping[str, Any], strict: bool) -> Canonical:
    if strict:
        return Canonical(nquads=canonicalize(document=document), undefined_terms=())
    return canonical_form(document=document)


def hash_data_from_canonical(*, canonical_document: str, canonical_proof_config: str) -> HashData:
    """:class:`HashData` from already canonicalised document and proof config."""
    return HashData(
        canonical_document=canonical_document,
        canonical_proof_config=canonical_proof_config,
        document_hash=hashlib.sha256(canonical_document.encode("utf-8")).digest(),
        proof_config_hash=hashlib.sha256(canonical_proof_config.encode("utf-8")).digest(),
    )


def proof_hash_data(
    *, document: Mapping[str, Any], proof_config: Mapping[str, Any], strict: bool = True
) -> HashData:
    """Canonicalise and hash an unsecured ``document`` and its ``proof_config``.

    ``document`` must not contain ``proof``. With ``strict`` (the default) raises
    :class:`UndefinedTermError` if either would lose data in canonicalisation.
    """
    return hash_data_from_canonical(
        canonical_document=_canonical(document, strict).nquads,
        canonical_proof_config=_canonical(proof_config, strict).nquads,
    )


def credential_sign(
    *,
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str | None = None,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``eddsa-rdfc-2022`` ``proof`` attached.

    ``created`` defaults to now (UTC). Raises :class:`ProofError` if the document
    already has a proof, :class:`UndefinedTermError` if it uses a term the pinned
    contexts do not define (it would not be signed), :class:`ContextNotPinnedError`
    for an unknown context. Pure: returns a deep copy, the input is not modified;
    deterministic for a fixed ``created`` (Ed25519 signatures are deterministic), so
    safe to call twice.
    """
    if "proof" in document:
        raise ProofError("document already has a proof; sign the unsecured document")
    config = proof_config_build(
        document=document,
        verification_method=verification_method,
        created=created if created is not None else datetime.now(UTC),
        proof_purpose=proof_purpose,
    )
    hash_data = proof_hash_data(document=document, proof_config=config)
    proof = {key: value for key, value in config.items() if key != "@context"}
    proof["proofValue"] = multibase_base58btc_encode(private_key.sign(hash_data.combined))
    signed: dict[str, Any] = json_copy(dict(document))
    signed["proof"] = proof
    return signed


@dataclass(frozen=True)
class ProofParts:
    """A secured document split into what was signed and the signature."""

    unsecured_document: dict[str, Any]
    proof_config: dict[str, Any]
    verification_method: str
    proof_purpose: str
    created: str | None
    signature: bytes


def proof_parts(*, document: Mapping[str, Any]) -> ProofParts:
    """Split a secured document; raises :class:`ProofError` saying what is wrong.

    Checks the proof's shape only (one proof, type, cryptosuite, proofValue), not the
    signature.
    """
    proof = document.get("proof")
    if proof is None:
        raise ProofError("document has no proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofError(f"exactly one proof is supported, found {len(proof)}")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("proof is not an object")
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"proof type is {proof.get('type')!r}, expected {PROOF_TYPE!r}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"cryptosuite is {proof.get('cryptosuite')!r}, expected {CRYPTOSUITE!r}")
    verification_method = proof.get("verificationMethod")
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofError("proof has no verificationMethod")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise ProofError("proof has no proofValue")
    try:
        signature = multibase_base58btc_decode(proof_value)
    except KeyFormatError as exc:
        raise ProofError(f"proofValue is not multibase base58btc: {exc}") from None
    if len(signature) != 64:
        raise ProofError("proofValue is not a 64-byte Ed25519 signature")
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in config:
        # vc-data-integrity: the document's contexts must start with the proof's.
        proof_ctx = config["@context"]
        proof_ctx = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        doc_ctx = document.get("@context")
        doc_ctx = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            raise ProofError("proof @context does not match the document's @context")
    if "@context" in document:
        config["@context"] = document["@context"]
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    created = proof.get("created")
    return ProofParts(
        unsecured_document=unsecured,
        proof_config=config,
        verification_method=verification_method,
        proof_purpose=str(proof.get("proofPurpose")),
        created=created if isinstance(created, str) else None,
        signature=signature,
    )


def proof_verify(
    *,
    document: Mapping[str, Any],
    public_key: Ed25519PublicKey,
    expected_purpose: str = ASSERTION_METHOD,
    strict: bool = False,
) -> HashData:
    """Verify the ``eddsa-rdfc-2022`` proof of a secured ``document`` with ``public_key``.

    Returns the :class:`HashData` that verified. Raises :class:`ProofError` with the
    reason (malformed proof, wrong purpose, signature mismatch). With ``strict``, also
    raises :class:`UndefinedTermError` for data that the signature does not cover; the
    verifier reports that as its own check instead. Pure.
    """
    parts = proof_parts(document=document)
    if parts.proof_purpose != expected_purpose:
        raise ProofError(f"proofPurpose is {parts.proof_purpose!r}, expected {expected_purpose!r}")
    hash_data = proof_hash_data(
        document=parts.unsecured_document, proof_config=parts.proof_config, strict=strict
    )
    signature_verify(signature=parts.signature, hash_data=hash_data, public_key=public_key)
    return hash_data


def signature_verify(
    *, signature: bytes, hash_data: HashData, public_key: Ed25519PublicKey
) -> None:
    """Check an Ed25519 signature over ``hash_data.combined``; :class:`ProofError` if bad."""
    try:
        public_key.verify(signature, hash_data.combined)
    except InvalidSignature:
        raise ProofError(
            "signature does not match: the credential was changed after signing "
            "or signed with another key"
        ) from None
