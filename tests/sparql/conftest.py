"""Fixtures for the SPARQL endpoint tests.

``endpoint_store`` is parametrized over ``tests/backends.py``'s BACKENDS, so the
same endpoint tests run on the embedded store and on every remote backend
listed there. It holds the shipped vocabularies, a small synthetic registry
(bench/generate.py) and ``fixture.ttl`` (non-ASCII text, a blank node).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backends import BACKENDS, open_backend
from bench.generate import generate
from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files

HERE = Path(__file__).resolve().parent
SYNTHETIC_UNITS = 120
ROOT = HERE.parent.parent
# a few vocabularies (levels, sectors, credit systems, dimensions, organisations) keep loading into
# the remote servers quick; the examples and tests need nothing else
DATA = [ROOT / "vocabularies" / f for f in ("gdleqf.ttl", "sectors-gbt4754.ttl", "credit-systems.ttl",
                                            "dimensions.ttl", "organisations.ttl")] + [HERE / "fixture.ttl"]


@pytest.fixture(scope="session")
def synthetic_file(tmp_path_factory) -> Path:
    return generate(SYNTHETIC_UNITS, seed=7, out=tmp_path_factory.mktemp("synthetic") / "synthetic.ttl")


@pytest.fixture(scope="session", params=BACKENDS)
def endpoint_store(request, tmp_path_factory, synthetic_file):
    """A store of each backend kind, filled with the test data once per session (read-only use!)."""
    store = open_backend(request.param, tmp_path_factory.mktemp(f"endpoint-{request.param}"))
    load_files(store, [*DATA, synthetic_file])
    yield store
    store.close()


def make_client(store, **settings) -> TestClient:
    settings.setdefault("sparql_workers", 2)
    app = create_app(Settings(store=str(getattr(store, "path", "") or "unused"), **settings), store=store)
    return TestClient(app)


@pytest.fixture(scope="module")
def client(endpoint_store):
    with make_client(endpoint_store) as c:
        yield c
