"""The issuer: its public profile, its signing keys (stored encrypted, rotated, revoked)
and the resolvers the verifier uses for our own keys and status lists.

Settings (defaults and production checks in ``config/settings.py``):

- ``SITE_URL``: absolute base of every id in a credential;
- ``CREDENTIAL_KEY_SECRET``: what the Fernet key that encrypts issuer secrets is
  derived from (``SECRET_KEY`` when empty; required in production so that a leaked
  database alone reveals no signing key);
- ``CREDENTIAL_ISSUER_NAME`` / ``CREDENTIAL_ISSUER_EMAIL`` (optional, read here).
"""

import base64
import functools
import hashlib
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.credentials.vc import (
    IssuerProfile,
    VerificationKey,
    controller_document_build,
    multikey_from_private_key,
    multikey_from_public_key,
    private_key_from_multikey,
    private_key_generate,
    public_key_from_multikey,
)
from certification.models import IssuerKey
from core.errors import Conflict, NotFound
from core.roles import Role, has_role


def site_url() -> str:
    """The site's absolute base URL, without a trailing slash."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    return f"{site_url()}{path}"


def absolute_reverse(name: str, *args: str) -> str:
    """``absolute_url(reverse(name, args=args))``, memoised per process on everything
    that ``reverse`` reads (the URL resolver in use, the script prefix, the active
    language) and ``SITE_URL``: a credential names three such URLs, and ``reverse``
    cost more than the rest of building it."""
    return _absolute_reverse(
        settings.SITE_URL,
        # The resolver object itself (kept alive by the memo, so never confused with
        # a later one): overriding ROOT_URLCONF or clearing the URL caches gives a
        # new one.
        get_resolver(get_urlconf()),
        get_script_prefix(),
        get_language(),
        name,
        args,
    )


@functools.lru_cache(maxsize=512)
def _absolute_reverse(
    site: str, resolver: object, prefix: str, language: str | None, name: str, args: tuple[str, ...]
) -> str:
    return f"{site.rstrip('/')}{reverse(name, args=args)}"


def issuer_id() -> str:
    """The issuer id: the URL that serves the issuer's controller document (its keys)."""
    return absolute_reverse("credential-issuer")


def issuer_profile() -> IssuerProfile:
    return IssuerProfile(
        id=issuer_id(),
        name=str(
            getattr(
                settings,
                "CREDENTIAL_ISSUER_NAME",
                "人工智能技能认证委员会 / AI Skills Certification Committee",
            )
        ),
        url=site_url() + "/",
        email=getattr(settings, "CREDENTIAL_ISSUER_EMAIL", None) or None,
    )


def _fernet() -> Fernet:
    return _fernet_for(settings.CREDENTIAL_KEY_SECRET or settings.SECRET_KEY)


def _fernet_for(secret: str) -> Fernet:
    digest = hashlib.sha256(b"certengine issuer keys\x00" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def issuer_secret_seal(*, private_key: Ed25519PrivateKey) -> str:
    """The value of ``IssuerKey.secret_encrypted`` for ``private_key`` under the secret
    configured now (a restore re-seals the keys of a backup with it)."""
    secret = multikey_from_private_key(private_key=private_key)
    return _fernet().encrypt(secret.encode()).decode()


def _key_create(*, issuer: str) -> IssuerKey:
    private_key = private_key_generate()
    fragment = f"key-{timezone.now():%Y}-{secrets.token_hex(4)}"
    return IssuerKey.objects.create(
        issuer_id=issuer,
        key_url=f"{issuer}#{fragment}",
        public_multikey=multikey_from_public_key(public_key=private_key.public_key()),
        secret_encrypted=issuer_secret_seal(private_key=private_key),
    )


def issuer_key_active() -> IssuerKey:
    """The active signing key of this site's issuer, created on first use. Safe to call
    concurrently: the partial unique constraint admits one active key."""
    issuer = issuer_id()
    key = IssuerKey.objects.filter(issuer_id=issuer, state=IssuerKey.State.ACTIVE).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _key_create(issuer=issuer)
    except IntegrityError:
        return IssuerKey.objects.get(issuer_id=issuer, state=IssuerKey.State.ACTIVE)


def issuer_private_key(key: IssuerKey) -> Ed25519PrivateKey:
    """Decrypts the key's secret. Raises ImproperlyConfigured if the secret that
    encrypted it is not the one configured now."""
    return issuer_private_key_unseal(key_url=key.key_url, sealed=key.secret_encrypted)


def issuer_private_key_unseal(*, key_url: str, sealed: str) -> Ed25519PrivateKey:
    """The private key sealed in ``sealed`` (an ``IssuerKey.secret_encrypted``).
    Raises ImproperlyConfigured if the secret that encrypted it is not the one
    configured now."""
    secret = settings.CREDENTIAL_KEY_SECRET or settings.SECRET_KEY
    return _unseal(secret, key_url, sealed)


@functools.lru_cache(maxsize=16)
def _unseal(secret: str, key_url: str, sealed: str) -> Ed25519PrivateKey:
    # Memoised on the configured secret and the sealed value: which key signs is still
    # read from the database on every signature (a retired or revoked key is never
    # used again), only the decryption of the same sealed value is not repeated.
    try:
        multibase = _fernet_for(secret).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"Cannot decrypt issuer key {key_url}: CREDENTIAL_KEY_SECRET changed?"
        ) from exc
    return private_key_from_multikey(multibase=multibase)


