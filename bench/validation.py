"""Validation dry-run cost (issue 13, target 5): one unit and a 100-unit standard against a registry.

Run: ``.venv/bin/python -m bench.validation [10000 100000 ...] [--api]``. Prints figures; asserts nothing.
Each size builds an embedded store (shipped ontology + vocabularies + ``bench.generate`` units, loaded
without validation), then times ``Validator.validate`` of
- one unit: ``tests/workflow/data/unit-new.ttl`` (p50 target ≤ 25 ms),
- a 100-unit standard: ``bench.generate(100, seed 7)`` (target ≤ 1 s).
``--full`` times the plain full-shapes pyshacl path instead of the reduced one (the "before").
``--api`` also times the dry run as a user sends it: ``POST /api/validate`` (anonymous, Turtle) through
the real application (FastAPI TestClient, no network), which adds the untrusted-input parse in the
isolated parse worker (registry/validation/isolation.py), the request and the report rendering.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.validation import Validator, parse_rdf_file

ROOT = Path(__file__).resolve().parent.parent
ONE_UNIT = ROOT / "tests" / "workflow" / "data" / "unit-new.ttl"


def timed(fn, repeat):
    runs = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), min(runs), out


def main(sizes: list[int], full: bool = False, api: bool = False) -> None:
    validator = Validator(reference_paths=[], reduce_shapes=not full)  # context from the store only
    cases = [
        ("one unit", {ONE_UNIT.name: parse_rdf_file(ONE_UNIT)}, 21),
        ("100-unit standard", {"std100.ttl": parse_rdf_file(generate(100, 7))}, 5),
    ]
    print(f"path: {'full shapes' if full else 'reduced shapes'}")
    print("registry units | submission | median | min | data graph triples | violations")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            store = EmbeddedStore(Path(tmp) / f"s{n}")
            t = time.perf_counter()
            load_files(store, [ROOT / "ontology", ROOT / "vocabularies", generate(n, 1)])
            load_s = time.perf_counter() - t
            print(f"(registry of {n} units loaded in {load_s:.1f} s)")
            for name, sources, repeat in cases:
                validator.validate(sources, store=store)  # warm up (harvests the shapes once)
                med, low, report = timed(lambda: validator.validate(sources, store=store), repeat)
                print(f"{n:>14} | {name} | {med * 1000:8.1f} ms | {low * 1000:8.1f} ms | "
                      f"{validator.last_data_graph_size:>6} | {report.count('Violation')}")
            if api:
                time_api(store, Path(tmp) / f"state{n}", n)
            store.close()


def time_api(store, state_dir: Path, n: int, repeat: int = 21) -> None:
    from fastapi.testclient import TestClient

    from registry.app import create_app
    from registry.config import Settings

    app = create_app(Settings(store=str(store.path), state_dir=str(state_dir)), store=store)
    cases = [("one unit", ONE_UNIT.read_bytes()), ("100-unit standard", generate(100, 7).read_bytes())]
    with TestClient(app) as client:
        for name, body in cases:
            post = lambda: client.post("/api/validate", content=body, headers={"Content-Type": "text/turtle"})  # noqa: E731
            r = post()  # warm up (starts the parse worker)
            med, low, r = timed(post, repeat if name == "one unit" else 5)
            print(f"{n:>14} | {name}, POST /api/validate | {med * 1000:8.1f} ms | {low * 1000:8.1f} ms | "
                  f"HTTP {r.status_code} | conforms: {r.json().get('conforms')}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main([int(a) for a in args] or [10000], full="--full" in sys.argv, api="--api" in sys.argv)
