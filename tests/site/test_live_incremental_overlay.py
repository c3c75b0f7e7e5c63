"""The live catalogue's incremental update is copy-free (issue 13, target 4): per-subject indexes are
overlays over the previous generation, derived lists and search facets are patched, the previous
generation stays exactly as it was for requests still rendering it, and every listing equals what a
full rebuild computes."""

from __future__ import annotations

import random
import shutil
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import generate
from registry.app import create_app
from registry.catalogue import incremental
from registry.catalogue.incremental import _GONE, Overlay, derive
from registry.catalogue.queries import C, load_site_data
from registry.catalogue.search import SearchIndex
from registry.config import Settings
from registry.loader import load_files
from registry.store.base import GraphWrite
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
BASE = "https://w3id.org/gdlecb/"
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
HTML = {"Accept": "text/html"}


def test_overlay_behaves_like_the_dict_it_stands_for_and_never_changes_once_made(monkeypatch):
    monkeypatch.setattr(incremental, "COMPACT_MIN", 40)
    rng = random.Random(7)
    model = {f"k{i}": i for i in range(300)}
    current = dict(model)
    history = [(current, dict(model))]
    for step in range(400):
        changes = {}
        for _ in range(rng.randint(1, 6)):
            k = f"k{rng.randint(0, 400)}"
            changes[k] = _GONE if rng.random() < 0.4 else step
        for k, v in changes.items():
            if v is _GONE:
                model.pop(k, None)
            else:
                model[k] = v
        current = derive(current, changes)
        history.append((current, dict(model)))
    assert any(isinstance(m, Overlay) for m, _ in history)
    assert any(type(m) is dict for m, _ in history[1:]), "large overlays are folded into a plain dict"
    for mapping, expected in history:  # every generation still reads as it did when it was made
        assert len(mapping) == len(expected)
        assert dict(mapping.items()) == expected
        assert sorted(mapping) == sorted(expected)
        for k in ("k0", "k5", "k350", "k401"):
            assert (k in mapping) == (k in expected)
            assert mapping.get(k) == expected.get(k)
        if isinstance(mapping, Overlay):
            with pytest.raises(KeyError):
                mapping["missing"]


def test_overlay_set_members():
    s = {"a", "b", "c"}
    t = derive(s, {"b": _GONE, "d": True}, as_set=True)
    assert sorted(t) == ["a", "c", "d"] and "b" not in t and "d" in t and len(t) == 3
    assert s == {"a", "b", "c"}


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    data = generate(120, 1, out=folder / "data.ttl")
    store = EmbeddedStore(folder / "store")
    load_files(store, SHIPPED + [data])
    store.close()
    return folder / "store"


