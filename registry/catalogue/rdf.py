"""RDF answers: the formats we serve, pyoxigraph serialisation, compact JSON-LD with our
published ``@context``, and the description of a sub-resource inside its item graph.
"""

from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import quote
from collections.abc import Sequence

import pyoxigraph as ox

from .. import formats
from ..namespaces import PREFIXES, RDF_TYPE, XSD_NS as XSD, curie  # noqa: I001

HTML = "text/html"
TURTLE = formats.TURTLE.media_type
JSONLD = formats.JSON_LD.media_type
RDFXML = formats.RDF_XML.media_type
NTRIPLES = formats.N_TRIPLES.media_type

#: suffix -> media type of an item's RDF files (the order is the order of download links)
SUFFIXES = {f.suffix: f.media_type for f in formats.TRIPLE_FORMATS}
FORMAT_NAMES = {**{f.media_type: f.label for f in formats.TRIPLE_FORMATS}, HTML: "HTML"}
CONTENT_TYPE = {**{f.media_type: f.content_type for f in formats.TRIPLE_FORMATS}, HTML: "text/html; charset=utf-8"}

XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# --- the published JSON-LD context (stable: change only by adding terms) -----------
CB = PREFIXES["cb"]
SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
_ID_TERMS = {  # term: IRI, values are IRIs
    "level": CB + "level", "creditValue": CB + "creditValue", "creditSystem": CB + "creditSystem",
    "learningOutcome": CB + "learningOutcome", "functionalArea": CB + "functionalArea",
    "standard": CB + "standard", "framework": CB + "framework", "sector": CB + "sector",
    "fieldOfStudy": CB + "fieldOfStudy", "developer": CB + "developer",
    "applicableOutcomeType": CB + "applicableOutcomeType", "descriptor": CB + "descriptor",
    "dimension": CB + "dimension", "mappingSubject": CB + "mappingSubject", "mappingObject": CB + "mappingObject",
    "mappingRelation": CB + "mappingRelation", "outcomeType": CB + "outcomeType",
    "awardingBody": CB + "awardingBody", "fromAchievement": CB + "fromAchievement", "toUnit": CB + "toUnit",
    "recognitionBody": CB + "recognitionBody", "organisationRole": CB + "organisationRole",
    "status": PREFIXES["reg"] + "status", "inScheme": SKOS + "inScheme", "topConceptOf": SKOS + "topConceptOf",
    "hasTopConcept": SKOS + "hasTopConcept", "broader": SKOS + "broader", "narrower": SKOS + "narrower",
    "exactMatch": SKOS + "exactMatch", "closeMatch": SKOS + "closeMatch", "broadMatch": SKOS + "broadMatch",
    "narrowMatch": SKOS + "narrowMatch", "relatedMatch": SKOS + "relatedMatch",
    "isReplacedBy": DCT + "isReplacedBy", "replaces": DCT + "replaces", "publisher": DCT + "publisher",
    "source": DCT + "source", "license": DCT + "license", "homepage": PREFIXES["foaf"] + "homepage",
    "isDefinedBy": PREFIXES["rdfs"] + "isDefinedBy", "wasDerivedFrom": PREFIXES["prov"] + "wasDerivedFrom",
}
_VALUE_TERMS = {  # term: IRI, values are literals
    "prefLabel": SKOS + "prefLabel", "altLabel": SKOS + "altLabel", "hiddenLabel": SKOS + "hiddenLabel",
    "notation": SKOS + "notation", "definition": SKOS + "definition", "scopeNote": SKOS + "scopeNote",
    "editorialNote": SKOS + "editorialNote", "note": SKOS + "note", "description": DCT + "description",
    "issued": DCT + "issued", "modified": DCT + "modified", "created": DCT + "created",
    "versionInfo": PREFIXES["owl"] + "versionInfo", "label": PREFIXES["rdfs"] + "label",
    "range": CB + "range", "competencyStatement": CB + "competencyStatement",
    "assessmentCriteria": CB + "assessmentCriteria", "remarks": CB + "remarks", "creditAmount": CB + "creditAmount",
    "notionalHours": CB + "notionalHours", "descriptorText": CB + "descriptorText", "levelOrder": CB + "levelOrder",
    "levelCount": CB + "levelCount", "order": CB + "order", "conditions": CB + "conditions",
    "validFrom": CB + "validFrom", "validUntil": CB + "validUntil", "hoursPerCredit": CB + "hoursPerCredit",
}
_CLASS_TERMS = ["Unit", "CompetencyStandard", "FunctionalArea", "QualificationsFramework", "FrameworkLevel",
                "LevelDescriptor", "LevelMapping", "Dimension", "OutcomeType", "Sector", "FieldOfStudy",
                "CreditSystem", "OrganisationRole", "Organisation", "Achievement", "TransferRule",
                "LearningOutcome", "CreditValue"]


