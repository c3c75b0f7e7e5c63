"""Private workflow state in SQLite: organisations, users, hashed tokens, submissions,
immutable version snapshots, the audit log, the change-event log and the outbox.

Nothing here is ever written to the RDF store (which holds exactly what is
published). One SQLite file, ``workflow.sqlite3`` in ``settings.state_path()``,
in WAL mode so that readers never wait for the writer. Write transactions use
``BEGIN IMMEDIATE`` so that two writers are serialised by SQLite itself (also
across processes); unique constraints turn races into clear conflicts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS orgs (
    id TEXT PRIMARY KEY,              -- short id, e.g. gdou
    name TEXT NOT NULL,
    iri TEXT,                          -- the cb:Organisation IRI when it is registered
    codes TEXT NOT NULL DEFAULT '[]'   -- JSON list of standard codes the organisation owns
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('author', 'registrar', 'admin')),
    org_id TEXT REFERENCES orgs(id),
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,             -- SHA-256 of the token; the token itself is never stored
    user_id INTEGER NOT NULL REFERENCES users(id),
    label TEXT,
    created TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    org_id TEXT,
    status TEXT NOT NULL,              -- submitted | accepted | rejected | withdrawn
    media_type TEXT NOT NULL,
    body TEXT NOT NULL,                -- what the author sent (Turtle, JSON-LD or CSV)
    items TEXT NOT NULL,               -- JSON {item IRI: N-Triples of the normalised item}
    created TEXT NOT NULL,
    decided TEXT,
    decided_by INTEGER REFERENCES users(id),
    decision_status TEXT,              -- the reg: status given on review
    reason TEXT
);
-- an item or code can have only one submission awaiting review: races become conflicts
CREATE TABLE IF NOT EXISTS pending (
    item TEXT PRIMARY KEY,
    code TEXT UNIQUE,
    submission_id INTEGER NOT NULL REFERENCES submissions(id)
);
CREATE TABLE IF NOT EXISTS versions (
    item TEXT NOT NULL,
    n INTEGER NOT NULL,
    time TEXT NOT NULL,
    status TEXT NOT NULL,
    user_id INTEGER,
    org_id TEXT,
    attributed TEXT,                   -- IRI for prov:wasAttributedTo (the organisation) or NULL
    submission_id INTEGER,
    note TEXT,
    ntriples TEXT NOT NULL,            -- the complete published item graph of this version
    PRIMARY KEY (item, n)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    type TEXT NOT NULL,                -- create | update | status
    item TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    org_id TEXT,
    org_iri TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    items TEXT NOT NULL,               -- JSON list of item IRIs whose graphs must equal their latest version
    applied TEXT                       -- NULL while pending
);
"""


#: the largest SQLite integer: ids, version numbers and offsets beyond it name nothing
MAX_ID = 2**63 - 1


def now() -> str:
    """The current UTC time, ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class StateDB:
    """Thread-safe access to the workflow database (one connection per thread)."""

    FILENAME = "workflow.sqlite3"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / self.FILENAME
        self._local = threading.local()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self):
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on any exception)."""
        c = self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self._conn()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- helpers -------------------------------------------------------------------------
    def audit(self, c: sqlite3.Connection, user_id: int | None, action: str, target: str | None, detail) -> None:
        c.execute(
            "INSERT INTO audit (time, user_id, action, target, detail) VALUES (?,?,?,?,?)",
            (now(), user_id, action, target, json.dumps(detail, ensure_ascii=False) if detail is not None else None),
        )
