"""Running public SPARQL queries: off the event loop, with a real timeout and a result cap.

Why worker processes
--------------------
pyoxigraph has no query timeout or cancellation API: once ``Store.query`` (or
the serialisation that drives its lazy iterator) starts, it runs to the end.
A thread cannot be stopped either. So, for the on-disk embedded store, queries
run in a small pool of worker processes (``ProcessQueryPool``):

* each worker opens the store's current published snapshot READ-ONLY (see
  ``registry/store/embedded.py``) and switches to the newest snapshot before a
  query whenever ``DIR/generation`` changed — so it always answers from a
  complete, consistent generation and never blocks the writer;
* the event loop hands a query to an idle worker over a pipe and waits for the
  pipe to become readable (``loop.add_reader``), so no thread is tied up and a
  slow query never stalls the others (they go to the other workers; when all
  workers are busy, requests queue for at most the timeout);
* on timeout the worker is killed (SIGKILL) — the runaway evaluation really
  stops and its CPU is freed — the client gets 503 with a clear message, and a
  fresh worker is started in the background;
* a worker that dies for any other reason is replaced the same way;
* replies are read piece by piece from a non-blocking pipe (``_FrameReader``):
  uvloop's ``add_reader`` makes the fd non-blocking, and a plain ``recv_bytes``
  of a reply bigger than the socket buffer failed half-way (the parent then
  killed a healthy worker: issue 14, defect 3).

Lanes (issue 14, defect 4): besides the general workers, ``cheap_size``
workers (default 1, no in-memory mirror, so no extra memory) take only queries
the guard proved cheap by their shape (``guard._is_cheap``: one triple pattern,
ASK, or SELECT with a bound subject). General workers run at a lower CPU
priority (``GENERAL_NICE``) when a cheap lane exists, and help the cheap lane
when idle. Both lanes queue first come, first served; the route limits how
many expensive queries one client may run at once. Every query, cheap or not,
keeps the time limit, the result caps and the read-only store.

No network (issue 14, defect 1, defence in depth): pyoxigraph's SERVICE client
is compiled in and ``Store.query`` takes no service handler, so when the
allow-list is empty each worker first moves into a new, empty Linux network
namespace (``unshare(CLONE_NEWNET)``, or ``CLONE_NEWUSER|CLONE_NEWNET``
unprivileged) before it reads any query: a SERVICE that got past the guard
cannot reach anything. If neither is possible a warning is logged once and the
guard is the only protection. The SERVICE check on the parsed query
(``guard.check_services``) runs in ``run_job``, i.e. inside the worker, so a
pathological rdflib parse is bounded by the time limit like the query itself.
Errors of a query that made SERVICE calls are answered 502 with a fixed text:
what a remote endpoint said never reaches the client.

Which executor a store gets is the store's own decision (``RegistryStore.query_executor``,
see ``registry/store/base.py``): the on-disk embedded store returns this pool, every other
store the default, a :class:`ThreadQueryExecutor`. This module knows no store class: the
pool is handed a picklable ``open_reader`` and ``run_query`` by the store that builds it.

Other stores (in memory, or a remote SPARQL server) cannot be shared with
another process: ``ThreadQueryExecutor`` runs their queries in a thread pool
with the same timeout answer, and passes the timeout on to the remote server
(its HTTP client gives up); an in-memory evaluation that overruns finishes in
the background (in-memory stores are for tests and small tools only). For
these stores the SERVICE guard is the only protection against server-side
requests (the threads share the server's network), and there is no cheap lane.
A store error is classified by its kind (``registry.errors``): a timeout
(``StoreTimeoutError``) answers 503, an upstream failure 502, and so on.

The result-size cap counts solutions (SELECT) or triples (CONSTRUCT/DESCRIBE);
a result bigger than the cap is refused with 413-style message rather than
silently truncated, so a client never mistakes a partial answer for a complete
one. A byte cap bounds the serialised size too.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import io
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import Kind, RegistryError
from .errors import QueryFailed  # noqa: F401 (defined with the endpoint's other refusals)
from .formats import GRAPH_MEDIA, RESULTS_MEDIA, graph_format, results_format
from .guard import Bound, QueryRefused, check_services

log = logging.getLogger("registry.sparql")
#: True in a query worker process (may raise its recursion limit for the SERVICE check)
_IN_WORKER = False


@dataclass(frozen=True)
class QueryJob:
    query: str
    default_graph: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    results_format: str | None  # for SELECT/ASK; None: not acceptable
    graph_format: str | None  # for CONSTRUCT/DESCRIBE; None: not acceptable
    max_rows: int
    max_bytes: int
    #: None: the text cannot contain SERVICE (guard pre-check); else the allow-list to check the parsed query against
    service_allowlist: tuple[str, ...] | None = None
    #: base IRI of relative IRIs in the query (the endpoint's own URL; see registry/sparql/dataset.py)
    base_iri: str | None = None




# row separators in pyoxigraph's serialisations (they cannot occur inside a value:
# quotes/newlines/angle brackets are escaped there); CSV may over-count multi-line values
_ROW_MARKERS = {"JSON": b'}},{"', "XML": b"<result>", "TSV": b"\n", "CSV": b"\r\n"}


class _CappedWriter(io.RawIOBase):
    """A write-only buffer that stops a serialisation past ``max_rows`` rows or ``max_bytes``."""

    def __init__(self, fmt: str, max_rows: int, max_bytes: int):
        self.buf = bytearray()
        self.marker = _ROW_MARKERS[fmt]
        # JSON: marker counts separators (rows - 1); TSV/CSV: the header line adds one
        self.limit = max_rows - 1 if fmt == "JSON" else (max_rows + 1 if fmt in ("TSV", "CSV") else max_rows)
        self.max_bytes = max_bytes
        self.rows = 0
        self.tail = b""
        self.exceeded: str | None = None

    def writable(self):
        return True

    def write(self, b):
        b = bytes(b)
        if len(self.buf) + len(b) > self.max_bytes:
            self.exceeded = f"the result is larger than {self.max_bytes} bytes"
            raise OSError(self.exceeded)
        window = self.tail + b
        self.rows += window.count(self.marker)
        self.tail = b[-(len(self.marker) - 1):] if len(self.marker) > 1 else b""
        if self.rows > self.limit:
            self.exceeded = "rows"
            raise OSError("too many rows")
        self.buf += b
        return len(b)


#: ``query(sparql, default_graph, named_graphs, base_iri)`` -> a pyoxigraph query result
QueryFunction = Callable[[str, "Sequence[str] | None", "Sequence[str] | None", "str | None"], object]


def run_job(job: QueryJob, query: QueryFunction) -> tuple[str, bytes]:
    """Run ``job`` through ``query(sparql, default_graph, named_graphs, base_iri)``, capped and serialised.

    Returns ``(media type, body)``; raises :class:`QueryFailed`, or the store's own
    :class:`~registry.errors.RegistryError` (a remote store's timeout …) for the caller
    to classify by its kind. A job whose text may hold
    SERVICE is first checked on its parsed form (``guard.check_services``), here, so that in
    the worker processes that (recursive, possibly slow) parse is bounded by the time limit.
    """
    services = 0
    if job.service_allowlist is not None:
        try:
            services = check_services(job.query, job.service_allowlist, deep=_IN_WORKER)
        except QueryRefused as e:
            raise QueryFailed(e.status, str(e)) from None
    try:
        result = query(job.query, job.default_graph, job.named_graphs, job.base_iri)
        if isinstance(result, ox.QueryTriples):
            if job.graph_format is None:
                raise QueryFailed(406, "this query returns a graph (CONSTRUCT/DESCRIBE) but the request accepts "
                                       "only SPARQL results formats; ask for text/turtle, application/n-triples, "
                                       "application/ld+json or application/rdf+xml")
            triples = list(itertools.islice(result, job.max_rows + 1))
            if len(triples) > job.max_rows:
                raise QueryFailed(413, f"结果过大 · The result has more than {job.max_rows} triples (the cap of this "
                                       "endpoint); narrow the query or add LIMIT.")
            body = ox.serialize(triples, format=graph_format(job.graph_format))
            if len(body) > job.max_bytes:
                raise QueryFailed(413, f"结果过大 · The result is larger than {job.max_bytes} bytes.")
            return GRAPH_MEDIA[job.graph_format], body
        if job.results_format is None:
            raise QueryFailed(406, "this query returns SPARQL results (SELECT/ASK) but the request accepts only RDF "
                                   "graph formats; ask for application/sparql-results+json, +xml, text/csv or "
                                   "text/tab-separated-values")
        fmt = job.results_format
        if isinstance(result, ox.QueryBoolean):
            buf = io.BytesIO()
            result.serialize(buf, results_format(fmt))
            return RESULTS_MEDIA[fmt], buf.getvalue()
        out = _CappedWriter(fmt, job.max_rows, job.max_bytes)
        try:
            result.serialize(out, results_format(fmt))
        except OSError:
            if out.exceeded is None:
                raise
        if out.exceeded == "rows":
            raise QueryFailed(413, f"结果过大 · The result has more than {job.max_rows} rows (the cap of this "
                                   "endpoint); narrow the query or use LIMIT/OFFSET to page through it.")
        if out.exceeded:
            raise QueryFailed(413, f"结果过大 · {out.exceeded}.")
        return RESULTS_MEDIA[fmt], bytes(out.buf)
    except QueryFailed:
        raise
    except SyntaxError as e:
        raise QueryFailed(400, f"查询语法错误 · Query syntax error: {e}") from None
    except (OSError, ValueError, RuntimeError, TypeError) as e:
        if services:
            # may come from a remote SERVICE endpoint: never echo what another server said
            raise QueryFailed(502, "联邦查询失败 · The query failed, possibly in a SERVICE call to another "
                                   "endpoint (its answer is not shown).") from None
        raise QueryFailed(500, f"查询执行失败 · The query failed: {e}") from None


# -- the process pool -----------------------------------------------------------------------------

class MemoryMirror:
    """An in-memory copy of the current snapshot, rebuilt in the background after each write.

    RocksDB reads cost: an aggregate over the whole registry runs 5-15x faster on
    pyoxigraph's in-memory store than on the on-disk one. ``current()`` answers
    with the in-memory copy when it matches the published generation, otherwise
    with the on-disk snapshot (so results are never stale, and a start-up never
    waits for the copy) while a thread builds the new copy (dump + load, both in
    Rust). Memory: one copy per general query worker (about 0.8 GB at 100k units,
    ~2.1 M triples).

    ``max_triples`` bounds that memory (issue 13, target 3): the builder first counts
    the snapshot's quads, stopping at ``max_triples + 1``; a bigger snapshot gets no copy
    (that generation is answered from disk, and nothing is retried until the next write).
    None: no bound.
    """

    def __init__(self, reader, max_triples: int | None = None):
        self.reader = reader
        self.max_triples = max_triples
        self._mem = None
        self._mem_gen = -1
        #: the generation found too big for a copy (answered from disk)
        self.skipped_gen = -1
        self._building = None

    def current(self):
        gen, disk = self.reader.snapshot()
        if self._mem_gen == gen:
            return self._mem
        if self.skipped_gen != gen and (self._building is None or not self._building.is_alive()):
            self._building = threading.Thread(target=self._build, args=(disk, gen), daemon=True)
            self._building.start()
        return disk

    def _build(self, disk, gen) -> None:
        try:
            if self.max_triples is not None and count_quads(disk, self.max_triples + 1) > self.max_triples:
                self._mem = None  # a previous, smaller generation's copy is of no use any more
                self.skipped_gen = gen
                return
            buf = io.BytesIO()
            disk.dump(buf, ox.RdfFormat.N_QUADS)
            mem = ox.Store()
            mem.bulk_load(buf.getvalue(), ox.RdfFormat.N_QUADS)
            del buf
            self._mem, self._mem_gen = mem, gen
        except Exception:  # keep answering from disk
            pass


def subject_has_more_quads(store, subject: str, limit: int) -> bool:
    """True when ``subject`` has more than ``limit`` quads in ``store`` (all graphs), decided in
    Rust reading at most ``limit + 1`` of them (no Python object per quad)."""
    iri = "<" + subject + ">"
    return bool(store.query(f"ASK {{ {{ SELECT * WHERE {{ {{ {iri} ?p ?o }} UNION {{ GRAPH ?g {{ {iri} ?p ?o }} }} }} "
                            f"OFFSET {int(limit)} LIMIT 1 }} }}"))


def count_quads(store, stop: int) -> int:
    """The number of quads of ``store`` (all graphs), counted in Rust up to ``stop`` at most."""
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }} " \
        f"LIMIT {int(stop)} }} }}"
    for row in store.query(q):
        return int(row[0].value)
    return 0


#: CPU niceness of the general-lane workers (the cheap lane and the server keep the default)
GENERAL_NICE = 10
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def drop_network() -> str | None:
    """Move this process into a new, empty network namespace (no interface but a down loopback).

    Afterwards every connection attempt fails ("Network is unreachable"), so no query can
    make this process call another server. Needs root (or CAP_SYS_ADMIN) for CLONE_NEWNET
    alone; otherwise an unprivileged user namespace is tried too (the process must be single-
    threaded then, as a fresh worker is). Returns None on success, else the reason it failed.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) == 0:
            return None
        first = os.strerror(ctypes.get_errno())
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
            return None
        return f"unshare(CLONE_NEWNET): {first}; unshare(CLONE_NEWUSER|CLONE_NEWNET): " \
               f"{os.strerror(ctypes.get_errno())}"
    except (OSError, AttributeError) as e:
        return str(e)


