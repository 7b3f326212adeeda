"""RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0) with pinned contexts only.

pyld silently drops JSON data it cannot map to RDF: a key that no context defines, a
``type`` that is not a defined term or an absolute IRI, an ``id`` that is a relative
IRI (``base`` is ``None``). Anything dropped is not signed, so a document carrying such
data is refused here (``strict=True``) or reported (:func:`canonical_form`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from . import pyld_speedups
from .contexts import document_loader
from .errors import CanonicalizationError, ContextNotPinnedError, UndefinedTermError

# RFC 3987 scheme ":" ... (what pyld itself calls absolute), or a blank node label.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_is_absolute = pyld_speedups.StringMemo(
    original=lambda value: isinstance(value, str) and _ABSOLUTE_IRI.match(value) is not None,
    test=lambda value: _ABSOLUTE_IRI.match(value) is not None,
)

pyld_speedups.install()

_OPTIONS: dict[str, Any] = {
    "algorithm": "URDNA2015",
    "format": "application/n-quads",
    "base": None,
    "documentLoader": document_loader,
}


@dataclass(frozen=True)
class Canonical:
    """A canonical N-Quads string and what JSON-LD processing had to leave out of it."""

    nquads: str
    undefined_terms: tuple[str, ...]


# Memo of pyld's context processing: (active context, local context, flags) -> new
# active context. pyld caches processed *remote* contexts but re-processes every
# type-scoped context (Achievement, Profile, Result, ...) on every node, which was half
# of the time spent canonicalising a credential. Active contexts are never mutated
# after creation (pyld clones before changing one), so handing out the same result
# object is safe; entries keep references to their key objects, so ids are not reused.
# Local contexts are memoised by value when they are URLs, and by identity only when
# they are scoped contexts that came out of the pinned documents (``_trusted``): an
# inline context in a caller's document could be mutated between two calls.
_PROCESSED_MAX = 1024
_processed: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}


_TRUSTED_MAX = 1024
_trusted: dict[int, Any] = {}

_EXPANDED_IRIS_MAX = 16384
_expanded_iris: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, strings, numbers, booleans, None),
    several times faster than :func:`copy.deepcopy`, which it falls back to for any
    other type. Like ``deepcopy`` it copies every dict and list, so neither copy can
    change the other."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value)


class _JsonInput(dict):  # type: ignore[type-arg]
    """A document handed to pyld, which deep-copies its input before expanding it
    (so that expansion cannot change the caller's document): copied by
    :func:`json_copy` instead, a third of the time."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: json_copy(item) for key, item in self.items()}


class _Urdna2015(URDNA2015):  # type: ignore[misc]  # pyld is untyped
    """pyld's URDNA2015, except that Hash First Degree Quads relabels a blank node
    term in a new dict instead of a ``deepcopy`` of it (a term is a flat dict of
    strings, so the two are the same; the deep copy was a tenth of the time spent
    canonicalising a credential)."""

    def modify_first_degree_component(self, id_: str, component: Any, key: str) -> Any:
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}


class _ById(int):
    """Key part for an object compared by identity (a context dict)."""


