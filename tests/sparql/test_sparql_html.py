"""The /sparql HTML pages (issue 10, items 4 and 7): the query editor page in the catalogue's layout,
zh/en by the one language rule, and a browser's GET /sparql?query=… as an HTML result page (escaped,
links only for http(s) IRIs); ``format=n3`` / ``Accept: text/n3`` give Turtle."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest

from test_sparql_protocol import CONSTRUCT_Q, SELECT_Q, UNIT, expected_rows

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_query_page_uses_yasgui_in_the_catalogue_layout(client):
    r = client.get("/sparql", headers=BROWSER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert 'class="skip-link"' in html and '<main id="main"' in html  # site/templates/layout.html
    assert '<script src="/static/vendor/yasgui/yasgui.min.js" defer></script>' in html
    assert '<script src="/static/sparql-editor.js" defer></script>' in html
    cfg = json.loads(re.search(r'<div id="sparql-editor-config" hidden>(.*?)</div>',
                               html, re.S).group(1))
    from registry.namespaces import PREFIXES
    from registry.sparql.examples import EXAMPLES

    assert cfg["prefixes"] == PREFIXES
    assert [e["query"] for e in cfg["examples"]] == [e["query"] for e in EXAMPLES]
    assert [e["name"] for e in cfg["examples"]] == [e["zh"] for e in EXAMPLES]
    # the no-JS fallback: a GET form to the endpoint
    assert re.search(r'<noscript>\s*<form id="q"[^>]*method="get" action="/sparql"', html)
    for m in re.finditer(r"<script\b([^>]*)>", html):
        assert "src=" in m.group(1) or "application/ld+json" in m.group(1)


def test_query_page_in_english_by_lang_and_cookie(client):
    from registry.sparql.examples import EXAMPLES

    r = client.get("/sparql", params={"lang": "en"}, headers=BROWSER)
    assert '<html lang="en"' in r.text and "<h1>SPARQL query</h1>" in r.text
    assert "lang=en" in r.headers.get("set-cookie", "")
    cfg = json.loads(re.search(r'id="sparql-editor-config" hidden>(.*?)</div>', r.text, re.S).group(1))
    assert cfg["examples"][0]["name"] == EXAMPLES[0]["en"]
    client.cookies.set("lang", "en")
    try:
        assert '<html lang="en"' in client.get("/sparql", headers=BROWSER).text
    finally:
        client.cookies.clear()
    assert '<html lang="zh"' in client.get("/sparql", headers=BROWSER).text


def test_browser_get_of_a_query_is_an_html_table(client, endpoint_store):
    r = client.get("/sparql", params={"query": SELECT_Q}, headers=BROWSER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in r.headers
    names, rows = expected_rows(endpoint_store, SELECT_Q)
    table = re.search(r'<table class="sparql-results">(.*?)</table>', r.text, re.S).group(1)
    assert re.findall(r'<th scope="col">(.*?)</th>', table) == names
    assert table.count("<tr>") == len(rows) + 1
    assert f'<a href="{rows[0][0].value}">' in table  # an http(s) IRI is a link


def test_html_result_page_escapes_and_links_only_http_iris(client):
    q = ('SELECT ?x ?j ?h WHERE { BIND("<b onmouseover=alert(1)>x</b>"@en AS ?x) '
         'BIND(<javascript:alert(1)> AS ?j) BIND(<https://example.org/a?b=1&c=2> AS ?h) }')
    html = client.get("/sparql", params={"query": q}, headers=BROWSER).text
    table = re.search(r'<table class="sparql-results">(.*?)</table>', html, re.S).group(1)
    assert "<b " not in table and "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;" in table
    assert 'href="javascript' not in html and "javascript:alert(1)" in table  # shown as text
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in table
    assert "@en" in table


def test_html_result_page_in_english_and_for_ask_and_construct(client):
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "lang": "en"}, headers=BROWSER)
    assert '<html lang="en"' in r.text and '<p class="sparql-boolean">true</p>' in r.text
    r = client.get("/sparql", params={"query": CONSTRUCT_Q}, headers=BROWSER)
    assert r.status_code == 200 and '<th scope="col">predicate</th>' in r.text


def test_format_parameter_still_downloads_for_a_browser(client):
    r = client.get("/sparql", params={"query": SELECT_Q, "format": "csv"}, headers=BROWSER)
    assert r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("how", ["param", "accept"])
def test_n3_gives_turtle(client, endpoint_store, how):
    kw = {"params": {"query": CONSTRUCT_Q, "format": "n3"}} if how == "param" else \
        {"params": {"query": CONSTRUCT_Q}, "headers": {"accept": "text/n3"}}
    r = client.get("/sparql", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == "text/turtle"
    got = list(ox.parse(r.content, ox.RdfFormat.TURTLE))
    assert len(got) == len(list(endpoint_store.query(CONSTRUCT_Q))) > 0
