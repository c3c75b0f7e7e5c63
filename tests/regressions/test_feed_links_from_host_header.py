"""Issue 14, defect 3: the ``Host`` header was reflected into the change feed.

Reproduction: ``curl -H 'Host: evil.example' 'http://127.0.0.1:8000/api/changes?limit=1'`` answered
``Link: <http://evil.example/api/changes?since=1&limit=1>; rel="next"``, and the Atom feed's
``self``/``next`` links and ``id`` named evil.example too (a cache or a feed reader following them
goes to the attacker). Fixed: absolute links come from ``Settings.public_base()`` (``public_url``,
env ``REGISTRY_PUBLIC_URL``). Full cases: tests/security/test_headers.py.
"""

from __future__ import annotations

import warnings

from registry.app import create_app
from registry.config import Settings
from registry.store.embedded import EmbeddedStore
from registry.workflow.state import StateDB


def test_forged_host_is_not_reflected(tmp_path):
    db = StateDB(tmp_path)
    with db.write() as c:
        for i in (1, 2):
            c.execute("INSERT INTO events (time, type, item, version, status) VALUES (?,?,?,?,?)",
                      (f"2026-11-0{i}T00:00:00Z", "create", f"https://w3id.org/gdlecb/unit/ICT-SD-30{i}", 1, "stable"))
    db.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(create_app(Settings(state_dir=str(tmp_path), public_url="https://registry.example.org"),
                                   store=EmbeddedStore(None)))
    r = client.get("/api/changes?limit=1", headers={"Host": "evil.example"})
    assert r.headers["link"] == '<https://registry.example.org/api/changes?since=1&limit=1>; rel="next"'
    atom = client.get("/api/changes.atom?since=0&limit=1", headers={"Host": "evil.example"})
    assert b"evil.example" not in atom.content and "evil.example" not in atom.headers.get("link", "")
    assert b'href="https://registry.example.org/api/changes.atom?since=1&amp;limit=1"' in atom.content
