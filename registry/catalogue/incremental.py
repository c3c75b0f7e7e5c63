"""Updating the catalogue's site data and search index per changed named graph.

After a write the store tells which graphs it wrote (``RegistryStore.changed_graphs``). Instead
of scanning the whole dataset again (``queries.load_site_data``: seconds at 100k units), only
those graphs are read and indexed (``queries.index_quads``), and their subjects' entries in the
indexes are replaced. The result equals a full ``load_site_data`` of the new store content
(tests/site/test_incremental_live.py compares them field by field).

The new ``SiteData`` is a new object (dicts copied shallowly, lists never mutated in place), so
requests still rendering from the previous one are not disturbed.

When the update cannot be exact it returns None and the caller rebuilds whole: a subject of a
changed graph is also described by a graph that did not change (its facts from both graphs are
merged in the indexes, in store order), or the change is too large to be worth it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pyoxigraph as ox

from .queries import C, SiteData, index_quads

#: SiteData dict fields keyed by an OBJECT (the rest of its dict fields are keyed by subject)
OBJECT_KEYED = frozenset({"used_by"})
#: SiteData fields that are not per-subject indexes
NOT_INDEXES = frozenset({"_memo", "graph_triples", "graph_subjects", "graphs", "generation", "built_at"})
#: more changed graphs than this: rebuild whole (one scan is then cheaper than many lookups)
MAX_GRAPHS = 5_000


def _index_fields(site: SiteData) -> list[str]:
    return [f.name for f in dataclasses.fields(site)
            if f.name not in NOT_INDEXES and isinstance(getattr(site, f.name), dict)]


def _copy(d: dict) -> dict:
    return d.copy()  # a defaultdict keeps its default factory


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

    new = dataclasses.replace(old)  # a new object sharing the old one's containers
    new.generation = generation
    new._memo = {}
    new.graph_triples = None
    new.graphs = {g for g in old.graphs if g not in fresh} | {g for g, ts in fresh.items() if ts}
    gs = _copy(old.graph_subjects)
    for g in changed:
        gs.pop(g, None)
    for g, subs in part.graph_subjects.items():
        gs[g] = subs
    new.graph_subjects = gs

    fields = _index_fields(old)
    for name in fields:
        setattr(new, name, _copy(getattr(old, name)))
    # drop what the affected subjects said before ...
    used_by = new.used_by
    for sv in affected:
        for pv, objects in old.links.get(sv, {}).items():
            for ov in objects:
                rows = used_by.get(ov)
                if rows:
                    kept = [r for r in rows if r != (pv, sv)]
                    if kept:
                        used_by[ov] = kept
                    else:
                        del used_by[ov]
        for name in fields:
            if name not in OBJECT_KEYED:
                getattr(new, name).pop(sv, None)
    # ... and add what they say now
    for name in fields:
        target, source = getattr(new, name), getattr(part, name)
        if name in OBJECT_KEYED:
            for ov, rows in source.items():
                target[ov] = sorted([*target.get(ov, ()), *rows])
        else:
            target.update(source)
    return new, affected


def _only_in(store, subjects: set[str], graphs: set[str]) -> bool:
    """Whether every one of ``subjects`` is described by ``graphs`` only."""
    values = " ".join(str(ox.NamedNode(s)) for s in subjects)
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
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
        for area, std in site.area_standard.items():
            if std in standards:
                out.add(area)
                out.update(by_area.get(area, ()))
    return out - iris
