"""The reference vocabularies (frameworks, code lists, organisations) follow docs/model.md.

Also checks that apply to every shipped Turtle file (including the competency standards written
separately): every ``cb:`` term used is declared in the ontology, every IRI minted under
``registry.namespaces.BASE`` follows a path pattern of ``registry/namespaces.py``, and every
reference to a minted IRI points at something that is described.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, SKOS, XSD

import registry.namespaces as ns
from registry.items import split_items
from registry.namespaces import BASE, CB, REG

ROOT = Path(__file__).resolve().parents[2]
VOCAB = ROOT / "vocabularies"
ONTOLOGY_FILE = ROOT / "ontology" / "gdlecb.ttl"
SHAPES_DIR = ROOT / "shapes"

REFERENCE_FILES = [
    "gdleqf.ttl", "hkqf.ttl", "eqf.ttl", "dimensions.ttl", "outcome-types.ttl", "sectors-gbt4754.ttl",
    "isced-f.ttl", "credit-systems.ttl", "organisation-roles.ttl", "reg-status.ttl", "organisations.ttl",
    "occupations.ttl", "skill-levels.ttl", "skill-levels-1x.ttl",
]
GD = URIRef(ns.GDLEQF)
HK = URIRef(BASE + "framework/hkqf")
EQF_SCHEME = URIRef("http://data.europa.eu/snb/eqf/25831c2")
DIMENSIONS = {URIRef(BASE + f"vocab/dimension/{d}") for d in ("knowledge", "skills", "competence")}
SKOS_MAPPINGS = {SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, SKOS.exactMatch}

# scheme -> the cb: class its concepts must have
CODE_LISTS = {
    "vocab/dimension": CB.Dimension,
    "vocab/outcome-type": CB.OutcomeType,
    "vocab/sector": CB.Sector,
    "vocab/isced-f": CB.FieldOfStudy,
    "vocab/credit-system": CB.CreditSystem,
    "vocab/organisation-role": CB.OrganisationRole,
    "vocab/occupation": CB.Occupation,
    "vocab/national-skill-level": CB.SkillLevel,
    "vocab/skill-level-1x": CB.SkillLevel,
}


def _all_shipped_files() -> list[Path]:
    return sorted(VOCAB.glob("*.ttl")) + [ONTOLOGY_FILE] + sorted(SHAPES_DIR.glob("*.ttl"))


@pytest.fixture(scope="module")
def ref() -> Graph:
    """All reference vocabularies in one graph."""
    g = Graph()
    for name in REFERENCE_FILES:
        g.parse(VOCAB / name, format="turtle")
    return g


@pytest.fixture(scope="module")
def shipped() -> Graph:
    """Everything shipped: ontology, shapes and all vocabularies (also the standards, achievements, …)."""
    g = Graph()
    for f in _all_shipped_files():
        g.parse(f, format="turtle")
    return g


def _langs(g: Graph, s, p) -> list[str]:
    return sorted(o.language or "" for o in g.objects(s, p) if isinstance(o, Literal))


def _zh(g: Graph, s, p=SKOS.prefLabel) -> str:
    return next(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "zh")


# ---------------------------------------------------------------- files

@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_file_parses_and_splits_into_items(name: str):
    triples = [q.triple for q in ox.parse(path=str(VOCAB / name), format=ox.RdfFormat.TURTLE)]
    assert triples
    items = split_items(triples)  # raises ItemSplitError when a subject has no item
    assert sum(len(ts) for ts in items.values()) == len(triples)


@pytest.mark.parametrize("name", [n for n in REFERENCE_FILES if n != "organisations.ttl"])
def test_vocabulary_file_is_one_scheme_item(name: str):
    triples = [q.triple for q in ox.parse(path=str(VOCAB / name), format=ox.RdfFormat.TURTLE)]
    assert len(split_items(triples)) == 1


# ---------------------------------------------------------------- checks over everything shipped

def test_every_cb_term_used_is_declared_in_the_ontology(shipped: Graph):
    ont = Graph().parse(ONTOLOGY_FILE, format="turtle")
    declared = {s for k in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in ont.subjects(RDF.type, k)}
    used = {t for triple in shipped for t in triple if isinstance(t, URIRef) and str(t).startswith(str(CB))}
    assert used, "no cb: terms found at all"
    assert sorted(used - declared) == []


def _path_patterns() -> list[re.Pattern]:
    """Regexes for the path patterns listed in the registry/namespaces.py docstring."""
    patterns = re.findall(r"``([^`]+)``", ns.__doc__ or "")
    templates = [p for p in patterns if "{" in p or p.isidentifier()]
    assert len(templates) >= 10, f"could not read the path patterns from the docstring: {patterns}"
    regexes = []
    for t in templates:
        if t.startswith("{item path}"):
            continue  # versions: handled below by allowing a /v/{n} suffix on every pattern
        rx = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t))
        regexes.append(re.compile(rf"{rx}(/v/[0-9]+)?"))
    # the ontology and shapes graph IRIs themselves (``def``/``shapes`` without a term)
    regexes += [re.compile(r"def"), re.compile(r"shapes")]
    return regexes


def test_path_patterns_cover_known_iris():
    pats = _path_patterns()
    ok = lambda path: any(p.fullmatch(path) for p in pats)  # noqa: E731
    assert ok("framework/gdleqf/level/3/skills")
    assert ok("framework/gdleqf/mapping/eqf-6-7")
    assert ok("unit/ICT-SD-301/v/2")
    assert not ok("framework/gdleqf/level/3/skills/extra")
    assert not ok("levels/3")


def test_every_minted_iri_follows_a_path_pattern(shipped: Graph):
    pats = _path_patterns()
    minted = {str(s) for s in shipped.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)}
    bad = sorted(i for i in minted if not any(p.fullmatch(i[len(BASE):]) for p in pats))
    assert len(minted) > 100
    assert bad == []
    # no IRI spells our base differently (http://, missing slash, other host case …)
    ours = {str(t) for triple in shipped for t in triple if isinstance(t, URIRef) and "w3id.org/gdlecb" in str(t).lower()}
    assert sorted(i for i in ours if not (i.startswith(BASE) or i in (ns.ONTOLOGY_IRI, ns.SHAPES_IRI))) == []


def test_every_reference_to_a_minted_iri_is_described(shipped: Graph):
    """Objects under BASE must be subjects somewhere in the shipped files (catches IRI typos)."""
    subjects = {s for s in shipped.subjects() if isinstance(s, URIRef)}
    dangling = sorted(
        f"{s} {p} {o}"
        for s, p, o in shipped
        if isinstance(o, URIRef) and str(o).startswith(BASE) and o not in subjects
        and p not in (RDF.type,) and not str(o).startswith(str(CB)) and not str(o).startswith(BASE + "shapes")
    )
    assert dangling == []


# ---------------------------------------------------------------- schemes and concepts

def test_every_scheme_is_described(ref: Graph):
    orgs = set(ref.subjects(RDF.type, CB.Organisation))
    schemes = set(ref.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == len(REFERENCE_FILES) - 1  # one per vocabulary file except organisations.ttl
    for s in schemes:
        assert _langs(ref, s, SKOS.prefLabel) == ["en", "zh"], s
        assert _langs(ref, s, DCTERMS.description) == ["en", "zh"], s
        assert list(ref.objects(s, DCTERMS.source)), s
        assert ref.value(s, DCTERMS.publisher) in orgs, s
        assert ref.value(s, REG.status) in (REG.statusStable, REG.statusExperimental), s


def test_every_concept_is_complete(ref: Graph):
    concepts = set(ref.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 100
    problems = []
    for c in concepts:
        scheme = ref.value(c, SKOS.inScheme)
        if scheme is None or (scheme, RDF.type, SKOS.ConceptScheme) not in ref:
            problems.append(f"{c}: skos:inScheme {scheme}")
            continue
        if ref.value(c, SKOS.notation) is None:
            problems.append(f"{c}: no notation")
        if _langs(ref, c, SKOS.prefLabel) != ["en", "zh"]:
            problems.append(f"{c}: prefLabel {_langs(ref, c, SKOS.prefLabel)}")
        is_top = (c, SKOS.topConceptOf, scheme) in ref
        if is_top != ((scheme, SKOS.hasTopConcept, c) in ref):
            problems.append(f"{c}: topConceptOf and hasTopConcept disagree")
        if is_top == (ref.value(c, SKOS.broader) is not None):
            problems.append(f"{c}: must be either a top concept or have a broader concept")
        path = str(scheme)[len(BASE):]
        if path in CODE_LISTS and (c, RDF.type, CODE_LISTS[path]) not in ref:
            problems.append(f"{c}: not typed {CODE_LISTS[path]}")
        if path.startswith("framework/") or scheme == EQF_SCHEME:
            if (c, RDF.type, CB.FrameworkLevel) not in ref:
                problems.append(f"{c}: not a cb:FrameworkLevel")
    assert problems == []


def test_notations_unique_within_each_scheme(ref: Graph):
    seen: dict[tuple, URIRef] = {}
    for c, n in ref.subject_objects(SKOS.notation):
        scheme = ref.value(c, SKOS.inScheme)
        if scheme is None:
            continue
        assert (scheme, str(n)) not in seen, f"{c} and {seen[(scheme, str(n))]} share notation {n}"
        seen[(scheme, str(n))] = c


# ---------------------------------------------------------------- the Guangdong framework

def test_gd_framework(ref: Graph):
    assert (GD, RDF.type, CB.QualificationsFramework) in ref
    assert (GD, RDF.type, SKOS.ConceptScheme) in ref
    assert ref.value(GD, CB.levelCount) == Literal(7)
    assert ref.value(GD, DCTERMS.publisher) == URIRef(BASE + "org/gdqts")
    assert ref.value(GD, DCTERMS.issued).datatype == XSD.date
    assert _langs(ref, GD, SKOS.editorialNote) == ["en", "zh"]
    # the unverified standard number is never stated as a fact
    for o in ref.objects(GD, None):
        if "DB44/T 2004-2017" in str(o):
            assert "not confirmed" in str(o) or "无来源证实" in str(o)


def test_gd_levels_and_descriptors(ref: Graph):
    levels = sorted(ref.objects(GD, SKOS.hasTopConcept), key=lambda lv: int(ref.value(lv, CB.levelOrder)))
    assert [str(lv) for lv in levels] == [f"{ns.GDLEQF}/level/{n}" for n in range(1, 8)]
    zh_numbers = "一二三四五六七"
    for n, lv in enumerate(levels, start=1):
        assert (lv, RDF.type, CB.FrameworkLevel) in ref
        assert ref.value(lv, SKOS.notation) == Literal(str(n))
        assert ref.value(lv, CB.levelOrder) == Literal(n)
        assert ref.value(lv, CB.levelOrder).datatype == XSD.integer
        assert _zh(ref, lv) == f"第{zh_numbers[n - 1]}级"
        assert Literal(f"Level {n}", lang="en") in set(ref.objects(lv, SKOS.prefLabel))
        assert _langs(ref, lv, SKOS.editorialNote) == ["en", "zh"]
        descriptors = set(ref.objects(lv, CB.descriptor))
        assert len(descriptors) == 3
        assert {ref.value(d, CB.dimension) for d in descriptors} == DIMENSIONS
        for d in descriptors:
            assert str(d) == f"{lv}/{str(ref.value(d, CB.dimension)).rsplit('/', 1)[1]}"
            assert (d, RDF.type, CB.LevelDescriptor) in ref
            assert _langs(ref, d, CB.descriptorText) == ["en", "zh"]
            assert _langs(ref, d, SKOS.editorialNote) == ["en", "zh"]
            assert "暂定" in _zh(ref, d, SKOS.editorialNote)
            assert list(ref.objects(d, DCTERMS.source))
    # descriptor texts differ from level to level
    texts = {str(o) for o in ref.objects(None, CB.descriptorText)}
    assert len(texts) == 7 * 3 * 2


def test_gd_levels_ordered_collection(ref: Graph):
    coll = URIRef(ns.GDLEQF + "/levels")
    assert (coll, RDF.type, SKOS.OrderedCollection) in ref
    members = list(ref.items(ref.value(coll, SKOS.memberList)))
    assert members == [URIRef(f"{ns.GDLEQF}/level/{n}") for n in range(1, 8)]


def test_level_mappings_have_provenance_and_match_direct_triples(ref: Graph):
    mappings = set(ref.subjects(RDF.type, CB.LevelMapping))
    assert len(mappings) >= 13
    gd_levels = set(ref.objects(GD, SKOS.hasTopConcept))
    other_levels = set(ref.objects(HK, SKOS.hasTopConcept)) | set(ref.objects(EQF_SCHEME, SKOS.hasTopConcept))
    declared = set()
    for m in mappings:
        assert str(m).startswith(ns.GDLEQF + "/mapping/"), m
        s, o, rel = ref.value(m, CB.mappingSubject), ref.value(m, CB.mappingObject), ref.value(m, CB.mappingRelation)
        assert s in gd_levels and o in other_levels, m
        assert rel in SKOS_MAPPINGS, m
        assert (s, rel, o) in ref, f"{m}: the direct {rel} triple is missing"
        assert list(ref.objects(m, DCTERMS.source)), m
        assert list(ref.objects(m, PROV.wasDerivedFrom)), m
        assert ref.value(m, DCTERMS.created).datatype == XSD.date, m
        assert _langs(ref, m, SKOS.editorialNote) == ["en", "zh"], m
        assert "暂定" in _zh(ref, m, SKOS.editorialNote) and "Provisional" in " ".join(
            str(x) for x in ref.objects(m, SKOS.editorialNote)), m
        declared.add((s, rel, o))
    direct = {(s, p, o) for s in gd_levels for p in SKOS_MAPPINGS for o in ref.objects(s, p)}
    assert direct == declared, "every direct mapping triple needs a cb:LevelMapping and vice versa"


def test_provisional_alignment_follows_the_evidence(ref: Graph):
    gd = lambda n: URIRef(f"{ns.GDLEQF}/level/{n}")  # noqa: E731
    eqf = lambda n: URIRef(f"http://data.europa.eu/snb/eqf/{n}")  # noqa: E731
    hk = lambda n: URIRef(f"{BASE}framework/hkqf/level/{n}")  # noqa: E731
    assert (gd(6), SKOS.closeMatch, eqf(7)) in ref  # GD 6 ≈ master's degree ≈ EQF 7
    assert not any(str(o).startswith(str(HK)) for p in SKOS_MAPPINGS for o in ref.objects(gd(1), p))
    for n in range(2, 8):
        assert (gd(n), SKOS.closeMatch, hk(n)) in ref


# ---------------------------------------------------------------- other frameworks

def test_hkqf_levels(ref: Graph):
    assert (HK, RDF.type, CB.QualificationsFramework) in ref
    levels = set(ref.objects(HK, SKOS.hasTopConcept))
    assert {int(ref.value(lv, CB.levelOrder)) for lv in levels} == set(range(1, 8))
    for lv in levels:
        assert str(lv) == f"{HK}/level/{ref.value(lv, SKOS.notation)}"
        assert _langs(ref, lv, SKOS.scopeNote) == ["en", "zh"]
    assert "Doctoral" in " ".join(str(x) for x in ref.objects(URIRef(f"{HK}/level/7"), SKOS.scopeNote))
    assert any("hkqr.gov.hk" in str(s) for s in ref.objects(HK, DCTERMS.source))


def test_eqf_reference_levels_use_official_iris(ref: Graph):
    levels = set(ref.objects(EQF_SCHEME, SKOS.hasTopConcept))
    assert levels == {URIRef(f"http://data.europa.eu/snb/eqf/{n}") for n in range(1, 9)}
    for lv in levels:
        assert (lv, SKOS.inScheme, EQF_SCHEME) in ref
        assert _langs(ref, lv, SKOS.prefLabel) == ["en", "zh"]
    assert _langs(ref, EQF_SCHEME, SKOS.editorialNote) == ["en", "zh"]  # says these are external IRIs


# ---------------------------------------------------------------- code lists

def _scheme_concepts(g: Graph, path: str) -> set[URIRef]:
    return set(g.subjects(SKOS.inScheme, URIRef(BASE + path)))


def test_dimensions(ref: Graph):
    assert _scheme_concepts(ref, "vocab/dimension") == DIMENSIONS
    assert {_zh(ref, d) for d in DIMENSIONS} == {"知识", "技能", "能力"}


def test_outcome_types(ref: Graph):
    concepts = _scheme_concepts(ref, "vocab/outcome-type")
    codes = {str(c).rsplit("/", 1)[1] for c in concepts}
    assert {"degree-education", "non-degree-training", "vocational-qualification", "skill-level-certificate",
            "industry-certification", "work-performance"} <= codes


def test_sectors_are_the_20_sections_a_to_t(ref: Graph):
    concepts = _scheme_concepts(ref, "vocab/sector")
    assert {str(ref.value(c, SKOS.notation)) for c in concepts} == set("ABCDEFGHIJKLMNOPQRST")
    for c in concepts:
        assert str(c) == f"{BASE}vocab/sector/{ref.value(c, SKOS.notation)}"
        assert "informal" in " ".join(str(x) for x in ref.objects(c, SKOS.editorialNote))
    assert _zh(ref, URIRef(BASE + "vocab/sector/I")) == "信息传输、软件和信息技术服务业"


def test_isced_f_fields(ref: Graph):
    concepts = _scheme_concepts(ref, "vocab/isced-f")
    broad = {c for c in concepts if len(str(ref.value(c, SKOS.notation))) == 2}
    narrow = {c for c in concepts if len(str(ref.value(c, SKOS.notation))) == 3}
    detailed = {c for c in concepts if len(str(ref.value(c, SKOS.notation))) == 4}
    assert broad | narrow | detailed == concepts
    assert len(broad) == 12 and len(narrow) == 30
    for c in detailed:  # a detailed field sits under the narrow field of its first three digits
        code = str(ref.value(c, SKOS.notation))
        assert str(ref.value(ref.value(c, SKOS.broader), SKOS.notation)) == code[:3], c
    for c in concepts:
        code = str(ref.value(c, SKOS.notation))
        assert ref.value(c, SKOS.exactMatch) == URIRef(f"http://data.europa.eu/snb/isced-f/{code}")
    for c in narrow:
        code = str(ref.value(c, SKOS.notation))
        parent = ref.value(c, SKOS.broader)
        assert parent in broad
        assert str(ref.value(parent, SKOS.notation)) == ("99" if code == "999" else code[:2])


def test_credit_systems(ref: Graph):
    cs = lambda code: URIRef(BASE + "vocab/credit-system/" + code)  # noqa: E731
    hk = ref.value(cs("hkqf-credit"), CB.hoursPerCredit)
    assert hk.datatype == XSD.decimal and hk.toPython() == Decimal(10)
    assert ref.value(cs("ects"), CB.minHoursPerCredit).toPython() == Decimal(25)
    assert ref.value(cs("ects"), CB.maxHoursPerCredit).toPython() == Decimal(30)
    assert ref.value(cs("ects"), SKOS.exactMatch) == URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
    gd = cs("gd-credit")
    assert not any(list(ref.objects(gd, p)) for p in (CB.hoursPerCredit, CB.minHoursPerCredit, CB.maxHoursPerCredit))
    assert "not found" in " ".join(str(x) for x in ref.objects(gd, SKOS.editorialNote))


def test_reg_statuses(ref: Graph):
    model = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    in_model = {REG[s] for s in re.findall(r"`reg:(status[A-Z][a-z]+)`", model)}
    assert len(in_model) == 7
    concepts = set(ref.subjects(SKOS.inScheme, REG.StatusScheme))
    assert in_model <= concepts
    for c in concepts:
        assert (c, RDF.type, REG.Status) in ref
        assert _langs(ref, c, SKOS.definition) == ["en", "zh"]
    up = lambda s: list(ref.transitive_objects(s, SKOS.broader))  # noqa: E731  (starts with s itself)
    assert up(REG.statusStable) == [REG.statusStable, REG.statusValid, REG.statusAccepted]
    assert up(REG.statusExperimental) == [REG.statusExperimental, REG.statusValid, REG.statusAccepted]
    assert up(REG.statusSuperseded) == [REG.statusSuperseded, REG.statusDeprecated, REG.statusAccepted]
    assert up(REG.statusRetired) == [REG.statusRetired, REG.statusDeprecated, REG.statusAccepted]
    for s in (REG.statusSubmitted, REG.statusReserved, REG.statusInvalid):
        assert up(s) == [s, REG.statusNotAccepted]


# ---------------------------------------------------------------- organisations

REQUIRED_ORGS = ["gdou", "gdlecb-centre", "gdcp", "gdrta", "scut", "gdqy", "gzpyp", "sysu", "gdosta"]


def test_organisations(ref: Graph):
    roles = _scheme_concepts(ref, "vocab/organisation-role")
    orgs = set(ref.subjects(RDF.type, CB.Organisation))
    assert {URIRef(BASE + "org/" + o) for o in REQUIRED_ORGS} <= orgs
    for o in orgs:
        assert _langs(ref, o, SKOS.prefLabel) == ["en", "zh"], o
        assert str(o) == BASE + "org/" + str(ref.value(o, SKOS.notation))
        org_roles = set(ref.objects(o, CB.organisationRole))
        assert org_roles and org_roles <= roles, o
        assert ref.value(o, REG.status) == REG.statusStable
    assert URIRef(BASE + "vocab/organisation-role/recognition-body") in set(
        ref.objects(URIRef(BASE + "org/gdlecb-centre"), CB.organisationRole))


def test_no_blank_node_subjects_left_unowned(ref: Graph):
    """Blank nodes only appear as RDF lists (the ordered level collection)."""
    for b in {s for s in ref.subjects() if isinstance(s, BNode)}:
        assert set(ref.predicates(b, None)) <= {RDF.first, RDF.rest}
