"""The embedded default: pyoxigraph's on-disk store (RocksDB), no server to install.

How writes stay atomic and readers are never blocked
----------------------------------------------------
A store folder ``DIR`` holds::

    DIR/oxigraph/          the primary RocksDB database, opened read-write ONLY during a write
    DIR/snapshots/<N>/     immutable RocksDB checkpoints, one per published generation N
    DIR/generation         the current generation N (replaced atomically by rename)
    DIR/write.lock         an flock(2) lock: one writer at a time, across processes
    DIR/WRITE-IN-PROGRESS  present while a write runs; a crash leaves it behind and the next
                           writer restores the primary from the last snapshot first

Readers (this process, other ``registry`` processes, the SPARQL query workers)
only ever open the snapshot named by ``DIR/generation``, read-only. A write
takes the lock, opens the primary, applies the change, makes a RocksDB
checkpoint (hard links, about a millisecond), then publishes it by rewriting
``DIR/generation``. So:

* a failure anywhere in a write (including a bulk load that is not itself
  transactional) leaves the published store unchanged; the primary is rebuilt
  from the last snapshot before the next write;
* readers see the store before or after a write, never half of it, and never
  wait for a writer;
* ``generation()`` changes on every write and is shared by every process that
  opens the folder (the catalogue's search index and caches key on it);
* Oxigraph's rule "opening read-only while another process writes is undefined
  behaviour" is respected: nobody ever writes to a snapshot.

Old snapshots are deleted once they are neither current nor previous and older
than ``SNAPSHOT_GRACE`` seconds (queries on them are bounded by the SPARQL
timeout, and readers switch to the newest snapshot before their next query).

``EmbeddedStore(None)`` is an in-memory store (tests, small tools): writes are
pyoxigraph transactions on it directly.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from ..errors import Kind
from ..sparql.dataset import has_dataset_clause
from .base import GraphWrite, QueryExecutor, QueryResult, RegistryStore, StoreError

#: above this many quads a write uses pyoxigraph's bulk loader (not transactional by itself;
#: atomicity comes from the snapshot protocol above)
BULK_THRESHOLD = 5_000
#: seconds an old snapshot is kept after it stopped being current (or previous)
SNAPSHOT_GRACE = 120.0
#: generations kept in the change journal (``changed_graphs`` further back: unknown)
JOURNAL_KEEP = 1000


def _named(graphs: Sequence[str] | None):
    return None if graphs is None else [ox.NamedNode(g) for g in graphs]


def triples_to_ntriples(triples: Sequence[ox.Triple]) -> str:
    """N-Triples text for ``triples`` by pyoxigraph's own serialiser."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def graph_write_to_update(change: GraphWrite) -> str:
    """One SPARQL Update request that applies ``change`` (DROP + INSERT DATA).

    Used by the remote store; one update request is one transaction on servers
    that implement SPARQL 1.1 Update atomically.
    """
    ops = [f"DROP SILENT GRAPH <{g}>" for g in change.drop]
    for g, triples in change.replace.items():
        ops.append(f"DROP SILENT GRAPH <{g}>")
        if triples:
            ops.append(f"INSERT DATA {{ GRAPH <{g}> {{\n{triples_to_ntriples(triples)}}} }}")
    return " ;\n".join(ops)


def run_query(store: ox.Store, sparql: str, default_graph=None, named_graphs=None, base_iri=None) -> QueryResult:
    """Run ``sparql`` on a pyoxigraph store with the registry's dataset rules (``registry/sparql/dataset.py``).

    pyoxigraph's own options override the query's FROM clauses, so they are given only for the
    protocol's dataset (the part left out: empty) or for the registry's union default graph
    (when the query names no dataset of its own).
    """
    if default_graph is not None or named_graphs is not None:
        return store.query(sparql, base_iri=base_iri, default_graph=_named(default_graph or ()),
                           named_graphs=_named(named_graphs or ()))
    if has_dataset_clause(sparql):
        return store.query(sparql, base_iri=base_iri)
    return store.query(sparql, base_iri=base_iri, use_default_graph_as_union=True)


