"""Benchmark: how long after one accepted change the LIVE catalogue shows it (issue 13, target 4).

    .venv/bin/python -m bench.incremental --units 10000,100000      # ~2 min + ~10 min
    .venv/bin/python -m bench.incremental --units 10000 --repeat 5
    .venv/bin/python -m bench.incremental --units 100000 --store /tmp/me/s100k   # reuse a loaded store

For each size: generated data (``bench/generate.py``, seed 1) plus the shipped ontology, shapes and
vocabularies are loaded with ``registry load --no-validate`` into an embedded store under the work
folder (``--dir``, default the system temporary folder; ``--store`` reuses an existing store, which
is then changed in place: one unit is renamed and restored, one is deleted and put back, one is
added and dropped). The live app (``registry.app.create_app``, FastAPI's test client, no network)
is warmed: full cache build, then the unit page, its standard's page and a search.

Then, ``--repeat`` times (median printed), three changes, each timed from the store write (what an
accepted submission does) until every view that must show it does:

* ``rename``: one unit's Chinese title is rewritten; until its unit page, its standard's page (the
  unit list by functional area) and ``/api/search`` for the new title show the new title;
* ``delete``: a unit's graph is dropped; until its page is 404, the standard's page no longer lists
  it and search no longer finds it;
* ``add``: a new unit (a copy of another under a new code and title); until its page is 200, the
  standard's page lists it and search finds it.

The update happens lazily: the first request after the write brings the cache up to date
(``Catalogue.site``), so the figure is write + that request + the other two requests. "full" is
the time the same cache takes to build from scratch (``load_site_data`` + search index + derived
lists: what a restart or an unjournalled change costs, and what every change cost before the
incremental update); "ratio" is full / rename. Wall clock: the machine's other work shows in it.

Takes about 1-2 min at 10k units and 8-12 min at 100k (generation, a 1-3 min load, two full
builds, the changes). Record results in bench/RESULTS-site.md ("Incremental publishing", Live).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pyoxigraph as ox

from bench.generate import generate

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
BASE = "https://w3id.org/gdlecb/"
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
HTML = {"Accept": "text/html"}


def load_store(n_units: int, folder: Path) -> Path:
    """A new on-disk store of ``n_units`` generated units (``registry load --no-validate``)."""
    data = generate(n_units, 1, fmt="ttl", out=folder / "data.ttl")
    store = folder / "store"
    cmd = [sys.executable, "-m", "registry.cli", "load", "--no-validate", "--store", str(store),
           *map(str, SHIPPED), str(data)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    os.unlink(data)
    return store


class Live:
    """The live app over ``store_path`` and the requests that tell whether a change shows."""

    def __init__(self, store_path: Path, state: Path):
        from registry.app import create_app
        from registry.config import Settings
        from registry.store.embedded import EmbeddedStore

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        self.store = EmbeddedStore(store_path)
        app = create_app(Settings(store=str(store_path), state_dir=str(state)), store=self.store)
        self.client = TestClient(app)
        self.cat = app.state.ctx.catalogue

    def close(self):
        self.client.close()
        self.store.close()

    def path(self, iri: str) -> str:
        return "/" + self.cat.iris.path_of(iri)

    def page(self, iri: str):
        return self.client.get(self.path(iri), headers=HTML)

    def found(self, q: str) -> list[str]:
        r = self.client.get("/api/search", params={"q": q, "limit": 50})
        r.raise_for_status()
        return [h["iri"] for h in r.json()["results"]]


def wait_until(checks) -> list[float]:
    """Run each ``check`` until it holds (a check fails only while the change has not shown yet);
    the seconds since the first call at which each held."""
    t0 = time.perf_counter()
    out = []
    for check in checks:
        while not check():
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("the change did not show within 120 s")
        out.append(time.perf_counter() - t0)
    return out


def renamed(triples, unit: str, title: str):
    return [ox.Triple(t.subject, t.predicate, ox.Literal(title, language="zh"))
            if t.subject.value == unit and t.predicate.value == PREF and getattr(t.object, "language", "") == "zh"
            else t for t in triples]


def copied(triples, unit: str, new_unit: str, code: str, title: str):
    """The graph of ``unit`` as a new unit ``new_unit`` (IRIs under the unit rewritten)."""
    def term(x):
        if isinstance(x, ox.NamedNode) and x.value.startswith(unit):
            return ox.NamedNode(new_unit + x.value[len(unit):])
        return x
    out = []
    for t in triples:
        s, o = term(t.subject), term(t.object)
        if s.value == new_unit and t.predicate.value == PREF and getattr(o, "language", "") == "zh":
            o = ox.Literal(title, language="zh")
        elif s.value == new_unit and t.predicate.value == NOTATION:
            o = ox.Literal(code)
        out.append(ox.Triple(s, t.predicate, o))
    return out


def measure(live: Live, rep: int) -> dict[str, float]:
    """One round of the three changes; seconds from the write until all its views show it."""
    from registry.store.base import GraphWrite

    site = live.cat.site()
    units = [u for u in sorted(site.unit_area) if u.startswith(BASE)]
    unit, victim, model = units[len(units) // 2 + rep], units[len(units) // 3 + rep], units[len(units) // 4 + rep]
    out: dict[str, float] = {}
    store = live.store

    # rename
    std = live.path(site.unit_standard(unit))
    title = f"基准改名{rep}号{time.time_ns() % 100000}"
    if title in live.page(unit).text:
        raise RuntimeError("the new title is already shown")
    before = store.graph_triples(unit)
    t0 = time.perf_counter()
    store.write(GraphWrite(replace={unit: renamed(before, unit, title)}))
    write_s = time.perf_counter() - t0
    marks = wait_until([lambda: title in live.page(unit).text,
                        lambda: title in live.client.get(std, headers=HTML).text,
                        lambda: unit in live.found(title)])
    out.update(rename=write_s + marks[-1], rename_write=write_s, rename_unit=write_s + marks[0],
               rename_standard=write_s + marks[1], rename_search=write_s + marks[2])
    store.write(GraphWrite(replace={unit: before}))

    # delete
    site = live.cat.site()
    std = live.path(site.unit_standard(victim))
    code = site.notation[victim]
    kept = store.graph_triples(victim)
    if live.path(victim) + '"' not in live.client.get(std, headers=HTML).text or victim not in live.found(code):
        raise RuntimeError(f"{victim} is not shown before it is deleted: the checks below would prove nothing")
    t0 = time.perf_counter()
    store.write(GraphWrite(drop=[victim]))
    write_s = time.perf_counter() - t0
    marks = wait_until([lambda: live.page(victim).status_code == 404,
                        lambda: live.path(victim) + '"' not in live.client.get(std, headers=HTML).text,
                        lambda: victim not in live.found(code)])
    out["delete"] = write_s + marks[-1]
    store.write(GraphWrite(replace={victim: kept}))

    # add
    site = live.cat.site()
    std = live.path(site.unit_standard(model))
    code = f"BENCH-NEW-{rep}-{time.time_ns() % 100000}"
    new_unit = BASE + "unit/" + code
    title = f"基准新单元{code}"
    graph = copied(store.graph_triples(model), model, new_unit, code, title)
    t0 = time.perf_counter()
    store.write(GraphWrite(replace={new_unit: graph}))
    write_s = time.perf_counter() - t0
    marks = wait_until([lambda: live.page(new_unit).status_code == 200,
                        lambda: live.path(new_unit) + '"' in live.client.get(std, headers=HTML).text,
                        lambda: new_unit in live.found(title)])
    out["add"] = write_s + marks[-1]
    store.write(GraphWrite(drop=[new_unit]))
    live.cat.site()
    return out


def full_rebuild(live: Live) -> float:
    """Seconds to build the whole cache (site data, derived lists, search index) from the store."""
    from registry.catalogue.service import Catalogue

    cat = Catalogue(live.store, BASE)
    t0 = time.perf_counter()
    cat.site()
    cat.search_index()
    return time.perf_counter() - t0


def run(n_units: int, *, repeat: int, full_repeat: int, parent: str | None, store: str | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-incr-{n_units}-", dir=parent))
    try:
        t0 = time.perf_counter()
        store_path = Path(store) if store else load_store(n_units, work)
        load_s = time.perf_counter() - t0
        live = Live(store_path, work / "state")
        try:
            t0 = time.perf_counter()
            site = live.cat.site()
            live.cat.search_index()
            u = sorted(site.unit_area)[0]
            live.page(u), live.client.get(live.path(site.unit_standard(u)), headers=HTML), live.found("ICT")
            warm_s = time.perf_counter() - t0
            rounds, fulls = [], []
            for i in range(max(repeat, full_repeat)):  # alternate: a change, then a full build
                if i < repeat:
                    rounds.append(measure(live, i))
                if i < full_repeat:
                    fulls.append(full_rebuild(live))
            rebuilds = dict(live.cat.rebuilds)
        finally:
            live.close()
        med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        full = statistics.median(fulls)
        return {"units": n_units, "load_s": load_s, "warm_s": warm_s, "full_s": full, **med,
                "ratio": full / med["rename"], "rebuilds": rebuilds, "load_avg": os.getloadavg()[0]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", default="10000,100000", help="comma-separated sizes (default 10000,100000)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of the three changes (median printed)")
    ap.add_argument("--full-repeat", type=int, default=2, help="full rebuilds timed (median printed)")
    ap.add_argument("--dir", default=None, help="folder for the work files (default: the system temporary folder)")
    ap.add_argument("--store", default=None, help="reuse this loaded store (one size only; changed and restored)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.units.split(",") if x.strip()]
    if args.store and len(sizes) != 1:
        ap.error("--store needs exactly one size in --units")
    print("units    load s  warm s  full s | rename s (write unit std search) | delete s  add s | ratio  "
          "rebuilds                  load avg", flush=True)
    for n in sizes:
        r = run(n, repeat=args.repeat, full_repeat=args.full_repeat, parent=args.dir, store=args.store)
        print(f"{r['units']:<8,} {r['load_s']:6.1f}  {r['warm_s']:6.1f}  {r['full_s']:6.2f} | "
              f"{r['rename'] * 1000:7.0f} ms ({r['rename_write'] * 1000:.0f} {r['rename_unit'] * 1000:.0f} "
              f"{r['rename_standard'] * 1000:.0f} {r['rename_search'] * 1000:.0f}) | "
              f"{r['delete'] * 1000:5.0f} ms {r['add'] * 1000:5.0f} ms | {r['ratio']:5.0f}× "
              f"{r['rebuilds']}  {r['load_avg']:.1f}", flush=True)


if __name__ == "__main__":
    main()
