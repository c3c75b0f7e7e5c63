"""Shared fixtures: the project root and a store holding everything we ship."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Folder for screenshots and reports that CI prints or keeps."""
    path = Path(os.environ.get("REGISTRY_ARTEFACTS", ROOT / "artefacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def shipped_store() -> EmbeddedStore:
    """An in-memory store with the shipped ontology, shapes and vocabularies (read-only use!)."""
    store = EmbeddedStore(None)
    load_files(store, SHIPPED)
    return store


CHROMIUM = "/usr/bin/chromium"  # Debian's chromium (Playwright's own browser download does not work here)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session: Playwright's sync API keeps an event loop running in the main
    thread, so a second ``sync_playwright()`` in the same session fails — every browser test uses this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
