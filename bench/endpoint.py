"""Endpoint and load benchmark: our /sparql vs Oxigraph server vs rdflib-endpoint, on the same synthetic data.

Run (not part of the test suite; takes minutes, the 100k run about half an hour)::

    .venv/bin/python -m bench.endpoint --units 10000,100000

Point lookups only (issue 13, target 1; ``--skip-rdflib`` is implied; about 3 minutes at 10k on
a busy 2-core machine, mostly the two loads; not timed at 100k, where the loads alone take a few
minutes)::

    .venv/bin/python -m bench.endpoint --units 10000,100000 --point-only

Point lookups CYCLE over ``--point-units`` units (default 1,000, spread evenly over the
registry): a list of their query strings is written per run and ``bench/wrk/cycle.lua`` makes
wrk send the next one with each request, the same sequence to every server. Before timing, each
server gets one pass over the list (new connection per request, so every server process sees
part of it; the timed run then cycles the list many times). Our server is measured twice:
"warm" (default settings, the fast path's result cache hot after the pass) and "cold" (a second
``registry serve`` on the same store with ``REGISTRY_SPARQL_CACHE_BYTES=0``: every request
evaluated), so the report says what the cache does.

For each size it:

1. generates a seeded synthetic registry (``bench/generate.py``, Turtle);
2. loads it with ``registry load --no-validate`` and with ``oxigraph load``
   (wall time and peak resident memory of each loading process);
3. starts ``registry serve`` on our store, ``oxigraph serve-read-only
   --union-default-graph`` on Oxigraph's store and ``rdflib-endpoint serve`` on
   the Turtle file, checks that the three give the same answers, then drives
   each with ``wrk`` (GET ``?query=``, ``Accept: application/sparql-results+json``)
   for a point lookup (all triples of one unit), a paged listing (units of a
   level ordered by code, LIMIT 50 OFFSET 1000) and an aggregate (units and
   credits per sector), at concurrency 1 and 8;
4. prints requests/s, p50 and p99 latency and the ratios ours/Oxigraph and
   ours/rdflib-endpoint, and writes them to ``bench/.data/results-<units>.json``.

Everything runs on 127.0.0.1; servers are stopped at the end (also on errors).
wrk runs on the same machine and takes CPU from the servers alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from .generate import generate

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OXIGRAPH = BIN / "oxigraph"
RDFLIB_ENDPOINT = BIN / "rdflib-endpoint"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
CYCLE_LUA = Path(__file__).resolve().parent / "wrk" / "cycle.lua"
DATA = Path(__file__).resolve().parent / ".data"

GD = "https://w3id.org/gdlecb/"
HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
PREFIXES = ("PREFIX cb: <https://w3id.org/gdlecb/def/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")


def queries(n_units: int) -> dict[str, str]:
    from .generate import iter_items

    # a unit in the middle of the registry
    target = n_units // 2
    unit = None
    for i, (iri, _) in enumerate(x for x in iter_items(n_units, 1) if "/unit/" in x[0]):
        if i == target:
            unit = iri
            break
    return {
        "point": f"SELECT ?p ?o WHERE {{ <{unit}> ?p ?o }}",
        "paged": PREFIXES + f"SELECT ?u ?code WHERE {{ ?u a cb:Unit ; cb:level <{GD}framework/gdleqf/level/3> ; "
                            "skos:notation ?code } ORDER BY ?code LIMIT 50 OFFSET 1000",
        "aggregate": PREFIXES + "SELECT ?sector (COUNT(?u) AS ?units) (SUM(?c) AS ?credits) WHERE { ?u a cb:Unit ; "
                                "cb:functionalArea ?a ; cb:creditValue ?cv . ?a cb:standard ?s . ?s cb:sector ?sector . "
                                "?cv cb:creditAmount ?c } GROUP BY ?sector ORDER BY ?sector",
    }


def point_query(unit: str) -> str:
    return f"SELECT ?p ?o WHERE {{ <{unit}> ?p ?o }}"


def point_units(n_units: int, k: int) -> list[str]:
    """``k`` unit IRIs spread evenly over a registry of ``n_units`` units (same for every run)."""
    from .generate import iter_items

    k = max(1, min(k, n_units))
    step = n_units / k
    wanted = {int(i * step) for i in range(k)}
    units: list[str] = []
    i = 0
    for iri, _ in iter_items(n_units, 1):
        if "/unit/" in iri:
            if i in wanted:
                units.append(iri)
            i += 1
    return units


def write_point_list(units: list[str], path: Path) -> Path:
    """The query strings of the point lookups, one per line (``bench/wrk/cycle.lua`` reads them)."""
    path.write_text("".join(urlencode({"query": point_query(u)}) + "\n" for u in units))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, cmd: list[str], url: str, env=None, log: Path | None = None):
        self.name, self.url = name, url
        self.log = open(log or os.devnull, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            try:
                r = httpx.get(self.url, params={"query": "ASK { ?s ?p ?o }"},
                              headers={"accept": "application/sparql-results+json"}, timeout=5)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


def answer(url: str, query: str) -> list:
    r = httpx.get(url, params={"query": query}, headers={"accept": "application/sparql-results+json"}, timeout=600)
    r.raise_for_status()
    rows = r.json()["results"]["bindings"]

    def norm(v):  # numbers may come back as 2.5 / 2.50 / "2.5"^^decimal: compare by value
        val = v["value"]
        try:
            return ("num", round(float(val), 6)) if v.get("datatype", "").startswith("http://www.w3.org/2001/XMLSchema#") and \
                v["datatype"].rsplit("#", 1)[1] in ("integer", "decimal", "double", "float") else (v["type"], val)
        except ValueError:
            return (v["type"], val)

    return sorted(tuple(sorted((k, norm(v)) for k, v in row.items())) for row in rows)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, query: str, connections: int, duration: int) -> dict:
    full = f"{url}?query={quote(query)}"
    threads = min(connections, 2)
    out = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "120s", "--latency",
                          "-H", "Accept: application/sparql-results+json", full],
                         capture_output=True, text=True, timeout=duration + 180).stdout
    return _wrk_figures(out)


def _wrk_figures(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50_ms": _ms(lat["50"]) if "50" in lat else None, "p99_ms": _ms(lat["99"]) if "99" in lat else None,
            "requests": total, "non2xx": int(errors.group(1)) if errors else 0, "socket_errors": sock.group(1) if sock else ""}


def wrk_cycle(url: str, listfile: Path, connections: int, duration: int) -> dict:
    """wrk over the query strings of ``listfile``, the next one per request (``bench/wrk/cycle.lua``)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    threads = min(connections, 2)
    out = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "120s", "--latency",
                          "-H", "Accept: application/sparql-results+json", "-s", str(CYCLE_LUA),
                          f"{parts.scheme}://{parts.netloc}", "--", str(listfile), str(threads), parts.path],
                         capture_output=True, text=True, timeout=duration + 180).stdout
    return _wrk_figures(out) | {"mode": "wrk-cycle"}


