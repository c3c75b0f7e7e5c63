"""Profile views (issue 10, item 1): the registry of profiles, and the skos, elm, ctdl and cb views.

The ELM view of every shipped unit, standard and qualification must conform to the EU's LOQ SHACL
shapes (../shared/elm/LOQ-constraints.ttl, read-only beside the clone). LOQ ships its
LearningAchievementSpecification shape deactivated; we also validate with it switched on, so the
views of units and standards are checked by that shape too.
"""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import RDF, SKOS, Literal, Namespace, URIRef

from registry import profiles
from registry.errors import Kind, RegistryError

from .conftest import ELM_DIR, ROOT, item_triples, items_of

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
CETERMS = Namespace("https://purl.org/ctdl/terms/")
CEASN = Namespace("https://purl.org/ctdlasn/terms/")
PROF = Namespace("http://www.w3.org/ns/dx/prof/")
DCT = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")
UNIT = "https://w3id.org/gdlecb/unit/ICT-SD-301"


def to_graph(triples) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")


def view_of(store, token, iri) -> rdflib.Graph:
    g = item_triples(store, iri)
    assert g, iri
    return to_graph(profiles.view(token, g, reference=profiles.reference_triples(store, g)))


# ---------------------------------------------------------------------------------------------- registry

def test_profiles_registry_and_unknown_tokens():
    assert list(profiles.PROFILES) == ["cb", "skos", "elm", "ctdl"]
    assert profiles.get("elm") is profiles.get(profiles.PROFILE_BASE + "elm")
    with pytest.raises(RegistryError) as e:
        profiles.get("dcat")
    assert e.value.kind == Kind.NOT_ACCEPTABLE and "dcat" in e.value.zh and "dcat" in e.value.en
    with pytest.raises(RegistryError) as e:
        profiles.get("nope", kind=Kind.BAD_REQUEST)
    assert e.value.kind == Kind.BAD_REQUEST and e.value.details["offered"] == ["cb", "skos", "elm", "ctdl"]


def test_profiles_ttl_describes_the_same_profiles():
    g = rdflib.Graph().parse(ROOT / "vocabularies" / "profiles.ttl")
    described = {str(g.value(p, PROF.hasToken)): p for p in g.subjects(RDF.type, PROF.Profile)}
    assert set(described) == set(profiles.PROFILES)
    for token, p in profiles.PROFILES.items():
        node = described[token]
        assert str(node) == p.iri
        assert {str(m) for m in g.objects(node, DCT["format"])} == set(p.media_types)
        assert {(lab.language, str(lab)) for lab in g.objects(node, SKOS.prefLabel)} == set(p.label.items())
        assert str(g.value(node, PROF.isProfileOf)) == p.profile_of


def test_profiles_ttl_is_accepted_by_the_registry_shapes_and_loader():
    from registry.items import split_items  # noqa: PLC0415
    from registry.validation.validator import default_validator  # noqa: PLC0415

    triples = list(ox.parse(path=str(ROOT / "vocabularies" / "profiles.ttl")))
    assert list(split_items(triples)) == [profiles.PROFILE_SCHEME]  # one item: the profile code list
    report = default_validator().validate({"profiles.ttl": triples})
    assert report.conforms, report.to_text("en")


@pytest.mark.parametrize("change, path", [
    (('    prof:hasToken "elm" ;\n', ''), "hasToken"),
    (('    prof:hasToken "elm" ;\n', '    prof:hasToken "e l m" ;\n'), "hasToken"),
    (('"text/turtle" , "application/ld+json" , "application/rdf+xml" , "application/n-triples" .\n\nprofile:ctdl',
      '"turtle please" .\n\nprofile:ctdl'), "format"),
])
def test_profile_shape_refuses_a_broken_profile(change, path):
    from registry.validation.validator import default_validator  # noqa: PLC0415

    text = (ROOT / "vocabularies" / "profiles.ttl").read_text("utf-8")
    assert change[0] in text
    broken = list(ox.parse(text.replace(change[0], change[1], 1).encode(), format=ox.RdfFormat.TURTLE))
    report = default_validator().validate({"profiles.ttl": broken})
    assert not report.conforms
    assert path in report.to_text("en")


def test_cb_view_is_the_identity(registry_store):
    g = item_triples(registry_store, UNIT)
    assert set(profiles.view("cb", g)) == set(g)


# ---------------------------------------------------------------------------------------------- elm

@pytest.fixture(scope="module")
def loq_shapes() -> tuple[rdflib.Graph, rdflib.Graph]:
    path = ELM_DIR / "LOQ-constraints.ttl"
    assert path.is_file(), f"the EU LOQ shapes are expected at {path} (see ../shared/elm/SOURCE.md)"
    as_published = rdflib.Graph().parse(path)
    activated = rdflib.Graph().parse(path)
    assert (None, SH.deactivated, Literal(True)) in activated
    activated.remove((None, SH.deactivated, None))
    return as_published, activated


