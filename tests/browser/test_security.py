"""Security in the browser (issue 14): non-web IRIs cannot be followed (defect 1), and no page kind
reports a Content-Security-Policy violation (defect 2), live and in the static build."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

EVIL_SOURCES = ["javascript:alert(document.domain)", "JaVaScRiPt:alert(2)",
                "data:text/html,%3Cscript%3Ealert(3)%3C/script%3E", "vbscript:msgbox(4)"]


def _click_every_evil_link(p, url: str, texts: list[str]) -> None:
    page = p.page
    page.goto(url)
    for text in texts:
        link = page.locator("main a, aside a").filter(has_text=text)
        assert link.count() >= 1, text
        assert link.first.get_attribute("href") is None, text  # shown as text, nothing to follow
        link.first.click()
        page.wait_for_timeout(150)
        assert page.url == url, (text, page.url)
    # the one web source is a real link
    assert p.dialogs == [], p.dialogs
    assert page.evaluate("document.title").strip()


def test_live_source_and_homepage_links_run_no_script(evil_links_live, open_page):
    p = open_page("xss-live")
    _click_every_evil_link(p, evil_links_live + "/unit/ICT-NO-202?lang=zh", EVIL_SOURCES)
    assert p.page.locator('a[href="https://example.org/good-source"]').count() == 1
    _click_every_evil_link(p, evil_links_live + "/org/evil?lang=en", ["javascript:alert(document.domain)"])
    assert p.dialogs == [] and p.csp_violations() == []


def test_static_source_and_homepage_links_run_no_script(evil_links_static, open_page):
    p = open_page("xss-static")
    _click_every_evil_link(p, evil_links_static + "/unit/ICT-NO-202.html", EVIL_SOURCES)
    _click_every_evil_link(p, evil_links_static + "/en/org/evil.html", ["javascript:alert(document.domain)"])
    assert p.dialogs == [] and p.csp_violations() == []


# one page of every kind the catalogue has
LIVE_PAGES = [
    "/", "/?lang=en", "/frameworks", "/framework/gdleqf", "/framework/gdleqf/level/3", "/standards",
    "/standards?sector=I", "/standard/ICT", "/standard/ICT/area/SD", "/unit/ICT-SD-301", "/unit/ICT-SD-301?lang=en",
    "/vocabularies", "/vocab/sector", "/vocab/sector/I", "/organisations", "/org/gdca", "/achievements",
    "/achievement/hcia-datacom", "/transfer-rules", "/transfer-rule/hcia-datacom-to-ict-no-201", "/def",
    "/def/Unit", "/def/creditValue", "/shapes", "/shapes/UnitShape", "/search?q=软件", "/search?q=web&lang=en",
    "/no/such/page",
]


def test_no_csp_violation_on_any_live_page_kind(live_server, open_page):
    p = open_page("csp-live")
    page = p.page
    for path in LIVE_PAGES:
        response = page.goto(live_server + path)
        assert response.headers.get("content-security-policy", "").startswith("default-src 'none'"), path
        page.wait_for_load_state("load")
        assert page.locator("link[rel=stylesheet]").count() >= 1
        # the stylesheet applied (an inline-style ban must not cost us the layout)
        assert page.evaluate("getComputedStyle(document.querySelector('.skip-link') || document.body).position") != ""
        assert p.csp_violations() == [], (path, p.csp_violations())
    # the framework ladder's rung widths come from classes now, not style attributes
    page.goto(live_server + "/framework/gdleqf")
    widths = page.evaluate("Array.from(document.querySelectorAll('ol.ladder .rung > a')).map(a => a.getBoundingClientRect().width)")
    assert len(widths) == 7 and len(set(round(w) for w in widths)) > 1, widths
    errors = [e for e in p.errors if "status of 404" not in e]  # /no/such/page is a 404 on purpose
    assert p.csp_violations() == [] and errors == [], (p.csp_violations(), errors)


def test_sparql_page_works_under_the_csp(live_server, open_page):
    # the page is the YASGUI editor since issue 10 (tests/browser/test_sparql_editor_page.py): run an
    # example tab; only the refusal docs/profiles.md documents (the resizer's inline <style>) may occur
    from test_sparql_editor_page import allowed_csp_only

    p = open_page("csp-sparql")
    page = p.page
    page.goto(live_server + "/sparql")
    assert page.evaluate("getComputedStyle(document.querySelector('.sparql-yasgui')).minHeight") != "0px"  # sparql.css
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20000)
    page.locator(".yasqe_queryButton").first.click()
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    allowed_csp_only(p)
    assert [e for e in p.errors if "Content Security Policy" not in e] == [], p.errors


STATIC_PAGES = ["/index.html", "/en/index.html", "/framework/gdleqf.html", "/framework/gdleqf/level/3.html",
                "/standards.html", "/standard/ICT.html", "/unit/ICT-SD-301.html", "/en/unit/ICT-SD-301.html",
                "/vocab/sector.html", "/org/gdca.html", "/def.html", "/shapes.html", "/404.html"]


def test_no_csp_violation_in_the_static_build(csp_static_site, open_page):
    p = open_page("csp-static")
    page = p.page
    for path in STATIC_PAGES:
        response = page.goto(csp_static_site + path)
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), path
        page.wait_for_load_state("load")
        assert p.csp_violations() == [], (path, p.csp_violations())
    # client-side search (fetches the index: connect-src 'self')
    page.goto(csp_static_site + "/search.html?q=" + "软件")
    page.wait_for_selector("ol.results li a")
    assert p.csp_violations() == [] and p.errors == [], (p.csp_violations(), p.errors)
