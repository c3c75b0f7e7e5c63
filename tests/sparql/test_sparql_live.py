"""Real clients against a live `registry serve` (a subprocess on a free 127.0.0.1 port).

SPARQLWrapper (GET and POST, JSON/XML/CSV, CONSTRUCT) and rdflib's SERVICE clause federating into us.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, GET, JSON, POST, TURTLE, XML, SPARQLWrapper

from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

UNIT = "https://w3id.org/gdlecb/unit/TST-UT-301"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live(tmp_path_factory, synthetic_file):
    from conftest import DATA

    folder = tmp_path_factory.mktemp("live") / "store"
    store = EmbeddedStore(folder)
    load_files(store, [*DATA, synthetic_file])
    store.close()
    port = free_port()
    env = {**os.environ, "REGISTRY_SPARQL_WORKERS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--store", str(folder), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 30
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail("registry serve exited: " + proc.stdout.read().decode(errors="replace"))
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("registry serve did not answer within 30 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_json(live, method):
    sw = SPARQLWrapper(live)
    sw.setMethod(method)
    sw.setQuery('PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n'
                'SELECT ?label WHERE { <%s> skos:prefLabel ?label } ORDER BY ?label' % UNIT)
    sw.setReturnFormat(JSON)
    res = sw.query().convert()
    labels = [b["label"]["value"] for b in res["results"]["bindings"]]
    assert labels == ["Data visualisation design", "数据可视化设计"]


def test_sparqlwrapper_select_xml_and_csv(live):
    sw = SPARQLWrapper(live)
    sw.setQuery("SELECT ?u WHERE { ?u a <https://w3id.org/gdlecb/def/Unit> } ORDER BY ?u LIMIT 3")
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == 3
    sw.setReturnFormat(CSV)
    text = sw.query().convert().decode("utf-8")
    assert text.splitlines()[0] == "u" and len(text.splitlines()) == 4


def test_sparqlwrapper_ask_and_construct(live):
    sw = SPARQLWrapper(live)
    sw.setQuery("ASK { <%s> a <https://w3id.org/gdlecb/def/Unit> }" % UNIT)
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT WHERE { <%s> ?p ?o }" % UNIT)
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert (rdflib.URIRef(UNIT), rdflib.namespace.SKOS.notation, rdflib.Literal("TST-UT-301")) in g


def test_sparqlwrapper_update_is_refused(live):
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sw = SPARQLWrapper(live)
    sw.setMethod(POST)
    sw.setQuery("INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }")
    with pytest.raises((SPARQLWrapperException, Exception)) as e:
        sw.query()
    assert "403" in str(e.value) or "read-only" in str(e.value)
    sw = SPARQLWrapper(live)
    sw.setQuery("ASK { <http://example.org/s> ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is False


def test_rdflib_service_clause_federates_into_the_endpoint(live):
    local = rdflib.Graph()
    local.add((rdflib.URIRef("http://example.org/me"), rdflib.URIRef("http://example.org/wants"), rdflib.URIRef(UNIT)))
    q = """
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?unit ?code WHERE {
      <http://example.org/me> <http://example.org/wants> ?unit .
      SERVICE <%s> { ?unit skos:notation ?code }
    }""" % live
    rows = list(local.query(q))
    assert [(str(r.unit), str(r.code)) for r in rows] == [(UNIT, "TST-UT-301")]


def test_live_cors_and_service_description(live):
    r = httpx.options(live, headers={"origin": "https://other.example", "access-control-request-method": "POST"})
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    r = httpx.get(live, headers={"accept": "text/turtle"})
    assert r.status_code == 200 and "sd:SPARQL11Query" in r.text
