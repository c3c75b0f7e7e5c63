"""Submissions and every refusal: authentication, roles, namespaces, invalid data,
unchanged items, conflicts, oversized bodies, and the dry run."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from .conftest import BASE, DATA, MAX_BODY, UNIT_NEW, unit_ttl


# --- authentication -----------------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [
    ("post", "/api/submissions"), ("get", "/api/submissions"), ("get", "/api/submissions/1"),
    ("post", "/api/submissions/1/accept"), ("post", "/api/submissions/1/reject"),
    ("post", "/api/items/unit/ICT-SD-301/status"), ("get", "/api/audit"), ("get", "/api/me"),
])
def test_no_token_is_401(env, method, url):
    r = getattr(env.client, method)(url)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    msg = r.json()["error"]["message"]
    assert "token" in msg["en"] and "令牌" in msg["zh"]


@pytest.mark.parametrize("header", ["Bearer gdr_not-a-real-token", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "gdr_x"])
def test_bad_token_is_401(env, header):
    before = env.snapshot()
    r = env.client.post("/api/submissions", content=unit_ttl().encode(),
                        headers={"Authorization": header, "Content-Type": "text/turtle"})
    assert r.status_code == 401, r.text
    assert env.snapshot() == before
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_tokens_are_stored_hashed(env):
    rows = env.db.read().execute("SELECT hash FROM tokens").fetchall()
    stored = {r[0] for r in rows}
    assert len(stored) == 4
    assert not any(t in stored for t in env.tokens.values())
    assert env.client.get("/api/me", headers=env.h("alice")).json() == {"name": "alice", "role": "author", "org": "gdou"}


# --- roles and namespaces -------------------------------------------------------------------------

def test_author_cannot_review(env):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    for who in ("alice", "bob"):
        r = env.client.post(f"/api/submissions/{sid}/accept", json={"status": "stable"}, headers=env.h(who))
        assert r.status_code == 403
        assert "registrar" in r.json()["error"]["message"]["en"]
        r = env.client.post(f"/api/submissions/{sid}/reject", json={"reason": "x"}, headers=env.h(who))
        assert r.status_code == 403
    assert UNIT_NEW not in env.store.graph_names()


def test_author_cannot_change_status_or_read_audit(env):
    r = env.set_status(BASE + "unit/ICT-SD-301", "retired", who="alice")
    assert r.status_code == 403
    assert env.client.get("/api/audit", headers=env.h("alice")).status_code == 403
    assert env.client.get("/api/audit", headers=env.h("registrar")).status_code == 200


def test_other_organisations_item_is_403(env):
    before = env.snapshot()
    r = env.submit("bob", unit_ttl())  # bob's organisation owns AUTO, not ICT
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["report"]["items"][0]["results"][0]["kind"] == "forbidden"
    assert "gdrta" in body["report"]["items"][0]["results"][0]["message"]["en"]
    assert env.snapshot() == before
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_changing_another_organisations_published_unit_is_403(env):
    shipped = BASE + "unit/AUTO-"  # any AUTO unit belongs to gdrta's namespace
    ttl = unit_ttl().replace("ICT-SD-309", "AUTO-MR-309")
    r = env.submit("alice", ttl)
    assert r.status_code == 403
    assert shipped in r.json()["report"]["items"][0]["item"]


def test_admin_only_items(env):
    scheme = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix reg: <http://purl.org/linked-data/registry#> .
<https://w3id.org/gdlecb/vocab/test-scheme> a skos:ConceptScheme ;
    skos:prefLabel "测试代码表"@zh , "Test scheme"@en ; reg:status reg:statusSubmitted .
"""
    ontology = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://w3id.org/gdlecb/def> a owl:Ontology .
