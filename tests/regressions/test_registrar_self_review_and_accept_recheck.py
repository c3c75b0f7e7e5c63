"""Issue 14, defect 4: registrars could accept their own submissions, bypassed the namespace
check, and accept did not re-run the submission-time checks.

Reproduction: a registrar submitted any item (no ownership check) and accepted it at once;
and a submission stayed acceptable after its organisation lost the standard code. Now:
registrars are held to the same IRI-base/ownership rules as authors, may not accept their
own submissions unless ``allow_self_review`` is set, and accept re-checks the stored items
against the registry as it is then.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import BASE, UNIT_NEW, env, make_env, seed_store_dir, unit_ttl  # noqa: E402,F401

from registry.workflow.auth import add_org, add_user  # noqa: E402


def test_registrar_without_the_code_is_refused_like_an_author(env):
    r = env.submit("registrar", unit_ttl())  # the registrar belongs to no organisation owning ICT
    assert r.status_code == 403, r.text
    assert r.json()["report"]["items"][0]["results"][0]["kind"] == "forbidden"
    r = env.submit("registrar", unit_ttl().replace("unit:ICT-SD-309\n", "<https://evil.example/unit/ICT-SD-309>\n", 1))
    assert r.status_code == 403, r.text  # outside the base IRI


def test_a_registrar_cannot_accept_their_own_submission(env):
    env.tokens["rita"] = add_user(env.db, "rita", "registrar", "gdou")[1]
    r = env.submit("rita", unit_ttl())
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = env.accept(sid, who="rita")
    assert r.status_code == 403
    assert "own submission" in r.json()["error"]["message"]["en"] and "自己的提交" in r.json()["error"]["message"]["zh"]
    assert not env.store.ask(f"ASK {{ GRAPH <{UNIT_NEW}> {{ ?s ?p ?o }} }}")
    assert env.accept(sid, who="registrar").status_code == 200  # another registrar


def test_allow_self_review_setting(tmp_path, seed_store_dir):
    e = make_env(tmp_path, seed_store_dir, allow_self_review=True)
    try:
        e.tokens["rita"] = add_user(e.db, "rita", "registrar", "gdou")[1]
        sid = e.submit("rita", unit_ttl()).json()["id"]
        assert e.accept(sid, who="rita").status_code == 200
    finally:
        e.store.close()


def test_accept_reruns_the_checks_against_the_registry_as_it_is_then(env):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    add_org(env.db, "gdou", "广东开放大学 Guangdong Open University", BASE + "org/gdou", ["XYZ"])  # loses ICT
    before = env.snapshot()
    r = env.accept(sid)
    assert r.status_code == 409, r.text
    assert "no longer passes" in r.json()["error"]["message"]["en"]
    assert any(x["kind"] == "forbidden" for i in r.json()["report"]["items"] for x in i["results"])
    assert env.snapshot() == before
    assert env.client.get(f"/api/submissions/{sid}", headers=env.h("registrar")).json()["status"] == "submitted"
    add_org(env.db, "gdou", "广东开放大学 Guangdong Open University", BASE + "org/gdou", ["ICT"])
    assert env.accept(sid).status_code == 200
