"""The in-process fast path of /sparql (issue 13, target 1): bounded queries skip the workers.

The guard (``guard.analyse``) gives a ``Bound`` only for one-pattern queries whose work is
bounded by their shape; the executor (``ProcessQueryPool.run_bounded``) counts the subject's
quads before it runs the query and declines past ``sparql_fast_max_triples`` or the result
cap. To prove a query was answered in the server process, the tests freeze every worker
process (SIGSTOP): a query that still went to a worker would time out (503).
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.sparql import guard
from registry.store import GraphWrite
from registry.store.embedded import EmbeddedStore

JSON = {"accept": "application/sparql-results+json"}
SMALL, BIG = "urn:x:small", "urn:x:big"


def _triples(s, n):
    return [ox.Triple(ox.NamedNode(s), ox.NamedNode(f"urn:x:p{i}"), ox.Literal(str(i))) for i in range(n)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = EmbeddedStore(tmp_path_factory.mktemp("fastpath-store"))
    s.write(GraphWrite(replace={"urn:x:g1": _triples(SMALL, 3), "urn:x:g2": _triples(BIG, 40)}))
    yield s
    s.close()


@contextmanager
def client(store, **settings):
    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_cheap_workers=1,
                              **{"sparql_timeout": 3.0, **settings}), store=store)
    with TestClient(app) as c:
        yield c, app.state.ctx.sparql.executor


@contextmanager
def frozen(executor):
    """Every query worker stopped (SIGSTOP) for the duration: only the server process can answer."""
    pids = executor.pids()
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


def get(c, query, headers=JSON, **params):
    return c.get("/sparql", params={"query": query, **params}, headers=headers)


def point(s):
    return f"SELECT ?p ?o WHERE {{ <{s}> ?p ?o }}"


def rows(r):
    return sorted((b["p"]["value"], b["o"]["value"]) for b in r.json()["results"]["bindings"])


# -- the guard's proof ---------------------------------------------------------------------------

@pytest.mark.parametrize("query, subject", [
    ("SELECT ?p ?o WHERE { <urn:x:s> ?p ?o }", "urn:x:s"),
    ("PREFIX x: <urn:x:> SELECT * { x:s ?p ?o } ORDER BY ?p LIMIT 5 OFFSET 1", "urn:x:s"),
    ("PREFIX : <urn:x:> SELECT DISTINCT ?o { :s a ?o . }", "urn:x:s"),
])
def test_guard_bounds_select_of_one_constant_subject(query, subject):
    a = guard.analyse(query)
    assert a.cheap and a.bound is not None and a.bound.subject == subject


def test_guard_bounds_one_pattern_ask_by_one_index_seek():
    a = guard.analyse("ASK { ?s a <urn:x:C> }")
    assert a.cheap and a.bound is not None and a.bound.subject is None


@pytest.mark.parametrize("query", [
    "BASE <urn:x:> SELECT * { <s> ?p ?o }",  # relative IRIs: not what the text says
    "SELECT * { y:s ?p ?o }",  # undeclared prefix: the parser refuses it
    "SELECT * WHERE { <urn:x:\\u0073> ?p ?o }",  # escapes: decoded by the parser
    "ASK { ?s ?p ?s }",  # a repeated variable: not one seek
    "SELECT * { ?s ?p ?o } LIMIT 1",  # not cheap at all
    "SELECT * { <urn:x:s> ?p ?o . ?o ?q ?r }",
    "SELECT * { <urn:x:s> ?p ?o SERVICE <http://e/> { ?a ?b ?c } }",
])
def test_guard_gives_no_bound_to_other_queries(query):
    assert guard.analyse(query).bound is None


# -- the fast path ---------------------------------------------------------------------------

def test_bounded_queries_answer_while_every_worker_is_frozen(store):
    with client(store) as (c, executor):
        assert get(c, "ASK { ?s ?p ?o }").status_code == 200  # the first query starts the workers
        with frozen(executor):
            t0 = time.monotonic()
            r = get(c, point(SMALL))
            assert r.status_code == 200 and time.monotonic() - t0 < 2.0
            assert rows(r) == [(f"urn:x:p{i}", str(i)) for i in range(3)]
            assert get(c, f"ASK {{ <{SMALL}> ?p ?o }}").json()["boolean"] is True
            assert get(c, f"ASK {{ <{SMALL}> <urn:x:nope> ?o }}").json()["boolean"] is False
            # an unbounded query really goes to the (frozen) workers: it times out
            r = get(c, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            assert r.status_code == 503


def test_fast_and_worker_answers_are_identical(store):
    queries = [point(SMALL), point(BIG) + " ORDER BY ?p LIMIT 7 OFFSET 2", f"ASK {{ ?s ?p \"2\" }}"]
    with client(store) as (fast, _), client(store, sparql_fast_max_triples=0) as (slow, _):
        for q in queries:
            for fmt in ("json", "xml", "csv", "tsv"):
                a, b = get(fast, q, format=fmt), get(slow, q, format=fmt)
                assert a.status_code == b.status_code == 200
                assert a.content == b.content and a.headers["content-type"] == b.headers["content-type"]
                for h in ("access-control-allow-origin", "vary"):
                    assert a.headers[h] == b.headers[h]
                assert int(a.headers["content-length"]) == len(a.content)


def test_subject_with_more_quads_than_the_bound_goes_to_the_workers(store):
    with client(store, sparql_fast_max_triples=10) as (c, executor):
        assert get(c, point(SMALL)).status_code == 200
        with frozen(executor):
            assert get(c, point(SMALL)).status_code == 200  # 3 quads <= 10: in process
            assert get(c, point(BIG)).status_code == 503  # 40 quads > 10: a (frozen) worker
        assert len(get(c, point(BIG)).json()["results"]["bindings"]) == 40


def test_result_cap_is_kept_by_the_fast_path(store):
    with client(store, sparql_max_results=5) as (c, executor):
        assert get(c, point(SMALL)).status_code == 200
        with frozen(executor):
            assert get(c, point(SMALL)).status_code == 200  # 3 <= 5 rows: in process
        r = get(c, point(BIG))  # 40 quads > the cap: declined, the worker refuses it as before
        assert r.status_code == 413 and "5" in r.text


def test_time_limit_is_kept_by_the_fast_path(store):
    with client(store) as (c, executor):
        assert get(c, point(SMALL)).status_code == 200
        with frozen(executor):
            r = get(c, point(SMALL), timeout="0.000000001")
            assert r.status_code == 503 and "time limit" in r.text


def test_updates_and_dataset_requests_are_not_fast(store):
    with client(store) as (c, executor):
        assert get(c, point(SMALL)).status_code == 200
        assert get(c, f"INSERT DATA {{ <{SMALL}> <urn:x:p> 1 }}").status_code == 400  # an update sent as a query is a malformed query (issue 10)
        assert get(c, point(SMALL), update="x").status_code == 403
        with frozen(executor):  # a dataset parameter: the full handler and a worker
            r = get(c, point(SMALL), **{"default-graph-uri": "urn:x:g1"})
            assert r.status_code == 503
        r = get(c, point(SMALL), **{"default-graph-uri": "urn:x:g2"})
        assert r.status_code == 200 and rows(r) == []
    assert len(store.graph_triples("urn:x:g1")) == 3


def test_fast_path_answers_from_the_newest_generation(tmp_path):
    s = EmbeddedStore(tmp_path / "s")
    s.write(GraphWrite(replace={"urn:x:g1": _triples(SMALL, 3)}))
    with client(s) as (c, executor):
        assert len(rows(get(c, point(SMALL)))) == 3
        s.write(GraphWrite(replace={"urn:x:g1": _triples(SMALL, 5)}))
        with frozen(executor):
            assert len(rows(get(c, point(SMALL)))) == 5
    s.close()


def test_not_acceptable_and_bad_format_answer_as_before(store):
    with client(store) as (c, _):
        assert get(c, point(SMALL)).status_code == 200
        r = get(c, point(SMALL), headers={"accept": "text/turtle"})
        assert r.status_code == 406
        assert get(c, point(SMALL), format="nonsense").status_code == 400


@pytest.mark.parametrize("modifier", ["", " ORDER BY ?p", " LIMIT 20 OFFSET 1"])
def test_counted_and_streamed_bounds_both_decline_past_the_bound(store, modifier):
    """Streamed (no modifier: the serialisation stops past the bound) and counted (ORDER BY,
    OFFSET: the subject's quads are counted in Rust first) bounds decline alike."""
    assert guard.analyse(point(BIG) + modifier).bound.streamed is (modifier == "")
    with client(store, sparql_fast_max_triples=10) as (c, executor):
        assert get(c, point(SMALL) + modifier).status_code == 200
        with frozen(executor):
            assert get(c, point(SMALL) + modifier).status_code == 200  # 3 quads: in process
            assert get(c, point(BIG) + modifier).status_code == 503  # 40 quads > 10: a (frozen) worker
        expected = 40 if modifier != " LIMIT 20 OFFSET 1" else 20
        assert len(get(c, point(BIG) + modifier).json()["results"]["bindings"]) == expected
