"""Query workers "crashed" on valid queries with large answers under uvloop (issue 14, defect 3).

Reproduction: ``registry serve`` (uvicorn with uvloop), then at once
``SELECT DISTINCT ?r ?x WHERE { ?r a cb:TransferRule . ?r (<urn:x:none>|!<urn:x:none>)+ ?x .
FILTER(isIRI(?x)) ?x a ?type }`` three times: 500 "查询进程意外退出 · The query worker stopped
unexpectedly". The worker was healthy: uvloop's ``add_reader`` switches the pipe to non-blocking
mode, and the parent's ``recv_bytes`` of a reply bigger than the socket buffer (here ~93 KB)
failed with ``BlockingIOError`` when only part of it had arrived, so the parent killed the worker
(and a respawn rebuilt its in-memory copy). Not the MemoryMirror's background thread: the same
query runs fine with the mirror building, on asyncio's default loop. Fix: the parent reads the
reply frame piece by piece (``executor._FrameReader``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncrun
import pytest

from registry.loader import load_files
from registry.sparql.executor import QueryJob
from registry.store.embedded import EmbeddedStore

uvloop = pytest.importorskip("uvloop")  # the server's loop (uvicorn picks it when installed)

ROOT = Path(__file__).resolve().parent.parent.parent
RULE_QUERY = ("SELECT DISTINCT ?r ?x WHERE { ?r a <https://w3id.org/gdlecb/def/TransferRule> . "
              "?r (<urn:x:none>|!<urn:x:none>)+ ?x . FILTER(isIRI(?x)) ?x a ?type }")
BIG_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def shipped_disk_store(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("shipped-disk"))
    load_files(store, [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"])
    yield store
    store.close()


@pytest.mark.parametrize("in_memory", [True, False])
def test_large_replies_right_after_start_under_uvloop(shipped_disk_store, in_memory):
    async def main():
        pool = shipped_disk_store.query_pool(1, in_memory=in_memory, cheap_size=0)
        try:
            pool.start()
            pids = pool.pids()
            sizes = []
            for q, fmt in [(RULE_QUERY, "CSV")] * 3 + [(BIG_QUERY, "JSON")] * 2:
                media, body = await pool.run(QueryJob(q, None, None, fmt, None, 100_000, 10**8), 60)
                sizes.append(len(body))
            assert pool.pids() == pids  # no worker was killed and replaced
            return sizes
        finally:
            pool.close()

    sizes = asyncrun.run(main, runner=uvloop.run)
    assert sizes[0] > 64 * 1024 and sizes[0] == sizes[1] == sizes[2]
    assert sizes[3] > 1024 * 1024
