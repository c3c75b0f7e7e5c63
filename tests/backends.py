"""Store backends the contract, SPARQL-endpoint and workflow tests run against.

``BACKENDS`` lists the kinds; ``open_backend(kind, tmp_path)`` gives an empty
store of that kind:

* ``embedded``: the on-disk pyoxigraph store in ``tmp_path``;
* ``oxigraph-server``: Oxigraph server (PyPI ``oxigraph``) with ``--union-default-graph``;
* ``virtuoso``: Debian's virtuoso-opensource 7.2 (reads on ``/sparql``, writes on
  ``/sparql-auth`` with digest auth).

The remote servers are started once per test session, on loopback with a
throwaway data folder, the first time a test asks for them (see
``tests/servers.py``), and stopped when the session ends. Each ``open_backend``
call empties the server first (every registry graph dropped), so each test
starts from an empty store; tests using remote kinds must not run in parallel
against the same server.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

from registry.store import GraphWrite, RegistryStore
from registry.store.embedded import EmbeddedStore
from registry.store.remote import RemoteStore

try:  # imported as ``backends`` (tests/ on sys.path, as pytest does) or as ``tests.backends``
    from servers import Server, start_oxigraph, start_virtuoso
except ImportError:  # pragma: no cover
    from tests.servers import Server, start_oxigraph, start_virtuoso

BACKENDS = ["embedded", "oxigraph-server", "virtuoso"]
REMOTE_BACKENDS = ["oxigraph-server", "virtuoso"]

_STARTERS = {"oxigraph-server": start_oxigraph, "virtuoso": start_virtuoso}
_servers: dict[str, Server] = {}
_folders: list[Path] = []
_lock = threading.Lock()


def backend_server(kind: str) -> Server:
    """The session's server of a remote ``kind`` (started on first use)."""
    if kind not in _STARTERS:
        raise ValueError(f"not a remote backend: {kind} (remote kinds: {', '.join(_STARTERS)})")
    with _lock:
        server = _servers.get(kind)
        if server is None or server.process.poll() is not None:
            folder = Path(tempfile.mkdtemp(prefix=f"registry-{kind}-"))
            _folders.append(folder)
            server = _STARTERS[kind](folder)
            _servers[kind] = server
        return server


def remote_store(kind: str, **options) -> RemoteStore:
    """A RemoteStore on the session's server of ``kind`` (not emptied)."""
    server = backend_server(kind)
    opts = server.store_options() | {"timeout": 30.0} | options
    return RemoteStore.from_spec(server.spec, **opts)


def open_backend(kind: str, tmp_path: Path) -> RegistryStore:
    if kind == "embedded":
        return EmbeddedStore(tmp_path / "store")
    if kind in _STARTERS:
        store = remote_store(kind)
        names = store.graph_names()
        if names:
            store.write(GraphWrite(drop=names))
        if store.graph_names():
            raise RuntimeError(f"could not empty the {kind} test server")
        return store
    raise ValueError(f"unknown backend {kind} (known: {', '.join(BACKENDS)})")


def stop_servers() -> None:
    """Stop every server this session started and delete their folders."""
    with _lock:
        for server in _servers.values():
            server.stop()
        _servers.clear()
        for folder in _folders:
            shutil.rmtree(folder, ignore_errors=True)
        _folders.clear()


atexit.register(stop_servers)
