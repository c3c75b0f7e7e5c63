"""SERVICE glued to a prefixed name passed the guard and made the server call the address (issue 14, defect 1).

Reproduction: ``PREFIX : <http://127.0.0.1:PORT/> SELECT ?x WHERE { SERVICE:sparql { ?x ?y ?z } }``
(also ``SERVICEe:x`` with ``PREFIX e:``, ``SERVICESILENT:x``, lower-case ``service:x``) on /sparql:
the old guard looked for SERVICE as a separate lexer word, Oxigraph read it as the keyword, called
PORT and echoed the answer. Now SERVICE is decided on rdflib's parsed algebra (or the query is
refused when it cannot be), and the target below receives nothing.
"""

from __future__ import annotations

import http.server
import threading

import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.sparql import guard
from registry.store.embedded import EmbeddedStore


@pytest.fixture()
def target():
    hits = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("content-type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{"vars":["x"]},"results":{"bindings":[]}}')

        do_POST = do_GET

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/", hits
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("spelling", [
    "PREFIX : <{u}> SELECT ?x WHERE {{ SERVICE:sparql {{ ?x ?y ?z }} }}",
    "PREFIX e: <{u}> SELECT ?x WHERE {{ SERVICEe:x {{ ?x ?y ?z }} }}",
    "PREFIX : <{u}> SELECT ?x WHERE {{ SERVICESILENT:x {{ ?x ?y ?z }} }}",
    "PREFIX service: <{u}> SELECT ?x WHERE {{ service:x {{ ?x ?y ?z }} }}",
])
def test_glued_service_is_refused_and_nothing_is_called(target, spelling):
    url, hits = target
    q = spelling.format(u=url)
    with pytest.raises(guard.QueryRefused) as info:
        guard.check_query(q)
    assert info.value.status in (400, 403)
    # end to end on the in-memory store (thread executor: the guard is the only protection there)
    with TestClient(create_app(Settings(store="unused"), store=EmbeddedStore(None))) as c:
        for r in (c.get("/sparql", params={"query": q}), c.post("/sparql", data={"query": q}),
                  c.post("/sparql", content=q.encode(), headers={"content-type": "application/sparql-query"})):
            assert r.status_code in (400, 403), r.text
    assert hits == []
