"""Fixtures for the catalogue tests: a small registry of our own (fixture.ttl) and the shipped data."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).with_name("fixture.ttl")
BASE = "https://w3id.org/gdlecb/"


def _client(store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(Settings(), store=store))


@pytest.fixture(scope="session")
def site_store():
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE])
    return store


@pytest.fixture(scope="session")
def client(site_store):
    return _client(site_store)


@pytest.fixture(scope="session")
def shipped_client(shipped_store):
    return _client(shipped_store)


HTML = {"Accept": "text/html"}
