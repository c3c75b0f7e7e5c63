"""Versions and change events for bulk loads (``registry load``).

A load that changes an item records, like an accepted submission, a new immutable
version ``{item}/v/{n}`` and a change event, so that the versions, ``_versionAt`` and
the change feed (a harvester starting at ``since=0``) know the loaded content too.

What "changed" means: the item's triples, without the registry's version bookkeeping
(``dct:hasVersion`` and the ``{item}/v/{n}`` resources), differ from its latest
recorded version (blank nodes compared by structure). Loading the same content again
records nothing.

Consistency (the workflow's outbox, see :mod:`registry.workflow.service`):

1. before the store write, ONE SQLite transaction inserts every new version, every change
   event, an audit record and a pending outbox entry naming the changed items, and every
   item gets its version metadata, so the store write puts exactly the latest snapshots.
   In-memory loads call :meth:`LoadRecorder.before_write` with all items; streamed loads
   call :meth:`LoadRecorder.record_chunk` per chunk of items (the transaction stays open,
   each item's N-Triples are serialised once and reused for its digest, its snapshot and
   the store write), then :meth:`LoadRecorder.commit`; a failure before that rolls back;
2. the loader's one atomic store write;
3. :meth:`LoadRecorder.done` marks the outbox entry applied.

A crash after 1 leaves the entry pending: the next start of ``registry serve``, the
next workflow write or the next load replays it (graph replacement from the recorded
snapshots, idempotent), so store and state converge. A crash before 1 changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

import pyoxigraph as ox

from ..loader import _no_cyclic_gc
from . import rdf
from .checks import existing_graphs
from .service import Workflow
from .state import StateDB, now

#: versions of loads name no submission and no user; this note says where they came from
LOAD_NOTE = "registry load"


def _strip_bookkeeping(item: str, triples) -> list:
    """``triples`` (Triples or default-graph Quads, kept as they are) without version bookkeeping."""
    root = ox.NamedNode(item)
    prefix = item + "/v/"
    hv = rdf.P_HAS_VERSION
    return [t for t in triples
            if not (t.predicate == hv and t.subject == root)
            and not (t.subject.value.startswith(prefix) and rdf.is_version_node(item, t.subject))]


def content_digest(triples: list) -> tuple[str, bool]:
    """A digest of ``triples`` invariant under blank-node renaming, and whether it is exact.

    Blank nodes are relabelled by a hash of their (recursive) description, the triples are
    written as N-Triples, sorted and hashed. For blank nodes that form trees (each used at
    most once as an object, no cycles: what Turtle's ``[ … ]`` gives) two graphs have the
    same digest exactly when they are isomorphic; otherwise (``exact`` False) equal digests
    must be confirmed by a full comparison.
    """
    blank = ox.BlankNode
    edges: dict = defaultdict(list)
    indeg: Counter = Counter()
    for t in triples:
        if type(t.subject) is blank:
            edges[t.subject].append((t.predicate, t.object))
        if type(t.object) is blank:
            indeg[t.object] += 1
    state = {"exact": all(v <= 1 for v in indeg.values())}
    canon = list(triples)
    if edges or indeg:
        memo: dict = {}

        def label(b, depth: int = 0) -> str:
            got = memo.get(b)
            if got is not None:
                if got == "?":  # a cycle
                    state["exact"] = False
                return got
            if depth > 100:
                state["exact"] = False
                return "deep"
            memo[b] = "?"
            parts = sorted(f"{p} {'_:' + label(o, depth + 1) if type(o) is blank else o}" for p, o in edges.get(b, ()))
            h = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]
            memo[b] = h
            return h

        nodes = {b: blank(label(b)) for b in set(edges) | set(indeg)}
        if any(v in ("?", "deep") for v in memo.values()):
            state["exact"] = False
        triple = ox.Triple
        canon = [t if type(t.subject) is not blank and type(t.object) is not blank else
                 triple(nodes.get(t.subject, t.subject), t.predicate, nodes.get(t.object, t.object)) for t in triples]
    lines = ox.serialize(canon, format=ox.RdfFormat.N_TRIPLES).split(b"\n")
    lines.sort()
    return hashlib.sha256(b"\n".join(lines)).hexdigest(), state["exact"]


class LoadRecorder:
    """Records the versions and change events of one ``registry load`` (see the module doc)."""

    def __init__(self, store, settings):
        self.store = store
        self.settings = settings
        self.db = StateDB(settings.state_path())
        self.outbox_id: int | None = None
        self.recorded: list[dict] = []
        self.db.ensure_digest_column()
        self._time = now()
        self._tx = None  # the open state transaction of a streamed load
        self._conn = None
        self._changed: list[str] = []
        self._kinds: Counter = Counter()
        self._seen = 0

    # --- recovery ------------------------------------------------------------------------------
    def apply_pending(self) -> int:
        """Replay pending outbox entries (a crashed load or workflow write) before loading."""
        return Workflow(self.store, self.settings, state=self.db).apply_pending()

    # --- the hook the loader calls ---------------------------------------------------------------
    def _latest_triples(self, item: str, n: int) -> list[ox.Triple]:
        return _strip_bookkeeping(item, rdf.from_ntriples(self.db.version_ntriples(item, n)))

    def before_write(self, items: dict[str, list]) -> None:
        """Compare, record (one transaction) and give each item its version metadata, in place.

        The whole load at once (the loader's in-memory path); streamed loads call
        :meth:`record_chunk` per chunk of items, then :meth:`commit`, before the store write.
        """
        try:
            for item, (content, _text, meta) in self.record_chunk(items, texts=False).items():
                items[item] = content + meta
        except BaseException:
            self.abort()
            raise
        self.commit()

    def record_chunk(self, items: dict[str, list], *, texts: bool = True) -> dict[str, tuple]:
        """Compare the items of one chunk with their latest versions and record the new versions.

        Returns ``{item: (content triples, N-Triples bytes of content + metadata or None, metadata
        triples)}`` (the bytes only with ``texts``): what the store must hold for each item. The rows
        go into ONE state transaction opened by the first chunk and ended by :meth:`commit` (or
        :meth:`abort`), so a load records all of its versions or none.
        """
        with _no_cyclic_gc():  # many small objects, no cycles: as the loader does
            return self._record_chunk(items, texts)

    def _record_chunk(self, items: dict[str, list], texts: bool) -> dict[str, tuple]:
        names = list(items)
        self._seen += len(names)
        history = self.db.histories(names)
        t = self._time
        new_versions, events, fill = [], [], []
        out: dict[str, tuple] = {}
        nt = ox.RdfFormat.N_TRIPLES
        serialize = ox.serialize
        for item in names:
            content, text = _content(item, items[item])
            digest, exact = _digest(content, text)
            prev = history.get(item, [])
            unchanged = False
            if prev:
                last = prev[-1]
                last_digest = last["digest"]
                if last_digest is None:  # a version recorded before digests were kept
                    last_digest = content_digest(self._latest_triples(item, last["n"]))[0]
                    fill.append((last_digest, item, last["n"]))
                if last_digest == digest:
                    unchanged = exact or rdf.same_graph(self._latest_triples(item, last["n"]), content)
            if unchanged:
                meta = rdf.version_metadata(item, prev)
                out[item] = (content, text + serialize(meta, format=nt) if texts else None, meta)
                continue
            n = (prev[-1]["n"] if prev else 0) + 1
            meta = rdf.version_metadata(item, [*prev, {"n": n, "time": t, "attributed": None}])
            snapshot = text + serialize(meta, format=nt)
            status = _status(item, text)
            new_versions.append((item, n, t, status, LOAD_NOTE, snapshot.decode("utf-8"), digest))
            events.append([t, None, item, n, status])
            out[item] = (content, snapshot if texts else None, meta)
        if not events and not fill:
            return out
        firsts = [e[2] for e in events if e[3] == 1]
        in_store = existing_graphs(self.store, firsts) if firsts else set()
        for e in events:
            e[1] = "create" if e[3] == 1 and e[2] not in in_store else "update"
        self._begin()
        self.db.set_digests(fill)
        if events:
            self.db.record_load_versions(new_versions)
            self.db.record_events(events)
            self._changed.extend(e[2] for e in events)
            self._kinds.update(e[1] for e in events)
            self.recorded.extend({"item": e[2], "version": e[3], "event": e[1]} for e in events)
        return out

    def _begin(self) -> None:
        if self._tx is None:
            self._tx = self.db.write()
            self._conn = self._tx.__enter__()

    def commit(self, items_total: int | None = None) -> None:
        """End the load's state transaction: the outbox entry naming the changed items, an audit record."""
        if self._tx is None:
            return
        tx, self._tx = self._tx, None
        try:
            if self._changed:
                self.outbox_id = self.db.add_outbox(self._changed, self._time)
                self.db.audit(self._conn, None, "load", None,
                              {"versions": len(self._changed), "create": self._kinds["create"],
                               "update": self._kinds["update"],
                               "items": items_total if items_total is not None else self._seen})
        except BaseException as e:
            tx.__exit__(type(e), e, e.__traceback__)
            self.outbox_id = None
            raise
        tx.__exit__(None, None, None)

    def abort(self) -> None:
        """Roll the load's state transaction back (nothing recorded)."""
        if self._tx is not None:
            tx, self._tx = self._tx, None
            err = RuntimeError("load aborted")
            tx.__exit__(RuntimeError, err, None)
        self.outbox_id = None
        self._changed, self.recorded = [], []
        self._kinds = Counter()

    def done(self) -> None:
        """Step 3: the store write succeeded."""
        if self.outbox_id is not None:
            self.db.mark_applied(self.outbox_id)


_NT_HAS_VERSION = f"> <{rdf.P_HAS_VERSION.value}> <".encode()


def _content(item: str, triples: list) -> tuple[list, bytes]:
    """The item's triples without version bookkeeping, and their N-Triples (one serialisation).

    Fast path: fresh input has no bookkeeping, which a search of the serialised text proves.
    """
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    enc = item.encode()
    if b"<" + enc + b"/v/" in text or b"<" + enc + _NT_HAS_VERSION in text:
        content = _strip_bookkeeping(item, triples)
        if len(content) != len(triples):
            return content, ox.serialize(content, format=ox.RdfFormat.N_TRIPLES)
    return triples, text


def _digest(content: list, text: bytes) -> tuple[str, bool]:
    """:func:`content_digest` of ``content`` whose N-Triples are ``text`` (reused when it has no blank node)."""
    if b"_:" in text and any(type(t.subject) is ox.BlankNode or type(t.object) is ox.BlankNode for t in content):
        return content_digest(content)
    lines = text.split(b"\n")
    lines.sort()
    return hashlib.sha256(b"\n".join(lines)).hexdigest(), True


def _status(item: str, text: bytes) -> str:
    """``rdf.status_of`` read from the N-Triples of the item's content ("" when it has none)."""
    head = b"<" + item.encode() + b"> <" + rdf.P_STATUS.value.encode() + b"> "
    if text.startswith(head):
        start = len(head)
    else:
        at = text.find(b"\n" + head)
        if at < 0:
            return ""
        start = at + 1 + len(head)
    if text[start:start + 1] != b"<":  # not an IRI: let the general reader decide
        return rdf.status_of(item, rdf.from_ntriples(text.decode("utf-8"))) or ""
    start += 1
    return text[start:text.index(b">", start)].decode("utf-8")
