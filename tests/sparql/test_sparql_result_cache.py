"""The result cache of the SPARQL fast path (issue 13, target 1; ``registry/sparql/cache.py``).

Answers of bounded queries are kept per process, keyed by the raw query string, the raw Accept
header and the published store generation. These tests prove the cache never changes what a
client gets: a write invalidates it, the result cap is still enforced, each Accept has its own
entry, refusals and updates never get in, its memory is bounded, and the fast path does not
need the query workers to have started.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from urllib.parse import parse_qsl, quote

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.sparql.cache import ResultCache
from registry.sparql.routes import fast_params
from registry.store import GraphWrite
from registry.store.embedded import EmbeddedStore

JSON = {"accept": "application/sparql-results+json"}
XML = {"accept": "application/sparql-results+xml"}
SMALL, BIG = "urn:x:small", "urn:x:big"


def _triples(s, n, tag=""):
    return [ox.Triple(ox.NamedNode(s), ox.NamedNode(f"urn:x:p{i}"), ox.Literal(f"{tag}{i}")) for i in range(n)]


def point(s):
    return f"SELECT ?p ?o WHERE {{ <{s}> ?p ?o }}"


@pytest.fixture()
def store(tmp_path):
    s = EmbeddedStore(tmp_path / "store")
    s.write(GraphWrite(replace={"urn:x:g1": _triples(SMALL, 3), "urn:x:g2": _triples(BIG, 40)}))
    yield s
    s.close()


@contextmanager
def client(store, **settings):
    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_cheap_workers=1,
                              **{"sparql_timeout": 5.0, **settings}), store=store)
    with TestClient(app) as c:
        c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON)  # builds the middleware stack
        yield c, app.middleware_stack.cache


def get(c, query, headers=JSON, **params):
    return c.get("/sparql", params={"query": query, **params}, headers=headers)


def rows(r):
    return sorted((b["p"]["value"], b["o"]["value"]) for b in r.json()["results"]["bindings"])


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_bytes_and_headers(store):
    with client(store) as (c, cache):
        first = get(c, point(SMALL))
        hits = cache.hits
        second = get(c, point(SMALL))
        assert cache.hits == hits + 1
        assert first.status_code == second.status_code == 200
        assert first.content == second.content and rows(second) == [(f"urn:x:p{i}", str(i)) for i in range(3)]
        for h in ("content-type", "content-length", "access-control-allow-origin", "vary",
                  "content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
            assert second.headers[h] == first.headers[h], h
        assert int(second.headers["content-length"]) == len(second.content)


def test_a_write_invalidates_the_cache(store):
    with client(store) as (c, cache):
        assert len(rows(get(c, point(SMALL)))) == 3
        assert len(rows(get(c, point(SMALL)))) == 3
        store.write(GraphWrite(replace={"urn:x:g1": _triples(SMALL, 5, "new")}))
        r = get(c, point(SMALL))
        assert rows(r) == sorted((f"urn:x:p{i}", f"new{i}") for i in range(5))
        assert cache.generation == store.generation()


def test_each_accept_has_its_own_entry(store):
    with client(store) as (c, cache):
        for _ in range(2):  # the second round comes from the cache
            j, x = get(c, point(SMALL), JSON), get(c, point(SMALL), XML)
            assert j.headers["content-type"].startswith("application/sparql-results+json")
            assert x.headers["content-type"].startswith("application/sparql-results+xml")
            assert j.content != x.content and b"<sparql" in x.content
        assert cache.hits >= 2 and len(cache) >= 2


def test_the_result_cap_is_still_enforced_and_refusals_are_not_cached(store):
    with client(store, sparql_max_results=5) as (c, cache):
        for _ in range(3):
            r = get(c, point(BIG))  # 40 rows > the cap of 5
            assert r.status_code == 413 and "5" in r.text
        assert all(key[0] != f"query={quote(point(BIG))}".encode() for key in cache._entries)
        assert get(c, point(SMALL)).status_code == 200  # 3 rows: within the cap, cached
        assert get(c, point(SMALL)).status_code == 200


def test_updates_never_reach_the_cache(store):
    update = f"INSERT DATA {{ <{SMALL}> <urn:x:p> 1 }}"
    with client(store) as (c, cache):
        before = len(cache)
        for _ in range(2):
            assert get(c, update).status_code == 400
            assert get(c, point(SMALL), update="x").status_code == 403
        assert len(cache) == before
    assert len(store.graph_triples("urn:x:g1")) == 3


def test_cache_off_and_memory_bound(store):
    with client(store, sparql_cache_bytes=0) as (c, cache):
        assert not cache
        assert get(c, point(SMALL)).status_code == 200 and get(c, point(SMALL)).status_code == 200
        assert len(cache) == 0 and cache.hits == 0
    with client(store, sparql_cache_bytes=3000) as (c, cache):
        for i in range(20):  # 20 distinct queries (LIMIT i) of ~600-byte answers each
            assert get(c, point(SMALL) + f" LIMIT {i + 1}").status_code == 200
            assert cache.size <= 3000
        assert 0 < len(cache) < 20


def test_result_cache_evicts_least_recently_used_first():
    cache = ResultCache(3 * 1000)
    for k in (b"a", b"b"):
        cache.put(1, (k, None), k, 400)
    assert cache.get(1, (b"a", None)) == b"a"  # a is now the most recently used
    cache.put(1, (b"c", None), b"c", 400)  # 3 entries of 913 bytes: all fit
    cache.put(1, (b"d", None), b"d", 400)  # over the bound: b (least recently used) goes
    assert cache.get(1, (b"b", None)) is None
    assert cache.get(1, (b"a", None)) == b"a" and cache.get(1, (b"d", None)) == b"d"
    assert cache.size <= 3000
    assert cache.get(2, (b"a", None)) is None and len(cache) == 0  # another generation: emptied
    cache.put(2, (b"huge", None), b"x", 10_000)  # bigger than the whole cache: not kept
    assert len(cache) == 0


def test_fast_path_answers_before_the_query_workers_have_started(store, monkeypatch):
    """The first bounded query does not wait for the worker processes (issue 13, target 3)."""
    from registry.sparql.executor import ProcessQueryPool

    release = threading.Event()
    real_start = ProcessQueryPool.start

    def slow_start(self):
        release.wait(30)
        real_start(self)

    monkeypatch.setattr(ProcessQueryPool, "start", slow_start)
    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_cheap_workers=0), store=store)
    try:
        with TestClient(app) as c:
            r = get(c, point(SMALL))  # workers blocked from starting: only the fast path can answer
            assert r.status_code == 200 and len(rows(r)) == 3
            assert get(c, f"ASK {{ <{SMALL}> ?p ?o }}").json()["boolean"] is True
            release.set()
            r = get(c, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # a worker query, once they run
            assert r.status_code == 200 and int(r.json()["results"]["bindings"][0]["n"]["value"]) == 43
    finally:
        release.set()


@pytest.mark.parametrize("raw", [
    "query=SELECT+%3Fp+%3Fo+WHERE+%7B+%3Curn%3Ax%3As%3E+%3Fp+%3Fo+%7D",
    "query=ASK%7B%7D&format=json&timeout=2",
    "format=xml&output=json&query=a%26b%3Dc&timeout=1&timeout=3",
    "query=%E4%B8%AD%E6%96%87&&format=",
    "query",
])
def test_fast_params_decode_as_parse_qsl(raw):
    pairs = parse_qsl(raw, keep_blank_values=True)
    got = fast_params(raw.encode())
    assert got is not None
    query, fmt, timeout = got
    assert query == dict(pairs)["query"]
    assert fmt == next((v for k, v in pairs if k in ("format", "output")), None)
    assert timeout == next((v for k, v in reversed(pairs) if k == "timeout"), None)


@pytest.mark.parametrize("raw", ["query=a&query=b", "query=a&default-graph-uri=urn:x", "format=json", "q%75ery=a&x=1"])
def test_fast_params_decline_anything_else(raw):
    assert fast_params(raw.encode()) is None
