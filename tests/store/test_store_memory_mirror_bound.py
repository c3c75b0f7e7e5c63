"""The query workers' in-memory copy is bounded by the store's size (issue 13, target 3).

``sparql_in_memory_max_triples``: a snapshot with more quads gets no in-memory copy (queries
read the on-disk snapshot), so memory stays bounded at a million units; a smaller one is copied
in the background and never delays an answer.
"""

from __future__ import annotations

import pyoxigraph as ox

from registry.config import Settings
from registry.sparql.executor import MemoryMirror, count_quads
from registry.store import GraphWrite
from registry.store.embedded import EmbeddedStore, SnapshotReader


def _store(tmp_path, n):
    s = EmbeddedStore(tmp_path / "s")
    s.write(GraphWrite(replace={"urn:x:g": [ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode(f"urn:x:p{i}"),
                                                      ox.Literal(str(i))) for i in range(n)]}))
    return s


def _settle(mirror):
    first = mirror.current()
    if mirror._building is not None:
        mirror._building.join(30)
    return first, mirror.current()


def test_count_quads_stops_at_the_bound(tmp_path):
    s = _store(tmp_path, 30)
    assert count_quads(s.oxigraph, 1000) == 30
    assert count_quads(s.oxigraph, 11) == 11


def test_small_store_is_copied_in_the_background(tmp_path):
    s = _store(tmp_path, 30)
    reader = SnapshotReader(s.path)
    mirror = MemoryMirror(reader, max_triples=100)
    first, later = _settle(mirror)
    assert first is reader.current()  # the first answer does not wait for the copy
    assert later is not reader.current() and len(later) == 30


def test_store_over_the_bound_gets_no_copy(tmp_path):
    s = _store(tmp_path, 30)
    reader = SnapshotReader(s.path)
    mirror = MemoryMirror(reader, max_triples=29)
    _, later = _settle(mirror)
    assert later is reader.current() and mirror.skipped_gen == reader.generation()
    assert mirror.current() is reader.current() and not mirror._building.is_alive()  # not retried


def test_default_setting_mirrors_100k_units_but_not_a_million():
    bound = Settings().sparql_in_memory_max_triples
    assert 2_200_000 < bound < 21_000_000  # ~2.1 M quads per 100k generated units


def test_pool_hands_the_bound_to_its_workers(tmp_path):
    s = _store(tmp_path, 3)
    pool = s.query_executor(Settings(store=str(s.path), sparql_in_memory_max_triples=7, sparql_workers=1))
    try:
        assert pool.mirror_max_triples == 7 and pool.fast_max_triples == Settings().sparql_fast_max_triples
    finally:
        pool.close()
