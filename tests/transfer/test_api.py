"""POST /api/transfer/evaluate: JSON and PROV answers, bilingual 422s naming the field, nothing stored."""

from __future__ import annotations

import hashlib
import os

import pytest

from .conftest import BASE

URL = "/api/transfer/evaluate"
ACH = BASE + "achievement/"
GOOD = {"achievements": [{"id": ACH + "chinese-cook-level-4", "date": "2025-01-01"}], "units": [],
        "target": BASE + "qualification/cantonese-cuisine-level-3", "at": "2025-10-01", "lang": "en"}


def test_json_answer_has_the_issue_keys(client):
    r = client.post(URL, json=GOOD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"recognised", "not_applied", "totals", "target"} <= set(body)
    e = body["recognised"][0]
    assert {"unit", "code", "credits", "rules"} <= set(e)
    assert {"system", "amount"} <= set(e["credits"][0])
    assert {"qualification", "met", "requirements"} <= set(body["target"])
    assert {"label", "met", "missing", "suggestions"} <= set(body["target"]["requirements"][0])
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("accept,fragment", [("text/turtle", b"prov:Activity"), ("application/ld+json", b"http://www.w3.org/ns/prov#")])
def test_rdf_answer(client, accept, fragment):
    r = client.post(URL, json=GOOD, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert fragment in r.content
    assert BASE.encode() + b"transfer-rule/chinese-cook-l4-to-cul-hc" in r.content


@pytest.mark.parametrize("body,field", [
    (b"{not json", "body"),
    (b"[1, 2]", "body"),
    (b'{"achievements": [{"id": "https://example.org/x", "date": "2025-01-01"}]}', "achievements[0].id"),
    (('{"achievements": [{"id": "%schinese-cook-level-4", "date": "2025-13-01"}]}' % ACH).encode(), "achievements[0].date"),
    (('{"achievements": [{"id": "%schinese-cook-level-4"}]}' % ACH).encode(), "achievements[0].date"),
    (('{"achievements": [{"id": "%schinese-cook-level-4", "date": "2025-01-01", "expires": "soon"}]}' % ACH).encode(),
     "achievements[0].expires"),
    (b'{"units": ["https://w3id.org/gdlecb/unit/NOPE-XX-101"]}', "units[0]"),
    (b'{"target": "https://w3id.org/gdlecb/unit/ICT-SD-301"}', "target"),
    (b'{"at": "2025-02-30"}', "at"),
    (b'{"lang": "fr"}', "lang"),
    (b'{"learner": "alice"}', "learner"),
    (b'{"achievements": "x"}', "achievements"),
])
def test_bad_requests_get_a_bilingual_422_naming_the_field(client, body, field):
    r = client.post(URL, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["field"] == field
    assert err["message"]["zh"] and err["message"]["en"] and err["message"]["zh"] != err["message"]["en"]


def _fingerprint(*folders):
    out = {}
    for folder in folders:
        for dirpath, _, files in os.walk(folder):
            for f in files:
                p = os.path.join(dirpath, f)
                with open(p, "rb") as fh:
                    out[p] = hashlib.sha256(fh.read()).hexdigest()
    return out


def test_nothing_about_the_learner_is_stored(client, store, store_dir, state_dir, caplog):
    client.post(URL, json=GOOD)  # warm up (the graph cache is built once)
    before, gen = _fingerprint(store_dir, state_dir), store.generation()
    secret = {"achievements": [{"id": ACH + "food-safety-training", "date": "2025-01-01", "grade": "SECRET-GRADE-42"}],
              "at": "2025-10-01"}
    with caplog.at_level("DEBUG"):
        assert client.post(URL, json=secret).status_code == 200
        assert client.post(URL, json={**secret, "at": "bad"}).status_code == 422
    assert _fingerprint(store_dir, state_dir) == before
    assert store.generation() == gen
    assert "SECRET-GRADE-42" not in caplog.text
