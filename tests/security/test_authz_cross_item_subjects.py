"""Every subject of a submission must belong to an item the submitter may write (issue 14, defect 1).

An author of organisation A (alice, gdou, owns ICT) must not be able to make statements
about organisation B's items (bob, gdrta, owns AUTO) by writing them next to her own unit:
such triples would be stored in her unit's graph, pass her unit's permission check and then
be published (SPARQL, search) as statements about B's item.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import BASE, UNIT_NEW, env, seed_store_dir, unit_ttl  # noqa: E402,F401

OTHER = BASE + "unit/AUTO-MR-101"  # a shipped unit of gdrta (bob's organisation)
REG = "http://purl.org/linked-data/registry#"
FOREIGN_STATUS = f"<{OTHER}> <{REG}status> <{REG}statusRetired> .\n"


def foreign_results(report: dict) -> list[dict]:
    return [r for i in report["items"] for r in i["results"] if r["kind"] == "foreign-subject"]


def count_submissions(env) -> int:
    return env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0]


def test_triples_about_another_organisations_unit_are_refused_naming_the_subject(env):
    before = env.snapshot()
    r = env.submit("alice", unit_ttl() + FOREIGN_STATUS)
    assert r.status_code == 403, r.text
    found = foreign_results(r.json()["report"])
    assert [f["focus"] for f in found] == [OTHER]
    assert OTHER in found[0]["message"]["en"] and OTHER in found[0]["message"]["zh"]
    assert "主语" in found[0]["message"]["zh"] and "subject" in found[0]["message"]["en"]
    assert env.snapshot() == before and count_submissions(env) == 0
    # B's unit keeps its status in SPARQL
    assert not env.store.ask(f"ASK {{ <{OTHER}> <{REG}status> <{REG}statusRetired> }}")


def test_the_dry_run_reports_it_too(env):
    body = (unit_ttl() + FOREIGN_STATUS).encode()
    r = env.client.post("/api/validate", content=body, headers=env.h("alice", "text/turtle"))
    assert r.status_code == 403
    assert [f["focus"] for f in foreign_results(r.json())] == [OTHER]
    # without a token ownership is unknown, but the foreign subject is still pointed out
    r = env.client.post("/api/validate", content=body, headers={"Content-Type": "text/turtle"})
    found = foreign_results(r.json())
    assert [f["focus"] for f in found] == [OTHER] and found[0]["severity"] == "warning"


def test_subjects_attached_through_a_reference_or_outside_the_registry_are_refused(env):
    seealso = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"
    label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    for extra, subject in (
        (f'<{UNIT_NEW}> {seealso} <{OTHER}> .\n<{OTHER}> {label} "被改名的单元"@zh .\n', OTHER),
        (f'<https://example.org/thing> {label} "外部资源"@zh .\n', "https://example.org/thing"),
        (f'<{BASE}standard/ICT> {label} "她自己的标准，但不在这个单元里"@zh .\n', BASE + "standard/ICT"),
    ):
        r = env.submit("alice", unit_ttl() + extra)
        assert r.status_code == 403, (subject, r.text)
        assert subject in [f["focus"] for f in foreign_results(r.json()["report"])]
    assert count_submissions(env) == 0


def test_a_registrar_is_held_to_the_same_rule(env):
    from registry.workflow.auth import add_user

    env.tokens["rita"] = add_user(env.db, "rita", "registrar", "gdou")[1]
    r = env.submit("rita", unit_ttl() + FOREIGN_STATUS)
    assert r.status_code == 403
    assert [f["focus"] for f in foreign_results(r.json()["report"])] == [OTHER]


def test_the_review_shows_every_subject_a_submission_touches(env):
    r = env.submit("alice", unit_ttl())
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    detail = env.client.get(f"/api/submissions/{sid}", headers=env.h("registrar")).json()
    assert detail["subjects"] == {UNIT_NEW: [UNIT_NEW]} and detail["foreign_subjects"] == []


def test_a_stored_submission_carrying_foreign_triples_is_shown_and_cannot_be_accepted(env):
    """A submission stored before the check existed: the review names the foreign subject, accept refuses."""
    from registry.workflow import rdf
    from registry.workflow.state import now

    import pyoxigraph as ox

    triples = [q.triple for q in ox.parse((unit_ttl() + FOREIGN_STATUS).encode(), format=ox.RdfFormat.TURTLE)]
    with env.db.write() as c:
        uid = c.execute("SELECT id FROM users WHERE name='alice'").fetchone()[0]
        sid = c.execute("INSERT INTO submissions (user_id, org_id, status, media_type, body, items, created) "
                        "VALUES (?,?,?,?,?,?,?)", (uid, "gdou", "submitted", "text/turtle", "",
                                                  json.dumps({UNIT_NEW: rdf.to_ntriples(triples)}), now())).lastrowid
    detail = env.client.get(f"/api/submissions/{sid}", headers=env.h("registrar")).json()
    assert detail["foreign_subjects"] == [OTHER] and OTHER in detail["subjects"][UNIT_NEW]
    before = env.snapshot()
    r = env.accept(sid)
    assert r.status_code == 409, r.text
    assert "no longer passes" in r.json()["error"]["message"]["en"]
    assert OTHER in [f["focus"] for f in foreign_results(r.json()["report"])]
    assert env.snapshot() == before


def test_own_items_with_their_sub_resources_still_pass(env):
    """A standard with its functional areas ({standard}/area/…) and units is one submission (unchanged rule)."""
    r = env.client.post("/api/validate", content=unit_ttl().encode(), headers=env.h("alice", "text/turtle"))
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["subjects"] == [UNIT_NEW]
