"""A cheap ASK waited behind heavy queries and got 503 "all workers busy" (issue 14, defect 4).

Reproduction: two concurrent cartesian-product COUNTs (``{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }``)
on a server with two query workers, then a 2 ms ASK: it waited 10 s and answered 503. Now
queries proven cheap by their shape use a reserved lane (sparql_cheap_workers).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent.parent
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = "ASK { <https://w3id.org/gdlecb/framework/gdleqf> a ?t }"


def test_ask_answers_while_both_general_workers_run_heavy_queries(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    load_files(store, [ROOT / "vocabularies" / "gdleqf.ttl"])
    app = create_app(Settings(store=str(store.path), sparql_workers=2, sparql_timeout=12), store=store)
    with TestClient(app) as c:
        assert c.get("/sparql", params={"query": ASK}).status_code == 200
        done = []
        threads = [threading.Thread(target=lambda: done.append(c.get("/sparql", params={"query": HEAVY}).status_code))
                   for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        t0 = time.monotonic()
        r = c.get("/sparql", params={"query": ASK})
        assert r.status_code == 200 and time.monotonic() - t0 < 5.0
        assert not done  # the heavy queries were still running
        for t in threads:
            t.join(timeout=40)
        assert done == [503, 503]  # they ran to the time limit
    store.close()
