"""RDF helpers of the workflow: parsing submissions, the registry-managed triples,
version metadata, N-Triples snapshots and graph comparison."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

from ..namespaces import DCT_NS as DCT, OWL_NS as OWL, PROV_NS as PROV, REG, SKOS_NS as SKOS, XSD_NS as XSD  # noqa: I001
from ..namespaces import RDF_TYPE_NODE as RDF_TYPE

P_STATUS = ox.NamedNode(str(REG.status))
P_VERSION_INFO = ox.NamedNode(OWL + "versionInfo")
P_HAS_VERSION = ox.NamedNode(DCT + "hasVersion")
P_IS_VERSION_OF = ox.NamedNode(DCT + "isVersionOf")
P_REPLACED_BY = ox.NamedNode(DCT + "isReplacedBy")
P_REVISION_OF = ox.NamedNode(PROV + "wasRevisionOf")
P_GENERATED_AT = ox.NamedNode(PROV + "generatedAtTime")
P_ATTRIBUTED = ox.NamedNode(PROV + "wasAttributedTo")
P_NOTATION = ox.NamedNode(SKOS + "notation")
PROV_ENTITY = ox.NamedNode(PROV + "Entity")

STATUSES = {
    "submitted": str(REG.statusSubmitted),
    "experimental": str(REG.statusExperimental),
    "stable": str(REG.statusStable),
    "superseded": str(REG.statusSuperseded),
    "retired": str(REG.statusRetired),
    "invalid": str(REG.statusInvalid),
    "reserved": str(REG.statusReserved),
}
STATUS_NAMES = {v: k for k, v in STATUSES.items()}

#: properties of an item root that the registry manages (authors' values are replaced).
#: owl:versionInfo on the item stays the author's (e.g. a standard's edition "1.0"); the
#: registry's version numbers are on the version resources {item}/v/{n}.
MANAGED_PREDICATES = frozenset({P_STATUS, P_HAS_VERSION, P_REPLACED_BY})

MEDIA_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


def version_iri(item: str, n: int) -> str:
    return f"{item}/v/{n}"


def is_version_node(item: str, term) -> bool:
    return isinstance(term, ox.NamedNode) and re.fullmatch(re.escape(item) + r"/v/\d+", term.value) is not None


def rename_blank_nodes(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Fresh blank nodes for one submission (authors' ``_:b1`` labels would collide across items)."""
    fresh: dict = {}

    def f(t):
        if isinstance(t, ox.BlankNode):
            if t not in fresh:
                fresh[t] = ox.BlankNode()
            return fresh[t]
        return t

    return [ox.Triple(f(t.subject), t.predicate, f(t.object)) for t in triples]


def content_of(item: str, triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The authored content of an item graph: without the registry-managed triples."""
    root = ox.NamedNode(item)
    out = []
    for t in triples:
        if t.subject == root and t.predicate in MANAGED_PREDICATES:
            continue
        if is_version_node(item, t.subject):
            continue
        out.append(t)
    return out


def status_of(item: str, triples: Iterable[ox.Triple]) -> str | None:
    root = ox.NamedNode(item)
    for t in triples:
        if t.subject == root and t.predicate == P_STATUS:
            return t.object.value
    return None


def with_status(item: str, content: Sequence[ox.Triple], status_iri: str) -> list[ox.Triple]:
    return [*content, ox.Triple(ox.NamedNode(item), P_STATUS, ox.NamedNode(status_iri))]


def version_metadata(item: str, versions: Sequence[dict]) -> list[ox.Triple]:
    """Triples describing the versions of ``item`` (``versions``: dicts n, time, attributed; ascending)."""
    root = ox.NamedNode(item)
    out: list[ox.Triple] = []
    for v in versions:
        node = ox.NamedNode(version_iri(item, v["n"]))
        out += [
            ox.Triple(root, P_HAS_VERSION, node),
            ox.Triple(node, RDF_TYPE, PROV_ENTITY),
            ox.Triple(node, P_IS_VERSION_OF, root),
            ox.Triple(node, P_VERSION_INFO, ox.Literal(str(v["n"]))),
            ox.Triple(node, P_GENERATED_AT, ox.Literal(v["time"], datatype=ox.NamedNode(XSD + "dateTime"))),
        ]
        if v["n"] > 1:
            out.append(ox.Triple(node, P_REVISION_OF, ox.NamedNode(version_iri(item, v["n"] - 1))))
        if v.get("attributed"):
            out.append(ox.Triple(node, P_ATTRIBUTED, ox.NamedNode(v["attributed"])))
    return out


def to_ntriples(triples: Sequence[ox.Triple]) -> str:
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def from_ntriples(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


def to_rdflib(triples: Sequence[ox.Triple]) -> Graph:
    g = Graph()
    if triples:
        g.parse(data=to_ntriples(triples), format="nt")
    return g


def by_value(triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """Triples with literals in canonical form, as an Oxigraph store returns them ("2.0"^^xsd:decimal → "2")."""
    s = ox.Store()
    s.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return [q.triple for q in s]


def same_graph(a: Sequence[ox.Triple], b: Sequence[ox.Triple]) -> bool:
    """Graph isomorphism (blank nodes compared by structure, literals by value)."""
    a, b = by_value(a), by_value(b)
    if len(a) != len(b):
        return False
    if set(a) == set(b):
        return True
    return isomorphic(to_rdflib(a), to_rdflib(b))


def canonical(triples: Sequence[ox.Triple]):
    return to_isomorphic(to_rdflib(triples))


def serialize(triples: Sequence[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """Triples in ``fmt`` with our prefixes (Turtle) or plain (other formats)."""
    from ..namespaces import PREFIXES

    order: dict = {}
    for t in triples:
        order.setdefault(t.subject, len(order))
    triples = sorted(triples, key=lambda t: order[t.subject])  # each subject's triples together
    if fmt == ox.RdfFormat.TURTLE:
        used = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
                if isinstance(term, ox.NamedNode)}
        used |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
        prefixes = {p: ns for p, ns in PREFIXES.items() if any(u.startswith(ns) for u in used)}
        return ox.serialize(list(triples), format=fmt, prefixes=prefixes)
    return ox.serialize(list(triples), format=fmt)
