"""Content negotiation on the IRIs we mint: Accept (with q-values), suffixes, ?_mediatype=, 304, 404, 406."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from registry.catalogue import rdf

UNIT = "/unit/ICT-SD-301"
UNIT_IRI = "https://w3id.org/gdlecb/unit/ICT-SD-301"

# (path, headers, expected status, expected media type)
CASES = [
    (UNIT, {"Accept": "text/html"}, 200, "text/html"),
    (UNIT, {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, 200, "text/html"),
    (UNIT, {"Accept": "text/turtle"}, 200, "text/turtle"),
    (UNIT, {"Accept": "application/ld+json"}, 200, "application/ld+json"),
    (UNIT, {"Accept": "application/rdf+xml"}, 200, "application/rdf+xml"),
    (UNIT, {"Accept": "application/n-triples"}, 200, "application/n-triples"),
    (UNIT, {"Accept": "application/json"}, 200, "application/ld+json"),
    (UNIT, {"Accept": "*/*"}, 200, "text/turtle"),
    (UNIT, {"Accept": "text/turtle;q=0.5, application/ld+json;q=0.9"}, 200, "application/ld+json"),
    (UNIT, {"Accept": "text/html;q=0.1, application/rdf+xml"}, 200, "application/rdf+xml"),
    (UNIT, {"Accept": "text/*;q=0.9, text/html;q=0"}, 200, "text/turtle"),
    (UNIT, {"Accept": "image/png"}, 406, "text/plain"),
    (UNIT, {"Accept": "text/html;q=0, text/turtle;q=0, application/*;q=0"}, 406, "text/plain"),
    (UNIT + ".ttl", {"Accept": "text/html"}, 200, "text/turtle"),
    (UNIT + ".jsonld", {}, 200, "application/ld+json"),
    (UNIT + ".rdf", {}, 200, "application/rdf+xml"),
    (UNIT + ".nt", {}, 200, "application/n-triples"),
    (UNIT + ".html", {"Accept": "text/turtle"}, 200, "text/html"),
    (UNIT + "?_mediatype=application/n-triples", {"Accept": "text/html"}, 200, "application/n-triples"),
    (UNIT + "?_mediatype=text/turtle", {}, 200, "text/turtle"),
    (UNIT + "?_mediatype=image/png", {}, 406, "text/plain"),
    (UNIT + "?_format=jsonld", {}, 200, "application/ld+json"),
    # every kind of IRI we mint
    ("/def", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/def/Unit", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/def/Unit", {"Accept": "text/html"}, 200, "text/html"),
    ("/shapes", {"Accept": "text/html"}, 200, "text/html"),
    ("/shapes/UnitShape", {"Accept": "application/ld+json"}, 200, "application/ld+json"),
    ("/framework/gdleqf", {"Accept": "text/html"}, 200, "text/html"),
    ("/framework/gdleqf/level/3", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/framework/gdleqf/level/3/knowledge", {"Accept": "text/html"}, 200, "text/html"),
    ("/framework/gdleqf/mapping/eqf-3-3", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/vocab/sector", {"Accept": "text/html"}, 200, "text/html"),
    ("/vocab/sector/I", {"Accept": "application/rdf+xml"}, 200, "application/rdf+xml"),
    ("/standard/ICT", {"Accept": "text/html"}, 200, "text/html"),
    ("/standard/ICT/area/SD", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/unit/ICT-SD-301/outcome/1", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/org/gdou", {"Accept": "text/html"}, 200, "text/html"),
    ("/achievement/cert-testing", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/transfer-rule/cert-testing-to-sd301", {"Accept": "text/html"}, 200, "text/html"),
    # unknown IRIs
    ("/unit/NOPE-XX-999", {"Accept": "text/html"}, 404, "text/html"),
    ("/unit/NOPE-XX-999", {"Accept": "text/turtle"}, 404, "text/plain"),
    ("/unit/bad<iri>", {"Accept": "text/html"}, 404, "text/html"),
]


@pytest.mark.parametrize("path,headers,status,media", CASES, ids=[f"{c[0]} {c[1].get('Accept', '-')}" for c in CASES])
def test_negotiation(client, path, headers, status, media):
    r = client.get(path, headers=headers)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].split(";")[0] == media
    if status == 200:
        assert "Accept" in r.headers["vary"]
        assert r.headers["etag"]
        assert r.headers["last-modified"]
    if status == 406:
        for mt in ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"):
            if path.startswith(UNIT):
                assert mt in r.text


@pytest.mark.parametrize("suffix,fmt", [("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                                        ("rdf", ox.RdfFormat.RDF_XML)])
def test_rdf_answer_is_the_item_graph(client, site_store, suffix, fmt):
    r = client.get(f"{UNIT}.{suffix}")
    got = {(t.subject, t.predicate, t.object) for t in ox.parse(r.content, format=fmt)}
    want = {(t.subject, t.predicate, t.object) for t in site_store.graph_triples(UNIT_IRI)}
    assert got == want and len(got) > 20


def test_sub_resource_answer_is_its_description(client):
    r = client.get("/framework/gdleqf/level/3.nt")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    subjects = {t.subject.value for t in triples}
    base = "https://w3id.org/gdlecb/framework/gdleqf/level/3"
    assert base in subjects and base + "/knowledge" in subjects
    assert all(s == base or s.startswith(base + "/") for s in subjects)  # not the whole framework graph


def test_jsonld_is_compact_and_expands_to_the_graph(client, site_store):
    doc = client.get(UNIT + ".jsonld").json()
    # issue 10 item 2: the context is on the serving host (Settings().public_base()), so it resolves
    assert doc["@context"] == "http://127.0.0.1:8000/context.jsonld"
    body = json.dumps(doc)
    assert '"prefLabel"' in body and '"level"' in body and "skos:prefLabel" not in body
    ctx = client.get("/context.jsonld").json()
    doc["@context"] = ctx["@context"]
    got = {(t.subject, t.predicate, t.object) for t in ox.parse(json.dumps(doc), format=ox.RdfFormat.JSON_LD)}
    want = {(t.subject, t.predicate, t.object) for t in site_store.graph_triples(UNIT_IRI)}
    assert got == want


def test_jsonld_round_trip_with_blank_nodes(client, site_store):
    iri = "https://w3id.org/gdlecb/unit/ICT-SD-302"
    doc = client.get("/unit/ICT-SD-302.jsonld").json()
    doc["@context"] = rdf.context_document()["@context"]
    got = list(ox.parse(json.dumps(doc), format=ox.RdfFormat.JSON_LD))
    want = site_store.graph_triples(iri)
    ground = lambda ts: {(t.subject.value, t.predicate.value, str(t.object)) for t in ts  # noqa: E731
                         if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}
    assert len(got) == len(want) and ground(got) == ground(want)


def test_revalidation_gives_304(client):
    r = client.get(UNIT, headers={"Accept": "text/turtle"})
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert client.get(UNIT, headers={"Accept": "text/turtle", "If-None-Match": etag}).status_code == 304
    assert client.get(UNIT, headers={"Accept": "text/turtle", "If-Modified-Since": lm}).status_code == 304
    assert client.get(UNIT, headers={"Accept": "text/turtle", "If-None-Match": '"other"'}).status_code == 200
    assert client.get(UNIT, headers={"Accept": "text/turtle",
                                     "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    # a different representation has a different ETag
    assert client.get(UNIT, headers={"Accept": "application/n-triples"}).headers["etag"] != etag


def test_last_modified_comes_from_dcterms_modified(client):
    r = client.get(UNIT, headers={"Accept": "text/turtle"})
    assert r.headers["last-modified"] == "Sun, 01 Nov 2026 00:00:00 GMT"


def test_link_headers_and_html_alternates(client):
    r = client.get(UNIT, headers={"Accept": "text/html"})
    link = r.headers["link"]
    for suffix, mt in rdf.SUFFIXES.items():
        assert f'<{UNIT}.{suffix}>; rel="alternate"; type="{mt}"' in link
        assert f'<link rel="alternate" type="{mt}" href="{UNIT}.{suffix}">' in r.text


def test_base_iri_maps_onto_another_host(site_store):
    """IRIs are permanent identifiers; the serving host may differ: links point at the served paths."""
    from fastapi.testclient import TestClient

    from registry.app import create_app
    from registry.config import Settings

    c = TestClient(create_app(Settings(base_iri="https://w3id.org/gdlecb/"), store=site_store),
                   base_url="http://registry.example.org")
    r = c.get(UNIT, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert 'href="/standard/ICT"' in r.text and "https://w3id.org/gdlecb/unit/ICT-SD-301" in r.text


def test_head_request(client):
    r = client.head(UNIT, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")


def test_context_document(client):
    r = client.get("/context.jsonld")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    ctx = r.json()["@context"]
    assert ctx["cb"] == "https://w3id.org/gdlecb/def/"
    assert ctx["level"] == {"@id": "cb:level", "@type": "@id"}
