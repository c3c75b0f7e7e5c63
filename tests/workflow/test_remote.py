"""The workflow over remote SPARQL stores (Oxigraph server and Virtuoso on loopback): it only uses the
store interface, so submissions, review, versions, status changes and recovery after an
injected failure behave as with the embedded store."""

from __future__ import annotations

import sys

import pyoxigraph as ox
import pytest

from registry.store.remote import RemoteStore

from .conftest import BASE, ROOT, UNIT_NEW, make_env, unit_ttl

sys.path.insert(0, str(ROOT / "tests"))
from servers import start_oxigraph, start_virtuoso  # noqa: E402

pytestmark = pytest.mark.remote


@pytest.fixture(params=["oxigraph-server", "virtuoso"])
def remote_env(request, tmp_path, shipped_nquads):
    start = {"oxigraph-server": start_oxigraph, "virtuoso": start_virtuoso}[request.param]
    server = start(tmp_path / request.param)
    store = RemoteStore.from_spec(server.spec, **server.store_options())
    # the vocabularies (what submissions reference); the ontology and shapes graphs are not needed
    # here (the validator reads the shapes file) and Virtuoso times out on their single big INSERTs
    skip = {BASE + "def", BASE + "shapes"}
    quads = [q for q in ox.parse(shipped_nquads, format=ox.RdfFormat.N_QUADS) if q.graph_name.value not in skip]
    store.bulk_load_quads(quads, {q.graph_name.value for q in quads})
    env = make_env(tmp_path, shipped_nquads, store=store)
    try:
        yield env
    finally:
        store.close()
        server.stop()


def test_workflow_on_a_remote_store(remote_env):
    env = remote_env
    assert env.store.kind == "remote"
    before = env.snapshot()
    # refused submissions leave the remote store unchanged
    assert env.submit("alice", unit_ttl(area="ZZ")).status_code == 422
    assert env.submit("bob", unit_ttl()).status_code == 403
    assert env.snapshot() == before
    # submitted: private; accepted: published with version metadata
    sid = env.submit("alice", unit_ttl()).json()["id"]
    assert UNIT_NEW not in env.store.graph_names()
    assert env.accept(sid, "experimental").status_code == 200
    assert env.store.ask(f"ASK {{ <{UNIT_NEW}> <http://purl.org/dc/terms/hasVersion> <{UNIT_NEW}/v/1> }}")
    # an update, then a failure injected before the store write: nothing partial, recovery converges
    sid = env.submit("alice", unit_ttl(statement="远程存储上的第二版。")).json()["id"]
    env.faults.hook = lambda step: (_ for _ in ()).throw(RuntimeError("crash")) if step == "after-commit" else None
    assert env.accept(sid).status_code == 503
    assert not env.store.ask(f'ASK {{ <{UNIT_NEW}> ?p "远程存储上的第二版。"@zh }}')
    env.faults.hook = None
    assert env.app.state.ctx.workflow.apply_pending() == 1
    assert env.store.ask(f'ASK {{ <{UNIT_NEW}> ?p "远程存储上的第二版。"@zh }}')
    # status lifecycle and history
    assert env.set_status(UNIT_NEW, "superseded", successor=BASE + "unit/ICT-SD-301").status_code == 200
    assert env.store.ask(f"ASK {{ <{UNIT_NEW}> <http://purl.org/dc/terms/isReplacedBy> <{BASE}unit/ICT-SD-301> }}")
    versions = env.client.get("/api/items/unit/ICT-SD-309/history").json()["versions"]
    assert [v["status_name"] for v in versions] == ["experimental", "stable", "superseded"]
    d = env.client.get("/api/items/unit/ICT-SD-309/diff?from=1&to=2&lang=en").json()
    assert any("competency statement changed" in c["en"] for c in d["changes"])
