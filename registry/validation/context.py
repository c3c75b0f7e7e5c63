"""The reference context a submission needs, and only that.

Validation cost must not grow with the registry: the data graph handed to
pyshacl is the submission plus the few triples its shapes look at on the IRIs
it references (their type, scheme, code, level order, hours per credit, the
standard of a functional area …) and the existing items that share a code with
a submitted unit or standard (for the uniqueness checks). Those triples come
from a :class:`~registry.store.RegistryStore` by a handful of SPARQL queries
bounded by the size of the submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import CB
from ..namespaces import RDF_TYPE_NODE as RDF_TYPE
from ..namespaces import SKOS_NS as SKOS
from ..rdfio import parse_file, rdf_files
from ..store import RegistryStore

NOTATION = ox.NamedNode(SKOS + "notation")

#: what the shapes read on a referenced IRI
HOP1_PREDICATES = (
    RDF_TYPE.value,
    SKOS + "inScheme",
    SKOS + "notation",
    str(CB.levelOrder),
    str(CB.hoursPerCredit),
    str(CB.minHoursPerCredit),
    str(CB.maxHoursPerCredit),
    str(CB.standard),
    "http://purl.org/linked-data/registry#status",  # transfer rules may not point at retired items
)
#: followed one step further (a functional area's standard, a level's framework)
HOP2_LINKS = (str(CB.standard), SKOS + "inScheme")
HOP2_PREDICATES = (RDF_TYPE.value, SKOS + "notation")
#: classes whose codes must be unique across the registry
UNIQUE_CODE_CLASSES = (str(CB.Unit), str(CB.CompetencyStandard), str(CB.Achievement), str(CB.Organisation),
                       str(CB.TransferRule), str(CB.Qualification))  # as shapes/build_shapes.py CODE_UNIQUE

#: largest VALUES block per query (keeps each query text small)
CHUNK = 500


def _chunks(seq: Sequence, n: int = CHUNK):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _describe(stores: Sequence[RegistryStore], subjects: Sequence[ox.NamedNode],
              predicates: Sequence[str]) -> set[ox.Triple]:
    out: set[ox.Triple] = set()
    if not subjects:
        return out
    # a FILTER, not a second VALUES block: with VALUES ?p Oxigraph may start from the predicate
    # (e.g. every rdf:type triple of the registry: ~290 ms at 100k units instead of ~1 ms)
    preds = ", ".join(f"<{p}>" for p in predicates)
    for chunk in _chunks(sorted(subjects, key=lambda n: n.value)):
        values = " ".join(str(s) for s in chunk)
        sparql = f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o FILTER (?p IN ({preds})) }}"
        for store in stores:
            for row in store.select(sparql):
                out.add(ox.Triple(row["s"], row["p"], row["o"]))
    return out


def _credit_values(stores: Sequence[RegistryStore], subjects: Sequence[ox.NamedNode]) -> set[ox.Triple]:
    """The credit (system and amount) of referenced units and courses: a transfer rule may not grant more."""
    out: set[ox.Triple] = set()
    cv, cs, ca = (ox.NamedNode(str(p)) for p in (CB.creditValue, CB.creditSystem, CB.creditAmount))
    for chunk in _chunks(sorted(subjects, key=lambda n: n.value)):
        values = " ".join(str(s) for s in chunk)
        sparql = (f"SELECT ?s ?sys ?amount WHERE {{ VALUES ?s {{ {values} }} "
                  f"?s {cv} ?v . ?v {cs} ?sys ; {ca} ?amount }}")
        for store in stores:
            for row in store.select(sparql):
                node = ox.BlankNode()  # a fresh node per credit value: no store-internal identifiers
                out |= {ox.Triple(row["s"], cv, node), ox.Triple(node, cs, row["sys"]), ox.Triple(node, ca, row["amount"])}
    return out


def context_triples(
    stores: Sequence[RegistryStore], submission: Iterable[ox.Triple]
) -> list[ox.Triple]:
    """The context triples ``submission`` needs, read from ``stores`` (SPARQL over their union graph)."""
    subjects: set = set()
    objects: set[ox.NamedNode] = set()
    codes: dict[str, set[ox.Literal]] = {c: set() for c in UNIQUE_CODE_CLASSES}
    typed: dict = {}
    notations: dict = {}
    for t in submission:
        subjects.add(t.subject)
        if isinstance(t.object, ox.NamedNode):
            objects.add(t.object)
        if t.predicate == RDF_TYPE and t.object.value in codes:
            typed.setdefault(t.subject, set()).add(t.object.value)
        elif t.predicate == NOTATION and isinstance(t.object, ox.Literal):
            notations.setdefault(t.subject, set()).add(t.object)
    for s, classes in typed.items():
        for c in classes:
            codes[c].update(notations.get(s, ()))

    referenced = [o for o in objects if o not in subjects]
    found = _describe(stores, referenced, HOP1_PREDICATES)
    found |= _credit_values(stores, referenced)
    done = set(referenced)
    hop2 = {t.object for t in found
            if t.predicate.value in HOP2_LINKS and isinstance(t.object, ox.NamedNode)
            and t.object not in subjects and t.object not in done}
    found |= _describe(stores, sorted(hop2, key=lambda n: n.value), HOP2_PREDICATES)

    for cls, lits in codes.items():
        for chunk in _chunks(sorted(lits, key=str)):
            values = " ".join(str(lit) for lit in chunk)
            sparql = (f"SELECT ?s ?code WHERE {{ VALUES ?code {{ {values} }} "
                      f"?s a <{cls}> ; <{NOTATION.value}> ?code }}")
            for store in stores:
                for row in store.select(sparql):
                    s = row["s"]
                    if s in subjects:
                        continue  # the submitted item itself (a new version of it)
                    found.add(ox.Triple(s, RDF_TYPE, ox.NamedNode(cls)))
                    found.add(ox.Triple(s, NOTATION, row["code"]))
    return sorted(found, key=str)


class ReferenceStore:
    """An in-memory pyoxigraph store of reference files with the ``select`` of :class:`RegistryStore`."""

    def __init__(self, graphs: dict[str, list[ox.Triple]]):
        self.oxigraph = ox.Store()
        self.oxigraph.bulk_extend(
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in graphs.items() for t in ts
        )
        self.files = list(graphs)

    def __len__(self) -> int:
        return len(self.oxigraph)

    def select(self, sparql: str, **_kw) -> list[dict[str, object]]:
        solutions = self.oxigraph.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def reference_store(paths: Iterable[str | Path]) -> ReferenceStore:
    """The RDF files under ``paths`` (folders searched recursively; missing paths skipped), one graph per file.

    Raises :class:`~registry.rdfio.RdfSyntaxError` when a file does not parse.
    """
    graphs: dict[str, list[ox.Triple]] = {}
    for f in rdf_files(paths, missing_ok=True):
        graphs[Path(f).resolve().as_uri()] = parse_file(f)
    return ReferenceStore(graphs)
