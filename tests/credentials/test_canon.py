"""Canonicalisation: pinned contexts only, undefined terms refused, caches harmless."""

from __future__ import annotations

import copy
import inspect
from typing import Any

import pytest
from pyld import jsonld

from certification.credentials.vc import (
    OB_V3P0,
    PINNED_CONTEXTS,
    VC_V2,
    ContextNotPinnedError,
    CredentialError,
    UndefinedTermError,
    canonical_form,
    canonicalize,
    credential_sign,
    document_loader,
)
from certification.credentials.vc.canon import _OPTIONS, _relative_iris, json_copy
from certification.credentials.vc.contexts import _FILES, _SHA256, _context_document
from certification.credentials.vc.pyld_speedups import PYLD_ABSOLUTE_IRI_PATTERN, PYLD_ORIGINALS

from .conftest import KEY_URL, RESULTS, build_credential, vector_json
from .test_pyld_speedups import VALUES


def test_loader_serves_pinned_contexts() -> None:
    remote = document_loader(VC_V2)

    assert remote["documentUrl"] == VC_V2
    assert remote["document"]["@context"]["@protected"] is True


@pytest.mark.parametrize(
    "url",
    [
        "https://w3id.org/security/data-integrity/v2",
        "https://www.w3.org/2018/credentials/v1",
        "http://www.w3.org/ns/credentials/v2",  # not the pinned (https) URL
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    ],
)
def test_loader_refuses_every_other_url(url: str) -> None:
    with pytest.raises(ContextNotPinnedError, match="not pinned"):
        document_loader(url)


def test_unpinned_context_in_a_document_raises_before_any_fetch() -> None:
    document = build_credential()
    document["@context"] = [VC_V2, "https://evil.example/context.json"]

    with pytest.raises(ContextNotPinnedError) as caught:
        canonicalize(document=document)
    assert caught.value.url == "https://evil.example/context.json"


def test_loader_documents_are_copies() -> None:
    document_loader(OB_V3P0)["document"]["@context"]["name"] = "https://evil.example/name"

    assert document_loader(OB_V3P0)["document"]["@context"]["name"] == {
        "@id": "https://schema.org/name"
    }


def test_refuses_an_undefined_top_level_term() -> None:
    document = build_credential()
    document["grade"] = "A+"

    with pytest.raises(UndefinedTermError, match="grade") as caught:
        canonicalize(document=document)
    assert caught.value.terms == ("grade",)


def test_names_the_path_of_a_nested_undefined_term() -> None:
    document = build_credential()
    document["credentialSubject"]["achievement"]["level"] = "intermediate"

    with pytest.raises(UndefinedTermError) as caught:
        canonicalize(document=document)
    assert caught.value.terms == ("credentialSubject.achievement.level",)


def test_names_a_keyword_look_alike() -> None:
    document = build_credential()
    document["issuer"]["@motto"] = "x"

    with pytest.raises(UndefinedTermError) as caught:
        canonicalize(document=document)
    assert caught.value.terms == ("issuer.@motto",)


def test_refuses_an_undefined_type() -> None:
    document = build_credential()
    document["type"].append("SuperCredential")

    with pytest.raises(UndefinedTermError, match="SuperCredential"):
        canonicalize(document=document)


def test_refuses_a_relative_id() -> None:
    document = build_credential()
    document["credentialSubject"]["id"] = "candidate-42"

    with pytest.raises(UndefinedTermError, match="candidate-42"):
        canonicalize(document=document)


def test_refuses_to_sign_an_undefined_term(issuer_key: Any) -> None:
    document = build_credential()
    document["issuer"]["motto"] = "We certify"

    with pytest.raises(UndefinedTermError, match=r"issuer\.motto"):
        credential_sign(document=document, private_key=issuer_key, verification_method=KEY_URL)


def test_canonical_form_reports_instead_of_raising() -> None:
    document = build_credential()
    document["extra"] = 1

    canonical = canonical_form(document=document)

    assert canonical.undefined_terms == ("extra",)
    assert "extra" not in canonical.nquads
    assert canonical.nquads == canonicalize(document=build_credential())


