"""Signed credentials: Open Badges 3.0 / VC 2.0 with ``eddsa-rdfc-2022`` proofs.

A plain library (no models, no Django imports). Typical use::

    doc = open_badge_credential_build(...)
    signed = credential_sign(document=doc, private_key=key, verification_method=key_url)
    report = credential_verify(signed, trusted_issuers=..., key_resolver=...,
                               status_resolver=..., now=timezone.now())

See docs/credentials.md.
"""

from .canon import Canonical, canonical_form, canonicalize
from .contexts import OB_V3P0, PINNED_CONTEXTS, PRODUCTION_CONTEXTS, VC_V2, document_loader
from .errors import (
    CanonicalizationError,
    ContextNotPinnedError,
    CredentialError,
    KeyFormatError,
    ProofError,
    StatusListError,
    UndefinedTermError,
)
from .multikey import (
    controller_document_build,
    multikey_from_private_key,
    multikey_from_public_key,
    private_key_from_multikey,
    private_key_generate,
    public_key_from_multikey,
    verification_method_build,
)
from .openbadges import (
    AchievementSpec,
    ComponentResult,
    IssuerProfile,
    LocalizedText,
    achievement_document,
    identity_hash,
    identity_hash_matches,
    identity_salt_new,
    open_badge_credential_build,
)
from .proof import HashData, credential_sign, proof_hash_data, proof_parts, proof_verify
from .status_list import (
    MIN_BITS,
    StatusEntry,
    StatusList,
    StatusListExcerpt,
    status_bit_get,
    status_bit_set,
    status_bits_from_indexes,
    status_bits_new,
    status_entries_parse,
    status_index_pick,
    status_index_random,
    status_list_credential_build,
    status_list_decode,
    status_list_encode,
    status_list_from_credential,
)
from .verify import (
    Check,
    CheckResult,
    KeyResolver,
    StatusResolver,
    VerificationKey,
    VerificationReport,
    credential_verify,
    did_key_resolve,
    status_list_credential_verify,
)

__all__ = [
    "MIN_BITS",
    "OB_V3P0",
    "PINNED_CONTEXTS",
    "PRODUCTION_CONTEXTS",
    "VC_V2",
    "AchievementSpec",
    "Canonical",
    "CanonicalizationError",
    "Check",
    "CheckResult",
    "ComponentResult",
    "ContextNotPinnedError",
    "CredentialError",
    "HashData",
    "IssuerProfile",
    "KeyFormatError",
    "KeyResolver",
    "LocalizedText",
    "ProofError",
    "StatusEntry",
    "StatusList",
    "StatusListError",
    "StatusListExcerpt",
    "StatusResolver",
    "UndefinedTermError",
    "VerificationKey",
    "VerificationReport",
    "achievement_document",
    "canonical_form",
    "canonicalize",
    "controller_document_build",
    "credential_sign",
    "credential_verify",
    "did_key_resolve",
    "document_loader",
    "identity_hash",
    "identity_hash_matches",
    "identity_salt_new",
    "multikey_from_private_key",
    "multikey_from_public_key",
    "open_badge_credential_build",
    "private_key_from_multikey",
    "private_key_generate",
    "proof_hash_data",
    "proof_parts",
    "proof_verify",
    "public_key_from_multikey",
    "status_bit_get",
    "status_bit_set",
    "status_bits_from_indexes",
    "status_bits_new",
    "status_entries_parse",
    "status_index_pick",
    "status_index_random",
    "status_list_credential_build",
    "status_list_credential_verify",
    "status_list_decode",
    "status_list_encode",
    "status_list_from_credential",
    "verification_method_build",
]
