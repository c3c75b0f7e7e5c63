"""Namespaces: the one place where the base IRI of everything we mint is configured.

Every IRI the registry mints starts with ``BASE``. It is a w3id.org permanent
identifier (https://w3id.org/): the w3id redirect points at whichever host serves
the registry, so the IRIs in the data never change when the hosting does. The
Turtle files in ``ontology/``, ``shapes/`` and ``vocabularies/`` spell the same
base in their ``@prefix`` lines; ``tests/model/test_iris.py`` checks that every
IRI they mint starts with ``BASE``.

Path pattern under ``BASE`` (see README, "Identifiers"):

=====================================  =========================================
``def/{Term}``                          ontology classes and properties
``shapes/{Shape}``                      SHACL shapes
``framework/{id}``                      qualifications frameworks (level schemes)
``framework/{id}/level/{n}``            framework levels
``framework/{id}/level/{n}/{dimension}``  level descriptors (knowledge/skills/competence)
``framework/{id}/levels``               ordered collection of a framework's levels
``framework/{id}/mapping/{id}``         cross-framework level mappings
``vocab/{scheme}`` / ``vocab/{scheme}/{code}``   code lists and their concepts
``standard/{CODE}``                     industry competency standards
``standard/{CODE}/area/{AREA}``         functional areas of a standard
``unit/{CODE}``                         units (能力单元/学分单元)
``unit/{CODE}/outcome/{n}``             learning outcomes of a unit
``unit/{CODE}/credit``                  the credit value of a unit
``org/{id}``                            organisations
``achievement/{id}``                    recognised learning achievements
``transfer-rule/{id}``                  credit transfer rules
``qualification/{id}``                  qualifications (programmes, vocational qualifications)
``qualification/{id}/component/{code}``  courses/components of a qualification
``credit-conversion/{id}``              published conversions between credit systems
``{item path}/v/{n}``                   immutable versions of an item
=====================================  =========================================
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

BASE = "https://w3id.org/gdlecb/"

CB = Namespace(BASE + "def/")  # our ontology
ONTOLOGY_IRI = BASE + "def"
SHAPES_IRI = BASE + "shapes"
CBS = Namespace(BASE + "shapes/")
FRAMEWORK = Namespace(BASE + "framework/")
VOCAB = Namespace(BASE + "vocab/")
STANDARD = Namespace(BASE + "standard/")
UNIT = Namespace(BASE + "unit/")
ORG = Namespace(BASE + "org/")

GDLEQF = BASE + "framework/gdleqf"  # the 7-level Guangdong framework (level scheme)

REG = Namespace("http://purl.org/linked-data/registry#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
W3ORG = Namespace("http://www.w3.org/ns/org#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CETERMS = Namespace("https://purl.org/ctdl/terms/")
CEASN = Namespace("https://purl.org/ctdlasn/terms/")
ASN = Namespace("http://purl.org/ASN/schema/core/")
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
SCHEMA = Namespace("https://schema.org/")
EQF = Namespace("http://data.europa.eu/snb/eqf/")
ISCEDF = Namespace("http://data.europa.eu/snb/isced-f/")

# Prefixes used in every serialisation we write and in SPARQL examples.
PREFIXES: dict[str, str] = {
    "cb": str(CB),
    "cbs": str(CBS),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "prov": str(PROV),
    "reg": str(REG),
    "adms": str(ADMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "foaf": str(FOAF),
    "org": str(W3ORG),
    "void": str(VOID),
    "ceterms": str(CETERMS),
    "ceasn": str(CEASN),
    "elm": str(ELM),
    "schema": str(SCHEMA),
}


def sparql_prefixes() -> str:
    """The PREFIX block for SPARQL queries we write ourselves."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# Plain-string namespaces and terms, for pyoxigraph terms and SPARQL text (the rdflib objects above
# compare unequal to plain strings, so code on pyoxigraph uses these). Defined here only.
RDF_NS = str(RDF)
RDFS_NS = str(RDFS)
OWL_NS = str(OWL)
XSD_NS = str(XSD)
SKOS_NS = str(SKOS)
SH_NS = str(SH)
DCT_NS = str(DCTERMS)
DCAT_NS = str(DCAT)
PROV_NS = str(PROV)
REG_NS = str(REG)
SD_NS = str(SD)
RDF_TYPE = RDF_NS + "type"
#: ``rdf:type`` as a pyoxigraph term
RDF_TYPE_NODE = ox.NamedNode(RDF_TYPE)


def curie(iri: str, *, bare: bool = False) -> str:
    """``prefix:local`` by the longest namespace of :data:`PREFIXES` with a non-empty local name.

    Otherwise ``<iri>`` (for reports), or the IRI itself when ``bare`` (JSON-LD contexts).
    """
    best = ""
    name = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        return f"{name}:{iri[len(best):]}"
    return iri if bare else f"<{iri}>"
