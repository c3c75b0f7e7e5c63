"""JSON-LD forms (issue 10, item 2) and the CTDL JSON-LD document, checked offline.

Each form (JSON-LD 1.1 profiles #expanded, #compacted, #flattened), with the context inline or
referenced by URL, must give back the same triples as the item's Turtle (rdflib isomorphism). The
document loader serves only the contexts we hand it, so any attempt to fetch the network fails.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from pyld.jsonld import JsonLdError
from rdflib.compare import isomorphic

from registry import profiles
from registry.profiles import ctdl, jsonld

from .conftest import item_triples

ITEMS = [
    "https://w3id.org/gdlecb/unit/ICT-SD-301",           # blank-node credit value, language-tagged texts
    "https://w3id.org/gdlecb/framework/gdleqf",          # rdf:List (ordered collection), many subjects
    "https://w3id.org/gdlecb/qualification/gzpyp-software-technology",  # nested blank-node requirements
    "https://w3id.org/gdlecb/transfer-rule/1x-web-frontend-intermediate-to-ict-sd-301",  # xsd:date
]
CONTEXT_URL = "http://127.0.0.1:8000/context.jsonld"


def turtle_graph(triples) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.TURTLE).decode(), format="turtle")


def jsonld_graph(doc, contexts=None) -> rdflib.Graph:
    return turtle_graph(jsonld.to_triples(doc, contexts=contexts))


@pytest.mark.parametrize("iri", ITEMS)
@pytest.mark.parametrize("form", jsonld.FORMS)
def test_each_form_round_trips_to_the_turtle_triples(registry_store, iri, form):
    triples = item_triples(registry_store, iri)
    doc = jsonld.document(triples, form)
    text = jsonld.dumps(doc)
    again = json.loads(text)
    assert isomorphic(jsonld_graph(again), turtle_graph(triples))
    if form == jsonld.EXPANDED:
        assert isinstance(doc, list) and "@context" not in text.decode()
    else:
        assert doc["@context"] == jsonld.REGISTRY_CONTEXT
    if form == jsonld.FLATTENED:
        assert isinstance(doc["@graph"], list)
        assert all(not any(isinstance(v, dict) and len(v) > 1 and "@id" in v for v in node.values() if isinstance(v, dict))
                   for node in doc["@graph"])  # no nested node objects: every node at top level


@pytest.mark.parametrize("form", [jsonld.COMPACTED, jsonld.FLATTENED])
def test_context_served_from_a_url_round_trips_offline(registry_store, form):
    triples = item_triples(registry_store, ITEMS[0])
    doc = jsonld.document(triples, form, context_url=CONTEXT_URL)
    assert doc["@context"] == CONTEXT_URL
    served = {CONTEXT_URL: {"@context": jsonld.REGISTRY_CONTEXT}}
    assert isomorphic(jsonld_graph(doc, served), turtle_graph(triples))
    with pytest.raises(JsonLdError):
        jsonld.to_triples(doc)  # no local copy: the loader refuses rather than going to the network
    with pytest.raises(JsonLdError, match="not fetched"):
        jsonld.offline_loader({})(CONTEXT_URL)


def test_unknown_form_is_refused():
    with pytest.raises(jsonld.FormError):
        jsonld.document([], "http://www.w3.org/ns/json-ld#framed")


def test_ctdl_document_parses_offline_with_ctdl_types(registry_store):
    iris = {"https://w3id.org/gdlecb/standard/ICT": "https://purl.org/ctdlasn/terms/CompetencyFramework",
            "https://w3id.org/gdlecb/unit/ICT-SD-301": "https://purl.org/ctdlasn/terms/Competency",
            "https://w3id.org/gdlecb/org/gdou": "https://purl.org/ctdl/terms/CredentialOrganization",
            "https://w3id.org/gdlecb/transfer-rule/1x-web-frontend-intermediate-to-ict-sd-301":
                "https://purl.org/ctdl/terms/TransferValueProfile"}
    for iri, cls in iris.items():
        g = item_triples(registry_store, iri)
        ref = profiles.reference_triples(registry_store, g)
        doc = ctdl.ctdl_jsonld(g, ref)
        assert doc["@context"] == "https://credreg.net/ctdl/schema/context/json"
        text = json.dumps(doc, ensure_ascii=False)
        assert '"ceterms:' in text or '"ceasn:' in text  # CTDL's own prefixed property names
        back = jsonld_graph(doc, {ctdl.CTDL_CONTEXT_URL: ctdl.LOCAL_CONTEXT})
        assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef(cls)) in back
        # the document says exactly what the ctdl view says
        assert isomorphic(back, turtle_graph(profiles.view("ctdl", g, reference=ref)))


def test_ctdl_text_uses_language_maps(registry_store):
    g = item_triples(registry_store, "https://w3id.org/gdlecb/unit/ICT-SD-301")
    doc = ctdl.ctdl_jsonld(g, profiles.reference_triples(registry_store, g))
    nodes = doc.get("@graph", [doc])
    unit = next(n for n in nodes if n.get("@id") == "https://w3id.org/gdlecb/unit/ICT-SD-301")
    assert unit["ceasn:competencyLabel"] == {"zh": "开发 Web 前端界面", "en": "Develop web front-end interfaces"}


def test_local_ctdl_context_covers_every_ctdl_term_of_the_view():
    used = set()
    for q in profiles.PROFILES["ctdl"].queries:
        construct = q.split("WHERE")[0]
        used |= {w.strip(" ;.,{}") for w in construct.split() if w.startswith(("ceterms:", "ceasn:"))}
    terms = {t for t in used if t.split(":")[1][:1].islower()}  # properties (classes need no entry)
    assert terms <= set(ctdl.LOCAL_CONTEXT["@context"]), terms - set(ctdl.LOCAL_CONTEXT["@context"])
