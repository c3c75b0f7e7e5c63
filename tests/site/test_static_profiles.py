"""``build-site --profiles``: per-profile files, sitemap.xml, robots.txt and host rules, written the
same bytes on every build (a rebuild over the output rewrites nothing)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pyoxigraph as ox

from registry.catalogue.build import build_site

BASE = "https://w3id.org/gdlecb/"
ALL = ("cb", "skos", "elm", "ctdl")


def test_profile_files_sitemap_robots_and_a_rebuild_that_changes_nothing(site_store, tmp_path):
    out = tmp_path / "site"
    build_site(site_store, out, base_iri=BASE, workers=1, profiles=ALL)
    unit = out / "unit" / "ICT-SD-301"
    names = sorted(p.name for p in (unit / "_profile").iterdir())
    assert names == ["ctdl.jsonld", "ctdl.nt", "ctdl.ttl", "elm.jsonld", "elm.nt", "elm.rdf", "elm.ttl",
                     "skos.jsonld", "skos.nt", "skos.rdf", "skos.ttl"]
    skos = list(ox.parse((unit / "_profile" / "skos.ttl").read_bytes(), format=ox.RdfFormat.TURTLE))
    cb = list(ox.parse((out / "unit" / "ICT-SD-301.ttl").read_bytes(), format=ox.RdfFormat.TURTLE))
    assert set(skos) != set(cb) and any(t.object.value.endswith("core#Concept") for t in skos)
    locs = [e.text for e in ET.parse(out / "sitemap.xml").getroot()
            if e.tag.endswith("url") for e in e if e.tag.endswith("loc")]
    assert BASE + "unit/ICT-SD-301" in locs and BASE in locs and len(locs) == len(set(locs))
    assert f"Sitemap: {BASE}sitemap.xml" in (out / "robots.txt").read_text()
    assert "_profile" in (out / "_nginx.conf").read_text() and "RewriteEngine On" in (out / ".htaccess").read_text()
    again = build_site(site_store, out, base_iri=BASE, workers=1, profiles=ALL)
    assert again.written == 0 and again.removed == 0
    fewer = build_site(site_store, out, base_iri=BASE, workers=1)  # cb only: the profile files go
    assert fewer.removed > 0 and not (unit / "_profile").exists()


def test_cli_refuses_an_unknown_profile(tmp_path):
    from click.testing import CliRunner

    from registry.cli import main

    r = CliRunner().invoke(main, ["build-site", "--profiles", "cb,nope", str(tmp_path / "o")])
    assert r.exit_code != 0 and "nope" in r.output and "未知" in r.output
