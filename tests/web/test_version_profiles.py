"""Version IRIs ``{item}/v/{n}`` negotiate by profile exactly like item IRIs (issue 10):
``?_profile=TOKEN``, ``Accept-Profile``, the ``Content-Profile`` / ``Link rel=profile`` they answer
with, ``?_profile=alt``, and an unknown profile refused (400 for the query, 406 for the header).
Each request goes to the item IRI and to its version IRI; both must agree."""

from __future__ import annotations

import pytest

from registry.profiles import PROFILES
from workflow.conftest import unit_ttl

ITEM = "/unit/ICT-SD-309"
TTL = {"Accept": "text/turtle"}


@pytest.fixture
def published(env):
    env.publish(unit_ttl())
    return env


def _both(client, query: str, headers: dict):
    return client.get(ITEM + query, headers=headers), client.get(ITEM + "/v/1" + query, headers=headers)


def _media(r) -> str:
    return r.headers.get("content-type", "").split(";")[0]


CASES = [  # (query, headers, status, profile token served)
    ("", TTL, 200, "cb"),
    ("?_profile=skos", TTL, 200, "skos"),
    ("?_profile=elm", TTL, 200, "elm"),
    ("?_profile=ctdl", {}, 200, "ctdl"),
    (f"?_profile={PROFILES['skos'].iri}", TTL, 200, "skos"),
    ("", {**TTL, "Accept-Profile": f"<{PROFILES['elm'].iri}>"}, 200, "elm"),
    ("", {**TTL, "Accept-Profile": f"<{PROFILES['skos'].iri}>;q=0.4, <{PROFILES['ctdl'].iri}>;q=0.9"}, 200, "ctdl"),
    ("?_profile=skos", {**TTL, "Accept-Profile": f"<{PROFILES['elm'].iri}>"}, 200, "skos"),  # query over header
    ("?_profile=nope", TTL, 400, None),
    ("", {**TTL, "Accept-Profile": "<https://example.org/no-such-profile>"}, 406, None),
]


@pytest.mark.parametrize(("query", "headers", "status", "token"), CASES,
                         ids=[f"{q or '-'} {h.get('Accept-Profile', '')}" for q, h, _, _ in CASES])
def test_version_iri_negotiates_profiles_like_the_item_iri(published, query, headers, status, token):
    item, version = _both(published.client, query, headers)
    for r in (item, version):
        assert r.status_code == status, r.text[:300]
        if token is None:
            assert "未知" in r.text and "nknown profile" in r.text
            continue
        iri = PROFILES[token].iri
        assert r.headers["content-profile"] == f"<{iri}>"
        assert f'<{iri}>; rel="profile"' in r.headers["link"]
        assert "Accept-Profile" in r.headers["vary"]
    if token is not None:
        assert _media(item) == _media(version)
        assert version.content.strip()


def test_version_profile_view_describes_the_version(published):
    item, version = _both(published.client, "?_profile=skos", TTL)
    assert b"skos:Concept" in version.content and b"skos:Concept" in item.content
    assert item.headers["content-profile"] == version.headers["content-profile"]


def test_version_alternates_list_every_profile(published):
    item, version = _both(published.client, "?_profile=alt", TTL)
    for r in (item, version):
        assert r.status_code == 200 and _media(r) == "text/turtle"
        assert "connegp/altr" in r.headers["content-profile"]
        for p in PROFILES.values():
            assert p.iri.encode() in r.content
    assert b"/v/1?_profile=skos" in version.content
    html_item, html_version = _both(published.client, "?_profile=alt", {"Accept": "text/html"})
    assert _media(html_item) == _media(html_version) == "text/html"
