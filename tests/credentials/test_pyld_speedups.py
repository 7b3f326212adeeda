"""pyld's predicates and their stand-ins: the same answers, the same canonical forms."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from frozendict import frozendict
from pyld import jsonld

from certification.credentials.vc import VC_V2, canonicalize, pyld_speedups
from certification.credentials.vc.canon import _OPTIONS
from certification.credentials.vc.pyld_speedups import (
    MEMO_MAX_ENTRIES,
    MEMO_MAX_LENGTH,
    PYLD_ORIGINALS,
    STAND_INS,
)

from .conftest import RESULTS, build_credential, vector_json


class _Text(str):
    """A str subclass: takes pyld's own path in every stand-in."""


VALUES: list[Any] = [
    "https://www.w3.org/2018/credentials#issuer",
    "urn:uuid:6b7e2a0c-1c9a-4c4e-9a57-0d1f0f6e1a01",
    "_:b0",
    "did:key:z6Mk#z6Mk",
    "a,b:c",
    "1http://x",
    "http://with space",
    "name",
    "@type",
    "@context",
    "@vocab",
    "@unknown",
    "",
    ":",
    "85",
    "93.5",
    " 12 ",
    "-0",
    "1e21",
    "1_000",
    "１２",  # fullwidth digits: float() accepts them
    "nan",
    "-Infinity",
    "0x10",
    "12abc",
    "http://" + "x" * (MEMO_MAX_LENGTH + 10),
    "9" * (MEMO_MAX_LENGTH + 10),
    _Text("@id"),
    _Text("https://example.org/a"),
    _Text("42"),
    None,
    True,
    False,
    0,
    7,
    -3,
    10**22,
    2.5,
    3.0,
    -0.0,
    float("nan"),
    float("inf"),
    Decimal("2.5"),
    Decimal("4"),
    Fraction(1, 3),
    {},
    {"@id": "x"},
    frozendict({"@value": 1}),
    [],
    ["https://example.org"],
    (1, 2),
]


@pytest.mark.parametrize("name", sorted(STAND_INS))
def test_each_stand_in_answers_like_pyld(name: str) -> None:
    original, stand_in = PYLD_ORIGINALS[name], STAND_INS[name]
    for _ in range(2):  # memo cold, then warm
        for value in VALUES:
            assert bool(stand_in(value)) == bool(original(value)), (name, value)


def test_the_stand_ins_are_what_pyld_calls() -> None:
    for name, stand_in in STAND_INS.items():
        assert getattr(jsonld, name) is stand_in
    # Without them the speed-up would be lost, not the result: still worth knowing.
    assert {"_is_absolute_iri", "_is_keyword", "_is_numeric", "_is_object"} <= set(STAND_INS)


@pytest.fixture
def pyld_own_predicates() -> Iterator[None]:
    pyld_speedups.uninstall()
    jsonld._resolved_context_cache.clear()  # contexts processed with the stand-ins
    try:
        yield
    finally:
        jsonld._resolved_context_cache.clear()
        pyld_speedups.install()


def _typed_values_document() -> dict[str, Any]:
    # Literals that go through pyld's number, boolean and string tests.
    vocab = "https://example.org/vocab#"
    terms = ("count", "ratio", "flag", "big", "label", "numeric", "link")
    return {
        "@context": [VC_V2, {term: f"{vocab}{term}" for term in terms}],
        "id": "urn:uuid:0d7e9c1e-0000-4000-8000-000000000002",
        "type": ["VerifiableCredential"],
        "issuer": "https://cert.example.org/issuer",
        "credentialSubject": {
            "count": 7,
            "ratio": [2.5, 3.0, -0.0],
            "flag": [True, False],
            "big": 10**22,
            "label": ["85", "nan", "１２", "plain text"],
            "numeric": {"@value": "1e3", "@type": "http://www.w3.org/2001/XMLSchema#double"},
            "link": {"@id": "https://example.org/things/1"},
        },
    }


def _documents() -> list[dict[str, Any]]:
    return [
        build_credential(),
        build_credential(holder_name=None, results=(), status_entries=()),
        build_credential(results=(RESULTS[0], RESULTS[0])),
        vector_json("w3c-vc-di-eddsa/unsigned.json"),
        _typed_values_document(),
    ]


def _plain_pyld(document: dict[str, Any]) -> str:
    normalized: str = jsonld.JsonLdProcessor().normalize(copy.deepcopy(document), dict(_OPTIONS))
    return normalized


def test_canonical_forms_are_those_of_pyld_with_its_own_predicates(
    pyld_own_predicates: None,
) -> None:
    # Given the canonical forms pyld gives with its own predicates
    expected = [_plain_pyld(document) for document in _documents()]
    # when the stand-ins are back
    pyld_speedups.install()
    jsonld._resolved_context_cache.clear()

    # then both plain pyld and our canonicalisation give the same ones
    assert [_plain_pyld(document) for document in _documents()] == expected
    assert [canonicalize(document=document) for document in _documents()] == expected


def test_memos_stay_bounded() -> None:
    for n in range(MEMO_MAX_ENTRIES + 50):
        assert pyld_speedups.is_absolute_iri(f"urn:x:{n}")
        assert not pyld_speedups.is_numeric(f"x{n}")

    assert len(pyld_speedups.is_absolute_iri.known) <= MEMO_MAX_ENTRIES
    assert len(pyld_speedups.is_numeric.known) <= MEMO_MAX_ENTRIES
    long_iri = "urn:x:" + "y" * MEMO_MAX_LENGTH
    assert pyld_speedups.is_absolute_iri(long_iri)
    assert long_iri not in pyld_speedups.is_absolute_iri.known
