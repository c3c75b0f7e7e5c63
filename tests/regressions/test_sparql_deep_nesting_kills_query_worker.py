"""Deeply nested queries killed a query worker (issue 14, defect 2).

Reproduction: ``SELECT * WHERE `` + 20,000 ``{`` … ``}`` (or 5,000 nested parentheses in a FILTER)
on /sparql: the worker died in Oxigraph's recursive parser and its respawn rebuilt the in-memory
copy of the store (20 such requests cost 7 s of CPU). Now a lexer-aware depth count refuses them
with 400 before any parser runs, and the worker is the same process afterwards.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent.parent


def test_deep_queries_are_400_and_the_worker_survives(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    load_files(store, [ROOT / "vocabularies" / "gdleqf.ttl"])
    app = create_app(Settings(store=str(store.path), sparql_workers=1, sparql_cheap_workers=0), store=store)
    with TestClient(app) as c:
        ct = {"content-type": "application/sparql-query"}
        assert c.post("/sparql", content=b"ASK {}", headers=ct).status_code == 200
        pids = app.state.ctx.sparql.executor.pids()
        for q in ("SELECT * WHERE " + "{" * 20000 + "}" * 20000,
                  "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "?o" + ")" * 5000 + ") }"):
            for _ in range(5):
                r = c.post("/sparql", content=q.encode(), headers=ct)
                assert r.status_code == 400 and "levels" in r.text, r.text
        assert app.state.ctx.sparql.executor.pids() == pids
        assert c.post("/sparql", content=b"ASK {}", headers=ct).status_code == 200
    store.close()
