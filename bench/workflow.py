"""Workflow timings (prints figures; not a test).

    .venv/bin/python bench/workflow.py [--units 1,100,500]

For each size: the dry run (POST /api/validate), the submission (POST
/api/submissions, which validates again and stores), the review (accept: versions,
events, outbox and one atomic store write), then history/diff/change-feed reads,
in-process through FastAPI's TestClient over an embedded store with the shipped data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from workflow.conftest import make_env, unit_ttl  # noqa: E402  (the test fixtures' helpers)


def units(n: int, offset: int = 0) -> str:
    out = []
    areas = [("SD", 3), ("DA", 4), ("NO", 5), ("SD", 6), ("DA", 7), ("NO", 2)]
    for i in range(offset, offset + n):
        area, level = areas[(i // 90) % len(areas)]
        out.append(unit_ttl(f"ICT-{area}-{level}{10 + i % 90:02d}", area=area, level=level, statement=f"能力说明 {i}。"))
    return "\n".join(out)


def timed(fn, repeat: int = 1):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", default="1,100,500")
    args = ap.parse_args()
    sizes = [int(x) for x in args.units.split(",")]
    from io import BytesIO

    import pyoxigraph as ox

    from registry.loader import load_files
    from registry.store.embedded import EmbeddedStore
    from workflow.conftest import SHIPPED

    tmp = Path(tempfile.mkdtemp(prefix="bench-workflow-"))
    seed = EmbeddedStore(tmp / "seed")
    load_files(seed, SHIPPED)
    buf = BytesIO()
    seed.dump(buf, ox.RdfFormat.N_QUADS)
    seed.close()
    print(f"{'units':>6} {'validate s':>11} {'submit s':>9} {'accept s':>9} {'ms/unit (submit+accept)':>24}")
    for n in sizes:
        env = make_env(tmp / f"n{n}", buf.getvalue(), max_body_bytes=200 * 1024 * 1024)
        body = units(n).encode("utf-8")
        tv, r = timed(lambda: env.client.post("/api/validate", content=body, headers={"Content-Type": "text/turtle"}))
        assert r.status_code == 200, r.text[:500]
        ts, r = timed(lambda: env.submit("alice", body))
        assert r.status_code == 201, r.text[:500]
        ta, r = timed(lambda: env.accept(r.json()["id"]))
        assert r.status_code == 200, r.text[:500]
        print(f"{n:>6} {tv:>11.2f} {ts:>9.2f} {ta:>9.2f} {1000 * (ts + ta) / n:>24.1f}")
        env.store.close()
    # reads
    env = make_env(tmp / "reads", buf.getvalue())
    env.publish(unit_ttl())
    env.publish(unit_ttl(statement="第二版。"))
    for label, url in (("history", "/api/items/unit/ICT-SD-309/history"),
                       ("diff", "/api/items/unit/ICT-SD-309/diff?from=1&to=2"),
                       ("version (Turtle)", "/unit/ICT-SD-309/v/1?_format=ttl"),
                       ("change feed page", "/api/changes?limit=100")):
        t, r = timed(lambda: env.client.get(url), repeat=20)
        assert r.status_code == 200
        print(f"GET {label:<20} median {1000 * t:.1f} ms")


if __name__ == "__main__":
    main()
