"""Shipped data used ``xsd:duration`` for validity periods: Virtuoso 7.2 cannot store it.

Found when the issue-11 certificate database was merged: loading the shipped vocabularies into
Virtuoso failed with "SR553: Literal of type xsd:duration can not be created" (the store contract
suite on Virtuoso), and ``xsd:duration`` is also outside the OWL 2 datatype map, so the ontology's
range made it leave OWL 2 DL. Validity is now ``cb:validityMonths`` (an integer). This test keeps
``xsd:duration`` out of the shipped content (the store contract suite on Virtuoso loads it too);
the test's message lists every other datatype outside the OWL 2 datatype map it met.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[2]
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# OWL 2 Structural Specification §4 (the OWL 2 datatype map), https://www.w3.org/TR/owl2-syntax/#Datatype_Maps
OWL2_DATATYPES = {RDF + "PlainLiteral", RDF + "XMLLiteral", RDF + "langString",
                  "http://www.w3.org/2000/01/rdf-schema#Literal", "http://www.w3.org/2002/07/owl#real",
                  "http://www.w3.org/2002/07/owl#rational"} | {XSD + t for t in (
    "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger", "negativeInteger",
    "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    "double", "float", "string", "normalizedString", "token", "language", "Name", "NCName", "NMTOKEN",
    "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime", "dateTimeStamp")}


def test_no_shipped_literal_is_an_xsd_duration():
    outside = set()
    for folder in ("ontology", "vocabularies"):
        for path in sorted((ROOT / folder).glob("*.ttl")):
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                if isinstance(t.object, ox.Literal) and t.object.datatype.value not in OWL2_DATATYPES:
                    outside.add((path.name, t.predicate.value, t.object.datatype.value))
    assert not any(dt == XSD + "duration" for _, _, dt in outside), sorted(outside)[:20]
