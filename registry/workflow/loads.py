"""Versions and change events for bulk loads (``registry load``).

A load that changes an item records, like an accepted submission, a new immutable
version ``{item}/v/{n}`` and a change event, so that the versions, ``_versionAt`` and
the change feed (a harvester starting at ``since=0``) know the loaded content too.

What "changed" means: the item's triples, without the registry's version bookkeeping
(``dct:hasVersion`` and the ``{item}/v/{n}`` resources), differ from its latest
recorded version (blank nodes compared by structure). Loading the same content again
records nothing.

Consistency (the workflow's outbox, see :mod:`registry.workflow.service`):

1. :meth:`LoadRecorder.before_write` runs after parsing and splitting and before the
   store write: ONE SQLite transaction inserts every new version, every change event,
   an audit record and a pending outbox entry naming the changed items; it gives every
   item its version metadata, so the store write puts exactly the latest snapshots;
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

    # --- recovery ------------------------------------------------------------------------------
    def apply_pending(self) -> int:
        """Replay pending outbox entries (a crashed load or workflow write) before loading."""
        return Workflow(self.store, self.settings, state=self.db).apply_pending()

    # --- the hook the loader calls ---------------------------------------------------------------
    def _latest_triples(self, item: str, n: int) -> list[ox.Triple]:
        return _strip_bookkeeping(item, rdf.from_ntriples(self.db.version_ntriples(item, n)))

    def before_write(self, items: dict[str, list]) -> None:
        """Compare, record (one transaction) and give each item its version metadata, in place."""
        with _no_cyclic_gc():  # many small objects, no cycles: as the loader does
            self._before_write(items)

    def _before_write(self, items: dict[str, list]) -> None:
        names = list(items)
        history = self.db.histories(names)
        t = now()
        new_versions, events, fill = [], [], []
        changed: dict[str, int] = {}
        for item in names:
            content = _strip_bookkeeping(item, items[item])
            digest, exact = content_digest(content)
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
                items[item] = content + rdf.version_metadata(item, prev)
                continue
            n = (prev[-1]["n"] if prev else 0) + 1
            snapshot = content + rdf.version_metadata(item, [*prev, {"n": n, "time": t, "attributed": None}])
            changed[item] = n
            status = rdf.status_of(item, content) or ""
            new_versions.append((item, n, t, status, LOAD_NOTE, rdf.to_ntriples(snapshot), digest))
            events.append([t, None, item, n, status])
            items[item] = snapshot
        if not changed and not fill:
            return
        firsts = [e[2] for e in events if e[3] == 1]
        in_store = existing_graphs(self.store, firsts) if firsts else set()
        for e in events:
            e[1] = "create" if e[3] == 1 and e[2] not in in_store else "update"
        with self.db.write() as c:
            self.db.set_digests(fill)
            if changed:
                self.db.record_load_versions(new_versions)
                self.db.record_events(events)
                self.outbox_id = self.db.add_outbox(list(changed), t)
                kinds = Counter(e[1] for e in events)
                self.db.audit(c, None, "load", None, {"versions": len(changed), "create": kinds["create"],
                                                      "update": kinds["update"], "items": len(names)})
        self.recorded = [{"item": e[2], "version": e[3], "event": e[1]} for e in events]

    def done(self) -> None:
        """Step 3: the store write succeeded."""
        if self.outbox_id is not None:
            self.db.mark_applied(self.outbox_id)
