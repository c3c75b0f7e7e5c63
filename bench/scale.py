"""Issue 13, target 3: ``registry serve`` with DEFAULT settings on a loaded store of any size.

For a store made by ``registry load`` and an Oxigraph store of the same data (``python -m bench.load
--units N --work DIR --keep`` leaves both in ``DIR/ours-N`` and ``DIR/oxigraph-N``), this

1. starts ``registry serve`` with no settings but the store and port, and times start → first
   answer of a point lookup (target ≤ 2 s), polling every 20 ms;
2. starts ``oxigraph serve-read-only --union-default-graph`` on the other store;
3. checks both give the same paged and aggregate answers, then runs the paged listing (and the
   aggregate, unless ``--no-aggregate``) a fixed number of times at concurrency 1 and 8 on each
   (``bench/endpoint.py``'s ``fixed``/``measure``), and prints ours/Oxigraph (target ≥ 2 for paged);
4. samples the resident memory of our whole process tree (uvicorn + SPARQL query workers + the
   parse worker) throughout, and prints its peak (target < 8 GiB) and that of Oxigraph.

    .venv/bin/python -m bench.load --units 1000000 --work /work/b1m --keep     # ~20-30 min at 1M
    .venv/bin/python -m bench.scale --units 1000000 --work /work/b1m           # a few minutes

Unlike ``bench/endpoint.py`` (which tunes both servers alike for throughput), our server runs with
the defaults a user gets (one process; the SPARQL time limit of the defaults too: a query that
does not finish in time is counted as a failure, not waited for), except the per-client cap on
concurrent expensive queries, which is off because every benchmark client comes from 127.0.0.1. Figures go to
``bench/.data/results-scale-N.json``; record them in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import httpx

from .endpoint import DATA, OXIGRAPH, Server, answer, fixed, free_port, machine, queries
from .load import _tree_rss_kb


class PeakRss(threading.Thread):
    """Samples a process tree's resident memory every 0.2 s; ``peak_mb`` the largest sum seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop_flag = pid, 0, False

    def run(self) -> None:
        while not self.stop_flag:
            try:
                self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            except OSError:
                pass
            time.sleep(0.2)

    @property
    def peak_mb(self) -> int:
        return round(self.peak_kb / 1024)


