"""Deeply nested queries are refused before any parser sees them (issue 14, defect 2).

``SELECT * WHERE`` + 20,000 ``{``…``}`` or 5,000 nested parentheses in a FILTER used
to kill a query worker (and its respawn rebuilt the in-memory copy of the store). Now a
lexer-aware depth count (strings, IRIs and comments skipped) refuses them with 400; the
worker pool is untouched. The rdflib parse behind the SERVICE check never crashes either.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.sparql import guard
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("nesting-store"))
    load_files(store, [ROOT / "vocabularies" / "gdleqf.ttl"])
    app = create_app(Settings(store=str(store.path), sparql_workers=1), store=store)
    with TestClient(app) as c:
        yield c, app
    store.close()


def direct(client, query: str):
    return client.post("/sparql", content=query.encode(),
                       headers={"content-type": "application/sparql-query", "accept": "application/sparql-results+json"})


DEEP = {
    "braces-20000": "SELECT * WHERE " + "{" * 20000 + "}" * 20000,
    "parens-5000": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "?o" + ")" * 5000 + ") }",
    "brackets-3000": "SELECT * WHERE { ?s ?p " + "[ <urn:x:p> " * 3000 + "<urn:x:o>" + " ]" * 3000 + " }",
    "service-braces-500": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> " + "{" * 500 + "}" * 500 + " }",
    "unbalanced-5000": "SELECT * WHERE " + "{" * 5000,
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_query_is_400_and_no_worker_dies(app_client, name):
    client, app = app_client
    assert direct(client, "ASK {}").status_code == 200  # workers started
    executor = app.state.ctx.sparql.executor
    before = sorted(executor.pids())
    t0 = time.monotonic()
    r = direct(client, DEEP[name])
    assert r.status_code == 400, r.text
    assert "嵌套" in r.text and "levels" in r.text
    assert time.monotonic() - t0 < 5
    assert sorted(executor.pids()) == before  # nothing was killed or respawned
    assert direct(client, "ASK {}").status_code == 200


def test_depth_inside_strings_iris_and_comments_does_not_count(app_client):
    client, _ = app_client
    q = 'SELECT * WHERE { ?s ?p "' + "{" * 500 + '" } # ' + "(" * 500
    r = direct(client, q)
    assert r.status_code == 200, r.text


def test_the_limit_is_a_setting(tmp_path):
    q = "SELECT * WHERE " + "{" * 10 + " ?s ?p ?o " + "}" * 10
    assert guard.analyse(q, 10) is not None
    with pytest.raises(guard.QueryRefused) as info:
        guard.analyse(q, 9)
    assert info.value.status == 400


def test_escaped_brackets_count_too():
    q = "SELECT * WHERE " + "\\u007B" * 200 + "}" * 200
    with pytest.raises(guard.QueryRefused):
        guard.analyse(q, 100)


@pytest.mark.parametrize("deep", [False, True])
def test_rdflib_service_check_never_crashes(deep):
    """Just under the nesting limit, and very long: refused or decided, never an exception escaping."""
    queries = [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> " + "{" * 99 + "}" * 99 + " }",
        "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 98 + "?o" + ")" * 98 + ") } # service",
        "PREFIX ex: <http://e/> SELECT * WHERE { " + " ".join(f"?s ex:p{i} ?o{i} ." for i in range(300))
        + " SERVICE <http://x/> { ?a ?b ?c } }",
    ]
    for q in queries:
        try:
            guard.check_services(q, (), deep=deep)
        except guard.QueryRefused as e:
            assert e.status in (400, 403)