def warm_pass(url: str, listfile: Path) -> float:
    """One pass over the list, a new connection per request (each server process gets part); seconds."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    t0 = time.perf_counter()
    for line in listfile.read_text().splitlines():  # (http.client: httpx makes an SSL context per call)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        try:
            conn.request("GET", f"{parts.path}?{line}", headers={"accept": "application/sparql-results+json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"{url}: warm-up answered {r.status}")
        finally:
            conn.close()
    return time.perf_counter() - t0


def fixed(url: str, query: str, connections: int, n: int) -> dict:
    """``n`` requests over ``connections`` parallel clients (for queries too slow for a timed wrk run)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_):
        t0 = time.perf_counter()
        r = httpx.get(url, params={"query": query}, headers={"accept": "application/sparql-results+json"}, timeout=1200)
        return time.perf_counter() - t0, r.status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - start
    lat = sorted(t for t, _ in results)
    pct = lambda p: lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))] * 1000  # noqa: E731
    return {"rps": n / wall, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "requests": n,
            "non2xx": sum(1 for _, s in results if s != 200), "socket_errors": "", "mode": "fixed"}


def measure(url: str, query: str, connections: int, duration: int) -> dict:
    """wrk for a timed run, or a fixed number of requests when one request takes over half a second."""
    single = float("inf")
    for _ in range(3):  # warm: the best of three single requests
        t0 = time.perf_counter()
        httpx.get(url, params={"query": query}, headers={"accept": "application/sparql-results+json"}, timeout=1200)
        single = min(single, time.perf_counter() - t0)
        if single > 2:
            break
    if single < 0.5:
        return wrk(url, query, connections, duration) | {"mode": "wrk"}
    n = max(connections, min(4 * connections, int(duration * min(connections, os.cpu_count() or 1) / single)))
    return fixed(url, query, connections, n)