def context_document() -> dict:
    """The ``@context`` published at ``/context.jsonld``."""
    ctx: dict = dict(PREFIXES)
    for c in _CLASS_TERMS:
        ctx[c] = "cb:" + c
    ctx["Concept"] = "skos:Concept"
    ctx["ConceptScheme"] = "skos:ConceptScheme"
    for term, iri in _ID_TERMS.items():
        ctx[term] = {"@id": _curie(iri), "@type": "@id"}
    for term, iri in _VALUE_TERMS.items():
        ctx[term] = _curie(iri)
    return {"@context": ctx}


def _curie(iri: str) -> str:
    return curie(iri, bare=True)


_TERM_OF_ID = {iri: t for t, iri in _ID_TERMS.items()}
_TERM_OF_VALUE = {iri: t for t, iri in _VALUE_TERMS.items()}
_TERM_OF_CLASS = {CB + c: c for c in _CLASS_TERMS} | {SKOS + "Concept": "Concept", SKOS + "ConceptScheme": "ConceptScheme"}
_CURIE_CACHE: dict[str, str] = {}


def _c(iri: str) -> str:
    v = _CURIE_CACHE.get(iri)
    if v is None:
        v = _CURIE_CACHE[iri] = _curie(iri)
    return v


def _literal(o: ox.Literal):
    if o.language:
        return {"@value": o.value, "@language": o.language}
    dt = o.datatype.value
    if dt == XSD_STRING:
        return o.value
    return {"@value": o.value, "@type": _c(dt)}


def compact_jsonld(triples: Sequence[ox.Triple], main: str | None, context_url: str) -> dict:
    """Compact JSON-LD for ``triples`` that uses our published context (by URL).

    Blank nodes used once are embedded; terms of the context are used where the
    value fits the term (IRIs for ``@type: @id`` terms), CURIEs otherwise, so the
    document expands to exactly ``triples``.
    """
    by_s: dict = defaultdict(list)
    refs: dict = defaultdict(int)
    for t in triples:
        by_s[t.subject].append(t)
        if isinstance(t.object, ox.BlankNode):
            refs[t.object] += 1
    embed = {b for b, n in refs.items() if n == 1 and b in by_s}
    done: set = set()

    def node(s, stack=()):
        done.add(s)
        out: dict = {"@id": s.value if isinstance(s, ox.NamedNode) else "_:" + s.value}
        props: dict[str, list] = {}
        types = []
        for t in by_s.get(s, ()):
            p = t.predicate.value
            o = t.object
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                types.append(_TERM_OF_CLASS.get(o.value) or _c(o.value))
                continue
            if isinstance(o, ox.Literal):
                key = _TERM_OF_VALUE.get(p) or _c(p)
                val = _literal(o)
            elif isinstance(o, ox.NamedNode):
                term = _TERM_OF_ID.get(p)
                if term:
                    key, val = term, o.value
                else:
                    key, val = _c(p), {"@id": o.value}
            elif isinstance(o, ox.BlankNode):
                key = _c(p) if p in _TERM_OF_VALUE or p not in _TERM_OF_ID else _TERM_OF_ID[p]
                if o in embed and o not in stack and o not in done:
                    val = node(o, (*stack, s))
                elif p in _TERM_OF_ID:
                    val = "_:" + o.value
                else:
                    val = {"@id": "_:" + o.value}
            else:  # RDF-star triples are not used in our data
                continue
            props.setdefault(key, []).append(val)
        if types:
            out["@type"] = sorted(types) if len(types) > 1 else types[0]
        if isinstance(s, ox.BlankNode) and s in embed and stack:
            del out["@id"]
        for k in sorted(props):
            v = props[k]
            out[k] = v[0] if len(v) == 1 else sorted(v, key=_sort_key)
        return out

    subjects = sorted(by_s, key=lambda s: (s.value != main, isinstance(s, ox.BlankNode), s.value))
    nodes = []
    for s in subjects:
        if s in done or (s in embed):
            continue
        nodes.append(node(s))
    for s in subjects:  # blank nodes in cycles that were never embedded
        if s not in done:
            nodes.append(node(s))
    if len(nodes) == 1:
        return {"@context": context_url, **nodes[0]}
    return {"@context": context_url, "@graph": nodes}


