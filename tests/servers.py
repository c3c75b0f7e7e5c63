"""Start and stop real SPARQL servers on loopback for the tests and benchmarks.

* :func:`start_oxigraph` runs Oxigraph server from the PyPI ``oxigraph`` package
  (``oxigraph serve --union-default-graph``) over a throwaway data folder.
* :func:`start_virtuoso` runs Debian's ``virtuoso-t`` (7.2) from a copy of the
  stock ``virtuoso.ini`` with the database, both ports and ``DirsAllowed`` moved
  to a throwaway folder bound to 127.0.0.1.

Both return a :class:`Server` (query/update URLs, credentials, a ``stop()``);
every wait is bounded and a server that does not start raises
:class:`ServerStartError` with the tail of its log.
"""

from __future__ import annotations

import configparser
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OXIGRAPH_BIN = Path(sys.executable).parent / "oxigraph"
VIRTUOSO_BIN = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL_BIN = shutil.which("isql-vt") or "/usr/bin/isql-vt"
VIRTUOSO_STOCK_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")

#: the Virtuoso DBA password of the throwaway database (bound to loopback only)
VIRTUOSO_DBA_PASSWORD = "dba"


class ServerStartError(RuntimeError):
    """A test server did not start; the message carries the tail of its log."""


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the test process dies (no orphan servers)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@dataclass
class Server:
    kind: str
    query_url: str
    update_url: str
    store_url: str | None
    process: subprocess.Popen
    folder: Path
    log: Path
    user: str | None = None
    password: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def spec(self) -> str:
        """The ``--store`` value selecting this server."""
        urls = [self.query_url, self.update_url] + ([self.store_url] if self.store_url else [])
        return "sparql:" + ",".join(urls)

    def store_options(self) -> dict:
        return {"user": self.user, "password": self.password}

    def stop(self, timeout: float = 20) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float,
               ready_text: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(f"{what} exited with code {proc.returncode} while starting; log:\n{_tail(log)}")
        if ready_text is None or ready_text in log.read_text(errors="replace"):
            try:
                r = httpx.post(url, data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"},
                               timeout=2)
                if r.status_code < 500:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    proc.kill()
    raise ServerStartError(f"{what} did not answer on {url} within {timeout:.0f} s; log:\n{_tail(log)}")


#: server-side query time limit of the test servers (seconds): a query the registry gave up on
#: (its own timeout is shorter) must not keep burning CPU on the server for the rest of the session
SERVER_QUERY_TIMEOUT = 10


def start_oxigraph(folder: Path, *, timeout: float = 30, query_timeout: int = SERVER_QUERY_TIMEOUT) -> Server:
    """Oxigraph server over ``folder`` on a free loopback port, union default graph on."""
    if not OXIGRAPH_BIN.exists():
        raise ServerStartError(f"Oxigraph server not found at {OXIGRAPH_BIN} (pip install oxigraph)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "oxigraph.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(OXIGRAPH_BIN), "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}",
             "--union-default-graph", "--timeout-s", str(query_timeout)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )
    base = f"http://127.0.0.1:{port}"
    _wait_http(base + "/query", proc, log, "Oxigraph server", timeout)
    return Server("oxigraph-server", base + "/query", base + "/update", base + "/store", proc, folder, log)


def virtuoso_ini(folder: Path, sql_port: int, http_port: int, query_timeout: int = SERVER_QUERY_TIMEOUT) -> str:
    """The stock virtuoso.ini with the database in ``folder`` and both ports on 127.0.0.1."""
    cp = configparser.RawConfigParser(strict=False, inline_comment_prefixes=(";",))
    cp.optionxform = str  # keep the key case Virtuoso expects
    cp.read(VIRTUOSO_STOCK_INI)
    for section, name in (("Database", "virtuoso"), ("TempDatabase", "virtuoso-temp")):
        cp[section]["DatabaseFile"] = str(folder / f"{name}.db")
        cp[section]["TransactionFile"] = str(folder / f"{name}.trx")
    cp["Database"]["ErrorLogFile"] = str(folder / "virtuoso.log")
    cp["Database"]["LockFile"] = str(folder / "virtuoso.lck")
    cp["Database"]["xa_persistent_file"] = str(folder / "virtuoso.pxa")
    p = cp["Parameters"]
    p["ServerPort"] = f"127.0.0.1:{sql_port}"
    p["DirsAllowed"] = f"., {folder}, /usr/share/virtuoso-opensource-7/vad"
    # small and quick for tests: fewer buffers, no periodic checkpoints stalling a run
    p["NumberOfBuffers"] = "20000"
    p["MaxDirtyBuffers"] = "15000"
    # no automatic checkpoints: a throwaway database needs none, and they stall a run
    p["CheckpointInterval"] = "0"
    # readers at the default READ COMMITTED saw an item's rows with their values gone while a
    # write replaced it (measured); repeatable read makes them wait for the writer instead
    p["DefaultIsolation"] = "4"
    h = cp["HTTPServer"]
    h["ServerPort"] = f"127.0.0.1:{http_port}"
    h["ServerRoot"] = "/var/lib/virtuoso-opensource-7/vsp"
    cp["URIQA"]["DefaultHost"] = f"127.0.0.1:{http_port}"
    # the stock ini silently truncates results at 10,000 rows: raise it so that
    # graph dumps and large listings are complete (see docs/deployment.md)
    cp["SPARQL"]["ResultSetMaxRows"] = "1000000"
    cp["SPARQL"]["MaxQueryExecutionTime"] = str(query_timeout)
    # no refusal by estimated cost (its estimates are rough); queries are bounded by time instead
    cp["SPARQL"]["MaxQueryCostEstimationTime"] = "0"
    # no plugins: the wiki hosting modules are not needed
    if cp.has_section("Plugins"):
        cp.remove_section("Plugins")
        cp.add_section("Plugins")
    from io import StringIO

    buf = StringIO()
    cp.write(buf)
    return buf.getvalue()


