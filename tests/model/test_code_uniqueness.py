"""Issue 11, part 5: a code (skos:notation) is unique among items of the same class — achievements,
organisations and transfer rules too, not only units and standards — checked by the shapes against the
registry (the validator's reference context fetches the existing items that share a submitted code)."""

from __future__ import annotations

import pytest

from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.validation import Validator, parse_rdf

from .test_content import VOCABULARIES

HEAD = """@prefix cb: <https://w3id.org/gdlecb/def/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix reg: <http://purl.org/linked-data/registry#> .
@prefix otype: <https://w3id.org/gdlecb/vocab/outcome-type/> .
@prefix role: <https://w3id.org/gdlecb/vocab/organisation-role/> .
"""

CASES = {
    # new IRI, code already used by a shipped item of the same class
    "achievement": ('<https://w3id.org/gdlecb/achievement/cet-4-copy> a cb:Achievement ; skos:prefLabel "副本"@zh , "copy"@en ;'
                    ' skos:notation "CET-4" ; cb:outcomeType otype:examination-certificate ; reg:status reg:statusSubmitted .',
                    "https://w3id.org/gdlecb/achievement/cet-4"),
    "organisation": ('<https://w3id.org/gdlecb/org/neea-copy> a cb:Organisation ; skos:prefLabel "副本"@zh , "copy"@en ;'
                     ' skos:notation "neea" ; cb:organisationRole role:awarding-body ; reg:status reg:statusSubmitted .',
                     "https://w3id.org/gdlecb/org/neea"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = EmbeddedStore(tmp_path_factory.mktemp("uniq") / "s")
    load_files(s, [VOCABULARIES / f for f in ("achievements.ttl", "organisations.ttl", "outcome-types.ttl",
                                              "organisation-roles.ttl")])
    return s


@pytest.fixture(scope="module")
def validator():
    return Validator()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_duplicate_code_is_refused_against_the_registry(kind, store, validator):
    text, existing = CASES[kind]
    report = validator.validate({"dup.ttl": parse_rdf(HEAD + text, source="dup.ttl")}, store=store)
    assert not report.conforms
    assert any(f"<{existing}>" in r.message["en"] for r in report.results), report.to_text("en")


@pytest.mark.parametrize("kind", sorted(CASES))
def test_unused_code_is_accepted(kind, store, validator):
    text, _ = CASES[kind]
    text = text.replace('"CET-4"', '"CET-4-NEW"').replace('"neea"', '"neea-new"')
    report = validator.validate({"ok.ttl": parse_rdf(HEAD + text, source="ok.ttl")}, store=store)
    assert report.conforms, report.to_text("en")


def test_the_shapes_carry_a_code_unique_constraint_for_each_class():
    from shapes.build_shapes import CODE_UNIQUE, node_shapes  # noqa: PLC0415

    nodes = {n.key: n for n in node_shapes()}
    for key in ("Unit", "CompetencyStandard", "Achievement", "Organisation", "TransferRule"):
        code = next(p for p in nodes[key].props if p.key == "notation")
        assert any(s.key == "code-unique" for s in code.sparql), key
    assert {"Achievement", "Organisation", "TransferRule"} <= set(CODE_UNIQUE)
