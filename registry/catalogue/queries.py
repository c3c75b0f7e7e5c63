"""Bulk SPARQL for the catalogue.

``load_site_data(store)`` indexes what every page needs (types, labels, statuses,
dates, unit/standard summaries, reverse links) from one scan of the dataset; item
pages then read their own named graph (live server: ``store.graph_triples``;
static build: the same scan keeps the triples, so the whole site costs one query).
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import CB, sparql_prefixes
from ..store import RegistryStore

from ..namespaces import DCT_NS as DCT, OWL_NS as OWL, RDF_TYPE, RDFS_NS as RDFS, REG_NS as REG, SH_NS as SH, SKOS_NS as SKOS  # noqa: E501,I001

C = str(CB)
#: classes the catalogue knows how to show (most specific first: the first match decides the page type)
PAGE_CLASSES = [
    C + "Unit", C + "CompetencyStandard", C + "FunctionalArea", C + "QualificationsFramework",
    C + "FrameworkLevel", C + "LevelDescriptor", C + "LevelMapping", C + "Organisation", C + "Achievement",
    C + "TransferRule", C + "LearningOutcome", C + "CreditValue", C + "Sector", C + "FieldOfStudy",
    C + "OutcomeType", C + "Dimension", C + "CreditSystem", C + "OrganisationRole",
    C + "Qualification", C + "QualificationComponent", C + "Occupation",
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
    # recognition and transfer (rules both ways, courses of qualifications) and occupations
    C + "fromUnit", C + "toComponent", C + "componentOf", C + "occupation",
]

P = sparql_prefixes()


def lit(term) -> tuple[str, str]:
    """``(text, language tag or "")`` of a literal."""
    return term.value, (term.language or "")


def _grouped(owner: dict[str, str], sort_key=None) -> dict[str, list[str]]:
    """``{group: sorted members}`` of a ``{member: group}`` mapping."""
    out: dict[str, list[str]] = defaultdict(list)
    for member, group in owner.items():
        out[group].append(member)
    for members in out.values():
        members.sort(key=sort_key)
    return out


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
    #: the triples of every named graph (static build only, see ``load_site_data(keep_graphs=True)``)
    graph_triples: dict[str, list] | None = None
    #: named graph -> the IRI subjects it describes (what an incremental update must re-index)
    graph_subjects: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set), repr=False)

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

    def areas_of_standard(self) -> dict[str, list[str]]:
        """standard -> its functional areas (sorted)."""
        return self._cached("areas_of_standard", self._areas_of_standard)

    def dated_graphs(self) -> list[tuple[str, str]]:
        """``(last changed, graph)`` of every dated named graph, ascending (the home page's "latest")."""
        return self._cached("dated_graphs", self._dated_graphs)

    def unit_sort_key(self, u: str) -> tuple[str, str]:
        """Order of units in per-area and per-level lists: by code, then IRI (stable under updates)."""
        return (self.notation.get(u, u), u)

    def _units_of_area(self) -> dict[str, list[str]]:
        return _grouped(self.unit_area, self.unit_sort_key)

    def _units_of_level(self) -> dict[str, list[str]]:
        return _grouped(self.unit_level, self.unit_sort_key)

    def _areas_of_standard(self) -> dict[str, list[str]]:
        return _grouped(self.area_standard)

    def _dated_graphs(self) -> list[tuple[str, str]]:
        out = []
        for g in self.graphs:
            d = self.last_changed(g)
            if d:
                out.append((d, g))
        out.sort()
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


ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


def load_site_data(store: RegistryStore, *, keep_graphs: bool = False) -> SiteData:
    """Index the facts every page needs from ONE scan of the public dataset.

    A single bulk query (all quads) is cheaper than a dozen selective ones on
    Oxigraph: each quad is dispatched on its predicate in Python. With
    ``keep_graphs`` the triples are also kept, grouped by named graph
    (``SiteData.graph_triples``), for the static build.
    """
    return index_quads(store.query(ALL_QUADS), generation=store.generation(), keep_graphs=keep_graphs)


def index_quads(quads, *, generation: int = 0, keep_graphs: bool = False) -> SiteData:
    """``load_site_data`` over any iterable of ``(graph, subject, predicate, object)`` terms
    (the incremental update of ``registry/catalogue/incremental.py`` indexes changed graphs with it)."""
    d = SiteData(generation=generation)
    page_classes = set(PAGE_CLASSES)
    use_preds = set(USE_PREDICATES) - {C + "level"}
    level_of: dict[str, str] = {}
    credit_node: dict[str, object] = {}
    amount: dict[object, str] = {}
    graphs: dict[str, list] = defaultdict(list)
    # millions of small objects and no cycles: the cyclic GC would rescan them again and again
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _scan(quads, d, keep_graphs, graphs, page_classes, use_preds, level_of, credit_node, amount)
    finally:
        if gc_was_enabled:
            gc.enable()
    if keep_graphs:
        d.graphs = set(graphs)
        d.graph_triples = graphs
    unit_cls = C + "Unit"
    for s_, lv in level_of.items():
        if unit_cls in d.types.get(s_, ()):
            d.unit_level[s_] = lv
        else:  # achievements and rules at a level (units at a level come from unit_level)
            d.used_by[lv].append((C + "level", s_))
            d.links[s_][C + "level"].append(lv)
    for u, node in credit_node.items():
        if node in amount and unit_cls in d.types.get(u, ()):
            d.unit_credit[u] = amount[node]
    # the scan order is the store's: sort what pages list so output is stable
    for v in d.used_by.values():
        v.sort()
    return d


def _scan(quads, d, keep_graphs, graphs, page_classes, use_preds, level_of, credit_node, amount) -> None:
    """The one pass over every quad (see ``load_site_data``)."""
    P_TYPE, P_PREF, P_RLABEL, P_NOTATION = RDF_TYPE, SKOS + "prefLabel", RDFS + "label", SKOS + "notation"
    P_ALT, P_HIDDEN = SKOS + "altLabel", SKOS + "hiddenLabel"
    P_STATUS, P_ISSUED, P_MODIFIED = REG + "status", DCT + "issued", DCT + "modified"
    P_REPLACED, P_VERSION, P_INSCHEME = DCT + "isReplacedBy", OWL + "versionInfo", SKOS + "inScheme"
    P_LEVELORDER, P_ORDER, P_LEVEL = C + "levelOrder", C + "order", C + "level"
    P_AREA, P_CREDIT, P_AMOUNT, P_STANDARD = C + "functionalArea", C + "creditValue", C + "creditAmount", C + "standard"
    Triple, NamedNode, Literal = ox.Triple, ox.NamedNode, ox.Literal
    graph_subjects = d.graph_subjects
    for g, s, p, o in quads:
        gv = g.value
        if keep_graphs:
            graphs[gv].append(Triple(s, p, o))
        else:
            d.graphs.add(gv)
        pv = p.value
        if not isinstance(s, NamedNode):
            if pv == P_AMOUNT:
                amount[s] = o.value
            continue
        sv = s.value
        graph_subjects[gv].add(sv)
        if pv == P_TYPE:
            if o.value in page_classes:
                d.types[sv].append(o.value)
        elif isinstance(o, Literal):
            if pv == P_PREF:
                d.labels[sv].append((o.value, o.language or ""))
            elif pv == P_NOTATION:
                if sv not in d.notation or o.value < d.notation[sv]:
                    d.notation[sv] = o.value
            elif pv == P_RLABEL:
                d.rdfs_labels[sv].append((o.value, o.language or ""))
            elif pv == P_ALT or pv == P_HIDDEN:
                d.other_labels[sv].append((o.value, o.language or "", "alt" if pv == P_ALT else "hidden"))
            elif pv == P_ISSUED:
                if o.value > d.issued.get(sv, ""):
                    d.issued[sv] = o.value
            elif pv == P_MODIFIED:
                if o.value > d.modified.get(sv, ""):
                    d.modified[sv] = o.value
            elif pv == P_VERSION:
                d.version[sv] = o.value
            elif pv == P_AMOUNT:
                amount[s] = o.value
            elif pv == P_LEVELORDER:
                d.level_order[sv] = _int(o.value)
            elif pv == P_ORDER:
                d.area_order[sv] = _int(o.value)
        else:
            ov = o.value
            if pv == P_STATUS:
                d.status[sv] = ov
            elif pv == P_LEVEL:
                level_of[sv] = ov
            elif pv == P_AREA:
                d.unit_area[sv] = ov
            elif pv == P_CREDIT:
                credit_node[sv] = o
            elif pv == P_STANDARD:
                d.area_standard[sv] = ov
            elif pv == P_INSCHEME:
                d.in_scheme.setdefault(sv, ov)
            elif pv == P_REPLACED:
                d.successor[sv] = ov
            elif pv in use_preds and isinstance(o, NamedNode):
                d.used_by[ov].append((pv, sv))
                d.links[sv][pv].append(ov)


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
