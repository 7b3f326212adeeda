"""Bitstring Status Lists: random index allocation, bit changes, re-signing.

One row per list; a credential holds one index in a revocation list and one in a
suspension list. Indexes are random (``secrets``) so that neighbouring indexes reveal
nothing about issue order; the ``(status_list, index)`` unique constraint makes
allocation safe without check-then-act. Every change re-signs the list credential,
which the site serves at the list's URL.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from certification.credentials.issuer import absolute_url, issuer_key_active
from certification.credentials.issuer import issuer_private_key as _private_key
from certification.credentials.vc import (
    MIN_BITS,
    StatusEntry,
    StatusList,
    credential_sign,
    status_bit_set,
    status_bits_new,
    status_index_random,
    status_list_credential_build,
)
from certification.models import Certificate, CredentialStatusIndex, CredentialStatusList

PURPOSES = (CredentialStatusList.Purpose.REVOCATION, CredentialStatusList.Purpose.SUSPENSION)
# Collisions before a list counts as full: with random indexes, 32 collisions in a row
# happen only when the list is almost full (p = fill ** 32).
_ATTEMPTS_PER_LIST = 32


def status_list_url(*, purpose: str, number: int) -> str:
    return absolute_url(reverse("credential-status-list", args=[purpose, number]))


def status_list_sign(status_list: CredentialStatusList) -> CredentialStatusList:
    """Re-signs ``status_list`` from its current bits and saves both, in one UPDATE, so
    the stored bits are always the signed ones. Call with the row locked (or freshly
    created)."""
    key = issuer_key_active()
    document = status_list_credential_build(
        url=status_list.url,
        issuer_id=key.issuer_id,
        purpose=status_list.purpose,  # type: ignore[arg-type]
        bits=bytes(status_list.bits),
        valid_from=timezone.now(),
    )
    status_list.credential = credential_sign(
        document=document, private_key=_private_key(key), verification_method=key.key_url
    )
    status_list.save(update_fields=["bits", "credential", "updated_at"])
    return status_list


def _status_list_open(purpose: str) -> CredentialStatusList:
    """The open (not full) list for ``purpose``, created and signed if there is none."""
    current = (
        CredentialStatusList.objects.filter(purpose=purpose, is_full=False)
        .order_by("number")
        .first()
    )
    if current is not None:
        return current
    last = CredentialStatusList.objects.filter(purpose=purpose).order_by("-number").first()
    number = (last.number + 1) if last else 1
    try:
        with transaction.atomic():
            created = CredentialStatusList.objects.create(
                purpose=purpose,
                number=number,
                url=status_list_url(purpose=purpose, number=number),
                size=MIN_BITS,
                bits=bytes(status_bits_new(size=MIN_BITS)),
            )
            return status_list_sign(created)
    except IntegrityError:
        # Another transaction created it first.
        return CredentialStatusList.objects.get(purpose=purpose, number=number)


def status_index_allocate(
    *, certificate: Certificate, credential_id: str, purpose: str
) -> StatusEntry:
    """Takes a random free index in the open list for ``purpose`` for ``credential_id``.
    Runs inside the caller's transaction; each try is a savepoint, so a collision
    (IntegrityError) costs one retry and never check-then-acts."""
    for _ in range(8):
        status_list = _status_list_open(purpose)
        for _ in range(_ATTEMPTS_PER_LIST):
            index = status_index_random(size=status_list.size)
            try:
                with transaction.atomic():
                    CredentialStatusIndex.objects.create(
                        status_list=status_list,
                        index=index,
                        certificate=certificate,
                        credential_id=credential_id,
                    )
            except IntegrityError:
                continue
            return StatusEntry(
                list_credential=status_list.url,
                index=index,
                purpose=status_list.purpose,  # type: ignore[arg-type]
            )
        CredentialStatusList.objects.filter(pk=status_list.pk).update(is_full=True)
    raise RuntimeError("no status list index could be allocated")


def status_entries_for(*, certificate: Certificate, credential_id: str) -> list[StatusEntry]:
    """The status entries of one credential of ``certificate`` (revocation first)."""
    rows = CredentialStatusIndex.objects.filter(
        certificate=certificate, credential_id=credential_id
    ).select_related("status_list")
    entries = [
        StatusEntry(
            list_credential=row.status_list.url,
            index=row.index,
            purpose=row.status_list.purpose,  # type: ignore[arg-type]
        )
        for row in rows
    ]
    return sorted(entries, key=lambda entry: PURPOSES.index(entry.purpose))


def status_bits_set(*, certificate: Certificate, purpose: str, value: bool) -> list[int]:
    """Sets (or clears) the ``purpose`` bit of every credential of ``certificate`` and
    re-signs the lists it touched. Locks the lists in primary-key order. Returns the
    ids of the lists changed. Call inside the action's transaction."""
    rows = list(
        CredentialStatusIndex.objects.filter(
            certificate=certificate, status_list__purpose=purpose
        ).values_list("status_list_id", "index")
    )
    by_list: dict[int, list[int]] = {}
    for list_id, index in rows:
        by_list.setdefault(list_id, []).append(index)
    locked: Iterable[CredentialStatusList] = (
        CredentialStatusList.objects.select_for_update().filter(pk__in=by_list).order_by("pk")
    )
    for status_list in locked:
        bits = bytearray(bytes(status_list.bits))
        for index in by_list[status_list.pk]:
            status_bit_set(bits=bits, index=index, value=value)
        status_list.bits = bytes(bits)
        status_list_sign(status_list)
    return sorted(by_list)


def status_lists_resign() -> int:
    """Re-signs every list (e.g. after a key rotation or revocation). Returns the count."""
    count = 0
    with transaction.atomic():
        for status_list in CredentialStatusList.objects.select_for_update().order_by("pk"):
            status_list_sign(status_list)
            count += 1
    return count


def status_lists_for_urls(urls: Iterable[str]) -> dict[str, StatusList]:
    """Our lists among ``urls``, decoded, in one query; its ``.get`` is a
    ``StatusResolver`` (other URLs give None: nothing is fetched)."""
    rows = CredentialStatusList.objects.filter(url__in=set(urls)).values_list(
        "url", "purpose", "bits"
    )
    return {
        url: StatusList(url=url, purpose=purpose, bits=bytes(bits))  # type: ignore[arg-type]
        for url, purpose, bits in rows
    }


def status_list_published(*, purpose: str, number: int) -> CredentialStatusList | None:
    return CredentialStatusList.objects.filter(purpose=purpose, number=number).first()
