"""Starvation benchmark: latency of a cheap ASK while heavy queries keep every general worker busy.

Run (not part of the test suite)::

    .venv/bin/python -m bench.sparql_starvation --heavy 8 --duration 20

It loads the shipped content (``ontology/ shapes/ vocabularies/``) into a temporary
store, starts ``registry serve`` (uvicorn, uvloop) on a free loopback port and keeps
``--heavy`` cartesian-product COUNTs in flight (each runs until the time limit,
``--sparql-timeout``; a finished one is replaced at once). Meanwhile it sends cheap ASKs
one after another (a bound-subject lookup, which the cost guard puts in the reserved
lane) and prints their p50/p99 latency, plus what the heavy queries answered.

By default the per-client limit of expensive queries is switched off
(``REGISTRY_SPARQL_HEAVY_PER_CLIENT=0``) so that all ``--heavy`` queries really run or
queue (they all come from 127.0.0.1); ``--per-client N`` measures with that limit on.
Target (issue 14): ASK p99 < 100 ms during 8 concurrent heavy queries.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = "ASK { <https://w3id.org/gdlecb/framework/gdleqf> a ?t }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heavy", type=int, default=8, help="concurrent heavy queries (default 8)")
    ap.add_argument("--duration", type=float, default=20, help="seconds of measurement (default 20)")
    ap.add_argument("--sparql-timeout", type=float, default=5, help="server time limit per query (default 5)")
    ap.add_argument("--query-workers", type=int, default=2, help="general query workers (default 2)")
    ap.add_argument("--cheap-workers", type=int, default=1, help="reserved cheap-lane workers (default 1; 0: none)")
    ap.add_argument("--per-client", type=int, default=0, help="expensive queries per client (default 0: no limit)")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-starvation-"))
    store = work / "store"
    subprocess.run([str(BIN / "registry"), "load", "--store", str(store), "ontology/", "shapes/", "vocabularies/"],
                   cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    env = {**os.environ, "REGISTRY_SPARQL_WORKERS": str(args.query_workers),
           "REGISTRY_SPARQL_CHEAP_WORKERS": str(args.cheap_workers),
           "REGISTRY_SPARQL_HEAVY_PER_CLIENT": str(args.per_client)}
    log = open(work / "serve.log", "wb")
    server = subprocess.Popen([str(BIN / "registry"), "serve", "--store", str(store), "--port", str(port),
                               "--sparql-timeout", str(args.sparql_timeout)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url, params={"query": ASK}, timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("registry serve did not start; see " + str(work / "serve.log"))
            time.sleep(0.3)
        stop = threading.Event()
        heavy_codes: Counter = Counter()

        def heavy_loop():
            with httpx.Client(timeout=args.sparql_timeout * 4 + 30) as c:
                while not stop.is_set():
                    try:
                        heavy_codes[c.get(url, params={"query": HEAVY}).status_code] += 1
                    except httpx.HTTPError as e:
                        heavy_codes[type(e).__name__] += 1
                    if heavy_codes.get(429):
                        time.sleep(0.5)  # refused at once: do not spin

        threads = [threading.Thread(target=heavy_loop, daemon=True) for _ in range(args.heavy)]
        for t in threads:
            t.start()
        time.sleep(1.5)  # let the heavy queries occupy the workers
        latencies, ask_codes = [], Counter()
        end = time.monotonic() + args.duration
        with httpx.Client(timeout=60) as c:
            while time.monotonic() < end:
                t0 = time.perf_counter()
                r = c.get(url, params={"query": ASK}, headers={"accept": "application/sparql-results+json"})
                latencies.append((time.perf_counter() - t0) * 1000)
                ask_codes[r.status_code] += 1
                time.sleep(0.02)
        stop.set()
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} at the end")
        print(f"settings: {args.heavy} heavy queries in flight, {args.query_workers} general + {args.cheap_workers} "
              f"cheap workers, time limit {args.sparql_timeout:g} s, per-client limit {args.per_client or 'off'}")
        print(f"ASK: n={len(latencies)} p50={p50:.1f} ms p99={p99:.1f} ms max={latencies[-1]:.1f} ms "
              f"codes={dict(ask_codes)}")
        print(f"heavy answers: {dict(heavy_codes)}")
        print("target p99 < 100 ms:", "met" if p99 < 100 and set(ask_codes) == {200} else "NOT met")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
