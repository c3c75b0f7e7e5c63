"""The Validator library: valid data, the report API, the store as context and what it costs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from registry.cli import main
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.validation import Validator, load_shapes, parse_rdf, parse_rdf_file

from .conftest import BROKEN, FIXTURES, REFERENCE

ROOT = Path(__file__).resolve().parents[2]
VALID = FIXTURES / "valid-unit.ttl"
CB = "https://w3id.org/gdlecb/def/"


def test_valid_unit_has_no_results(fixture_validator):
    report = fixture_validator.validate({"valid-unit.ttl": parse_rdf_file(VALID)})
    assert report.conforms and report.results == [], report.to_text("en")
    assert report.to_text("zh") == "通过：没有发现问题。"
    assert report.to_dict("en") == {"conforms": True, "violations": 0, "warnings": 0, "infos": 0, "results": []}


def test_shapes_are_parsed_once():
    assert load_shapes() is load_shapes()
    assert Validator(reference_paths=[]).shapes is Validator(reference_paths=[]).shapes


def test_result_fields_and_languages():
    # the ontology gives the property its human label
    v = Validator(reference_paths=[REFERENCE, ROOT / "ontology"])
    path = BROKEN / "hours-inconsistent-hkqf.ttl"
    report = v.validate({"u.ttl": parse_rdf_file(path)}, texts={"u.ttl": path.read_text("utf-8")})
    [r] = report.results
    onto = Graph().parse(ROOT / "ontology" / "gdlecb.ttl")
    labels = {o.language: str(o) for o in onto.objects(URIRef(CB + "notionalHours"), RDFS.label)}
    assert r.path_label == labels and labels
    assert r.focus.startswith("_:")  # the credit value is a blank node...
    assert r.item == "https://w3id.org/gdlecb/unit/TST-SD-302"  # ...reported under its unit
    assert r.code == "TST-SD-302" and r.label == {"zh": "编写软件设计文档", "en": "Write software design documents"}
    assert (r.severity, r.value, r.line, r.source) == ("Violation", "25.0", 12, "u.ttl")
    zh, en = r.to_dict("zh"), r.to_dict("en")
    assert zh["pathLabel"] == labels["zh"] and en["pathLabel"] == labels["en"]
    assert zh["label"] == "编写软件设计文档" and en["label"] == "Write software design documents"
    assert "学时" in zh["message"] and "hours" in en["message"]
    assert labels["zh"] in report.to_text("zh") and labels["en"] in report.to_text("en")
    ttl = Graph().parse(data=report.to_turtle(), format="turtle")
    assert len(ttl) > 5


def test_sources_are_validated_together_and_reported_separately(fixture_validator, tmp_path):
    # a new functional area in one file and a unit using it in another: fine together
    area = """@prefix cb: <https://w3id.org/gdlecb/def/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    <https://w3id.org/gdlecb/standard/TST/area/QA> a cb:FunctionalArea ;
        skos:prefLabel "质量保证"@zh , "Quality assurance"@en ; skos:notation "QA" ;
        cb:standard <https://w3id.org/gdlecb/standard/TST> ."""
    unit = VALID.read_text("utf-8").replace("TST-SD-302", "TST-QA-301").replace("area/SD", "area/QA")
    unit = unit.replace("cb:range ", 'cb:colour "red" ; cb:range ')
    report = fixture_validator.validate({"area.ttl": parse_rdf(area, source="area.ttl"),
                                         "unit.ttl": parse_rdf(unit, source="unit.ttl")})
    [r] = report.results  # only the stray property: the area resolves inside the submission
    assert (r.source, r.code, r.path) == ("unit.ttl", "TST-QA-301", CB + "colour")
    alone = fixture_validator.validate({"unit.ttl": parse_rdf(unit, source="unit.ttl")})
    assert {x.path for x in alone.results} == {CB + "colour", CB + "functionalArea"}


