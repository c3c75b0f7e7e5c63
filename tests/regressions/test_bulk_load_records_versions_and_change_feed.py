"""Issue 14, defect 5: bulk loads bypassed versions and the change feed.

Reproduction: after ``registry load`` of the shipped content no item had ``/v/1`` and
``/api/changes?since=0`` was empty, so a harvester never learnt of the shipped content.
Now every load that changes an item records a version and a change event (one SQLite
transaction, the workflow's outbox); loading the same content again records nothing; a
crash during the store write leaves a pending outbox entry that the next load replays.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.cli import main
from registry.config import Settings
from registry.loader import load_paths
from registry.store.embedded import EmbeddedStore
from registry.workflow.loads import LoadRecorder

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [str(ROOT / d) for d in ("ontology", "shapes", "vocabularies")]
BASE = "https://w3id.org/gdlecb/"
UNIT = BASE + "unit/ICT-SD-301"


def rows(state: Path, sql: str):
    c = sqlite3.connect(state / "workflow.sqlite3")
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


def test_load_records_a_version_and_an_event_per_item_once(tmp_path):
    folder = tmp_path / "store"
    runner = CliRunner()
    r = runner.invoke(main, ["load", "--store", str(folder), *SHIPPED])
    assert r.exit_code == 0, r.output
    store = EmbeddedStore(folder, read_only=True)
    graphs = set(store.graph_names())
    store.close()
    assert {i for (i,) in rows(folder, "SELECT item FROM versions WHERE n=1")} == graphs
    assert rows(folder, "SELECT COUNT(*), MIN(type), MAX(type) FROM events") == [(len(graphs), "create", "create")]
    assert rows(folder, "SELECT COUNT(*) FROM outbox WHERE applied IS NULL") == [(0,)]

    # loading the same content again records nothing new
    r = runner.invoke(main, ["load", "--store", str(folder), *SHIPPED])
    assert r.exit_code == 0, r.output
    assert "0 new version(s)" in r.output
    assert rows(folder, "SELECT COUNT(*) FROM versions") == [(len(graphs),)]
    assert rows(folder, "SELECT COUNT(*) FROM events") == [(len(graphs),)]

    # a changed file: one new version of the changed item, an update event
    changed = tmp_path / "ict.ttl"
    text = (ROOT / "vocabularies" / "standard-ict.ttl").read_text(encoding="utf-8")
    assert "按规范编写与调试简单程序" in text
    changed.write_text(text.replace("按规范编写与调试简单程序", "按规范编写与调试简单程序（修订）", 1), encoding="utf-8")
    r = runner.invoke(main, ["load", "--store", str(folder), str(changed)])
    assert r.exit_code == 0, r.output
    new = rows(folder, "SELECT item, n FROM versions WHERE n=2")
    assert len(new) == 1
    assert rows(folder, "SELECT type, item, version FROM events ORDER BY id DESC LIMIT 1") == [("update", new[0][0], 2)]

    # the harvester's view: /v/1 and the feed from since=0
    store = EmbeddedStore(folder)
    client = TestClient(create_app(Settings(store=str(folder)), store=store))
    assert client.get(f"/{UNIT[len(BASE):]}/v/1", headers={"Accept": "text/turtle"}).status_code == 200
    feed = client.get("/api/changes", params={"since": 0, "limit": 1000}).json()["events"]
    assert {e["item"] for e in feed} == graphs and feed[-1]["type"] == "update"
    hist = client.get(f"/api/items/{UNIT[len(BASE):]}/history").json()["versions"]
    assert [v["version"] for v in hist] == [1]
    # the published graph carries its version metadata, as after a review
    assert store.ask(f"ASK {{ GRAPH <{UNIT}> {{ <{UNIT}> <http://purl.org/dc/terms/hasVersion> <{UNIT}/v/1> }} }}")
    store.close()


class Crash(RuntimeError):
    pass


def test_a_crash_during_the_store_write_converges_on_the_next_load(tmp_path):
    folder = tmp_path / "store"
    store = EmbeddedStore(folder)
    settings = Settings(store=str(folder))

    def crash(stage, n):
        if stage == "insert":
            raise Crash("injected failure during the load")

    store.fault_hook = crash
    rec = LoadRecorder(store, settings)
    with pytest.raises(Exception):
        load_paths(store, SHIPPED, validate=False, before_write=rec.before_write)
    store.fault_hook = None
    # state committed first (versions + pending outbox), store unchanged (atomic write)
    assert not list(store.graph_names())
    pending = rows(folder, "SELECT items FROM outbox WHERE applied IS NULL")
    assert len(pending) == 1 and UNIT in json.loads(pending[0][0])
    # the next load first replays the pending entry, then records nothing new for the same content
    rec = LoadRecorder(store, settings)
    assert rec.apply_pending() == 1
    assert UNIT in set(store.graph_names())
    load_paths(store, SHIPPED, validate=False, before_write=rec.before_write)
    rec.done()
    assert rec.recorded == []
    assert rows(folder, "SELECT COUNT(*) FROM outbox WHERE applied IS NULL") == [(0,)]
    n_items = rows(folder, "SELECT COUNT(DISTINCT item) FROM versions")[0][0]
    assert rows(folder, "SELECT COUNT(*) FROM versions") == [(n_items,)]
    assert len(set(store.graph_names())) == n_items
    store.close()
