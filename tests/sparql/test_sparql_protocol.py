"""The SPARQL 1.1 Protocol at /sparql: request forms × result formats, dataset parameters, negotiation, errors.

Expected answers are computed from the store itself (``store.query``), never hard-coded.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

UNIT = "https://w3id.org/gdlecb/unit/TST-UT-301"
P = "PREFIX cb: <https://w3id.org/gdlecb/def/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"

SELECT_Q = P + "SELECT ?p ?o WHERE { <%s> ?p ?o } ORDER BY ?p ?o" % UNIT
ASK_Q = P + "ASK { <%s> a cb:Unit }" % UNIT
CONSTRUCT_Q = P + "CONSTRUCT { ?s ?p ?o } WHERE { <%s> cb:creditValue ?s . ?s ?p ?o }" % UNIT
CONSTRUCT_ALL_Q = "CONSTRUCT WHERE { <%s> ?p ?o }" % UNIT
DESCRIBE_Q = "DESCRIBE <%s>" % UNIT


def send(client, form: str, query: str, params: list[tuple[str, str]] = (), headers: dict | None = None):
    """Send ``query`` in one of the three protocol forms."""
    headers = dict(headers or {})
    if form == "get":
        return client.get("/sparql", params=[("query", query), *params], headers=headers)
    if form == "post-form":
        headers["content-type"] = "application/x-www-form-urlencoded"
        from urllib.parse import urlencode

        return client.post("/sparql", content=urlencode([("query", query), *params]).encode(), headers=headers)
    if form == "post-direct":
        headers["content-type"] = "application/sparql-query"
        return client.post("/sparql", params=list(params), content=query.encode("utf-8"), headers=headers)
    raise ValueError(form)


FORMS = ["get", "post-form", "post-direct"]

RESULT_FORMATS = [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ("text/csv", None),  # CSV loses term types: compared as strings
]
GRAPH_FORMATS = [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
]


def _term(t):
    # blank node labels are scoped to one result document (SPARQL 1.1 Results): compare them as "a blank node"
    return "_:" if isinstance(t, ox.BlankNode) else t


def expected_rows(store, query):
    sol = store.query(query)
    names = [v.value for v in sol.variables]
    return names, [tuple(_term(s[n]) for n in names) for s in sol]


def parse_rows(body: bytes, fmt):
    sol = ox.parse_query_results(body, fmt)
    names = [v.value for v in sol.variables]
    return names, [tuple(_term(s[n]) for n in names) for s in sol]


def canonical(triples) -> set:
    ds = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(ds)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("media,fmt", RESULT_FORMATS, ids=[m for m, _ in RESULT_FORMATS])
def test_select_every_form_and_format(client, endpoint_store, form, media, fmt):
    r = send(client, form, SELECT_Q, headers={"accept": media})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    names, rows = expected_rows(endpoint_store, SELECT_Q)
    assert len(rows) >= 10
    if fmt is not None:
        assert parse_rows(r.content, fmt) == (names, rows)
    else:
        got = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
        assert got[0] == names
        assert [tuple("_:" if x.startswith("_:") else x for x in r) for r in got[1:]] == \
            [tuple(t if t == "_:" else t.value for t in row) for row in rows]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("media,fmt", RESULT_FORMATS[:3], ids=[m for m, _ in RESULT_FORMATS[:3]])
@pytest.mark.parametrize("query,answer", [(ASK_Q, True), (ASK_Q.replace("cb:Unit", "cb:Nothing"), False)])
def test_ask_every_form_and_format(client, form, media, fmt, query, answer):
    r = send(client, form, query, headers={"accept": media})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert bool(ox.parse_query_results(r.content, fmt)) is answer


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("media,fmt", GRAPH_FORMATS, ids=[m for m, _ in GRAPH_FORMATS])
@pytest.mark.parametrize("query", [CONSTRUCT_Q, CONSTRUCT_ALL_Q, DESCRIBE_Q], ids=["construct", "construct-where", "describe"])
def test_graph_every_form_and_format(client, endpoint_store, form, media, fmt, query):
    r = send(client, form, query, headers={"accept": media})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    got = list(ox.parse(r.content, fmt))
    expected = list(endpoint_store.query(query))
    assert expected
    assert canonical(got) == canonical(expected)


def test_utf8_round_trip_in_query_and_results(client):
    q = P + 'SELECT ?u WHERE { ?u skos:prefLabel "数据可视化设计"@zh }'
    for form in FORMS:
        r = send(client, form, q)
        assert r.status_code == 200
        assert [s["u"].value for s in ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)] == [UNIT]
    r = send(client, "get", P + "SELECT ?r WHERE { <%s> cb:range ?r }" % UNIT, headers={"accept": "text/tab-separated-values"})
    assert "适用于“企业”数据分析岗位" in r.content.decode("utf-8")


# -- dataset: default-graph-uri / named-graph-uri -------------------------------------------------

@pytest.mark.parametrize("form", FORMS)
def test_default_graph_uri_restricts_the_default_graph(client, endpoint_store, form):
    unit_graph_size = len(endpoint_store.graph_triples(UNIT))
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    r = send(client, form, q, params=[("default-graph-uri", UNIT)])
    assert r.status_code == 200, r.text
    n = int(next(iter(ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)))["n"].value)
    assert n == unit_graph_size
    # repeated: the default graph is the merge of both
    other = "https://w3id.org/gdlecb/vocab/sector"
    r = send(client, form, q, params=[("default-graph-uri", UNIT), ("default-graph-uri", other)])
    n2 = int(next(iter(ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)))["n"].value)
    assert n2 == unit_graph_size + len(endpoint_store.graph_triples(other))


@pytest.mark.parametrize("form", FORMS)
def test_named_graph_uri_restricts_graph_patterns(client, form):
    sectors = "https://w3id.org/gdlecb/vocab/sector"
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    r = send(client, form, q, params=[("named-graph-uri", UNIT), ("named-graph-uri", sectors)])
    assert r.status_code == 200, r.text
    got = [s["g"].value for s in ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)]
    assert got == sorted([UNIT, sectors])


def test_without_dataset_parameters_the_default_graph_is_the_union(client, endpoint_store):
    r = send(client, "get", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    n = int(next(iter(ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)))["n"].value)
    total = sum(len(endpoint_store.graph_triples(g)) for g in endpoint_store.graph_names())
    assert n == total > 1000


# -- content negotiation ---------------------------------------------------------------------------

@pytest.mark.parametrize("accept,query,media", [
    (None, SELECT_Q, "application/sparql-results+json"),
    ("*/*", SELECT_Q, "application/sparql-results+json"),
    (None, CONSTRUCT_Q, "text/turtle"),
    ("*/*", CONSTRUCT_Q, "text/turtle"),
    ("text/csv;q=0.5, text/tab-separated-values", SELECT_Q, "text/tab-separated-values"),
    ("text/tab-separated-values;q=0.2, text/csv;q=0.9", SELECT_Q, "text/csv"),
    ("application/sparql-results+xml;q=0.9, */*;q=0.1", SELECT_Q, "application/sparql-results+xml"),
    ("application/n-triples;q=0.4, application/rdf+xml;q=0.8", CONSTRUCT_Q, "application/rdf+xml"),
    ("text/*", CONSTRUCT_Q, "text/turtle"),
    ("application/json", SELECT_Q, "application/sparql-results+json"),
    ("application/json", CONSTRUCT_Q, "application/ld+json"),
    ("text/turtle, application/sparql-results+json;q=0.9", ASK_Q, "application/sparql-results+json"),
    # a browser's Accept: the HTML result page (issue 10, item 7; tests/sparql/test_sparql_html.py)
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", SELECT_Q, "text/html"),
    ("application/xml;q=0.9,*/*;q=0.8", SELECT_Q, "application/sparql-results+xml"),
])
def test_accept_negotiation(client, accept, query, media):
    r = send(client, "get", query, headers={"accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize("fmt,query,media", [
    ("xml", SELECT_Q, "application/sparql-results+xml"),
    ("csv", SELECT_Q, "text/csv"),
    ("tsv", SELECT_Q, "text/tab-separated-values"),
    ("json", SELECT_Q, "application/sparql-results+json"),
    ("ttl", CONSTRUCT_Q, "text/turtle"),
    ("nt", CONSTRUCT_Q, "application/n-triples"),
    ("jsonld", CONSTRUCT_Q, "application/ld+json"),
    ("xml", CONSTRUCT_Q, "application/rdf+xml"),
    ("text/csv", SELECT_Q, "text/csv"),
])
def test_format_parameter_overrides_accept(client, fmt, query, media):
    for form in FORMS:
        r = send(client, form, query, params=[("format", fmt)], headers={"accept": "application/sparql-results+json, text/turtle"})
        assert r.status_code == 200, (form, r.text)
        assert r.headers["content-type"].split(";")[0] == media


def test_text_results_declare_utf8(client):
    r = send(client, "get", SELECT_Q, headers={"accept": "text/csv"})
    assert "charset=utf-8" in r.headers["content-type"]
    r = send(client, "get", CONSTRUCT_Q, headers={"accept": "text/turtle"})
    assert "charset=utf-8" in r.headers["content-type"]


# -- HEAD, CORS ------------------------------------------------------------------------------------

def test_head_gives_headers_without_body(client):
    full = client.get("/sparql", params={"query": SELECT_Q})
    r = client.head("/sparql", params={"query": SELECT_Q})
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-type"] == full.headers["content-type"]
    assert int(r.headers["content-length"]) == len(full.content)


def test_cors_on_get_post_and_errors(client):
    origin = {"origin": "https://example.org"}
    for r in (send(client, "get", ASK_Q, headers=origin), send(client, "post-form", ASK_Q, headers=origin),
              send(client, "post-direct", ASK_Q, headers=origin), send(client, "get", "SELEKT", headers=origin)):
        assert r.headers["access-control-allow-origin"] == "*"


def test_cors_preflight(client):
    r = client.options("/sparql", headers={"origin": "https://example.org", "access-control-request-method": "POST",
                                           "access-control-request-headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "content-type" in r.headers["access-control-allow-headers"].lower()


def test_trailing_slash_variant(client):
    r = client.get("/sparql/", params={"query": ASK_Q})
    assert r.status_code == 200
    assert bool(ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON))
