"""Version IRIs ``{item}/v/{n}`` negotiate exactly like item IRIs (registry/negotiation.py).

One table of requests: suffix, ``?_mediatype=``, ``?_format=`` and ``Accept`` (with the
precedence suffix → ``?_mediatype=`` → ``?_format=`` → ``Accept``). Each is sent to an item
IRI and to its version IRI; both must give the same status and the same media type.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from workflow.conftest import UNIT_NEW, unit_ttl

ITEM = "/unit/ICT-SD-309"

# (suffix, query, headers, expected status, expected media type)
CASES = [
    ("", "", {"Accept": "text/html"}, 200, "text/html"),
    ("", "", {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, 200, "text/html"),
    ("", "", {"Accept": "*/*"}, 200, "text/turtle"),
    ("", "", {}, 200, "text/turtle"),
    ("", "", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("", "", {"Accept": "application/ld+json"}, 200, "application/ld+json"),
    ("", "", {"Accept": "application/json"}, 200, "application/ld+json"),
    ("", "", {"Accept": "application/rdf+xml"}, 200, "application/rdf+xml"),
    ("", "", {"Accept": "application/n-triples"}, 200, "application/n-triples"),
    ("", "", {"Accept": "text/turtle;q=0.5, application/ld+json;q=0.9"}, 200, "application/ld+json"),
    ("", "", {"Accept": "text/*;q=0.9, text/html;q=0"}, 200, "text/turtle"),
    ("", "", {"Accept": "image/png"}, 406, None),
    (".ttl", "", {"Accept": "text/html"}, 200, "text/turtle"),
    (".jsonld", "", {}, 200, "application/ld+json"),
    (".rdf", "", {}, 200, "application/rdf+xml"),
    (".nt", "", {"Accept": "text/turtle"}, 200, "application/n-triples"),
    (".html", "", {"Accept": "text/turtle"}, 200, "text/html"),
    ("", "?_mediatype=application/n-triples", {"Accept": "text/html"}, 200, "application/n-triples"),
    ("", "?_mediatype=text/turtle", {}, 200, "text/turtle"),
    ("", "?_mediatype=application/json", {}, 200, "application/ld+json"),
    ("", "?_mediatype=image/png", {"Accept": "text/turtle"}, 406, None),
    ("", "?_format=jsonld", {"Accept": "text/turtle"}, 200, "application/ld+json"),
    ("", "?_format=nt", {}, 200, "application/n-triples"),
    ("", "?_format=html", {}, 200, "text/html"),
    ("", "?_format=nonsense", {"Accept": "text/turtle"}, 406, None),
    # precedence: the suffix over ?_mediatype= over ?_format= over Accept
    (".ttl", "?_mediatype=application/ld+json", {}, 200, "text/turtle"),
    ("", "?_mediatype=application/rdf%2Bxml&_format=nt", {"Accept": "text/html"}, 200, "application/rdf+xml"),
]


@pytest.fixture
def published(env):
    env.publish(unit_ttl())
    return env


def _media(r) -> str | None:
    return r.headers.get("content-type", "").split(";")[0].strip() if r.status_code == 200 else None


@pytest.mark.parametrize(("suffix", "query", "headers", "status", "media"), CASES,
                         ids=[f"{s or '-'}{q or ''} {h.get('Accept', '(no Accept)')}" for s, q, h, _, _ in CASES])
def test_version_iri_answers_like_the_item_iri(published, suffix, query, headers, status, media):
    item = published.client.get(ITEM + suffix + query, headers=headers)
    version = published.client.get(ITEM + "/v/1" + suffix + query, headers=headers)
    assert (item.status_code, _media(item)) == (status, media), item.text[:300]
    assert (version.status_code, _media(version)) == (status, media), version.text[:300]


def test_version_suffix_serves_the_version_triples(published):
    r = published.client.get(ITEM + "/v/1.nt")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    assert ox.NamedNode(UNIT_NEW + "/v/1") in {t.subject for t in triples}
    assert "immutable" in r.headers["cache-control"]
    assert published.client.head(ITEM + "/v/1.ttl").status_code == 200


def test_unknown_version_suffix_and_missing_version_are_not_found(published):
    assert published.client.get(ITEM + "/v/1.png").status_code == 404
    assert published.client.get(ITEM + "/v/9.ttl").status_code == 404


def test_version_at_keeps_the_suffix(published):
    r = published.client.get(ITEM + ".ttl", params={"_versionAt": "2999-01-01"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == ITEM + "/v/1.ttl"