def test_same_result_as_plain_pyld() -> None:
    # The context-processing and IRI memos and the copy-free URDNA2015 step must not
    # change any output: compare with a fresh, unmemoised pyld processor on several
    # documents, twice (cold and warm). Two identical results are blank nodes that
    # Hash First Degree Quads cannot tell apart (the N-degree path breaks the tie).
    documents = [
        build_credential(),
        build_credential(holder_name=None, results=(), status_entries=()),
        build_credential(results=(RESULTS[0], RESULTS[0])),
        vector_json("w3c-vc-di-eddsa/unsigned.json"),
    ]
    for _ in range(2):
        for document in documents:
            plain = jsonld.JsonLdProcessor().normalize(copy.deepcopy(document), dict(_OPTIONS))
            assert canonicalize(document=document) == plain


def test_does_not_modify_its_input() -> None:
    document = build_credential()
    before = copy.deepcopy(document)

    canonicalize(document=document)

    assert document == before


def test_json_copy_shares_no_dict_or_list_with_its_original() -> None:
    original: dict[str, Any] = {"a": [{"b": "c"}, 1, 2.5, True, None], "d": {"e": "f"}}
    odd = (1, 2)  # not JSON: copied by deepcopy
    original["odd"] = [odd]

    copied = json_copy(original)
    copied["a"][0]["b"] = "changed"
    copied["d"]["e"] = "changed"
    copied["a"].append("more")

    assert original == {"a": [{"b": "c"}, 1, 2.5, True, None], "d": {"e": "f"}, "odd": [odd]}
    assert copied["odd"] == [odd]


def test_pinned_context_files_are_the_published_ones() -> None:
    assert set(_SHA256) == set(_FILES) == PINNED_CONTEXTS
    for url in PINNED_CONTEXTS:
        # Bypass the process cache (earlier tests loaded them): read and hash again.
        _context_document.__wrapped__(url)  # raises if a file no longer matches its digest


def test_a_context_file_that_does_not_match_its_digest_is_refused(monkeypatch) -> None:
    monkeypatch.setitem(_SHA256, OB_V3P0, "0" * 64)

    with pytest.raises(CredentialError, match="SHA-256"):
        _context_document.__wrapped__(OB_V3P0)


def test_an_inline_context_changed_in_place_is_processed_again() -> None:
    # Memoisation must not key a caller's (mutable) inline context by identity.
    inline = {"motto": "https://example.org/vocab#motto"}
    document = {
        "@context": [VC_V2, inline],
        "id": "urn:uuid:0d7e9c1e-0000-4000-8000-000000000001",
        "motto": "first",
    }
    first = canonicalize(document=document)
    inline["motto"] = "https://example.org/vocab#slogan"

    second = canonicalize(document=document)

    assert "vocab#motto" in first
    assert "vocab#slogan" in second


def test_pyld_absolute_iri_check_is_pyld_s_own_compiled_once() -> None:
    # Same pattern as the pyld function it replaces (a pyld upgrade that changes it
    # fails here), and the same answers on IRIs, blank nodes, terms and non-strings.
    pyld_is_absolute_iri = PYLD_ORIGINALS["_is_absolute_iri"]
    assert f"re.match(r'{PYLD_ABSOLUTE_IRI_PATTERN}', v)" in inspect.getsource(pyld_is_absolute_iri)
    for value in VALUES:  # the speedups' tricky values: IRIs, keywords, non-strings
        assert bool(jsonld._is_absolute_iri(value)) == bool(pyld_is_absolute_iri(value)), value
    assert jsonld._is_absolute_iri is not pyld_is_absolute_iri


def test_relative_iris_are_found_everywhere_in_document_order() -> None:
    # Node ids and types, value datatypes (in property lists, @list and nested
    # nodes), at any depth; "@json" and absolute IRIs are not relative.
    vocab = "https://example.org/v#"
    expanded = [
        {
            "@id": "top",
            "@type": [f"{vocab}T", "LocalType"],
            f"{vocab}a": [
                {"@value": "1", "@type": "myInt"},
                {"@value": {"x": 1}, "@type": "@json"},
                {"@value": "2", "@type": f"{vocab}int"},
            ],
            f"{vocab}b": [{"@list": [{"@value": "3", "@type": "listType"}, {"@id": "in-list"}]}],
            f"{vocab}c": [{"@id": "_:b0", f"{vocab}d": [{"@id": "deep", "@type": ["DeepType"]}]}],
        }
    ]

    assert _relative_iris(expanded) == [
        ("id", "top"),
        ("type", "LocalType"),
        ("type", "myInt"),
        ("type", "listType"),
        ("id", "in-list"),
        ("id", "deep"),
        ("type", "DeepType"),
    ]
