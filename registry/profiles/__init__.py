"""Profiles (W3C "Content Negotiation by Profile"): other models' views of the registry's ``cb:`` data.

The web layer calls this package; it has no routes of its own. A profile is a :class:`Profile`
(token, IRI, labels, media types) with a build function; the same profiles are described as data in
``vocabularies/profiles.ttl`` (``prof:Profile`` with ``prof:hasToken``), which a test keeps in step.

* ``view(token, triples, reference=…)`` — the view of one item's triples (``cb`` is the identity);
* ``reference_triples(store, triples)`` — the triples of other items a view needs (levels, code lists,
  the units of a standard…), gathered from an embedded store;
* ``view_dump(token, store)`` — the view of the whole registry as Turtle (gzip optional), for
  ``/dumps/registry-{token}.ttl.gz``;
* ``registry.profiles.ctdl.ctdl_jsonld`` — the CTDL view as JSON-LD with CTDL's context;
* ``registry.profiles.jsonld`` — expanded / compacted / flattened JSON-LD of any triples.

The views are SPARQL CONSTRUCT queries (``queries.py``) run with pyoxigraph on an in-memory store;
docs/profiles.md has the mapping tables and their sources.
"""

from __future__ import annotations

import gzip as _gzip
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import Kind, RegistryError
from ..namespaces import BASE
from . import queries

PROFILE_BASE = BASE + "vocab/profile/"
PROFILE_SCHEME = BASE + "vocab/profile"
RDF_MEDIA_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples")


@dataclass(frozen=True)
class Profile:
    token: str
    iri: str
    label: dict[str, str]
    media_types: tuple[str, ...]
    profile_of: str  # the specification the view conforms to (prof:isProfileOf)
    queries: tuple[str, ...] = field(default=(), repr=False)

    def build(self, triples: Iterable[ox.Triple], reference: Iterable[ox.Triple] = ()) -> list[ox.Triple]:
        if not self.queries:  # identity
            return list(dict.fromkeys(_triple(t) for t in triples))
        return _construct(self.queries, triples, reference)


PROFILES: dict[str, Profile] = {
    p.token: p
    for p in (
        Profile("cb", PROFILE_BASE + "cb", {"zh": "学分银行注册库模型", "en": "Credit-bank registry model"},
                ("text/html",) + RDF_MEDIA_TYPES, BASE + "def"),
        Profile("skos", PROFILE_BASE + "skos", {"zh": "SKOS 概念体系视图", "en": "SKOS concept scheme view"},
                RDF_MEDIA_TYPES, "http://www.w3.org/2004/02/skos/core", tuple(queries.SKOS)),
        Profile("elm", PROFILE_BASE + "elm", {"zh": "欧洲学习模型（ELM 3）视图", "en": "European Learning Model (ELM 3) view"},
                RDF_MEDIA_TYPES, "http://data.europa.eu/snb/model/elm", tuple(queries.ELM)),
        Profile("ctdl", PROFILE_BASE + "ctdl", {"zh": "CTDL / CTDL-ASN 视图", "en": "CTDL / CTDL-ASN view"},
                ("application/ld+json", "text/turtle", "application/n-triples"), "https://purl.org/ctdl/terms/",
                tuple(queries.CTDL)),
    )
}
DEFAULT = "cb"


def unknown_profile(token: str, kind: str = Kind.NOT_ACCEPTABLE) -> RegistryError:
    """The refusal of an unknown profile: 406 for ``Accept-Profile``; pass ``Kind.BAD_REQUEST`` for ``?_profile``."""
    offered = ", ".join(PROFILES)
    return RegistryError(
        f"未知的配置文件（profile）“{token}”；可用：{offered}。",
        f"Unknown profile '{token}'; offered: {offered}.",
        kind=kind, profile=token, offered=list(PROFILES),
    )


def get(token_or_iri: str, *, kind: str = Kind.NOT_ACCEPTABLE) -> Profile:
    """The profile with this token or IRI; a :class:`RegistryError` of ``kind`` otherwise."""
    p = PROFILES.get(token_or_iri)
    if p is None:
        p = next((q for q in PROFILES.values() if q.iri == token_or_iri), None)
    if p is None:
        raise unknown_profile(token_or_iri, kind)
    return p


def view(profile_token: str, triples: Iterable[ox.Triple], *, base_iri: str = BASE,
         reference: Iterable[ox.Triple] = ()) -> list[ox.Triple]:
    """The ``profile_token`` view of an item's ``triples`` (``reference``: what else it links to).

    ``base_iri`` is the registry's base IRI; IRIs the views mint (``#identifier``, ``#credit-…``) are
    fragments of the item IRIs, so they follow whatever base the data uses.
    """
    del base_iri  # the queries only derive IRIs from the data's own IRIs
    return get(profile_token).build(triples, reference)


