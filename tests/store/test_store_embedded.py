"""The embedded store: graph replacement, generations shared between processes, atomic writes, snapshots."""

from __future__ import annotations

import subprocess
import sys
import threading

import pyoxigraph as ox
import pytest

from registry.store import GraphWrite, StoreError
from registry.store import embedded as embedded_module
from registry.store.embedded import EmbeddedStore

EX = "http://example.org/"


def t(s, p, o) -> ox.Triple:
    o = ox.NamedNode(EX + o) if isinstance(o, str) else ox.Literal(str(o), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Triple(ox.NamedNode(EX + s), ox.NamedNode(EX + p), o)


def snapshot(store) -> set:
    return {(q.subject, q.predicate, q.object, q.graph_name) for q in store.oxigraph.quads_for_pattern(None, None, None, None)}


@pytest.fixture(params=["disk", "memory"])
def store(request, tmp_path):
    s = EmbeddedStore(tmp_path / "store" if request.param == "disk" else None)
    yield s
    s.close()


def test_write_replaces_graphs_as_a_whole_and_drops(store):
    store.write(GraphWrite(replace={EX + "g1": [t("a", "p", "b"), t("a", "q", 1)], EX + "g2": [t("c", "p", "d")]}))
    assert sorted(store.graph_names()) == [EX + "g1", EX + "g2"]
    store.write(GraphWrite(replace={EX + "g1": [t("a", "p", "z")]}))
    assert store.graph_triples(EX + "g1") == [t("a", "p", "z")]
    assert store.graph_triples(EX + "g2") == [t("c", "p", "d")]
    store.write(GraphWrite(drop=[EX + "g2"]))
    assert store.graph_names() == [EX + "g1"]
    assert store.graph_triples(EX + "nothing") == []


def test_default_graph_is_the_union_of_named_graphs(store):
    store.write(GraphWrite(replace={EX + "g1": [t("a", "p", "b")], EX + "g2": [t("c", "p", "d")]}))
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert [r["s"].value for r in rows] == [EX + "a", EX + "c"]
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[EX + "g2"])
    assert [r["s"].value for r in rows] == [EX + "c"]


def test_generation_changes_on_every_write(store):
    gens = [store.generation()]
    for i in range(3):
        store.write(GraphWrite(replace={EX + "g": [t("a", "p", i)]}))
        gens.append(store.generation())
    store.write(GraphWrite(drop=[EX + "g"]))
    gens.append(store.generation())
    assert len(set(gens)) == len(gens)


def test_generation_and_data_are_shared_between_processes(tmp_path):
    folder = tmp_path / "store"
    writer = EmbeddedStore(folder)
    reader = EmbeddedStore(folder, read_only=True)
    g0 = reader.generation()
    writer.write(GraphWrite(replace={EX + "g": [t("a", "p", "b")]}))
    assert reader.generation() != g0
    assert reader.graph_triples(EX + "g") == [t("a", "p", "b")]
    # another process: sees the same generation and writes through the same folder
    code = (
        "import sys, pyoxigraph as ox\n"
        "from registry.store.embedded import EmbeddedStore\n"
        "from registry.store import GraphWrite\n"
        "s = EmbeddedStore(sys.argv[1])\n"
        "print(s.generation())\n"
        "s.write(GraphWrite(replace={'http://example.org/h': [ox.Triple(ox.NamedNode('http://example.org/x'), "
        "ox.NamedNode('http://example.org/p'), ox.NamedNode('http://example.org/y'))]}))\n"
        "print(s.generation())\n"
    )
    gen_here = writer.generation()
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=60, check=True)
    seen, after = map(int, out.stdout.split())
    assert seen == gen_here
    assert writer.generation() == after == reader.generation()
    assert sorted(writer.graph_names()) == [EX + "g", EX + "h"]