"""
    for who in ("alice", "registrar"):
        for body in (scheme, ontology):
            r = env.submit(who, body)
            assert r.status_code == 403, (who, r.text)
            assert "admin" in r.json()["report"]["items"][0]["results"][0]["message"]["en"]
    # the admin passes the permission check (the scheme then goes through validation as usual)
    r = env.client.post("/api/validate", content=scheme.encode(), headers=env.h("admin", "text/turtle"))
    assert r.status_code in (200, 422)
    assert not any(res["kind"] == "forbidden" for i in r.json()["items"] for res in i["results"])


# --- invalid data ----------------------------------------------------------------------------------

def test_invalid_unit_is_422_and_registry_unchanged(env):
    before = env.snapshot()
    bad = unit_ttl().replace('cb:competencyStatement "能为给定模块编写可重复运行的自动化测试。"@zh , '
                             '"Can write repeatable automated tests for a given module."@en ;', "")
    assert bad != unit_ttl()
    r = env.submit("alice", bad)
    assert r.status_code == 422, r.text
    report = r.json()["report"]
    assert report["conforms"] is False
    item = report["items"][0]
    assert item["item"] == UNIT_NEW and item["conforms"] is False
    shape = [x for x in item["results"] if x["source"] == "shacl" and x["severity"] == "violation"]
    assert shape and all(x["message"]["zh"] and x["message"]["en"] for x in shape)
    assert any(x["path"] == "https://w3id.org/gdlecb/def/competencyStatement" for x in shape)
    assert env.snapshot() == before
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_syntax_error_names_line_and_column(env):
    r = env.submit("alice", unit_ttl().replace("skos:notation \"ICT-SD-309\" ;", "skos:notation \"ICT-SD-309 ;"))
    assert r.status_code == 422
    msg = r.json()["report"]["results"][0]["message"]["en"]
    assert "submission:" in msg and "syntax" in msg.lower()


def test_unresolved_reference_is_422(env):
    r = env.submit("alice", unit_ttl(area="ZZ"))
    assert r.status_code == 422
    results = r.json()["report"]["items"][0]["results"]
    assert any(x["kind"] == "reference" and "standard/ICT/area/ZZ" in x["message"]["en"] for x in results)


def test_code_used_by_another_item_is_422(env):
    ttl = unit_ttl().replace('skos:notation "ICT-SD-309"', 'skos:notation "ICT-SD-301"')
    r = env.submit("alice", ttl)
    assert r.status_code == 422
    texts = [x["message"]["en"] for x in r.json()["report"]["items"][0]["results"]]
    assert any("ICT-SD-301" in t for t in texts)


def test_unsupported_media_type(env):
    r = env.submit("alice", "<a> <b> <c> .", content_type="application/pdf")
    assert r.status_code == 415


# --- oversized bodies ------------------------------------------------------------------------------

def test_oversized_body_is_413(env):
    big = unit_ttl() + "#" + "x" * MAX_BODY + "\n"
    for url, who in (("/api/submissions", "alice"), ("/api/validate", None)):
        r = env.client.post(url, content=big.encode(), headers=env.h(who, "text/turtle"))
        assert r.status_code == 413, r.text
        assert str(MAX_BODY) in r.json()["error"]["message"]["en"]

    # also without a Content-Length (chunked): the stream is cut at the limit
    def chunks():
        for _ in range(MAX_BODY // 1000 + 2):
            yield b"#" + b"x" * 999

    r = env.client.post("/api/validate", content=chunks(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 413


# --- dry run -------------------------------------------------------------------------------------

def test_validate_needs_no_token_and_stores_nothing(env):
    before = env.snapshot()
    r = env.client.post("/api/validate", content=unit_ttl().encode(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is True and r.json()["items"][0]["item"] == UNIT_NEW
    r = env.client.post("/api/validate", content=unit_ttl(area="ZZ").encode(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422
    assert r.json()["conforms"] is False
    assert env.snapshot() == before
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_validate_with_token_checks_ownership(env):
    r = env.client.post("/api/validate", content=unit_ttl().encode(), headers=env.h("bob", "text/turtle"))
    assert r.status_code == 403


# --- stored submissions: visibility -----------------------------------------------------------------

def test_submitted_item_is_private_until_accepted(env):
    r = env.submit("alice", unit_ttl())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["reg_status"].endswith("#statusSubmitted")
    assert r.headers["location"] == f"/api/submissions/{body['id']}"
    # not in the public store: no graph, not in SPARQL over the union
    assert UNIT_NEW not in env.store.graph_names()
    assert not env.store.ask(f"ASK {{ <{UNIT_NEW}> ?p ?o }}")
    # visible to its author and to registrars, with its Turtle
    for who in ("alice", "registrar", "admin"):
        s = env.client.get(f"/api/submissions/{body['id']}", headers=env.h(who))
        assert s.status_code == 200
        assert "ICT-SD-309" in s.json()["turtle"]
        assert "statusSubmitted" in s.json()["turtle"]
    # not to another organisation's author
    assert env.client.get(f"/api/submissions/{body['id']}", headers=env.h("bob")).status_code == 403
    assert env.client.get("/api/submissions", headers=env.h("bob")).json()["submissions"] == []
    assert [s["id"] for s in env.client.get("/api/submissions", headers=env.h("alice")).json()["submissions"]] == [body["id"]]


def test_second_pending_submission_of_the_same_item_is_409(env):
    assert env.submit("alice", unit_ttl()).status_code == 201
    r = env.submit("alice", unit_ttl(statement="另一种说法。"))
    assert r.status_code == 409
    assert "awaiting review" in r.json()["error"]["message"]["en"]


def test_resubmitting_an_unchanged_item_is_refused(env):
    env.publish(unit_ttl())
    r = env.submit("alice", unit_ttl())
    assert r.status_code == 409, r.text
    assert "identical" in r.json()["report"]["results"][0]["message"]["en"]
    # also when the author downloads the published item (with its version metadata) and sends it back
    published = env.client.get("/unit/ICT-SD-309/v/1", headers={"Accept": "text/turtle"}).text
    r = env.submit("alice", published)
    assert r.status_code == 409, r.text


def test_withdraw(env):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    assert env.client.delete(f"/api/submissions/{sid}", headers=env.h("bob")).status_code == 403
    r = env.client.delete(f"/api/submissions/{sid}", headers=env.h("alice"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert env.accept(sid).status_code == 409
    assert env.submit("alice", unit_ttl()).status_code == 201  # the item is free again


def test_concurrent_submissions_of_the_same_code_one_wins(env):
    n = 6
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def go(i):
        client = TestClient(env.app)
        barrier.wait()
        results[i] = client.post("/api/submissions", content=unit_ttl(statement=f"第 {i} 种说法。").encode(),
                                 headers=env.h("alice", "text/turtle"))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    codes = sorted(r.status_code for r in results)
    assert codes == [201] + [409] * (n - 1), [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert "conflict" in loser.json()["error"]["message"]["en"]
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 1


def test_bulk_submission_all_or_nothing(env):
    units = [unit_ttl(f"ICT-SD-3{i:02d}", statement=f"能力说明 {i}。") for i in range(10, 99)]
    units += [unit_ttl(f"ICT-DA-4{i:02d}", area="DA", level=4, statement=f"数据能力 {i}。") for i in range(10, 99)]
    units += [unit_ttl(f"ICT-NO-5{i:02d}", area="NO", level=5, statement=f"网络能力 {i}。") for i in range(10, 60)]
    assert len(units) == 228
    # one bad unit among them: nothing is stored, and the report names it
    bad = list(units)
    bad[100] = bad[100].replace("cb:level <https://w3id.org/gdlecb/framework/gdleqf/level/4> ;", "")
    before = env.snapshot()
    r = env.submit("alice", "\n".join(bad))
    assert r.status_code == 422, r.text[:2000]
    report = r.json()["report"]
    assert len(report["items"]) == 228
    failing = [i["item"] for i in report["items"] if not i["conforms"]]
    assert failing == [BASE + "unit/ICT-DA-421"]  # units[100]: the 12th of the DA units
    assert env.snapshot() == before
    # all good: one submission, one accept, 228 published items
    result = env.publish("\n".join(units))
    assert len(result["versions"]) == 228
    names = set(env.store.graph_names())
    assert all(BASE + f"unit/ICT-SD-3{i:02d}" in names for i in range(10, 99))


def test_resubmitting_what_the_catalogue_serves_is_unchanged(env):
    """Literals are compared by value: the store gives "2.0"^^xsd:decimal back as "2"."""
    env.publish(unit_ttl())
    import pyoxigraph as ox

    served = ox.serialize(env.store.graph_triples(UNIT_NEW), format=ox.RdfFormat.TURTLE)
    assert b"creditAmount 2.0" not in served  # the store keeps the value, not the lexical form
    r = env.submit("alice", served)
    assert r.status_code == 409, r.text


# --- dev mode and the API description ---------------------------------------------------------------

def test_no_default_credentials_and_dev_mode_prints_an_admin_token_once(tmp_path, seed_store_dir, capsys):
    from .conftest import make_env

    env = make_env(tmp_path / "a", seed_store_dir)
    assert "token" not in capsys.readouterr().out
    names = [r[0] for r in env.db.read().execute("SELECT name FROM users")]
    assert "dev-admin" not in names  # no account is created without --dev
    env.store.close()
    dev = make_env(tmp_path / "b", seed_store_dir, dev=True)
    out = capsys.readouterr().out
    token = out.rsplit(":", 1)[1].strip()
    assert out.count("gdr_") == 1 and token.startswith("gdr_")
    assert dev.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["role"] == "admin"
    dev.store.close()


def test_openapi_documents_the_workflow(env):
    doc = env.client.get("/openapi.json").json()
    paths = doc["paths"]
    for p in ("/api/validate", "/api/submissions", "/api/submissions/{sid}/accept", "/api/submissions/{sid}/reject",
              "/api/items/{item_path}/status", "/api/items/{item_path}/history", "/api/items/{item_path}/diff",
              "/api/changes", "/api/changes.atom"):
        assert p in paths, p
    body = paths["/api/submissions"]["post"]["requestBody"]["content"]
    assert {"text/turtle", "application/ld+json", "text/csv"} <= set(body)
    assert "HTTPBearer" in doc["components"]["securitySchemes"]


def test_json_ld_submission(env):
    import pyoxigraph as ox

    triples = [q.triple for q in ox.parse(unit_ttl().encode(), format=ox.RdfFormat.TURTLE)]
    jsonld = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    r = env.submit("alice", jsonld, content_type="application/ld+json")
    assert r.status_code == 201, r.text
    assert r.json()["items"] == [UNIT_NEW]
    r = env.client.post("/api/validate", content=b'{"@id": ', headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 422 and "syntax" in r.json()["results"][0]["message"]["en"].lower()


def test_revoked_tokens_stop_working(env):
    from registry.workflow.auth import new_user_token

    old = env.tokens["alice"]
    new = new_user_token(env.db, "alice", revoke_others=True)
    assert env.client.get("/api/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert env.client.get("/api/me", headers={"Authorization": f"Bearer {new}"}).json()["name"] == "alice"


def test_a_standard_with_its_units_is_one_submission(env):
    from registry.workflow.auth import add_org

    ttl = (DATA / "standard-new.ttl").read_text(encoding="utf-8")
    # alice's organisation does not own the code CLD yet
    assert env.submit("alice", ttl).status_code == 403
    add_org(env.db, "gdou", "广东开放大学 Guangdong Open University", BASE + "org/gdou", ["ICT", "CLD"])
    r = env.client.post("/api/validate", content=ttl.encode(), headers=env.h("alice", "text/turtle"))
    assert r.status_code == 200, r.text
    result = env.publish(ttl)
    assert sorted(v["item"] for v in result["versions"]) == [
        BASE + "standard/CLD", BASE + "unit/CLD-OP-301", BASE + "unit/CLD-OP-401"]
    # the functional area lives in the standard's graph; the author's own owl:versionInfo is kept
    std = {(t.subject.value, t.predicate.value, t.object.value) for t in env.store.graph_triples(BASE + "standard/CLD")}
    assert (BASE + "standard/CLD/area/OP", "http://www.w3.org/2004/02/skos/core#notation", "OP") in std
    assert (BASE + "standard/CLD", "http://www.w3.org/2002/07/owl#versionInfo", "1.0") in std
    # a unit of the new standard can now be submitted on its own
    unit = unit_ttl("CLD-OP-302").replace("/standard/ICT/area/SD>", "/standard/CLD/area/OP>")
    assert env.submit("alice", unit).status_code == 201
