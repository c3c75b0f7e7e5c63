"""Updating the catalogue's site data and search index per changed named graph.

After a write the store tells which graphs it wrote (``RegistryStore.changed_graphs``). Instead
of scanning the whole dataset again (``queries.load_site_data``: seconds at 100k units), only
those graphs are read and indexed (``queries.index_quads``), and their subjects' entries in the
indexes are replaced. The result equals a full ``load_site_data`` of the new store content
(tests/site/test_incremental_live.py compares them field by field).

Cost proportional to the change, not to the registry: every per-subject index of the new
``SiteData`` is an ``Overlay`` -- the previous generation's base dict (never mutated) plus a small
dict of the keys changed since that base was built. A generation is published as one new object,
so a request that still renders the previous one keeps seeing all of it and none of the change.
When an overlay has grown to a fraction of its base it is folded into a new plain dict
(``COMPACT_*``: one O(n) copy every ~n/8 changed keys, amortised O(1) per change). The derived
lists the pages read (``SiteData.of_type``, ``units_of_area``, ``units_of_level``,
``standard_levels``, ``areas_of_standard``, ``dated_graphs``) are carried over and patched for the
touched subjects only, so the first request after a change does not recompute them either.

When the update cannot be exact it returns None and the caller rebuilds whole: a subject of a
changed graph is also described by a graph that did not change (its facts from both graphs are
merged in the indexes, in store order), or the change is too large to be worth it.
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping

import pyoxigraph as ox

from .queries import C, SiteData, index_quads

#: SiteData dict fields keyed by an OBJECT (the rest of its dict fields are keyed by subject)
OBJECT_KEYED = frozenset({"used_by"})
#: SiteData fields that are not per-subject indexes
NOT_INDEXES = frozenset({"_memo", "graph_triples", "graph_subjects", "graphs", "generation", "built_at"})
#: more changed graphs than this: rebuild whole (one scan is then cheaper than many lookups)
MAX_GRAPHS = 5_000
#: an overlay is folded into a plain dict when it holds more than max(COMPACT_MIN, len(base) // COMPACT_RATIO) keys
COMPACT_MIN = 4_096
COMPACT_RATIO = 8

_GONE = object()     # overlay value: the key was deleted
_MISSING = object()


class Overlay(Mapping):
    """A read-only mapping: ``base`` (a dict nobody mutates any more) with ``over`` on top
    (key -> new value, or ``_GONE`` for a deleted key). Made by ``derive``; never mutated."""

    __slots__ = ("base", "over", "_len")

    def __init__(self, base: Mapping, over: dict, length: int):
        self.base, self.over, self._len = base, over, length

    def __getitem__(self, key):
        v = self.over.get(key, _MISSING)
        if v is _MISSING:
            return self.base[key]
        if v is _GONE:
            raise KeyError(key)
        return v

    def get(self, key, default=None):
        v = self.over.get(key, _MISSING)
        if v is _MISSING:
            return self.base.get(key, default)
        return default if v is _GONE else v

    def __contains__(self, key) -> bool:
        v = self.over.get(key, _MISSING)
        if v is _MISSING:
            return key in self.base
        return v is not _GONE

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator:
        over = self.over
        for k in self.base:
            if k not in over:
                yield k
        for k, v in over.items():
            if v is not _GONE:
                yield k

    def items(self):  # a generator is enough for every reader (and far cheaper than ItemsView)
        over = self.over
        for k, v in self.base.items():
            if k not in over:
                yield k, v
        for k, v in over.items():
            if v is not _GONE:
                yield k, v

    def values(self):
        for _, v in self.items():
            yield v

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and len(self) == len(other) and dict(self.items()) == dict(other.items())

    __hash__ = None

    def __repr__(self) -> str:
        return f"Overlay({len(self.over)} changed keys over {len(self.base)})"


class OverlaySet(Overlay):
    """A read-only set in the same shape (``SiteData.graphs``): members are the keys."""

    __slots__ = ()

    def __eq__(self, other) -> bool:
        return set(self) == set(other) if isinstance(other, (set, frozenset, Overlay)) else NotImplemented

    __hash__ = None


def derive(old: Mapping, changes: dict, *, as_set: bool = False) -> Mapping:
    """``old`` with ``changes`` applied (key -> value or ``_GONE``), without copying or mutating ``old``."""
    if not changes:
        return old
    if isinstance(old, Overlay):
        base, over, n = old.base, dict(old.over), len(old)
    else:
        base, over, n = old, {}, len(old)
    for k, v in changes.items():
        present = k in old
        if v is _GONE:
            if present:
                n -= 1
            if k in base:
                over[k] = _GONE
            else:
                over.pop(k, None)
        else:
            if not present:
                n += 1
            over[k] = v
    if len(over) > max(COMPACT_MIN, len(base) // COMPACT_RATIO):
        return _compact(base, over, as_set)
    return (OverlaySet if as_set else Overlay)(base, over, n)


def _compact(base: Mapping, over: dict, as_set: bool):
    d = dict(base.items()) if not as_set else dict.fromkeys(base)
    for k, v in over.items():
        if v is _GONE:
            d.pop(k, None)
        else:
            d[k] = v
    return set(d) if as_set else d


def _index_fields(site: SiteData) -> list[str]:
    return [f.name for f in dataclasses.fields(site)
            if f.name not in NOT_INDEXES and isinstance(getattr(site, f.name), Mapping)]


def update_site_data(old: SiteData, store, changed: Iterable[str], generation: int) -> tuple[SiteData, set[str]] | None:
    """(new site data, IRIs whose facts changed) after ``changed`` graphs were written; None: rebuild whole."""
    changed = sorted(set(changed))
    if len(changed) > MAX_GRAPHS:
        return None
    fresh = {g: store.graph_triples(g) for g in changed}
    old_subjects: set[str] = set()
    for g in changed:
        old_subjects |= old.graph_subjects.get(g, set())
    new_subjects = {t.subject.value for ts in fresh.values() for t in ts if isinstance(t.subject, ox.NamedNode)}
    affected = old_subjects | new_subjects
    if affected and not _only_in(store, affected, set(changed)):
        return None
    quads = ((ox.NamedNode(g), t.subject, t.predicate, t.object) for g in changed for t in fresh[g])
    part = index_quads(quads, generation=generation)

    new = dataclasses.replace(old)  # a new object; every container below is derived, none mutated
    new.generation = generation
    new.built_at = time.time()  # Last-Modified of listings and search: they may show the change
    new._memo = {}
    new.graph_triples = None
    new.graphs = derive(old.graphs, {g: (True if ts else _GONE) for g, ts in fresh.items()}, as_set=True)
    new.graph_subjects = derive(old.graph_subjects, {g: part.graph_subjects.get(g) or _GONE for g in changed})

    for name in _index_fields(old):
        before, source = getattr(old, name), getattr(part, name)
        if name in OBJECT_KEYED:
            # rows (predicate, subject) of the affected subjects are replaced by what they say now
            touched = set(source)
            for sv in affected:
                for objects in old.links.get(sv, {}).values():
                    touched.update(objects)
            changes = {}
            for ov in touched:
                rows = [r for r in before.get(ov, ()) if r[1] not in affected]
                rows.extend(source.get(ov, ()))
                rows.sort()
                changes[ov] = rows or _GONE
        else:
            changes = {sv: source[sv] if sv in source else _GONE for sv in affected if sv in source or sv in before}
        setattr(new, name, derive(before, changes))
    _patch_memo(old, new, affected, set(changed))
    return new, affected


def _patch_memo(old: SiteData, new: SiteData, affected: set[str], changed: set[str]) -> None:
    """Carry ``old``'s derived lists over to ``new``, updated for ``affected`` subjects only.
    A list ``old`` never computed is left for ``new`` to compute when first asked."""
    memo = old._memo
    for key, value in memo.items():
        if isinstance(key, tuple) and key[0] == "of_type":
            new._memo[key] = _patch_sorted(value, affected, lambda x: key[1] in new.types.get(x, ()))
    for key, field in (("units_of_area", "unit_area"), ("units_of_level", "unit_level")):
        if key in memo:
            new._memo[key] = _patch_groups(memo[key], affected, getattr(old, field), getattr(new, field),
                                           new.unit_sort_key, old.notation, new.notation)
    if "areas_of_standard" in memo:
        new._memo["areas_of_standard"] = _patch_groups(memo["areas_of_standard"], affected, old.area_standard,
                                                       new.area_standard, None, None, None)
    if "standard_levels" in memo:
        standards = set()
        for sv in affected:
            for site in (old, new):
                s = site.area_standard.get(sv) or site.unit_standard(sv)
                if s:
                    standards.add(s)
        levels = dict(memo["standard_levels"])
        by_area, areas = new.units_of_area(), new.areas_of_standard()
        for s in standards:
            lv = {new.unit_level[u] for a in areas.get(s, ()) for u in by_area.get(a, ()) if u in new.unit_level}
            if lv:
                levels[s] = lv
            else:
                levels.pop(s, None)
        new._memo["standard_levels"] = levels
    if "dated_graphs" in memo:
        touched = changed | {x for x in affected if x in old.graphs or x in new.graphs}
        dated = memo["dated_graphs"]
        out = None
        for g in touched:
            for site, add in ((old, False), (new, True)):
                d = site.last_changed(g) if g in site.graphs else None
                if not d:
                    continue
                if out is None:
                    out = list(dated)
                i = bisect.bisect_left(out, (d, g))
                present = i < len(out) and out[i] == (d, g)
                if add and not present:
                    out.insert(i, (d, g))
                elif not add and present:
                    del out[i]
        new._memo["dated_graphs"] = dated if out is None else out


def _patch_sorted(items: list[str], affected: set[str], member) -> list[str]:
    """A sorted list with the affected IRIs' membership brought up to date (copied only when it changes)."""
    out = None
    for x in affected:
        i = bisect.bisect_left(items if out is None else out, x)
        cur = items if out is None else out
        present = i < len(cur) and cur[i] == x
        want = member(x)
        if present != want:
            if out is None:
                out = list(items)
            if want:
                out.insert(i, x)
            else:
                del out[i]
    return items if out is None else out


