"""Accessibility and small-screen layout of every page kind, live, in Debian's chromium (issue 10, item 7).

axe-core (vendored by scripts/vendor-js into tests/vendor/axe/, tests only) is injected into each page
and run with the WCAG 2 A/AA rules: no violation is allowed. The CSP forbids injected scripts, so this
test's browser context bypasses it (``bypass_csp=True``); tests/browser/test_security.py checks the CSP.
At a 375 px viewport no page may be wider than the screen (long IRIs wrap, wide tables scroll inside
a focusable, labelled container).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from browser.conftest import free_port, wait_until_up
from registry.app import create_app
from registry.config import Settings
from registry.store.embedded import EmbeddedStore

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# one page of every kind (the shipped data); both languages are checked
PAGES = {
    "home": "/",
    "frameworks": "/frameworks",
    "framework": "/framework/gdleqf",
    "level": "/framework/gdleqf/level/3",
    "vocabularies": "/vocabularies",
    "code-list": "/vocab/sector",
    "concept": "/vocab/sector/I",
    "standards": "/standards",
    "standard": "/standard/ICT",
    "area": "/standard/ICT/area/SD",
    "unit": "/unit/ICT-SD-301",
    "organisations": "/organisations",
    "organisation": "/org/gdca",
    "achievements": "/achievements",
    "achievement": "/achievement/hcia-datacom",
    "transfer-rules": "/transfer-rules",
    "transfer-rule": "/transfer-rule/hcia-datacom-to-ict-no-201",
    "def": "/def",
    "def-term": "/def/Unit",
    "shapes": "/shapes",
    "shape": "/shapes/UnitShape",
    "search": "/search?q=web",
    "sparql": "/sparql",
    "qualification": "/qualification/gzpyp-software-technology",
    "occupation": "/vocab/occupation/4-10-01-05",
    "planner": "/planner",
    # the workflow's pages, served by ``versioned_server`` (the shipped content loaded with versions)
    "version": "/unit/ICT-SD-301/v/1",
    "history": "/api/items/unit/ICT-SD-301/history",
}
WORKFLOW_PAGES = {"version", "history"}
CASES = [(kind, lang) for kind in PAGES for lang in ("zh", "en")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def versioned_server(tmp_path_factory):
    """The app over an on-disk store into which ``registry load`` put the shipped content, so that
    every item has a version /v/1 and a history (the workflow's SQLite state next to the store)."""
    import uvicorn
    from click.testing import CliRunner

    from registry.cli import main

    folder = tmp_path_factory.mktemp("a11y-store") / "store"
    shipped = [str(ROOT / d) for d in ("ontology", "shapes", "vocabularies")]
    r = CliRunner().invoke(main, ["load", "--store", str(folder), *shipped])
    assert r.exit_code == 0, r.output
    store = EmbeddedStore(folder)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(store=str(folder)), store=store),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/context.jsonld")
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture
def server_for(request):
    """The server a page kind is on: the workflow pages need recorded versions."""
    def pick(kind: str) -> str:
        return request.getfixturevalue("versioned_server" if kind in WORKFLOW_PAGES else "live_server")
    return pick


@pytest.fixture(scope="module")
def contexts(browser):
    """Two contexts, kept for the module: a desktop one for axe and a 375 px phone-width one."""
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    phone = browser.new_context(viewport={"width": 375, "height": 740}, bypass_csp=True)
    yield {"desktop": desktop, "phone": phone}
    desktop.close()
    phone.close()


def _open(context, url: str):
    page = context.new_page()
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    return page


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def _url(live_server: str, path: str, lang: str) -> str:
    return f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("kind,lang", CASES, ids=[f"{k}-{lang}" for k, lang in CASES])
def test_axe_finds_no_wcag_a_or_aa_violation(server_for, contexts, kind, lang):
    page = _open(contexts["desktop"], _url(server_for(kind), PAGES[kind], lang))
    try:
        assert page.locator("main, [role=main]").count() >= 1  # a real page, not an error body
        violations = _axe(page)
        assert violations == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations)
    finally:
        page.close()


@pytest.mark.parametrize("kind,lang", CASES, ids=[f"{k}-{lang}" for k, lang in CASES])
def test_no_page_is_wider_than_a_375px_screen(server_for, contexts, kind, lang):
    page = _open(contexts["phone"], _url(server_for(kind), PAGES[kind], lang))
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            # name the widest offenders to make a failure actionable
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 376 && !e.closest('.table-scroll, .CodeMirror, .yasgui'))
                .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
            pytest.fail(f"{kind} ({lang}) is {width} px wide at 375 px: {wide}")
    finally:
        page.close()


def test_axe_detects_a_violation(live_server, contexts):
    """The harness itself: axe run this way does report a real violation (an image without alt text)."""
    page = _open(contexts["desktop"], _url(live_server, "/frameworks", "en"))
    try:
        page.evaluate("() => { const i = document.createElement('img'); i.src = '/favicon.ico';"
                      " document.querySelector('main').appendChild(i); }")
        assert "image-alt" in [v["id"] for v in _axe(page)]
    finally:
        page.close()


# the framework's descriptor table does scroll at 375 px; the vocabulary's property table wraps
@pytest.mark.parametrize("kind,scrolls", [("framework", True), ("def", False)])
def test_scroll_containers_are_focusable_and_labelled(live_server, contexts, kind, scrolls):
    """Wide tables scroll inside a container a keyboard user can reach, and which has a name; at
    375 px, where they do scroll, axe still finds nothing (scrollable-region-focusable)."""
    page = _open(contexts["phone"], _url(live_server, PAGES[kind], "en"))
    try:
        boxes = page.locator(".table-scroll")
        assert boxes.count() >= 1
        scrolling = 0
        for i in range(boxes.count()):
            box = boxes.nth(i)
            assert box.get_attribute("tabindex") == "0"
            assert box.get_attribute("role") == "region"
            labelled_by = box.get_attribute("aria-labelledby")
            assert labelled_by and page.locator(f"#{labelled_by}").inner_text().strip()
            scrolling += box.evaluate("e => e.scrollWidth > e.clientWidth")
        assert (scrolling >= 1) == scrolls
        violations = _axe(page)
        assert violations == [], [v["id"] for v in violations]
    finally:
        page.close()
