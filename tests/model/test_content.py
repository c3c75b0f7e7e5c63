"""The certificate database, occupations, skill levels, finer fields and corrections of issue 11.

Each test reads the shipped Turtle files and fails if the data regresses to what the issue describes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from registry.namespaces import BASE, CB, VOCAB

ROOT = Path(__file__).resolve().parents[2]
VOCABULARIES = ROOT / "vocabularies"
GD_CREDIT = URIRef(VOCAB["credit-system/gd-credit"])
HE_CREDIT = URIRef(VOCAB["credit-system/cn-he-course-credit"])
OCC = str(VOCAB["occupation/"])
ISCO = "http://data.europa.eu/esco/isco/C"


@pytest.fixture(scope="module")
def g() -> Graph:
    graph = Graph()
    for p in sorted(VOCABULARIES.glob("*.ttl")):
        graph.parse(p, format="turtle")
    graph.parse(ROOT / "ontology" / "gdlecb.ttl", format="turtle")
    return graph


def _text(g, s, p, lang):
    return " ".join(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == lang)


# ---------------------------------------------------------------- certificate database

def test_certificate_database_size_and_types(g):
    achievements = set(g.subjects(RDF.type, CB.Achievement))
    assert len(achievements) >= 25
    types = {g.value(a, CB.outcomeType) for a in achievements}
    assert len(types) >= 6
    codes = {str(t).rsplit("/", 1)[1] for t in types}
    assert {"examination-certificate", "skill-level-certificate", "vocational-qualification", "degree-education",
            "competition-award", "work-performance", "industry-certification"} <= codes


def test_every_achievement_states_validity_verification_and_sources(g):
    for a in g.subjects(RDF.type, CB.Achievement):
        validity = list(g.objects(a, CB.validityMonths))
        forever = list(g.objects(a, CB.doesNotExpire))
        assert not (validity and forever), a
        for v in validity:
            assert v.datatype in (XSD.integer, XSD.positiveInteger) and int(v) > 0, a
        note = _text(g, a, SKOS.editorialNote, "en")
        if not (validity or forever):  # unknown validity must be said so
            assert "validity" in note.lower() or "verified" in note, a
        for url in g.objects(a, CB.verificationService):
            assert re.match(r"^https?://", str(url)), a
        if not list(g.objects(a, CB.verificationService)):
            assert "verification" in note.lower(), f"{a}: no verification route and no note saying why"
        assert _text(g, a, SKOS.editorialNote, "zh") and note, a


def test_awarding_bodies_are_registered_organisations(g):
    for a, body in g.subject_objects(CB.awardingBody):
        assert (body, RDF.type, CB.Organisation) in g, (a, body)


def test_skill_levels_are_two_separate_code_lists(g):
    nsl = URIRef(VOCAB["national-skill-level"])
    x1 = URIRef(VOCAB["skill-level-1x"])
    national = set(g.subjects(SKOS.inScheme, nsl))
    onex = set(g.subjects(SKOS.inScheme, x1))
    assert {str(g.value(c, SKOS.notation)) for c in national} == {"1", "2", "3", "4", "5"}
    assert {str(g.value(c, SKOS.prefLabel)) for c in onex} >= {"初级", "中级", "高级"} or \
        {_text(g, c, SKOS.prefLabel, "zh") for c in onex} == {"初级", "中级", "高级"}
    assert not national & onex
    assert "最高" in _text(g, URIRef(VOCAB["national-skill-level/1"]), SKOS.definition, "zh")
    for c in national | onex:
        assert (c, RDF.type, CB.SkillLevel) in g
    # a skill level certificate names its level from the list matching its system
    for a, lv in g.subject_objects(CB.skillLevel):
        assert (a, CB.outcomeType, URIRef(VOCAB["outcome-type/skill-level-certificate"])) in g, a
        if str(a).split("/")[-1].startswith("1x-"):
            assert lv in onex, a
        else:
            assert lv in national, a


def test_outcome_type_definitions_follow_current_policy(g):
    vq = URIRef(VOCAB["outcome-type/vocational-qualification"])
    slc = URIRef(VOCAB["outcome-type/skill-level-certificate"])
    assert "2021" in _text(g, vq, SKOS.definition, "zh") and "72" in _text(g, vq, SKOS.definition, "zh")
    assert "1+X" in _text(g, slc, SKOS.definition, "zh") and "五级" in _text(g, slc, SKOS.definition, "zh")
    for c in (vq, slc):
        assert all(str(s).startswith(("http://", "https://")) for s in g.objects(c, DCTERMS.source)), c
        assert list(g.objects(c, DCTERMS.source)), c


# ---------------------------------------------------------------- occupations

def test_occupation_code_list(g):
    scheme = URIRef(VOCAB["occupation"])
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    majors = {c for c in concepts if len(str(g.value(c, SKOS.notation))) == 1}
    assert {str(g.value(c, SKOS.notation)) for c in majors} == {str(n) for n in range(1, 9)}
    for c in concepts - majors:
        code = str(g.value(c, SKOS.notation))
        assert re.fullmatch(r"[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}", code), c
        assert str(c) == OCC + code
        assert g.value(c, SKOS.broader) == URIRef(OCC + code[0]), c
        assert list(g.objects(c, DCTERMS.source)), c
        for p in (SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch):
            for o in g.objects(c, p):
                assert str(o).startswith(ISCO), (c, o)
    assert any(str(o).startswith(ISCO) for c in concepts for o in g.objects(c, SKOS.closeMatch))


def test_every_referenced_occupation_is_in_the_code_list(g):
    used = set(g.objects(None, CB.occupation))
    assert len(used) >= 5
    for o in used:
        assert (o, SKOS.inScheme, URIRef(VOCAB["occupation"])) in g, o
    holders = {s for s in g.subjects(CB.occupation, None)}
    assert any((h, RDF.type, CB.Unit) in g for h in holders)
    assert any((h, RDF.type, CB.CompetencyStandard) in g for h in holders)
    assert any((h, RDF.type, CB.Achievement) in g for h in holders)


# ---------------------------------------------------------------- fields and credit

def test_isced_detailed_fields_for_our_content(g):
    for code in ("0613", "0716", "0921", "1013"):
        c = URIRef(VOCAB["isced-f/" + code])
        assert g.value(c, SKOS.exactMatch) == URIRef("http://data.europa.eu/snb/isced-f/" + code)
    for s, f in g.subject_objects(CB.fieldOfStudy):
        assert (f, RDF.type, CB.FieldOfStudy) in g, (s, f)


def test_higher_education_course_credit(g):
    low, high = g.value(HE_CREDIT, CB.minHoursPerCredit), g.value(HE_CREDIT, CB.maxHoursPerCredit)
    assert low is not None and high is not None and low.toPython() <= high.toPython()
    assert list(g.objects(HE_CREDIT, DCTERMS.source))
    assert (URIRef(VOCAB["credit-system"]), SKOS.hasTopConcept, HE_CREDIT) in g


# ---------------------------------------------------------------- corrections

def test_gd_credit_achievements_state_no_notional_hours(g):
    """Issue 11, correction 1: GD credit has no published hours rule; college courses use course credit."""
    for a in g.subjects(RDF.type, CB.Achievement):
        for cv in g.objects(a, CB.creditValue):
            if g.value(cv, CB.creditSystem) == GD_CREDIT:
                assert g.value(cv, CB.notionalHours) is None, a
    course = URIRef(BASE + "achievement/gzpyp-python-data-analysis")
    assert g.value(g.value(course, CB.creditValue), CB.creditSystem) == HE_CREDIT


def test_standard_headers_do_not_claim_hours_for_gd_credit():
    for p in VOCABULARIES.glob("standard-*.ttl"):
        header = "".join(line for line in p.read_text(encoding="utf-8").splitlines(True) if line.startswith("#"))
        assert "gd-credit with stated notional hours" not in header, p.name


def test_auto_mr_101_is_not_daily_or_first_level_maintenance(g):
    u = URIRef(BASE + "unit/AUTO-MR-101")
    labels = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in g.objects(u, p)}
    assert "一级维护" not in labels
    assert not any("日常维护" in x for x in labels)


def test_auto_ins_601_english_says_qualification_approval(g):
    u = URIRef(BASE + "unit/AUTO-INS-601")
    en = " ".join(str(o) for _, _, o in g.triples((u, None, None)) if isinstance(o, Literal) and o.language == "en")
    assert "qualification approval" in en
    assert "accreditation (CMA)" not in en and "accreditation requirements" not in en


def test_gd_level_1_has_no_close_match_and_says_why(g):
    lv1 = URIRef(BASE + "framework/gdleqf/level/1")
    assert not list(g.objects(lv1, SKOS.closeMatch)) and not list(g.objects(lv1, SKOS.exactMatch))
    assert "HKQF" in _text(g, lv1, SKOS.editorialNote, "en")
    m = URIRef(BASE + "framework/gdleqf/mapping/eqf-1-2")
    assert g.value(m, CB.mappingRelation) == SKOS.relatedMatch


def test_translated_wording_is_gone(g):
    texts = " ".join(str(o) for o in g.objects() if isinstance(o, Literal) and o.language == "zh")
    for bad in ("基础性一般知识", "表现出高度的权威", "自然科学、数学与统计"):
        assert bad not in texts, bad


def test_quality_bureau_records_its_successor(g):
    old, new = URIRef(BASE + "org/gdqts"), URIRef(BASE + "org/gdamr")
    assert g.value(old, DCTERMS.isReplacedBy) == new
    assert (new, RDF.type, CB.Organisation) in g and "2018" in _text(g, new, SKOS.note, "zh")


def test_sector_list_states_the_isic_relation():
    header = (VOCABULARIES / "sectors-gbt4754.ttl").read_text(encoding="utf-8").split("@prefix", 1)[0]
    assert "mirror ISIC" not in header
    assert "NEQ" in header


def test_credits_per_sector_example_groups_by_credit_system():
    """Issue 11: the example query must not add credits of different systems or count a unit twice."""
    from registry.sparql.examples import EXAMPLES  # noqa: PLC0415

    ex = next(e for e in EXAMPLES if e["id"] == "credits-per-sector")
    store = ox.Store()
    store.load(path=str(VOCABULARIES / "standard-auto.ttl"), format=ox.RdfFormat.TURTLE)
    rows = list(store.query(ex["query"]))
    systems = {(r["sector"].value, r["creditSystem"].value) for r in rows}
    assert len(systems) == len(rows)  # one row per sector and system
    assert {s for _, s in systems} >= {str(GD_CREDIT), str(VOCAB["credit-system/hkqf-credit"])}
    units = {u.value for u, in store.query(
        "PREFIX cb: <https://w3id.org/gdlecb/def/> SELECT ?u WHERE { ?u a cb:Unit }")}
    per_sector = {}
    for r in rows:
        per_sector[r["sector"].value] = per_sector.get(r["sector"].value, 0) + int(r["units"].value)
    assert all(n == len(units) for n in per_sector.values()), per_sector
