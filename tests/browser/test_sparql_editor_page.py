"""The /sparql page of the live server in Chromium (issue 10, item 4): YASGUI inside the catalogue layout,
type a query, run it, see rows; no CSP violation except the one docs/profiles.md documents (the column
resizer's injected <style>, whose rules the page links as yasgui-grips.css)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def allowed_csp_only(p) -> None:
    csp = p.csp_violations()
    for c in csp:  # the DOM event ("style-src-elem inline …") or chromium's console line (names the hash)
        assert c.startswith("style-src-elem inline ") or (c.startswith("Applying inline style violates") and "'sha256-" in c), csp
    injected = p.page.evaluate("Array.from(document.querySelectorAll('head style')).map(e => e.textContent)")
    by_hash = {"sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode(): t for t in injected}
    linked = " ".join((ROOT / "site/static/vendor/yasgui/yasgui-grips.css").read_text().split())
    for h in {m for e in csp for m in re.findall(r"'(sha256-[A-Za-z0-9+/=]+)'", e)}:
        assert h in by_hash and " ".join(by_hash[h].split()) in linked, (h, csp)


@pytest.mark.parametrize("lang,tab", [("zh", "各级别的能力单元数"), ("en", "Units per framework level")])
def test_type_a_query_run_it_see_rows(live_server, open_page, lang, tab):
    p = open_page(f"sparql-editor-{lang}")
    page = p.page
    page.goto(f"{live_server}/sparql?lang={lang}")
    assert page.locator("header").count() >= 1 and page.locator("main#main").count() == 1  # the catalogue layout
    assert page.evaluate("document.documentElement.lang") == lang
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20000)
    assert any(tab in t for t in page.locator(".tabsList .tab").all_inner_texts())  # examples as tabs
    value = page.evaluate("document.getElementById('sparql-editor').yasgui.getTab().getYasqe().getValue()")
    assert "PREFIX cb: <https://w3id.org/gdlecb/def/>" in value  # our prefixes are declared
    page.locator(".yasqe .CodeMirror").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                       "SELECT ?u ?code WHERE { ?u a <https://w3id.org/gdlecb/def/Unit> ; skos:notation ?code } "
                       "ORDER BY ?code LIMIT 5")
    page.locator(".yasqe_queryButton").first.click()
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    rows = page.locator(".yasr table tbody tr").all_inner_texts()
    assert len(rows) == 5 and all("https://w3id.org/gdlecb/unit/" in r for r in rows)
    allowed_csp_only(p)
    assert [e for e in p.errors if "Content Security Policy" not in e] == [], p.errors


def test_browser_get_of_a_query_shows_an_html_table(live_server, open_page):
    p = open_page("sparql-result-page")
    page = p.page
    q = "SELECT ?u WHERE { ?u a <https://w3id.org/gdlecb/def/Unit> } LIMIT 3"
    page.goto(live_server + "/sparql?lang=en&query=" + q.replace(" ", "%20"))
    assert page.locator("table.sparql-results tbody tr").count() == 3
    assert page.evaluate("document.documentElement.lang") == "en"
    assert p.csp_violations() == [] and p.errors == [], (p.csp_violations(), p.errors)
