"""Timeout, result caps, and queries off the event loop (a slow query never stalls the others)."""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox
import pytest

from conftest import make_client
from test_sparql_protocol import ASK_Q, FORMS, send

# a cross product over the whole store: runs far longer than any timeout used here
SLOW_Q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def limited(endpoint_store):
    with make_client(endpoint_store, sparql_timeout=1.0, sparql_max_results=50, sparql_workers=2) as c:
        yield c


@pytest.mark.parametrize("form", FORMS)
def test_timeout_gives_503_with_a_clear_message(limited, form):
    start = time.monotonic()
    r = send(limited, form, SLOW_Q)
    elapsed = time.monotonic() - start
    assert r.status_code == 503
    assert "1 s" in r.text and "time limit" in r.text
    assert elapsed < 5


def test_timeout_parameter_can_only_lower_the_limit(endpoint_store):
    # a 3 s server limit leaves a wide margin on a busy machine between "lowered to 0.3 s" and "not lowered"
    with make_client(endpoint_store, sparql_timeout=3.0, sparql_workers=2) as c:
        start = time.monotonic()
        r = send(c, "get", SLOW_Q, params=[("timeout", "0.3")])
        assert r.status_code == 503 and time.monotonic() - start < 2.0
        start = time.monotonic()
        r = send(c, "get", SLOW_Q, params=[("timeout", "100")])
        assert r.status_code == 503 and 2.5 < time.monotonic() - start < 8


def test_timed_out_worker_is_killed_and_replaced(tmp_path, synthetic_file):
    """On the on-disk embedded store queries run in worker processes: a timed-out one is really killed."""
    from backends import open_backend
    from conftest import DATA
    from registry.loader import load_files
    from registry.sparql.executor import ProcessQueryPool

    store = open_backend("embedded", tmp_path)
    load_files(store, [*DATA, synthetic_file])
    with make_client(store, sparql_timeout=1.0, sparql_workers=2) as limited:
        executor = limited.app.state.ctx.sparql.executor
        assert isinstance(executor, ProcessQueryPool)
        send(limited, "get", ASK_Q)
        before = set(executor.pids())
        r = send(limited, "get", SLOW_Q)
        assert r.status_code == 503
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (len(executor.pids()) < executor.size or set(executor.pids()) == before):
            time.sleep(0.05)
        after = set(executor.pids())
        killed = before - after
        assert len(killed) == 1 and len(after) == executor.size
        for pid in killed:  # really gone: not burning CPU in the background
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        assert send(limited, "get", ASK_Q).status_code == 200
    store.close()


def test_slow_query_does_not_stall_quick_ones(endpoint_store):
    with make_client(endpoint_store, sparql_timeout=3.0, sparql_workers=2) as c:
        slow_result = {}

        def slow():
            slow_result["r"] = send(c, "get", SLOW_Q)

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.3)  # the slow query is running now
        timings = []
        for _ in range(10):
            start = time.monotonic()
            r = send(c, "get", ASK_Q)
            timings.append(time.monotonic() - start)
            assert r.status_code == 200
        quick_done = time.monotonic()
        t.join(15)
        assert slow_result["r"].status_code == 503
        assert not t.is_alive() and time.monotonic() - quick_done > 0.5  # the slow one was still running
        assert max(timings) < 1.0, timings  # the slow one takes 3 s; quick ones never wait for it


ROWS_Q = "SELECT ?s WHERE { ?s a <https://w3id.org/gdlecb/def/Unit> } ORDER BY ?s LIMIT %d"


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_result_cap_on_solutions(limited, accept):
    ok = send(limited, "get", ROWS_Q % 50, headers={"accept": accept})
    assert ok.status_code == 200
    too_many = send(limited, "get", ROWS_Q % 51, headers={"accept": accept})
    assert too_many.status_code == 413
    assert "50 rows" in too_many.text


def test_result_cap_on_graphs(limited):
    q = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT %d"
    assert send(limited, "get", q % 50).status_code == 200
    r = send(limited, "get", q % 51)
    assert r.status_code == 413 and "50 triples" in r.text


def test_result_byte_cap(endpoint_store):
    with make_client(endpoint_store, sparql_max_result_bytes=2000) as c:
        r = send(c, "get", ROWS_Q % 45)
        assert r.status_code == 413 and "2000 bytes" in r.text


def test_endpoint_sees_new_writes(tmp_path, synthetic_file):
    """Query workers switch to the newest published snapshot after a write."""
    from backends import open_backend
    from registry.loader import load_files

    store = open_backend("embedded", tmp_path)
    with make_client(store) as c:
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/gdlecb/def/Unit> }"

        def units():
            r = send(c, "get", q)
            return int(next(iter(ox.parse_query_results(r.content, ox.QueryResultsFormat.JSON)))["n"].value)

        assert units() == 0
        load_files(store, [synthetic_file])
        from conftest import SYNTHETIC_UNITS

        assert units() == SYNTHETIC_UNITS
    store.close()
