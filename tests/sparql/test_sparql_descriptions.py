"""GET /sparql without a query (HTML page, service description), /.well-known/void and the dumps."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest

from registry.sparql.examples import EXAMPLES
from test_sparql_protocol import send

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def graph(body: bytes, fmt=ox.RdfFormat.TURTLE) -> ox.Store:
    s = ox.Store()
    s.load(body, fmt)
    return s


def objects(store: ox.Store, s, p: str) -> list:
    return [q.object for q in store.quads_for_pattern(s, ox.NamedNode(p), None)]


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
                                        ("application/rdf+xml", ox.RdfFormat.RDF_XML), ("*/*", ox.RdfFormat.TURTLE),
                                        (None, ox.RdfFormat.TURTLE)])
def test_service_description_for_rdf_accept(client, accept, fmt):
    r = client.get("/sparql", headers={"accept": accept} if accept else {})
    assert r.status_code == 200
    g = graph(r.content, fmt)
    svc = ox.NamedNode("http://testserver/sparql")
    assert ox.NamedNode(SD + "Service") in objects(g, svc, RDF_TYPE.value)
    assert objects(g, svc, SD + "endpoint") == [svc]
    assert ox.NamedNode(SD + "SPARQL11Query") in objects(g, svc, SD + "supportedLanguage")
    assert ox.NamedNode(SD + "UnionDefaultGraph") in objects(g, svc, SD + "feature")
    assert ox.NamedNode(SD + "BasicFederatedQuery") not in objects(g, svc, SD + "feature")  # SERVICE is off
    formats = {o.value.rsplit("/", 1)[1] for o in objects(g, svc, SD + "resultFormat")}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "N-Triples", "JSON-LD", "RDF_XML"} <= formats
    assert objects(g, svc, SD + "defaultDataset")


def test_html_query_page_for_browsers(client):
    r = client.get("/sparql", headers={"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    # the no-JS fallback form (the YASGUI editor page: tests/sparql/test_sparql_html.py)
    assert "<textarea" in html and 'action="/sparql"' in html
    for ex in EXAMPLES:  # one language per page (issue 10, item 4): zh by default, en by ?lang=en
        assert ex["zh"] in html
    en = client.get("/sparql", params={"lang": "en"}, headers={"accept": "text/html"}).text
    for ex in EXAMPLES:
        assert ex["en"] in en
    # example queries are embedded escaped (they contain < and >)
    assert "&lt;https://w3id.org/gdlecb/framework/gdleqf&gt;" in html


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_every_example_query_runs_and_answers(client, example):
    r = send(client, "get", example["query"])
    assert r.status_code == 200, r.text
    if r.headers["content-type"].startswith("application/sparql-results+json"):
        rows = list(ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON))
        assert rows, "the example should find something in the test data"
    else:
        assert list(ox.parse(r.content, ox.RdfFormat.TURTLE))


def test_void_and_dcat_description(client, endpoint_store):
    r = client.get("/.well-known/void", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    g = graph(r.content)
    ds = ox.NamedNode("http://testserver/.well-known/void#registry")
    types = objects(g, ds, RDF_TYPE.value)
    assert ox.NamedNode(VOID + "Dataset") in types and ox.NamedNode(DCAT + "Dataset") in types
    assert objects(g, ds, VOID + "sparqlEndpoint") == [ox.NamedNode("http://testserver/sparql")]
    total = sum(len(endpoint_store.graph_triples(n)) for n in endpoint_store.graph_names())
    assert int(objects(g, ds, VOID + "triples")[0].value) == total
    # entities per class
    parts = {}
    for p in objects(g, ds, VOID + "classPartition"):
        parts[objects(g, p, VOID + "class")[0].value] = int(objects(g, p, VOID + "entities")[0].value)
    expected_units = len(endpoint_store.select("SELECT DISTINCT ?u { ?u a <https://w3id.org/gdlecb/def/Unit> }"))
    assert parts["https://w3id.org/gdlecb/def/Unit"] == expected_units > 100
    # dump links, as VoID and as DCAT distributions
    dumps = {o.value for o in objects(g, ds, VOID + "dataDump")}
    assert "http://testserver/dumps/registry.nq.gz" in dumps
    urls = {objects(g, d, DCAT + "downloadURL")[0].value for d in objects(g, ds, DCAT + "distribution")
            if objects(g, d, DCAT + "downloadURL")}
    assert urls == dumps
    assert "广东终身教育学分银行" in r.text


def test_void_in_json_ld(client):
    r = client.get("/.well-known/void", headers={"accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert len(graph(r.content, ox.RdfFormat.JSON_LD)) > 20


@pytest.mark.parametrize("name,fmt", [("registry.nq.gz", ox.RdfFormat.N_QUADS), ("registry.trig.gz", ox.RdfFormat.TRIG),
                                      ("registry.ttl.gz", ox.RdfFormat.TURTLE), ("registry.nt.gz", ox.RdfFormat.N_TRIPLES)])
def test_dumps_are_complete_and_cached_by_generation(client, endpoint_store, name, fmt):
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/gzip"
    assert name in r.headers["content-disposition"]
    quads = list(ox.parse(gzip.decompress(r.content), fmt))
    names = endpoint_store.graph_names()
    total = sum(len(endpoint_store.graph_triples(n)) for n in names)
    if fmt.supports_datasets:
        assert len(quads) == total
        assert {q.graph_name.value for q in quads} == set(names)
    else:  # the union of the graphs (a triple in two graphs appears once)
        assert 0 < len(quads) <= total
    etag = r.headers["etag"]
    again = client.get(f"/dumps/{name}", headers={"if-none-match": etag})
    assert again.status_code == 304


def test_unknown_dump_is_404(client):
    assert client.get("/dumps/secrets.db").status_code == 404
    assert client.get("/dumps/..%2Fgeneration").status_code == 404
