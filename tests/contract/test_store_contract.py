"""What every store backend must do the same way (embedded, Oxigraph server, Virtuoso).

Each test gets an empty store of one kind and compares what it answers with an
in-memory embedded store holding the same data.
"""

from __future__ import annotations

import io
import threading
import time

import pyoxigraph as ox
import pytest

from registry.loader import items_from_files, load_files, rdf_files
from registry.store import GraphWrite, StoreError

from .conftest import FIXTURE, VOCABULARIES, canonical, graph_quads, rows, store_dataset

pytestmark = pytest.mark.remote

U1 = "https://w3id.org/gdlecb/unit/CTR-AB-101"
U2 = "https://w3id.org/gdlecb/unit/CTR-AB-102"
CB = "https://w3id.org/gdlecb/def/"
P = ox.NamedNode("http://example.org/p")


def version_triples(n: int, version: str) -> list[ox.Triple]:
    s = ox.NamedNode("http://example.org/item")
    return [ox.Triple(s, P, ox.Literal(f"{version}-{i}")) for i in range(n)]


def test_load_files_fixture_and_vocabularies(store, reference):
    paths = [FIXTURE, VOCABULARIES] if VOCABULARIES.exists() else [FIXTURE]
    items = load_files(store, paths)
    load_files(reference, paths)
    assert U1 in items and U2 in items
    assert sorted(store.graph_names()) == sorted(items) == sorted(reference.graph_names())
    # every graph holds the same triples as on the embedded store (blank nodes up to renaming)
    assert store_dataset(store) == store_dataset(reference)
    # the outcome went into its unit's graph, and the unit's blank node with it
    assert any(t.subject.value.endswith("/outcome/1") for t in store.graph_triples(U2))
    assert any(isinstance(t.subject, ox.BlankNode) for t in store.graph_triples(U1))
    assert store.generation() >= 1


def test_replacing_an_item_replaces_its_whole_graph(store):
    load_files(store, [FIXTURE])
    before_u2 = canonical(graph_quads(store, U2))
    gen = store.generation()
    new = [ox.Triple(ox.NamedNode(U1), ox.NamedNode(CB + "notation"), ox.Literal("NEW"))]
    store.write(GraphWrite(replace={U1: new}))
    assert store.graph_triples(U1) == new
    assert canonical(graph_quads(store, U2)) == before_u2  # other items untouched
    assert store.generation() > gen
    assert not store.ask(f'ASK {{ <{U1}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}')


def test_dropping_and_replacing_in_one_write(store):
    load_files(store, [FIXTURE])
    store.write(GraphWrite(replace={"http://example.org/g3": version_triples(3, "a")}, drop=[U1]))
    assert sorted(store.graph_names()) == sorted([U2, "http://example.org/g3"])
    assert store.graph_triples(U1) == []
    assert len(store.graph_triples("http://example.org/g3")) == 3
    store.write(GraphWrite(replace={"http://example.org/g3": []}))
    assert "http://example.org/g3" not in store.graph_names()


def test_default_graph_is_the_union_of_the_item_graphs(store):
    load_files(store, [FIXTURE])
    a, b = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b")
    store.write(GraphWrite(replace={"http://example.org/g1": [ox.Triple(a, P, b)],
                                    "http://example.org/g2": [ox.Triple(b, P, ox.Literal("end"))]}))
    # a join across two graphs in the default graph
    got = store.select("SELECT ?o WHERE { <http://example.org/a> ?p ?x . ?x ?p ?o }")
    assert got == [{"o": ox.Literal("end")}]
    # the default graph holds exactly the registry's triples (no server-internal graphs)
    total = sum(len(store.graph_triples(g)) for g in store.graph_names())
    n = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert int(n.value) == total
    # and GRAPH ?g sees the item graphs by name
    graphs = {r["g"].value for r in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a <%sUnit> } }" % CB)}
    assert graphs == {U1, U2}
    # an explicit default graph restricts the query to it
    only = store.select("SELECT ?s WHERE { ?s a ?c FILTER(isIRI(?s)) }", default_graph=[U2])
    assert {r["s"].value for r in only} == {U2, U2 + "/outcome/1"}


QUERIES = [
    # (ORDER BY between literals of different languages is left open by SPARQL: Virtuoso and
    # Oxigraph differ, so the order here is by language tag)
    f"SELECT ?u ?l WHERE {{ ?u a <{CB}Unit> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} ORDER BY ?u LANG(?l)",
    f"SELECT ?u ?amount WHERE {{ ?u <{CB}creditValue> ?c . ?c <{CB}creditAmount> ?amount }} ORDER BY ?u",
    f"SELECT ?u ?c WHERE {{ ?u <{CB}creditValue> ?c }} ORDER BY ?u",
    f"SELECT ?level (COUNT(?u) AS ?n) (SUM(?a) AS ?credits) WHERE {{ ?u <{CB}level> ?level ; <{CB}creditValue>/<{CB}creditAmount> ?a }} GROUP BY ?level ORDER BY ?level",
    "SELECT ?s ?d WHERE { ?s <http://purl.org/dc/terms/issued> ?d }",
    f"SELECT ?u ?x WHERE {{ ?u a <{CB}Unit> OPTIONAL {{ ?u <{CB}learningOutcome> ?x }} }} ORDER BY ?u",
    f"SELECT ?s WHERE {{ ?s <{CB}competencyStatement> ?t FILTER(CONTAINS(?t, '引号')) }}",
]


