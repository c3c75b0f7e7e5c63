"""RemoteStore failure handling and protocol details, against small fake servers and the real ones.

Fake servers (threads on 127.0.0.1) stand in for what real servers do when they
misbehave: never answer, answer 200 with an HTML page, cut a result short, ask
for credentials. Every failure must surface as a StoreError that says what
happened, never as a silently partial result or write.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest

from backends import REMOTE_BACKENDS, backend_server, open_backend, remote_store
from registry.store import GraphWrite, StoreError, open_store
from registry.store.remote import RemoteStore, StoreTimeoutError, StoreUnavailableError
from servers import free_port

pytestmark = pytest.mark.remote

G = "http://example.org/item"
T = [ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("old"))]


class Fake:
    """A tiny HTTP server answering every POST with ``respond(handler, form)``; records requests."""

    def __init__(self, respond):
        fake = self
        self.requests: list[tuple[dict, dict]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                form = parse_qs(body)
                fake.requests.append((dict(self.headers), form))
                respond(self, form)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def answer(handler, status=200, ctype="application/sparql-results+json", body=b"", headers=()):
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    for k, v in headers:
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def fake(request):
    servers = []

    def make(respond):
        f = Fake(respond)
        servers.append(f)
        return f

    yield make
    for f in servers:
        f.close()


@pytest.fixture
def black_hole():
    """A socket that accepts connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield f"http://127.0.0.1:{s.getsockname()[1]}/sparql"
    s.close()


def test_spec_parsing():
    s = RemoteStore.from_spec("sparql:http://h:1/query,http://h:1/update,http://h:1/store", user="u", password="p")
    assert (s.query_url, s.update_url, s.store_url) == ("http://h:1/query", "http://h:1/update", "http://h:1/store")
    s = RemoteStore.from_spec("sparql:http://h:1/sparql")
    assert s.update_url == "http://h:1/sparql" and s.store_url is None
    assert isinstance(open_store("sparql:http://h:1/q,http://h:1/u"), RemoteStore)
    for bad in ("sparql:", "sparql:ftp://h/q", "sparql:http://a/q,http://b/u,http://c/s,http://d/x"):
        with pytest.raises(StoreError) as e:
            RemoteStore.from_spec(bad)
        assert "sparql:QUERY_URL" in str(e.value) or "http(s)" in str(e.value)


def test_unreachable_server_raises_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    store = RemoteStore(url, url, timeout=2)
    with pytest.raises(StoreUnavailableError) as e:
        store.query("ASK {}")
    assert "cannot reach the SPARQL server at " + url in str(e.value)
    with pytest.raises(StoreError):
        store.write(GraphWrite(replace={G: T}))


def test_a_server_that_never_answers_times_out(black_hole):
    store = RemoteStore(black_hole, black_hole, timeout=0.5, dialect="standard")
    start = time.monotonic()
    with pytest.raises(StoreTimeoutError) as e:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert time.monotonic() - start < 5
    assert "did not answer within 0.5 s" in str(e.value)
    with pytest.raises(StoreTimeoutError) as e:
        store.write(GraphWrite(replace={G: T}))
    assert "did not answer" in str(e.value)


@pytest.mark.parametrize("kind", REMOTE_BACKENDS)
def test_a_write_that_times_out_leaves_the_old_graph(kind, tmp_path, black_hole):
    """Reads from the real server, the update URL swallowed: the write fails, the old graph stays."""
    store = open_backend(kind, tmp_path)
    store.write(GraphWrite(replace={G: T}))
    server = backend_server(kind)
    broken = RemoteStore(server.query_url, black_hole, timeout=0.5, **server.store_options())
    new = [ox.Triple(T[0].subject, T[0].predicate, ox.Literal("new"))]
    with pytest.raises(StoreTimeoutError):
        broken.write(GraphWrite(replace={G: new}))
    assert broken.generation() == 0
    assert store.graph_triples(G) == T


def test_html_instead_of_results_is_an_error(fake):
    # Virtuoso answers some requests (ASK without Accept, some malformed queries) 200 with HTML
    f = fake(lambda h, form: answer(h, ctype="text/html; charset=UTF-8", body=b"<html><body>true</body></html>"))
    store = RemoteStore(f.url, dialect="standard")
    with pytest.raises(StoreError) as e:
        store.query("ASK { ?s ?p ?o }")
    assert "text/html" in str(e.value)
    # and the request went out as a form POST with an explicit Accept
    headers, form = f.requests[0]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["Accept"] == "application/sparql-results+json"
    assert form["query"] == ["ASK { ?s ?p ?o }"]


