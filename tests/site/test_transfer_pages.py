"""Catalogue pages for recognition and transfer (issue 9 item 4) and occupations (issue 11 item 2):
the qualification page, the 认定与转换 section on unit and achievement pages (rules both ways),
the occupation page, in zh and en, live and in the static build."""

from __future__ import annotations

import re

import pytest

BASE = "https://w3id.org/gdlecb/"
HTML = {"Accept": "text/html"}
QUAL = "qualification/gzpyp-software-technology"
RULE = "transfer-rule/1x-web-frontend-intermediate-to-ict-sd-301"


def page(client, path, lang):
    r = client.get(f"/{path}?lang={lang}", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    return r.text


def section(html: str, ident: str) -> str:
    m = re.search(rf'<section[^>]*id="{ident}".*?</section>', html, re.S)
    assert m, f"no section {ident}"
    return m.group(0)


@pytest.mark.parametrize("lang,title,back,fwd", [("zh", "认定与转换", "可通过以下规则认定", "可转换为"),
                                                 ("en", "Recognition and transfer", "How this can be recognised", "What this counts for")])
def test_unit_page_names_the_rules_that_recognise_it(shipped_client, lang, title, back, fwd):
    html = page(shipped_client, "unit/ICT-SD-301", lang)
    sec = section(html, "recognition")
    assert title in sec and back in sec
    assert f'href="/{RULE}"' in sec  # the rule, through the site's link rule
    assert 'href="/achievement/1x-web-frontend-intermediate"' in sec  # and its source
    # and the other direction: the unit counts for a course of the software programme (unit → course)
    assert fwd in sec and 'href="/transfer-rule/ict-sd-301-to-gzpyp-st201"' in sec
    assert f'href="/{QUAL}/component/ST201"' in sec.split(fwd, 1)[1]


@pytest.mark.parametrize("lang,fwd", [("zh", "可转换为"), ("en", "What this counts for")])
def test_achievement_page_says_what_it_counts_for(shipped_client, lang, fwd):
    sec = section(page(shipped_client, "achievement/1x-web-frontend-intermediate", lang), "recognition")
    assert fwd in sec and f'href="/{RULE}"' in sec and 'href="/unit/ICT-SD-301"' in sec


def test_unit_without_rules_says_so(shipped_client, shipped_store):
    rows = shipped_store.select(f"""SELECT ?u WHERE {{ ?u a <{BASE}def/Unit> FILTER NOT EXISTS {{ ?r ?p ?u .
        VALUES ?p {{ <{BASE}def/toUnit> <{BASE}def/fromUnit> }} }} }} ORDER BY ?u LIMIT 1""")
    sec = section(page(shipped_client, rows[0]["u"].value[len(BASE):], "en"), "recognition")
    assert "No transfer rule references this item yet." in sec and "/transfer-rule/" not in sec


@pytest.mark.parametrize("lang,req,courses", [("zh", "获得要求", "课程"), ("en", "Requirements", "Courses")])
def test_qualification_page_tree_courses_and_rules(shipped_client, lang, req, courses):
    html = page(shipped_client, QUAL, lang)
    assert f">{req}</h2>" in html and f">{courses}</h2>" in html
    tree = re.search(r'<ul class="req-tree">.*</ul></section>', html, re.S).group(0)
    # the nested requirements: all-of at the top, a choice of 1 of 2, credit minimums
    assert tree.count('class="req req-') >= 5 and "req-choice" in tree and "req-credits" in tree
    assert ("1 of 2" if lang == "en" else "2 选 1") in tree
    assert f'href="/{QUAL}/component/ST101"' in tree
    rules = html.split('id="rules-h"', 1)[1]
    assert 'href="/transfer-rule/' in rules
    assert ("Transfer cap: 50% of the total credits" if lang == "en" else "总学分的 50%") in html


def test_occupation_page_lists_what_leads_to_it(shipped_client, shipped_store):
    occ = BASE + "vocab/occupation/4-10-01-05"
    using = {r["s"].value for r in shipped_store.select(
        f"SELECT ?s WHERE {{ ?s <{BASE}def/occupation> <{occ}> }}")}
    assert using, "the shipped content links something to 4-10-01-05"
    for lang, heading in (("zh", "职业"), ("en", "Occupation")):
        html = page(shipped_client, "vocab/occupation/4-10-01-05", lang)
        assert heading in html
        for s in using:
            assert f'href="/{s[len(BASE):]}"' in html


def test_recognition_text_is_escaped(site_store, client):
    """Author text on the new sections is escaped like everywhere else (fixture has no rules: the
    section renders its empty state without raw markup)."""
    units = [r["u"].value for r in site_store.select(f"SELECT ?u WHERE {{ ?u a <{BASE}def/Unit> }} LIMIT 1")]
    html = client.get("/" + units[0][len(BASE):], headers=HTML).text
    assert 'id="recognition"' in html and "<script>alert" not in html


def test_static_build_carries_qualification_occupation_and_sections(shipped_store, tmp_path):
    from registry.catalogue.build import build_site

    stats = build_site(shipped_store, tmp_path, base_iri=BASE, workers=1, formats=False)
    assert stats.by_kind.get("qualification", 0) >= 2 * 3  # three qualifications, two languages
    assert stats.by_kind.get("occupation", 0) >= 2 * 8
    q = (tmp_path / f"{QUAL}.html").read_text(encoding="utf-8")
    assert "获得要求" in q and 'class="req-tree"' in q
    en = (tmp_path / "en" / "unit" / "ICT-SD-301.html").read_text(encoding="utf-8")
    assert 'id="recognition"' in en and "How this can be recognised" in en
    assert (tmp_path / "vocab" / "occupation" / "4-10-01-05.html").exists()
