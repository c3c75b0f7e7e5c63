"""The store contract suite runs on every kind in ``tests/backends.py`` (embedded, Oxigraph server, Virtuoso).

``store`` is an empty store of each kind (remote servers are started once per
session and emptied for each test); ``reference`` is an in-memory embedded store
the results are compared with.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from backends import BACKENDS, open_backend
from registry.store.embedded import EmbeddedStore

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURE = HERE / "fixture.ttl"
VOCABULARIES = ROOT / "vocabularies"


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    s = open_backend(request.param, tmp_path)
    yield s
    s.close()


@pytest.fixture
def reference():
    s = EmbeddedStore(None)
    yield s
    s.close()


def canonical(quads) -> set:
    """Quads with blank nodes relabelled canonically (isomorphic graphs compare equal)."""
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(ds)


def graph_quads(store, graph: str) -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    return [ox.Quad(t.subject, t.predicate, t.object, g) for t in store.graph_triples(graph)]


def store_dataset(store) -> set:
    quads = []
    for g in store.graph_names():
        quads.extend(graph_quads(store, g))
    return canonical(quads)


def rows(result) -> list[tuple]:
    """SELECT solutions as tuples of terms (blank nodes replaced by a marker)."""
    names = [v.value for v in result.variables]
    out = []
    for s in result:
        out.append(tuple("_:" if isinstance(s[n], ox.BlankNode) else s[n] for n in names))
    return out