def _synthetic_units(n: int) -> str:
    lines = ["@prefix cb: <https://w3id.org/gdlecb/def/> .", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ."]
    for i in range(n):
        code = f"SYN-A{i // 90:03d}-{(i % 7) + 1}{i % 90 + 10:02d}"[:20]
        lines.append(f'<https://w3id.org/gdlecb/unit/syn{i}> a cb:Unit ; skos:notation "{code}" ; '
                     f'skos:prefLabel "合成单元{i}"@zh ; cb:level <https://w3id.org/gdlecb/framework/gdleqf/level/{(i % 7) + 1}> ; '
                     f'cb:functionalArea <https://w3id.org/gdlecb/standard/TST/area/SD> .')
    return "\n".join(lines) + "\n"


def test_store_as_context_does_not_scan_the_registry(tmp_path):
    v = Validator(reference_paths=[])  # no files: everything must come from the store
    small = EmbeddedStore(tmp_path / "small")
    load_files(small, [REFERENCE])
    big = EmbeddedStore(tmp_path / "big")
    extra = tmp_path / "synthetic.ttl"
    extra.write_text(_synthetic_units(3000), encoding="utf-8")
    load_files(big, [REFERENCE, extra])
    assert len(big.graph_names()) > len(small.graph_names()) + 2900

    sources = {"valid-unit.ttl": parse_rdf_file(VALID)}
    r_small = v.validate(sources, store=small)
    size_small = v.last_data_graph_size
    r_big = v.validate(sources, store=big)
    size_big = v.last_data_graph_size
    assert r_small.conforms and r_big.conforms, r_big.to_text("en")
    assert size_big == size_small < 100  # the submission (~30 triples) plus a few reference triples

    # the store really is the context: without it the references do not resolve
    alone = v.validate(sources)
    assert not alone.conforms
    assert {r.path for r in alone.results} >= {CB + "level", CB + "functionalArea", CB + "creditSystem"}

    # uniqueness is checked against the store
    dup = {"dup.ttl": parse_rdf_file(BROKEN / "duplicate-code-existing.ttl")}
    [r] = v.validate(dup, store=big).results
    assert "<https://w3id.org/gdlecb/unit/TST-SD-301>" in r.message["en"]


def test_new_version_of_an_existing_unit_is_not_a_duplicate(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    load_files(store, [REFERENCE])
    v = Validator(reference_paths=[])
    text = (REFERENCE.read_text("utf-8").split("<https://w3id.org/gdlecb/unit/TST-SD-301> a cb:Unit ;")[1])
    head = "".join(line + "\n" for line in REFERENCE.read_text("utf-8").splitlines() if line.startswith("@prefix"))
    unit = head + "<https://w3id.org/gdlecb/unit/TST-SD-301> a cb:Unit ;" + text.replace("分析软件需求", "分析与整理软件需求")
    report = v.validate({"u.ttl": parse_rdf(unit, source="u.ttl")}, store=store)
    assert report.conforms, report.to_text("en")


# -- the shipped data (written by the vocabulary work) and the authoring guide's example ----------------

def test_shipped_vocabularies_validate():
    result = CliRunner().invoke(main, ["validate", str(ROOT / "vocabularies")])
    assert result.exit_code == 0, result.output


def test_authoring_guide_example_validates():
    example = ROOT / "docs" / "examples" / "example-standard.ttl"
    result = CliRunner().invoke(main, ["validate", "--lang", "en", str(example)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Conforms: no problems found."
    # and the same example, written in the guide, is the file
    guide = (ROOT / "docs" / "authoring.md").read_text("utf-8")
    assert example.read_text("utf-8").strip() in guide


def test_example_against_the_shipped_store(shipped_store):
    """The store (ontology, shapes and vocabularies loaded as items) is the context of a submission."""
    v = Validator(reference_paths=[])
    example = ROOT / "docs" / "examples" / "example-standard.ttl"
    report = v.validate({"example.ttl": parse_rdf_file(example)}, store=shipped_store)
    assert report.conforms and report.results == [], report.to_text("en")
    # an existing shipped unit code is a duplicate when reused under a new IRI
    text = example.read_text("utf-8").replace('skos:notation "LOG-WH-201"', 'skos:notation "ICT-SD-201"')
    dup = v.validate({"example.ttl": parse_rdf(text, source="example.ttl")}, store=shipped_store)
    messages = [r.message["en"] for r in dup.results if r.constraint == "SPARQLConstraintComponent"]
    assert any("<https://w3id.org/gdlecb/unit/ICT-SD-201>" in m for m in messages), dup.to_text("en")
