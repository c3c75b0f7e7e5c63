"""Benchmark: `registry build-site` pages per second at 10k and 100k units, and an incremental rebuild.

Loads the shipped ontology, shapes and vocabularies plus a synthetic registry from
``bench/generate.py`` into an on-disk embedded store (load time is reported, not
counted), builds the static catalogue into a temporary folder and prints the figures.

    .venv/bin/python -m bench.build_site            # 10k and 100k units
    .venv/bin/python -m bench.build_site 10000      # one size
    .venv/bin/python -m bench.build_site 10000 --no-data --lang zh

"pages/s" is wall-clock (HTML pages; the RDF data files are extra). "pages/CPU-s" divides by the CPU
time of the build and its workers, which depends much less on what else the machine is running ("sys s"
is the kernel's part of it, mostly creating files, which varies with the disk and its other users); on an
idle machine with N cores the wall-clock rate approaches N × pages/CPU-s. "load" is the 1-minute load
average at the end (other work on the machine slows the wall-clock figures).

After the full build, one unit's Chinese label is changed in the store (one accepted change: one graph
rewritten, journalled) and ``build_site`` runs again over the same output: "rebuild s" is its time,
"items" how many items it rendered again (of all), "written"/"removed" the files it wrote/removed.
``--no-rebuild`` skips that part. Time: about 1-2 min at 10k units and 6-12 min at 100k on the
project's 2-core VM (loading the store is 1-3 min of that at 100k). Record results in
bench/RESULTS-site.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from registry.catalogue.build import build_site
from registry.loader import load_files
from registry.store.base import GraphWrite
from registry.namespaces import BASE
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]


def one_change(store) -> str:
    """Rewrite one unit's graph with a new Chinese label (what one accepted change does); returns its IRI."""
    import pyoxigraph as ox

    unit = BASE + "unit/"
    row = next(iter(store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{BASE}def/Unit> }} FILTER(STRSTARTS(STR(?g), \"{unit}\")) }} LIMIT 1")))
    g = row[0].value
    pref = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    triples = [t for t in store.graph_triples(g)
               if not (t.subject.value == g and t.predicate == pref and t.object.language == "zh")]
    triples.append(ox.Triple(ox.NamedNode(g), pref, ox.Literal("基准测试改过的名称", language="zh")))
    store.write(GraphWrite(replace={g: triples}))
    return g


def run(n_units: int, *, langs=("zh", "en"), data: bool = True, workers: int | None = None, keep: bool = False,
        parent: str | None = None, rebuild: bool = True) -> dict:
    """Build the site of an ``n_units`` registry in a new folder under ``parent`` (default: the
    system temporary folder); the output folder is left for ``cleanup(result)``."""
    if parent:
        Path(parent).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"bench-site-{n_units}-", dir=parent))
    ok = False
    try:
        t0 = time.perf_counter()
        synthetic = generate(n_units, 1, fmt="ttl")
        store = EmbeddedStore(work / "store")
        load_files(store, SHIPPED + [synthetic])
        load_s = time.perf_counter() - t0
        out = work / "out"
        stats = build_site(store, out, base_iri=BASE, langs=langs, default_lang=langs[0], formats=data,
                           workers=workers)
        inc = None
        if rebuild:
            one_change(store)
            inc = build_site(store, out, base_iri=BASE, langs=langs, default_lang=langs[0], formats=data,
                             workers=workers)
        store.close()
        ok = True
        return {"rebuild_s": inc.seconds if inc else None, "rebuild_items": inc.rendered if inc else None,
                "items": stats.rendered, "rebuild_written": inc.written if inc else None,
                "rebuild_removed": inc.removed if inc else None, "rebuild_query_s": inc.query_seconds if inc else None,
"work": work, "units": n_units, "load_s": load_s, "pages": stats.pages, "data_files": stats.data_files,
                "mb": stats.bytes / 1e6, "query_s": stats.query_seconds, "render_s": stats.render_seconds,
                "total_s": stats.seconds, "pages_per_s": stats.pages_per_second, "cpu_s": stats.cpu_seconds, "sys_s": stats.system_seconds,
                "load_avg": os.getloadavg()[0],
                "unit_pages": stats.by_kind.get("unit", 0)}
    finally:
        if not ok and not keep:
            shutil.rmtree(work, ignore_errors=True)


def cleanup(result: dict) -> None:
    shutil.rmtree(result["work"], ignore_errors=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--lang", default="zh,en", help="languages to build (default zh,en)")
    ap.add_argument("--no-data", action="store_true", help="skip the per-item RDF files")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-rebuild", action="store_true", help="skip the incremental rebuild after one change")
    ap.add_argument("--dir", default=None,
                    help="folder for the store and the output (default: the system temporary folder; on the "
                         "project VM creating a file in /tmp costs ~0.5 ms of kernel time, elsewhere on the same "
                         "disk ~0.03 ms, see bench/RESULTS-site.md)")
    a = ap.parse_args(argv)
    langs = tuple(a.lang.split(","))
    print(f"cpus={os.cpu_count()} langs={','.join(langs)} data_files={'no' if a.no_data else 'yes'} "
          f"dir={a.dir or tempfile.gettempdir()}")
    print(f"{'units':>8} {'load s':>7} {'pages':>8} {'data':>8} {'MB':>7} {'query s':>8} {'render s':>9} "
          f"{'total s':>8} {'pages/s':>8} {'CPU s':>7} {'sys s':>6} {'pages/CPU-s':>11} {'load':>5}")
    for n in a.sizes:
        r = run(n, langs=langs, data=not a.no_data, workers=a.workers, parent=a.dir, rebuild=not a.no_rebuild)
        print(f"{r['units']:>8} {r['load_s']:>7.1f} {r['pages']:>8} {r['data_files']:>8} {r['mb']:>7.0f} "
              f"{r['query_s']:>8.1f} {r['render_s']:>9.1f} {r['total_s']:>8.1f} {r['pages_per_s']:>8.0f} "
              f"{r['cpu_s']:>7.1f} {r['sys_s']:>6.1f} {r['pages'] / r['cpu_s']:>11.0f} {r['load_avg']:>5.1f}", flush=True)
        if r["rebuild_s"] is not None:
            print(f"{'':>8} rebuild after one change: {r['rebuild_s']:.2f} s (store scan {r['rebuild_query_s']:.2f} s), "
                  f"{r['rebuild_items']} of {r['items']} items rendered, {r['rebuild_written']} files written, "
                  f"{r['rebuild_removed']} removed", flush=True)
        cleanup(r)  # deleting hundreds of thousands of files takes minutes: after the figures


if __name__ == "__main__":
    main()