@pytest.mark.parametrize("query", QUERIES)
def test_select_results_equal_the_embedded_store(store, reference, query):
    load_files(store, [FIXTURE])
    load_files(reference, [FIXTURE])
    got, want = store.query(query), reference.query(query)
    assert isinstance(got, ox.QuerySolutions)
    assert [v.value for v in got.variables] == [v.value for v in want.variables]
    assert rows(got) == rows(want)


def test_ask_and_construct_types_and_results(store, reference):
    load_files(store, [FIXTURE])
    load_files(reference, [FIXTURE])
    for q in (f"ASK {{ <{U1}> a <{CB}Unit> }}", f"ASK {{ <{U1}> a <{CB}Nothing> }}"):
        got = store.query(q)
        assert isinstance(got, ox.QueryBoolean)
        assert bool(got) == bool(reference.query(q))
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{U1}> {{ ?s ?p ?o }} }}"
    got = store.query(q)
    assert isinstance(got, ox.QueryTriples)
    dg = ox.DefaultGraph()
    assert canonical(ox.Quad(t.subject, t.predicate, t.object, dg) for t in got) == canonical(
        ox.Quad(t.subject, t.predicate, t.object, dg) for t in reference.query(q))
    described = store.query(f"DESCRIBE <{U2}>")
    assert isinstance(described, ox.QueryTriples)
    assert any(t.subject == ox.NamedNode(U2) for t in described)


@pytest.mark.parametrize("fmt", [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                 ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV])
def test_serialized_results_are_byte_identical_to_the_embedded_store(store, reference, fmt):
    load_files(store, [FIXTURE])
    load_files(reference, [FIXTURE])
    q = QUERIES[0]
    assert store.query_serialized(q, fmt) == reference.query_serialized(q, fmt)
    ask = f"ASK {{ <{U1}> ?p ?o }}"
    if fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML):
        assert store.query_serialized(ask, fmt) == reference.query_serialized(ask, fmt)


def test_serialized_construct(store, reference):
    load_files(store, [FIXTURE])
    load_files(reference, [FIXTURE])
    q = f"CONSTRUCT {{ ?u <{CB}label> ?l }} WHERE {{ ?u <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}"
    for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
        got = set(ox.parse(store.query_serialized(q, fmt), fmt))
        assert got == set(ox.parse(reference.query_serialized(q, fmt), fmt))
        assert len(got) == 6


def test_syntax_errors_raise_syntax_error_like_the_embedded_store(store, reference):
    for q in ("SELEC ?x WHERE { ?x ?y ?z }", "SELECT * WHERE { ?s ?p }"):
        with pytest.raises(SyntaxError) as got:
            store.query(q)
        with pytest.raises(SyntaxError) as want:
            reference.query(q)
        assert str(got.value) == str(want.value)


@pytest.mark.parametrize("fmt", [ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES])
def test_dump(store, reference, fmt):
    load_files(store, [FIXTURE])
    load_files(reference, [FIXTURE])
    got, want = io.BytesIO(), io.BytesIO()
    store.dump(got, fmt)
    reference.dump(want, fmt)
    parsed = list(ox.parse(got.getvalue(), fmt))
    expected = list(ox.parse(want.getvalue(), fmt))
    assert canonical(parsed) == canonical(expected)
    if fmt.supports_datasets:
        assert {q.graph_name.value for q in parsed} == {U1, U2}


def test_readers_never_see_half_an_item(store):
    """Readers querying during a stream of replacements see the old or the new graph, never a mix."""
    n, graph = 300, "http://example.org/atomic"
    store.write(GraphWrite(replace={graph: version_triples(n, "v0")}))
    q = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s <{P.value}> ?o }} }}"
    seen: list[tuple[int, frozenset]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                values = [r["o"].value for r in store.select(q)]
                seen.append((len(values), frozenset(v.split("-")[0] for v in values)))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(1, 9):
            store.write(GraphWrite(replace={graph: version_triples(n, f"v{i}")}))
            time.sleep(0.02)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    assert len(seen) >= 8
    bad = [s for s in seen if s[0] != n or len(s[1]) != 1]
    assert not bad, f"readers saw partial graphs: {bad[:5]}"
    assert {v for _, vs in seen for v in vs} > {"v0"} or len({v for _, vs in seen for v in vs}) > 1
    assert {t.object.value.split("-")[0] for t in store.graph_triples(graph)} == {"v8"}


def test_a_failed_update_request_changes_nothing(store):
    """A write that fails half-way leaves the store as it was.

    Embedded: a fault injected after the old graph was dropped. Remote: one update
    request whose last operation fails while running (a DROP of a missing graph).
    Virtuoso 7.2 commits each operation of a request as it goes (measured: no
    rollback on a run-time error), so there the earlier operations stay applied:
    the test pins that known difference (see docs/deployment.md) so that it is
    noticed if a server version changes it.
    """
    load_files(store, [FIXTURE])
    before = store_dataset(store)
    if store.kind == "embedded":
        def fail(step, n):
            if step == "before-commit":
                raise OSError("injected failure")
        store.fault_hook = fail
        with pytest.raises(StoreError):
            store.write(GraphWrite(replace={U1: version_triples(2, "half")}))
        store.fault_hook = None
        assert store_dataset(store) == before
        return
    ops = [f"DROP SILENT GRAPH <{U1}>",
           f"INSERT DATA {{ GRAPH <{U1}> {{ <{U1}> <{P.value}> \"half\" }} }}",
           "DROP GRAPH <http://example.org/this-graph-does-not-exist>"]  # not SILENT: fails at run time
    with pytest.raises(StoreError):
        store._update(" ;\n".join(ops), "test")
    if store.dialect == "virtuoso":
        assert [t.object.value for t in store.graph_triples(U1)] == ["half"]
    else:
        assert store_dataset(store) == before
