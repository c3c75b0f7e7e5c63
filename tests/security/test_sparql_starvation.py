"""Heavy queries must not starve cheap ones (issue 14, defect 4).

Two concurrent cartesian-product COUNTs used to occupy every query worker: a 2 ms ASK
waited the whole time limit and got 503 "all workers busy". Now a query proven cheap by
its shape (guard._is_cheap) runs in a reserved lane, and one client may run only a few
expensive queries at once (429 beyond). Margins are wide: heavy queries run for 15 s,
the ASK must answer in under 5 s (it takes milliseconds on a quiet machine).
"""

from __future__ import annotations

import threading
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
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LEVELS = "https://w3id.org/gdlecb/framework/gdleqf"
ASK = "ASK { ?s a <http://www.w3.org/2004/02/skos/core#Concept> }"
HEAVY_TIMEOUT = 15.0


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = EmbeddedStore(tmp_path_factory.mktemp("starvation-store"))
    load_files(s, [ROOT / "vocabularies" / "gdleqf.ttl", ROOT / "vocabularies" / "credit-systems.ttl"])
    yield s
    s.close()


def ask(client, query=ASK, **extra):
    return client.get("/sparql", params={"query": query, **extra},
                      headers={"accept": "application/sparql-results+json"})


def test_cheap_ask_answers_while_heavy_queries_occupy_the_workers(store):
    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_timeout=HEAVY_TIMEOUT,
                              sparql_heavy_per_client=2), store=store)
    with TestClient(app) as client:
        assert ask(client).status_code == 200  # workers up
        heavy_results: list[int] = []

        def heavy():
            heavy_results.append(ask(client, HEAVY).status_code)

        threads = [threading.Thread(target=heavy) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # both heavy queries are in: one runs, one waits for the general worker
        assert not heavy_results, "the heavy queries finished too early to prove anything"
        t0 = time.monotonic()
        r = ask(client)
        waited = time.monotonic() - t0
        assert r.status_code == 200, r.text
        assert waited < 5.0, f"the cheap ASK waited {waited:.1f} s behind heavy queries"
        # a third expensive query of the same client is refused at once, not queued
        t0 = time.monotonic()
        r = ask(client, HEAVY)
        assert r.status_code == 429 and " · " in r.text
        assert time.monotonic() - t0 < 5.0
        assert not heavy_results  # the heavy queries are still running: the ASK really overlapped them
        for t in threads:
            t.join(timeout=HEAVY_TIMEOUT * 3)
        # the heavy queries ran to their limit (503 time limit / busy), never 500
        assert heavy_results and all(code == 503 for code in heavy_results), heavy_results


def test_cheap_lane_keeps_the_result_cap(store):
    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_max_results=1), store=store)
    with TestClient(app) as client:
        q = f"SELECT ?p ?o WHERE {{ <{LEVELS}> ?p ?o }}"
        assert guard.analyse(q).cheap
        r = ask(client, q)
        assert r.status_code == 413, r.text


@pytest.mark.parametrize("query,cheap", [
    ("ASK { <urn:x:s> a <urn:x:C> }", True),
    ("ASK { ?s ?p ?o }", True),
    ("ASK { ?s ?p ?s }", False),  # a repeated variable is a full scan
    ("SELECT ?p ?o WHERE { <urn:x:s> ?p ?o } ORDER BY ?p LIMIT 10", True),
    ("PREFIX ex: <urn:x:> SELECT * { ex:s ex:p ?o . }", True),
    ("SELECT ?s WHERE { ?s ?p ?o }", False),  # unbound subject: the whole store
    ("SELECT ?o WHERE { <urn:x:s> <urn:x:p>+ ?o }", False),  # property path
    ("SELECT ?o WHERE { <urn:x:s> ?p ?o FILTER(?o > 1) }", False),
    ("SELECT (COUNT(*) AS ?n) WHERE { <urn:x:s> ?p ?o }", False),
    ("SELECT ?o FROM <urn:x:g> WHERE { <urn:x:s> ?p ?o }", False),
    ("ASK { <urn:x:s> ?p ?o . ?o ?q ?r }", False),
    ("ASK { { <urn:x:s> ?p ?o } }", False),
    ("SELECT * WHERE { <urn:x:s> ?p ?o } LIMIT 10 # service", False),  # SERVICE check first
])
def test_cost_guard_classifies_by_shape(query, cheap):
    assert guard.analyse(query).cheap is cheap


def test_bounded_cheap_query_answers_with_every_worker_of_both_lanes_stuck(store):
    """The in-process fast path (issue 13) serves the cheap lane's bounded queries: even with the
    general AND the cheap workers frozen (SIGSTOP), the ASK answers from the server process."""
    import os
    import signal

    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_cheap_workers=1,
                              sparql_timeout=3.0), store=store)
    with TestClient(app) as client:
        assert ask(client).status_code == 200
        executor = app.state.ctx.sparql.executor
        pids = executor.pids()
        assert len(pids) == 2
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            r = ask(client)
            assert r.status_code == 200 and r.json()["boolean"] is True
            assert time.monotonic() - t0 < 2.0
            assert ask(client, HEAVY).status_code == 503  # the workers really are stuck
        finally:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:  # the timed-out worker was killed, as it should be
                    pass
