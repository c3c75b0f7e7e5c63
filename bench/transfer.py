"""Transfer benchmark: a generated registry of units, achievements, rules and one qualification;
p50 of one evaluation (30 achievements, with a target) through POST /api/transfer/evaluate, and
`registry transfer batch` learners per second. Not a test; figures go to bench/RESULTS-transfer.md.

    .venv/bin/python -m bench.transfer --units 100000 --rules 10000 --learners 5000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import pyoxigraph as ox

B = "https://w3id.org/gdlecb/"
C = B + "def/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS = "http://www.w3.org/2004/02/skos/core#"
REG = "http://purl.org/linked-data/registry#"
XSD = "http://www.w3.org/2001/XMLSchema#"
GD = ox.NamedNode(B + "vocab/credit-system/gd-credit")
N, L = ox.NamedNode, ox.Literal


def generate(units: int, rules: int, seed: int = 7):
    rnd = random.Random(seed)
    quads = []

    def add(g, s, p, o):
        quads.append(ox.Quad(s, N(p), o, N(g)))

    unit_iris = [f"{B}unit/GEN-A{i // 1000:03d}-3{i % 100:02d}-{i}" for i in range(units)]
    for i, u in enumerate(unit_iris):
        s = N(u)
        add(u, s, RDF_TYPE.value, N(C + "Unit"))
        add(u, s, SKOS + "notation", L(f"GEN-{i}"))
        add(u, s, SKOS + "prefLabel", L(f"单元 {i}", language="zh"))
        add(u, s, REG + "status", N(REG + "statusStable"))
        cv = ox.BlankNode()
        add(u, s, C + "creditValue", cv)
        add(u, cv, C + "creditSystem", GD)
        add(u, cv, C + "creditAmount", L(str(rnd.choice([1, 2, 3, 4])) + ".0", datatype=N(XSD + "decimal")))
    n_ach = max(rules // 2, 30)
    ach = [f"{B}achievement/gen-{i}" for i in range(n_ach)]
    for a in ach:
        add(a, N(a), RDF_TYPE.value, N(C + "Achievement"))
        add(a, N(a), REG + "status", N(REG + "statusStable"))
        add(a, N(a), SKOS + "prefLabel", L(a.rsplit("/", 1)[1], language="en"))
    for i in range(rules):
        r = f"{B}transfer-rule/gen-{i}"
        s = N(r)
        add(r, s, RDF_TYPE.value, N(C + "TransferRule"))
        add(r, s, REG + "status", N(REG + "statusStable"))
        add(r, s, C + "fromAchievement", N(ach[i % n_ach]))
        t = unit_iris[rnd.randrange(units)]
        add(r, s, C + "toUnit", N(t))
        cv = ox.BlankNode()
        add(r, s, C + "creditValue", cv)
        add(r, cv, C + "creditSystem", GD)
        add(r, cv, C + "creditAmount", L("1.0", datatype=N(XSD + "decimal")))
        add(r, s, C + "validFrom", L("2024-01-01", datatype=N(XSD + "date")))
        if i % 3 == 0:
            add(r, s, C + "minScore", L("60", datatype=N(XSD + "decimal")))
    q = f"{B}qualification/gen"
    add(q, N(q), RDF_TYPE.value, N(C + "Qualification"))
    add(q, N(q), REG + "status", N(REG + "statusStable"))
    add(q, N(q), C + "usesCreditSystem", GD)
    top, units_req, total = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    add(q, N(q), C + "requirement", top)
    add(q, top, RDF_TYPE.value, N(C + "AllOfRequirement"))
    add(q, top, C + "part", units_req)
    add(q, top, C + "part", total)
    add(q, units_req, RDF_TYPE.value, N(C + "UnitsRequirement"))
    for u in unit_iris[:20]:
        add(q, units_req, C + "requiredUnit", N(u))
    add(q, total, RDF_TYPE.value, N(C + "CreditRequirement"))
    add(q, total, C + "minCredits", L("60.0", datatype=N(XSD + "decimal")))
    return quads, ach, q


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=10000)
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--learners", type=int, default=2000)
    args = ap.parse_args()
    from registry.app import create_app
    from registry.config import Settings
    from registry.store.embedded import EmbeddedStore
    from registry.transfer.graph import load_graph

    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp) / "store"
        store = EmbeddedStore(str(store_dir))
        t0 = time.perf_counter()
        quads, ach, q = generate(args.units, args.rules)
        graphs = sorted({x.graph_name.value for x in quads})
        store.bulk_load_quads(quads, graphs, size_hint=len(quads))
        print(f"generated and loaded {args.units} units, {args.rules} rules: {time.perf_counter() - t0:.1f} s")
        loads = []
        for _ in range(3):
            t0 = time.perf_counter()
            g = load_graph(store)
            loads.append(time.perf_counter() - t0)
        load_s = statistics.median(loads)
        print(f"transfer graph load (once per store generation): median of 3 {load_s:.2f} s "
              f"({len(g.targets)} units/courses, {len(g.rules)} rules in the graph)")

        rnd = random.Random(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        app = create_app(Settings(store=str(store_dir), state_dir=str(Path(tmp) / "state")), store=store)
        with TestClient(app) as client:
            body = lambda: {"achievements": [{"id": a, "date": "2025-01-01", "grade": "70"}  # noqa: E731
                                             for a in rnd.sample(ach, 30)], "target": q, "at": "2025-10-01"}
            client.post("/api/transfer/evaluate", json=body())  # builds the cache
            times = []
            for _ in range(args.requests):
                b = body()
                t = time.perf_counter()
                r = client.post("/api/transfer/evaluate", json=b)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            times.sort()
            print(f"API evaluate, 30 achievements + target: p50 {statistics.median(times):.2f} ms, "
                  f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms (target p50 <= 20 ms; in-process TestClient)")

        csv_path = Path(tmp) / "learners.csv"
        with open(csv_path, "w", encoding="utf-8") as f:
            f.write("learner,achievement,date,grade\n")
            for i in range(args.learners):
                for a in rnd.sample(ach, 5):
                    f.write(f"L{i:06d},{a},2025-01-01,75\n")
        # the batch's evaluation alone, in process, over the graph loaded above
        import csv as csv_mod
        import io

        from registry.commands.transfer import _write_batch
        from registry.transfer.service import record_from_csv

        learners = record_from_csv(csv_path.read_text(encoding="utf-8"), learner_column=True)
        t = time.perf_counter()
        _write_batch(csv_mod.writer(io.StringIO()), learners, g, None, "2025-10-01", "zh")
        eval_s = time.perf_counter() - t
        print(f"batch evaluation alone (graph already loaded): {args.learners / eval_s:.0f} learners/s")
        store.close()
        from click.testing import CliRunner

        from registry.cli import main as cli

        t = time.perf_counter()
        res = CliRunner().invoke(cli, ["transfer", "batch", str(csv_path), "--store", str(store_dir), "--at", "2025-10-01",
                                       "--out", str(Path(tmp) / "out.csv")], catch_exceptions=False)
        dt_ = time.perf_counter() - t
        assert res.exit_code == 0, res.output
        print(f"registry transfer batch: {args.learners} learners (5 achievements each) in {dt_:.2f} s = "
              f"{args.learners / dt_:.0f} learners/s end to end, including opening the store and the graph load "
              f"(target >= 1,000)")


if __name__ == "__main__":
    main()
