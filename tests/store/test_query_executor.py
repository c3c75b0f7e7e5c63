"""Query execution is a capability of the store (``RegistryStore.query_executor``)."""

from __future__ import annotations

import inspect

import asyncrun
from registry.config import Settings
from registry.sparql.executor import ProcessQueryPool, QueryJob, ThreadQueryExecutor
from registry.store import GraphWrite, RegistryStore
from registry.store.embedded import EmbeddedStore
from registry.store.remote import RemoteStore

import pyoxigraph as ox

ASK = QueryJob("ASK { ?s ?p ?o }", None, None, "JSON", None, 10, 10**6)
ONE = {"urn:x:g": [ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"))]}


def test_on_disk_store_runs_queries_in_worker_processes(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    store.write(GraphWrite(replace=ONE))
    executor = store.query_executor(Settings(sparql_workers=1, sparql_cheap_workers=0, sparql_in_memory=False))
    try:
        assert isinstance(executor, ProcessQueryPool)
        media, body = asyncrun.run(lambda: executor.run(ASK, 30))
        assert media == "application/sparql-results+json" and b"true" in body
        assert len(executor.pids()) == 1
    finally:
        executor.close()


def test_in_memory_store_runs_queries_in_threads():
    store = EmbeddedStore(None)
    store.write(GraphWrite(replace=ONE))
    executor = store.query_executor(Settings())
    try:
        assert isinstance(executor, ThreadQueryExecutor)
        media, body = asyncrun.run(lambda: executor.run(ASK, 30))
        assert b"true" in body
    finally:
        executor.close()


def test_implementations_keep_the_signatures_of_the_interface():
    for cls in (EmbeddedStore, RemoteStore):
        for name in ("query", "query_serialized", "bulk_load_quads", "write", "dump", "query_executor"):
            base = inspect.signature(getattr(RegistryStore, name))
            impl = inspect.signature(getattr(cls, name))
            assert list(base.parameters) == list(impl.parameters)[: len(base.parameters)], (cls, name)
            for p in base.parameters.values():
                assert impl.parameters[p.name].kind == p.kind, (cls, name, p.name)