def _worker_main(conn, open_reader, run_query, in_memory: bool = True, isolate_network: bool = False,
                 nice: int = 0, mirror_max_triples: int | None = None) -> None:  # pragma: no cover - child process
    """Worker loop: receive pickled jobs, answer ``("ok", media, body)`` or ``("err", status, msg)``.

    ``open_reader()`` gives the store's snapshot reader (``snapshot() -> (generation, ox.Store)``,
    ``current() -> ox.Store``); ``run_query(store, sparql, default_graph, named_graphs, base_iri)`` runs a
    query with the registry's dataset rules. Both come pickled from the store that built the pool.

    With ``isolate_network`` (no SERVICE endpoint is allowed) the worker first leaves the
    network (:func:`drop_network`), before it reads any query; the first reply tells the
    parent whether that worked (``("net", None | reason)``). ``nice``: a lower CPU priority
    (the general lane), so cheap queries and the web server keep the CPU they need.
    """
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    net = drop_network() if isolate_network else None
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    conn.send_bytes(pickle.dumps(("net", net)))
    disk = open_reader()
    reader = MemoryMirror(disk, mirror_max_triples) if in_memory else disk
    reader.current()
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        job: QueryJob = pickle.loads(data)
        try:
            store = reader.current()
            media, body = run_job(job, lambda q, dg, ng, base: run_query(store, q, dg, ng, base))
            reply = ("ok", media, body)
        except QueryFailed as e:
            reply = ("err", e.status, str(e))
        except Exception as e:  # a damaged or missing store: say so
            reply = ("err", 500, f"查询执行失败 · The query failed: {e}")
        conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