@pytest.mark.parametrize("cls", ["Unit", "CompetencyStandard", "Qualification"])
def test_elm_view_of_every_shipped_item_conforms_to_loq(registry_store, loq_shapes, cls):
    iris = items_of(registry_store, cls)
    assert len(iris) >= {"Unit": 50, "CompetencyStandard": 4, "Qualification": 3}[cls]
    failures = []
    for iri in iris:
        data = view_of(registry_store, "elm", iri)
        for shapes in loq_shapes:
            ok, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
            if not ok:
                failures.append(f"{iri}:\n{text[:1500]}")
                break
    assert not failures, "\n".join(failures[:3])


def test_loq_shapes_do_reject_a_broken_view(registry_store, loq_shapes):
    """The conformance test can fail: drop a unit's title and the ELM view no longer conforms."""
    data = view_of(registry_store, "elm", UNIT)
    data.remove((URIRef(UNIT), DCT.title, None))
    ok, _, text = pyshacl.validate(data, shacl_graph=loq_shapes[1], inference="none")
    assert not ok and "title" in text


def test_elm_unit_mapping(registry_store):
    g = view_of(registry_store, "elm", UNIT)
    u = URIRef(UNIT)
    assert (u, RDF.type, ELM.LearningAchievementSpecification) in g
    assert (u, DCT.title, Literal("开发 Web 前端界面", lang="zh")) in g
    # GD level 3 closeMatch EQF 4 (vocabularies/gdleqf.ttl) → the official EQF level IRI, with its label
    eqf4 = URIRef("http://data.europa.eu/snb/eqf/4")
    assert (u, ELM.educationLevel, eqf4) in g and (eqf4, SKOS.prefLabel, Literal("EQF Level 4", lang="en")) in g
    # fields of the ICT standard → official ISCED-F IRIs
    assert (u, ELM.ISCEDFCode, URIRef("http://data.europa.eu/snb/isced-f/0613")) in g
    cp = g.value(u, ELM.creditPoint)
    assert (cp, RDF.type, ELM.CreditPoint) in g and float(str(g.value(cp, ELM.point))) == 4.0
    assert g.value(cp, ELM.framework) == URIRef("https://w3id.org/gdlecb/vocab/credit-system/gd-credit")
    outcomes = set(g.objects(u, ELM.learningOutcome))
    assert len(outcomes) == 3 and all((o, RDF.type, ELM.LearningOutcome) in g for o in outcomes)
    # nothing of the cb: model leaks into the view
    assert not [t for t in g if str(t[1]).startswith("https://w3id.org/gdlecb/def/")]


def test_elm_qualification_levels(registry_store):
    q = URIRef("https://w3id.org/gdlecb/qualification/gzpyp-software-technology")
    g = view_of(registry_store, "elm", str(q))
    assert (q, RDF.type, ELM.Qualification) in g
    assert g.value(q, ELM.NQFLevel) == URIRef("https://w3id.org/gdlecb/framework/gdleqf/level/4")
    assert list(g.objects(q, ELM.EQFLevel)) == [URIRef("http://data.europa.eu/snb/eqf/5")]
    assert (q, ELM.ISCEDFCode, URIRef("http://data.europa.eu/snb/isced-f/0613")) in g


