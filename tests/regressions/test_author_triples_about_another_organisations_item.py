"""Issue 14, defect 1: an author could write triples about another organisation's item.

Reproduction: alice (gdou, owns ICT) submits her new unit ICT-SD-309 together with
``<https://w3id.org/gdlecb/unit/AUTO-MR-101> reg:status reg:statusRetired .`` (a unit of
gdrta). The triple was put into her unit's graph, passed her unit's permission check, and
after acceptance SPARQL showed AUTO-MR-101 as retired. Now the submission is refused (403)
naming the subject, and nothing is stored. (More cases: tests/security/test_authz_cross_item_subjects.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import env, seed_store_dir, unit_ttl  # noqa: E402,F401

REPRO = unit_ttl() + ("<https://w3id.org/gdlecb/unit/AUTO-MR-101> <http://purl.org/linked-data/registry#status> "
                      "<http://purl.org/linked-data/registry#statusRetired> .\n")
ASK = ("ASK { GRAPH ?g { <https://w3id.org/gdlecb/unit/AUTO-MR-101> <http://purl.org/linked-data/registry#status> "
       "<http://purl.org/linked-data/registry#statusRetired> } }")


def test_the_reproduction_is_refused_and_nothing_reaches_sparql(env):
    r = env.submit("alice", REPRO)
    assert r.status_code == 403, r.text
    messages = [x["message"] for i in r.json()["report"]["items"] for x in i["results"]]
    assert any("unit/AUTO-MR-101" in m["en"] and "unit/AUTO-MR-101" in m["zh"] for m in messages)
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    assert not env.store.ask(ASK)
    r = env.client.post("/sparql", data={"query": ASK}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.json()["boolean"] is False