class _Worker:
    __slots__ = ("proc", "conn", "lane")

    def __init__(self, proc, conn, lane):
        self.proc = proc
        self.conn = conn
        self.lane = lane

    def kill(self):
        try:
            self.proc.kill()
        except Exception:
            pass
        try:
            self.conn.close()
        except Exception:
            pass
        self.proc.join(timeout=2)


class _Lane:
    """Idle workers and FIFO waiters of one class of queries."""

    __slots__ = ("name", "idle", "waiters", "in_memory", "nice")

    def __init__(self, name: str, in_memory: bool, nice: int = 0):
        self.name = name
        self.nice = nice
        self.idle: collections.deque[_Worker] = collections.deque()
        self.waiters: collections.deque = collections.deque()  # (loop, future), first come first served
        self.in_memory = in_memory


class _FrameReader:
    """Reads one ``Connection.send_bytes`` frame from a NON-BLOCKING fd, piece by piece.

    uvloop's ``add_reader`` puts the fd in non-blocking mode, and a reply bigger than the
    socket buffer arrives in several pieces: a plain ``recv_bytes`` then failed with
    ``BlockingIOError`` and the parent killed a healthy worker (issue 14, defect 3).
    """

    __slots__ = ("fd", "buf", "need", "fut")

    def __init__(self, fd: int, fut):
        self.fd = fd
        self.buf = bytearray()
        self.need: int | None = None
        self.fut = fut

    def on_readable(self) -> None:
        if self.fut.done():
            return
        try:
            while True:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    self.fut.set_exception(EOFError("worker closed the pipe"))
                    return
                self.buf += chunk
                if self.need is None and len(self.buf) >= 4:
                    (n,) = struct.unpack("!i", self.buf[:4])
                    if n == -1:
                        if len(self.buf) < 12:
                            continue
                        (n,) = struct.unpack("!Q", self.buf[4:12])
                        del self.buf[:12]
                    else:
                        del self.buf[:4]
                    self.need = n
                if self.need is not None and len(self.buf) >= self.need:
                    self.fut.set_result(bytes(self.buf[:self.need]))
                    return
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self.fut.set_exception(e)