def test_elm_credit_framework_uses_the_eu_iri_where_one_exists():
    cv = ox.BlankNode()
    u = ox.NamedNode("https://w3id.org/gdlecb/unit/X-Y-101")
    cb = "https://w3id.org/gdlecb/def/"
    triples = [ox.Triple(u, ox.NamedNode(str(RDF.type)), ox.NamedNode(cb + "Unit")),
               ox.Triple(u, ox.NamedNode(str(SKOS.prefLabel)), ox.Literal("x", language="en")),
               ox.Triple(u, ox.NamedNode(cb + "creditValue"), cv),
               ox.Triple(cv, ox.NamedNode(cb + "creditSystem"), ox.NamedNode("https://w3id.org/gdlecb/vocab/credit-system/ects")),
               ox.Triple(cv, ox.NamedNode(cb + "creditAmount"), ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")))]
    ref = [ox.Triple(ox.NamedNode("https://w3id.org/gdlecb/vocab/credit-system/ects"), ox.NamedNode(str(SKOS.exactMatch)),
                     ox.NamedNode("http://data.europa.eu/snb/education-credit/6fcec5c5af"))]
    g = to_graph(profiles.view("elm", triples, reference=ref))
    cp = g.value(URIRef(u.value), ELM.creditPoint)
    assert g.value(cp, ELM.framework) == URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")


# ---------------------------------------------------------------------------------------------- skos

def test_skos_view_is_plain_skos_and_dcterms(registry_store):
    g = view_of(registry_store, "skos", "https://w3id.org/gdlecb/standard/ICT")
    std = URIRef("https://w3id.org/gdlecb/standard/ICT")
    assert (std, RDF.type, SKOS.ConceptScheme) in g
    assert len(set(g.objects(std, SKOS.hasTopConcept))) == 3
    allowed = (str(SKOS), str(DCT))
    assert not [p for p in set(g.predicates()) if p != RDF.type and not str(p).startswith(allowed)]
    assert set(g.objects(None, RDF.type)) <= {SKOS.Concept, SKOS.ConceptScheme}

    u = view_of(registry_store, "skos", UNIT)
    assert (URIRef(UNIT), SKOS.broader, URIRef("https://w3id.org/gdlecb/standard/ICT/area/SD")) in u
    assert (URIRef(UNIT), SKOS.inScheme, std) in u
    assert str(u.value(URIRef(UNIT), SKOS.notation)) == "ICT-SD-301"


def test_skos_view_of_a_framework_keeps_mappings_with_external_labels(registry_store):
    g = view_of(registry_store, "skos", "https://w3id.org/gdlecb/framework/gdleqf")
    lvl3 = URIRef("https://w3id.org/gdlecb/framework/gdleqf/level/3")
    eqf4 = URIRef("http://data.europa.eu/snb/eqf/4")
    assert (lvl3, SKOS.closeMatch, eqf4) in g
    assert (eqf4, SKOS.prefLabel, Literal("EQF Level 4", lang="en")) in g  # from vocabularies/eqf.ttl, not a live call
    assert len(set(g.objects(lvl3, SKOS.scopeNote))) >= 3  # the level descriptors


def test_skosify_takes_the_skos_view_as_it_is(registry_store, tmp_path):
    import skosify  # test extra (pyproject.toml)
    for iri in ("https://w3id.org/gdlecb/standard/ICT", "https://w3id.org/gdlecb/framework/gdleqf"):
        g = view_of(registry_store, "skos", iri)
        src = tmp_path / "in.ttl"
        g.serialize(src, format="turtle")
        out = skosify.skosify(str(src), label="x", eliminate_redundancy=False, break_cycles=False,
                              keep_related=True, mark_top_concepts=False, cleanup_properties=False,
                              cleanup_unreachable=False, update_query=None)
        concepts = set(g.subjects(RDF.type, SKOS.Concept))
        # skosify keeps every concept and label and invents no concept scheme of its own
        assert concepts == set(out.subjects(RDF.type, SKOS.Concept))
        assert set(out.subjects(RDF.type, SKOS.ConceptScheme)) == set(g.subjects(RDF.type, SKOS.ConceptScheme))
        assert set(g.triples((None, SKOS.prefLabel, None))) <= set(out.triples((None, SKOS.prefLabel, None)))


# ---------------------------------------------------------------------------------------------- ctdl

def test_ctdl_view_types(registry_store):
    std = view_of(registry_store, "ctdl", "https://w3id.org/gdlecb/standard/ICT")
    assert (URIRef("https://w3id.org/gdlecb/standard/ICT"), RDF.type, CEASN.CompetencyFramework) in std
    u = view_of(registry_store, "ctdl", UNIT)
    assert (URIRef(UNIT), RDF.type, CEASN.Competency) in u
    assert (URIRef(UNIT), CEASN.codedNotation, Literal("ICT-SD-301")) in u
    vp = u.value(URIRef(UNIT), CETERMS.creditValue)
    assert (vp, RDF.type, CETERMS.ValueProfile) in u
    org = view_of(registry_store, "ctdl", "https://w3id.org/gdlecb/org/gdou")
    assert (URIRef("https://w3id.org/gdlecb/org/gdou"), RDF.type, CETERMS.CredentialOrganization) in org
    rule = URIRef("https://w3id.org/gdlecb/transfer-rule/1x-web-frontend-intermediate-to-ict-sd-301")
    r = view_of(registry_store, "ctdl", str(rule))
    assert (rule, RDF.type, CETERMS.TransferValueProfile) in r
    assert (rule, CETERMS.transferValueFor, URIRef(UNIT)) in r


# ---------------------------------------------------------------------------------------------- dumps

@pytest.mark.parametrize("token", ["skos", "elm", "ctdl", "cb"])
def test_view_dump(registry_store, token):
    data = profiles.view_dump(token, registry_store, gzip=True)
    g = rdflib.Graph().parse(data=gzip.decompress(data).decode("utf-8"), format="turtle")
    expected = {"skos": (SKOS.ConceptScheme, URIRef("https://w3id.org/gdlecb/standard/ICT")),
                "elm": (ELM.LearningAchievementSpecification, URIRef(UNIT)),
                "ctdl": (CEASN.Competency, URIRef(UNIT)),
                "cb": (URIRef("https://w3id.org/gdlecb/def/Unit"), URIRef(UNIT))}[token]
    assert (expected[1], RDF.type, expected[0]) in g
    if token == "elm":  # the whole dump has every unit
        assert len(set(g.subjects(RDF.type, ELM.LearningAchievementSpecification))) >= 55