def machine() -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = f"{int(open('/proc/meminfo').readline().split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import pyoxigraph

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__ if hasattr(pyoxigraph, "__version__") else "?",
            "kernel": platform.release()}


def run_size(n: int, args, work: Path) -> dict:
    ttl = generate(n, args.seed)
    result: dict = {"units": n, "file": str(ttl), "file_mb": round(ttl.stat().st_size / 1e6, 1)}
    print(f"\n=== {n} units ({result['file_mb']} MB Turtle) ===", flush=True)

    ours_dir, ox_dir = work / f"ours-{n}", work / f"oxigraph-{n}"
    # the load comparison lives in bench/load.py (alternating runs, process-tree peak memory)
    from .load import compare_loads

    load = compare_loads(n, ttl, work, args.load_repeat, args.load_nq, args.seed, keep=True,
                         say=lambda m: print(m, flush=True))
    nq_keys = ("oxigraph_nq_s", "oxigraph_nq_peak_mb", "ours_vs_nq_ratio")
    result["load"] = {k: v for k, v in load.items() if k not in nq_keys}
    if args.load_nq:
        result["load_nq"] = {k: load[k] for k in nq_keys}
    print(f"load: registry load {load['ours_s']:.1f} s, peak {load['ours_peak_mb']} MB | oxigraph load "
          f"{load['oxigraph_s']:.1f} s, peak {load['oxigraph_peak_mb']} MB | time ratio {load['time_ratio']:.2f} "
          f"(target <= 1.5)", flush=True)
    if args.load_only:
        return result

    qs = queries(n)
    if args.point_only:
        qs = {"point": qs["point"]}
    listfile = write_point_list(point_units(n, args.point_units), work / f"points-{n}.txt")
    servers: list[Server] = []
    try:
        p1, p2, p3, p4 = free_port(), free_port(), free_port(), free_port()
        env = {**os.environ, "REGISTRY_SPARQL_WORKERS": str(args.query_workers),
               "REGISTRY_SPARQL_TIMEOUT": "600", "REGISTRY_SPARQL_MAX_RESULTS": "1000000",
               # wrk's connections all come from 127.0.0.1: without this the per-client limit of
               # expensive queries (issue 14) answers most paged/aggregate requests 429
               "REGISTRY_SPARQL_HEAVY_PER_CLIENT": "0"}
        servers.append(Server("ours", [sys.executable, "-m", "registry.cli", "serve", "--store", str(ours_dir),
                                       "--host", "127.0.0.1", "--port", str(p1), "--workers", str(args.workers)],
                              f"http://127.0.0.1:{p1}/sparql", env=env, log=work / f"ours-{n}.log"))
        servers.append(Server("oxigraph", [str(OXIGRAPH), "serve-read-only", "--location", str(ox_dir),
                                           "--bind", f"127.0.0.1:{p2}", "--union-default-graph"],
                              f"http://127.0.0.1:{p2}/query", log=work / f"oxigraph-{n}.log"))
        if not args.no_cold:  # the same server without the result cache, for point lookups only
            cold_env = {**env, "REGISTRY_SPARQL_CACHE_BYTES": "0", "REGISTRY_SPARQL_IN_MEMORY": "false",
                        "REGISTRY_SPARQL_WORKERS": "1"}
            servers.append(Server("ours-cold", [sys.executable, "-m", "registry.cli", "serve", "--store", str(ours_dir),
                                                "--host", "127.0.0.1", "--port", str(p4), "--workers", str(args.workers)],
                                  f"http://127.0.0.1:{p4}/sparql", env=cold_env, log=work / f"ours-cold-{n}.log"))
        if not (args.skip_rdflib or args.point_only):
            servers.append(Server("rdflib-endpoint", [str(RDFLIB_ENDPOINT), "serve", "--host", "127.0.0.1",
                                                      "--port", str(p3), str(ttl)],
                                  f"http://127.0.0.1:{p3}/", log=work / f"rdflib-{n}.log"))
        for s in servers:
            t0 = time.perf_counter()
            s.wait_ready(1800)
            print(f"{s.name} ready in {time.perf_counter() - t0:.1f} s", flush=True)
            # warm up at once: our query workers start on first use, in each server process, and then
            # build their in-memory copy in the background (registry/sparql/executor.py)
            for _ in range(8):
                httpx.get(s.url, params={"query": "ASK { ?s ?p ?o }"}, timeout=600)
        # give those copies time to finish (about 50 s per worker at 100k on a quiet 2-core machine),
        # as Oxigraph and rdflib-endpoint also got their load time
        time.sleep(5 if args.point_only else 10 + n / 500)
        # same answers everywhere
        for qname, q in qs.items():
            answers = {s.name: answer(s.url, q) for s in servers}
            if qname == "point":  # `registry load` records a version of each item (registry/workflow/loads.py):
                # its dcterms:hasVersion link is the one triple the other servers cannot have
                for name in answers:
                    if name.startswith("ours"):
                        answers[name] = [r for r in answers[name] if ("p", ("uri", HAS_VERSION)) not in r]
            ref = answers["oxigraph"]
            same = {name: a == ref for name, a in answers.items()}
            print(f"check {qname}: {len(ref)} rows; same answers: {same}", flush=True)
            if not ref or not all(same.values()):
                raise SystemExit(f"answers differ for {qname}: " + json.dumps({k: v[:3] for k, v in answers.items()}, default=str)[:2000])
        # point lookups cycle over the list: one warm-up pass per server first, all alike
        for s in servers:
            if s.name != "rdflib-endpoint":
                print(f"warm-up pass over {len(listfile.read_text().splitlines())} point queries: {s.name} "
                      f"{warm_pass(s.url, listfile):.1f} s", flush=True)
        figures: dict = {}
        for qname, q in qs.items():
            for c in args.concurrency:
                for s in servers:
                    if s.name == "ours-cold" and qname != "point":
                        continue
                    dur = args.duration if not (s.name == "rdflib-endpoint" and qname != "point") else args.slow_duration
                    if qname == "point" and s.name != "rdflib-endpoint":
                        f = wrk_cycle(s.url, listfile, c, dur)
                    else:
                        f = measure(s.url, q, c, dur)
                    figures.setdefault(qname, {}).setdefault(str(c), {})[s.name] = f
                    print(f"{qname:9s} c={c} {s.name:15s} {f['rps']:9.1f} req/s  p50 {f['p50_ms']:.2f} ms  "
                          f"p99 {f['p99_ms']:.2f} ms  ({f['requests']} req by {f['mode']}, non-2xx {f['non2xx']}) {f['socket_errors']}",
                          flush=True)
        result["http"] = figures
    finally:
        for s in servers:
            s.stop()
    return result


