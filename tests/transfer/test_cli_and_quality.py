"""The CLI (evaluate, batch, rules check) and the rule-quality shapes."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from registry.cli import main

from .conftest import BASE, ROOT

EXAMPLE = ROOT / "docs" / "examples" / "transfer-record.csv"
BATCH = ROOT / "docs" / "examples" / "transfer-batch.csv"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_evaluate_csv_example_json(store_dir):
    r = run("transfer", "evaluate", EXAMPLE, "--store", store_dir, "--at", "2025-10-01", "--format", "json",
            "--target", BASE + "qualification/gzpyp-software-technology")
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert {e["code"] for e in body["recognised"]} >= {"ICT-SD-201", "ICT-SD-301", "ST202"}
    assert body["target"]["met"] is False


def test_evaluate_refuses_unknown_iri(store_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("achievement,date,grade\nhttps://example.org/nope,2025-01-01,\n", encoding="utf-8")
    r = run("transfer", "evaluate", bad, "--store", store_dir, "--lang", "en")
    assert r.exit_code == 2 and "achievements[0].id" in r.output


def test_batch_writes_one_row_per_learner_and_unit(store_dir, tmp_path):
    out = tmp_path / "out.csv"
    r = run("transfer", "batch", BATCH, "--store", store_dir, "--at", "2025-10-01", "--out", out)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {row["learner"] for row in rows} == {"L001", "L002"}
    assert ("L002", "ELC-HS-302") in {(row["learner"], row["code"]) for row in rows}
    assert all(row["rules"].startswith(BASE + "transfer-rule/") for row in rows)


def test_rules_check_reports_expiring_rules(store_dir):
    r = run("rules", "check", "--store", store_dir, "--at", "2026-11-01", "--format", "json")
    findings = json.loads(r.output.strip())
    assert r.exit_code == 1
    assert {"expiring"} <= {f["kind"] for f in findings}
    assert any(f["item"] == BASE + "transfer-rule/hcia-datacom-to-ict-no-201" for f in findings if f["kind"] == "expiring")


def test_rule_quality_shapes():
    import pyoxigraph as ox

    from registry.validation.validator import default_validator

    bad = """@prefix cb: <https://w3id.org/gdlecb/def/> . @prefix reg: <http://purl.org/linked-data/registry#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <https://w3id.org/gdlecb/transfer-rule/bad> a cb:TransferRule ; skos:prefLabel "坏"@zh , "bad"@en ;
      cb:toUnit <https://w3id.org/gdlecb/unit/ICT-SD-302> ;
      cb:creditValue [ a cb:CreditValue ; cb:creditSystem <https://w3id.org/gdlecb/vocab/credit-system/gd-credit> ; cb:creditAmount 9.0 ] ;
      cb:validFrom "2026-01-01"^^xsd:date ; cb:validUntil "2025-01-01"^^xsd:date ; reg:status reg:statusStable ."""
    triples = [q.triple for q in ox.parse(bad, format=ox.RdfFormat.TURTLE)]
    report = default_validator().validate({"bad.ttl": triples})
    text = report.to_text("en")
    assert not report.conforms
    assert "no source" in text and "more than its target units/courses carry" in text and "before the start date" in text
    assert "不超过目标学分之和" in report.to_text("zh")
