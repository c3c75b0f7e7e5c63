"""Retire / supersede (issue 9 item 3): the status-change response and the CLI name the transfer rules
and qualifications that reference the item (registry/transfer/impact.py)."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from registry.cli import main as cli
from registry.transfer.impact import affected_by
from tests.browser.conftest import free_port, wait_until_up
from tests.workflow.conftest import make_env, seed_store_dir  # noqa: F401  (fixture)

BASE = "https://w3id.org/gdlecb/"
UNIT = BASE + "unit/ICT-SD-301"
ACH = BASE + "achievement/1x-web-frontend-intermediate"
QUAL = BASE + "qualification/gzpyp-software-technology"


def test_affected_by_finds_rules_both_ways_and_qualifications(store):
    a = affected_by(store, UNIT)
    roles = {r["iri"]: r["roles"] for r in a["rules"]}
    assert roles[BASE + "transfer-rule/1x-web-frontend-intermediate-to-ict-sd-301"] == ["target"]
    assert roles[BASE + "transfer-rule/ict-sd-301-to-gzpyp-st201"] == ["source"]
    # every rule found really names the unit (no over-reporting)
    for iri in roles:
        assert store.ask(f"ASK {{ <{iri}> ?p <{UNIT}> }}")
    quals = {q["iri"]: q["via"] for q in a["qualifications"]}
    assert "set" in quals[QUAL]  # through "at least 6 credits from the ICT standard"
    assert all(q["label"]["zh"] and q["label"]["en"] for q in a["qualifications"])


def test_affected_by_a_course_names_its_qualification(store):
    a = affected_by(store, QUAL + "/component/ST101")
    assert {q["iri"] for q in a["qualifications"]} == {QUAL}
    assert {"component", "requirement"} <= set(a["qualifications"][0]["via"])
    assert any(r["roles"] == ["target"] for r in a["rules"])


def test_affected_by_an_unreferenced_item_is_empty(store):
    assert affected_by(store, BASE + "unit/NO-SUCH-UNIT") == {"rules": [], "qualifications": []}


@pytest.fixture
def env(tmp_path, seed_store_dir):  # noqa: F811
    e = make_env(tmp_path, seed_store_dir)
    yield e
    e.store.close()


def test_retire_response_names_affected_rules_and_qualifications(env):
    r = env.set_status(UNIT, "retired", reason="test")
    assert r.status_code == 200, r.text
    affects = r.json()["affects"]
    assert BASE + "transfer-rule/ict-sd-301-to-gzpyp-st201" in {x["iri"] for x in affects["rules"]}
    assert QUAL in {x["iri"] for x in affects["qualifications"]}


def test_supersede_response_names_affected_rules_and_only_then(env):
    r = env.set_status(ACH, "stable")
    assert r.status_code == 200 and "affects" not in r.json()  # not a retirement: nothing to name
    r = env.set_status(ACH, "superseded", successor=BASE + "achievement/1x-web-frontend-junior")
    assert r.status_code == 200, r.text
    rules = r.json()["affects"]["rules"]
    assert rules and all(x["roles"] == ["source"] for x in rules)
    assert BASE + "transfer-rule/1x-web-frontend-intermediate-to-ict-sd-301" in {x["iri"] for x in rules}


def test_cli_status_prints_the_affected_rules(env):
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(env.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/context.jsonld")
        res = CliRunner().invoke(cli, ["status", UNIT, "--retire", "--server", url, "--token", env.tokens["registrar"]])
        assert res.exit_code == 0, res.output
        assert "affects / 影响:" in res.output
        assert "transfer-rule/ict-sd-301-to-gzpyp-st201" in res.output and "(source)" in res.output
        assert "qualification / 资历 GZPYP-ST" in res.output
    finally:
        server.should_exit = True
        thread.join(timeout=10)
