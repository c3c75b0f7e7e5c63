"""SPARQL dataset semantics at /sparql (issue 10, item 3), on every backend (embedded, Oxigraph server, Virtuoso).

SPARQL 1.1 Query §13.2 and Protocol §2.1.4: FROM/FROM NAMED in the query are honoured;
``default-graph-uri``/``named-graph-uri`` replace them; a part of the dataset left out is empty
(only ``named-graph-uri``: empty default graph); with no dataset anywhere the default graph is
the union of the item graphs. Relative IRIs resolve against the endpoint's own URL. An update
sent as a query is a malformed query (400) and nothing runs.
Expected counts come from the store's graphs, never hard-coded.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from test_sparql_protocol import FORMS, UNIT, send

SECTORS = "https://w3id.org/gdlecb/vocab/sector"
COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"
GRAPHS = "SELECT DISTINCT ?g {dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?g"


def rows(r, var):
    assert r.status_code == 200, r.text
    return [s[var].value for s in ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)]


def count(r) -> int:
    return int(rows(r, "n")[0])


@pytest.fixture(scope="module")
def sizes(endpoint_store):
    return {g: len(endpoint_store.graph_triples(g)) for g in (UNIT, SECTORS)}


def test_sizes_differ(sizes):
    assert 0 < sizes[UNIT] != sizes[SECTORS] > 0  # otherwise the tests below could not tell the graphs apart


@pytest.mark.parametrize("form", FORMS)
def test_from_is_the_default_graph_and_leaves_no_named_graphs(client, sizes, form):
    assert count(send(client, form, COUNT.format(dataset=f"FROM <{UNIT}>"))) == sizes[UNIT]
    both = f"FROM <{UNIT}>\nFROM <{SECTORS}>"
    assert count(send(client, form, COUNT.format(dataset=both))) == sizes[UNIT] + sizes[SECTORS]
    assert rows(send(client, form, GRAPHS.format(dataset=f"FROM <{UNIT}>")), "g") == []


def test_from_with_a_prefixed_name(client, sizes):
    q = "PREFIX u: <https://w3id.org/gdlecb/unit/>\n" + COUNT.format(dataset="FROM u:TST-UT-301")
    assert count(send(client, "get", q)) == sizes[UNIT]


@pytest.mark.parametrize("form", FORMS)
def test_from_named_gives_those_named_graphs_and_an_empty_default_graph(client, form):
    assert rows(send(client, form, GRAPHS.format(dataset=f"FROM NAMED <{UNIT}>")), "g") == [UNIT]
    assert count(send(client, form, COUNT.format(dataset=f"FROM NAMED <{UNIT}>"))) == 0


@pytest.mark.parametrize("form", FORMS)
def test_protocol_dataset_overrides_the_query_dataset(client, sizes, form):
    r = send(client, form, COUNT.format(dataset=f"FROM <{SECTORS}>"), params=[("default-graph-uri", UNIT)])
    assert count(r) == sizes[UNIT]
    r = send(client, form, GRAPHS.format(dataset=f"FROM NAMED <{SECTORS}>"), params=[("named-graph-uri", UNIT)])
    assert rows(r, "g") == [UNIT]


@pytest.mark.parametrize("form", FORMS)
def test_only_named_graph_uri_gives_an_empty_default_graph(client, form):
    assert count(send(client, form, COUNT.format(dataset=""), params=[("named-graph-uri", UNIT)])) == 0
    assert rows(send(client, form, GRAPHS.format(dataset=""), params=[("named-graph-uri", UNIT)]), "g") == [UNIT]
    # and it replaces a FROM of the query too
    r = send(client, form, COUNT.format(dataset=f"FROM <{SECTORS}>"), params=[("named-graph-uri", UNIT)])
    assert count(r) == 0


def test_only_default_graph_uri_gives_no_named_graphs(client, sizes):
    r = send(client, "get", GRAPHS.format(dataset=""), params=[("default-graph-uri", UNIT)])
    assert rows(r, "g") == []


def test_no_dataset_anywhere_is_the_union_with_every_item_graph_named(client, endpoint_store):
    total = sum(len(endpoint_store.graph_triples(g)) for g in endpoint_store.graph_names())
    assert count(send(client, "get", COUNT.format(dataset=""))) == total
    assert set(rows(send(client, "get", GRAPHS.format(dataset="")), "g")) == set(endpoint_store.graph_names())


def test_dataset_words_in_strings_comments_and_iris_are_not_clauses(client, endpoint_store):
    q = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "FROM <%s>") } # FROM <%s>' % (UNIT, UNIT)
    total = sum(len(endpoint_store.graph_triples(g)) for g in endpoint_store.graph_names())
    assert count(send(client, "get", q)) <= total
    assert count(send(client, "get", q)) > len(endpoint_store.graph_triples(UNIT))


def test_relative_iris_resolve_against_the_endpoint_url(endpoint_store):
    from conftest import make_client

    with make_client(endpoint_store, public_url="https://w3id.org/gdlecb") as c:
        r = send(c, "get", "SELECT ?x WHERE { BIND(<unit/TST-UT-301> AS ?x) }")
        assert rows(r, "x") == [UNIT]
        r = send(c, "get", "SELECT ?x WHERE { BIND(<> AS ?x) }")
        assert rows(r, "x") == ["https://w3id.org/gdlecb/sparql"]
        # the query's own BASE is itself resolved against the endpoint
        r = send(c, "get", "BASE <unit/>\nSELECT ?p WHERE { <TST-UT-301> ?p ?o } LIMIT 1")
        assert len(rows(r, "p")) == 1
        # and a relative FROM
        n = count(send(c, "post-form", COUNT.format(dataset="FROM <unit/TST-UT-301>")))
        assert n == len(endpoint_store.graph_triples(UNIT))


@pytest.mark.parametrize("form", FORMS)
def test_update_as_query_is_a_malformed_query(client, endpoint_store, form):
    before, gen = count(send(client, "get", COUNT.format(dataset=""))), endpoint_store.generation()
    r = send(client, form, f"INSERT DATA {{ GRAPH <{UNIT}> {{ <{UNIT}> <http://example.org/p> 1 }} }}")
    assert r.status_code == 400, r.text
    assert "Malformed query" in r.text and "read-only" in r.text
    assert count(send(client, "get", COUNT.format(dataset=""))) == before and endpoint_store.generation() == gen
