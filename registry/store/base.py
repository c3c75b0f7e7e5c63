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
import io
import itertools
from typing import TYPE_CHECKING, Protocol, Union

import pyoxigraph as ox

from ..errors import Kind, RegistryError

if TYPE_CHECKING:  # pragma: no cover - types only
    from ..sparql.executor import QueryJob

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]


class StoreError(RegistryError):
    """A store operation failed; the message says why in words a person can act on.

    ``StoreError(en)`` or ``StoreError(en, zh)``; the kind defaults to ``Unavailable`` (the
    store cannot do it now), subclasses and ``kind=`` say more precisely what went wrong.
    """

    kind = Kind.UNAVAILABLE

    def __init__(self, en: str, zh: str | None = None, *, kind: str | None = None, **details):
        super().__init__(zh or en, en, kind=kind, **details)


class StoreTimeoutError(StoreError):
    """The store did not answer in time (or stopped a query at its own time limit)."""

    kind = Kind.TIMEOUT


class StoreUnavailableError(StoreError):
    """The store (a remote server) cannot be reached or answered with a server error."""

    kind = Kind.UNAVAILABLE


class StoreUpstreamError(StoreError):
    """A remote server refused or failed a request, or answered something unusable."""

    kind = Kind.UPSTREAM


class QueryExecutor(Protocol):
    """Runs the public SPARQL endpoint's queries for one store (see ``RegistryStore.query_executor``)."""

    async def run(self, job: "QueryJob", timeout: float, cheap: bool = False, bound=None) -> tuple[str, bytes]:
        """``(media type, body)`` of ``job``, within ``timeout`` seconds; raises ``QueryFailed``.
        ``bound``: the guard's proof that the query's work is bounded (an executor may then
        answer it without a worker round trip, see ``ProcessQueryPool.run_bounded``)."""

    def run_bounded(self, job: "QueryJob", bound, timeout: float) -> tuple[str, bytes] | None:
        """The answer of a query proven bounded, computed at once in this process, or None when
        this executor has no such fast path or declines (then :meth:`run` as usual)."""

    def close(self) -> None:
        """Stop the executor's threads or processes."""


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
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query with the dataset rules of ``registry/sparql/dataset.py``.

        ``default_graph``/``named_graphs`` (the protocol's ``default-graph-uri``/
        ``named-graph-uri``) replace the query's FROM/FROM NAMED; a part left out
        (``None``) while the other is given is empty. With neither, the query's own
        FROM/FROM NAMED apply, and without those the default graph is the union of
        all named graphs (the public registry). ``base_iri`` resolves relative IRIs.
        ``timeout`` (seconds) bounds the run where the implementation can enforce it.
        """

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
        """Run a query in this thread and return its results serialised by pyoxigraph.

        For tools, benchmarks and the store contract tests (the same bytes on every store).
        The public SPARQL endpoint does not use it: its queries go through
        :meth:`query_executor` (time limit, result caps, worker processes).
        ``max_results`` bounds a graph result (CONSTRUCT/DESCRIBE): more triples raise
        :class:`StoreError`.
        """
        result = self.query(sparql, default_graph=default_graph, named_graphs=named_graphs, timeout=timeout)
        buf = io.BytesIO()
        if isinstance(result, ox.QueryTriples) and max_results is not None:
            triples = list(itertools.islice(result, max_results + 1))
            if len(triples) > max_results:
                raise StoreError(f"the result has more than {max_results} triples",
                                 f"结果超过 {max_results} 个三元组", kind=Kind.TOO_LARGE)
            ox.serialize(triples, buf, result_format)
        else:
            result.serialize(buf, result_format)
        return buf.getvalue()

    def query_executor(self, settings) -> QueryExecutor:
        """How the public SPARQL endpoint runs queries on this store: the ONE execution path.

        ``settings`` (:class:`registry.config.Settings`) gives the limits and sizes
        (``sparql_workers``, ``sparql_in_memory``, ``sparql_cheap_workers``,
        ``sparql_service_allowlist``). The executor's ``run(job, timeout, cheap)`` applies
        the time limit and the result caps of ``job`` (``registry/sparql/executor.py``).

        Default: a thread pool calling :meth:`query` with the timeout (stores that another
        process cannot open: in memory, remote; the remote server gets the timeout too).
        The on-disk embedded store overrides it with killable worker processes.
        """
        from ..sparql.executor import ThreadQueryExecutor

        return ThreadQueryExecutor(self.query)

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

    def changed_graphs(self, since: int) -> frozenset[str] | None:
        """The named graphs written after generation ``since`` up to the current generation, or
        None when that is not known (then a cache must rebuild whole). Default: not known."""
        return None

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
