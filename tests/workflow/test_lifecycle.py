"""Review and status lifecycle: every transition and every refusal; versions, history,
diffs, ``_versionAt``, the change feed and the audit log."""

from __future__ import annotations

import time
from xml.etree import ElementTree as ET

import pyoxigraph as ox
import pytest

from .conftest import BASE, UNIT_NEW, unit_ttl

REG = "http://purl.org/linked-data/registry#"
STATUS = ox.NamedNode(REG + "status")


def status_in_store(env, item: str) -> str | None:
    vals = [t.object.value for t in env.store.graph_triples(item)
            if t.subject == ox.NamedNode(item) and t.predicate == STATUS]
    assert len(vals) <= 1
    return vals[0] if vals else None


# --- review --------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["stable", "experimental"])
def test_accept_publishes_with_status_and_version(env, status):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    r = env.accept(sid, status)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["published"] is True
    assert body["versions"] == [{"item": UNIT_NEW, "version": 1, "version_iri": UNIT_NEW + "/v/1",
                                 "status": REG + "status" + status.capitalize(), "event": "create"}]
    assert status_in_store(env, UNIT_NEW) == REG + "status" + status.capitalize()
    # version metadata in the item graph (PROV)
    q = f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX owl: <http://www.w3.org/2002/07/owl#>
    ASK {{ GRAPH <{UNIT_NEW}> {{ <{UNIT_NEW}> dcterms:hasVersion <{UNIT_NEW}/v/1> .
        <{UNIT_NEW}/v/1> dcterms:isVersionOf <{UNIT_NEW}> ; owl:versionInfo "1" ; prov:generatedAtTime ?t ;
        prov:wasAttributedTo <{BASE}org/gdou> }} }}"""
    assert env.store.ask(q)
    sub = env.client.get(f"/api/submissions/{sid}", headers=env.h("alice")).json()
    assert sub["status"] == "accepted" and sub["decision_status"].endswith(status.capitalize())


def test_accept_refusals(env):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    r = env.accept(sid, "superseded")
    assert r.status_code == 422 and "experimental or stable" in r.json()["error"]["message"]["en"]
    assert env.accept(9999).status_code == 404
    assert env.accept(sid).status_code == 200
    r = env.accept(sid)  # twice
    assert r.status_code == 409 and "accepted" in r.json()["error"]["message"]["en"]
    r = env.client.post(f"/api/submissions/{sid}/reject", json={"reason": "late"}, headers=env.h("registrar"))
    assert r.status_code == 409


def test_reject_needs_a_reason_and_marks_invalid(env):
    before = env.snapshot()
    sid = env.submit("alice", unit_ttl()).json()["id"]
    r = env.client.post(f"/api/submissions/{sid}/reject", json={"reason": "  "}, headers=env.h("registrar"))
    assert r.status_code == 422 and "reason" in r.json()["error"]["message"]["en"]
    r = env.client.post(f"/api/submissions/{sid}/reject", json={"reason": "评价标准不完整"}, headers=env.h("registrar"))
    assert r.status_code == 200
    assert r.json()["reg_status"] == REG + "statusInvalid"
    sub = env.client.get(f"/api/submissions/{sid}", headers=env.h("alice")).json()
    assert sub["status"] == "rejected" and sub["reason"] == "评价标准不完整"
    assert env.snapshot() == before  # never published
    assert env.accept(sid).status_code == 409
    assert env.client.get("/api/changes").json()["events"] == []


# --- status transitions of published items ------------------------------------------------------

def test_experimental_to_stable_to_superseded(env):
    env.publish(unit_ttl(), "experimental")
    succ = BASE + "unit/ICT-SD-310"
    env.publish(unit_ttl("ICT-SD-310", statement="新的能力说明。"))
    # experimental cannot be superseded
    r = env.set_status(UNIT_NEW, "superseded", successor=succ)
    assert r.status_code == 409 and "experimental" in r.json()["error"]["message"]["en"]
    r = env.set_status(UNIT_NEW, "stable")
    assert r.status_code == 200 and r.json()["from"] == "experimental"
    assert status_in_store(env, UNIT_NEW) == REG + "statusStable"
    # superseding needs a successor that exists
    r = env.set_status(UNIT_NEW, "superseded")
    assert r.status_code == 422 and "successor" in r.json()["error"]["message"]["en"]
    r = env.set_status(UNIT_NEW, "superseded", successor=BASE + "unit/ICT-SD-399")
    assert r.status_code == 422
    r = env.set_status(UNIT_NEW, "superseded", successor=UNIT_NEW)
    assert r.status_code == 422
    assert status_in_store(env, UNIT_NEW) == REG + "statusStable"
    r = env.set_status(UNIT_NEW, "superseded", successor=succ, reason="由 ICT-SD-310 取代")
    assert r.status_code == 200, r.text
    # still resolvable, with the new status and the successor
    assert status_in_store(env, UNIT_NEW) == REG + "statusSuperseded"
    assert env.store.ask(f"ASK {{ <{UNIT_NEW}> <http://purl.org/dc/terms/isReplacedBy> <{succ}> }}")
    assert [v["status_name"] for v in env.client.get(f"/api/items/unit/ICT-SD-309/history").json()["versions"]] == [
        "experimental", "stable", "superseded"]
    # superseded is final
    for target in ("stable", "retired", "experimental"):
        r = env.set_status(UNIT_NEW, target)
        assert r.status_code == 409, target
    # and a superseded item can no longer be changed by a submission
    r = env.submit("alice", unit_ttl(statement="再改一次。"))
    assert r.status_code == 422
    assert any(x["kind"] == "final" for x in r.json()["report"]["items"][0]["results"])


def test_stable_to_retired_and_illegal_transitions(env):
    env.publish(unit_ttl())
    for target, code in (("experimental", 409), ("submitted", 409), ("stable", 409), ("bogus", 422)):
        r = env.set_status(UNIT_NEW, target)
        assert r.status_code == code, (target, r.text)
    r = env.set_status(UNIT_NEW, "retired", reason="不再使用")
    assert r.status_code == 200
    assert status_in_store(env, UNIT_NEW) == REG + "statusRetired"
    assert UNIT_NEW in env.store.graph_names()  # stays resolvable
    assert env.set_status(UNIT_NEW, "stable").status_code == 409
    assert env.set_status(BASE + "unit/ICT-SD-398", "retired").status_code == 404


def test_experimental_to_invalid(env):
    env.publish(unit_ttl(), "experimental")
    assert env.set_status(UNIT_NEW, "invalid", reason="错误数据").status_code == 200
    assert status_in_store(env, UNIT_NEW) == REG + "statusInvalid"


# --- versions, history, diff, _versionAt ----------------------------------------------------------

def test_update_makes_a_new_immutable_version_and_a_diff(env):
    env.publish(unit_ttl())
    t_between = time.time()
    time.sleep(0.01)
    new_statement = "能为给定模块编写并维护可重复运行的自动化测试。"
    r = env.publish(unit_ttl(statement=new_statement))
    assert r["versions"][0]["version"] == 2 and r["versions"][0]["event"] == "update"
    # the item IRI shows the latest; v/1 keeps the old content
    assert env.store.ask(f'ASK {{ <{UNIT_NEW}> <https://w3id.org/gdlecb/def/competencyStatement> "{new_statement}"@zh }}')
    v1 = env.client.get("/unit/ICT-SD-309/v/1", headers={"Accept": "text/turtle"})
    assert v1.status_code == 200 and v1.headers["content-type"].startswith("text/turtle")
    assert "能为给定模块编写可重复运行的自动化测试。" in v1.text and new_statement not in v1.text
    v2 = ox.parse(env.client.get("/unit/ICT-SD-309/v/2?_format=nt").content, format=ox.RdfFormat.N_TRIPLES)
    assert ox.Quad(ox.NamedNode(UNIT_NEW + "/v/2"), ox.NamedNode("http://www.w3.org/ns/prov#wasRevisionOf"),
                   ox.NamedNode(UNIT_NEW + "/v/1")) in list(v2)
    jl = env.client.get("/unit/ICT-SD-309/v/2", headers={"Accept": "application/ld+json"})
    assert jl.headers["content-type"].startswith("application/ld+json") and new_statement in jl.text
    html = env.client.get("/unit/ICT-SD-309/v/1", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "<html" in html.text and "v2" in html.text  # links to the latest
    assert env.client.get("/unit/ICT-SD-309/v/3").status_code == 404
    assert "immutable" in v1.headers["cache-control"]
    assert env.client.head("/unit/ICT-SD-309/v/1", headers={"Accept": "text/turtle"}).status_code == 200
    assert env.client.get("/unit/ICT-SD-309/v/1", headers={"Accept": "image/png"}).status_code == 406
    # history
    h = env.client.get("/api/items/unit/ICT-SD-309/history").json()
    assert [v["version"] for v in h["versions"]] == [1, 2]
    assert h["versions"][1]["org"] == "gdou"
    assert "v2" in env.client.get("/api/items/unit/ICT-SD-309/history", headers={"Accept": "text/html"}).text
    # diff in words, both languages, and as triples
    d = env.client.get("/api/items/unit/ICT-SD-309/diff", params={"from": 1, "to": 2}).json()
    words = [c for c in d["changes"] if c["property"] == ["https://w3id.org/gdlecb/def/competencyStatement"]]
    assert len(words) == 1
    assert words[0]["zh"].startswith("能力说明 由 “能为给定模块编写可重复运行的自动化测试。”@zh 改为 “" + new_statement)
    assert words[0]["en"].startswith("competency statement changed from")
    assert any(new_statement in t for t in d["added"]) and any("能为给定模块编写可重复运行" in t for t in d["removed"])
    # blank nodes compared by structure: the untouched credit value is not a change
    assert not any("creditAmount" in t for t in d["added"] + d["removed"])
    page = env.client.get("/api/items/unit/ICT-SD-309/diff?from=1&to=2&lang=en", headers={"Accept": "text/html"})
    assert "competency statement changed from" in page.text
    # _versionAt: a time between the versions gives v1, now gives v2, before the first gives 404
    from datetime import datetime, timezone
    between = datetime.fromtimestamp(t_between, timezone.utc).isoformat()
    r = env.client.get("/unit/ICT-SD-309", params={"_versionAt": between, "_format": "ttl"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/unit/ICT-SD-309/v/1?_format=ttl"
    r = env.client.get("/unit/ICT-SD-309", params={"_versionAt": "2999-01-01"}, follow_redirects=False)
    assert r.headers["location"] == "/unit/ICT-SD-309/v/2"
    assert env.client.get("/unit/ICT-SD-309", params={"_versionAt": "2000-01-01"}).status_code == 404
    assert env.client.get("/unit/ICT-SD-309", params={"_versionAt": "last tuesday"}).status_code == 400
    r = env.client.get("/unit/ICT-SD-309", params={"_view": "history"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/api/items/unit/ICT-SD-309/history"
    # the function other modules call
    from registry.workflow.versions import version_at

    old = version_at(env.db, UNIT_NEW, between)
    assert any(t.object.value == "能为给定模块编写可重复运行的自动化测试。" for t in old)
    assert version_at(env.db, UNIT_NEW, "2000-01-01") is None


def test_diff_of_a_changed_credit_value(env):
    env.publish(unit_ttl())
    env.publish(unit_ttl().replace("cb:creditAmount 2.0", "cb:creditAmount 3.0"))
    d = env.client.get("/api/items/unit/ICT-SD-309/diff?from=1&to=2").json()
    assert len(d["changes"]) == 1, d["changes"]
    c = d["changes"][0]
    assert c["zh"].startswith("学分 › 学分数 由 “2.0” 改为 “3.0”")
    assert c["en"].startswith("credit › credit amount changed from")


# --- change feed and audit ------------------------------------------------------------------------

def test_change_feed_paging_and_atom(env):
    env.publish(unit_ttl())                                            # create
    env.publish(unit_ttl(statement="第二版。"))                          # update
    env.publish(unit_ttl("ICT-SD-310", statement="另一单元。"))           # create
    env.set_status(UNIT_NEW, "superseded", successor=BASE + "unit/ICT-SD-310")  # status
    page1 = env.client.get("/api/changes?limit=3")
    events = page1.json()["events"]
    assert [(e["type"], e["item"], e["version"]) for e in events] == [
        ("create", UNIT_NEW, 1), ("update", UNIT_NEW, 2), ("create", BASE + "unit/ICT-SD-310", 1)]
    assert events[0]["org"] == "gdou" and events[0]["status_name"] == "stable"
    nxt = page1.links["next"]["url"]
    page2 = env.client.get(nxt).json()
    assert [(e["type"], e["status_name"]) for e in page2["events"]] == [("status", "superseded")]
    page3 = env.client.get(env.client.get(nxt).links["next"]["url"])
    assert page3.json()["events"] == [] and "link" not in page3.headers
    # since as a date-time
    t = events[1]["time"]
    assert [e["version"] for e in env.client.get("/api/changes", params={"since": t}).json()["events"]][0] == 2
    assert env.client.get("/api/changes?since=yesterday").status_code == 400
    # Atom
    atom = env.client.get("/api/changes.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 4
    assert entries[0].find("a:link[@rel='alternate']", ns).get("href") == UNIT_NEW  # newest first: the status change
    assert {c.get("term") for c in entries[0].findall("a:category", ns)} >= {"status"}


def test_audit_log_records_every_write(env):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    env.accept(sid)
    env.set_status(UNIT_NEW, "retired")
    log = env.client.get("/api/audit", headers=env.h("admin")).json()["audit"]
    actions = [(a["action"], a["user"]) for a in log[:3]]
    assert actions == [("status", "registrar"), ("accept", "registrar"), ("submit", "alice")]


# --- items loaded with `registry load` (no recorded versions yet) ---------------------------------

def test_shipped_items_can_be_updated_and_change_status(env):
    shipped = BASE + "unit/ICT-SD-301"
    ttl = ox.serialize(env.store.graph_triples(shipped), format=ox.RdfFormat.TURTLE).decode("utf-8")
    r = env.submit("alice", ttl)
    assert r.status_code == 409, r.text  # unchanged from what is published
    assert "unchanged from the published item" in r.json()["report"]["items"][0]["results"][0]["message"]["en"]
    changed = ttl.replace("@prefix", "@prefix", 1) + (
        f'<{shipped}> <http://www.w3.org/2004/02/skos/core#altLabel> "网页前端"@zh .\n')
    result = env.publish(changed)
    assert result["versions"][0]["version"] == 1 and result["versions"][0]["event"] == "update"
    assert env.store.ask(f'ASK {{ <{shipped}> <http://www.w3.org/2004/02/skos/core#altLabel> "网页前端"@zh }}')
    # status changes of shipped items: supersede one shipped unit by another
    old = BASE + "unit/ICT-SD-201"
    r = env.set_status(old, "superseded", successor=shipped)
    assert r.status_code == 200, r.text
    assert r.json()["from"] == "stable" and r.json()["versions"][0]["version"] == 1
    assert status_in_store(env, old) == REG + "statusSuperseded"
    assert env.client.get("/api/changes").json()["events"][-1]["type"] == "status"


def test_pages_escape_what_people_wrote(env):
    evil = "<script>alert(1)</script>"
    env.publish(unit_ttl(statement=evil))
    env.publish(unit_ttl(statement="安全的说明。"))
    env.set_status(UNIT_NEW, "retired", reason=evil)
    pages = [env.client.get(u, headers={"Accept": "text/html"}).text for u in (
        "/api/items/unit/ICT-SD-309/history", "/api/items/unit/ICT-SD-309/diff?from=1&to=2", "/unit/ICT-SD-309/v/1")]
    for page in pages:
        assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in pages[0] and "&lt;script&gt;alert" in pages[1] and "&lt;script&gt;alert" in pages[2]


def test_published_graphs_with_version_metadata_conform_to_the_shapes(env):
    """An exported registry (with the workflow's version metadata) can be validated and loaded again."""
    from registry.validation import default_validator

    env.publish(unit_ttl())
    env.publish(unit_ttl(statement="第二版。"))
    report = default_validator().validate({"published": env.store.graph_triples(UNIT_NEW)}, store=env.store)
    assert report.conforms, report.to_text("en")


def test_malformed_iris_are_refused_cleanly(env):
    env.publish(unit_ttl())
    r = env.client.post("/api/items/unit/ICT-SD-309%3E%20%7D/status", json={"status": "retired"}, headers=env.h("registrar"))
    assert r.status_code == 404
    r = env.set_status(UNIT_NEW, "superseded", successor="https://w3id.org/gdlecb/unit/X> } ; <y")
    assert r.status_code == 422 and "not a valid IRI" in r.json()["error"]["message"]["en"]
    assert env.client.get("/unit/a%20b", params={"_versionAt": "2026-01-01"}).status_code == 404
    assert env.client.get("/api/items/unit/a%3Eb/history").status_code == 404
