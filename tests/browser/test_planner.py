"""The credit planner (学分规划, issue 9 item 4) driven end to end in Chromium, in zh and en: pick
achievements by searching as you type, a target and a date, evaluate through
POST /api/transfer/evaluate, see the recognised units and an unmet requirement with a suggestion.
No CSP violation; the choices stay in the browser; the server's state folder and store are unchanged."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

from tests.browser.conftest import free_port, wait_until_up

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://w3id.org/gdlecb/"
QUAL = BASE + "qualification/gzpyp-software-technology"


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its size and modification time."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for f in files:
            p = Path(dirpath) / f
            st = p.stat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def planner_server(tmp_path_factory):
    """The app over the shipped data in an on-disk store with its own state folder."""
    import uvicorn

    root = tmp_path_factory.mktemp("planner")
    store_dir, state_dir = root / "store", root / "state"
    state_dir.mkdir()
    s = EmbeddedStore(str(store_dir))
    load_files(s, [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"])
    s.close()
    store = EmbeddedStore(str(store_dir))
    app = create_app(Settings(store=str(store_dir), state_dir=str(state_dir)), store=store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/context.jsonld")
    yield url, store, store_dir, state_dir
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


CASES = {
    "zh": {"search": "Web 前端", "pick": "中级", "recognised": "可认定的单元和课程", "not_met": "未满足",
           "missing": "缺少", "suggestion": "建议的下一步", "title": "学分规划"},
    "en": {"search": "web front-end", "pick": "Intermediate", "recognised": "Units and courses recognised",
           "not_met": "not met", "missing": "Missing", "suggestion": "Suggested next steps", "title": "Credit planner"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_planner_end_to_end(planner_server, open_page, lang):
    url, store, store_dir, state_dir = planner_server
    case = CASES[lang]
    p = open_page(f"planner-{lang}")
    page = p.page
    posted = []
    page.on("request", lambda r: posted.append((r.method, r.url, r.post_data)) if r.method != "GET" else None)
    before_state, before_store, gen = snapshot(state_dir), snapshot(store_dir), store.generation()

    page.goto(f"{url}/planner?lang={lang}")
    assert case["title"] in page.title()
    form = page.locator("#planner")
    form.wait_for(state="visible")  # the script shows the form (no-JS visitors get the fallback text)
    page.fill("#planner-q", case["search"])
    option = page.locator("#planner-suggest button").filter(has_text=case["pick"]).first
    option.wait_for(state="visible", timeout=10000)
    option.click()
    row = page.locator(f'#planner-held tr[data-iri="{BASE}achievement/1x-web-frontend-intermediate"]')
    assert row.count() == 1
    row.locator('input[type="date"]').fill("2025-06-01")
    page.select_option("#planner-target", QUAL)
    page.fill("#planner-at", "2026-06-01")
    page.click("#planner-go")
    out = page.locator("#planner-output")
    page.locator(".planner-recognised").wait_for(timeout=10000)

    text = out.inner_text()
    assert case["recognised"] in text
    units = page.locator(".planner-recognised li").evaluate_all("els => els.map(e => e.dataset.unit)")
    assert BASE + "unit/ICT-SD-301" in units
    unmet = page.locator(".planner-requirements li.req-unmet")
    assert unmet.count() >= 1
    required = unmet.filter(has_text=case["missing"]).first
    assert case["not_met"] in required.inner_text()
    sugg = required.locator(".planner-suggestions li")
    assert sugg.count() >= 1 and "ST101" in sugg.first.inner_text()
    assert "TR-2025-014" in sugg.first.inner_text()  # the rule that would close the gap
    # reasons come in the chosen language
    if lang == "en":
        assert "more credits needed" in text
    else:
        assert "还差" in text

    # only the evaluate call left the browser, and it carried only the record
    assert [(m, u.split("?")[0]) for m, u, _ in posted] == [("POST", url + "/api/transfer/evaluate")]
    # the choices stay in the browser
    saved = page.evaluate("JSON.parse(localStorage.getItem('gdlecb-planner'))")
    assert saved["target"] == QUAL and saved["held"][0]["id"].endswith("1x-web-frontend-intermediate")
    page.reload()
    page.locator("#planner").wait_for(state="visible")
    assert page.locator("#planner-held tbody tr").count() == 1
    page.click("#planner-clear")
    assert page.evaluate("localStorage.getItem('gdlecb-planner')") is None

    assert p.csp_violations() == [] and p.errors == [], (p.csp_violations(), p.errors)
    # nothing was stored server-side
    assert store.generation() == gen
    assert snapshot(state_dir) == before_state
    assert snapshot(store_dir) == before_store


def test_planner_fallback_without_javascript(planner_server, browser):
    url = planner_server[0]
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(f"{url}/planner?lang=en")
        assert "The credit planner needs JavaScript" in page.inner_text("main")
        assert not page.locator("#planner").is_visible()
    finally:
        ctx.close()
