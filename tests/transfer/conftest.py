"""Fixtures for the transfer tests: the shipped registry on disk, its transfer graph and an API client."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.transfer.graph import load_graph

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
BASE = "https://w3id.org/gdlecb/"


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("transfer") / "store"
    store = EmbeddedStore(str(path))
    load_files(store, SHIPPED)
    store.close()
    return path


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("transfer-state")


@pytest.fixture(scope="session")
def store(store_dir):
    s = EmbeddedStore(str(store_dir))
    yield s
    s.close()


@pytest.fixture(scope="session")
def graph(store):
    return load_graph(store)


@pytest.fixture(scope="session")
def client(store, store_dir, state_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    app = create_app(Settings(store=str(store_dir), state_dir=str(state_dir)), store=store)
    with TestClient(app) as c:
        yield c
