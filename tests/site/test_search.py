"""Search ranking (exact code, then prefix, then contains), filters, and the JSON API."""

from __future__ import annotations

import pytest

from registry.catalogue.queries import load_site_data
from registry.catalogue.search import SearchIndex

BASE = "https://w3id.org/gdlecb/"


@pytest.fixture(scope="module")
def index(site_store):
    return SearchIndex(load_site_data(site_store), BASE)


def codes(hits):
    return [h["code"] for h in hits]


def test_exact_code_ranks_first(index):
    hits = index.search("ICT-SD-301")
    assert hits[0]["code"] == "ICT-SD-301" and hits[0]["tier"] == 0


def test_prefix_before_contains(index):
    hits = index.search("ict")
    # the standard's code "ICT" is exact (tier 0); units' codes start with ICT (tier 1)
    assert hits[0]["code"] == "ICT"
    assert {h["tier"] for h in hits[1:4]} == {1}
    hits = index.search("编写")
    tiers = [h["tier"] for h in hits]
    assert tiers == sorted(tiers)
    # "编写单元测试" starts with 编写 (prefix); nothing that only contains it comes first
    assert hits[0]["code"] in ("ICT-SD-301", "ICT-SD-302") and hits[0]["tier"] == 1


def test_contains_match_and_which_field_matched(index):
    hits = index.search("单元测试")
    assert hits[0]["code"] == "ICT-SD-301" and hits[0]["tier"] == 2
    alt = index.search("自动化")  # only the altLabel contains it
    assert alt[0]["code"] == "ICT-SD-301" and alt[0]["matched"] == "自动化测试"
    hidden = index.search("PYTEST")  # hidden labels are searchable, case-insensitive
    assert hidden[0]["code"] == "ICT-SD-301"


def test_english_and_width_insensitive(index):
    assert index.search("unit tests")[0]["code"] == "ICT-SD-301"
    assert index.search("ＩＣＴ－ＳＤ－３０１")[0]["code"] == "ICT-SD-301"  # full-width input


def test_label_shown_in_the_chosen_language(index):
    assert index.search("ICT-SD-301", lang="en")[0]["label"] == "Write unit tests"
    assert index.search("ICT-SD-301", lang="zh")[0]["label"] == "编写单元测试"


def test_filters(index):
    assert set(codes(index.search("ICT", type="Unit"))) == {"ICT-SD-301", "ICT-SD-302", "ICT-NO-201"}
    assert set(codes(index.search("ICT", type="Unit", level="3"))) == {"ICT-SD-301", "ICT-SD-302"}
    assert set(codes(index.search("ICT", type="Unit", status="superseded"))) == {"ICT-SD-302"}
    assert set(codes(index.search("ICT", type="Unit", sector="I"))) == {"ICT-SD-301", "ICT-SD-302", "ICT-NO-201"}
    assert index.search("ICT", sector="P") == []


def test_no_query_no_results(index):
    assert index.search("") == [] and index.search("   ") == []


def test_json_api(client):
    r = client.get("/api/search", params={"q": "ICT-SD", "type": "Unit", "limit": 2, "lang": "en"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and len(body["results"]) == 2
    assert body["results"][0]["url"].startswith("/unit/ICT-SD-30")
    assert body["results"][0]["label"] in ("Write unit tests", "Write tests (old)")


def test_search_page(client):
    html = client.get("/search?q=ICT-SD-301&lang=zh", headers={"Accept": "text/html"}).text
    results = html.split('class="results"', 1)[1]
    assert results.index("ICT-SD-301") < results.index("</ol>")


def test_index_is_rebuilt_when_the_store_changes(tmp_path):
    from registry.catalogue.service import Catalogue
    from registry.loader import load_files
    from registry.store.embedded import EmbeddedStore
    from pathlib import Path

    store = EmbeddedStore(None)
    load_files(store, [Path(__file__).with_name("fixture.ttl")])
    cat = Catalogue(store, BASE)
    assert cat.search_index().search("NEWUNIT") == []
    extra = tmp_path / "extra.ttl"
    extra.write_text("""@prefix cb: <https://w3id.org/gdlecb/def/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/gdlecb/unit/NEWUNIT-A-101> a cb:Unit ; skos:prefLabel "新单元"@zh ; skos:notation "NEWUNIT-A-101" .
""", encoding="utf-8")
    load_files(store, [extra])
    assert cat.search_index().search("NEWUNIT")[0]["code"] == "NEWUNIT-A-101"


def test_search_page_paging_keeps_the_query(client, monkeypatch):
    from registry.catalogue import service

    real = service.pages.paginate
    monkeypatch.setattr(service.pages, "paginate", lambda items, page, size=None: real(items, page, 1))
    html = client.get("/search?q=ICT&type=Unit&lang=zh", headers={"Accept": "text/html"}).text
    assert 'rel="next" href="/search?q=ICT&amp;type=Unit&amp;page=2"' in html
    html2 = client.get("/search?q=ICT&type=Unit&page=2&lang=zh", headers={"Accept": "text/html"}).text
    assert 'rel="prev"' in html2
