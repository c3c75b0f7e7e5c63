"""The shapes graph itself: valid SHACL, documented in zh and en, generated from shapes/build_shapes.py."""

from __future__ import annotations

import runpy

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from registry.namespaces import CBS, SHAPES_IRI
from registry.validation import DEFAULT_SHAPES, load_shapes

SHAPES = URIRef(SHAPES_IRI)


def test_shapes_conform_to_shacl_shacl():
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=load_shapes(), meta_shacl=True)
    assert conforms, text


def test_shapes_file_is_what_the_builder_writes():
    builder = runpy.run_path(str(DEFAULT_SHAPES.with_name("build_shapes.py")))
    assert DEFAULT_SHAPES.read_text("utf-8") == builder["build"](), "run: python shapes/build_shapes.py"
    sparql = DEFAULT_SHAPES.with_name("gdlecb-shapes-sparql.ttl")
    assert sparql.read_text("utf-8") == builder["build_sparql"](), "run: python shapes/build_shapes.py"


def _langs(g: Graph, s, p) -> set[str]:
    return {o.language for o in g.objects(s, p) if isinstance(o, Literal)}


def test_every_shape_is_defined_named_described_and_has_messages_in_zh_and_en():
    g = load_shapes()
    assert (SHAPES, RDF.type, OWL.Ontology) in g
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    assert len(shapes) > 100
    for s in shapes:
        assert isinstance(s, URIRef) and str(s).startswith(str(CBS)), s
        assert (s, RDFS.isDefinedBy, SHAPES) in g, s
        for p in (RDFS.label, SH.name, SH.description, SH.message):
            assert _langs(g, s, p) == {"zh", "en"}, (s, p)
    for c in g.subjects(RDF.type, SH.SPARQLConstraint):
        assert (c, RDFS.isDefinedBy, SHAPES) in g
        assert _langs(g, c, SH.message) == {"zh", "en"}, c


def test_every_class_of_the_model_has_a_closed_shape():
    g = load_shapes()
    cb = "https://w3id.org/gdlecb/def/"
    targeted = {str(o) for o in g.objects(None, SH.targetClass)}
    for cls in ("QualificationsFramework", "FrameworkLevel", "LevelDescriptor", "Dimension", "LevelMapping",
                "OutcomeType", "Sector", "FieldOfStudy", "CreditSystem", "OrganisationRole", "Organisation",
                "CompetencyStandard", "FunctionalArea", "Unit", "LearningOutcome", "CreditValue", "Achievement",
                "TransferRule"):
        assert cb + cls in targeted, cls
    for shape in g.subjects(SH.targetClass, None):
        assert (shape, SH.closed, Literal(True)) in g, shape


def test_severities():
    g = load_shapes()
    warnings = {str(s) for s in g.subjects(SH.severity, SH.Warning)}
    assert str(CBS["UnitShape-prefLabel-en"]) in warnings
    assert str(CBS["UnitShape-prefLabel-zh"]) not in warnings  # default severity: Violation
