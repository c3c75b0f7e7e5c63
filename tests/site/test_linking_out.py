"""Linking out (issue 10, item 5): pages show the labels of the external concepts we map to, from shipped data.

EQF levels carry their own labels (vocabularies/eqf.ttl); the EU's ISCED-F IRIs, which our fields match
exactly, have none in the registry and are shown with the field's own label. No page calls another host.
"""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.resources import shipped_paths
from registry.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("linking-out")
    store = EmbeddedStore(folder / "store")
    load_files(store, shipped_paths())
    store.close()
    with TestClient(create_app(Settings(store=str(folder / "store"), state_dir=str(folder / "state")))) as c:
        yield c
    shutil.rmtree(folder, ignore_errors=True)


def mapping_items(html: str) -> list[str]:
    return re.findall(r"<li><code>skos:\w+</code>.*?</li>", html)


def test_level_page_names_the_eqf_level_it_maps_to(client):
    html = client.get("/framework/gdleqf/level/4?lang=en", headers={"accept": "text/html"}).text
    items = mapping_items(html)
    assert any('href="http://data.europa.eu/snb/eqf/5"' in i and "EQF Level 5" in i for i in items), items
    zh = client.get("/framework/gdleqf/level/4?lang=zh", headers={"accept": "text/html"}).text
    assert any("欧洲资历框架第五级" in i for i in mapping_items(zh))


def test_isced_field_page_labels_the_official_iri_it_matches_exactly(client):
    html = client.get("/vocab/isced-f/0613?lang=en", headers={"accept": "text/html"}).text
    items = [i for i in mapping_items(html) if "data.europa.eu/snb/isced-f/0613" in i]
    assert items and "Software and applications development and analysis" in items[0], items
    assert ">0613<" not in items[0]  # not the bare code


def test_skos_view_carries_the_external_labels(client):
    ttl = client.get("/framework/gdleqf/level/4", params={"_profile": "skos"}, headers={"accept": "text/turtle"}).text
    assert "<http://data.europa.eu/snb/eqf/5> skos:prefLabel" in ttl and '"EQF Level 5"@en' in ttl
