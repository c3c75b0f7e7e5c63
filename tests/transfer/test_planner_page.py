"""The planner page (/planner): served by the transfer router in zh and en, no inline script (CSP
``script-src 'self'``), not cached, carrying none of the person's choices; the evaluate call stores nothing."""

from __future__ import annotations

import re

import pytest

BASE = "https://w3id.org/gdlecb/"
QUAL = BASE + "qualification/gzpyp-software-technology"


@pytest.mark.parametrize("lang,title,nojs", [("zh", "学分规划", "学分规划需要启用 JavaScript"),
                                             ("en", "Credit planner", "The credit planner needs JavaScript")])
def test_planner_page(client, lang, title, nojs):
    r = client.get(f"/planner?lang={lang}", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    html = r.text
    assert f"<h1>{title}</h1>" in html and nojs in html
    for tag in re.findall(r"<script\b[^>]*>", html):  # only external scripts or inert JSON data
        assert 'src="' in tag or 'type="application/json"' in tag or 'type="application/ld+json"' in tag, tag
    assert '<script src="/static/planner.js" defer></script>' in html
    # every registered qualification can be chosen as a target
    for q in ("gzpyp-software-technology", "elderly-care-level-2", "cantonese-cuisine-level-3"):
        assert f'value="{BASE}qualification/{q}"' in html


def test_planner_preselects_only_a_registered_target(client):
    html = client.get(f"/planner?lang=en&target={QUAL}").text
    assert f'value="{QUAL}" selected' in html
    html = client.get('/planner?lang=en&target="><script>alert(1)</script>').text
    assert " selected" not in html.split('id="planner-target"', 1)[1].split("</select>", 1)[0]
    assert "<script>alert(1)" not in html


def test_planner_strings_are_inert_json(client):
    html = client.get("/planner?lang=zh").text
    block = re.search(r'<div id="planner-strings" hidden>(.*?)</div>', html, re.S).group(1)
    import json

    strings = json.loads(block)
    assert strings["recognised"] == "可认定的单元和课程" and "<" not in block


def test_qualification_page_links_to_the_planner(client):
    html = client.get("/qualification/gzpyp-software-technology?lang=en", headers={"Accept": "text/html"}).text
    assert 'href="/planner?target=https%3A%2F%2Fw3id.org%2Fgdlecb%2Fqualification%2Fgzpyp-software-technology"' in html


def test_evaluations_store_nothing(client, store, state_dir):
    before = sorted(p.name for p in state_dir.rglob("*")), store.generation()
    body = {"achievements": [{"id": BASE + "achievement/1x-web-frontend-intermediate", "date": "2025-06-01"}],
            "target": QUAL, "at": "2026-06-01", "lang": "en"}
    for _ in range(3):
        assert client.post("/api/transfer/evaluate", json=body).status_code == 200
    assert (sorted(p.name for p in state_dir.rglob("*")), store.generation()) == before
