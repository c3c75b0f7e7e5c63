"""Store backends the contract, SPARQL-endpoint and workflow tests run against.

``BACKENDS`` lists the kinds; ``open_backend(kind, tmp_path)`` gives an empty
store of that kind. The remote kinds (Oxigraph server, Virtuoso) are started
once per test session on loopback with a throwaway data folder.
"""

from __future__ import annotations

from pathlib import Path

from registry.store import RegistryStore
from registry.store.embedded import EmbeddedStore

BACKENDS = ["embedded"]


def open_backend(kind: str, tmp_path: Path) -> RegistryStore:
    if kind == "embedded":
        return EmbeddedStore(tmp_path / "store")
    raise ValueError(f"unknown backend {kind}")