def first_answer(url: str, query: str, started: float, timeout: float = 600) -> float:
    while time.perf_counter() - started < timeout:
        try:
            r = httpx.get(url, params={"query": query}, headers={"accept": "application/sparql-results+json"},
                          timeout=30)
            if r.status_code == 200 and r.json()["results"]["bindings"]:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no answer within {timeout} s")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, required=True)
    ap.add_argument("--work", required=True, help="folder with ours-N and oxigraph-N (bench.load --keep)")
    ap.add_argument("--requests", type=int, default=40, help="requests per paged/aggregate run (default 40)")
    ap.add_argument("--no-aggregate", action="store_true")
    args = ap.parse_args(argv)
    n, work = args.units, Path(args.work)
    ours_dir, ox_dir = work / f"ours-{n}", work / f"oxigraph-{n}"
    for d in (ours_dir, ox_dir):
        if not d.exists():
            raise SystemExit(f"{d} missing: run python -m bench.load --units {n} --work {work} --keep first")
    qs = queries(n)
    if args.no_aggregate:
        qs.pop("aggregate")
    print("machine:", json.dumps(machine()), flush=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    result: dict = {"units": n, "machine": machine()}
    port, oxport = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_STATE_DIR"] = str(work / f"state-{n}")
    # the one setting changed: every benchmark client comes from 127.0.0.1, so the per-client cap on
    # concurrent expensive queries (issue 14, default 2) would answer most c=8 requests 429
    env["REGISTRY_SPARQL_HEAVY_PER_CLIENT"] = "0"
    started = time.perf_counter()
    ours = Server("ours", [sys.executable, "-m", "registry.cli", "serve", "--store", str(ours_dir), "--port",
                           str(port)], f"http://127.0.0.1:{port}/sparql", env=env, log=work / f"scale-ours-{n}.log")
    rss = PeakRss(ours.proc.pid)
    rss.start()
    oxigraph = None
    try:
        result["first_answer_s"] = round(first_answer(ours.url, qs["point"], started), 2)
        print(f"registry serve (defaults): first answer {result['first_answer_s']:.2f} s after start "
              "(target <= 2 s)", flush=True)
        oxigraph = Server("oxigraph", [str(OXIGRAPH), "serve-read-only", "--location", str(ox_dir), "--bind",
                                       f"127.0.0.1:{oxport}", "--union-default-graph"],
                          f"http://127.0.0.1:{oxport}/query", log=work / f"scale-oxigraph-{n}.log")
        oxigraph.wait_ready(120)
        oxrss = PeakRss(oxigraph.proc.pid)
        oxrss.start()
        figures: dict = {}
        for qname in [q for q in ("paged", "aggregate") if q in qs]:
            t = time.perf_counter()
            ref = answer(oxigraph.url, qs[qname])
            ox_first = time.perf_counter() - t
            t = time.perf_counter()
            try:
                same = answer(ours.url, qs[qname]) == ref
            except httpx.HTTPStatusError as e:  # e.g. 503: past the default time limit
                same = f"no: {e.response.status_code} {e.response.text[:120]!r}"
            ours_first = time.perf_counter() - t
            print(f"check {qname}: {len(ref)} rows, same answer: {same} (first run: ours {ours_first:.2f} s, "
                  f"Oxigraph {ox_first:.2f} s)", flush=True)
            result.setdefault("checks", {})[qname] = {"same": same, "ours_first_s": round(ours_first, 2),
                                                       "oxigraph_first_s": round(ox_first, 2)}
            for c in (1, 8):
                for s in (ours, oxigraph):
                    f = fixed(s.url, qs[qname], c, args.requests)
                    # only answers count: a 503 at the time limit is quick but no answer
                    f["ok_rps"] = f["rps"] * (f["requests"] - f["non2xx"]) / f["requests"]
                    figures.setdefault(qname, {}).setdefault(str(c), {})[s.name] = f
                    print(f"{qname:9s} c={c} {s.name:9s} {f['ok_rps']:8.2f} answers/s  p50 {f['p50_ms']:.0f} ms  "
                          f"p99 {f['p99_ms']:.0f} ms  non-2xx {f['non2xx']} of {f['requests']}", flush=True)
                r = figures[qname][str(c)]
                print(f"  ours/Oxigraph {qname} c={c}: {r['ours']['ok_rps'] / max(r['oxigraph']['ok_rps'], 1e-9):.2f}"
                      + (" (target >= 2)" if qname == "paged" else ""), flush=True)
            if result["checks"][qname]["same"] is not True:  # the first, cold run ran past the time limit:
                try:  # check the answer once more, now that the store's pages are in the file cache
                    result["checks"][qname]["same_after_runs"] = answer(ours.url, qs[qname]) == ref
                except httpx.HTTPStatusError as e:
                    result["checks"][qname]["same_after_runs"] = f"no: {e.response.status_code}"
                print(f"check {qname} again after the runs: same answer: "
                      f"{result['checks'][qname]['same_after_runs']}", flush=True)
        result["http"] = figures
        oxrss.stop_flag = True
        result["oxigraph_peak_rss_mb"] = oxrss.peak_mb
    finally:
        rss.stop_flag = True
        rss.join(1)
        result["ours_peak_rss_mb"] = rss.peak_mb
        ours.stop()
        if oxigraph is not None:
            oxigraph.stop()
    print(f"peak resident memory, all our processes: {result['ours_peak_rss_mb']:,} MB (target < 8192); "
          f"Oxigraph: {result.get('oxigraph_peak_rss_mb', 0):,} MB", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}", flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / f"results-scale-{n}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