def _local_context_key(local_ctx: Any) -> Any:
    if isinstance(local_ctx, str):
        return local_ctx
    if isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
        return tuple(local_ctx)
    return _ById(id(local_ctx))


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """Remembers dropped keys and the expanded form of the last ``expand`` call, and
    memoises context processing (see ``_processed``)."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self.dropped: list[str | None] = []
        self.expanded: Any = None
        # > 0 while pyld builds an active context: results may be provisional then.
        self._processing_context = 0

    def _dropped(self, expanded_property: str | None) -> None:
        self.dropped.append(expanded_property)

    def expand(self, input_: Any, options: Any) -> Any:
        if type(input_) is dict:
            input_ = _JsonInput(input_)
        self.expanded = super().expand(input_, options)
        return self.expanded

    def normalize(self, input_: Any, options: Any) -> Any:
        """pyld's ``normalize`` for JSON-LD in, URDNA2015 and N-Quads out (the only
        options ``canonical_form`` uses), with :class:`_Urdna2015`."""
        to_rdf_options = {key: value for key, value in options.items() if key != "format"}
        to_rdf_options["produceGeneralizedRdf"] = False
        try:
            dataset = self.to_rdf(input_, to_rdf_options)
        except jsonld.JsonLdError as cause:
            raise jsonld.JsonLdError(
                "Could not convert input to RDF dataset before normalization.",
                "jsonld.NormalizeError",
            ) from cause
        return _Urdna2015().main(dataset, options)

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # Only plain look-ups (outside context processing) are pure enough to memoise.
        if self._processing_context or local_ctx is not None or not isinstance(value, str):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (id(active_ctx), value, base, vocab)
        hit = _expanded_iris.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = super()._expand_iri(active_ctx, value, base, vocab)
        if len(_expanded_iris) >= _EXPANDED_IRIS_MAX:
            _expanded_iris.clear()
        _expanded_iris[key] = (active_ctx, result)
        return result

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        args = (override_protected, propagate, validate_scoped)
        if cycles is not None:
            self._processing_context += 1
            try:
                return super()._process_context(active_ctx, local_ctx, options, *args, cycles)
            finally:
                self._processing_context -= 1
        local_key = _local_context_key(local_ctx)
        memoise = not isinstance(local_key, _ById) or _trusted.get(local_key) is local_ctx
        key = (id(active_ctx), local_key, *args)
        if memoise:
            hit = _processed.get(key)
            # The entry holds its key objects, so a matching id is the same object.
            if hit is not None and hit[0] is active_ctx:
                return hit[2]
        self._processing_context += 1
        try:
            result = super()._process_context(active_ctx, local_ctx, options, *args)
        finally:
            self._processing_context -= 1
        if memoise:
            if len(_processed) >= _PROCESSED_MAX:
                _processed.clear()
            _processed[key] = (active_ctx, local_ctx, result)
            _trust_scoped_contexts(result)
        return result


def _trust_scoped_contexts(active_ctx: Any) -> None:
    """Mark the scoped contexts of a context built from pinned documents as trusted."""
    if len(_trusted) >= _TRUSTED_MAX:
        _trusted.clear()
    for mapping in active_ctx.get("mappings", {}).values():
        scoped = mapping.get("@context") if isinstance(mapping, dict) else None
        if isinstance(scoped, (dict, list)):
            _trusted[id(scoped)] = scoped


def canonical_form(*, document: Mapping[str, Any]) -> Canonical:
    """Canonicalise ``document`` and list the terms/IRIs that were left out of it.

    Returns :class:`Canonical`. Raises :class:`ContextNotPinnedError` for a context
    that is not pinned and :class:`CanonicalizationError` for invalid JSON-LD. Pure;
    safe to call repeatedly.
    """
    processor = _Processor()
    try:
        nquads: str = processor.normalize(document, _OPTIONS)
    except jsonld.JsonLdError as exc:
        pinned = _find_cause(exc, ContextNotPinnedError)
        if pinned is not None:
            raise pinned from exc
        raise CanonicalizationError(f"JSON-LD processing failed: {_describe(exc)}") from exc
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        # pyld assumes well-formed JSON-LD; hostile input can trip it anywhere.
        raise CanonicalizationError(f"JSON-LD processing failed: {exc!r}") from exc
    problems: list[str] = []
    for term in processor.dropped:
        problems.extend(_name_dropped(document, term))
    for kind, value in _relative_iris(processor.expanded):
        problems.extend(_name_relative(document, kind, value))
    return Canonical(nquads=nquads, undefined_terms=tuple(dict.fromkeys(problems)))


def canonicalize(*, document: Mapping[str, Any]) -> str:
    """Canonical N-Quads of ``document``, refusing anything that would be left out.

    Raises :class:`UndefinedTermError` (naming each offending term with its JSON
    path) if any key, type or id would be dropped by JSON-LD processing; otherwise as
    :func:`canonical_form`.
    """
    canonical = canonical_form(document=document)
    if canonical.undefined_terms:
        raise UndefinedTermError(canonical.undefined_terms)
    return canonical.nquads


def _find_cause(exc: BaseException, kind: type[ContextNotPinnedError]) -> Any:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _describe(exc: BaseException) -> str:
    messages: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(messages) < 5:
        text = current.args[0] if current.args else type(current).__name__
        messages.append(str(text).splitlines()[0])
        current = current.__cause__
    return " <- ".join(messages)


def _relative_iris(expanded: Any) -> list[tuple[str, str]]:
    """``("id"|"type", value)`` for every non-absolute IRI in expanded JSON-LD, in
    document order."""
    found: list[tuple[str, str]] = []
    _collect_relative_iris(expanded, found)
    return found


def _collect_relative_iris(expanded: Any, found: list[tuple[str, str]]) -> None:
    # A plain recursion into lists and node objects, value objects checked in place:
    # this walk is part of every canonicalisation.
    if isinstance(expanded, list):
        for item in expanded:
            if isinstance(item, (list, dict)):
                _collect_relative_iris(item, found)
        return
    if not isinstance(expanded, dict):
        return
    if "@value" in expanded:
        _collect_relative_datatype(expanded, found)
        return
    node_id = expanded.get("@id")
    if isinstance(node_id, str) and not _is_absolute(node_id):
        found.append(("id", node_id))
    for node_type in expanded.get("@type", ()):
        if isinstance(node_type, str) and not _is_absolute(node_type):
            found.append(("type", node_type))
    for key, value in expanded.items():
        if key == "@id" or key == "@type":
            continue
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "@value" in item:
                    _collect_relative_datatype(item, found)
                elif isinstance(item, (list, dict)):
                    _collect_relative_iris(item, found)
        elif isinstance(value, dict):
            _collect_relative_iris(value, found)


def _collect_relative_datatype(value: dict[str, Any], found: list[tuple[str, str]]) -> None:
    datatype = value.get("@type")
    if isinstance(datatype, str) and datatype != "@json" and not _is_absolute(datatype):
        found.append(("type", datatype))


def _paths(node: Any, prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """Yield ``(path, key, value)`` for every key of every object in ``node``."""
    if isinstance(node, list):
        for item in node:
            yield from _paths(item, prefix)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            path = f"{prefix}.{key}" if prefix else key
            yield path, key, value
            yield from _paths(value, path)


_KEYWORDS = frozenset(
    [
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    ]
)


def _name_dropped(document: Mapping[str, Any], term: str | None) -> list[str]:
    if term is None:
        # pyld passes None for a keyword look-alike ("@foo") or a term mapped to null.
        found = [
            path
            for path, key, _ in _paths(document)
            if key.startswith("@") and key not in _KEYWORDS
        ]
        return found or ["a term mapped to null"]
    found = [path for path, key, _ in _paths(document) if key == term]
    return found or [term]


def _name_relative(document: Mapping[str, Any], kind: str, value: str) -> list[str]:
    found = []
    for path, _, node_value in _paths(document):
        values = node_value if isinstance(node_value, list) else [node_value]
        if value in values or any(isinstance(v, dict) and v.get("id") == value for v in values):
            found.append(f"{path}={value!r}")
    if kind == "type":
        label = f"type {value!r} (not a defined term or absolute IRI)"
    else:
        label = f"id {value!r} (not an absolute IRI)"
    return [f"{label} at {', '.join(found)}" if found else label]
