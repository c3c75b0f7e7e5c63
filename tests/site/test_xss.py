"""Author text is escaped everywhere: pages, search results, the search index, embedded JSON-LD."""

from __future__ import annotations

import json
import re

import pytest

from registry.catalogue.build import build_site

HTML = {"Accept": "text/html"}
EVIL = "<script>alert(1)</script>"


@pytest.mark.parametrize("path", ["/unit/ICT-NO-201", "/standard/ICT", "/standard/ICT/area/NO",
                                  "/framework/gdleqf/level/2", "/search?q=alert", "/search?q=script"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_escape_author_text(client, path, lang):
    r = client.get(path + ("&" if "?" in path else "?") + "lang=" + lang, headers=HTML)
    assert r.status_code == 200
    assert EVIL not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<img src=x" not in r.text and "<b>bold" not in r.text
    # the only script elements are ours
    for m in re.finditer(r"<script([^>]*)>(.*?)</script>", r.text, re.S):
        assert "alert" not in m.group(2) or m.group(1).strip() == 'type="application/ld+json"'


def test_embedded_jsonld_cannot_close_the_script(client):
    html = client.get("/unit/ICT-NO-201", headers=HTML).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block
    doc = json.loads(block)
    assert {"@value": "<script>alert(1)</script>", "@language": "zh"} in doc["prefLabel"]


def test_search_api_returns_text_not_markup(client):
    r = client.get("/api/search", params={"q": "alert", "lang": "zh"})
    hit = r.json()["results"][0]
    assert hit["label"] == EVIL  # JSON carries the text; clients must insert it as text


def test_static_build_escapes_author_text(site_store, tmp_path):
    build_site(site_store, tmp_path, base_iri="https://w3id.org/gdlecb/", workers=1)
    for f in tmp_path.rglob("*.html"):
        assert EVIL not in f.read_text(encoding="utf-8"), f
    index = (tmp_path / "search-index.json").read_text(encoding="utf-8")
    assert json.loads(index)  # valid JSON; the label is data, rendered by search.js with textContent
    js = (tmp_path / "static" / "search.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "textContent" in js