def test_a_truncated_result_is_an_error(fake):
    body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://x/1"}}]}}'
    f = fake(lambda h, form: answer(h, body=body, headers=[("X-SPARQL-MaxRows", "10000")]))
    with pytest.raises(StoreError) as e:
        RemoteStore(f.url, dialect="standard").query("SELECT ?s WHERE { ?s ?p ?o }")
    assert "10000 rows" in str(e.value) and "ResultSetMaxRows" in str(e.value)


def test_local_syntax_check_never_reaches_the_server(fake):
    f = fake(lambda h, form: answer(h, body=b'{"head":{},"boolean":true}'))
    with pytest.raises(SyntaxError):
        RemoteStore(f.url, dialect="standard").query("SELECT * WHERE { ?s ?p }")
    assert f.requests == []


def test_basic_credentials_are_sent_only_when_asked_for(fake):
    token = "Basic " + base64.b64encode(b"reg:secret").decode()

    def respond(h, form):
        if h.headers.get("Authorization") != token:
            answer(h, 401, "text/plain", b"auth", headers=[("WWW-Authenticate", 'Basic realm="x"')])
        else:
            answer(h, 200, "text/plain", b"ok")

    f = fake(respond)
    store = RemoteStore(f.url, f.url, user="reg", password="secret", dialect="standard")
    store.write(GraphWrite(replace={G: T}))
    assert "Authorization" not in f.requests[0][0]  # first try without the password
    assert f.requests[1][0]["Authorization"] == token
    assert "DROP SILENT GRAPH <http://example.org/item>" in f.requests[1][1]["update"][0]
    assert store.generation() == 1
    wrong = RemoteStore(f.url, f.url, user="reg", password="nope", dialect="standard")
    with pytest.raises(StoreError) as e:
        wrong.write(GraphWrite(replace={G: T}))
    assert "401" in str(e.value) and "REGISTRY_STORE_USER" in str(e.value)
    assert wrong.generation() == 0


def test_virtuoso_refuses_writes_without_credentials(tmp_path):
    open_backend("virtuoso", tmp_path).close()
    server = backend_server("virtuoso")
    anonymous = RemoteStore(server.query_url, server.update_url)
    with pytest.raises(StoreError) as e:
        anonymous.write(GraphWrite(replace={G: T}))
    assert "401" in str(e.value)
    # the anonymous /sparql endpoint is read-only too
    public = RemoteStore(server.query_url, server.query_url)
    with pytest.raises(StoreError):
        public.write(GraphWrite(replace={G: T}))
    assert G not in remote_store("virtuoso").graph_names()


def test_virtuoso_system_graphs_stay_out_of_the_registry(tmp_path):
    store = open_backend("virtuoso", tmp_path)
    assert store.dialect == "virtuoso"
    store.write(GraphWrite(replace={G: T}))
    assert store.graph_names() == [G]
    assert store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value == "1"
    assert not store.ask("ASK { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?o } }")


@pytest.mark.parametrize("kind", REMOTE_BACKENDS)
def test_large_item_and_bulk_load(kind, tmp_path):
    """An item too large for one Virtuoso operation, and a bulk load split into several requests."""
    store = open_backend(kind, tmp_path)
    big = [ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                     ox.Literal(f"value {i}")) for i in range(1500)]
    bnode = ox.BlankNode()
    big += [ox.Triple(ox.NamedNode("http://example.org/s0"), ox.NamedNode("http://example.org/q"), bnode),
            ox.Triple(bnode, ox.NamedNode("http://example.org/p"), ox.Literal("inside"))]
    store.write(GraphWrite(replace={G: big}))
    got = store.graph_triples(G)
    assert len(got) == len(big)
    assert store.ask('ASK { <http://example.org/s0> <http://example.org/q> ?b . ?b ?p "inside" }')
    quads = [ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                     ox.Literal(i), ox.NamedNode(f"http://example.org/g{i}")) for i in range(120)]
    store.max_request_triples = 50
    store.bulk_load_quads(quads, [q.graph_name.value for q in quads])
    assert len(store.graph_names()) == 121
    assert store.generation() >= 3  # several requests
