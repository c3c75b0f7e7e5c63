"""The transfer graph holds only what rules and qualifications touch (issue 9 item 6: a fast load);
a held unit outside it is still accepted and counted, read for that record only."""

from __future__ import annotations

from click.testing import CliRunner

from registry.cli import main as cli
from registry.transfer.graph import load_graph
from registry.transfer.service import evaluate_request

BASE = "https://w3id.org/gdlecb/"


def _unrelated_unit(store, graph) -> str:
    units = [r["u"].value for r in store.select(f"SELECT ?u WHERE {{ ?u a <{BASE}def/Unit> }} ORDER BY ?u")]
    outside = [u for u in units if u not in graph.targets]
    assert outside, "some unit is named by no rule or requirement"
    return outside[0]


def test_graph_holds_rule_and_requirement_units_only(store, graph):
    for r in graph.rules.values():
        for t in r.to_targets:
            assert t in graph.targets
    total = len(store.select(f"SELECT ?u WHERE {{ ?u a <{BASE}def/Unit> }}"))
    assert len([t for t in graph.targets.values() if t.kind == "unit"]) < total


def test_unrelated_held_unit_is_accepted_and_counted(store, graph):
    u = _unrelated_unit(store, graph)
    res = evaluate_request({"units": [u], "target": BASE + "qualification/gzpyp-software-technology",
                            "at": "2026-01-01", "lang": "en"}, graph)
    assert res["recognised"] == []
    assert u not in graph.targets  # looked up for this record, not kept in the shared graph
    credit = store.select(f"SELECT ?a WHERE {{ <{u}> <{BASE}def/creditValue>/<{BASE}def/creditAmount> ?a }}")
    total = [row for row in res["target"]["requirements"] if row["kind"] == "credits" and row["depth"] == 1
             and "total" in row["labels"]["en"]][0]
    assert total["credits"]["have"] == float(credit[0]["a"].value)


def test_batch_keeps_the_store_open_for_unrelated_units(store_dir, tmp_path, store, graph):
    u = _unrelated_unit(store, graph)
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(f"learner,achievement,date,grade\nL1,{u},2025-01-01,\n"
                        f"L2,{BASE}achievement/1x-web-frontend-intermediate,2025-01-01,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(cli, ["transfer", "batch", str(csv_path), "--store", str(store_dir), "--at", "2026-01-01",
                                   "--out", str(out), "--lang", "en"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = out.read_text(encoding="utf-8").splitlines()
    l1 = [r for r in rows if r.startswith("L1,")]
    assert l1 == ["L1,,,,,,,"]  # accepted (no error column), nothing recognised
    assert any(r.startswith("L2,") and "ICT-SD-301" in r for r in rows)
    assert load_graph(store).generation == graph.generation
