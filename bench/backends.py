"""Store backends side by side: the embedded store, Oxigraph server and Virtuoso 7.2 through RemoteStore.

Run (not part of the test suite; minutes: Virtuoso's SPARQL Update is slow to load)::

    .venv/bin/python -m bench.backends --units 10000 [--backends embedded,oxigraph-server,virtuoso] [--runs 30]

For each backend it:

1. starts the server (loopback, throwaway folder; ``tests/servers.py``) for the remote kinds;
2. loads the same synthetic registry (``bench/generate.py``, one named graph per item)
   with ``bulk_load_quads`` and times it (parsing is done once, outside the timing);
3. runs the endpoint benchmark's queries (``bench/endpoint.py``: point lookup of one
   unit, paged listing of a level's units ordered by code LIMIT 50 OFFSET 1000,
   units and credits per sector) through ``query_serialized(..., JSON)`` (each store's
   query plus serialisation; /sparql itself runs through ``store.query_executor``) — checks that every backend gives the same rows, and
   reports the median and p90 latency of ``--runs`` runs after a warm-up;
4. prints everything as ratios against the embedded store and writes
   ``bench/.data/backends-<units>.json``.

The remote timings include the HTTP round trip to the server and parsing and
re-serialising its answer with pyoxigraph (what RemoteStore does for every query).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from .endpoint import machine, queries
from .generate import generate

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
sys.path.insert(0, str(ROOT / "tests"))

from servers import start_oxigraph, start_virtuoso  # noqa: E402

from registry.store.embedded import EmbeddedStore  # noqa: E402
from registry.store.remote import RemoteStore  # noqa: E402

ALL = ["embedded", "oxigraph-server", "virtuoso"]


def open_kind(kind: str, work: Path):
    """(store, server or None) of ``kind`` over a fresh folder in ``work``."""
    if kind == "embedded":
        return EmbeddedStore(work / "embedded"), None
    server = (start_oxigraph if kind == "oxigraph-server" else start_virtuoso)(work / kind)
    store = RemoteStore.from_spec(server.spec, **server.store_options(), timeout=600)
    return store, server


def rows(store, q: str) -> list:
    out = []
    result = store.query(q, timeout=600)
    names = [v.value for v in result.variables]
    for s in result:
        out.append(tuple(None if s[v] is None else s[v].value for v in names))
    return sorted(out, key=repr)


def run_backend(kind: str, quads: list, graphs: list, qs: dict, runs: int, work: Path,
                settle: float = 10.0) -> tuple[dict, dict]:
    store, server = open_kind(kind, work)
    try:
        start = time.perf_counter()
        store.bulk_load_quads(quads, graphs)
        load_s = time.perf_counter() - start
        res = {"load_s": load_s, "triples_per_s": len(quads) / load_s, "queries": {}}
        time.sleep(settle)  # let the server finish background work after the load (compaction, checkpoints)
        answers = {}
        for name, q in qs.items():
            answers[name] = rows(store, q)
            for _ in range(10):  # warm-up
                store.query_serialized(q, ox.QueryResultsFormat.JSON, timeout=600)
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                store.query_serialized(q, ox.QueryResultsFormat.JSON, timeout=600)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            res["queries"][name] = {"median_ms": statistics.median(times),
                                    "p90_ms": times[min(len(times) - 1, int(len(times) * 0.9))],
                                    "rows": len(answers[name])}
        return res, answers
    finally:
        store.close()
        if server is not None:
            server.stop()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10000)
    ap.add_argument("--backends", default=",".join(ALL))
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.backends.split(",") if k.strip()]
    if "embedded" not in kinds:
        kinds.insert(0, "embedded")  # the baseline of the ratios

    path = generate(args.units, seed=1, fmt="nq")
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    graphs = sorted({q.graph_name.value for q in quads})
    qs = queries(args.units)
    print(f"{args.units} units: {len(quads):,} triples in {len(graphs):,} graphs")

    results: dict[str, dict] = {}
    answers: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
        for kind in kinds:
            print(f"  {kind}: loading…", flush=True)
            results[kind], answers[kind] = run_backend(kind, quads, graphs, qs, args.runs, Path(tmp))
            print(f"  {kind}: loaded in {results[kind]['load_s']:.1f} s", flush=True)
    for kind in kinds:
        for name in qs:
            if answers[kind][name] != answers["embedded"][name]:
                raise SystemExit(f"{kind} answers {name} differently from the embedded store")

    base = results["embedded"]
    print(f"\n{'':18}" + "".join(f"{k:>28}" for k in kinds))
    line = f"{'load':18}"
    for k in kinds:
        r = results[k]
        line += f"{r['load_s']:>12.1f} s ({r['load_s'] / base['load_s']:>6.1f}×)    "
    print(line)
    for name in qs:
        line = f"{name + ' (median)':18}"
        for k in kinds:
            m = results[k]["queries"][name]["median_ms"]
            line += f"{m:>11.2f} ms ({m / base['queries'][name]['median_ms']:>6.1f}×)    "
        print(line)
    print("(× = time relative to the embedded store; same answers checked on every backend)")
    DATA.mkdir(exist_ok=True)
    out = DATA / f"backends-{args.units}.json"
    out.write_text(json.dumps({"units": args.units, "triples": len(quads), "machine": machine(),
                               "results": results}, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
