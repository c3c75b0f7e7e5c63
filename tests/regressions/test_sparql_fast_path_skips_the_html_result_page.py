"""The in-process fast path answered a browser's GET with SPARQL XML instead of the HTML result page.

Found when the fast path (issue 13, target 1) and the HTML result page (issue 10, item 7) were merged:
``SparqlFastPath`` negotiated only the results formats, so a bounded query sent by a browser (``Accept:
text/html,…``) got ``application/sparql-results+xml`` while the same query with an unbounded shape got the
page. The fast path now leaves browsers to the full handler. The page is checked for a bounded query
(one triple pattern, constant subject), the shape the fast path takes.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
BOUNDED = "SELECT ?p ?o WHERE { <https://w3id.org/gdlecb/unit/ICT-SD-301> ?p ?o } LIMIT 5"


def test_a_browser_gets_the_result_page_for_a_bounded_query(tmp_path, seed_store_dir):
    import shutil

    shutil.copytree(seed_store_dir, tmp_path / "store")
    app = create_app(Settings(store=str(tmp_path / "store"), state_dir=str(tmp_path / "state"), sparql_workers=1))
    with TestClient(app) as client:
        client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "application/sparql-results+json"})
        for _ in range(2):  # the first query starts the pool; the second may take the fast path
            r = client.get("/sparql", params={"query": BOUNDED}, headers={"accept": BROWSER})
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/html"), r.headers["content-type"]
            assert "ICT-SD-301" in r.text or "<table" in r.text
        r = client.get("/sparql", params={"query": BOUNDED}, headers={"accept": "application/sparql-results+json"})
        assert r.headers["content-type"].startswith("application/sparql-results+json")
