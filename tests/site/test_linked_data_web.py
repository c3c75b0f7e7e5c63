"""Issue 10 (items 1, 2, 6, 7): profile negotiation, JSON-LD forms, registers as data, CORS, VoID,
sitemap and robots, profile dumps — over the real application (TestClient)."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld as pyld

from registry.profiles import jsonld

UNIT = "/unit/ICT-SD-301"
UNIT_IRI = "https://w3id.org/gdlecb/unit/ICT-SD-301"
PROFILE = "https://w3id.org/gdlecb/vocab/profile/"


def graph(r, fmt):
    return rdflib.Graph().parse(data=r.content, format=fmt)


@pytest.mark.parametrize("token", ["cb", "skos", "elm", "ctdl"])
def test_profile_by_query_and_header(client, token):
    for r in (client.get(f"{UNIT}?_profile={token}", headers={"Accept": "text/turtle"}),
              client.get(UNIT, headers={"Accept": "text/turtle", "Accept-Profile": f"<{PROFILE}{token}>"})):
        assert r.status_code == 200
        assert r.headers["content-profile"] == f"<{PROFILE}{token}>"
        assert f'<{PROFILE}{token}>; rel="profile"' in r.headers["link"]
        assert "Accept-Profile" in r.headers["vary"]
        g = graph(r, "turtle")
        assert (rdflib.URIRef(UNIT_IRI), None, None) in g


def test_profile_views_differ_and_use_their_vocabulary(client):
    elm = graph(client.get(UNIT + "?_profile=elm", headers={"Accept": "text/turtle"}), "turtle")
    skos = graph(client.get(UNIT + "?_profile=skos", headers={"Accept": "text/turtle"}), "turtle")
    u = rdflib.URIRef(UNIT_IRI)
    assert (u, rdflib.RDF.type, rdflib.URIRef("http://data.europa.eu/snb/model/elm/LearningAchievementSpecification")) in elm
    assert (u, rdflib.RDF.type, rdflib.SKOS.Concept) in skos
    assert not any(str(p).startswith("https://w3id.org/gdlecb/def/") for p in skos.predicates())


def test_accept_profile_q_values_pick_the_best_offered(client):
    h = {"Accept": "text/turtle", "Accept-Profile": f"<http://example.org/nope>;q=1, <{PROFILE}skos>;q=0.5, <{PROFILE}elm>;q=0.8"}
    assert client.get(UNIT, headers=h).headers["content-profile"] == f"<{PROFILE}elm>"


def test_ctdl_is_json_ld_with_ctdl_context_by_default(client):
    r = client.get(UNIT + "?_profile=ctdl")
    assert r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"] == "https://credreg.net/ctdl/schema/context/json"
    assert "ceasn:Competency" in json.dumps(doc)


def test_unknown_profile_is_400_or_406_bilingual(client):
    r = client.get(UNIT + "?_profile=nope")
    assert r.status_code == 400 and "nope" in r.text and "未知" in r.text and "Unknown profile" in r.text
    r = client.get(UNIT, headers={"Accept-Profile": "<http://example.org/nope>"})
    assert r.status_code == 406 and "未知" in r.text


def test_alternates_list_every_profile_as_rdf_and_html(client):
    r = client.get(UNIT + "?_profile=alt", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = graph(r, "turtle")
    tokens = {str(o) for o in g.objects(None, rdflib.URIRef("http://www.w3.org/ns/dx/prof/hasToken"))}
    assert tokens == {"cb", "skos", "elm", "ctdl"}
    reps = set(g.objects(rdflib.URIRef(UNIT_IRI), rdflib.URIRef("http://www.w3.org/ns/dx/connegp/altr#hasRepresentation")))
    assert len(reps) >= 15
    html = client.get(UNIT + "?_profile=alt", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    for token in ("cb", "skos", "elm", "ctdl"):
        assert f"_profile={token}&amp;_mediatype=text/turtle" in html.text


def test_link_alternates_name_type_and_profile(client):
    link = client.get(UNIT, headers={"Accept": "text/turtle"}).headers["link"]
    assert f'_profile=elm&_mediatype=application/ld%2Bjson>; rel="alternate"; type="application/ld+json"; profile="{PROFILE}elm"' in link
    assert "?_profile=alt>" in link


def test_alternate_links_resolve(client):
    r = client.get(UNIT + "?_profile=skos&_mediatype=application/ld%2Bjson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert r.headers["content-profile"] == f"<{PROFILE}skos>"


def _context_loader(client):
    """A PyLD loader that answers the context URL from the app (offline) and refuses everything else."""
    def load(url, options=None):
        assert url.endswith("/context.jsonld"), url
        doc = client.get("/context.jsonld").json()
        return {"contextUrl": None, "documentUrl": url, "document": doc, "contentType": "application/ld+json"}
    return load


@pytest.mark.parametrize("form", [None, jsonld.EXPANDED, jsonld.COMPACTED, jsonld.FLATTENED])
def test_jsonld_forms_round_trip_like_turtle(client, form):
    accept = "application/ld+json" + (f';profile="{form}"' if form else "")
    doc = client.get(UNIT, headers={"Accept": accept}).json()
    if form == jsonld.EXPANDED:
        assert isinstance(doc, list) and "@context" not in json.dumps(doc)
    elif form == jsonld.FLATTENED:
        assert "@graph" in doc
    if form != jsonld.EXPANDED:
        assert doc["@context"] == "http://127.0.0.1:8000/context.jsonld"  # on the serving host
    turtle = rdflib.Graph().parse(data=client.get(UNIT + ".ttl").content, format="turtle")
    nq = pyld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": _context_loader(client)})
    via_pyld = rdflib.Graph().parse(data=nq, format="nt")
    assert rdflib.compare.isomorphic(via_pyld, turtle)
    # rdflib's own JSON-LD parser, with the context the server serves put in place of the reference
    if isinstance(doc, dict):
        doc = dict(doc, **{"@context": client.get("/context.jsonld").json()["@context"]})
    via_rdflib = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert rdflib.compare.isomorphic(via_rdflib, turtle)


@pytest.mark.parametrize("path", ["/standards", "/frameworks", "/vocabularies", "/organisations", "/achievements",
                                  "/transfer-rules"])
def test_listing_pages_are_registers(client, path):
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = graph(r, "turtle")
    reg = rdflib.URIRef("https://w3id.org/gdlecb" + path)
    assert (reg, rdflib.RDF.type, rdflib.URIRef("http://purl.org/linked-data/registry#Register")) in g
    members = set(g.objects(reg, rdflib.RDFS.member))
    total = int(g.value(reg, rdflib.URIRef("http://www.w3.org/ns/hydra/core#totalItems")))
    assert len(members) == total > 0
    assert client.get(path, headers={"Accept": "text/html"}).headers["content-type"].startswith("text/html")


def test_register_pages_link_next_and_previous():
    from registry.catalogue import rdf
    t = rdf.register_triples("https://x.example/r", {"en": "R"}, ["https://x.example/a"], 2, 3, 120,
                             lambda n: f"https://x.example/r?page={n}")
    g = {(s.value, p.value.rsplit("#", 1)[-1], o.value) for s, p, o in t}
    assert ("https://x.example/r?page=2", "next", "https://x.example/r?page=3") in g
    assert ("https://x.example/r?page=2", "previous", "https://x.example/r?page=1") in g


@pytest.mark.parametrize("path", [UNIT, "/api/changes", "/api/changes.atom"])
def test_cors_get_and_preflight(client, path):
    pre = client.options(path, headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET",
                                        "Access-Control-Request-Headers": "if-none-match, accept-profile"})
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "*"
    allowed = pre.headers["access-control-allow-headers"].lower()
    assert "if-none-match" in allowed and "accept-profile" in allowed
    r = client.get(path, headers={"Origin": "https://other.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = r.headers["access-control-expose-headers"]
    for h in ("Link", "ETag", "Content-Profile"):
        assert h in exposed


def test_preflight_on_api_writes_is_refused(client):
    assert client.options("/api/submissions").status_code == 405


def test_void_entities_are_distinct_subjects(client, site_store):
    g = graph(client.get("/.well-known/void", headers={"Accept": "text/turtle"}), "turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    ds = rdflib.URIRef("http://testserver/.well-known/void#registry")
    typed = {q.subject for q in site_store.oxigraph.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None, None)}
    assert int(g.value(ds, void.entities)) == len(typed)
    parts = sum(int(g.value(p, void.entities)) for p in g.objects(ds, void.classPartition))
    assert parts > len(typed)  # the fixture has subjects of several classes: the old sum over-counted
    assert g.value(ds, rdflib.DCTERMS.license) is not None
    assert g.value(ds, rdflib.DCTERMS.publisher) == rdflib.URIRef("https://w3id.org/gdlecb/org/gdlecb-centre")
    assert g.value(ds, rdflib.DCTERMS.modified) is not None
    dumps = {str(o) for o in g.objects(ds, void.dataDump)}
    assert "http://testserver/dumps/registry-elm.ttl.gz" in dumps


def test_profile_dump(client):
    r = client.get("/dumps/registry-skos.ttl.gz")
    assert r.status_code == 200
    data = r.content
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    g = rdflib.Graph().parse(data=data, format="turtle")
    assert (rdflib.URIRef(UNIT_IRI), rdflib.RDF.type, rdflib.SKOS.Concept) in g


def test_sitemap_and_robots(client):
    r = client.get("/robots.txt")
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in r.text and "Disallow: /api/" in r.text
    from xml.etree import ElementTree
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locs = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert "http://127.0.0.1:8000" + UNIT in locs and "http://127.0.0.1:8000/standards" in locs
