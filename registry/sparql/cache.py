"""The result cache of the SPARQL fast path (issue 13, target 1).

Answers of the in-process fast path (``executor.ProcessQueryPool.run_bounded``: queries the guard
proved bounded) are kept per server process, keyed by everything that decides their bytes on
that path:

* the raw query string of the ``GET`` (the query, ``format``/``output``, ``timeout``: the fast
  path takes no other parameter, and no dataset parameter at all);
* the raw ``Accept`` header (the negotiated result format);
* the published store generation the answer was computed from: when the generation changes
  (any write, in any process: ``SnapshotReader.snapshot()`` costs one ``stat``), the whole
  cache is dropped before the next lookup.

The endpoint's other inputs (base IRI, result caps, time limit) are settings of the process and
cannot change under it. Only successful answers are stored (a refusal is recomputed every
time); updates never reach the fast path (``guard.analyse`` refuses them first), so they never
reach the cache either. Memory is bounded by ``sparql_cache_bytes`` (bodies plus a fixed
overhead per entry), least recently used entries go first; 0 turns the cache off.
"""

from __future__ import annotations

from collections import OrderedDict

#: bytes counted per entry on top of its body and key (dict slot, tuples, header list)
ENTRY_OVERHEAD = 512


class ResultCache:
    """A bytes-bounded LRU of ``key -> value`` for one store generation.

    Not thread-safe: used on the event loop only (the fast path runs there).
    ``value`` is anything; its size is given to :meth:`put`.
    """

    __slots__ = ("max_bytes", "generation", "size", "_entries", "hits", "misses")

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, int(max_bytes))
        self.generation = None
        self.size = 0
        self._entries: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def __bool__(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, generation, key):
        """The value stored for ``key`` in ``generation``, or None (a new generation empties the cache)."""
        if generation != self.generation:
            self.clear(generation)
            self.misses += 1
            return None
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, generation, key, value, nbytes: int) -> None:
        """Keep ``value`` (about ``nbytes`` bytes) for ``key``, computed from ``generation``."""
        if generation != self.generation:
            self.clear(generation)
        cost = nbytes + ENTRY_OVERHEAD + sum(len(k) for k in key if k is not None)
        if cost > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[1]
        while self._entries and self.size + cost > self.max_bytes:
            _, (_, freed) = self._entries.popitem(last=False)
            self.size -= freed
        self._entries[key] = (value, cost)
        self.size += cost

    def clear(self, generation=None) -> None:
        self._entries.clear()
        self.size = 0
        self.generation = generation
