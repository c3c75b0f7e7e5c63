"""A remote store's timeout reached /sparql as 500 "query failed" (issue 12, Track STORE).

Reproduction: a ``RemoteStore`` whose server does not answer within the time limit.
``RemoteStore.query`` raised ``StoreTimeoutError``, a ``RuntimeError`` then, which the
executor's ``run_job`` caught as a generic failure: the client got 500 instead of 503,
and the executor's own timeout branch (``"Timeout" in type(e).__name__``) was dead code.
Now store errors are ``RegistryError``s with kinds and the executor classifies them by
kind: a timeout is 503, an upstream failure 502.
"""

from __future__ import annotations

import httpx
import pytest

import asyncrun
from registry.errors import Kind
from registry.sparql.executor import QueryFailed, QueryJob, ThreadQueryExecutor
from registry.store.remote import RemoteStore, StoreTimeoutError


def _remote(fail: Exception | None = None, status: int = 200) -> RemoteStore:
    def handler(request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        if "ASK" in body and "%7B%7D" in body and fail is None and status == 200:
            return httpx.Response(200, json={"head": {}, "boolean": True},
                                  headers={"content-type": "application/sparql-results+json"})
        if fail is not None and "SELECT" in body:
            raise fail
        if status != 200 and "SELECT" in body:
            return httpx.Response(status, text="the server says no")
        return httpx.Response(200, json={"head": {}, "boolean": True},
                              headers={"content-type": "application/sparql-results+json"})

    return RemoteStore("http://sparql.invalid/q", transport=httpx.MockTransport(handler), dialect="standard")


JOB = QueryJob("SELECT * WHERE { ?s ?p ?o }", None, None, "JSON", None, 100, 10**6)


def _run(store) -> QueryFailed:
    executor = store.query_executor(None)
    try:
        assert isinstance(executor, ThreadQueryExecutor)
        with pytest.raises(QueryFailed) as info:
            asyncrun.run(lambda: executor.run(JOB, 5))
        return info.value
    finally:
        executor.close()


def test_remote_timeout_is_503():
    store = _remote(fail=httpx.ReadTimeout("slow"))
    with pytest.raises(StoreTimeoutError) as direct:
        store.query(JOB.query, timeout=1)
    assert direct.value.kind == Kind.TIMEOUT and direct.value.status == 503
    failed = _run(store)
    assert failed.status == 503 and "查询超时" in str(failed)


def test_remote_server_error_is_502_upstream():
    failed = _run(_remote(status=400))
    assert failed.status == 502 and "查询执行失败" in str(failed)
