"""The CTDL / CTDL-ASN view as a JSON-LD document with CTDL's published context.

Credential Engine publishes the CTDL JSON-LD context at :data:`CTDL_CONTEXT_URL` (its registry's
records say ``"@context": "https://credreg.net/ctdl/schema/context/json"``); CTDL JSON uses
language maps for text (``"ceterms:name": {"en": "…"}``) and prefixed IRIs. :data:`LOCAL_CONTEXT`
is our copy of the part of that context our view uses (the two namespaces and each term's container
or type), built from the CTDL terms in ``queries.CTDL``: processors resolve the published IRI, and our
tests (which never use the network) serve this copy through
:func:`registry.profiles.jsonld.offline_loader`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from pyld import jsonld as _pyld

from . import PROFILES
from .jsonld import expanded, offline_loader

CTDL_CONTEXT_URL = "https://credreg.net/ctdl/schema/context/json"
CETERMS = "https://purl.org/ctdl/terms/"
CEASN = "https://purl.org/ctdlasn/terms/"

_LANG = {"@container": "@language"}
_IRI = {"@type": "@id"}
# every CTDL term the ctdl view writes, with how CTDL JSON writes its value
_TERMS = {
    "ceasn:name": _LANG, "ceasn:description": _LANG, "ceasn:alternateName": _LANG, "ceasn:competencyLabel": _LANG,
    "ceasn:competencyText": _LANG, "ceasn:comment": _LANG, "ceasn:conceptKeyword": _LANG,
    "ceasn:codedNotation": {}, "ceasn:inLanguage": {}, "ceasn:dateCreated": {"@type": "xsd:date"},
    "ceasn:creator": _IRI, "ceasn:hasTopChild": _IRI, "ceasn:isTopChildOf": _IRI, "ceasn:isPartOf": _IRI,
    "ceasn:hasChild": _IRI, "ceasn:isChildOf": _IRI, "ceasn:complexityLevel": _IRI,
    "ceterms:name": _LANG, "ceterms:alternateName": _LANG, "ceterms:description": _LANG,
    "ceterms:creditUnitTypeDescription": _LANG, "ceterms:codedNotation": {}, "ceterms:identifierValueCode": {},
    "ceterms:value": {"@type": "xsd:decimal"}, "ceterms:startDate": {"@type": "xsd:date"},
    "ceterms:endDate": {"@type": "xsd:date"},
    "ceterms:creditValue": _IRI, "ceterms:creditUnitType": _IRI, "ceterms:transferValue": _IRI,
    "ceterms:transferValueFrom": _IRI, "ceterms:transferValueFor": _IRI, "ceterms:ownedBy": _IRI,
    "ceterms:identifier": _IRI, "ceterms:subjectWebpage": _IRI, "ceterms:isPartOf": _IRI,
}
LOCAL_CONTEXT: dict = {
    "@context": {
        "ceterms": CETERMS, "ceasn": CEASN, "xsd": "http://www.w3.org/2001/XMLSchema#",
        **{t: ({"@id": t} | spec) for t, spec in _TERMS.items()},
    }
}


def ctdl_jsonld(triples: Iterable[ox.Triple], reference: Iterable[ox.Triple] = (), *,
                context_url: str = CTDL_CONTEXT_URL) -> dict:
    """The CTDL view of an item (its ``triples`` and the ``reference`` they need) as CTDL JSON-LD.

    The document is compacted against :data:`LOCAL_CONTEXT` and then points at ``context_url``
    (CTDL's published context by default), as CTDL records do.
    """
    view = PROFILES["ctdl"].build(triples, reference)
    options = {"documentLoader": offline_loader({})}
    doc = _pyld.compact(expanded(view), LOCAL_CONTEXT, options)
    doc["@context"] = context_url
    return doc
