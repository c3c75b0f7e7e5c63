"""Identities, roles and API tokens.

* Organisations own standard codes (``codes``): an author of the organisation may
  create or change the standards ``…/standard/{CODE}`` and the units
  ``…/unit/{CODE}-…`` of those codes, nothing else.
* Users have one role: ``author`` (of one organisation), ``registrar`` (reviews,
  changes statuses) or ``admin`` (everything, including the ontology, shapes,
  frameworks and code lists).
* API tokens are random (256 bits), shown once, stored as SHA-256 hashes, sent as
  ``Authorization: Bearer <token>``. There are no default credentials.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from dataclasses import dataclass, field

from .state import StateDB, now

ROLES = ("author", "registrar", "admin")
TOKEN_PREFIX = "gdr_"
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
ORG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AuthError(Exception):
    """401 (no or bad credentials) or 403 (not allowed); ``message`` is bilingual."""

    def __init__(self, status: int, zh: str, en: str):
        super().__init__(en)
        self.status = status
        self.zh = zh
        self.en = en


class WorkflowInputError(ValueError):
    """Bad input to a management command (the message says which)."""


@dataclass
class Org:
    id: str
    name: str
    iri: str | None
    codes: list[str] = field(default_factory=list)


@dataclass
class User:
    id: int
    name: str
    role: str
    org: Org | None

    @property
    def is_registrar(self) -> bool:
        return self.role in ("registrar", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def public(self) -> dict:
        return {"name": self.name, "role": self.role, "org": self.org.id if self.org else None}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _org_from_row(row) -> Org:
    return Org(row["id"], row["name"], row["iri"], json.loads(row["codes"]))


def add_org(db: StateDB, org_id: str, name: str, iri: str | None, codes: list[str]) -> Org:
    if not ORG_ID_RE.match(org_id):
        raise WorkflowInputError(f"organisation id {org_id!r} must be lower-case letters, digits and '-'")
    bad = [c for c in codes if not CODE_RE.match(c)]
    if bad:
        raise WorkflowInputError(f"standard codes must match ^[A-Z][A-Z0-9]{{1,7}}$: {', '.join(bad)}")
    with db.write() as c:
        try:
            c.execute("INSERT INTO orgs (id, name, iri, codes) VALUES (?,?,?,?)",
                      (org_id, name, iri, json.dumps(sorted(set(codes)))))
        except sqlite3.IntegrityError:
            # an existing organisation: update its name, IRI and codes
            c.execute("UPDATE orgs SET name=?, iri=?, codes=? WHERE id=?",
                      (name, iri, json.dumps(sorted(set(codes))), org_id))
        db.audit(c, None, "org.add", org_id, {"name": name, "iri": iri, "codes": codes})
    return Org(org_id, name, iri, sorted(set(codes)))


def get_org(db: StateDB, org_id: str) -> Org | None:
    row = db.read().execute("SELECT * FROM orgs WHERE id=?", (org_id,)).fetchone()
    return _org_from_row(row) if row else None


def list_orgs(db: StateDB) -> list[Org]:
    return [_org_from_row(r) for r in db.read().execute("SELECT * FROM orgs ORDER BY id")]


def add_user(db: StateDB, name: str, role: str, org_id: str | None, *, label: str | None = None) -> tuple[User, str]:
    """Create a user and its first token; returns ``(user, token)`` (the token is not kept)."""
    if role not in ROLES:
        raise WorkflowInputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "author" and not org_id:
        raise WorkflowInputError("an author belongs to one organisation: give --org")
    org = None
    if org_id:
        org = get_org(db, org_id)
        if org is None:
            raise WorkflowInputError(f"no organisation {org_id!r}: add it first with `registry orgs add`")
    token = new_token()
    with db.write() as c:
        try:
            cur = c.execute("INSERT INTO users (name, role, org_id, created) VALUES (?,?,?,?)",
                            (name, role, org_id, now()))
        except sqlite3.IntegrityError:
            raise WorkflowInputError(f"a user named {name!r} exists already (use `registry users token`)") from None
        uid = cur.lastrowid
        c.execute("INSERT INTO tokens (hash, user_id, label, created) VALUES (?,?,?,?)",
                  (hash_token(token), uid, label, now()))
        db.audit(c, None, "user.add", name, {"role": role, "org": org_id})
    return User(uid, name, role, org), token


def new_user_token(db: StateDB, name: str, *, revoke_others: bool = False) -> str:
    row = db.read().execute("SELECT id FROM users WHERE name=?", (name,)).fetchone()
    if row is None:
        raise WorkflowInputError(f"no user named {name!r}")
    token = new_token()
    with db.write() as c:
        if revoke_others:
            c.execute("UPDATE tokens SET revoked=1 WHERE user_id=?", (row["id"],))
        c.execute("INSERT INTO tokens (hash, user_id, created) VALUES (?,?,?)", (hash_token(token), row["id"], now()))
        db.audit(c, row["id"], "token.new", name, {"revoked_others": revoke_others})
    return token


def list_users(db: StateDB) -> list[User]:
    out = []
    for r in db.read().execute("SELECT * FROM users ORDER BY id"):
        out.append(User(r["id"], r["name"], r["role"], get_org(db, r["org_id"]) if r["org_id"] else None))
    return out


def get_user(db: StateDB, user_id: int) -> User | None:
    r = db.read().execute("SELECT * FROM users WHERE id=?", (user_id,)).fetchone()
    if r is None:
        return None
    return User(r["id"], r["name"], r["role"], get_org(db, r["org_id"]) if r["org_id"] else None)


def user_for_token(db: StateDB, token: str) -> User | None:
    r = db.read().execute("SELECT user_id FROM tokens WHERE hash=? AND revoked=0", (hash_token(token),)).fetchone()
    return get_user(db, r["user_id"]) if r else None


def authenticate(db: StateDB, authorization: str | None) -> User:
    """The user of an ``Authorization: Bearer`` header, or :class:`AuthError` 401."""
    if not authorization:
        raise AuthError(401, "需要 API 令牌：请发送 Authorization: Bearer <令牌>",
                        "an API token is required: send Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "Authorization 头格式应为 Bearer <令牌>", "the Authorization header must be Bearer <token>")
    user = user_for_token(db, token.strip())
    if user is None:
        raise AuthError(401, "API 令牌无效或已撤销", "the API token is not valid or was revoked")
    return user


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise AuthError(403, f"此操作需要以下角色之一：{'、'.join(roles)}（当前角色：{user.role}）",
                        f"this needs one of the roles {', '.join(roles)} (your role: {user.role})")