#: what ``json.dumps(v, ensure_ascii=False, sort_keys=True)`` uses, built once (the sort key of values)
_sort_key = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def serialize(triples: Sequence[ox.Triple], media_type: str, *, main: str | None, context_url: str,
              jsonld_doc: dict | None = None) -> bytes:
    """``triples`` in ``media_type`` (pyoxigraph serialisers; JSON-LD compacted with our context,
    or ``jsonld_doc`` when the caller already compacted them)."""
    if media_type == JSONLD:
        doc = jsonld_doc or compact_jsonld(triples, main, context_url)
        # compact separators keep json on its C encoder (indent= falls back to pure Python)
        return jsonld_text(doc).encode("utf-8")
    # triples come from the store grouped by subject (its GSPO scan), which is what Turtle needs
    return ox.serialize(triples, format=formats.by_media_type(media_type).ox, prefixes=PREFIXES)


def describe(triples: Sequence[ox.Triple], iri: str, by_s: dict | None = None) -> list[ox.Triple]:
    """The part of an item graph that describes ``iri``: its triples, those of its sub-resources
    (IRIs under ``iri/``) and of the blank nodes they reach (a concise bounded description).
    ``by_s`` (subject -> triples) may be given when the caller already indexed the graph."""
    if by_s is None:
        by_s = subject_index(triples)
    prefix = iri + "/"
    todo = [s for s in by_s if isinstance(s, ox.NamedNode) and (s.value == iri or s.value.startswith(prefix))]
    seen = set(todo)
    out = []
    while todo:
        s = todo.pop()
        for t in by_s.get(s, ()):
            out.append(t)
            if isinstance(t.object, ox.BlankNode) and t.object not in seen:
                seen.add(t.object)
                todo.append(t.object)
    return out


def subject_index(triples: Sequence[ox.Triple]) -> dict:
    by_s: dict = defaultdict(list)
    for t in triples:
        by_s[t.subject].append(t)
    return by_s


