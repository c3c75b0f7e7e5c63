"""Shared fixtures: the shipped registry in an in-memory store, one named graph per item."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.items import split_items

ROOT = Path(__file__).resolve().parents[2]
ELM_DIR = ROOT.parent / "shared" / "elm"  # the EU's ELM ontology and LOQ shapes (read-only copy beside the clone)
CB = "https://w3id.org/gdlecb/def/"


@pytest.fixture(scope="session")
def registry_store() -> ox.Store:
    store = ox.Store()
    for p in sorted((ROOT / "vocabularies").glob("*.ttl")) + [ROOT / "ontology" / "gdlecb.ttl"]:
        for item, triples in split_items(ox.parse(path=str(p))).items():
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(item)) for t in triples)
    return store


def item_triples(store: ox.Store, iri: str) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))]


def items_of(store: ox.Store, cls: str) -> list[str]:
    return sorted({q.subject.value for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(CB + cls), None)
        if q.graph_name == q.subject})