class SnapshotReader:
    """The current published snapshot of an on-disk store folder, opened read-only.

    ``current()`` costs one ``stat`` when nothing changed; when the generation
    file was replaced it opens the new snapshot (a few milliseconds). Safe to
    share between threads; an old ``ox.Store`` stays valid for queries that still
    hold it.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._gen_file = self.root / "generation"
        self._key = None
        self._gen = -1
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    def _stat_key(self):
        try:
            st = os.stat(self._gen_file)
        except FileNotFoundError:
            raise StoreError(f"no registry store at {self.root} (create one with `registry load --store {self.root} ...`)")
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> ox.Store:
        key = self._stat_key()
        if key != self._key:
            with self._lock:
                if key != self._key:
                    self._open(key)
        return self._store  # type: ignore[return-value]

    def generation(self) -> int:
        return self.snapshot()[0]

    def snapshot(self) -> tuple[int, ox.Store]:
        """The current ``(generation, store)``, read together (a writer may publish in between calls)."""
        key = self._stat_key()
        if key != self._key:
            with self._lock:
                if key != self._key:
                    self._open(key)
        with self._lock:
            return self._gen, self._store  # type: ignore[return-value]

    def _open(self, key) -> None:
        for _ in range(20):  # a writer may publish between our stat and read: retry
            gen = read_generation(self.root)
            try:
                store = ox.Store.read_only(str(snapshot_dir(self.root, gen)))
            except OSError as e:
                last = e
                time.sleep(0.01)
                key = self._stat_key()
                continue
            self._store, self._gen, self._key = store, gen, key
            return
        raise StoreError(f"cannot open the published snapshot of {self.root}: {last}")


def snapshot_dir(root: Path, gen: int) -> Path:
    return root / "snapshots" / str(gen)


def read_generation(root: Path) -> int:
    try:
        return int((root / "generation").read_text().strip())
    except FileNotFoundError:
        return 0
    except ValueError as e:
        raise StoreError(f"{root / 'generation'} is damaged: {e}") from e


def _write_generation(root: Path, gen: int) -> None:
    tmp = root / f"generation.{os.getpid()}.tmp"
    tmp.write_text(f"{gen}\n")
    os.replace(tmp, root / "generation")


def _copy_checkpoint(src: Path, dst: Path) -> None:
    """Rebuild a writable database from a checkpoint: hard-link immutable SST files, copy the rest."""
    dst.mkdir(parents=True)
    for f in src.iterdir():
        if f.suffix == ".sst":
            os.link(f, dst / f.name)
        elif f.is_file():
            shutil.copy2(f, dst / f.name)


class EmbeddedStore(RegistryStore):
    kind = "embedded"

    def __init__(self, path: str | Path | None, *, read_only: bool = False):
        self.path = None if path is None else Path(path)
        self.read_only = read_only
        self._write_lock = threading.Lock()  # one writer per process (plus the flock across processes)
        #: test hook: called as ``fault_hook(stage, n)`` during writes ("after-drop", "insert" at the
        #: first quad and every 1000, "before-commit"); raising from it simulates a failure mid-write
        self.fault_hook: Callable[[str, int], None] | None = None
        self._mem: ox.Store | None = None
        self._mem_generation = 0
        self._mem_journal: dict[int, frozenset[str]] = {}
        if self.path is None:
            self._mem = ox.Store()
            return
        if read_only:
            if not (self.path / "generation").exists():
                raise StoreError(f"no registry store at {self.path} (create one with `registry load --store {self.path} ...`)")
        else:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the store folder {self.path}: {e}") from e
            if not (self.path / "generation").exists():
                with self._locked():
                    if not (self.path / "generation").exists():
                        self._commit_initial()
        self._reader = SnapshotReader(self.path)
        try:
            self._reader.current()
        except OSError as e:
            raise StoreError(f"cannot open the store at {self.path}: {e}") from e

    # -- reading ---------------------------------------------------------------------------
    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store to READ from (the current snapshot; in memory: the store itself)."""
        return self._mem if self._mem is not None else self._reader.current()

    def snapshot_path(self) -> Path | None:
        """Folder of the current published snapshot (a plain Oxigraph database), or None in memory."""
        if self._mem is not None:
            return None
        return snapshot_dir(self.path, self._reader.generation())

    def generation(self) -> int:
        if self._mem is not None:
            return self._mem_generation
        return self._reader.generation()

    def query(self, sparql, *, default_graph=None, named_graphs=None, timeout=None, base_iri=None) -> QueryResult:
        """Run a query in this thread (``timeout`` is not enforced here: the SPARQL endpoint
        runs public queries in killable worker processes, see ``registry.sparql.executor``)."""
        return run_query(self.oxigraph, sparql, default_graph, named_graphs, base_iri)

    def query_executor(self, settings) -> QueryExecutor:
        """On disk: killable worker processes (:meth:`query_pool`); in memory: the threads of the base."""
        if self.path is None:
            return super().query_executor(settings)
        allow = tuple(settings.sparql_service_allowlist or ())
        return self.query_pool(settings.sparql_workers or None, in_memory=settings.sparql_in_memory,
                               cheap_size=settings.sparql_cheap_workers, isolate_network=not allow,
                               mirror_max_triples=settings.sparql_in_memory_max_triples or None,
                               fast_max_triples=settings.sparql_fast_max_triples)

    def query_pool(self, size: int | None = None, *, in_memory: bool = True, cheap_size: int = 1,
                   isolate_network: bool = False, mirror_max_triples: int | None = None,
                   fast_max_triples: int = 0):
        """A :class:`~registry.sparql.executor.ProcessQueryPool` over this store folder's snapshots.

        ``size`` general workers (default: one per CPU), ``in_memory``: each keeps an in-memory
        copy of the current snapshot; ``cheap_size`` workers for queries proven cheap;
        ``isolate_network``: workers drop network access before reading any query;
        ``mirror_max_triples``: no in-memory copy of a snapshot with more quads (None: no bound);
        ``fast_max_triples``: the bound of the in-process fast path (0: off; see
        ``ProcessQueryPool.run_bounded``).
        """
        if self.path is None:
            raise StoreError("an in-memory store cannot be shared with worker processes",
                             "内存中的存储无法与查询进程共享", kind=Kind.INTERNAL)
        from ..sparql.executor import ProcessQueryPool

        return ProcessQueryPool(functools.partial(SnapshotReader, str(self.path)), run_query,
                                size or os.cpu_count() or 2, in_memory, cheap_size=cheap_size,
                                isolate_network=isolate_network, preload=[__name__],
                                mirror_max_triples=mirror_max_triples, fast_max_triples=fast_max_triples)

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return [q.triple for q in self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))]

    def graph_names(self) -> list[str]:
        return [g.value for g in self.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)]

    def dump(self, output, fmt: ox.RdfFormat) -> None:
        store = self.oxigraph
        if fmt.supports_datasets:
            quads = (q for q in store.quads_for_pattern(None, None, None, None)
                     if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(quads, output, fmt)
        else:
            triples = (q.triple for q in store.quads_for_pattern(None, None, None, None)
                       if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(triples, output, fmt)

    # -- writing ---------------------------------------------------------------------------
    def write(self, change: GraphWrite) -> None:
        quads = (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                 for g, triples in change.replace.items() for t in triples)
        n = sum(len(t) for t in change.replace.values())
        graphs = [*change.drop, *change.replace]
        self._apply(graphs, quads, n, journal=graphs)

    def bulk_load_quads(self, quads: Iterable[ox.Quad], graphs: Iterable[str], *, size_hint: int | None = None) -> None:
        """Replace ``graphs`` with ``quads`` (large loads): streamed into the bulk loader, still atomic.
        Not journalled (the quads may name other graphs): caches rebuild whole after a bulk load."""
        self._apply(list(graphs), quads, BULK_THRESHOLD + 1 if size_hint is None else size_hint)

    # -- the change journal: which graphs each generation wrote (for incremental caches) ------
    def changed_graphs(self, since: int) -> frozenset[str] | None:
        """Graphs written by generations ``since + 1 … current`` (``DIR/changes/<N>``, written before
        generation N is published, so every process sees it); None when one of them is not journalled."""
        gen = self.generation()
        if since > gen:
            return None
        if self._mem is not None:
            out: set[str] = set()
            for g in range(since + 1, gen + 1):
                names = self._mem_journal.get(g)
                if names is None:
                    return None
                out.update(names)
            return frozenset(out)
        if gen - since > JOURNAL_KEEP:
            return None
        out = set()
        for g in range(since + 1, gen + 1):
            try:
                out.update(json.loads((self.path / "changes" / str(g)).read_text("utf-8")))
            except (OSError, ValueError):
                return None
        return frozenset(out)

    def _journal(self, gen: int, graphs: Sequence[str] | None) -> None:
        """Record (or, for ``None``, forget) which graphs generation ``gen`` wrote."""
        if self._mem is not None:
            if graphs is None:
                self._mem_journal.pop(gen, None)
            else:
                self._mem_journal[gen] = frozenset(graphs)
                self._mem_journal.pop(gen - JOURNAL_KEEP, None)
            return
        folder = self.path / "changes"
        entry = folder / str(gen)
        if graphs is None:
            entry.unlink(missing_ok=True)
            return
        folder.mkdir(exist_ok=True)
        tmp = folder / f"{gen}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(sorted(set(graphs)), ensure_ascii=False), "utf-8")
        os.replace(tmp, entry)
        (folder / str(gen - JOURNAL_KEEP)).unlink(missing_ok=True)

    def _hooked(self, quads: Iterable[ox.Quad]):
        hook = self.fault_hook
        for i, q in enumerate(quads, 1):
            if i == 1 or i % 1000 == 0:
                hook("insert", i)
            yield q

    def _apply(self, drop: Sequence[str], quads: Iterable[ox.Quad], n: int, *,
               journal: Sequence[str] | None = None) -> None:
        if self.read_only:
            raise StoreError("this store was opened read-only", kind=Kind.CONFLICT)
        if self.fault_hook is not None:
            quads = self._hooked(quads)
        if self._mem is not None:
            self._apply_memory(drop, quads, journal)
            return
        with self._write_lock, self._locked():
            gen = read_generation(self.path)
            marker = self.path / "WRITE-IN-PROGRESS"
            if marker.exists():
                self._restore_primary(gen)
            marker.touch()
            try:
                primary = ox.Store(str(self.path / "oxigraph"))
                try:
                    self._mutate(primary, drop, quads, n)
                    if self.fault_hook is not None:
                        self.fault_hook("before-commit", n)
                    primary.flush()
                    target = snapshot_dir(self.path, gen + 1)
                    if target.exists():
                        shutil.rmtree(target)
                    target.parent.mkdir(exist_ok=True)
                    primary.backup(str(target))
                finally:
                    del primary  # closes RocksDB (releases its lock)
            except BaseException as e:
                # drop every reference to the primary held by the traceback's frames before
                # touching its folder (RocksDB locks by path within a process)
                traceback.clear_frames(e.__traceback__)
                self._restore_primary(gen)
                marker.unlink(missing_ok=True)
                if isinstance(e, (OSError, SyntaxError, ValueError)):
                    raise StoreError(f"write failed, nothing was changed: {e}") from e
                raise
            self._journal(gen + 1, journal)  # before the generation is published
            _write_generation(self.path, gen + 1)
            marker.unlink(missing_ok=True)
            self._collect_snapshots(gen + 1)

    def _mutate(self, store: ox.Store, drop: Sequence[str], quads: Iterable[ox.Quad], n: int) -> None:
        for g in dict.fromkeys(drop):
            node = ox.NamedNode(g)
            if store.contains_named_graph(node):
                store.remove_graph(node)
        if self.fault_hook is not None:
            self.fault_hook("after-drop", 0)
        if n > BULK_THRESHOLD:
            store.bulk_extend(quads)
        else:
            store.extend(quads)

    def _apply_memory(self, drop: Sequence[str], quads: Iterable[ox.Quad], journal: Sequence[str] | None) -> None:
        # Build the change in a scratch store first, so a failure while reading the input
        # leaves the live store untouched; then apply it as one SPARQL Update (one transaction).
        with self._write_lock:
            try:
                ops = [f"DROP SILENT GRAPH <{g}>" for g in dict.fromkeys(drop)]
                if self.fault_hook is not None:
                    self.fault_hook("after-drop", 0)  # drops staged, not applied
                staged = list(quads)
                if self.fault_hook is not None:
                    self.fault_hook("before-commit", len(staged))
                by_graph: dict = {}
                for q in staged:
                    by_graph.setdefault(q.graph_name.value, []).append(q.triple)
                if by_graph:
                    ops.append("INSERT DATA {\n" + "".join(
                        f"GRAPH <{g}> {{\n{triples_to_ntriples(ts)}}}\n" for g, ts in by_graph.items()) + "}")
                self._mem.update(" ;\n".join(ops))
            except (OSError, SyntaxError, ValueError) as e:
                raise StoreError(f"write failed, nothing was changed: {e}") from e
            self._journal(self._mem_generation + 1, journal)
            self._mem_generation += 1

    @contextmanager
    def _locked(self):
        with open(self.path / "write.lock", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _commit_initial(self) -> None:
        primary = ox.Store(str(self.path / "oxigraph"))
        target = snapshot_dir(self.path, 1)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(exist_ok=True)
        primary.backup(str(target))
        del primary
        _write_generation(self.path, 1)

    def _restore_primary(self, gen: int) -> None:
        """Make the primary equal to the published snapshot ``gen`` again."""
        primary = self.path / "oxigraph"
        trash = self.path / f"oxigraph.discarded.{os.getpid()}"
        if primary.exists():
            primary.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
        snap = snapshot_dir(self.path, gen)
        if gen > 0 and snap.exists():
            _copy_checkpoint(snap, primary)

    def _collect_snapshots(self, current: int) -> None:
        """Delete snapshots older than the previous one that stopped being current > SNAPSHOT_GRACE ago."""
        folder = self.path / "snapshots"
        gens = sorted(int(d.name) for d in folder.iterdir() if d.name.isdigit())
        now = time.time()
        for older, newer in zip(gens, gens[1:]):
            if older >= current - 1:
                break
            try:
                # ``older`` stopped being current when ``newer`` was published
                if now - snapshot_dir(self.path, newer).stat().st_mtime > SNAPSHOT_GRACE:
                    shutil.rmtree(snapshot_dir(self.path, older), ignore_errors=True)
            except FileNotFoundError:
                pass

    def flush(self) -> None:
        """Nothing to do: every write is flushed and published before it returns."""

    def close(self) -> None:
        self._mem = None
