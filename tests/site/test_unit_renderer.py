"""The unit page written in Python (``render.unit_content``) inside layout.html filled as a frame
(``render._framed``): every author-written field is escaped, and the frame gives exactly what
Jinja renders from layout.html for the same page, in the live server and in the static build."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.catalogue import i18n, pages, render
from registry.catalogue.pages import Desc, View
from registry.catalogue.queries import load_site_data
from registry.catalogue.service import build_page, item_context
from registry.catalogue.urls import IriMap, LiveUrls, StaticUrls
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

BASE = "https://w3id.org/gdlecb/"
C = BASE + "def/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
EVIL = '<img src=x onerror="alert(1)">&'

TTL = f"""
@prefix cb: <{C}> . @prefix skos: <{SKOS}> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix reg: <http://purl.org/linked-data/registry#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
<{BASE}unit/EVL-AA-101> a cb:Unit ; skos:prefLabel 'T{EVIL}'@zh, 'E{EVIL}'@en ; skos:altLabel 'A{EVIL}'@zh ;
  skos:notation "EVL-AA-101" ; cb:range 'R{EVIL}'@zh ; cb:competencyStatement 'S{EVIL}'@zh ;
  cb:assessmentCriteria 'K{EVIL}'@zh ; cb:remarks 'M{EVIL}'@zh ; owl:versionInfo 'V{EVIL}' ;
  dcterms:source <javascript:alert(1)>, <https://example.org/a?b=1&c=2> ;
  dcterms:issued '2024-01-01{EVIL}' ; reg:status reg:statusSuperseded ; dcterms:isReplacedBy <{BASE}unit/EVL-AA-102> ;
  cb:learningOutcome <{BASE}unit/EVL-AA-101/outcome/1> .
<{BASE}unit/EVL-AA-101/outcome/1> skos:prefLabel 'O{EVIL}'@zh .
<{BASE}unit/EVL-AA-102> a cb:Unit ; skos:prefLabel 'N{EVIL}'@zh ; skos:notation "EVL-AA-102" .
"""


@pytest.fixture(scope="module")
def evil_site(tmp_path_factory):
    path = tmp_path_factory.mktemp("evil") / "units.ttl"
    path.write_text(TTL, "utf-8")
    store = EmbeddedStore(None)
    load_files(store, [path])
    site = load_site_data(store, keep_graphs=True)
    return store, site


def _contexts(site, urls_of):
    iri = BASE + "unit/EVL-AA-101"
    triples = site.graph_triples[iri]
    desc = Desc(triples)
    for lang in ("zh", "en"):
        v, t = View(site, lang), i18n.translator(lang)
        urls = urls_of(lang)
        page = build_page("unit", v, iri, desc, t)
        yield lang, urls, item_context(site, "unit", page, iri, triples, urls, v, t, BASE + "context.jsonld")


def _both(lang, urls, ctx):
    """(the page through render_page: Python body + frame, the same through Jinja's layout.html)."""
    framed = render.render_page("unit.html", lang=lang, urls=urls, **ctx)
    ctx = dict(ctx)
    t, T = i18n.translator(lang), i18n.table(lang)
    ctx["unit_title"] = render.unit_title(ctx["p"])
    ctx["unit_content"] = render.unit_content(ctx["p"], urls, lang, T, t)
    jinja = render.environment().get_template("unit.html").render(lang=lang, t=t, T=T, u=urls,
                                                                   static_site=urls.static, **ctx)
    return framed, jinja


@pytest.mark.parametrize("kind", ["live", "static"])
def test_author_text_escaped_and_frame_equals_layout(evil_site, kind):
    _, site = evil_site
    iris = IriMap(BASE)
    if kind == "live":
        urls_of = lambda lang: LiveUrls(iris, lang)  # noqa: E731
    else:
        urls_of = lambda lang: StaticUrls(iris, lang, "unit/EVL-AA-101", default_lang="zh")  # noqa: E731
    for lang, urls, ctx in _contexts(site, urls_of):
        framed, jinja = _both(lang, urls, ctx)
        assert framed == jinja
        assert "<img" not in framed and 'onerror="' not in framed
        for tag in "TARSKMOV":  # title, alt label, range, statement, criteria, remarks, outcome, version
            if tag == "T" and lang == "en":
                continue
            assert f"{tag}&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;" in framed
        assert 'href="javascript:' not in framed
        assert 'href="https://example.org/a?b=1&amp;c=2" rel="external"' in framed
        assert "<a rel=\"external\">javascript:alert(1)</a>" in framed  # shown as text, never a link
        assert 'class="banner banner-superseded"' in framed
        assert "datetime=\"2024-01-01&lt;img" in framed


def test_frame_falls_back_to_jinja_for_what_it_cannot_fill(evil_site):
    _, site = evil_site
    iris = IriMap(BASE)
    lang, urls, ctx = next(_contexts(site, lambda lang: LiveUrls(iris, lang)))
    ctx["canonical"] = "https://example.org/x"  # a key the frame has no hole for
    ctx["alternates"] = [("javascript:alert(1)", "text/turtle")]  # a link safe_href refuses
    framed, jinja = _both(lang, urls, ctx)
    assert framed == jinja
    assert 'rel="canonical" href="https://example.org/x"' in framed
    assert '<link rel="alternate" type="text/turtle">' in framed and 'href="javascript:' not in framed


def test_static_unit_page_reads_are_still_recorded(evil_site):
    """The memoised links repeat the ``known`` lookup, so a page's dependency keys stay complete."""
    from registry.catalogue import build

    _, site = evil_site
    known = build._TPaths({"unit/EVL-AA-101", "unit/EVL-AA-102"})
    StaticUrls.known = known
    try:
        for _ in range(2):  # the second round answers links from the memo
            build._AGG.clear()
            for lang, urls, ctx in _contexts(site, lambda lang: StaticUrls(IriMap(BASE), lang, "unit/EVL-AA-101")):
                render.render_page("unit.html", lang=lang, urls=urls, **ctx)
            assert "p:unit/EVL-AA-102" in build._AGG  # the successor link of the banner
            assert "p:unit/EVL-AA-101" in build._AGG  # its own data files
    finally:
        StaticUrls.known = None
