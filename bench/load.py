"""Load benchmark: ``registry load --no-validate`` against ``oxigraph load`` of the same Turtle file.

Run (not part of the test suite)::

    .venv/bin/python -m bench.load --units 10000,100000            # ~1 min + ~5-8 min on 2 cores
    .venv/bin/python -m bench.load --units 1000000 --repeat 1      # ~1 h: generation + two loads

For each size it generates (or reuses) the seeded synthetic registry of ``bench/generate.py``
(cached under ``bench/.data``), then runs the two loaders alternately (ours, oxigraph, ours, …)
on the same file into fresh store folders, ``--repeat`` times (default 2 below 1M units, else 1),
and prints one table: median wall time, peak RSS of each loader's process tree (the largest of the
runs, sampled from /proc every 0.2 s, plus the kernel's own peak of the main process) and the
ratio ours/oxigraph (issue 13 target 3: ≤ 1.5). ``--nq`` also times ``oxigraph load`` of the same
data written as N-Quads with one named graph per item, what our store holds (Oxigraph's own cost
of named graphs). ``--max-rss-gb`` (default 12) stops a loader whose tree grows past it.
Figures are also written to ``bench/.data/results-load-<units>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .generate import generate

BIN = Path(sys.executable).parent
OXIGRAPH = BIN / "oxigraph"
DATA = Path(__file__).resolve().parent / ".data"


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (kB), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(parts[1]), int(parts[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, ()))
    return total


def timed_run(cmd: list[str], env=None, max_rss_gb: float = 12.0) -> tuple[float, float]:
    """Run ``cmd``; returns (wall seconds, peak RSS in MB of its process tree).

    The peak is the larger of the kernel's own peak of the main process (``ru_maxrss``) and the
    tree's RSS sampled every 0.2 s. A tree past ``max_rss_gb`` is killed (RuntimeError).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    peak = [0]
    stop = threading.Event()
    killed = []

    def sample():
        while not stop.wait(0.2):
            kb = _tree_rss_kb(proc.pid)
            peak[0] = max(peak[0], kb)
            if kb > max_rss_gb * 1024 * 1024:
                killed.append(kb)
                os.killpg(proc.pid, 9)
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read()  # until the process closes it (it exits)
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    wall = time.perf_counter() - start
    if killed:
        raise RuntimeError(f"{cmd[0]} stopped: its memory passed {max_rss_gb} GB ({killed[0] / 1e6:.1f} GB)")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{cmd[0]} failed ({code}): {err.decode(errors='replace')[-2000:]}")
    return wall, max(usage.ru_maxrss, peak[0]) / 1024


def ours_cmd(store: Path, data: Path) -> list[str]:
    return [sys.executable, "-m", "registry.cli", "load", "--no-validate", "--no-progress",
            "--store", str(store), str(data)]


def oxigraph_cmd(store: Path, data: Path) -> list[str]:
    return [str(OXIGRAPH), "load", "--location", str(store), "--file", str(data)]