def issuer_key_rotate(*, actor: User) -> IssuerKey:
    """Retires the active key and creates a new active one; returns the new key. Old
    credentials keep verifying (retired keys stay published). Committee only."""
    if not has_role(actor, Role.COMMITTEE):
        raise NotFound("Not found.")
    issuer = issuer_id()
    with transaction.atomic():
        old = list(
            IssuerKey.objects.select_for_update().filter(
                issuer_id=issuer, state=IssuerKey.State.ACTIVE
            )
        )
        for key in old:
            key.state = IssuerKey.State.RETIRED
            key.retired_at = timezone.now()
            key.save(update_fields=["state", "retired_at"])
        new = _key_create(issuer=issuer)
        audit_record(
            actor=actor,
            action="issuer_key.rotate",
            obj=new,
            before={"retired": [key.key_url for key in old]},
            after={"active": new.key_url},
        )
    return new


def issuer_key_revoke(*, actor: User, key_id: int, reason: str) -> IssuerKey:
    """Marks a key compromised: every proof it made stops verifying and it is no longer
    published. If it was the active key, the next signature creates a new one."""
    if not has_role(actor, Role.COMMITTEE):
        raise NotFound("Not found.")
    if not reason.strip():
        raise Conflict(_("请填写原因"))
    with transaction.atomic():
        key = IssuerKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise NotFound("Not found.")
        before = {"state": key.state}
        key.state = IssuerKey.State.REVOKED
        key.revoked_reason = reason.strip()
        key.retired_at = key.retired_at or timezone.now()
        key.save(update_fields=["state", "revoked_reason", "retired_at"])
        audit_record(
            actor=actor,
            action="issuer_key.revoke",
            obj=key,
            before=before,
            after={"state": key.state, "reason": key.revoked_reason},
        )
    return key


def issuer_document() -> dict[str, Any]:
    """The controller document served at the issuer id: every active and retired key
    as a Multikey (revoked keys are left out). Read-only: a key is created when the
    first signature needs it, not when someone reads this document."""
    issuer = issuer_id()
    keys = IssuerKey.objects.filter(issuer_id=issuer).exclude(state=IssuerKey.State.REVOKED)
    return controller_document_build(
        id=issuer,
        methods=[
            (key.key_url, public_key_from_multikey(multibase=key.public_multikey))
            for key in keys.order_by("created_at")
        ],
    )


def key_resolve(verification_method: str) -> VerificationKey | None:
    """A ``KeyResolver`` for this site's keys (database lookup, no network)."""
    row = (
        IssuerKey.objects.filter(key_url=verification_method)
        .values_list("issuer_id", "public_multikey", "state", "revoked_reason")
        .first()
    )
    if row is None:
        return None
    controller, public_multikey, state, revoked_reason = row
    return VerificationKey(
        id=verification_method,
        controller=controller,
        public_key=public_key_from_multikey(multibase=public_multikey),
        revoked=state == IssuerKey.State.REVOKED,
        revoked_reason=revoked_reason,
    )
