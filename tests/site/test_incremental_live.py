"""Live catalogue after an accepted change: pages and /api/search show it at once, and the cache
is updated per changed item (not rebuilt whole), ending equal to a full rebuild (issue 13, target 4)."""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from pathlib import Path

import pytest

from registry.app import create_app
from registry.catalogue import incremental
from registry.catalogue.queries import load_site_data
from registry.catalogue.search import SearchIndex
from registry.config import Settings
from registry.loader import load_files
from registry.store.base import GraphWrite
from registry.store.embedded import EmbeddedStore
from registry.workflow.auth import add_org, add_user
from registry.workflow.state import StateDB

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
UNIT_TTL = ROOT / "tests" / "workflow" / "data" / "unit-new.ttl"
BASE = "https://w3id.org/gdlecb/"
NEW = BASE + "unit/ICT-SD-309"


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "store"
    store = EmbeddedStore(path)
    load_files(store, SHIPPED)
    store.close()
    return path


@pytest.fixture
def env(tmp_path, seed):
    shutil.copytree(seed, tmp_path / "store")
    store = EmbeddedStore(tmp_path / "store")
    db = StateDB(tmp_path / "state")
    add_org(db, "gdou", "广东开放大学 Guangdong Open University", BASE + "org/gdou", ["ICT"])
    tokens = {name: add_user(db, name, role, org)[1]
              for name, role, org in (("alice", "author", "gdou"), ("registrar", "registrar", None))}
    app = create_app(Settings(store=str(tmp_path / "store"), state_dir=str(tmp_path / "state")), store=store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(app)

    def publish(ttl: str):
        r = client.post("/api/submissions", content=ttl.encode("utf-8"),
                        headers={"Authorization": f"Bearer {tokens['alice']}", "Content-Type": "text/turtle"})
        assert r.status_code == 201, r.text
        a = client.post(f"/api/submissions/{r.json()['id']}/accept", json={"status": "stable"},
                        headers={"Authorization": f"Bearer {tokens['registrar']}"})
        assert a.status_code == 200, a.text

    yield client, app.state.ctx.catalogue, store, publish
    store.close()


def _search(client, q: str) -> list[str]:
    r = client.get("/api/search", params={"q": q, "limit": 200})
    assert r.status_code == 200
    return [h["iri"] for h in r.json()["results"]]


def _assert_equal_to_full(cat, store):
    """The incrementally updated site data and search index equal freshly built ones."""
    site = cat.site()
    full = load_site_data(store)
    for f in dataclasses.fields(site):
        if f.name in ("_memo", "built_at", "generation", "graph_triples"):
            continue
        a, b = getattr(site, f.name), getattr(full, f.name)
        if isinstance(a, dict):
            a, b = {k: v for k, v in a.items() if v}, {k: v for k, v in b.items() if v}
            if f.name == "links":
                a = {k: {p: o for p, o in v.items() if o} for k, v in a.items()}
                b = {k: {p: o for p, o in v.items() if o} for k, v in b.items()}
        assert a == b, f"SiteData.{f.name} differs from a full rebuild"
    index, fresh = cat.search_index(), SearchIndex(full, BASE)
    assert sorted(map(repr, index.live())) == sorted(map(repr, fresh.live()))
    for q in ("ICT", "测试", "software", "level", "3"):
        assert index.search(q) == fresh.search(q), q
    assert index.facets() == fresh.facets()


def test_accepted_change_shows_without_a_full_rebuild(env):
    client, cat, store, publish = env
    assert client.get("/unit/ICT-SD-301", headers={"Accept": "text/html"}).status_code == 200
    assert NEW not in _search(client, "编写自动化测试脚本")
    assert cat.rebuilds == {"full": 1, "incremental": 0}

    publish(UNIT_TTL.read_text(encoding="utf-8"))
    # the next requests: search, the new unit's page and its area's page show it
    assert NEW in _search(client, "编写自动化测试脚本")
    assert NEW in _search(client, "ICT-SD-309")
    page = client.get("/unit/ICT-SD-309", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "编写自动化测试脚本" in page.text
    area = client.get("/standard/ICT/area/SD", headers={"Accept": "text/html"})
    assert "ICT-SD-309" in area.text
    assert cat.rebuilds["full"] == 1 and cat.rebuilds["incremental"] == 1
    _assert_equal_to_full(cat, store)

    # a change of the same unit: its old label is gone from search, the new one is found
    publish(UNIT_TTL.read_text(encoding="utf-8").replace("编写自动化测试脚本", "编写端到端测试脚本"))
    assert NEW not in _search(client, "编写自动化测试脚本")
    assert NEW in _search(client, "端到端")
    hit = client.get("/api/search", params={"q": "ICT-SD-309"}).json()["results"][0]
    assert hit["iri"] == NEW and hit["label"] == "编写端到端测试脚本"
    assert cat.rebuilds == {"full": 1, "incremental": 2}
    _assert_equal_to_full(cat, store)

    # a deleted item leaves pages and search
    store.write(GraphWrite(drop=[NEW]))
    assert NEW not in _search(client, "ICT-SD-309")
    assert client.get("/unit/ICT-SD-309", headers={"Accept": "text/html"}).status_code == 404
    assert cat.rebuilds == {"full": 1, "incremental": 3}
    _assert_equal_to_full(cat, store)


def test_unknown_change_set_rebuilds_whole(env):
    client, cat, store, _ = env
    _search(client, "ICT")
    store.bulk_load_quads([], [NEW])  # bulk loads are not journalled
    assert store.changed_graphs(store.generation() - 1) is None
    _search(client, "ICT")
    assert cat.rebuilds == {"full": 2, "incremental": 0}


def test_subject_shared_with_an_unchanged_graph_rebuilds_whole(env):
    """A changed graph describing a subject that an unchanged graph also describes cannot be
    re-indexed alone (the subject's facts from both graphs merge): a full rebuild, same answers."""
    import pyoxigraph as ox

    client, cat, store, _ = env
    unit = BASE + "unit/ICT-SD-301"
    assert unit not in _search(client, "别名甲乙丙")
    extra = BASE + "labels/extra"
    store.write(GraphWrite(replace={extra: [ox.Triple(ox.NamedNode(unit),
                                                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                                                      ox.Literal("别名甲乙丙", language="zh"))]}))
    assert unit in _search(client, "别名甲乙丙")
    assert cat.rebuilds == {"full": 2, "incremental": 0}
    _assert_equal_to_full(cat, store)
