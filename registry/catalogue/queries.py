"""Bulk SPARQL for the catalogue: a handful of queries answer every page of a type.

``load_site_data(store)`` runs the queries that every page needs (types, labels,
statuses, dates, unit/standard summaries, reverse links) once; item pages then
read their own named graph (live server: ``store.graph_triples``; static build:
``graphs_of_class`` — one query per page type, not one per page).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import CB, sparql_prefixes
from ..store import RegistryStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
DCT = "http://purl.org/dc/terms/"
REG = "http://purl.org/linked-data/registry#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

C = str(CB)
#: classes the catalogue knows how to show (most specific first: the first match decides the page type)
PAGE_CLASSES = [
    C + "Unit", C + "CompetencyStandard", C + "FunctionalArea", C + "QualificationsFramework",
    C + "FrameworkLevel", C + "LevelDescriptor", C + "LevelMapping", C + "Organisation", C + "Achievement",
    C + "TransferRule", C + "LearningOutcome", C + "CreditValue", C + "Sector", C + "FieldOfStudy",
    C + "OutcomeType", C + "Dimension", C + "CreditSystem", C + "OrganisationRole",
    SH + "NodeShape", SH + "PropertyShape", OWL + "Ontology", OWL + "Class", OWL + "ObjectProperty",
    OWL + "DatatypeProperty", OWL + "AnnotationProperty", RDFS + "Class", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    SKOS + "ConceptScheme", SKOS + "Concept", SKOS + "OrderedCollection", SKOS + "Collection",
]
CLASS_RANK = {c: i for i, c in enumerate(PAGE_CLASSES)}

#: predicates whose objects list "what uses them" on the object's page
USE_PREDICATES = [
    C + "sector", C + "fieldOfStudy", C + "applicableOutcomeType", C + "outcomeType", C + "awardingBody",
    C + "developer", C + "organisationRole", C + "recognitionBody", C + "fromAchievement", C + "toUnit",
    C + "framework", DCT + "publisher", C + "level",
]

P = sparql_prefixes()


def lit(term) -> tuple[str, str]:
    """``(text, language tag or "")`` of a literal."""
    return term.value, (term.language or "")


@dataclass
class SiteData:
    """What every page needs, from one bulk query each (rebuilt when the store generation changes)."""

    generation: int = 0
    built_at: float = field(default_factory=time.time)
    graphs: set[str] = field(default_factory=set)
    types: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    rdfs_labels: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    other_labels: dict[str, list[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(list))
    notation: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    issued: dict[str, str] = field(default_factory=dict)
    modified: dict[str, str] = field(default_factory=dict)
    successor: dict[str, str] = field(default_factory=dict)
    version: dict[str, str] = field(default_factory=dict)
    in_scheme: dict[str, str] = field(default_factory=dict)
    level_order: dict[str, int] = field(default_factory=dict)
    # units: unit -> (level, area, credit amount)
    unit_level: dict[str, str] = field(default_factory=dict)
    unit_area: dict[str, str] = field(default_factory=dict)
    unit_credit: dict[str, str] = field(default_factory=dict)
    area_standard: dict[str, str] = field(default_factory=dict)
    area_order: dict[str, int] = field(default_factory=dict)
    # reverse links: object -> [(predicate, subject)]
    used_by: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    # forward links of the same predicates: subject -> predicate -> [objects]
    links: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    _memo: dict = field(default_factory=dict, repr=False)

    def _cached(self, key, fn):
        v = self._memo.get(key)
        if v is None:
            v = self._memo[key] = fn()
        return v

    # --- derived -------------------------------------------------------------
    def page_type(self, iri: str) -> str | None:
        ts = self.types.get(iri)
        if not ts:
            return None
        return min(ts, key=lambda t: CLASS_RANK.get(t, 999))

    def label_values(self, iri: str) -> list[tuple[str, str]]:
        return self.labels.get(iri) or self.rdfs_labels.get(iri) or []

    def units_of_area(self) -> dict[str, list[str]]:
        return self._cached("units_of_area", self._units_of_area)

    def units_of_level(self) -> dict[str, list[str]]:
        return self._cached("units_of_level", self._units_of_level)

    def standard_levels(self) -> dict[str, set[str]]:
        return self._cached("standard_levels", self._standard_levels)

    def of_type(self, cls: str) -> list[str]:
        return self._cached(("of_type", cls), lambda: sorted(s for s, ts in self.types.items() if cls in ts))

    def _units_of_area(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for u, a in self.unit_area.items():
            out[a].append(u)
        for v in out.values():
            v.sort(key=lambda u: self.notation.get(u, u))
        return out

    def _units_of_level(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for u, lv in self.unit_level.items():
            out[lv].append(u)
        for v in out.values():
            v.sort(key=lambda u: self.notation.get(u, u))
        return out

    def unit_standard(self, unit: str) -> str | None:
        a = self.unit_area.get(unit)
        return self.area_standard.get(a) if a else None

    def _standard_levels(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for u, lv in self.unit_level.items():
            s = self.unit_standard(u)
            if s:
                out[s].add(lv)
        return out

    def last_changed(self, iri: str) -> str | None:
        return self.modified.get(iri) or self.issued.get(iri)


def _rows(store: RegistryStore, sparql: str) -> Iterator:
    return iter(store.query(P + sparql))


def load_site_data(store: RegistryStore) -> SiteData:
    """Run the catalogue's bulk queries (one per kind of fact) and index the answers."""
    d = SiteData(generation=store.generation())
    d.graphs = set(store.graph_names())
    classes = " ".join(f"<{c}>" for c in PAGE_CLASSES)
    for s in _rows(store, f"SELECT ?s ?t WHERE {{ VALUES ?t {{ {classes} }} ?s a ?t . FILTER(isIRI(?s)) }}"):
        d.types[s[0].value].append(s[1].value)

    for s, p, o in _rows(store, """SELECT ?s ?p ?o WHERE {
          VALUES ?p { skos:prefLabel rdfs:label skos:altLabel skos:hiddenLabel skos:notation }
          ?s ?p ?o . FILTER(isIRI(?s) && isLiteral(?o)) }"""):
        pv = p.value
        si = s.value
        if pv == SKOS + "prefLabel":
            d.labels[si].append(lit(o))
        elif pv == RDFS + "label":
            d.rdfs_labels[si].append(lit(o))
        elif pv == SKOS + "notation":
            if si not in d.notation or o.value < d.notation[si]:
                d.notation[si] = o.value
        else:
            d.other_labels[si].append((o.value, o.language or "", "alt" if pv == SKOS + "altLabel" else "hidden"))

    for row in _rows(store, """SELECT ?s ?p ?o WHERE {
          VALUES ?p { reg:status dcterms:issued dcterms:modified dcterms:isReplacedBy owl:versionInfo
                      skos:inScheme cb:levelOrder cb:order }
          ?s ?p ?o . FILTER(isIRI(?s)) }"""):
        s, p, o = row[0].value, row[1].value, row[2]
        if p == REG + "status":
            d.status[s] = o.value
        elif p == DCT + "issued":
            if o.value > d.issued.get(s, ""):
                d.issued[s] = o.value
        elif p == DCT + "modified":
            if o.value > d.modified.get(s, ""):
                d.modified[s] = o.value
        elif p == DCT + "isReplacedBy":
            d.successor[s] = o.value
        elif p == OWL + "versionInfo":
            d.version[s] = o.value
        elif p == SKOS + "inScheme":
            d.in_scheme.setdefault(s, o.value)
        elif p == C + "levelOrder":
            d.level_order[s] = _int(o.value)
        elif p == C + "order":
            d.area_order[s] = _int(o.value)

    for row in _rows(store, """SELECT ?u ?level ?area ?credit WHERE {
          ?u a cb:Unit .
          OPTIONAL { ?u cb:level ?level }
          OPTIONAL { ?u cb:functionalArea ?area }
          OPTIONAL { ?u cb:creditValue/cb:creditAmount ?credit } }"""):
        u = row[0].value
        if row[1] is not None:
            d.unit_level[u] = row[1].value
        if row[2] is not None:
            d.unit_area[u] = row[2].value
        if row[3] is not None:
            d.unit_credit[u] = row[3].value
    for row in _rows(store, "SELECT ?a ?s WHERE { ?a cb:standard ?s }"):
        d.area_standard[row[0].value] = row[1].value

    preds = " ".join(f"<{p}>" for p in USE_PREDICATES if p != C + "level")
    for s, p, o in _rows(store, f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {preds} }} ?s ?p ?o .
          FILTER(isIRI(?s) && isIRI(?o)) }}"""):
        d.used_by[o.value].append((p.value, s.value))
        d.links[s.value][p.value].append(o.value)
    # achievements and rules at a level (units at a level come from unit_level)
    for s, o in _rows(store, """SELECT ?s ?o WHERE { ?s cb:level ?o . FILTER NOT EXISTS { ?s a cb:Unit } }"""):
        d.used_by[o.value].append((C + "level", s.value))
        d.links[s.value][C + "level"].append(o.value)
    return d


def _int(v: str) -> int:
    try:
        return int(v)
    except ValueError:
        return 0


def graphs_of_class(store: RegistryStore, cls: str) -> dict[str, list[ox.Triple]]:
    """All triples of every item graph whose item is a ``cls``, grouped by graph (ONE query)."""
    out: dict[str, list[ox.Triple]] = defaultdict(list)
    for g, s, p, o in _rows(store, f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?g a <{cls}> . }} GRAPH ?g {{ ?s ?p ?o }} }}"):
        out[g.value].append(ox.Triple(s, p, o))
    return out


def graph_of(store: RegistryStore, iri: str) -> str | None:
    """The named graph that describes ``iri`` (the item graph holding it as a subject)."""
    rows = list(store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} LIMIT 1"))
    return rows[0][0].value if rows else None