def test_read_only_store_refuses_writes(tmp_path):
    EmbeddedStore(tmp_path / "store").close()
    ro = EmbeddedStore(tmp_path / "store", read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        ro.write(GraphWrite(replace={EX + "g": [t("a", "p", "b")]}))
    with pytest.raises(StoreError, match="no registry store"):
        EmbeddedStore(tmp_path / "missing", read_only=True)


@pytest.mark.parametrize("stage", ["after-drop", "insert", "before-commit"])
@pytest.mark.parametrize("size", [10, 12_000], ids=["transaction", "bulk"])
def test_failure_mid_write_leaves_the_store_unchanged(store, stage, size):
    old = {EX + "g1": [t("a", "p", i) for i in range(50)], EX + "g2": [t("c", "p", "d")]}
    store.write(GraphWrite(replace=old))
    before, gen = snapshot(store), store.generation()

    def fail(where, n):
        if where == stage:
            raise RuntimeError("injected failure")

    store.fault_hook = fail
    new = {EX + "g1": [t("x", "p", i) for i in range(size)], EX + "g3": [t("y", "p", "z")]}
    with pytest.raises((RuntimeError, StoreError)):
        store.write(GraphWrite(replace=new, drop=[EX + "g2"]))
    store.fault_hook = None
    assert snapshot(store) == before
    assert store.generation() == gen
    # and the next write works on the intact store
    store.write(GraphWrite(replace={EX + "g3": [t("y", "p", "z")]}))
    assert len(snapshot(store)) == len(before) + 1


def test_readers_see_before_or_after_never_half(tmp_path):
    folder = tmp_path / "store"
    writer = EmbeddedStore(folder)
    writer.write(GraphWrite(replace={EX + "g": [t("a", "p", i) for i in range(10)]}))
    reader = EmbeddedStore(folder, read_only=True)
    seen_during = []

    def look(where, n):
        if where == "before-commit":  # the primary holds the new data, not yet published
            seen_during.append(len(reader.graph_triples(EX + "g")))
            seen_during.append(len(writer.graph_triples(EX + "g")))

    writer.fault_hook = look
    writer.write(GraphWrite(replace={EX + "g": [t("b", "p", i) for i in range(7000)]}))
    assert seen_during == [10, 10]
    assert len(reader.graph_triples(EX + "g")) == 7000


def test_readers_are_not_blocked_by_a_writer(tmp_path):
    folder = tmp_path / "store"
    writer = EmbeddedStore(folder)
    writer.write(GraphWrite(replace={EX + "g": [t("a", "p", 1)]}))
    reader = EmbeddedStore(folder, read_only=True)
    inside, release = threading.Event(), threading.Event()

    def hold(where, n):
        if where == "before-commit":
            inside.set()
            release.wait(10)

    writer.fault_hook = hold
    th = threading.Thread(target=writer.write, args=(GraphWrite(replace={EX + "g": [t("a", "p", 2)]}),))
    th.start()
    assert inside.wait(10)
    # the write is in progress (holding its lock): reads answer at once with the old data
    assert reader.graph_triples(EX + "g") == [t("a", "p", 1)]
    assert writer.graph_triples(EX + "g") == [t("a", "p", 1)]
    release.set()
    th.join(10)
    assert reader.graph_triples(EX + "g") == [t("a", "p", 2)]


def test_a_crash_mid_write_is_repaired_by_the_next_writer(tmp_path):
    import shutil

    folder = tmp_path / "store"
    s = EmbeddedStore(folder)
    s.write(GraphWrite(replace={EX + "g": [t("a", "p", "b")]}))
    # simulate a process killed mid-write: marker left behind, primary damaged
    (folder / "WRITE-IN-PROGRESS").touch()
    shutil.rmtree(folder / "oxigraph")
    (folder / "oxigraph").mkdir()
    (folder / "oxigraph" / "CURRENT").write_text("garbage\n")
    s2 = EmbeddedStore(folder)
    s2.write(GraphWrite(replace={EX + "h": [t("c", "p", "d")]}))
    assert sorted(s2.graph_names()) == [EX + "g", EX + "h"]
    assert not (folder / "WRITE-IN-PROGRESS").exists()


def test_old_snapshots_are_collected(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_module, "SNAPSHOT_GRACE", 0.0)
    folder = tmp_path / "store"
    s = EmbeddedStore(folder)
    for i in range(5):
        s.write(GraphWrite(replace={EX + "g": [t("a", "p", i)]}))
    kept = sorted(int(d.name) for d in (folder / "snapshots").iterdir())
    assert kept == [s.generation() - 1, s.generation()]


@pytest.mark.parametrize("fmt", [ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES])
def test_dump(store, fmt):
    import io

    store.write(GraphWrite(replace={EX + "g1": [t("a", "p", "b")], EX + "g2": [t("a", "p", "b"), t("c", "p", 1)]}))
    buf = io.BytesIO()
    store.dump(buf, fmt)
    got = list(ox.parse(buf.getvalue(), fmt))
    if fmt.supports_datasets:
        assert {(q.graph_name.value, q.triple) for q in got} == {
            (EX + "g1", t("a", "p", "b")), (EX + "g2", t("a", "p", "b")), (EX + "g2", t("c", "p", 1))}
    else:
        assert {q.triple for q in got} == {t("a", "p", "b"), t("c", "p", 1)}