class ProcessQueryPool:
    """Killable worker processes reading an on-disk store's snapshots (see the module docstring).

    Built by the store (``EmbeddedStore.query_pool``): ``open_reader`` (picklable, called in
    each worker) opens the store's snapshot reader, ``run_query`` runs one query on a snapshot.

    Two lanes: ``size`` general workers (with the in-memory mirror) take every query;
    ``cheap_size`` more workers (reading the on-disk snapshot, no mirror: no extra memory)
    take only queries the guard proved cheap (``guard._is_cheap``), so a heavy query can
    never make a cheap one wait behind it. Each lane queues in FIFO order.
    ``isolate_network``: workers run without network access (no SERVICE is allowed).
    """

    def __init__(self, open_reader: Callable[[], object], run_query: Callable, size: int, in_memory: bool = True,
                 *, cheap_size: int = 1, isolate_network: bool = False,
                 preload: Sequence[str] = (), mirror_max_triples: int | None = None, fast_max_triples: int = 0):
        self.open_reader = open_reader
        self.mirror_max_triples = mirror_max_triples
        #: the in-process fast path's bound on the quads a bounded query may read (0: no fast path)
        self.fast_max_triples = max(0, fast_max_triples)
        self._local = None  # the server process's own snapshot reader (fast path), opened on first use
        self.run_query = run_query
        self.size = max(1, size)
        self.cheap_size = max(0, cheap_size)
        self.in_memory = in_memory
        self.isolate_network = isolate_network
        #: None until a worker started; then None (isolated or not asked) or why isolation failed
        self.network_isolation_error: str | None = None
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["pyoxigraph", "registry.sparql.executor", *preload,
                                          "rdflib.plugins.sparql.parser", "rdflib.plugins.sparql.algebra"])
        self._lock = threading.Lock()
        # the general lane runs at a lower CPU priority when there is a cheap lane to protect
        self._main = _Lane("main", in_memory, GENERAL_NICE if self.cheap_size else 0)
        self._cheap = _Lane("cheap", False)
        self._all: set[_Worker] = set()
        self._started = False
        #: set while a background start (see :meth:`_start_in_background`) runs; set() when it ended
        self._starting: threading.Event | None = None
        self._closed = False
        self._warned = False
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-spawn")

    def _spawn(self, lane: _Lane) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main,
                                 args=(child, self.open_reader, self.run_query, lane.in_memory,
                                       self.isolate_network, lane.nice, self.mirror_max_triples),
                                 daemon=True, name=f"registry-sparql-worker-{lane.name}")
        proc.start()
        child.close()
        w = _Worker(proc, parent, lane)
        # the worker's first message: did it leave the network?
        try:
            if not parent.poll(60):
                raise EOFError("no answer")
            tag, net_error = pickle.loads(parent.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError, ValueError) as e:
            w.kill()
            raise RuntimeError(f"a SPARQL query worker did not start: {e}") from None
        if net_error and not self._warned:
            self._warned = True
            self.network_isolation_error = net_error
            log.warning("SPARQL query workers could not drop network access (%s); the SERVICE guard is "
                        "the only protection against server-side requests", net_error)
        with self._lock:
            self._all.add(w)
        return w

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        try:
            for _ in range(self.size):
                self._release(self._spawn(self._main))
            for _ in range(self.cheap_size):
                self._release(self._spawn(self._cheap))
        finally:
            if self._starting is not None:
                self._starting.set()

    def _release(self, w: _Worker) -> None:
        with self._lock:
            if self._closed:
                w.kill()
                return
            # a general worker serves its own queue first, then helps the cheap one
            queues = [w.lane.waiters] if w.lane is self._cheap else [self._main.waiters, self._cheap.waiters]
            for waiters in queues:
                while waiters:
                    loop, fut = waiters.popleft()
                    if not fut.done():
                        loop.call_soon_threadsafe(_hand_over, fut, w, self)
                        return
            w.lane.idle.append(w)

    def _replace(self, w: _Worker) -> None:
        with self._lock:
            self._all.discard(w)
        w.kill()
        if not self._closed:
            lane = w.lane
            self._spawner.submit(lambda: self._release(self._spawn(lane)))

    async def _acquire(self, timeout: float, cheap: bool) -> _Worker:
        with self._lock:
            if cheap and self._cheap.idle:
                return self._cheap.idle.popleft()
            if self._main.idle:
                return self._main.idle.popleft()
            loop = asyncio.get_running_loop()
            fut = loop.create_future()
            (self._cheap if cheap and self.cheap_size else self._main).waiters.append((loop, fut))
        timer = loop.call_later(timeout, _expire, fut, timeout)
        try:
            return await fut
        except asyncio.CancelledError:
            # handed a worker just as we were cancelled: give it back
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self._release(fut.result())
            raise
        finally:
            timer.cancel()

    def snapshot(self):
        """``(generation, ox.Store)`` of the published snapshot the fast path answers from (one
        ``stat`` when nothing changed), or None: no fast path (off, or the store cannot be read;
        the workers then say what is wrong). The result cache of the route keys on the generation."""
        if not self.fast_max_triples:
            return None
        try:
            if self._local is None:
                self._local = self.open_reader()
            return self._local.snapshot()
        except (OSError, RegistryError):
            return None

    def _start_in_background(self) -> None:
        """Start the workers without waiting (the fast path needs none; other queries wait in
        :meth:`_acquire` until a worker is released)."""
        with self._lock:
            if self._started or self._closed or self._starting is not None:
                return
            self._starting = threading.Event()

        def start():
            try:
                self.start()
            except Exception:  # the next query that needs a worker waits for it and says so (503)
                log.exception("SPARQL query workers did not start")

        self._spawner.submit(start)

    def run_bounded(self, job: QueryJob, bound: Bound | None, timeout: float,
                    snapshot=None) -> tuple[str, bytes] | None:
        """The fast path: answer ``job`` here, in the server process, if its cost is proven bounded.

        Only for a query the guard classed cheap with a :class:`~registry.sparql.guard.Bound`
        (one triple pattern: ``ASK``, or ``SELECT`` with a constant subject), without dataset
        parameters and without SERVICE. The work done here is bounded by
        ``limit = min(fast_max_triples, max_rows)`` quads, whatever the store's size:

        * a *streamed* bound (``Bound.streamed``: one row per quad of the subject's index range,
          in index order) is serialised with a row cap of ``limit``: past it, the serialisation
          stops (having read ``limit + 1`` quads) and, if ``limit`` is below the result cap, the
          query goes to the workers (which answer it or refuse it by the cap, as for any query);
        * any other subject bound (ORDER BY, DISTINCT, OFFSET, a repeated variable) first counts
          the subject's quads in Rust, stopping past ``limit`` (one ``ASK`` with ``OFFSET``);
          more, and the query goes to the workers;
        * ``ASK { s p o }`` is one index seek.

        The result caps are those of every query (``run_job``); the time limit too: bounded
        work that still overran it (a very short ``timeout=``) answers 503, as a worker would.
        The snapshot is opened read-only, like the workers' (see ``registry/store/embedded.py``),
        and the guard has refused updates already. The workers are not needed: if they have not
        started yet, this starts them in the background and answers at once. ``snapshot``:
        the ``(generation, store)`` of :meth:`snapshot` when the caller already read it.
        """
        if (bound is None or not self.fast_max_triples or job.default_graph is not None
                or job.named_graphs is not None or job.service_allowlist is not None):
            return None
        start = time.perf_counter()
        if not self._started:
            self._start_in_background()
        if snapshot is None:
            snapshot = self.snapshot()
            if snapshot is None:
                return None
        store = snapshot[1]
        if bound.subject is not None:
            try:
                ox.NamedNode(bound.subject)
            except ValueError:  # e.g. a relative IRI: the workers resolve it
                return None
        run_query = self.run_query
        query = lambda q, dg, ng, base: run_query(store, q, dg, ng, base)  # noqa: E731
        if bound.subject is not None:
            limit = min(self.fast_max_triples, job.max_rows)
            if bound.streamed:
                capped = job if limit >= job.max_rows else dataclasses.replace(job, max_rows=limit)
                try:
                    answer = run_job(capped, query)
                except QueryFailed as e:
                    if capped is not job and e.status == 413:
                        return None  # more than our bound, maybe not more than the cap: the workers decide
                    raise
            else:
                if subject_has_more_quads(store, bound.subject, limit):
                    return None
                answer = run_job(job, query)
        else:
            answer = run_job(job, query)
        if time.perf_counter() - start > timeout:
            raise QueryFailed(503, f"查询超时 · The query did not finish within {timeout:g} s (the time limit of "
                                   "this endpoint); simplify it or add LIMIT.")
        return answer

    async def run(self, job: QueryJob, timeout: float, cheap: bool = False,
                  bound: Bound | None = None) -> tuple[str, bytes]:
        if not self._started:  # the first query starts the workers (whatever lane answers it)
            await asyncio.get_running_loop().run_in_executor(None, self.start)
        if bound is not None:
            answer = self.run_bounded(job, bound, timeout)
            if answer is not None:
                return answer
        loop = asyncio.get_running_loop()
        start = loop.time()
        w = await self._acquire(timeout, cheap)
        remaining = max(0.001, timeout - (loop.time() - start))
        fd = w.conn.fileno()
        ready = loop.create_future()
        try:
            os.set_blocking(fd, True)  # the job goes out whole (a query may exceed the socket buffer)
            w.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            os.set_blocking(fd, False)
            frame = _FrameReader(fd, ready)
            # (a timer instead of asyncio.wait_for: no extra task per query on the hot path)
            loop.add_reader(fd, frame.on_readable)
            timer = loop.call_later(remaining, _set_ready, ready, None)
            try:
                data = await ready
            finally:
                timer.cancel()
                loop.remove_reader(fd)
            if data is None:
                raise asyncio.TimeoutError
            os.set_blocking(fd, True)
            reply = pickle.loads(data)
        except asyncio.TimeoutError:
            self._replace(w)
            raise QueryFailed(503, f"查询超时 · The query did not finish within {timeout:g} s (the time limit of "
                                   "this endpoint) and was stopped; simplify it or add LIMIT.") from None
        except (EOFError, OSError, pickle.UnpicklingError):
            self._replace(w)
            raise QueryFailed(500, "查询进程意外退出 · The query worker stopped unexpectedly; try again.") from None
        except BaseException:  # cancelled (client went away): the worker's state is unknown
            self._replace(w)
            raise
        self._release(w)
        if reply[0] == "ok":
            return reply[1], reply[2]
        raise QueryFailed(reply[1], reply[2])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._main.idle.clear()
            self._cheap.idle.clear()
        for w in workers:
            w.kill()
        self._spawner.shutdown(wait=False)

    def pids(self) -> list[int]:
        """The worker processes' ids (after a start in progress has ended)."""
        starting = self._starting
        if starting is not None:
            starting.wait(120)
        with self._lock:
            return [w.proc.pid for w in self._all]


