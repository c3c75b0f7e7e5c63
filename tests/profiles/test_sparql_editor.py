"""The vendored YASGUI and site/static/sparql-editor.js in Chromium (issue 10, item 4, editor half).

The page is the way docs/profiles.md says the SPARQL page will use the editor: a div, a JSON
configuration block, the two scripts, and the CSP ``script-src 'self'`` (no inline script). The
endpoint answers with pyoxigraph over a few triples; the test types a query, runs it and sees rows.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import json
import re
import shutil
import threading
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.app import CSP  # the live server's policy: script-src 'self', no inline style, no eval

from .conftest import ROOT

pytestmark = pytest.mark.browser

CONFIG = {
    "endpoint": "/sparql",
    "prefixes": {"cb": "https://w3id.org/gdlecb/def/", "skos": "http://www.w3.org/2004/02/skos/core#"},
    "examples": [
        {"name": "单元 · Units", "query": "SELECT ?u WHERE { ?u a cb:Unit }"},
        {"name": "标签 · Labels", "query": "SELECT ?s ?l WHERE { ?s skos:prefLabel ?l }"},
    ],
}


def page_html() -> str:
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>SPARQL</title>
<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">
<link rel="stylesheet" href="/static/vendor/yasgui/yasgui-grips.css"></head><body>
<main><div id="sparql-editor" data-config="sparql-editor-config"></div></main>
<script type="application/json" id="sparql-editor-config">{html.escape(json.dumps(CONFIG, ensure_ascii=False), quote=False)}</script>
<script src="/static/vendor/yasgui/yasgui.min.js"></script>
<script src="/static/sparql-editor.js"></script>
</body></html>"""


@pytest.fixture(scope="module")
def editor_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor")
    shutil.copytree(ROOT / "site" / "static", folder / "static")
    (folder / "index.html").write_text(page_html(), "utf-8")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/gdlecb/unit/ICT-SD-301"),
                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://w3id.org/gdlecb/def/Unit")))
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/gdlecb/unit/ICT-SD-301"),
                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                      ox.Literal("开发 Web 前端界面", language="zh")))
    queries: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(folder), **kw)

        def log_message(self, *args):
            pass

        def end_headers(self):
            self.send_header("Content-Security-Policy", CSP)
            super().end_headers()

        def do_POST(self):  # the SPARQL endpoint (protocol: form-encoded query)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
            query = urllib.parse.parse_qs(body).get("query", [""])[0]
            queries.append(query)
            result = store.query(query)
            data = result.serialize(format=ox.QueryResultsFormat.JSON)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", queries
    server.shutdown()
    server.server_close()


def test_vendored_files_match_their_checksums():
    folder = ROOT / "site" / "static" / "vendor" / "yasgui"
    sums = dict(line.split()[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"yasgui.min.js", "yasgui.min.css", "yasgui-grips.css"}
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert json.loads((folder / "package.json").read_text())["version"] == "4.6.2"
    assert "MIT" in (folder / "LICENSE").read_text()


def test_type_a_query_run_it_and_see_rows(editor_site, browser):
    url, queries = editor_site
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url + "/index.html")
        page.wait_for_selector(".yasqe .CodeMirror", timeout=15000)
        # the example queries are tabs, named as configured
        tabs = page.locator(".tabsList .tab").all_inner_texts()
        assert any("单元 · Units" in t for t in tabs) and any("标签 · Labels" in t for t in tabs)
        # our prefixes are declared in the editor
        value = page.evaluate("document.getElementById('sparql-editor').yasgui.getTab().getYasqe().getValue()")
        assert "PREFIX cb: <https://w3id.org/gdlecb/def/>" in value
        # type a query
        page.locator(".yasqe .CodeMirror").first.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?s ?label WHERE { ?s skos:prefLabel ?label }")
        page.locator(".yasqe_queryButton").first.click()
        page.wait_for_selector(".yasr table tbody tr", timeout=15000)
        rows = page.locator(".yasr table tbody tr").all_inner_texts()
        assert len(rows) == 1 and "开发 Web 前端界面" in rows[0]
        assert queries and "?label" in queries[-1]
        # The only CSP refusals allowed: the column resizer's injected <style> elements, whose rules
        # the page links as /static/vendor/yasgui/yasgui-grips.css (scripts/vendor-js extracts them).
        csp = [e for e in errors if "Content Security Policy" in e]
        blocked = {m for e in csp for m in re.findall(r"'(sha256-[A-Za-z0-9+/=]+)'", e)}
        assert len(blocked) == len(csp), csp  # each refusal names the hash of what it refused
        injected = page.evaluate("Array.from(document.querySelectorAll('head style')).map(e => e.textContent)")
        by_hash = {"sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode(): t for t in injected}
        linked = " ".join((ROOT / "site/static/vendor/yasgui/yasgui-grips.css").read_text().split())
        for h in blocked:
            assert h in by_hash, f"a refused inline style that is not the column resizer's: {h} {csp}"
            assert " ".join(by_hash[h].split()) in linked
        assert page.evaluate("getComputedStyle(document.querySelector('.yasr table')).tableLayout") == "fixed"
    finally:
        ctx.close()
