"""Private workflow state in SQLite: organisations, users, hashed tokens, submissions,
immutable version snapshots, the audit log, the change-event log and the outbox.

Nothing here is ever written to the RDF store (which holds exactly what is
published). One SQLite file, ``workflow.sqlite3`` in ``settings.state_path()``,
in WAL mode so that readers never wait for the writer. Write transactions use
``BEGIN IMMEDIATE`` so that two writers are serialised by SQLite itself (also
across processes); unique constraints turn races into clear conflicts.

:class:`StateDB` is also the workflow's state repository: every SQL statement of the
workflow is one of its named methods (``submission``, ``latest_version``,
``record_version``, ``events_since``, ``add_outbox`` …), so the services read as the
lifecycle. Transactions stay with the callers: a service opens ``with db.write():`` and
calls the write methods inside it; they run on the same (per-thread) connection, so
they are part of that transaction. Methods marked *in a transaction* refuse to run
outside one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from ..errors import NotFound

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

    def _in_transaction(self) -> sqlite3.Connection:
        c = self._conn()
        if not c.in_transaction:
            raise RuntimeError("this state change must run inside `with db.write():`")
        return c

    def _rows(self, sql: str, args=()) -> list[dict]:
        return [dict(r) for r in self._conn().execute(sql, args)]

    def _one(self, sql: str, args=()) -> dict | None:
        r = self._conn().execute(sql, args).fetchone()
        return dict(r) if r is not None else None

    # --- audit ---------------------------------------------------------------------------
    def audit(self, c: sqlite3.Connection, user_id: int | None, action: str, target: str | None, detail) -> None:
        """An audit record (in the caller's transaction ``c``)."""
        c.execute(
            "INSERT INTO audit (time, user_id, action, target, detail) VALUES (?,?,?,?,?)",
            (now(), user_id, action, target, json.dumps(detail, ensure_ascii=False) if detail is not None else None),
        )

    def audit_log(self, limit: int, offset: int) -> list[dict]:
        return self._rows("SELECT a.*, u.name AS user FROM audit a LEFT JOIN users u ON u.id=a.user_id "
                          "ORDER BY a.id DESC LIMIT ? OFFSET ?", (_bounded(limit), _bounded(offset)))

    # --- organisations, users, tokens ------------------------------------------------------
    def org(self, org_id: str) -> dict | None:
        return self._one("SELECT * FROM orgs WHERE id=?", (org_id,))

    def orgs(self) -> list[dict]:
        return self._rows("SELECT * FROM orgs ORDER BY id")

    def put_org(self, org_id: str, name: str, iri: str | None, codes: list[str]) -> None:
        """Insert or update an organisation (*in a transaction*)."""
        self._in_transaction().execute(
            "INSERT INTO orgs (id, name, iri, codes) VALUES (?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET name=excluded.name, iri=excluded.iri, codes=excluded.codes",
            (org_id, name, iri, json.dumps(codes)))

    def user(self, user_id: int) -> dict | None:
        return self._one("SELECT * FROM users WHERE id=?", (user_id,))

    def user_named(self, name: str) -> dict | None:
        return self._one("SELECT * FROM users WHERE name=?", (name,))

    def users(self) -> list[dict]:
        return self._rows("SELECT * FROM users ORDER BY id")

    def add_user(self, name: str, role: str, org_id: str | None) -> int:
        """A new user's id (*in a transaction*; sqlite3.IntegrityError when the name is taken)."""
        return self._in_transaction().execute("INSERT INTO users (name, role, org_id, created) VALUES (?,?,?,?)",
                                              (name, role, org_id, now())).lastrowid

    def add_token(self, token_hash: str, user_id: int, label: str | None = None) -> None:
        """*In a transaction.*"""
        self._in_transaction().execute("INSERT INTO tokens (hash, user_id, label, created) VALUES (?,?,?,?)",
                                       (token_hash, user_id, label, now()))

    def revoke_tokens(self, user_id: int) -> None:
        """*In a transaction.*"""
        self._in_transaction().execute("UPDATE tokens SET revoked=1 WHERE user_id=?", (user_id,))

    def token_user_id(self, token_hash: str) -> int | None:
        r = self._one("SELECT user_id FROM tokens WHERE hash=? AND revoked=0", (token_hash,))
        return r["user_id"] if r else None

    # --- submissions and the items they hold -------------------------------------------------
    def submission(self, sid: int, for_update: bool = False) -> dict:
        """Submission ``sid``, or :class:`~registry.errors.NotFound`.

        ``for_update``: read inside the caller's write transaction (which holds SQLite's write
        lock), so the row cannot change before the transaction ends.
        """
        if not isinstance(sid, int) or isinstance(sid, bool) or not 1 <= sid <= MAX_ID:
            row = None  # SQLite integers: anything outside 1..2^63-1 names no submission
        else:
            c = self._in_transaction() if for_update else self._conn()
            row = c.execute("SELECT * FROM submissions WHERE id=?", (sid,)).fetchone()
        if row is None:
            raise NotFound(f"没有编号为 {sid} 的提交", f"no submission {sid}")
        return dict(row)

    def submissions(self, *, user_id: int | None = None, org_id: str | None = None, any_owner: bool = True,
                    status: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Submissions newest first: all (``any_owner``) or those of the user or of the organisation."""
        sql, args = "SELECT * FROM submissions WHERE 1=1", []
        if not any_owner:
            sql += " AND (user_id=? OR org_id=?)"
            args += [user_id, org_id]
        if status:
            sql += " AND status=?"
            args.append(status)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        args += [_bounded(limit), _bounded(offset)]
        return self._rows(sql, args)

    def add_submission(self, user_id: int, org_id: str | None, media_type: str, body: str, items: dict) -> int:
        """A new submission awaiting review; its id (*in a transaction*)."""
        return self._in_transaction().execute(
            "INSERT INTO submissions (user_id, org_id, status, media_type, body, items, created) VALUES (?,?,?,?,?,?,?)",
            (user_id, org_id, "submitted", media_type, body, json.dumps(items, ensure_ascii=False), now())).lastrowid

    def decide_submission(self, sid: int, status: str, user_id: int, decision_status: str | None = None,
                          reason: str | None = None) -> None:
        """Close a submission (accepted, rejected, withdrawn) and free its items (*in a transaction*)."""
        c = self._in_transaction()
        c.execute("UPDATE submissions SET status=?, decided=?, decided_by=?, decision_status=?, reason=? WHERE id=?",
                  (status, now(), user_id, decision_status, reason, sid))
        c.execute("DELETE FROM pending WHERE submission_id=?", (sid,))

    def pending_submission_of(self, item: str, code_key: str | None) -> int | None:
        """The submission awaiting review that holds ``item`` or the code, if any."""
        r = self._conn().execute("SELECT submission_id FROM pending WHERE item=? OR (code IS NOT NULL AND code=?)",
                                 (item, code_key)).fetchone()
        return r[0] if r else None

    def hold_item(self, item: str, code_key: str | None, sid: int) -> None:
        """Mark ``item`` (and its code) as awaiting review in ``sid`` (*in a transaction*;
        sqlite3.IntegrityError when another submission holds it)."""
        self._in_transaction().execute("INSERT INTO pending (item, code, submission_id) VALUES (?,?,?)",
                                       (item, code_key, sid))

    # --- versions ------------------------------------------------------------------------------
    def latest_version(self, item: str) -> dict | None:
        """The latest version row of ``item`` (with its snapshot), or None."""
        return self._one("SELECT * FROM versions WHERE item=? ORDER BY n DESC LIMIT 1", (item,))

    def latest_versions(self, items: list[str]) -> dict[str, dict]:
        """``{item: latest version row}`` for the items that have versions."""
        out = {}
        for i in range(0, len(items), CHUNK):
            chunk = items[i:i + CHUNK]
            marks = ",".join("?" * len(chunk))
            for r in self._conn().execute(
                    f"SELECT v.* FROM versions v JOIN (SELECT item, MAX(n) AS n FROM versions WHERE item IN ({marks}) "
                    f"GROUP BY item) m ON v.item = m.item AND v.n = m.n", chunk):
                out[r["item"]] = dict(r)
        return out

    def history(self, item: str) -> list[dict]:
        """The versions of ``item``, oldest first (without their snapshots)."""
        return self._rows("SELECT item, n, time, status, org_id, attributed, submission_id, note FROM versions "
                          "WHERE item=? ORDER BY n", (item,))

    def histories(self, items: list[str]) -> dict[str, list[dict]]:
        """``{item: [(n, time, attributed, digest) of each version, oldest first]}`` (bulk loads)."""
        out: dict[str, list[dict]] = {}
        for i in range(0, len(items), CHUNK):
            chunk = items[i:i + CHUNK]
            marks = ",".join("?" * len(chunk))
            for r in self._conn().execute(f"SELECT item, n, time, attributed, digest FROM versions "
                                          f"WHERE item IN ({marks}) ORDER BY item, n", chunk):
                out.setdefault(r["item"], []).append(dict(r))
        return out

    def version_ntriples(self, item: str, n: int) -> str | None:
        """The snapshot of version ``n`` of ``item`` as N-Triples, or None."""
        if not 1 <= n <= MAX_ID:
            return None
        r = self._conn().execute("SELECT ntriples FROM versions WHERE item=? AND n=?", (item, n)).fetchone()
        return r["ntriples"] if r else None

    def version_number_at(self, item: str, when: str) -> int | None:
        """The number of the latest version of ``item`` made at or before ``when`` (stored time text)."""
        r = self._conn().execute("SELECT MAX(n) AS n FROM versions WHERE item=? AND time<=?", (item, when)).fetchone()
        return r["n"] if r and r["n"] is not None else None

    def version_metas(self, item: str) -> list[dict]:
        """``n``, ``time`` and ``attributed`` of every version of ``item`` (what version metadata shows)."""
        return self._rows("SELECT n, time, attributed FROM versions WHERE item=? ORDER BY n", (item,))

    def record_version(self, item: str, n: int, time: str, status: str, ntriples: str, *, user_id: int | None,
                       org_id: str | None, attributed: str | None, submission_id: int | None, note: str | None) -> None:
        """*In a transaction.*"""
        self._in_transaction().execute(
            "INSERT INTO versions (item, n, time, status, user_id, org_id, attributed, submission_id, note, ntriples)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (item, n, time, status, user_id, org_id, attributed, submission_id, note, ntriples))

    def record_load_versions(self, rows: list[tuple]) -> None:
        """Versions of a bulk load: ``(item, n, time, status, note, ntriples, digest)`` each (*in a transaction*)."""
        self._in_transaction().executemany(
            "INSERT INTO versions (item, n, time, status, note, ntriples, digest) VALUES (?,?,?,?,?,?,?)", rows)

    def set_digests(self, rows: list[tuple]) -> None:
        """``(digest, item, n)`` each (*in a transaction*)."""
        self._in_transaction().executemany("UPDATE versions SET digest=? WHERE item=? AND n=?", rows)

    def ensure_digest_column(self) -> None:
        """Databases made before bulk loads kept content digests get the column."""
        if "digest" in {r["name"] for r in self._conn().execute("PRAGMA table_info(versions)")}:
            return
        with self.write() as c:
            if "digest" not in {r["name"] for r in c.execute("PRAGMA table_info(versions)")}:
                c.execute("ALTER TABLE versions ADD COLUMN digest TEXT")

    # --- the change events -----------------------------------------------------------------------
    def record_event(self, time: str, type_: str, item: str, version: int, status: str,
                     org_id: str | None = None, org_iri: str | None = None) -> None:
        """*In a transaction.*"""
        self._in_transaction().execute(
            "INSERT INTO events (time, type, item, version, status, org_id, org_iri) VALUES (?,?,?,?,?,?,?)",
            (time, type_, item, version, status, org_id, org_iri))

    def record_events(self, rows: list) -> None:
        """Events of a bulk load: ``(time, type, item, version, status)`` each (*in a transaction*)."""
        self._in_transaction().executemany(
            "INSERT INTO events (time, type, item, version, status) VALUES (?,?,?,?,?)", rows)

    def events_since(self, since: int, limit: int) -> list[dict]:
        """The events after event ``since``, oldest first."""
        return self._rows("SELECT * FROM events WHERE id>? ORDER BY id LIMIT ?", (_bounded(since), _bounded(limit)))

    def latest_events(self, limit: int) -> list[dict]:
        """The last ``limit`` events, oldest first."""
        rows = self._rows("SELECT * FROM events ORDER BY id DESC LIMIT ?", (_bounded(limit),))
        return rows[::-1]

    def event_id_at(self, when: str) -> int:
        """The id of the last event before ``when`` (0 when none)."""
        return self._conn().execute("SELECT MAX(id) FROM events WHERE time<?", (when,)).fetchone()[0] or 0

    # --- the outbox -------------------------------------------------------------------------------
    def add_outbox(self, items: list[str], time: str | None = None) -> int:
        """A pending entry: the graphs of ``items`` must become their latest versions (*in a transaction*)."""
        return self._in_transaction().execute("INSERT INTO outbox (created, items) VALUES (?,?)",
                                              (time or now(), json.dumps(sorted(items)))).lastrowid

    def pending_outbox(self) -> list[tuple[int, list[str]]]:
        """``(entry id, items)`` of every entry not yet applied, oldest first."""
        return [(r["id"], json.loads(r["items"])) for r in
                self._conn().execute("SELECT id, items FROM outbox WHERE applied IS NULL ORDER BY id")]

    def pending_outbox_count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM outbox WHERE applied IS NULL").fetchone()[0]

    def mark_applied(self, entry_id: int) -> None:
        """The store holds what outbox entry ``entry_id`` names (its own transaction)."""
        with self.write() as c:
            c.execute("UPDATE outbox SET applied=? WHERE id=?", (now(), entry_id))


#: item IRIs per ``IN (…)`` query (SQLite's default limit of host parameters is far higher)
CHUNK = 500


def _bounded(n: int) -> int:
    """A count, offset or id clamped to SQLite's integers (beyond them nothing is named)."""
    return max(0, min(n, MAX_ID))