def print_ratios(result: dict) -> None:
    print(f"\n--- ratios at {result['units']} units (ours / other, req/s) ---")
    targets = {"point": 1.0, "paged": 2.0, "aggregate": 2.0}  # issue 13, targets 1 and 2
    for qname, by_c in result.get("http", {}).items():
        for c, figs in by_c.items():
            ours = figs["ours"]["rps"]
            line = f"{qname:9s} c={c}: vs Oxigraph {ours / max(figs['oxigraph']['rps'], 1e-9):.2f}"
            if targets.get(qname):
                line += f" (target >= {targets[qname]})"
            if "ours-cold" in figs:
                line += f" | cache off (cold) vs Oxigraph {figs['ours-cold']['rps'] / max(figs['oxigraph']['rps'], 1e-9):.2f}"
            if "rdflib-endpoint" in figs:
                line += f" | vs rdflib-endpoint {ours / max(figs['rdflib-endpoint']['rps'], 1e-9):.1f} (target >= 10)"
            print(line)
    load = result["load"]
    print(f"load time vs oxigraph load: {load['time_ratio']:.2f} (target <= 1.5); peak memory "
          f"{load['ours_peak_mb']} MB vs {load['oxigraph_peak_mb']} MB")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Benchmark our /sparql against Oxigraph server and rdflib-endpoint.")
    ap.add_argument("--units", default="10000", help="comma-separated registry sizes (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--slow-duration", type=int, default=20,
                    help="seconds per wrk run for rdflib-endpoint's slow queries (default 20)")
    ap.add_argument("--concurrency", default="1,8")
    ap.add_argument("--workers", type=int, default=2, help="registry serve --workers (default 2)")
    ap.add_argument("--query-workers", type=int, default=2, help="SPARQL query worker processes per server process")
    ap.add_argument("--skip-rdflib", action="store_true")
    ap.add_argument("--point-only", action="store_true",
                    help="measure only the point lookups (no paged/aggregate rows, no rdflib-endpoint)")
    ap.add_argument("--point-units", type=int, default=1000,
                    help="units the point lookups cycle over (default 1000, spread over the registry)")
    ap.add_argument("--no-cold", action="store_true",
                    help="skip the second server of ours with the result cache off (REGISTRY_SPARQL_CACHE_BYTES=0)")
    ap.add_argument("--work", help="folder for stores and logs (default: a temporary folder)")
    ap.add_argument("--load-only", action="store_true",
                    help="only compare registry load --no-validate with oxigraph load (no servers, no queries)")
    ap.add_argument("--load-nq", action="store_true",
                    help="also time oxigraph load on the same data as per-item N-Quads (the named-graph floor)")
    ap.add_argument("--load-repeat", type=int, default=1,
                    help="alternating load runs per loader; the median wall time is reported (default 1)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop the servers
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="registry-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    print("machine:", json.dumps(info, ensure_ascii=False))
    print(f"config: registry serve --workers {args.workers}, {args.query_workers} query worker(s) each; "
          f"wrk {args.duration} s per run; concurrency {args.concurrency}")
    for n in [int(x) for x in args.units.split(",")]:
        result = run_size(n, args, work)
        result["machine"] = info
        result["config"] = {"workers": args.workers, "query_workers": args.query_workers, "duration": args.duration}
        if args.load_only:
            DATA.mkdir(parents=True, exist_ok=True)
            out = DATA / f"results-load-{n}.json"
            out.write_text(json.dumps(result, indent=2))
            print(f"(figures written to {out})")
            continue
        print_ratios(result)
        DATA.mkdir(parents=True, exist_ok=True)
        out = DATA / f"results-{n}.json"
        out.write_text(json.dumps(result, indent=2))
        print(f"(figures written to {out})")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