def view_dump(profile, store: ox.Store | Iterable[ox.Triple], *, gzip: bool = False) -> bytes:
    """The view of the whole registry (every item graph of ``store``) as Turtle; gzip-compressed if asked."""
    p = profile if isinstance(profile, Profile) else get(profile)
    triples = _all_triples(store)
    out = p.build(triples) if p.queries else triples
    data = ox.serialize(out, format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
    return _gzip.compress(data, mtime=0) if gzip else data


# --------------------------------------------------------------------------------------------------
# reference triples
# --------------------------------------------------------------------------------------------------

_CB = "https://w3id.org/gdlecb/def/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
# followed from what an item links to (forward), to depth FOLLOW_DEPTH
FOLLOW = frozenset(ox.NamedNode(p) for p in (
    _SKOS + "prefLabel", _SKOS + "notation", _SKOS + "inScheme", _SKOS + "exactMatch", _SKOS + "closeMatch",
    _CB + "standard", _CB + "fieldOfStudy", _CB + "descriptor", _CB + "descriptorText", _CB + "dimension",
    _CB + "functionalArea", _CB + "level", _CB + "creditSystem", _CB + "creditAmount",
))
FOLLOW_DEPTH = 4
_STANDARD = ox.NamedNode(_CB + "standard")
_AREA = ox.NamedNode(_CB + "functionalArea")
_REQUIREMENT_LINKS = tuple(ox.NamedNode(_CB + p) for p in ("requirement", "part", "requiredUnit", "option", "fromStandard"))


def reference_triples(store: ox.Store | Callable[[ox.NamedNode | ox.BlankNode], Iterable[ox.Triple]],
                      triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The triples of other items that the views of ``triples`` need, from ``store``.

    ``store`` is an embedded :class:`pyoxigraph.Store` (all named graphs are searched) or a function
    giving the triples of one subject. Followed: the labels, notations, schemes and matches of what
    the item links to (a level's EQF match, a field's official ISCED-F IRI, a credit system's ELM
    IRI, a level's descriptors), a qualification's requirement tree with the standards of its units,
    and the units of a standard with their outcomes.
    """
    describe = store if callable(store) else _describer(store)
    item = [_triple(t) for t in triples]
    own = {t.subject for t in item}
    out: dict[ox.Triple, None] = {}
    seen: set = set()

    def visit(node, depth: int, preds) -> None:
        if depth <= 0 or node in seen or isinstance(node, ox.Literal):
            return
        seen.add(node)
        for t in describe(node):
            if preds is None or t.predicate in preds:
                out[t] = None
                visit(t.object, depth - 1, FOLLOW)

    for t in item:
        if isinstance(t.object, ox.NamedNode) and t.object not in own:
            visit(t.object, FOLLOW_DEPTH, None if t.predicate in _REQUIREMENT_LINKS else FOLLOW)
        if t.predicate in _REQUIREMENT_LINKS:
            for u in _requirement_targets(describe, t.object):
                visit(u, FOLLOW_DEPTH, None)
    # the units of a standard (and their outcomes and levels)
    if callable(store):
        return list(out)
    for s in own:
        for area in (q.subject for q in store.quads_for_pattern(None, _STANDARD, s, None)):
            for unit in {q.subject for q in store.quads_for_pattern(None, _AREA, area, None)}:
                for t in describe(unit):
                    out[t] = None
                    if t.predicate != _AREA:
                        visit(t.object, FOLLOW_DEPTH, None if str(t.predicate) == _CB + "learningOutcome" else FOLLOW)
    return [t for t in out if t not in set(item)]


def _requirement_targets(describe, node):
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n in seen or isinstance(n, ox.Literal):
            continue
        seen.add(n)
        yield n
        for t in describe(n):
            if t.predicate in _REQUIREMENT_LINKS:
                stack.append(t.object)


def _describer(store: ox.Store):
    def describe(node):
        return [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(node, None, None, None)]
    return describe


# --------------------------------------------------------------------------------------------------

TURTLE_PREFIXES = {
    "cb": _CB, "skos": _SKOS, "dcterms": "http://purl.org/dc/terms/", "adms": "http://www.w3.org/ns/adms#",
    "elm": "http://data.europa.eu/snb/model/elm/", "ceterms": "https://purl.org/ctdl/terms/",
    "ceasn": "https://purl.org/ctdlasn/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
_ITEM = ox.NamedNode(queries.ITEM_GRAPH)
_REF = ox.NamedNode("urn:x-gdlecb:profile-reference")


def _triple(t) -> ox.Triple:
    return t if type(t) is ox.Triple else ox.Triple(t.subject, t.predicate, t.object)


def _all_triples(store) -> list[ox.Triple]:
    if isinstance(store, ox.Store):
        return list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in store))
    return [_triple(t) for t in store]


def _construct(qs: Iterable[str], triples: Iterable[ox.Triple], reference: Iterable[ox.Triple]) -> list[ox.Triple]:
    mem = ox.Store()
    mem.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, _ITEM) for t in triples)
    mem.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, _REF) for t in reference)
    out: dict[ox.Triple, None] = {}
    for q in qs:
        for t in mem.query(q, use_default_graph_as_union=True):
            out[t] = None
    return list(out)
