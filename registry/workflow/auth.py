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

from ..errors import Forbidden, Unauthenticated
from .state import StateDB

ROLES = ("author", "registrar", "admin")
TOKEN_PREFIX = "gdr_"
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
ORG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


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
        db.put_org(org_id, name, iri, sorted(set(codes)))  # an existing organisation gets the new name, IRI, codes
        db.audit(c, None, "org.add", org_id, {"name": name, "iri": iri, "codes": codes})
    return Org(org_id, name, iri, sorted(set(codes)))


def get_org(db: StateDB, org_id: str) -> Org | None:
    row = db.org(org_id)
    return _org_from_row(row) if row else None


def list_orgs(db: StateDB) -> list[Org]:
    return [_org_from_row(r) for r in db.orgs()]


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
            uid = db.add_user(name, role, org_id)
        except sqlite3.IntegrityError:
            raise WorkflowInputError(f"a user named {name!r} exists already (use `registry users token`)") from None
        db.add_token(hash_token(token), uid, label)
        db.audit(c, None, "user.add", name, {"role": role, "org": org_id})
    return User(uid, name, role, org), token


def new_user_token(db: StateDB, name: str, *, revoke_others: bool = False) -> str:
    row = db.user_named(name)
    if row is None:
        raise WorkflowInputError(f"no user named {name!r}")
    token = new_token()
    with db.write() as c:
        if revoke_others:
            db.revoke_tokens(row["id"])
        db.add_token(hash_token(token), row["id"])
        db.audit(c, row["id"], "token.new", name, {"revoked_others": revoke_others})
    return token


def _user_from_row(db: StateDB, r: dict) -> User:
    return User(r["id"], r["name"], r["role"], get_org(db, r["org_id"]) if r["org_id"] else None)


def list_users(db: StateDB) -> list[User]:
    return [_user_from_row(db, r) for r in db.users()]


def get_user(db: StateDB, user_id: int) -> User | None:
    r = db.user(user_id)
    return _user_from_row(db, r) if r else None


def user_for_token(db: StateDB, token: str) -> User | None:
    uid = db.token_user_id(hash_token(token))
    return get_user(db, uid) if uid is not None else None


def authenticate(db: StateDB, authorization: str | None) -> User:
    """The user of an ``Authorization: Bearer`` header, or :class:`~registry.errors.Unauthenticated`."""
    if not authorization:
        raise Unauthenticated("需要 API 令牌：请发送 Authorization: Bearer <令牌>",
                        "an API token is required: send Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization 头格式应为 Bearer <令牌>", "the Authorization header must be Bearer <token>")
    user = user_for_token(db, token.strip())
    if user is None:
        raise Unauthenticated("API 令牌无效或已撤销", "the API token is not valid or was revoked")
    return user


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"此操作需要以下角色之一：{'、'.join(roles)}（当前角色：{user.role}）",
                        f"this needs one of the roles {', '.join(roles)} (your role: {user.role})")
