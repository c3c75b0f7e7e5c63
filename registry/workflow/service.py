"""Workflow operations: submit, withdraw, accept, reject, change status, and the outbox
that keeps the RDF store equal to the latest accepted versions.

Consistency between SQLite and the RDF store (outbox pattern):

1. one SQLite transaction records the new version snapshots, the audit record,
   the change events and a pending outbox entry naming the items;
2. one atomic ``store.write`` replaces those item graphs with their latest
   snapshots;
3. the outbox entry is marked applied.

Pending entries are re-applied at start-up and before every write; applying is
idempotent (graph replacement from the latest snapshot), so a crash between the
steps never leaves a partial item and the store converges.

``Workflow(…, faults=f)``: ``f`` is called with the name of each step boundary
(``"after-commit"``, ``"after-store-write"``) and may raise to simulate a crash
there (the tests inject it; it is None in the application).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable

from ..store import GraphWrite
from . import rdf
from ..errors import Conflict, Forbidden, InvalidInput, Kind, NotFound, RegistryError, TooLarge
from .auth import User, get_org, get_user, require_role
from .checks import Analysis, analyse, belongs_to, existing_graphs, named_subjects
from .state import StateDB, now
from ..transfer.impact import affected_by

log = logging.getLogger("registry.workflow")

_apply_lock = threading.Lock()

#: legal status changes of a published item (registrar): from → allowed targets
TRANSITIONS = {
    "experimental": {"stable", "retired", "invalid"},
    "stable": {"superseded", "retired"},
    "superseded": set(),
    "retired": set(),
    "invalid": set(),
}


def check_iri(iri: str) -> str:
    """``iri`` if it is a valid absolute IRI (it is then safe inside ``<…>`` in SPARQL), else InvalidInput."""
    try:
        rdf.ox.NamedNode(iri)
    except ValueError:
        raise InvalidInput(f"不是有效的 IRI：{iri!r}", f"not a valid IRI: {iri!r}") from None
    return iri


class Workflow:
    """The lifecycle of submissions and published items over one RDF store and one state database.

    ``state``: the workflow database; when None it is opened (and created) from
    ``settings.state_path()`` on first use. ``faults``: see the module docstring.
    """

    def __init__(self, store, settings, *, state: StateDB | None = None,
                 faults: Callable[[str], None] | None = None):
        self.store = store
        self.settings = settings
        self.faults = faults
        self._db = state
        self._db_lock = threading.Lock()

    @property
    def db(self) -> StateDB:
        """The workflow database, opened (and created) on first use: an application that never
        uses the workflow leaves no file behind."""
        if self._db is None:
            with self._db_lock:
                if self._db is None:
                    self._db = StateDB(self.settings.state_path())
        return self._db

    def state_exists(self) -> bool:
        return self._db is not None or (self.settings.state_path() / StateDB.FILENAME).exists()

    # --- outbox -------------------------------------------------------------------------
    def _fault(self, step: str) -> None:
        if self.faults is not None:
            self.faults(step)

    def apply_pending(self) -> int:
        """Apply every pending outbox entry (idempotent); returns how many were applied."""
        done = 0
        with _apply_lock:
            for entry, items in self.db.pending_outbox():
                latest = self.db.latest_versions(items)
                replace = {i: rdf.from_ntriples(latest[i]["ntriples"]) for i in items if i in latest}
                self.store.write(GraphWrite(replace=replace))
                self._fault("after-store-write")
                self.db.mark_applied(entry)
                done += 1
        return done

    def pending_count(self) -> int:
        return self.db.pending_outbox_count()

    def _publish(self) -> dict:
        """Step 2 and 3 after a committed change; a failure leaves the entry pending."""
        try:
            self._fault("after-commit")
            self.apply_pending()
            return {"published": True}
        except Exception as e:  # noqa: BLE001 - reported, retried at the next write or start-up
            log.exception("publishing to the store failed; the change stays pending")
            return {"published": False, "pending": {"zh": f"已记录，但写入 RDF 存储失败，将自动重试：{e}",
                                                    "en": f"recorded, but writing to the RDF store failed; it will be retried: {e}"}}

    def _record_versions(self, changes: dict[str, tuple[list, str]], user: User, attributed: str | None,
                         org_id: str | None, submission_id: int | None, event_type: str | None,
                         note: str | None) -> list[dict]:
        """Step 1 (inside the caller's transaction): versions n+1 of the items (content without
        status → status), their change events and the pending outbox entry."""
        t = now()
        out = []
        in_store = existing_graphs(self.store, sorted(changes))
        for item in sorted(changes):  # a stable order for versions and events
            content, status = changes[item]
            prev = self.db.version_metas(item)
            n = (prev[-1]["n"] if prev else 0) + 1
            meta = [*prev, {"n": n, "time": t, "attributed": attributed}]
            triples = rdf.with_status(item, content, status) + rdf.version_metadata(item, meta)
            self.db.record_version(item, n, t, status, rdf.to_ntriples(triples), user_id=user.id, org_id=org_id,
                                   attributed=attributed, submission_id=submission_id, note=note)
            etype = event_type or ("create" if n == 1 and item not in in_store else "update")
            self.db.record_event(t, etype, item, n, status, org_id, attributed)
            out.append({"item": item, "version": n, "version_iri": rdf.version_iri(item, n),
                        "status": status, "event": etype})
        self.db.add_outbox(list(changes), t)
        return out

    # --- submissions --------------------------------------------------------------------
    def check(self, body: bytes, media_type: str, user: User | None, *, max_items: int | None = None) -> Analysis:
        self._check_size(body)
        return analyse(self.store, self.settings, body, media_type, user, self.db, max_items=max_items)

    def _check_size(self, body: bytes) -> None:
        limit = self.settings.max_body_bytes
        if len(body) > limit:
            raise TooLarge(f"请求体过大：{len(body)} 字节，上限 {limit} 字节",
                                f"request body too large: {len(body)} bytes, the limit is {limit} bytes")

    def submit(self, user: User, body: bytes, media_type: str) -> dict:
        require_role(user, "author", "registrar", "admin")
        an = self.check(body, media_type, user)
        report = an.to_dict()
        if an.kind == Kind.FORBIDDEN:
            raise Forbidden("无权提交部分条目", "not allowed to submit some of these items", report=report)
        if an.kind == Kind.CONFLICT:
            raise Conflict("没有修改：所有条目都与已发布版本相同", "nothing changed: every item equals its published version",
                           report=report)
        if not an.conforms:
            raise RegistryError("提交未通过校验，注册库未作任何修改",
                                "the submission does not conform; the registry is unchanged", kind=an.kind, report=report)
        items = {i: rep for i, rep in an.items.items() if not rep.unchanged}
        payload = {i: rdf.to_ntriples(rep.content) for i, rep in items.items()}
        mt = media_type.split(";")[0].strip().lower()
        with self.db.write() as c:
            for item, rep in items.items():
                other = self.db.pending_submission_of(item, self._code_key(rep))
                if other is not None:
                    raise Conflict(
                        f"冲突：{item}（编号 {rep.code}）已在待审核的提交 #{other} 中",
                        f"conflict: {item} (code {rep.code}) is already in submission #{other} awaiting review",
                        report=report, conflict={"item": item, "code": rep.code, "submission": other})
            sid = self.db.add_submission(user.id, user.org.id if user.org else None, mt,
                                         body.decode("utf-8", "replace"), payload)
            for item, rep in items.items():
                try:
                    self.db.hold_item(item, self._code_key(rep), sid)
                except sqlite3.IntegrityError:
                    raise Conflict(f"冲突：{item}（编号 {rep.code}）正被另一提交占用",
                                   f"conflict: {item} (code {rep.code}) is taken by another submission",
                                   report=report, conflict={"item": item, "code": rep.code}) from None
            self.db.audit(c, user.id, "submit", f"submission/{sid}", {"items": sorted(items)})
        return {"id": sid, "status": "submitted", "reg_status": rdf.STATUSES["submitted"],
                "items": sorted(items), "report": report}

    @staticmethod
    def _code_key(rep) -> str | None:
        return f"{rep.type}|{rep.code}" if rep.code and rep.type else None

    def can_see(self, user: User, sub: dict) -> bool:
        return user.is_registrar or sub["user_id"] == user.id or (user.org is not None and sub["org_id"] == user.org.id)

    def get_submission(self, user: User, sid: int) -> dict:
        sub = self.db.submission(sid)
        if not self.can_see(user, sub):
            raise Forbidden("只有提交机构的作者和注册管理员可以查看此提交",
                            "only authors of the submitting organisation and registrars may see this submission")
        return self._public_submission(sub, with_content=True)

    def _public_submission(self, sub: dict, with_content: bool = False) -> dict:
        u = get_user(self.db, sub["user_id"])
        items = json.loads(sub["items"])
        out = {"id": sub["id"], "status": sub["status"], "submitted_by": u.name if u else None, "org": sub["org_id"],
               "created": sub["created"], "decided": sub["decided"], "reason": sub["reason"],
               "decision_status": sub["decision_status"], "items": sorted(items)}
        if with_content:
            # what the review must see: every subject each item's graph would make statements about
            per_item = {i: named_subjects(rdf.from_ntriples(nt)) for i, nt in items.items()}
            out["subjects"] = {i: per_item[i] for i in sorted(per_item)}
            out["foreign_subjects"] = sorted({s for i, subs in per_item.items() for s in subs if not belongs_to(i, s)})
            triples = [t for nt in items.values() for t in rdf.from_ntriples(nt)]
            out["turtle"] = rdf.serialize(triples, rdf.ox.RdfFormat.TURTLE).decode("utf-8")
            out["media_type"] = sub["media_type"]
        return out

    def list_submissions(self, user: User, status: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        rows = self.db.submissions(any_owner=user.is_registrar, user_id=user.id,
                                   org_id=user.org.id if user.org else None, status=status, limit=limit, offset=offset)
        return [self._public_submission(r) for r in rows]

    def withdraw(self, user: User, sid: int) -> dict:
        with self.db.write() as c:
            sub = self.db.submission(sid, for_update=True)
            if not self.can_see(user, sub):
                raise Forbidden("只能撤回本机构的提交", "you may only withdraw your organisation's submissions")
            self._require_submitted(sub)
            self.db.decide_submission(sid, "withdrawn", user.id)
            self.db.audit(c, user.id, "withdraw", f"submission/{sid}", None)
        return {"id": sid, "status": "withdrawn"}

    @staticmethod
    def _require_submitted(sub: dict) -> None:
        if sub["status"] != "submitted":
            raise Conflict(f"提交 #{sub['id']} 的状态是 {sub['status']}，只有待审核的提交可以处理",
                                f"submission #{sub['id']} is {sub['status']}: only submissions awaiting review can be decided",
                                current=sub["status"])

    # --- review -------------------------------------------------------------------------
    def accept(self, user: User, sid: int, status: str = "stable", note: str | None = None) -> dict:
        require_role(user, "registrar", "admin")
        if status not in ("experimental", "stable"):
            raise InvalidInput(f"接受后的状态只能是 experimental 或 stable，而不是 {status}",
                                f"an accepted submission becomes experimental or stable, not {status!r}")
        self.apply_pending()
        sub = self.db.submission(sid)
        self._require_submitted(sub)
        if sub["user_id"] == user.id and not self.settings.allow_self_review:
            raise Forbidden(f"不能接受自己的提交 #{sid}：须由另一位注册管理员审核（两人审核）",
                                f"you cannot accept your own submission #{sid}: another registrar must review it "
                                f"(two-person review; setting allow_self_review)")
        self._recheck(sub)
        with self.db.write() as c:
            sub = self.db.submission(sid, for_update=True)
            self._require_submitted(sub)
            items = json.loads(sub["items"])
            changes = {}
            for item, nt in items.items():
                last = self.db.latest_version(item)
                if last and last["status"] in (rdf.STATUSES["superseded"], rdf.STATUSES["retired"]):
                    raise Conflict(f"{item} 已是 {rdf.STATUS_NAMES[last['status']]} 状态，不能再修改",
                                        f"{item} is {rdf.STATUS_NAMES[last['status']]} now and can no longer change")
                content = rdf.content_of(item, rdf.from_ntriples(nt))
                changes[item] = (content, rdf.STATUSES[status])
            org = get_org(self.db, sub["org_id"]) if sub["org_id"] else None
            versions = self._record_versions(changes, user, org.iri if org else None, sub["org_id"], sid, None, note)
            self.db.decide_submission(sid, "accepted", user.id, rdf.STATUSES[status], note)
            self.db.audit(c, user.id, "accept", f"submission/{sid}", {"status": status, "versions": versions})
        return {"id": sid, "status": "accepted", "versions": versions, **self._publish()}

    def _recheck(self, sub: dict) -> None:
        """Accept re-runs the submission-time checks (ownership, subjects, IRIs, references, codes,
        shapes) on the stored items, for their submitter as that user is now, against the registry
        as it is now: a submission that would no longer be accepted is refused (409) with the report."""
        sid = sub["id"]
        submitter = get_user(self.db, sub["user_id"])
        if submitter is None:
            raise Conflict(f"提交 #{sid} 的提交者已不存在，不能接受", f"the submitter of #{sid} no longer exists")
        items = json.loads(sub["items"])
        body = "".join(items[i] for i in sorted(items)).encode("utf-8")
        an = analyse(self.store, self.settings, body, "application/n-triples", submitter, self.db)
        if not an.conforms:
            raise Conflict(
                f"提交 #{sid} 在当前注册库中已不再通过提交时的检查（归属、校验或引用），不能接受；"
                     f"请拒绝它或请作者重新提交",
                f"submission #{sid} no longer passes the submission-time checks (ownership, validation or "
                f"references) against the registry as it is now; reject it or ask for a new submission",
                report=an.to_dict(), recheck_status=an.status)

    def reject(self, user: User, sid: int, reason: str) -> dict:
        require_role(user, "registrar", "admin")
        self.db.submission(sid)  # 404 before 422
        if not reason or not reason.strip():
            raise InvalidInput("拒绝时必须说明理由（reason）", "a rejection needs a reason")
        with self.db.write() as c:
            self._require_submitted(self.db.submission(sid, for_update=True))
            self.db.decide_submission(sid, "rejected", user.id, rdf.STATUSES["invalid"], reason.strip())
            self.db.audit(c, user.id, "reject", f"submission/{sid}", {"reason": reason.strip()})
        return {"id": sid, "status": "rejected", "reg_status": rdf.STATUSES["invalid"], "reason": reason.strip()}

    # --- lifecycle of published items -------------------------------------------------
    def change_status(self, user: User, item: str, status: str, successor: str | None = None,
                      reason: str | None = None) -> dict:
        require_role(user, "registrar", "admin")
        for iri in (item, successor):
            if iri is not None:
                check_iri(iri)
        if status not in rdf.STATUSES:
            raise InvalidInput(f"未知状态 {status}；可用：{', '.join(rdf.STATUSES)}",
                                f"unknown status {status!r}; use one of {', '.join(rdf.STATUSES)}")
        self.apply_pending()
        with self.db.write() as c:
            row = self.db.latest_version(item)
            if row is not None:
                published = rdf.from_ntriples(row["ntriples"])
                current_iri = row["status"]
            else:  # an item loaded with `registry load`: its first recorded version starts here
                published = self.store.graph_triples(item)
                current_iri = rdf.status_of(item, published)
                if not published or current_iri is None:
                    raise NotFound(f"{item} 不是已发布的条目", f"{item} is not a published item")
            current = rdf.STATUS_NAMES.get(current_iri, current_iri)
            if status not in TRANSITIONS.get(current, set()):
                allowed = sorted(TRANSITIONS.get(current, set()))
                raise Conflict(f"不能把 {item} 从 {current} 改为 {status}（可改为：{'、'.join(allowed) or '无'}）",
                                    f"cannot change {item} from {current} to {status} "
                                    f"(allowed: {', '.join(allowed) or 'none'})", current=current, allowed=allowed)
            content = rdf.content_of(item, published)
            if status == "superseded":
                if not successor:
                    raise InvalidInput("取代（superseded）必须给出继任条目（successor）",
                                        "superseding needs a successor item (successor)")
                succ = self.db.latest_version(successor)
                succ_status = succ["status"] if succ else rdf.status_of(successor, self.store.graph_triples(successor))
                if successor == item or succ_status not in (rdf.STATUSES["stable"], rdf.STATUSES["experimental"]):
                    raise InvalidInput(f"继任条目 {successor} 必须是另一个已发布的有效条目（stable 或 experimental）",
                                        f"the successor {successor} must be another published, valid item (stable or experimental)")
                content.append(rdf.ox.Triple(rdf.ox.NamedNode(item), rdf.P_REPLACED_BY, rdf.ox.NamedNode(successor)))
            versions = self._record_versions({item: (content, rdf.STATUSES[status])}, user,
                                             user.org.iri if user.org else None, user.org.id if user.org else None,
                                             None, "status", reason)
            self.db.audit(c, user.id, "status", item, {"from": current, "to": status, "successor": successor,
                                                       "reason": reason})
        out = {"item": item, "from": current, "status": status, "versions": versions, **self._publish()}
        if status in ("retired", "superseded"):
            # the transfer rules and qualifications that reference the item (issue 9: registrars see the impact)
            out["affects"] = affected_by(self.store, item)
        return out

    # --- reads ------------------------------------------------------------------------------
    def events(self, since: int = 0, limit: int = 100) -> list[dict]:
        return self.db.events_since(since, limit)

    def event_id_at(self, when: str) -> int:
        return self.db.event_id_at(when)

    def audit_log(self, limit: int = 100, offset: int = 0) -> list[dict]:
        return self.db.audit_log(limit, offset)
