"""Issue 14, defect 2: no Content-Security-Policy, X-Content-Type-Options, X-Frame-Options /
frame-ancestors or Referrer-Policy on any response.

Reproduction: ``curl -I http://127.0.0.1:8000/unit/ICT-SD-301`` and ``curl -I
'http://127.0.0.1:8000/sparql?query=ASK{}'`` showed none of them (the SPARQL fast path bypasses
routing, so a route-level fix would miss it). Fixed by a pure ASGI middleware installed outermost
(registry/app.py ``SecurityHeaders``); inline script and style moved into static files. Full
cases: tests/security/test_headers.py and tests/browser/test_security.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).resolve().parents[1] / "site" / "fixture.ttl"


@pytest.fixture(scope="module")
def client():
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(Settings(sparql_workers=1), store=store))


@pytest.mark.parametrize("path", ["/unit/ICT-SD-301", "/sparql?query=ASK%7B%7D", "/api/changes", "/static/site.css"])
def test_headers_present(client, path):
    h = client.get(path).headers
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "'unsafe-inline'" not in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
