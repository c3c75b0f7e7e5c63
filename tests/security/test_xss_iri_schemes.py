"""Stored XSS through IRIs (issue 14, defect 1): a ``javascript:``/``data:``/``vbscript:`` IRI in
``dcterms:source``, ``dcterms:license``, ``foaf:homepage`` or ``dcterms:publisher`` must never become
a link, neither on the live pages nor in the static build, and the shapes refuse such IRIs in
link-valued properties with a message in Chinese and English.

Reproduction before the fix: ``unit:X dcterms:source <javascript:alert(document.domain)>`` rendered
``<a href="javascript:alert(document.domain)" rel="external">`` and the script ran on click.
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

from registry.app import create_app
from registry.catalogue.build import build_site
import registry.catalogue.urls as urls_module
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.validation import parse_rdf_file

SITE = Path(__file__).resolve().parent.parent / "site"
FIXTURE, EVIL = SITE / "fixture.ttl", SITE / "evil-links.ttl"
BASE = "https://w3id.org/gdlecb/"
HTML = {"Accept": "text/html"}
EVIL_IRIS = ["javascript:alert(document.domain)", "JaVaScRiPt:alert(2)",
             "data:text/html,%3Cscript%3Ealert(3)%3C/script%3E", "vbscript:msgbox(4)"]
ORG_EVIL = ["javascript:alert(document.domain)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="]
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}


class _Links(HTMLParser):
    """Every URL-valued attribute of a document, decoded as a browser decodes it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in URL_ATTRS and value is not None:
                self.urls.append((tag, name, value))


def browser_scheme(url: str) -> str | None:
    """The scheme a browser would see (WHATWG URL parsing: leading/trailing C0 controls and spaces
    stripped, tabs and newlines removed anywhere), or None for a relative reference."""
    u = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", u)
    return m.group(1).lower() if m else None


def assert_only_web_links(html: str, where: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(html)
    for tag, attr, url in parser.urls:
        assert browser_scheme(url) in (None, "http", "https"), f"{where}: <{tag} {attr}={url!r}>"
    return parser.urls


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture(scope="module")
def evil_store():
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE, EVIL])
    return store


@pytest.fixture(scope="module")
def evil_client(evil_store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(Settings(), store=evil_store))


# --- the gate itself -----------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "\x01javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "javascript\r:alert(1)", "data:text/html,<script>",
    "vbscript:x", "file:///etc/passwd", "urn:isbn:123", "mailto:x@example.org", "", None, 42,
])
def test_safe_href_refuses_everything_but_web_and_relative_links(url):
    assert urls_module.safe_href(url) is None


@pytest.mark.parametrize("url", ["https://example.org/a?b#c", "HTTP://example.org/", "http://例子.中国/",
                                 "/unit/ICT-SD-301", "../unit/ICT-SD-301.html", "unit.html", "#main",
                                 "?page=2", "javascript%3Aalert(1).html"])
def test_safe_href_keeps_web_and_relative_links(url):
    assert urls_module.safe_href(url) == url


# --- live pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path,shown", [("/unit/ICT-NO-202", EVIL_IRIS), ("/org/evil", ORG_EVIL)])
def test_live_pages_show_non_web_iris_as_text(evil_client, path, shown, lang):
    r = evil_client.get(path, params={"lang": lang}, headers=HTML)
    assert r.status_code == 200
    urls = assert_only_web_links(r.text, path)
    body = text_of(r.text)
    for iri in shown:  # still visible, as text
        assert iri.replace("&", "&amp;") in body or iri in body, iri
    if path.startswith("/unit"):  # the good source stays a link
        assert ("a", "href", "https://example.org/good-source") in urls


@pytest.mark.parametrize("path", ["/", "/organisations", "/standard/ICT", "/standard/ICT/area/NO",
                                  "/framework/gdleqf/level/2", "/search?q=evil", "/search?q=ICT-NO-202",
                                  "/shapes", "/def"])
def test_live_pages_around_the_evil_items_have_only_web_links(evil_client, path):
    r = evil_client.get(path, headers=HTML)
    assert r.status_code == 200
    assert_only_web_links(r.text, path)


def test_search_api_gives_no_unsafe_url(evil_client):
    r = evil_client.get("/api/search", params={"q": "evil"})
    for hit in r.json()["results"]:
        assert browser_scheme(hit["url"] or "") in (None, "http", "https")


# --- static build --------------------------------------------------------------------------------

def test_static_build_has_only_web_links(evil_store, tmp_path):
    build_site(evil_store, tmp_path, base_iri=BASE, workers=1)
    pages = list(tmp_path.rglob("*.html"))
    assert len(pages) > 20
    for f in pages:
        assert_only_web_links(f.read_text(encoding="utf-8"), str(f.relative_to(tmp_path)))
    unit = (tmp_path / "unit" / "ICT-NO-202.html").read_text(encoding="utf-8")
    org = (tmp_path / "en" / "org" / "evil.html").read_text(encoding="utf-8")
    for iri in EVIL_IRIS:
        assert iri in text_of(unit)
    for iri in ORG_EVIL:
        assert iri in text_of(org)
    assert 'href="https://example.org/good-source"' in unit


# --- shapes --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator():
    from registry.validation import Validator

    return Validator(reference_paths=[FIXTURE])


def test_shapes_refuse_non_web_iris_in_link_properties(validator):
    report = validator.validate({"evil-links.ttl": parse_rdf_file(EVIL)}, texts={"evil-links.ttl": EVIL.read_text("utf-8")})
    bad = {(r.path_curie, r.value) for r in report.results
           if r.path_curie in ("dcterms:source", "dcterms:license", "foaf:homepage")}
    assert bad == {("dcterms:source", v) for v in EVIL_IRIS} | {
        ("dcterms:license", "javascript:alert(5)"), ("foaf:homepage", ORG_EVIL[0]), ("dcterms:source", ORG_EVIL[1])}
    for r in report.results:
        if r.path_curie in ("dcterms:source", "dcterms:license", "foaf:homepage"):
            assert "http://" in r.message["zh"] and "https://" in r.message["zh"] and "网址" in r.message["zh"]
            assert "http:// or https://" in r.message["en"]
    assert not report.conforms


def test_shapes_accept_web_iris_and_text_sources(validator, tmp_path):
    good = EVIL.read_text("utf-8")
    for iri in EVIL_IRIS + ORG_EVIL + ["javascript:alert(5)", "javascript:alert(6)"]:
        good = good.replace(f"<{iri}>", "<https://example.org/ok>")
    good = good.replace("dcterms:license <https://example.org/ok>", 'dcterms:license "CC BY 4.0"')
    good = good.replace("dcterms:publisher <https://example.org/ok>", "dcterms:publisher <https://w3id.org/gdlecb/org/gdou>")
    path = tmp_path / "good.ttl"
    path.write_text(good, "utf-8")
    report = validator.validate({"good.ttl": parse_rdf_file(path)}, texts={"good.ttl": good})
    assert not [r for r in report.results if r.path_curie in ("dcterms:source", "dcterms:license", "foaf:homepage")], \
        report.to_text("en")
