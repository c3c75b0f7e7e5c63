"""JSON-LD forms of an item's triples with PyLD: expanded, compacted and flattened (JSON-LD 1.1).

The three forms are the profiles of the JSON-LD media type (JSON-LD 1.1, section 9.1):
``http://www.w3.org/ns/json-ld#expanded``, ``#compacted`` and ``#flattened``. Compacted and
flattened documents use a context that is either put INLINE (``context_url=None``: any processor
can read the document with no network) or referenced by ``context_url`` (the web layer passes a URL
on the serving host, so the reference resolves wherever the document is served). Nothing here
fetches anything: :func:`offline_loader` serves known contexts from memory and refuses the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from pyld import jsonld

EXPANDED = "http://www.w3.org/ns/json-ld#expanded"
COMPACTED = "http://www.w3.org/ns/json-ld#compacted"
FLATTENED = "http://www.w3.org/ns/json-ld#flattened"
FORMS = (EXPANDED, COMPACTED, FLATTENED)

#: the registry's context: prefixes only, so every IRI and literal survives compaction unchanged
REGISTRY_CONTEXT: dict = {
    "cb": "https://w3id.org/gdlecb/def/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "reg": "http://purl.org/linked-data/registry#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "adms": "http://www.w3.org/ns/adms#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "elm": "http://data.europa.eu/snb/model/elm/",
    "ceterms": "https://purl.org/ctdl/terms/",
    "ceasn": "https://purl.org/ctdlasn/terms/",
    "prof": "http://www.w3.org/ns/dx/prof/",
}


class FormError(ValueError):
    """A JSON-LD profile this module does not produce."""


def offline_loader(contexts: Mapping[str, dict]):
    """A PyLD document loader that serves ``contexts`` ({url: context document}) and refuses other URLs."""

    def load(url, options=None):
        doc = contexts.get(url)
        if doc is None:
            raise jsonld.JsonLdError(f"no local copy of {url}; remote documents are not fetched",
                                     "jsonld.LoadDocumentError", code="loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": doc, "contentType": "application/ld+json"}

    return load


def expanded(triples: Iterable[ox.Triple]) -> list:
    """The expanded form (no context): PyLD's conversion of the triples' N-Quads."""
    nquads = ox.serialize(list(triples), format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return jsonld.from_rdf(nquads, {"format": "application/n-quads", "useNativeTypes": False})


def document(triples: Iterable[ox.Triple], form: str = COMPACTED, *, context: dict | None = None,
             context_url: str | None = None) -> dict | list:
    """The ``form`` JSON-LD document of ``triples``.

    ``context`` is the context object (default :data:`REGISTRY_CONTEXT`); with ``context_url`` the
    document references it by that URL (``"@context": context_url``) instead of carrying it inline.
    """
    if form not in FORMS:
        raise FormError(f"unknown JSON-LD profile {form!r}; use one of {', '.join(FORMS)}")
    exp = expanded(triples)
    if form == EXPANDED:
        return exp
    ctx = context if context is not None else REGISTRY_CONTEXT
    options = {"documentLoader": offline_loader({}), "base": None}
    out = jsonld.compact(exp, {"@context": ctx}, options) if form == COMPACTED else jsonld.flatten(exp, {"@context": ctx}, options)
    if context_url is not None:
        out["@context"] = context_url
    return out


def to_triples(doc, *, contexts: Mapping[str, dict] | None = None) -> list[ox.Triple]:
    """Parse a JSON-LD document back to triples, offline (``contexts``: the remote contexts it may use)."""
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": offline_loader(contexts or {})})
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)]


def dumps(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
