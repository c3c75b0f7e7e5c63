"""The ontology (ontology/gdlecb.ttl) covers docs/model.md and documents every term in zh and en."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from registry.items import split_items
from registry.namespaces import CB, ONTOLOGY_IRI

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_FILE = ROOT / "ontology" / "gdlecb.ttl"
MODEL_DOC = ROOT / "docs" / "model.md"
ONT = URIRef(ONTOLOGY_IRI)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty)

CETERMS = "https://purl.org/ctdl/terms/"
CEASN = "https://purl.org/ctdlasn/terms/"
ASN = "http://purl.org/ASN/schema/core/"
ELM = "http://data.europa.eu/snb/model/elm/"


@pytest.fixture(scope="module")
def ont() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def _terms(g: Graph, kinds) -> set[URIRef]:
    return {s for k in kinds for s in g.subjects(RDF.type, k) if isinstance(s, URIRef) and str(s).startswith(str(CB))}


def _langs(g: Graph, s, p) -> list[str]:
    return sorted(o.language or "" for o in g.objects(s, p) if isinstance(o, Literal))


def _model_terms() -> tuple[set[str], set[str]]:
    """Class names (first table column) and ``cb:`` property names mentioned in docs/model.md."""
    text = MODEL_DOC.read_text(encoding="utf-8")
    classes = set(re.findall(r"^\| `([A-Z][A-Za-z]+)`", text, flags=re.M))
    named = set(re.findall(r"`cb:([A-Za-z]+)", text))
    props = {n for n in named if n[0].islower()}
    classes |= {n for n in named if n[0].isupper()}
    return classes, props


def test_ontology_parses_with_pyoxigraph_and_is_one_item():
    triples = [q.triple for q in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)]
    assert len(triples) > 300
    assert list(split_items(triples)) == [ONTOLOGY_IRI]


def test_ontology_header(ont: Graph):
    assert (ONT, RDF.type, OWL.Ontology) in ont
    assert _langs(ont, ONT, DCTERMS.title) == ["en", "zh"]
    assert _langs(ont, ONT, DCTERMS.description) == ["en", "zh"]
    assert _langs(ont, ONT, SKOS.prefLabel) == ["en", "zh"]
    assert ont.value(ONT, OWL.versionInfo) is not None
    assert isinstance(ont.value(ONT, DCTERMS.license), URIRef)
    created = ont.value(ONT, DCTERMS.created)
    assert isinstance(created, Literal) and created.datatype == XSD.date


def test_every_model_class_and_property_is_declared(ont: Graph):
    classes, props = _model_terms()
    assert len(classes) >= 18 and len(props) >= 35, "the model.md parser found too few terms"
    declared_classes = {str(c)[len(str(CB)):] for c in _terms(ont, [OWL.Class])}
    declared_props = {str(p)[len(str(CB)):] for p in _terms(ont, PROPERTY_KINDS)}
    assert classes - declared_classes == set()
    assert props - declared_props == set()


def test_every_term_has_zh_en_label_and_definition(ont: Graph):
    terms = _terms(ont, [OWL.Class, *PROPERTY_KINDS])
    problems = []
    for t in sorted(terms):
        if _langs(ont, t, RDFS.label) != ["en", "zh"]:
            problems.append(f"{t}: rdfs:label {_langs(ont, t, RDFS.label)}")
        if _langs(ont, t, SKOS.definition) != ["en", "zh"]:
            problems.append(f"{t}: skos:definition {_langs(ont, t, SKOS.definition)}")
        if (t, RDFS.isDefinedBy, ONT) not in ont:
            problems.append(f"{t}: no rdfs:isDefinedBy <{ONT}>")
    assert problems == []


def test_no_undeclared_cb_subjects(ont: Graph):
    """Every cb: subject of the ontology is a declared class or property (no half-defined terms)."""
    subjects = {s for s in ont.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CB))}
    assert subjects == _terms(ont, [OWL.Class, *PROPERTY_KINDS])


def test_properties_have_kind_domain_and_range(ont: Graph):
    problems = []
    for p in sorted(_terms(ont, PROPERTY_KINDS)):
        kinds = set(ont.objects(p, RDF.type)) & set(PROPERTY_KINDS)
        if len(kinds) != 1:
            problems.append(f"{p}: kinds {kinds}")
        dom, rng = ont.value(p, RDFS.domain), ont.value(p, RDFS.range)
        if dom is None or rng is None:
            problems.append(f"{p}: domain {dom} range {rng}")
            continue
        is_literal_range = rng == RDF.langString or str(rng).startswith(str(XSD))
        if (OWL.DatatypeProperty in kinds) != is_literal_range:
            problems.append(f"{p}: {kinds} with range {rng}")
    assert problems == []


@pytest.mark.parametrize(
    ("cls", "prop", "target"),
    [
        ("QualificationsFramework", RDFS.subClassOf, str(SKOS.ConceptScheme)),
        ("QualificationsFramework", SKOS.closeMatch, CETERMS + "QualificationsFramework"),
        ("QualificationsFramework", SKOS.closeMatch, ASN + "ProgressionModel"),
        ("FrameworkLevel", RDFS.subClassOf, str(SKOS.Concept)),
        ("FrameworkLevel", SKOS.closeMatch, ASN + "ProgressionLevel"),
        ("CompetencyStandard", SKOS.closeMatch, CEASN + "CompetencyFramework"),
        ("Unit", SKOS.closeMatch, CEASN + "Competency"),
        ("LearningOutcome", SKOS.closeMatch, ELM + "LearningOutcome"),
        ("CreditValue", SKOS.closeMatch, ELM + "CreditPoint"),
        ("CreditValue", SKOS.closeMatch, CETERMS + "ValueProfile"),
        ("TransferRule", SKOS.closeMatch, CETERMS + "TransferValueProfile"),
        ("Achievement", SKOS.closeMatch, ELM + "LearningAchievementSpecification"),
        ("Organisation", RDFS.subClassOf, "http://www.w3.org/ns/org#Organization"),
        ("Organisation", RDFS.subClassOf, "http://xmlns.com/foaf/0.1/Organization"),
        ("Organisation", SKOS.closeMatch, CETERMS + "CredentialOrganization"),
        ("Organisation", SKOS.closeMatch, ELM + "Organisation"),
        ("Dimension", RDFS.subClassOf, str(SKOS.Concept)),
        ("OutcomeType", RDFS.subClassOf, str(SKOS.Concept)),
        ("Sector", RDFS.subClassOf, str(SKOS.Concept)),
        ("FieldOfStudy", RDFS.subClassOf, str(SKOS.Concept)),
        ("CreditSystem", RDFS.subClassOf, str(SKOS.Concept)),
        ("OrganisationRole", RDFS.subClassOf, str(SKOS.Concept)),
    ],
)
def test_class_alignment(ont: Graph, cls: str, prop, target: str):
    assert (CB[cls], prop, URIRef(target)) in ont


@pytest.mark.parametrize(
    ("term", "field_zh"),
    [
        ("range", "应用范围"),
        ("level", "级别"),
        ("creditValue", "学分"),
        ("competencyStatement", "能力说明"),
        ("assessmentCriteria", "评价标准"),
        ("remarks", "备注"),
    ],
)
def test_unit_template_fields_name_their_source(ont: Graph, term: str, field_zh: str):
    t = CB[term]
    zh_label = next(o for o in ont.objects(t, RDFS.label) if o.language == "zh")
    assert str(zh_label) == field_zh
    notes = [str(o) for o in ont.objects(t, SKOS.scopeNote)]
    assert any(field_zh in n and "T/GDRTA 004-2020" in n for n in notes), notes
    assert _langs(ont, t, SKOS.scopeNote) == ["en", "zh"]
    sources = {str(o) for o in ont.objects(t, DCTERMS.source)}
    assert "https://jz321.net/tuanti/229090.html" in sources
    assert "https://www.hkqf.gov.hk/en/scs/index.html" in sources


def test_unit_class_lists_all_eight_template_fields(ont: Graph):
    note = next(str(o) for o in ont.objects(CB.Unit, SKOS.scopeNote) if o.language == "zh")
    for field in ("名称", "编号", "应用范围", "级别", "学分", "能力说明", "评价标准", "备注"):
        assert field in note