@pytest.fixture
def live(tmp_path, seed):
    shutil.copytree(seed, tmp_path / "store")
    store = EmbeddedStore(tmp_path / "store")
    app = create_app(Settings(store=str(tmp_path / "store"), state_dir=str(tmp_path / "state")), store=store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(app)
    yield client, app.state.ctx.catalogue, store
    client.close()
    store.close()


def _renamed(store, unit: str, title: str) -> GraphWrite:
    triples = [ox.Triple(t.subject, t.predicate, ox.Literal(title, language="zh"))
               if t.subject.value == unit and t.predicate.value == PREF and t.object.language == "zh" else t
               for t in store.graph_triples(unit)]
    return GraphWrite(replace={unit: triples})


def _derived(site) -> dict:
    return {"units_of_area": {k: v for k, v in site.units_of_area().items() if v},
            "units_of_level": {k: v for k, v in site.units_of_level().items() if v},
            "areas_of_standard": {k: v for k, v in site.areas_of_standard().items() if v},
            "standard_levels": {k: v for k, v in site.standard_levels().items() if v},
            "dated_graphs": site.dated_graphs(),
            **{cls: site.of_type(cls) for cls in (C + "Unit", C + "CompetencyStandard", C + "FunctionalArea")}}


def test_update_shares_the_previous_generation_and_leaves_it_untouched(live):
    client, cat, store = live
    old = cat.site()
    unit = sorted(old.unit_area)[5]
    snapshot = {"labels": dict(old.labels.items()), "graphs": set(old.graphs), **_derived(old)}
    store.write(_renamed(store, unit, "共享结构检查"))
    new = cat.site()
    assert new is not old and cat.rebuilds == {"full": 1, "incremental": 1}
    # copy-free: the new indexes are overlays over the old dicts holding only the changed keys
    assert isinstance(new.labels, Overlay) and new.labels.base is old.labels and unit in new.labels.over
    n = len(old.graph_subjects[unit])  # the subjects of the one changed graph
    assert len(new.labels.over) <= n and len(new.types.over) <= n and len(new.graphs.over) == 1
    assert sorted(new.labels[unit]) == sorted([("共享结构检查", "zh")] + [x for x in old.labels[unit] if x[1] != "zh"])
    # the previous generation reads exactly as before (a request rendering it sees none of the change)
    assert {"labels": dict(old.labels.items()), "graphs": set(old.graphs), **_derived(old)} == snapshot
    assert new.built_at >= old.built_at


def test_listings_counts_and_search_match_a_full_rebuild_after_rename_delete_add(live):
    client, cat, store = live
    site = cat.site()
    client.get("/", headers=HTML)
    client.get("/search", params={"q": "ICT"}, headers=HTML)  # the facets are counted once
    units = sorted(u for u in site.unit_area if u.startswith(BASE))
    renamed, victim, model = units[3], units[10], units[20]
    std = site.unit_standard(victim)
    std_path = "/" + cat.iris.path_of(std)
    new_unit = BASE + "unit/LIVE-NEW-1"

    store.write(_renamed(store, renamed, "实时改名单元"))
    assert "实时改名单元" in client.get("/" + cat.iris.path_of(site.unit_standard(renamed)), headers=HTML).text
    assert renamed in [h["iri"] for h in client.get("/api/search", params={"q": "实时改名"}).json()["results"]]

    assert cat.iris.path_of(victim) + '"' in client.get(std_path, headers=HTML).text
    store.write(GraphWrite(drop=[victim]))
    assert cat.iris.path_of(victim) + '"' not in client.get(std_path, headers=HTML).text
    assert client.get("/" + cat.iris.path_of(victim), headers=HTML).status_code == 404

    def term(x):
        return ox.NamedNode(new_unit + x.value[len(model):]) if isinstance(x, ox.NamedNode) and x.value.startswith(model) else x
    triples = [ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in store.graph_triples(model)]
    store.write(GraphWrite(replace={new_unit: triples}))
    home = client.get("/", headers=HTML).text
    assert cat.rebuilds == {"full": 1, "incremental": 3}

    new, full = cat.site(), load_site_data(store)
    assert _derived(new) == _derived(full)
    assert len(new.of_type(C + "Unit")) == len(site.of_type(C + "Unit"))  # one deleted, one added
    assert new_unit in new.of_type(C + "Unit") and victim not in new.of_type(C + "Unit")
    index, fresh = cat.search_index(), SearchIndex(full, BASE)
    assert index.facets() == fresh.facets()
    assert sorted(map(repr, index.live())) == sorted(map(repr, fresh.live()))
    # the home page counts and lists what a full rebuild would
    from registry.catalogue.service import home_context
    from registry.catalogue.pages import View
    from registry.catalogue.urls import LiveUrls
    urls = LiveUrls(cat.iris, "zh")
    assert home_context(View(new, "zh"), urls)["p"] == home_context(View(full, "zh"), urls)["p"]
    assert str(len(full.of_type(C + "Unit"))) in home
    from registry.catalogue.pages import standards_list
    assert standards_list(View(new, "zh")) == standards_list(View(full, "zh"))


def test_search_dependents_uses_the_patched_lists(live):
    """Renaming a standard re-indexes its areas and units (their entries read its sectors)."""
    client, cat, store = live
    site = cat.site()
    std = site.of_type(C + "CompetencyStandard")[0]
    deps = incremental.search_dependents(site, {std})
    assert set(site.areas_of_standard()[std]) <= deps
    assert any(u in deps for a in site.areas_of_standard()[std] for u in site.units_of_area()[a])
