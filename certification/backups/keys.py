"""The issuer's signing keys in a backup (``keys.enc``).

The database dump already holds every key, sealed under CREDENTIAL_KEY_SECRET, which a
backup never contains. ``keys.enc`` holds the same secrets sealed under the backup
passphrase instead (scrypt, then AES-256-GCM), so that a site restored with a new or
lost CREDENTIAL_KEY_SECRET still signs with its keys: the restore re-seals each key
under the secret configured where it runs.

The sealed payload also holds the SHA-256 and size of ``database.dump`` and
``private.tar``: the manifest's checksums catch damage, these catch a forger who
rewrote a file and its manifest entry without knowing the passphrase.
"""

import base64
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.core.exceptions import ImproperlyConfigured

from certification.backups.errors import BackupError
from certification.credentials.issuer import issuer_private_key, issuer_secret_seal
from certification.credentials.vc import (
    KeyFormatError,
    multikey_from_private_key,
    multikey_from_public_key,
    private_key_from_multikey,
)
from certification.models import IssuerKey

FORMAT = "certengine-backup-keys"
PASSPHRASE_MIN_LENGTH = 12
# scrypt's cost: about 32 MiB and a tenth of a second. Stored in the file, so that it
# can be raised later; a file asking for more than _N_MAX is refused (a forged file
# must not make a restore exhaust memory).
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_N_MAX = 2**20


@dataclass(frozen=True)
class KeySecret:
    key_url: str
    public_multikey: str
    secret: str  # the z3u2… multikey of the private key


@dataclass(frozen=True)
class Sealed:
    keys: list[KeySecret]
    files: dict[str, dict[str, Any]]  # file name → {"sha256", "size"}


def passphrase_check(passphrase: str) -> None:
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        raise BackupError(
            f"BACKUP_PASSPHRASE must be set to at least {PASSPHRASE_MIN_LENGTH} characters: "
            "it encrypts the issuer keys inside the backup."
        )


def _derive(passphrase: str, *, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def keys_seal(*, keys: list[KeySecret], files: dict[str, dict[str, Any]], passphrase: str) -> bytes:
    """The content of ``keys.enc`` for ``keys`` and the checksums ``files``."""
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps({"keys": [asdict(key) for key in keys], "files": files}).encode()
    sealed = AESGCM(_derive(passphrase, salt=salt, **_SCRYPT)).encrypt(
        nonce, plain, FORMAT.encode()
    )
    document = {
        "format": FORMAT,
        "version": 1,
        "kdf": {"name": "scrypt", **_SCRYPT, "salt": base64.b64encode(salt).decode()},
        "cipher": "AES-256-GCM",
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return json.dumps(document, indent=2).encode()


def keys_open(*, blob: bytes, passphrase: str) -> Sealed:
    """The keys and checksums sealed in ``blob``. Raises BackupError for a wrong
    passphrase."""
    try:
        document: dict[str, Any] = json.loads(blob)
        kdf = document["kdf"]
        if document["format"] != FORMAT or document["version"] != 1 or kdf["name"] != "scrypt":
            raise ValueError("unknown format")
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if not 2 <= n <= _N_MAX or not 1 <= r <= 32 or not 1 <= p <= 16:
            raise ValueError("scrypt parameters out of range")
        salt, nonce = base64.b64decode(kdf["salt"]), base64.b64decode(document["nonce"])
        sealed = base64.b64decode(document["ciphertext"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"keys.enc is not a keys file of this format: {exc}") from exc
    key = _derive(passphrase, salt=salt, n=n, r=r, p=p)
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, FORMAT.encode())
    except InvalidTag as exc:
        raise BackupError(
            "keys.enc cannot be decrypted: BACKUP_PASSPHRASE is not the one this backup "
            "was made with."
        ) from exc
    payload = json.loads(plain)
    return Sealed(keys=[KeySecret(**entry) for entry in payload["keys"]], files=payload["files"])


def _matching(entry: KeySecret) -> bool:
    try:
        private_key = private_key_from_multikey(multibase=entry.secret)
    except KeyFormatError:
        return False
    public = multikey_from_public_key(public_key=private_key.public_key())
    return public == entry.public_multikey


def issuer_keys_export() -> list[KeySecret]:
    """Every issuer key of the database with its secret in clear (to be sealed at
    once). Raises BackupError if a key cannot be decrypted with the configured
    CREDENTIAL_KEY_SECRET or does not match its public key."""
    found = []
    for key in IssuerKey.objects.order_by("pk"):
        try:
            private_key = issuer_private_key(key)
        except (ImproperlyConfigured, KeyFormatError) as exc:
            raise BackupError(f"Issuer key {key.key_url}: {exc}") from exc
        entry = KeySecret(
            key_url=key.key_url,
            public_multikey=key.public_multikey,
            secret=multikey_from_private_key(private_key=private_key),
        )
        if not _matching(entry):
            raise BackupError(
                f"Issuer key {key.key_url}: its secret does not match its public key."
            )
        found.append(entry)
    return found


def keys_check(*, keys: list[KeySecret], expected: list[dict[str, str]]) -> None:
    """Checks the opened keys against the manifest's public list before anything is
    restored."""
    listed = {(item["key_url"], item["public_multikey"]) for item in expected}
    opened = {(key.key_url, key.public_multikey) for key in keys}
    if listed != opened or not all(_matching(key) for key in keys):
        raise BackupError("keys.enc does not hold the issuer keys the manifest lists.")


def issuer_keys_reseal(*, keys: list[KeySecret]) -> int:
    """Seals each restored key's secret under the CREDENTIAL_KEY_SECRET configured
    here; returns how many. Raises BackupError if the database's keys differ."""
    in_database = set(IssuerKey.objects.values_list("key_url", "public_multikey"))
    if in_database != {(key.key_url, key.public_multikey) for key in keys}:
        raise BackupError("The restored issuer keys differ from those in keys.enc.")
    for key in keys:
        private_key = private_key_from_multikey(multibase=key.secret)
        IssuerKey.objects.filter(key_url=key.key_url).update(
            secret_encrypted=issuer_secret_seal(private_key=private_key)
        )
    return len(keys)
