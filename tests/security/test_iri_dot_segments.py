"""Submitted subject and item IRIs must be in normal form (issue 14, defect 2).

``…/unit/ICT-X/../AUTO-SD-391`` (or with ``%2E%2E``) starts with gdou's ``unit/ICT-`` and
so passed the namespace check, though it normalises (RFC 3986 §5.2.4, §6.2.2) into gdrta's
``unit/AUTO-SD-391``. Such IRIs are refused (not normalised), for every user and in the
dry run, with a bilingual message naming the IRI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import BASE, env, seed_store_dir, unit_ttl  # noqa: E402,F401

DISGUISED = [
    ("unit/ICT-X/../AUTO-SD-391", "dot-segments"),
    ("unit/ICT-X/%2E%2E/AUTO-SD-391", "percent-encodes"),
    ("unit/ICT-X/%2e%2e/AUTO-SD-391", "percent-encodes"),
    ("unit/ICT-SD-309/./x", "dot-segments"),
    ("unit/ICT-X%2F..%2FAUTO-SD-391", "percent-encodes"),
    ("unit/%41UTO-SD-391", "percent-encodes"),
]


def ttl_for(path: str) -> str:
    return unit_ttl().replace("unit:ICT-SD-309\n", f"<{BASE}{path}>\n", 1)


@pytest.mark.parametrize("path,word", DISGUISED)
def test_disguised_item_iris_are_refused(env, path, word):
    body = ttl_for(path)
    assert f"<{BASE}{path}>" in body
    before = env.snapshot()
    for who in ("alice", "registrar", "admin"):
        r = env.submit(who, body)
        assert r.status_code == 422, (who, r.text)
        res = [x for i in r.json()["report"]["items"] for x in i["results"] if x["kind"] == "iri"]
        assert res and res[0]["focus"] == BASE + path
        assert word in res[0]["message"]["en"] and BASE + path in res[0]["message"]["zh"]
    r = env.client.post("/api/validate", content=body.encode(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422
    assert env.snapshot() == before
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_a_disguised_iri_as_a_further_subject_is_refused(env):
    extra = f'<{BASE}unit/ICT-SD-309/../AUTO-MR-101> <http://www.w3.org/2004/02/skos/core#prefLabel> "x"@zh .\n'
    r = env.submit("alice", unit_ttl() + extra)
    assert r.status_code == 422
    assert "dot-segments" in r.text


def test_normal_iris_pass(env):
    from registry.workflow.checks import iri_problem

    for iri in (BASE + "unit/ICT-SD-309", BASE + "standard/ICT/area/SD", BASE + "unit/ICT-SD-309#x",
                BASE + "achievement/gdou-a.b_c", "https://example.org/a%20b", BASE + "unit/ICT-SD-3..9"):
        assert iri_problem(iri) is None, iri
    assert env.submit("alice", unit_ttl()).status_code == 201
