"""Server-side request forgery through /sparql (issue 14, defect 1).

Oxigraph reads ``SERVICE`` as a keyword even glued to a prefixed name
(``SERVICE:sparql``, ``SERVICEe:x``, ``SERVICESILENT:x``); the old word-based guard let
those through and the query worker then called the address and echoed the target's
answer. Every spelling is sent in the three protocol forms, to an endpoint on the
on-disk store (query worker processes) and to one on the in-memory store (threads: the
guard is the only protection there); a loopback HTTP server started here must receive
NO request, and its error body must never reach the client. A worker made to evaluate a
SERVICE query directly (bypassing the guard) cannot reach the network either.
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import asyncrun
import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.sparql.executor import QueryJob, QueryFailed
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = [ROOT / "vocabularies" / "gdleqf.ttl", ROOT / "vocabularies" / "credit-systems.ttl"]
SECRET = "INTERNAL-SECRET-7f3a"
FORMS = ["get", "post-form", "post-direct"]


class Recorder:
    """A loopback HTTP server that records every request and answers 500 with a secret body."""

    def __init__(self):
        self.requests: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                recorder.requests.append(f"{self.command} {self.path}")
                body = f"{SECRET}: internal admin page".encode()
                self.send_response(500)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def recorder():
    r = Recorder()
    yield r
    r.close()


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("ssrf-store"))
    load_files(store, DATA)
    yield store
    store.close()


@pytest.fixture(scope="module")
def mem_store():
    store = EmbeddedStore(None)
    load_files(store, DATA)
    return store


def client_for(store, **settings):
    settings.setdefault("sparql_workers", 1)
    app = create_app(Settings(store=str(store.path or "unused"), **settings), store=store)
    return TestClient(app)


@pytest.fixture(scope="module", params=["disk", "memory"])
def client(request, disk_store, mem_store):
    with client_for(disk_store if request.param == "disk" else mem_store) as c:
        yield c


def spellings(url: str) -> list[str]:
    return [
        f"PREFIX : <{url}> SELECT ?x WHERE {{ SERVICE:sparql {{ ?x ?y ?z }} }}",
        f"PREFIX e: <{url}> SELECT ?x WHERE {{ SERVICEe:x {{ ?x ?y ?z }} }}",
        f"PREFIX : <{url}> SELECT ?x WHERE {{ SERVICESILENT:x {{ ?x ?y ?z }} }}",
        f"PREFIX service: <{url}> SELECT ?x WHERE {{ service:x {{ ?x ?y ?z }} }}",
        f"PREFIX : <{url}> SELECT ?x WHERE {{ service:sparql {{ ?x ?y ?z }} }}",
        f"PREFIX : <{url}> SELECT ?x WHERE {{ SeRvIcE SILENT:sparql {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ SERVICE <{url}sparql> {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ SERVICE SILENT <{url}sparql> {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ SERVICE<{url}sparql>{{ ?x ?y ?z }} }}",
        f"BASE <{url}> SELECT ?x WHERE {{ SERVICE <sparql> {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ VALUES ?e {{ <{url}sparql> }} SERVICE ?e {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ ?x ?y ?z }} #\nSELECT ?x WHERE {{ SERVICE <{url}> {{ }} }}",
        f"PREFIX : <{url}> SELECT ?x WHERE {{ ?a ?b ?c . SERVICE:sparql {{ ?x ?y ?z }} }}",
        "SELECT ?x WHERE { \\u0053ERVICE <%ssparql> { ?x ?y ?z } }" % url,
    ]


def send(client, form: str, query: str):
    accept = {"accept": "application/sparql-results+json"}
    if form == "get":
        return client.get("/sparql", params={"query": query}, headers=accept)
    if form == "post-form":
        return client.post("/sparql", data={"query": query}, headers=accept)
    return client.post("/sparql", content=query.encode(), headers={**accept, "content-type": "application/sparql-query"})


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("index", range(14))
def test_every_service_spelling_is_refused_and_calls_nobody(client, recorder, form, index):
    query = spellings(recorder.url)[index]
    before = len(recorder.requests)
    r = send(client, form, query)
    assert r.status_code in (400, 403), (query, r.status_code, r.text)
    assert "SERVICE" in r.text or "查询" in r.text
    assert " · " in r.text  # bilingual
    assert SECRET not in r.text
    assert len(recorder.requests) == before, f"the endpoint called {recorder.requests[before:]} for {query!r}"


def test_closed_port_is_not_reported_as_connection_refused(client):
    """The error text must not tell an open port from a closed one (no port scanner)."""
    for q in spellings("http://127.0.0.1:1/")[:4]:
        r = send(client, "get", q)
        assert r.status_code in (400, 403)
        assert "refused" not in r.text.lower() and "connect" not in r.text.lower()


def test_the_word_service_in_strings_iris_comments_and_names_still_runs(client):
    q = ('PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ?p "SERVICE <http://x/>" . '
         '?s a <http://example.org/SERVICE> . ?s ex:service ?service } # SERVICE <http://y/>')
    r = send(client, "get", q)
    assert r.status_code == 200, r.text


def test_allow_listed_service_error_body_is_not_echoed(disk_store, recorder):
    """An allowed endpoint that fails: the client learns that it failed, not what it said."""
    allowed = recorder.url + "sparql"
    with client_for(disk_store, sparql_service_allowlist=[allowed]) as c:
        before = len(recorder.requests)
        r = send(c, "get", f"SELECT ?x WHERE {{ SERVICE <{allowed}> {{ ?x ?y ?z }} }}")
        assert len(recorder.requests) > before  # it really was called (the allow-list works)
        assert r.status_code == 502, r.text
        assert SECRET not in r.text and "admin" not in r.text
        # still refused: another port on the same host, and a glued spelling of the allowed one
        before = len(recorder.requests)
        r = send(c, "get", f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:{recorder.port + 1}/> {{ ?x ?y ?z }} }}")
        assert r.status_code == 403
        other = f"http://127.0.0.1:{recorder.port + 1}/"
        for q in spellings(other):
            assert send(c, "get", q).status_code in (400, 403), q
        assert len(recorder.requests) == before


def test_worker_evaluating_service_directly_cannot_reach_the_network(disk_store, recorder):
    """Defence in depth: bypass the guard (no SERVICE check in the job); the worker has no network."""
    pool = disk_store.query_pool(1, in_memory=False, cheap_size=0, isolate_network=True)
    try:
        pool.start()
        if pool.network_isolation_error:
            pytest.fail(f"the worker could not drop network access: {pool.network_isolation_error}")
        job = QueryJob(f"SELECT ?x WHERE {{ SERVICE <{recorder.url}sparql> {{ ?x ?y ?z }} }}", None, None,
                       "JSON", None, 100, 10**6, service_allowlist=None)
        before = len(recorder.requests)
        with pytest.raises(QueryFailed) as info:
            asyncrun.run(lambda: pool.run(job, 20))
        assert len(recorder.requests) == before
        assert SECRET not in str(info.value)
        # control: the same job in a pool that keeps the network does reach the server
        open_pool = disk_store.query_pool(1, in_memory=False, cheap_size=0, isolate_network=False)
        try:
            with pytest.raises(QueryFailed):
                asyncrun.run(lambda: open_pool.run(job, 20))
            assert len(recorder.requests) > before
        finally:
            open_pool.close()
    finally:
        pool.close()
