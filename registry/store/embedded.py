"""The embedded default: pyoxigraph's on-disk store (RocksDB), no server to install."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from .base import GraphWrite, QueryResult, RegistryStore, StoreError


def _named(graphs: Sequence[str] | None):
    return None if graphs is None else [ox.NamedNode(g) for g in graphs]


def triples_to_ntriples(triples: Sequence[ox.Triple]) -> str:
    """N-Triples text for ``triples`` by pyoxigraph's own serialiser."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def graph_write_to_update(change: GraphWrite) -> str:
    """One SPARQL Update request that applies ``change`` (DROP + INSERT DATA)."""
    ops = [f"DROP SILENT GRAPH <{g}>" for g in change.drop]
    for g, triples in change.replace.items():
        ops.append(f"DROP SILENT GRAPH <{g}>")
        if triples:
            ops.append(f"INSERT DATA {{ GRAPH <{g}> {{\n{triples_to_ntriples(triples)}}} }}")
    return " ;\n".join(ops)


class EmbeddedStore(RegistryStore):
    kind = "embedded"

    def __init__(self, path: str | Path | None, *, read_only: bool = False):
        self.path = None if path is None else Path(path)
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(f"cannot open the store at {self.path}: {e}") from e
        self.read_only = read_only
        self._write_lock = threading.Lock()  # one writer at a time

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for hot paths that need it directly)."""
        return self._store

    def query(self, sparql, *, default_graph=None, named_graphs=None, timeout=None) -> QueryResult:
        if default_graph is None:
            return self._store.query(sparql, use_default_graph_as_union=True, named_graphs=_named(named_graphs))
        return self._store.query(sparql, default_graph=_named(default_graph), named_graphs=_named(named_graphs))

    def query_serialized(self, sparql, result_format, *, default_graph=None, named_graphs=None,
                         timeout=None, max_results=None) -> bytes:
        result = self.query(sparql, default_graph=default_graph, named_graphs=named_graphs, timeout=timeout)
        buf = io.BytesIO()
        result.serialize(buf, result_format)
        return buf.getvalue()

    def write(self, change: GraphWrite) -> None:
        if self.read_only:
            raise StoreError("this store was opened read-only")
        update = graph_write_to_update(change)
        if not update:
            return
        with self._write_lock:
            try:
                self._store.update(update)
            except (OSError, SyntaxError, ValueError) as e:
                raise StoreError(f"write failed, nothing was changed: {e}") from e

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]

    def graph_names(self) -> list[str]:
        return [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]

    def dump(self, output, fmt: ox.RdfFormat) -> None:
        if fmt.supports_datasets:
            self._store.dump(output, fmt)
        else:
            triples = (q.triple for q in self._store.quads_for_pattern(None, None, None, None)
                       if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(triples, output, fmt)

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        if not self.read_only:
            try:
                self._store.flush()
            except OSError:
                pass
        self._store = None