def _patch_groups(groups: Mapping, affected: set[str], old_of: Mapping, new_of: Mapping, sort_key,
                  old_notation, new_notation) -> dict:
    """``group -> sorted members`` (members grouped by ``*_of[member]``) updated for ``affected``."""
    touched: set[str] = set()
    for x in affected:
        a, b = old_of.get(x), new_of.get(x)
        if a != b or (sort_key is not None and old_notation.get(x) != new_notation.get(x)):
            touched.update(g for g in (a, b) if g)
    if not touched:
        return groups
    out = dict(groups)  # a few thousand groups at most: areas, levels, standards
    for g in touched:
        members = [x for x in groups.get(g, ()) if x not in affected]
        members.extend(x for x in affected if new_of.get(x) == g)
        members.sort(key=sort_key)
        if members:
            out[g] = members
        else:
            out.pop(g, None)
    return out


def _only_in(store, subjects: set[str], graphs: set[str]) -> bool:
    """Whether every one of ``subjects`` is described by ``graphs`` only."""
    values = " ".join(str(ox.NamedNode(s)) for s in subjects)
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p [] }} }}")
    return all(row[0].value in graphs for row in rows)


def search_dependents(site: SiteData, iris: Iterable[str]) -> set[str]:
    """IRIs whose search entry reads facts of ``iris`` (see ``search.entry_of``): the units of an
    area, the areas and units of a standard, what sits at a level, what uses a sector."""
    out: set[str] = set()
    iris = set(iris)
    by_area = site.units_of_area()
    by_level = site.units_of_level()
    standards = set()
    for x in iris:
        out.update(by_area.get(x, ()))
        out.update(by_level.get(x, ()))
        for _, s in site.used_by.get(x, ()):
            out.add(s)
            if C + "CompetencyStandard" in site.types.get(s, ()):
                standards.add(s)
        if C + "CompetencyStandard" in site.types.get(x, ()):
            standards.add(x)
    if standards:
        areas_of = site.areas_of_standard()
        for std in standards:
            for area in areas_of.get(std, ()):
                out.add(area)
                out.update(by_area.get(area, ()))
    return out - iris
