"""Atomic, audited writes: a failure injected between the steps of a write (the
fault hook injected into the workflow, not a mock of the store) leaves no partial item,
and recovery (the next write, or start-up) makes the store converge."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.app import create_app
from registry.config import Settings

from .conftest import BASE, UNIT_NEW, unit_ttl


class Crash(RuntimeError):
    pass


def crash_at(step: str):
    def hook(name: str) -> None:
        if name == step:
            raise Crash(f"injected failure at {step}")
    return hook


def canonical(triples) -> set:
    """Triples as an Oxigraph store gives them back (it keeps literals by value: "2.0"^^xsd:decimal → "2")."""
    s = ox.Store()
    s.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return {q.triple for q in s}


def latest_snapshot(env, item: str) -> set:
    from registry.workflow.versions import get_version, history

    n = history(env.db, item)[-1]["n"]
    return canonical(get_version(env.db, item, n))


def pending(env) -> int:
    return env.db.read().execute("SELECT COUNT(*) FROM outbox WHERE applied IS NULL").fetchone()[0]


def test_failure_before_the_store_write_leaves_no_partial_item_and_recovers(env):
    units = unit_ttl() + "\n" + unit_ttl("ICT-SD-310", statement="第二个单元。")
    sid = env.submit("alice", units).json()["id"]
    before = env.snapshot()
    env.faults.hook = crash_at("after-commit")
    r = env.accept(sid)
    assert r.status_code == 503, r.text
    assert r.json()["published"] is False and "retried" in r.json()["pending"]["en"]
    # the store is exactly as before: neither unit, not half of one
    assert env.snapshot() == before
    assert pending(env) == 1
    # recovery at start-up: a new application over the same store and state converges
    env.faults.hook = None
    settings = Settings(store=str(env.tmp / "store"), state_dir=str(env.tmp / "state"))
    create_app(settings, store=env.store)
    assert pending(env) == 0
    for item in (UNIT_NEW, BASE + "unit/ICT-SD-310"):
        assert canonical(env.store.graph_triples(item)) == latest_snapshot(env, item)
    # the change feed and audit already had the change (they are written with the version)
    assert [e["item"] for e in env.client.get("/api/changes").json()["events"]] == [UNIT_NEW, BASE + "unit/ICT-SD-310"]


def test_failure_after_the_store_write_is_reapplied_idempotently(env):
    env.publish(unit_ttl())
    sid = env.submit("alice", unit_ttl(statement="第二版的能力说明。")).json()["id"]
    env.faults.hook = crash_at("after-store-write")
    r = env.accept(sid)
    assert r.status_code == 503
    assert pending(env) == 1
    assert canonical(env.store.graph_triples(UNIT_NEW)) == latest_snapshot(env, UNIT_NEW)
    env.faults.hook = None
    # the next write applies the pending entry first (same content: idempotent), then its own
    r = env.set_status(UNIT_NEW, "retired")
    assert r.status_code == 200
    assert pending(env) == 0
    assert canonical(env.store.graph_triples(UNIT_NEW)) == latest_snapshot(env, UNIT_NEW)
    assert [v["version"] for v in env.client.get("/api/items/unit/ICT-SD-309/history").json()["versions"]] == [1, 2, 3]


def test_failed_sqlite_transaction_records_nothing(env, monkeypatch):
    """A failure inside the SQLite transaction (here: the audit insert) rolls back versions, events and outbox."""
    sid = env.submit("alice", unit_ttl()).json()["id"]
    before = env.snapshot()
    original = env.app.state.ctx.workflow.db.audit

    def failing_audit(c, user_id, action, target, detail):
        if action == "accept":
            raise Crash("audit failed")
        return original(c, user_id, action, target, detail)

    monkeypatch.setattr(env.app.state.ctx.workflow.db, "audit", failing_audit)
    with pytest.raises(Crash):
        env.accept(sid)
    read = env.db.read()
    assert read.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 0
    assert read.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    assert read.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert read.execute("SELECT status FROM submissions WHERE id=?", (sid,)).fetchone()[0] == "submitted"
    assert env.snapshot() == before


def test_every_write_has_an_audit_record(env):
    sid = env.submit("alice", unit_ttl()).json()["id"]
    env.accept(sid)
    sid2 = env.submit("alice", unit_ttl("ICT-SD-310", statement="x。")).json()["id"]
    env.client.post(f"/api/submissions/{sid2}/reject", json={"reason": "重复"}, headers=env.h("registrar"))
    env.set_status(UNIT_NEW, "retired")
    actions = [r[0] for r in env.db.read().execute("SELECT action FROM audit WHERE user_id IS NOT NULL ORDER BY id")]
    assert actions == ["submit", "accept", "submit", "reject", "status"]


def test_store_holds_only_published_items(env):
    """Nothing private (tokens, submissions, audit) is ever written to the RDF store."""
    env.submit("alice", unit_ttl("ICT-SD-310", statement="待审核。"))
    env.publish(unit_ttl())
    buf = __import__("io").BytesIO()
    env.store.dump(buf, ox.RdfFormat.N_QUADS)
    dump = buf.getvalue().decode("utf-8")
    assert "ICT-SD-310" not in dump and "待审核" not in dump
    assert not any(tok in dump for tok in env.tokens.values())
    assert "alice" not in dump


def test_an_app_that_never_uses_the_workflow_leaves_no_state_file(tmp_path, seed_store_dir):
    from fastapi.testclient import TestClient

    from .conftest import seeded_store

    store = seeded_store(tmp_path / "store", seed_store_dir)
    state = tmp_path / "state"
    app = create_app(Settings(store=str(tmp_path / "store"), state_dir=str(state)), store=store)
    assert not state.exists()
    assert TestClient(app).get("/api/changes").json() == {"events": []}  # first use creates it
    assert (state / "workflow.sqlite3").exists()
    store.close()
