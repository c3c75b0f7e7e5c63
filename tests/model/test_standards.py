"""The shipped industry competency standards, example achievements and transfer rules.

Checks the data in ``vocabularies/standard-*.ttl``, ``achievements.ttl`` and
``transfer-rules.ttl`` against the contract in docs/model.md: the 8-field unit
template, unit codes, levels, credits, the links between standards, areas and
units, and that every IRI they point to is described in the shipped vocabularies.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD

from registry.items import split_items
from registry.namespaces import BASE, CB, GDLEQF, ORG, REG, STANDARD, UNIT, VOCAB

ROOT = Path(__file__).resolve().parents[2]
VOCABULARIES = ROOT / "vocabularies"
STANDARD_FILES = sorted(VOCABULARIES.glob("standard-*.ttl"))
ACHIEVEMENTS = VOCABULARIES / "achievements.ttl"
TRANSFER_RULES = VOCABULARIES / "transfer-rules.ttl"
MY_FILES = [*STANDARD_FILES, ACHIEVEMENTS, TRANSFER_RULES]

UNIT_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}-[A-Z][A-Z0-9]{1,3}-[1-7][0-9]{2}$")
STANDARD_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
AREA_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,3}$")
HKQF_CREDIT = URIRef(VOCAB["credit-system/hkqf-credit"])
GD_CREDIT = URIRef(VOCAB["credit-system/gd-credit"])
ROLE = VOCAB["organisation-role/"]


def _ids(paths):
    return [p.name for p in paths]


@pytest.fixture(scope="module")
def graphs() -> dict[Path, Graph]:
    return {p: Graph().parse(p, format="turtle") for p in MY_FILES}


@pytest.fixture(scope="module")
def shipped() -> Graph:
    """Everything in vocabularies/ (the reference vocabularies plus the files under test)."""
    g = Graph()
    for p in sorted(VOCABULARIES.glob("*.ttl")):
        g.parse(p, format="turtle")
    return g


def units_of(g: Graph) -> list[URIRef]:
    return sorted(g.subjects(RDF.type, CB.Unit))


def one(g: Graph, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, f"{s} needs exactly one {p}, has {values}"
    return values[0]


def texts(g: Graph, s, p, lang: str) -> list[str]:
    return [str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == lang]


def credit(g: Graph, holder) -> tuple[URIRef, Decimal, Decimal | None]:
    cv = one(g, holder, CB.creditValue)
    system = one(g, cv, CB.creditSystem)
    amount = one(g, cv, CB.creditAmount)
    assert amount.datatype == XSD.decimal, f"{holder}: credit amount must be xsd:decimal"
    hours = list(g.objects(cv, CB.notionalHours))
    assert len(hours) <= 1
    return system, Decimal(str(amount)), (Decimal(str(hours[0])) if hours else None)


def level_digit(g_shipped: Graph, level: URIRef) -> str:
    return str(one(g_shipped, level, SKOS.notation))


# -- files ----------------------------------------------------------------------------------------

def test_at_least_three_standard_files():
    assert len(STANDARD_FILES) >= 3, [p.name for p in STANDARD_FILES]


@pytest.mark.parametrize("path", MY_FILES, ids=_ids(MY_FILES))
def test_file_parses_with_both_parsers(path: Path):
    rdflib_count = len(Graph().parse(path, format="turtle"))
    ox_count = sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert rdflib_count == ox_count > 0


@pytest.mark.parametrize("path", STANDARD_FILES, ids=_ids(STANDARD_FILES))
def test_standard_file_splits_into_standard_and_unit_items(path: Path, graphs):
    g = graphs[path]
    items = split_items(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    standard = one_standard(g)
    assert set(items) == {str(standard), *map(str, units_of(g))}
    # functional areas live in the standard's graph, learning outcomes in their unit's graph
    standard_subjects = {t.subject.value for t in items[str(standard)]}
    for area in g.subjects(RDF.type, CB.FunctionalArea):
        assert str(area) in standard_subjects
    for unit in units_of(g):
        unit_subjects = {t.subject.value for t in items[str(unit)]}
        for outcome in g.objects(unit, CB.learningOutcome):
            assert str(outcome) in unit_subjects


@pytest.mark.parametrize("path,cls", [(ACHIEVEMENTS, CB.Achievement), (TRANSFER_RULES, CB.TransferRule)],
                         ids=["achievements", "transfer-rules"])
def test_example_file_splits_into_one_item_per_record(path: Path, cls, graphs):
    items = split_items(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert set(items) == {str(s) for s in graphs[path].subjects(RDF.type, cls)}
    assert len(items) >= 3


# -- standards and functional areas ---------------------------------------------------------------

def one_standard(g: Graph) -> URIRef:
    standards = list(g.subjects(RDF.type, CB.CompetencyStandard))
    assert len(standards) == 1, f"one standard per file, found {standards}"
    return standards[0]


@pytest.mark.parametrize("path", STANDARD_FILES, ids=_ids(STANDARD_FILES))
def test_standard_metadata(path: Path, graphs):
    g = graphs[path]
    std = one_standard(g)
    code = str(one(g, std, SKOS.notation))
    assert STANDARD_CODE.match(code)
    assert std == URIRef(STANDARD[code])
    assert len(texts(g, std, SKOS.prefLabel, "zh")) == 1 and len(texts(g, std, SKOS.prefLabel, "en")) == 1
    assert len(texts(g, std, DCTERMS.description, "zh")) == 1 and texts(g, std, DCTERMS.description, "en")
    assert one(g, std, CB.framework) == URIRef(GDLEQF)
    assert list(g.objects(std, CB.sector)) and list(g.objects(std, CB.fieldOfStudy))
    assert list(g.objects(std, CB.developer)) and list(g.objects(std, CB.applicableOutcomeType))
    assert one(g, std, DCTERMS.issued).datatype == XSD.date
    assert one(g, std, REG.status) == REG.statusStable
    assert one(g, std, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))


@pytest.mark.parametrize("path", STANDARD_FILES, ids=_ids(STANDARD_FILES))
def test_standard_size_areas_units_and_levels(path: Path, graphs, shipped):
    g = graphs[path]
    std = one_standard(g)
    areas = list(g.subjects(CB.standard, std))
    assert len(areas) >= 2
    units = units_of(g)
    assert len(units) >= 8
    levels = {level_digit(shipped, one(g, u, CB.level)) for u in units}
    assert len(levels) >= 3, levels
    # every area is used by at least one unit
    used = {one(g, u, CB.functionalArea) for u in units}
    assert used == set(areas)


@pytest.mark.parametrize("path", STANDARD_FILES, ids=_ids(STANDARD_FILES))
def test_functional_areas(path: Path, graphs):
    g = graphs[path]
    std = one_standard(g)
    std_code = str(one(g, std, SKOS.notation))
    orders = []
    for area in g.subjects(RDF.type, CB.FunctionalArea):
        assert one(g, area, CB.standard) == std
        code = str(one(g, area, SKOS.notation))
        assert AREA_CODE.match(code)
        assert area == URIRef(f"{STANDARD[std_code]}/area/{code}")
        assert len(texts(g, area, SKOS.prefLabel, "zh")) == 1 and texts(g, area, SKOS.prefLabel, "en")
        orders.extend(int(o) for o in g.objects(area, CB.order))
    assert len(orders) == len(set(orders)), "functional area order numbers repeat"


# -- units ----------------------------------------------------------------------------------------

def all_units(graphs) -> list[tuple[Graph, URIRef]]:
    return [(graphs[p], u) for p in STANDARD_FILES for u in units_of(graphs[p])]


def test_every_unit_has_the_template_fields(graphs):
    missing = []
    for g, u in all_units(graphs):
        for prop in (SKOS.prefLabel, CB.range, CB.competencyStatement, CB.assessmentCriteria):
            if len(texts(g, u, prop, "zh")) < 1 or len(texts(g, u, prop, "en")) < 1:
                missing.append((str(u), str(prop)))
        for prop in (SKOS.prefLabel, CB.range, CB.competencyStatement):
            if len(texts(g, u, prop, "zh")) != 1:
                missing.append((str(u), f"exactly one @zh {prop}"))
        for prop in (SKOS.notation, CB.level, CB.creditValue, CB.functionalArea, REG.status, DCTERMS.issued):
            if len(list(g.objects(u, prop))) != 1:
                missing.append((str(u), str(prop)))
        # remarks are optional, but when given they come in both languages
        if len(texts(g, u, CB.remarks, "zh")) != len(texts(g, u, CB.remarks, "en")):
            missing.append((str(u), "remarks in zh and en"))
    assert not missing, missing


def numbered_pairs(g: Graph, s, p) -> int:
    """Multi-valued texts (criteria, conditions) are one literal per item, numbered "1. ", "2. " …
    the same way in zh and en, so that readers can pair the translations and keep their order
    (RDF keeps no order). Returns the number of items."""
    zh, en = texts(g, s, p, "zh"), texts(g, s, p, "en")
    numbers = lambda xs: sorted((x.split(". ", 1)[0] for x in xs), key=lambda n: (len(n), n))  # noqa: E731
    expected = [str(i) for i in range(1, len(zh) + 1)]
    assert numbers(zh) == numbers(en) == expected, f"{s} {p}: {numbers(zh)} / {numbers(en)}"
    return len(zh)


def test_assessment_criteria_pair_up_in_both_languages(graphs):
    for g, u in all_units(graphs):
        assert numbered_pairs(g, u, CB.assessmentCriteria) >= 2, u


def test_unit_codes_match_pattern_iri_area_and_level(graphs, shipped):
    for path in STANDARD_FILES:
        g = graphs[path]
        std_code = str(one(g, one_standard(g), SKOS.notation))
        for u in units_of(g):
            code = str(one(g, u, SKOS.notation))
            assert UNIT_CODE.match(code), code
            assert u == URIRef(UNIT[code])
            std_part, area_part, serial = code.split("-")
            assert std_part == std_code, code
            area = one(g, u, CB.functionalArea)
            assert str(one(g, area, SKOS.notation)) == area_part, code
            assert serial[0] == level_digit(shipped, one(g, u, CB.level)), f"{code}: level digit"


def test_unit_codes_are_unique_across_files(graphs):
    codes = Counter(str(one(g, u, SKOS.notation)) for g, u in all_units(graphs))
    assert [c for c, n in codes.items() if n > 1] == []


def test_unit_area_belongs_to_the_standard_in_the_same_file(graphs):
    for path in STANDARD_FILES:
        g = graphs[path]
        std = one_standard(g)
        for u in units_of(g):
            area = one(g, u, CB.functionalArea)
            assert (area, RDF.type, CB.FunctionalArea) in g, f"{u}: area {area} not described in {path.name}"
            assert one(g, area, CB.standard) == std


def test_unit_levels_are_gdleqf_levels(graphs, shipped):
    for g, u in all_units(graphs):
        level = one(g, u, CB.level)
        assert (level, SKOS.inScheme, URIRef(GDLEQF)) in shipped, level


def test_learning_outcomes(graphs, shipped):
    dimensions = set(shipped.subjects(SKOS.inScheme, URIRef(VOCAB["dimension"])))
    assert dimensions, "the dimension vocabulary is not shipped"
    for g, u in all_units(graphs):
        outcomes = sorted(g.objects(u, CB.learningOutcome))
        assert 1 <= len(outcomes) <= 4, u
        assert outcomes == [URIRef(f"{u}/outcome/{n}") for n in range(1, len(outcomes) + 1)]
        for o in outcomes:
            assert (o, RDF.type, CB.LearningOutcome) in g
            assert len(texts(g, o, SKOS.prefLabel, "zh")) == 1 and len(texts(g, o, SKOS.prefLabel, "en")) == 1
            dims = list(g.objects(o, CB.dimension))
            assert len(dims) <= 1 and set(dims) <= dimensions, o


# -- credit ---------------------------------------------------------------------------------------

def credit_holders(graphs) -> list[tuple[Graph, URIRef]]:
    out = all_units(graphs)
    out += [(graphs[ACHIEVEMENTS], a) for a in graphs[ACHIEVEMENTS].subjects(CB.creditValue, None)]
    out += [(graphs[TRANSFER_RULES], r) for r in graphs[TRANSFER_RULES].subjects(RDF.type, CB.TransferRule)]
    return out


def test_credits_are_positive_and_hkqf_hours_are_ten_per_credit(graphs):
    systems = Counter()
    for g, holder in credit_holders(graphs):
        system, amount, hours = credit(g, holder)
        systems[system] += 1
        assert amount > 0, holder
        if hours is not None:
            assert hours >= 0, holder
        if system == HKQF_CREDIT:
            assert hours == 10 * amount, f"{holder}: HKQF credit is 10 notional hours per credit"
    assert systems[GD_CREDIT] > systems[HKQF_CREDIT] > 0


def test_units_state_hours_only_where_the_credit_system_fixes_them(graphs):
    for g, u in all_units(graphs):
        system, amount, hours = credit(g, u)
        assert Decimal(1) <= amount <= Decimal(6), u
        if system == GD_CREDIT:
            # the GD hours-per-credit rule is unpublished (shared/domain.md §1.2): assume no value
            assert hours is None, f"{u}: GD-credit units state no notional hours (the rule is unknown)"
        else:
            assert hours is not None and hours > 0, u


# -- achievements and transfer rules --------------------------------------------------------------

def test_achievements(graphs, shipped):
    g = graphs[ACHIEVEMENTS]
    achievements = list(g.subjects(RDF.type, CB.Achievement))
    assert len(achievements) >= 25  # the certificate database (issue 11)
    outcome_types = set()
    for a in achievements:
        assert str(a).startswith(BASE + "achievement/")
        assert len(texts(g, a, SKOS.prefLabel, "zh")) == 1 and texts(g, a, SKOS.prefLabel, "en")
        outcome_types.add(one(g, a, CB.outcomeType))
        assert len(list(g.objects(a, CB.awardingBody))) <= 1
        assert len(list(g.objects(a, CB.level))) <= 1
        assert one(g, a, REG.status) in (REG.statusExperimental, REG.statusStable)
        assert texts(g, a, SKOS.editorialNote, "zh") and texts(g, a, SKOS.editorialNote, "en"), f"{a}: mark as illustrative"
    assert len(outcome_types) >= 6, "the certificate database covers different kinds of achievement"


def test_transfer_rules(graphs):
    rules_g, ach_g = graphs[TRANSFER_RULES], graphs[ACHIEVEMENTS]
    unit_credit = {u: credit(g, u) for g, u in all_units(graphs)}
    rules = list(rules_g.subjects(RDF.type, CB.TransferRule))
    assert 3 <= len(rules) <= 5
    for r in rules:
        assert str(r).startswith(BASE + "transfer-rule/")
        assert len(texts(rules_g, r, SKOS.prefLabel, "zh")) == 1 and texts(rules_g, r, SKOS.prefLabel, "en")
        assert (one(rules_g, r, CB.fromAchievement), RDF.type, CB.Achievement) in ach_g
        targets = list(rules_g.objects(r, CB.toUnit))
        assert targets and all(t in unit_credit for t in targets), r
        # the rule grants the credit of its target units, in their credit system
        system, amount, _ = credit(rules_g, r)
        assert {unit_credit[t][0] for t in targets} == {system}, r
        assert amount == sum(unit_credit[t][1] for t in targets), r
        assert numbered_pairs(rules_g, r, CB.conditions) >= 1, r
        valid_from = one(rules_g, r, CB.validFrom)
        assert valid_from.datatype == XSD.date
        for until in rules_g.objects(r, CB.validUntil):
            assert until.datatype == XSD.date and until.toPython() >= valid_from.toPython(), r
        assert one(rules_g, r, CB.recognitionBody) == URIRef(ORG["gdlecb-centre"])
        assert texts(rules_g, r, SKOS.editorialNote, "zh") and texts(rules_g, r, SKOS.editorialNote, "en")


# -- references into the shipped vocabularies ------------------------------------------------------

# property → (the scheme its value must be in) or (the organisation role its value must have)
IN_SCHEME = {
    CB.level: URIRef(GDLEQF),
    CB.sector: URIRef(VOCAB["sector"]),
    CB.fieldOfStudy: URIRef(VOCAB["isced-f"]),
    CB.applicableOutcomeType: URIRef(VOCAB["outcome-type"]),
    CB.outcomeType: URIRef(VOCAB["outcome-type"]),
    CB.creditSystem: URIRef(VOCAB["credit-system"]),
    CB.dimension: URIRef(VOCAB["dimension"]),
}
ORG_ROLE = {
    CB.developer: URIRef(ROLE + "developer"),
    CB.awardingBody: URIRef(ROLE + "awarding-body"),
    CB.recognitionBody: URIRef(ROLE + "recognition-body"),
}


def test_referenced_concepts_are_in_the_right_shipped_scheme(graphs, shipped):
    wrong = []
    for g in graphs.values():
        for prop, scheme in IN_SCHEME.items():
            for value in set(g.objects(None, prop)):
                if (value, SKOS.inScheme, scheme) not in shipped:
                    wrong.append((str(prop), str(value)))
    assert not wrong, wrong


def test_referenced_organisations_exist_with_the_matching_role(graphs, shipped):
    wrong = []
    for g in graphs.values():
        for prop, role in ORG_ROLE.items():
            for value in set(g.objects(None, prop)):
                if (value, RDF.type, CB.Organisation) not in shipped or (value, CB.organisationRole, role) not in shipped:
                    wrong.append((str(prop), str(value)))
    assert not wrong, wrong


def test_framework_is_the_shipped_gdleqf(graphs, shipped):
    for path in STANDARD_FILES:
        fw = one(graphs[path], one_standard(graphs[path]), CB.framework)
        assert (fw, RDF.type, CB.QualificationsFramework) in shipped


# -- SHACL -----------------------------------------------------------------------------------------

def test_files_conform_to_the_shapes_without_warnings():
    from registry.validation.validator import default_validator

    sources = {str(p): [q.triple for q in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE)] for p in MY_FILES}
    report = default_validator().validate(sources)
    assert report.conforms, report.to_text("en")
    assert report.results == [], report.to_text("en")
