"""`registry build-site` over an existing output rewrites only changed files, removes the files of
deleted items, and leaves exactly what a clean build writes (issue 13, target 4)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from registry.catalogue.build import Output, build_site
from registry.loader import load_files
from registry.store.base import GraphWrite
from registry.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).with_name("fixture.ttl")
BASE = "https://w3id.org/gdlecb/"
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def test_rebuild_over_an_existing_output_equals_a_clean_build(tmp_path):
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE])
    out = tmp_path / "out"
    first = build_site(store, out, base_iri=BASE, workers=1)
    assert first.written == len(_tree(out)) - 1  # everything but the manifest
    assert (out / "unit" / "ICT-SD-302.html").exists()

    # nothing changed: nothing is rewritten
    again = build_site(store, out, base_iri=BASE, workers=1)
    assert again.written == 0 and again.removed == 0

    # change one unit's label, delete another unit
    u1 = BASE + "unit/ICT-SD-301"
    triples = [t for t in store.graph_triples(u1) if not (t.subject.value == u1 and t.predicate == PREF)]
    triples.append(ox.Triple(ox.NamedNode(u1), PREF, ox.Literal("改过的单元名称", language="zh")))
    store.write(GraphWrite(replace={u1: triples}, drop=[BASE + "unit/ICT-SD-302"]))

    inc = build_site(store, out, base_iri=BASE, workers=1)
    clean_out = tmp_path / "clean"
    clean = build_site(store, clean_out, base_iri=BASE, workers=1)

    inc_tree, clean_tree = _tree(out), _tree(clean_out)
    assert sorted(inc_tree) == sorted(clean_tree)
    for name in clean_tree:
        assert inc_tree[name] == clean_tree[name], name
    assert _dirs(out) == _dirs(clean_out)
    assert not (out / "unit" / "ICT-SD-302.html").exists()
    assert not (out / "en" / "unit" / "ICT-SD-302.html").exists()
    assert not (out / "unit" / "ICT-SD-302.ttl").exists()
    assert "改过的单元名称" in (out / "unit" / "ICT-SD-301.html").read_text(encoding="utf-8")
    # only what changed was written: far fewer files than a clean build, and the deleted unit's removed
    assert inc.removed >= 6  # two pages and four data files
    assert 0 < inc.written < clean.written / 2


def test_a_file_deleted_by_hand_is_written_again(tmp_path):
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE])
    out = tmp_path / "out"
    build_site(store, out, base_iri=BASE, workers=1)
    page = out / "unit" / "ICT-SD-301.html"
    before = page.read_bytes()
    page.unlink()
    stats = build_site(store, out, base_iri=BASE, workers=1)
    assert stats.written == 1 and page.read_bytes() == before
    assert (out / Output.MANIFEST).exists()