def isql(sql_port: int, statements: str, *, timeout: float = 60) -> str:
    """Run SQL statements through Virtuoso's isql-vt as dba; raise on an error."""
    r = subprocess.run(
        [ISQL_BIN, f"127.0.0.1:{sql_port}", "dba", VIRTUOSO_DBA_PASSWORD, "VERBOSE=OFF", "BANNER=OFF",
         "PROMPT=OFF", "ERRORS=STDOUT"],
        input=statements.encode(), capture_output=True, timeout=timeout,
    )
    out = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
    if r.returncode != 0 or "*** Error" in out:
        raise ServerStartError(f"isql failed ({r.returncode}): {out}")
    return out


def virtuoso_setup_sql(http_base: str) -> str:
    """SQL making Virtuoso's system graphs private: out of the anonymous user's union default graph.

    The same statements are given in docs/deployment.md for production servers.
    """
    group = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
    system = ["http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
              "http://www.w3.org/2002/07/owl#", http_base + "/sparql", http_base + "/DAV/",
              "http://localhost:8890/sparql", "http://localhost:8890/DAV/"]
    lines = [f"DB.DBA.RDF_GRAPH_GROUP_CREATE ('{group}', 1);"]
    lines += [f"DB.DBA.RDF_GRAPH_GROUP_INS ('{group}', '{g}');" for g in system]
    lines += ["DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);",  # private graphs: no access
              "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1);",  # all other graphs: read
              # SERVICE (federated queries) for the anonymous user; our /sparql allow-lists the endpoints
              'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL";',
              'GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";']
    return "\n".join(lines) + "\n"


def start_virtuoso(folder: Path, *, timeout: float = 90, query_timeout: int = SERVER_QUERY_TIMEOUT) -> Server:
    """Virtuoso 7.2 over a throwaway ``folder`` on free loopback ports.

    Reads go to the anonymous ``/sparql`` endpoint (read-only), writes to the
    authenticated ``/sparql-auth`` endpoint (digest auth, dba on this throwaway
    database). Virtuoso's own graphs are made private (see
    :func:`virtuoso_setup_sql`), so the anonymous union default graph holds the
    registry's graphs only.
    """
    if not Path(VIRTUOSO_BIN).exists():
        raise ServerStartError(f"virtuoso-t not found at {VIRTUOSO_BIN} (apt-get install virtuoso-opensource)")
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(folder, sql_port, http_port, query_timeout))
    log = folder / "virtuoso.log"
    log.touch()
    stdout = folder / "virtuoso.stdout"
    with open(stdout, "wb") as out:
        proc = subprocess.Popen(
            [VIRTUOSO_BIN, "+foreground", "+configfile", str(ini), "+wait"],
            cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_http(base + "/sparql", proc, log, "Virtuoso", timeout, ready_text="Server online")
        isql(sql_port, virtuoso_setup_sql(base))
    except BaseException:
        if proc.poll() is None:
            proc.kill()
        raise
    server = Server("virtuoso", base + "/sparql", base + "/sparql-auth", None, proc, folder, log,
                    user="dba", password=VIRTUOSO_DBA_PASSWORD)
    server.extra.update(sql_port=sql_port, http_port=http_port, public_url=base + "/sparql")
    return server


def main() -> None:  # pragma: no cover - manual use: python -m tests.servers oxigraph|virtuoso DIR
    kind, folder = sys.argv[1], Path(sys.argv[2])
    server = (start_oxigraph if kind == "oxigraph" else start_virtuoso)(folder)
    print(server.spec, server.extra, flush=True)
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
