"""The Validator library: valid data, the report API, the store as context and what it costs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH

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


# -- the reduced shapes graph (issue 13, target 5) ---------------------------------------------------
# The fast path hands pyshacl only the shapes whose targets can match the data graph; its reports must
# be the plain full-shapes pyshacl reports, result for result and triple for triple.

SHIPPED_STANDARDS = sorted((ROOT / "vocabularies").glob("standard-*.ttl"))
BROKEN_FILES = sorted(p for p in BROKEN.iterdir()
                      if p.suffix in (".ttl", ".jsonld") and not p.name.startswith("syntax-error"))


def _same_reports(fast, full):
    from rdflib.compare import isomorphic

    for lang in ("zh", "en"):
        assert fast.to_dict(lang) == full.to_dict(lang)
    assert isomorphic(fast.report_graph, full.report_graph)


@pytest.fixture(scope="module")
def fast_and_full():
    return (Validator(reference_paths=[REFERENCE]), Validator(reference_paths=[REFERENCE], reduce_shapes=False))


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.name for p in BROKEN_FILES])
def test_reduced_shapes_report_equals_full_on_broken_files(fast_and_full, path):
    fast, full = fast_and_full
    sources = {path.name: parse_rdf_file(path)}
    texts = {path.name: path.read_text("utf-8")}
    a, b = fast.validate(sources, texts=texts), full.validate(sources, texts=texts)
    assert b.results, f"{path.name} should have results under the full shapes"
    _same_reports(a, b)


@pytest.mark.parametrize("path", SHIPPED_STANDARDS, ids=[p.name for p in SHIPPED_STANDARDS])
def test_reduced_shapes_report_equals_full_on_shipped_standards(path):
    sources = {path.name: parse_rdf_file(path)}
    _same_reports(Validator().validate(sources), Validator(reduce_shapes=False).validate(sources))


def test_reduced_shapes_report_equals_full_on_several_files_at_once(fast_and_full):
    fast, full = fast_and_full
    sources = {p.name: parse_rdf_file(p) for p in BROKEN_FILES}
    _same_reports(fast.validate(sources), full.validate(sources))


def test_reduced_shapes_graph_drops_shapes_the_data_cannot_reach():
    from registry.validation.validator import _ShapesPlan

    shapes = load_shapes()
    plan = _ShapesPlan(shapes)
    data = Graph()
    for s, p, o in Graph().parse(VALID, format="turtle"):
        data.add((s, p, o))
    roots = plan.matching_roots(data)
    unit_shape = URIRef("https://w3id.org/gdlecb/shapes/UnitShape")
    assert unit_shape in roots
    assert URIRef("https://w3id.org/gdlecb/shapes/CompetencyStandardShape") not in roots
    reduced = plan.reduced_graph(roots)
    assert len(reduced) < len(shapes)
    # everything the unit shape reaches is still there, triple for triple
    for node in plan._reach[unit_shape]:
        assert set(reduced.triples((node, None, None))) == set(shapes.triples((node, None, None)))


SMALL_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
ex:AShape a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:AShape-label .
ex:AShape-label sh:path rdfs:label ; sh:minCount 1 ; sh:node ex:Nested .
ex:Nested a sh:NodeShape ; sh:nodeKind sh:Literal .
ex:Implicit a sh:NodeShape , rdfs:Class ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
ex:SubjShape a sh:NodeShape ; sh:targetSubjectsOf ex:q ; sh:property [ sh:path ex:r ; sh:minCount 1 ] .
ex:ObjShape a sh:NodeShape ; sh:targetObjectsOf ex:q ; sh:property [ sh:path ex:s ; sh:minCount 1 ] .
ex:NodeTarget a sh:NodeShape ; sh:targetNode ex:fixed ; sh:property [ sh:path ex:t ; sh:minCount 1 ] .
"""


@pytest.mark.parametrize("data, expected", [
    # a subclass (declared in the data) of a target class
    ("ex:x a ex:B . ex:B rdfs:subClassOf ex:A .", {("http://example.org/x", "MinCountConstraintComponent")}),
    # a shape that is also a class targets its own instances
    ("ex:x a ex:Implicit .", {("http://example.org/x", "MinCountConstraintComponent")}),
    # subjects and objects of a predicate; sh:targetNode always applies
    ("ex:x ex:q ex:y .", {("http://example.org/x", "MinCountConstraintComponent"),
                          ("http://example.org/y", "MinCountConstraintComponent")}),
    # a nested shape reached through sh:property / sh:node
    ('ex:x a ex:A ; rdfs:label ex:notALiteral .', {("http://example.org/x", "NodeConstraintComponent")}),
    ('ex:x a ex:A ; rdfs:label "fine" .', set()),
])
def test_reduced_shapes_keep_every_kind_of_target(tmp_path, data, expected):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SMALL_SHAPES, "utf-8")
    text = "@prefix ex: <http://example.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + data
    sources = {"d.ttl": parse_rdf(text, source="d.ttl")}
    reports = [Validator(reference_paths=[], shapes_path=shapes, reduce_shapes=r).validate(sources)
               for r in (True, False)]
    _same_reports(*reports)
    full_graph = reports[1].report_graph
    focus = {(str(full_graph.value(r, SH.focusNode)),
              str(full_graph.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1])
             for r in full_graph.objects(None, SH.result)}
    # ex:fixed (sh:targetNode) is not in the submission: reported by pyshacl but not kept in the report
    assert focus == expected
