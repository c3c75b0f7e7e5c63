"""A listing or search page asked with If-Modified-Since after an accepted change must not answer 304.

Issue 13, target 4 (live incremental publishing). Reproduction: GET /search?q=<a new title> (no hits,
Last-Modified L); a unit is renamed to that title (the catalogue updates per changed graph); GET the
same page with ``If-Modified-Since: L`` a second later. The incremental update copied the previous
generation's ``SiteData.built_at``, which listings and search send as Last-Modified, so the answer was
304 Not Modified and the client kept the stale page without the change. Each update now stamps its
own ``built_at``.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pyoxigraph as ox

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.base import GraphWrite
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


def test_search_page_after_change_is_not_304(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    load_files(store, [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"])
    app = create_app(Settings(store=str(tmp_path / "store"), state_dir=str(tmp_path / "state")), store=store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(app)
    cat = app.state.ctx.catalogue
    unit = sorted(cat.site().unit_area)[0]
    title = "条件请求改名检查"
    first = client.get("/search", params={"q": title}, headers={"Accept": "text/html"})
    assert first.status_code == 200 and unit not in first.text
    time.sleep(1.1)  # Last-Modified has whole seconds
    triples = [ox.Triple(t.subject, t.predicate, ox.Literal(title, language="zh"))
               if t.subject.value == unit and t.predicate.value == PREF and t.object.language == "zh" else t
               for t in store.graph_triples(unit)]
    store.write(GraphWrite(replace={unit: triples}))
    again = client.get("/search", params={"q": title},
                       headers={"Accept": "text/html", "If-Modified-Since": first.headers["Last-Modified"]})
    assert cat.rebuilds["incremental"] == 1
    assert again.status_code == 200
    assert cat.iris.path_of(unit) in again.text
    client.close()
    store.close()
