"""Load RDF files into the store, one named graph per item (minimal version; see `registry load`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .items import split_items
from .store import GraphWrite, RegistryStore

RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
                ".trig": ox.RdfFormat.TRIG, ".jsonld": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML}


def rdf_files(paths: Iterable[str | Path]) -> list[Path]:
    """The RDF files named by ``paths`` (folders are searched recursively), in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix in RDF_SUFFIXES and f.is_file()))
        else:
            out.append(p)
    return out


def items_from_files(files: Iterable[Path]) -> dict[str, list[ox.Triple]]:
    """Parse ``files`` and group their triples by item (graphs of the same item are merged)."""
    items: dict[str, list[ox.Triple]] = {}
    for f in files:
        triples = [q.triple for q in ox.parse(path=str(f), format=RDF_SUFFIXES.get(f.suffix, ox.RdfFormat.TURTLE))]
        for item, ts in split_items(triples).items():
            items.setdefault(item, []).extend(ts)
    return items


def load_files(store: RegistryStore, paths: Iterable[str | Path]) -> dict[str, list[ox.Triple]]:
    """Replace the item graphs found in ``paths`` in one atomic write; returns the items."""
    items = items_from_files(rdf_files(paths))
    store.write(GraphWrite(replace=items))
    return items