def _set_ready(fut, value):
    if not fut.done():
        fut.set_result(value)


def _expire(fut, timeout):
    if not fut.done():
        fut.set_exception(QueryFailed(503, f"端点繁忙 · All query workers stayed busy for {timeout:g} s; "
                                           "try again later."))


def _hand_over(fut, w, pool):
    if fut.done():  # the waiter gave up meanwhile: give the worker to the next one
        pool._release(w)
    else:
        fut.set_result(w)


class ThreadQueryExecutor:
    """Queries of stores that cannot be opened by another process (in memory, remote).

    ``query(sparql, *, default_graph, named_graphs, timeout)`` is the store's own
    ``RegistryStore.query``; this is the default of ``RegistryStore.query_executor``.
    """

    def __init__(self, query: Callable[..., object], size: int = 8):
        self.query = query
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sparql-query")

    def _run(self, job: QueryJob, timeout: float):
        # pyoxigraph result objects must be dropped in the thread that made them: answer with
        # plain tuples, never with an exception whose traceback still references them
        query = self.query

        def run(q, dg, ng, base):
            return query(q, default_graph=None if dg is None else list(dg),
                         named_graphs=None if ng is None else list(ng), timeout=timeout, base_iri=base)

        failure = None
        try:
            return ("ok", *run_job(job, run))
        except QueryFailed as e:
            failure = ("err", e.status, str(e))
        except RegistryError as e:  # the store's own error (e.g. the remote store's StoreError), by kind
            if e.kind == Kind.TIMEOUT:
                failure = ("err", e.status, f"查询超时 · The query did not finish within the time limit: {e}")
            elif job.service_allowlist is not None:  # the remote server may have called a SERVICE
                failure = ("err", 502, "联邦查询失败 · The query failed, possibly in a SERVICE call to another "
                                       "endpoint (its answer is not shown).")
            else:
                failure = ("err", e.status, f"查询执行失败 · The query failed: {e}")
        except Exception as e:  # a bug or an unexpected library error: the message says which
            failure = ("err", 500, f"查询执行失败 · The query failed: {e}")
        return failure

    def snapshot(self) -> None:
        """No fast path, so no snapshot for it (see :meth:`ProcessQueryPool.snapshot`)."""
        return None

    def run_bounded(self, job: QueryJob, bound: Bound | None, timeout: float, snapshot=None) -> None:
        """No in-process fast path for these stores (a remote round trip or a shared in-memory
        store): every query goes through :meth:`run`."""
        return None

    async def run(self, job: QueryJob, timeout: float, cheap: bool = False,
                  bound: Bound | None = None) -> tuple[str, bytes]:
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self._pool, self._run, job, timeout)
        try:
            reply = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise QueryFailed(503, f"查询超时 · The query did not finish within {timeout:g} s (the time limit of "
                                   "this endpoint); simplify it or add LIMIT.") from None
        if reply[0] == "ok":
            return reply[1], reply[2]
        raise QueryFailed(reply[1], reply[2])

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
