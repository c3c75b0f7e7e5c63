"""The store layer: one small interface, an embedded and a remote implementation.

Use :func:`open_store` to get a store from a ``--store`` value:

* a folder path: the embedded on-disk Oxigraph store (default ``./registry-data``);
* ``sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]]``: a remote SPARQL 1.1 server.
"""

from __future__ import annotations

from .base import (
    GraphWrite,
    QueryExecutor,
    QueryResult,
    RegistryStore,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
    StoreUpstreamError,
)

__all__ = ["GraphWrite", "QueryExecutor", "QueryResult", "RegistryStore", "StoreError", "StoreTimeoutError",
           "StoreUnavailableError", "StoreUpstreamError", "open_store"]


def open_store(spec: str, *, read_only: bool = False, **options) -> RegistryStore:
    """Open the store named by a ``--store`` value."""
    if spec.startswith("sparql:"):
        from .remote import RemoteStore

        return RemoteStore.from_spec(spec, **options)
    from .embedded import EmbeddedStore

    return EmbeddedStore(spec, read_only=read_only)
