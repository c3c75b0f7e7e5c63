"""One error body shape per surface (registry/web.py), the status always from errors.HTTP_STATUS."""

from __future__ import annotations

import re

from registry.errors import HTTP_STATUS


def _json_error(r, status: int, kind: str) -> dict:
    assert r.status_code == status == HTTP_STATUS[kind], r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["status"] == status and err["kind"] == kind
    assert err["message"]["zh"] and err["message"]["en"] and err["message"]["zh"] != err["message"]["en"]
    return err


def test_json_api_unauthenticated_and_not_found(env):
    r = env.client.get("/api/submissions")
    _json_error(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"
    _json_error(env.client.get("/api/items/unit/NOPE-XX-999/history"), 404, "not-found")
    _json_error(env.client.get("/api/changes", params={"since": "99999999999999999999"}), 422, "invalid")
    _json_error(env.client.get("/api/changes", params={"since": "yesterday"}), 400, "bad-request")


def test_version_iris_answer_json_or_the_html_error_page(env):
    _json_error(env.client.get("/unit/ICT-SD-301/v/99", headers={"Accept": "text/turtle"}), 404, "not-found")
    r = env.client.get("/unit/ICT-SD-301/v/99", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "没有第 99 版" in r.text and "has no version 99" in r.text
    assert re.search(r'<html[^>]*lang="zh"', r.text)
    r = env.client.get("/unit/ICT-SD-301/v/99?lang=en", headers={"Accept": "text/html"})
    assert re.search(r'<html[^>]*lang="en"', r.text) and "has no version 99" in r.text


def test_sparql_surface_is_one_bilingual_text_line(env):
    r = env.client.put("/sparql", content=b"")
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/plain")
    assert r.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert r.text.count("\n") == 1 and " · " in r.text
    r = env.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "nonsense"})
    assert r.status_code == 400 and "unknown format" in r.text
    r = env.client.get("/dumps/nothing.gz")
    assert r.status_code == 404 and r.text.startswith("没有这个转储 · No such dump")


def test_transfer_refusals_name_the_field_and_kind(env):
    err = _json_error(env.client.post("/api/transfer/evaluate", content=b"[1]",
                                      headers={"Content-Type": "application/json"}), 422, "invalid")
    assert err["field"] == "body"


def test_one_body_reader_refuses_a_declared_oversized_body(env):
    limit = env.app.state.ctx.settings.max_body_bytes
    big = b"x" * (limit + 1)
    for path in ("/api/transfer/evaluate", "/api/submissions"):
        r = env.client.post(path, content=big, headers={"Content-Type": "application/json", **env.h("alice")})
        err = _json_error(r, 413, "too-large")
        assert err["limit"] == limit and str(limit) in err["message"]["en"]
