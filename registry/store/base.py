"""The store interface every part of the registry uses.

Kept small on purpose so that an implementation over a remote SPARQL 1.1 server
(Query, Update and Graph Store protocols) can follow the embedded one exactly.

Terms are pyoxigraph terms (``NamedNode``, ``BlankNode``, ``Literal``,
``Triple``, ``Quad``) in both implementations: the remote one parses results
with pyoxigraph's parsers, so callers never see a difference.

The public dataset is the union of all named graphs: the RDF store holds
exactly what is published (one named graph per registrable item, see
``registry/items.py``); nothing private is ever written to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

import pyoxigraph as ox

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]


class StoreError(RuntimeError):
    """A store operation failed; the message says why in words a person can act on."""


@dataclass
class GraphWrite:
    """One atomic write: graphs to replace as a whole and graphs to drop.

    ``replace`` maps a graph IRI to its complete new content (triples); the
    old content of each of those graphs is removed in the same transaction.
    """

    replace: Mapping[str, Sequence[ox.Triple]] = field(default_factory=dict)
    drop: Sequence[str] = ()


class RegistryStore(ABC):
    """What the registry needs from an RDF store."""

    #: a short name for messages and benchmarks ("embedded", "remote")
    kind: str = "abstract"

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL query.

        Without ``default_graph`` the default graph is the union of all named
        graphs (the public registry). ``timeout`` (seconds) bounds the run
        where the implementation can enforce it.
        """

    @abstractmethod
    def query_serialized(
        self,
        sparql: str,
        result_format: ox.QueryResultsFormat | ox.RdfFormat,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        max_results: int | None = None,
    ) -> bytes:
        """Run a query and return its results serialised (the SPARQL endpoint's hot path)."""

    @abstractmethod
    def write(self, change: GraphWrite) -> None:
        """Apply ``change`` atomically: all of it or nothing; readers see before or after."""

    @abstractmethod
    def graph_triples(self, graph: str) -> list[ox.Triple]:
        """All triples of one named graph (empty list when it does not exist)."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """Names of all named graphs."""

    @abstractmethod
    def dump(self, output, fmt: ox.RdfFormat) -> None:
        """Write the whole registry (all named graphs) to a binary file object.

        Triple formats (Turtle, N-Triples) get the union of the graphs;
        quad formats (N-Quads, TriG) keep the graph names.
        """

    def bulk_load_quads(self, quads: Iterable[ox.Quad], graphs: Iterable[str], *, size_hint: int | None = None) -> None:
        """Replace ``graphs`` with ``quads`` (large loads), atomically. Default: one ``write``.

        ``size_hint`` (optional) is the number of quads, for implementations that pick a strategy by size.
        """
        by_graph: dict[str, list[ox.Triple]] = {g: [] for g in graphs}
        for q in quads:
            by_graph.setdefault(q.graph_name.value, []).append(q.triple)
        self.write(GraphWrite(replace=by_graph))

    def generation(self) -> int:
        """A number that changes whenever the registry content changes (for caches and search indexes).

        Implementations bump it on every successful ``write``; the embedded store
        shares it between processes through a file in the store folder.
        """
        return 0

    def close(self) -> None:  # pragma: no cover - trivial default
        """Release resources."""

    # Convenience built on query(); implementations may override for speed.
    def ask(self, sparql: str) -> bool:
        return bool(self.query(sparql))

    def select(self, sparql: str, **kw) -> list[dict[str, object]]:
        """SELECT as a list of ``{variable: term}`` dicts (unbound variables omitted)."""
        solutions = self.query(sparql, **kw)
        names = [v.value for v in solutions.variables]
        out = []
        for s in solutions:
            row = {}
            for n in names:
                t = s[n]
                if t is not None:
                    row[n] = t
            out.append(row)
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