def jsonld_text(doc: dict) -> str:
    """``doc`` as the text of a JSON-LD file (the same as ``serialize(…, JSONLD, jsonld_doc=doc)``)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def script_json(doc: dict, text: str | None = None) -> str:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>`` and ``&`` escaped so
    no author text can close the script element. ``text`` is ``jsonld_text(doc)`` when the caller
    already has it (the build writes the same JSON to the ``.jsonld`` file)."""
    if text is None:
        text = jsonld_text(doc)
    return (text
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --- profiles (W3C "Content Negotiation by Profile") -------------------------------------------
# The routes of item IRIs and version IRIs call these: which profiles are offered, the view of an
# item in a profile and its bytes, the headers that say what was served, and ``?_profile=alt``.

ALTR = "http://www.w3.org/ns/dx/connegp/altr#"
ALTR_PROFILE = "http://www.w3.org/ns/dx/connegp/altr"
PROF = "http://www.w3.org/ns/dx/prof/"


def offered_profiles() -> dict[str, str]:
    """token -> IRI of every profile an item IRI answers in."""
    from .. import profiles

    return {t: p.iri for t, p in profiles.PROFILES.items()}


def profile_offers(token: str):
    """The media offers (``registry.negotiation.Offer``) of a profile, in its order, and the default
    for ``*/*`` (Turtle for ``cb``, else the profile's first media type: JSON-LD for ``ctdl``)."""
    from .. import negotiation as neg
    from .. import profiles

    p = profiles.get(token)
    offers = [o for mt in p.media_types for o in neg.ITEM if o.media_type == mt]
    default = neg.TURTLE if token == profiles.DEFAULT else offers[0]
    return offers, default


def reference_source(store):
    """What ``registry.profiles.reference_triples`` reads: the embedded pyoxigraph store, or (remote
    stores) a function describing one subject by a SPARQL CONSTRUCT over every named graph."""
    from ..store.embedded import EmbeddedStore

    if isinstance(store, EmbeddedStore):
        return store.oxigraph

    def describe(node):
        if not isinstance(node, ox.NamedNode):
            return []
        q = f"CONSTRUCT {{ {node} ?p ?o }} WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }}"
        return [ox.Triple(t.subject, t.predicate, t.object) for t in store.query(q)]

    return describe


def profile_view(token: str, triples: Sequence[ox.Triple], store) -> list[ox.Triple]:
    """The ``token`` view of an item's triples (``cb``: the triples themselves)."""
    from .. import profiles

    if token == profiles.DEFAULT:
        return list(triples)
    return profiles.view(token, triples, reference=profiles.reference_triples(reference_source(store), triples))


def profile_body(token: str, media_type: str, triples: Sequence[ox.Triple], store, *, main: str,
                 context_url: str, form: str | None = None) -> bytes:
    """The bytes of an item (``triples``: its ``cb`` description) in profile ``token`` and ``media_type``.

    JSON-LD: ``cb`` compact with the context served at ``context_url`` (the serving host), or the
    JSON-LD 1.1 ``form`` asked for (expanded, or compacted/flattened against that same context);
    ``ctdl`` with CTDL's published context and property names; ``skos``/``elm`` with the registry's
    prefixes inline (so they need no context fetch at all).
    """
    from .. import profiles
    from ..profiles import ctdl, jsonld

    if token == profiles.DEFAULT:
        if media_type == JSONLD and form is not None:
            ctx = context_document()["@context"]
            return jsonld.dumps(jsonld.document(triples, form, context=ctx, context_url=context_url))
        return serialize(triples, media_type, main=main, context_url=context_url)
    ref = profiles.reference_triples(reference_source(store), triples)
    if media_type == JSONLD and token == "ctdl" and form in (None, jsonld.COMPACTED):
        return jsonld.dumps(ctdl.ctdl_jsonld(triples, ref))
    view = profiles.view(token, triples, reference=ref)
    if media_type == JSONLD:
        return jsonld.dumps(jsonld.document(view, form or jsonld.COMPACTED))
    return ox.serialize(view, format=formats.by_media_type(media_type).ox,
                        prefixes={**PREFIXES, **profiles.TURTLE_PREFIXES})


def _rep(iri_url: str, token: str, media_type: str) -> str:
    """The URL of one representation: ``{iri}?_profile=TOKEN&_mediatype=TYPE`` (the type URL-encoded)."""
    return f"{iri_url}?_profile={token}&_mediatype={quote(media_type, safe='/')}"


def profile_links(iri_url: str, token: str) -> list[str]:
    """``Link`` values: the profile served (``rel="profile"``), every other profile × media type as
    ``rel="alternate"`` with ``type`` and ``profile``, and the alternates list (``?_profile=alt``)."""
    from .. import profiles

    out = [f'<{profiles.get(token).iri}>; rel="profile"']
    for p in profiles.PROFILES.values():
        for mt in p.media_types:
            if p.token == token:
                continue  # this profile's formats are the suffix alternates the route already lists
            out.append(f'<{_rep(iri_url, p.token, mt)}>; rel="alternate"; '
                       f'type="{mt}"; profile="{p.iri}"')
    out.append(f'<{iri_url}?_profile=alt>; rel="alternate"; profile="{ALTR_PROFILE}"')
    return out


def content_profile(token: str) -> str:
    """The ``Content-Profile`` value: the profile IRI in angle brackets."""
    from .. import profiles

    return f"<{profiles.get(token).iri}>"


def alternates_triples(iri: str, iri_url: str) -> list[ox.Triple]:
    """``?_profile=alt`` as RDF (the W3C conneg "altr" model): the resource, one
    ``altr:Representation`` per profile × media type (``dcterms:conformsTo``, ``dcterms:format``),
    the default one, and each profile as ``prof:Profile`` with its token and labels."""
    from .. import profiles

    n = ox.NamedNode
    res = n(iri)
    rdf_type = n(RDF_TYPE)
    out = [ox.Triple(res, rdf_type, n(ALTR + "Resource"))]
    for p in profiles.PROFILES.values():
        pn = n(p.iri)
        out += [ox.Triple(pn, rdf_type, n(PROF + "Profile")),
                ox.Triple(pn, n(PROF + "hasToken"), ox.Literal(p.token)),
                ox.Triple(pn, n(PROF + "isProfileOf"), n(p.profile_of))]
        out += [ox.Triple(pn, n(PREFIXES["rdfs"] + "label"), ox.Literal(v, language=k)) for k, v in p.label.items()]
        for mt in p.media_types:
            rep = n(_rep(iri_url, p.token, mt))
            out += [ox.Triple(res, n(ALTR + "hasRepresentation"), rep),
                    ox.Triple(rep, rdf_type, n(ALTR + "Representation")),
                    ox.Triple(rep, n(DCT + "conformsTo"), pn),
                    ox.Triple(rep, n(DCT + "format"), ox.Literal(mt))]
            if p.token == profiles.DEFAULT and mt == TURTLE:
                out.append(ox.Triple(res, n(ALTR + "hasDefaultRepresentation"), rep))
    return out


def alternates_rows(iri_url: str, lang: str) -> list[dict]:
    """``?_profile=alt`` for the HTML page: one row per profile × media type."""
    from .. import profiles

    return [{"token": p.token, "iri": p.iri, "label": p.label.get(lang) or p.label["en"], "media_type": mt,
             "href": _rep(iri_url, p.token, mt), "default": p.token == profiles.DEFAULT}
            for p in profiles.PROFILES.values() for mt in p.media_types]


# --- registers as data (UKGovLD registry-core's reg:Register) -------------------------------------

REG = "http://purl.org/linked-data/registry#"
HYDRA = "http://www.w3.org/ns/hydra/core#"


def register_triples(register: str, label: dict[str, str], members: Sequence[str], page: int, pages: int,
                     total: int, page_url) -> list[ox.Triple]:
    """One page of a listing as a ``reg:Register`` (``rdfs:member`` per member on the page, as
    registry-core lists a register's items) with Hydra paging: the page is a
    ``hydra:PartialCollectionView`` of the register (``hydra:first``/``last``/``next``/``previous``),
    ``hydra:totalItems`` the number of members. ``page_url(n)`` is the absolute URL of page ``n``."""
    n = ox.NamedNode
    reg, rdf_type = n(register), n(RDF_TYPE)
    view = n(page_url(page))
    out = [ox.Triple(reg, rdf_type, n(REG + "Register")), ox.Triple(reg, rdf_type, n(HYDRA + "Collection")),
           ox.Triple(reg, n(HYDRA + "totalItems"), ox.Literal(str(total), datatype=n(XSD + "integer"))),
           ox.Triple(reg, n(HYDRA + "view"), view), ox.Triple(view, rdf_type, n(HYDRA + "PartialCollectionView")),
           ox.Triple(view, n(HYDRA + "first"), n(page_url(1))), ox.Triple(view, n(HYDRA + "last"), n(page_url(pages)))]
    out += [ox.Triple(reg, n(PREFIXES["rdfs"] + "label"), ox.Literal(v, language=k)) for k, v in label.items()]
    if page > 1:
        out.append(ox.Triple(view, n(HYDRA + "previous"), n(page_url(page - 1))))
    if page < pages:
        out.append(ox.Triple(view, n(HYDRA + "next"), n(page_url(page + 1))))
    out += [ox.Triple(reg, n(PREFIXES["rdfs"] + "member"), n(m)) for m in members]
    return out
