"""The ontology is OWL 2 DL: HermiT (through owlready2) loads it and finds it consistent (issue 10, item 7).

Before the fix HermiT refused the ontology outright: ``xsd:date`` (the range of cb:validFrom and
cb:validUntil) is not in the OWL 2 datatype map. The structural checks below catch the same class of
mistake without Java, naming the term.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = ROOT / "ontology" / "gdlecb.ttl"
XSD = "http://www.w3.org/2001/XMLSchema#"

# OWL 2 Structural Specification, section 4 (datatype maps), plus rdf:langString, the RDF 1.1 name of
# language-tagged strings that OWL API and HermiT accept as rdf:PlainLiteral with a language tag.
OWL2_DATATYPES = {
    RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString,
    OWL.real, OWL.rational,
    *(URIRef(XSD + n) for n in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short "
        "byte unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token "
        "language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp").split()),
}
RESERVED_PREFIXES = (str(RDF), str(RDFS), str(OWL), XSD)
# reserved-vocabulary IRIs OWL 2 DL allows as classes
ALLOWED_RESERVED_CLASSES = {OWL.Thing, OWL.Nothing}


@pytest.fixture(scope="module")
def ont() -> Graph:
    return Graph().parse(ONTOLOGY)


def test_datatype_property_ranges_are_in_the_owl2_datatype_map(ont: Graph):
    bad = [f"{p} rdfs:range {r}" for p in ont.subjects(RDF.type, OWL.DatatypeProperty)
           for r in ont.objects(p, RDFS.range) if r not in OWL2_DATATYPES]
    assert not bad, "datatypes outside the OWL 2 datatype map: " + "; ".join(bad)


def test_no_reserved_vocabulary_used_as_a_class(ont: Graph):
    classes = set(ont.objects(None, RDFS.subClassOf)) | {
        r for p in ont.subjects(RDF.type, OWL.ObjectProperty) for r in ont.objects(p, RDFS.range)
    } | set(ont.objects(None, RDFS.domain))
    bad = sorted(str(c) for c in classes if isinstance(c, URIRef) and str(c).startswith(RESERVED_PREFIXES)
                 and c not in ALLOWED_RESERVED_CLASSES)
    assert not bad, "reserved vocabulary used as a class: " + ", ".join(bad)


def test_hermit_loads_the_ontology_and_finds_it_consistent(tmp_path):
    import owlready2  # test extra; HermiT runs on the Java runtime scripts/setup installs

    assert shutil.which("java"), "HermiT needs a Java runtime: scripts/setup installs default-jre-headless"
    rdfxml = tmp_path / "gdlecb.owl"
    Graph().parse(ONTOLOGY).serialize(rdfxml, format="xml")
    world = owlready2.World()
    onto = world.get_ontology(rdfxml.as_uri()).load()
    with onto:
        # raises OwlReadyJavaError on an unsupported datatype, OwlReadyInconsistentOntologyError if inconsistent
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    assert onto.search_one(iri="https://w3id.org/gdlecb/def/Unit") is not None
