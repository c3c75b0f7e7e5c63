"""The certificate database (issue 11) and the transfer content (issue 9) as one coherent whole.

Both issues shipped achievements; achievements-transfer.ttl redefined ach:1x-elderly-care-junior (a second
code and level on the same IRI), kept college course credit as GD credit, and achievements.ttl still said
the dim sum training had no transfer rule after TR-2025-018 was added. These tests hold the reconciliation.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from registry.namespaces import BASE, CB, VOCAB

ROOT = Path(__file__).resolve().parents[2]
VOCABULARIES = ROOT / "vocabularies"
GD_CREDIT = URIRef(VOCAB["credit-system/gd-credit"])
HE_CREDIT = URIRef(VOCAB["credit-system/cn-he-course-credit"])
ITEM_CLASSES = (CB.Achievement, CB.Organisation, CB.TransferRule, CB.Qualification, CB.CreditConversion,
                CB.Unit, CB.CompetencyStandard)


def _files() -> dict[str, Graph]:
    out = {}
    for p in sorted(VOCABULARIES.glob("*.ttl")):
        g = Graph()
        g.parse(p, format="turtle")
        out[p.name] = g
    return out


def _all(files: dict[str, Graph]) -> Graph:
    g = Graph()
    for part in files.values():
        g += part
    return g


def test_every_item_is_described_in_one_file_only():
    files = _files()
    where = defaultdict(set)
    for name, g in files.items():
        for cls in ITEM_CLASSES:
            for s in g.subjects(RDF.type, cls):
                where[s].add(name)
    twice = {str(s): sorted(n) for s, n in where.items() if len(n) > 1}
    assert not twice, twice


def test_all_achievements_live_in_the_certificate_database():
    files = _files()
    holders = {name for name, g in files.items() if set(g.subjects(RDF.type, CB.Achievement))}
    assert holders == {"achievements.ttl"}


def test_every_item_has_one_code():
    g = _all(_files())
    for cls in ITEM_CLASSES:
        for s in g.subjects(RDF.type, cls):
            assert len(set(g.objects(s, SKOS.notation))) == 1, s


def test_every_transfer_source_is_a_registered_achievement_or_unit():
    g = _all(_files())
    for r in g.subjects(RDF.type, CB.TransferRule):
        for a in g.objects(r, CB.fromAchievement):
            assert (a, RDF.type, CB.Achievement) in g, (r, a)
        for u in g.objects(r, CB.fromUnit):
            assert (u, RDF.type, CB.Unit) in g, (r, u)


def test_college_courses_state_course_credit_not_gd_credit():
    """Issue 11, correction 1, applied to the course achievements of issue 9 too."""
    g = _all(_files())
    degree = URIRef(VOCAB["outcome-type/degree-education"])
    courses = [a for a in g.subjects(CB.outcomeType, degree) if list(g.objects(a, CB.creditValue))]
    assert len(courses) >= 4
    for a in courses:
        for cv in g.objects(a, CB.creditValue):
            assert g.value(cv, CB.creditSystem) == HE_CREDIT, a


def test_no_note_claims_a_missing_transfer_rule_that_exists():
    g = _all(_files())
    for a in g.subjects(RDF.type, CB.Achievement):
        en = " ".join(str(o) for o in g.objects(a, SKOS.editorialNote) if isinstance(o, Literal) and o.language == "en")
        if "no transfer rule" in en.lower():
            assert not list(g.subjects(CB.fromAchievement, a)), a
    dim_sum = URIRef(BASE + "achievement/cantonese-dim-sum-training")
    assert list(g.subjects(CB.fromAchievement, dim_sum))


def test_course_credit_conversions_are_sourced_and_never_touch_gd_credit():
    g = _all(_files())
    he = []
    for c in g.subjects(RDF.type, CB.CreditConversion):
        ends = {g.value(c, CB.fromCreditSystem), g.value(c, CB.toCreditSystem)}
        assert GD_CREDIT not in ends, c
        if HE_CREDIT in ends:
            he.append(c)
            assert str(g.value(c, CB.conversionStatus)) in {"official", "indicative"}, c
            assert list(g.objects(c, URIRef("http://purl.org/dc/terms/source"))), c
    for c in he:
        assert str(g.value(c, CB.conversionStatus)) == "indicative", c  # no official conversion was found