def compare_loads(n: int, ttl: Path, work: Path, repeat: int = 1, nq: bool = False, seed: int = 1,
                  max_rss_gb: float = 12.0, say=print, keep: bool = False) -> dict:
    """Time both loaders alternately on ``ttl`` (``repeat`` times each); the figures as a dict.

    ``keep``: leave the last run's stores in ``work/ours-<n>`` and ``work/oxigraph-<n>`` (bench/endpoint.py
    serves them)."""
    ours_dir, ox_dir = work / f"ours-{n}", work / f"oxigraph-{n}"
    runs: list[tuple[float, float, float, float]] = []
    for i in range(repeat):
        for d in (ours_dir, ox_dir):
            shutil.rmtree(d, ignore_errors=True)
        ours = timed_run(ours_cmd(ours_dir, ttl), max_rss_gb=max_rss_gb)
        ox = timed_run(oxigraph_cmd(ox_dir, ttl), max_rss_gb=max_rss_gb)
        runs.append((*ours, *ox))
        say(f"  run {i + 1}: registry load {ours[0]:.2f} s ({ours[1]:.0f} MB) | oxigraph load {ox[0]:.2f} s "
            f"({ox[1]:.0f} MB) | ratio {ours[0] / ox[0]:.2f}")
    ours_s, ox_s = statistics.median(r[0] for r in runs), statistics.median(r[2] for r in runs)
    result = {"ours_s": round(ours_s, 2), "ours_peak_mb": round(max(r[1] for r in runs)),
              "oxigraph_s": round(ox_s, 2), "oxigraph_peak_mb": round(max(r[3] for r in runs)),
              "time_ratio": round(ours_s / ox_s, 2), "runs": len(runs),
              "ratios": [round(r[0] / r[2], 2) for r in runs]}
    if nq:
        # Oxigraph's own loader on the same data already split into the item graphs
        nq_file = generate(n, seed, fmt="nq")
        times = []
        nq_dir = work / f"oxigraph-nq-{n}"
        for _ in range(repeat):
            shutil.rmtree(nq_dir, ignore_errors=True)
            times.append(timed_run(oxigraph_cmd(nq_dir, nq_file), max_rss_gb=max_rss_gb))
        shutil.rmtree(nq_dir, ignore_errors=True)
        nq_s = statistics.median(t for t, _ in times)
        result.update(oxigraph_nq_s=round(nq_s, 2), oxigraph_nq_peak_mb=round(max(m for _, m in times)),
                      ours_vs_nq_ratio=round(ours_s / nq_s, 2))
    if not keep:
        for d in (ours_dir, ox_dir):
            shutil.rmtree(d, ignore_errors=True)
    return result


def triples_of(ttl: Path) -> int | None:
    """Triples in the generated file (counted once, cached next to it)."""
    cache = ttl.with_suffix(".count")
    if cache.exists():
        return int(cache.read_text())
    import pyoxigraph as ox

    n = sum(1 for _ in ox.parse(path=str(ttl)))
    cache.write_text(str(n))
    return n


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="registry load --no-validate against oxigraph load, same data.")
    ap.add_argument("--units", default="10000,100000", help="comma-separated sizes (default 10000,100000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=None,
                    help="alternating runs per loader (default 2; 1 from 1M units); the median time is reported")
    ap.add_argument("--nq", action="store_true", help="also time oxigraph load of the per-item N-Quads")
    ap.add_argument("--max-rss-gb", type=float, default=12.0, help="stop a loader whose memory passes this")
    ap.add_argument("--work", help="folder for the stores (default: a temporary folder, removed after)")
    ap.add_argument("--keep", action="store_true",
                    help="with --work: keep the last run's stores there (work/ours-N, work/oxigraph-N) to serve them")
    args = ap.parse_args(argv)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="registry-load-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for n in [int(x) for x in args.units.split(",")]:
            ttl = generate(n, args.seed)
            repeat = args.repeat or (2 if n < 1_000_000 else 1)
            print(f"=== {n} units: {ttl} ({ttl.stat().st_size / 1e6:.0f} MB, {triples_of(ttl):,} triples) ===",
                  flush=True)
            r = compare_loads(n, ttl, work, repeat, args.nq, args.seed, args.max_rss_gb,
                              say=lambda m: print(m, flush=True), keep=args.keep and bool(args.work))
            r.update(units=n, triples=triples_of(ttl), file=str(ttl))
            DATA.mkdir(parents=True, exist_ok=True)
            (DATA / f"results-load-{n}.json").write_text(json.dumps(r, indent=2))
            rows.append(r)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("\n| units | triples | registry load | peak RSS | oxigraph load | peak RSS | ratio (target ≤ 1.5) |"
          + (" oxigraph, per-item N-Quads | ratio to it |" if args.nq else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|" if args.nq else ""))
    for r in rows:
        line = (f"| {r['units']:,} | {r['triples']:,} | {r['ours_s']:.1f} s | {r['ours_peak_mb']:,} MB | "
                f"{r['oxigraph_s']:.1f} s | {r['oxigraph_peak_mb']:,} MB | **{r['time_ratio']:.2f}×** "
                f"(runs: {', '.join(map(str, r['ratios']))}) |")
        if args.nq:
            line += f" {r['oxigraph_nq_s']:.1f} s | {r['ours_vs_nq_ratio']:.2f}× |"
        print(line)


if __name__ == "__main__":
    main()
