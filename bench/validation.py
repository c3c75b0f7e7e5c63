"""Validation cost: one submission against stores of growing size, and a whole file in one go.

Run: ``.venv/bin/python -m bench.validation [1000 10000 ...]``. Prints figures; asserts nothing.
The point: validating one submission must not cost more when the registry is larger, because only
the submission and the reference triples it needs go to pyshacl (registry/validation/context.py).
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
EXAMPLE = ROOT / "docs" / "examples" / "example-standard.ttl"


def timed(fn, repeat=7):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), out


def main(sizes: list[int]) -> None:
    validator = Validator(reference_paths=[])  # context from the store only
    sources = {"example-standard.ttl": parse_rdf_file(EXAMPLE)}  # 1 standard, 1 area, 2 units
    print("store units | example (2 units) median | data graph triples | conforms")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            store = EmbeddedStore(Path(tmp) / f"s{n}")
            t = time.perf_counter()
            load_files(store, [ROOT / "ontology", ROOT / "vocabularies", generate(n, 1)])
            load_s = time.perf_counter() - t
            validator.validate(sources, store=store)  # warm up (harvests the shapes once)
            secs, report = timed(lambda: validator.validate(sources, store=store))
            print(f"{n:>11} | {secs * 1000:8.1f} ms | {validator.last_data_graph_size:>6} | {report.conforms}"
                  f"   (store loaded in {load_s:.1f} s)")
            store.close()
    for n in (100, 1000):
        path = generate(n, 1)
        triples = parse_rdf_file(path)
        v = Validator()  # shipped vocabularies as context
        t = time.perf_counter()
        report = v.validate({path.name: triples})
        secs = time.perf_counter() - t
        print(f"whole file of {n} units: {secs:.2f} s = {secs / n * 1000:.1f} ms/unit, "
              f"{report.count('Violation')} violations, {report.count('Warning')} warnings")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
