"""The W3C Entity Reconciliation Service API at /reconcile, driven as OpenRefine drives it (issue 10,
item 6): manifest, batch queries (form-encoded ``queries=``), scores, ``match``, preview and suggest."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings

UNIT = "https://w3id.org/gdlecb/def/Unit"
U = "https://w3id.org/gdlecb/unit/"


@pytest.fixture(scope="module")
def client(shipped_store):
    with TestClient(create_app(Settings(sparql_workers=1), store=shipped_store)) as c:
        yield c


def batch(client, queries: dict, **params) -> dict:
    r = client.post("/reconcile", data={"queries": json.dumps(queries, ensure_ascii=False)}, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    return r.json()


def test_manifest_is_what_openrefine_reads(client):
    r = client.get("/reconcile")
    assert r.status_code == 200
    m = r.json()
    assert m["name"] and m["identifierSpace"] == "https://w3id.org/gdlecb/" and m["schemaSpace"].endswith("/def/")
    types = {t["id"] for t in m["defaultTypes"]}
    assert {UNIT, "https://w3id.org/gdlecb/def/Achievement", "https://w3id.org/gdlecb/def/CompetencyStandard",
            "https://w3id.org/gdlecb/def/Organisation", "https://w3id.org/gdlecb/def/Occupation"} <= types
    assert "{{id}}" in m["view"]["url"] and "{{id}}" in m["preview"]["url"]
    assert set(m["suggest"]) == {"entity", "type", "property"}
    assert client.get("/reconcile", params={"lang": "en"}).json()["name"] != m["name"]


# a spreadsheet of course and certificate names, in zh and en, and the unit each should find
COURSES = {
    "q0": ({"query": "接待到店客户"}, "AUTO-SM-101", True),                       # the exact name
    "q1": ({"query": "icT-sd-201"}, "ICT-SD-201", True),                           # the exact code, any case
    "q2": ({"query": "Care for older people living with dementia", "type": UNIT}, "ELC-CR-301", True),
    "q3": ({"query": "失智老年人照护", "type": UNIT}, "ELC-CR-301", False),        # words reordered
    "q4": ({"query": "Machine learning models: build and evaluate", "type": [UNIT]}, "ICT-DA-501", False),
    "q5": ({"query": "粤菜传统热菜烹制", "type": UNIT}, "CUL-HC-301", False),
    "q6": ({"query": "food safety practice", "type": UNIT}, "CUL-KM-201", False),  # part of the name
    "q7": ({"query": "发动机电控系统故障诊断", "type": UNIT, "limit": 3}, "AUTO-MR-401", False),
}


def test_a_batch_of_course_names_finds_the_right_units(client):
    answers = batch(client, {k: q for k, (q, _, _) in COURSES.items()})
    assert set(answers) == set(COURSES)
    for key, (q, code, exact) in COURSES.items():
        results = answers[key]["result"]
        assert results, key
        best = results[0]
        assert best["id"] == U + code, (key, results[:3])
        assert set(best) >= {"id", "name", "type", "score", "match"}
        assert any(t["id"] == UNIT for t in best["type"])
        assert best["match"] is exact, (key, best)
        assert (best["score"] == 100) is exact, (key, best)
        assert all(0 < r["score"] <= 100 for r in results)
        assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
        assert len(results) <= q.get("limit", 5)


def test_names_come_in_the_requested_language(client):
    zh = batch(client, {"q0": {"query": "ICT-SD-201"}})["q0"]["result"][0]
    en = batch(client, {"q0": {"query": "ICT-SD-201"}}, lang="en")["q0"]["result"][0]
    assert zh["name"] == "按规范编写与调试简单程序" and en["name"] == "Write and debug simple programs to a specification"


def test_properties_code_level_and_sector_take_part_in_matching(client):
    q = {"query": "接待到店客户", "type": UNIT}
    good = batch(client, {"q": dict(q, properties=[{"pid": "level", "v": "1"}, {"pid": "sector", "v": "O"},
                                                   {"pid": "code", "v": "AUTO-SM-101"}])})["q"]["result"][0]
    bad = batch(client, {"q": dict(q, properties=[{"pid": "level", "v": "5"}])})["q"]["result"][0]
    assert good["id"] == bad["id"] == U + "AUTO-SM-101"
    assert good["match"] is True and good["score"] == 100
    assert bad["match"] is False and bad["score"] < 100


def test_type_restricts_candidates(client):
    answers = batch(client, {"u": {"query": "软件", "type": UNIT},
                             "s": {"query": "软件", "type": "https://w3id.org/gdlecb/def/CompetencyStandard"}})
    assert answers["u"]["result"] and all(r["id"].startswith(U) for r in answers["u"]["result"])
    assert [r["id"] for r in answers["s"]["result"]] == ["https://w3id.org/gdlecb/standard/ICT"]


def test_achievements_organisations_and_occupations_reconcile_too(client):
    a = batch(client, {"a": {"query": "华为认证数通工程师（HCIA-Datacom）"},
                       "o": {"query": "专业技术人员", "type": "https://w3id.org/gdlecb/def/Occupation"}})
    assert a["a"]["result"][0]["match"] is True
    assert any(t["id"].endswith("Achievement") for t in a["a"]["result"][0]["type"])
    assert a["o"]["result"][0]["match"] is True and a["o"]["result"][0]["id"].endswith("/2")


def test_get_with_queries_answers_the_same(client):
    queries = {"q0": {"query": "接待到店客户"}}
    via_get = client.get("/reconcile", params={"queries": json.dumps(queries, ensure_ascii=False)}).json()
    assert via_get == batch(client, queries)


@pytest.mark.parametrize("body", [
    {"queries": "{not json"}, {"queries": "[]"}, {"queries": '{"q0": {"query": ""}}'},
    {"queries": '{"q0": {"query": "x", "type": "https://example.org/Nope"}}'},
    {"queries": '{"q0": {"query": "x", "limit": "many"}}'},
    {"queries": '{"q0": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}'},
    {"nothing": "here"},
])
def test_bad_batches_are_a_bilingual_400(client, body):
    r = client.post("/reconcile", data=body)
    assert r.status_code == 400, r.text
    msg = r.json()["error"]["message"]
    assert msg["zh"] and msg["en"] and msg["zh"] != msg["en"]


def test_preview_is_escaped_html_without_script_or_inline_style(client):
    r = client.get("/reconcile/preview", params={"id": U + "AUTO-SM-101", "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Welcome customers at the dealership" in r.text and "AUTO-SM-101" in r.text
    assert "<script" not in r.text and "style=" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    missing = client.get("/reconcile/preview", params={"id": "<script>alert(1)</script>"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")


def test_suggest_services(client):
    e = client.get("/reconcile/suggest/entity", params={"prefix": "接待", "type": UNIT}).json()["result"]
    assert e[0]["id"] == U + "AUTO-SM-101" and e[0]["name"] == "接待到店客户"
    t = client.get("/reconcile/suggest/type", params={"prefix": "unit", "lang": "en"}).json()["result"]
    assert [x["id"] for x in t] == [UNIT]
    p = client.get("/reconcile/suggest/property", params={"prefix": "lev"}).json()["result"]
    assert [x["id"] for x in p] == ["level"]


def test_autocomplete_endpoint(client):
    r = client.get("/api/suggest", params={"q": "接待到", "lang": "zh"})
    assert r.status_code == 200
    s = r.json()["suggestions"]
    assert s[0]["iri"] == U + "AUTO-SM-101" and s[0]["url"].endswith("/unit/AUTO-SM-101")
    assert client.get("/api/suggest", params={"q": ""}).json()["suggestions"] == []
    assert len(client.get("/api/suggest", params={"q": "a", "limit": 3}).json()["suggestions"]) <= 3
    assert client.get("/api/suggest", params={"q": "x" * 201}).status_code == 400
