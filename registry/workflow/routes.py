"""HTTP routes of the workflow: the API under ``/api`` and the version IRIs ``{item}/v/{n}``.

Routing only: the work is done by :class:`~registry.workflow.service.Workflow`
(writes), :mod:`~registry.workflow.versions` (history, diffs, ``_versionAt``) and
:mod:`~registry.workflow.feed`; HTML by :mod:`~registry.workflow.render`.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timezone
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Body, FastAPI, Path, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPBearer

from .. import formats, negotiation as neg
from . import feed, rdf, versions
from .auth import AuthError, User, add_user, authenticate, get_user, new_user_token
from .service import Workflow, WorkflowError
from .state import MAX_ID

log = logging.getLogger("registry.workflow")

bearer = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer <token>` (`registry users add`)")

#: what the history and the diff answer with (JSON unless HTML is asked for)
REPORT_OFFERS = (neg.JSON, neg.HTML)
SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "description": "One or more items: Turtle, JSON-LD or the unit CSV template (docs/workflow.md)",
        "content": {"text/turtle": {"schema": {"type": "string"}},
                    "application/ld+json": {"schema": {"type": "object"}},
                    "text/csv": {"schema": {"type": "string"}}},
    }
}


def _error(status: int, zh: str, en: str, headers: dict | None = None, **extra) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": {"status": status, "message": {"zh": zh, "en": en}, **extra}}, status_code=status,
                        headers=headers or None)


async def read_body(request: Request, limit: int, anonymous: bool = False) -> bytes:
    """The request body, refusing (413) beyond ``limit`` bytes without reading it all."""
    hint_zh, hint_en = ("（匿名试校验的上限；使用 API 令牌可提交更大的内容）",
                        " (the limit of anonymous dry runs; with an API token larger bodies are accepted)") \
        if anonymous else ("", "")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise WorkflowError(413, f"请求体过大：{declared} 字节，上限 {limit} 字节{hint_zh}",
                            f"request body too large: {declared} bytes, the limit is {limit} bytes{hint_en}", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WorkflowError(413, f"请求体过大：超过上限 {limit} 字节{hint_zh}",
                                f"request body too large: over the limit of {limit} bytes{hint_en}", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


#: every integer parameter is bounded to SQLite's range: beyond it FastAPI answers 422, not 500
SID = Path(..., ge=1, le=MAX_ID, description="submission id")
LIMIT = Query(100, ge=1, le=1000)
OFFSET = Query(0, ge=0, le=MAX_ID)
EVENT_ID = re.compile(r"[0-9]{1,19}")


class DryRunGate:
    """At most ``n`` anonymous dry runs at once (per server process); the rest get 429."""

    def __init__(self, n: int):
        self.sem = threading.BoundedSemaphore(max(1, n))

    def __enter__(self):
        if not self.sem.acquire(blocking=False):
            raise DryRunBusy()
        return self

    def __exit__(self, *exc):
        self.sem.release()


class DryRunBusy(Exception):
    pass


def install(app: FastAPI, ctx) -> None:
    """Mount the workflow API and the version routes; re-apply pending writes."""
    wf = Workflow(ctx)
    ctx.workflow = wf
    applied = wf.apply_pending() if wf.state_exists() else 0  # start-up recovery (outbox)
    if applied:
        log.warning("applied %d pending workflow write(s) to the store", applied)
    if ctx.settings.dev:
        _dev_admin(wf)

    app.add_exception_handler(WorkflowError, lambda req, e: JSONResponse(
        e.to_dict(), status_code=e.status, headers={"WWW-Authenticate": "Bearer"} if e.status == 401 else None))
    app.add_exception_handler(AuthError, lambda req, e: _error(e.status, e.zh, e.en))

    base = ctx.settings.base_iri
    gate = DryRunGate(ctx.settings.dry_run_concurrency)

    def user_of(request: Request) -> User:
        return authenticate(wf.db, request.headers.get("authorization"))

    def optional_user(request: Request) -> User | None:
        return user_of(request) if request.headers.get("authorization") else None

    def item_iri(path: str) -> str:
        iri = base + path.strip("/")
        try:
            ox.NamedNode(iri)  # only valid IRIs reach SPARQL text
        except ValueError:
            raise WorkflowError(404, f"不是有效的条目路径：{path}", f"not a valid item path: {path}") from None
        return iri

    def served_path(iri: str) -> str:
        return "/" + iri[len(base):] if iri.startswith(base) else iri

    def lang_of(request: Request) -> str:
        return neg.language_of(request, ctx.settings.default_lang).lang

    def item_label(item: str, lang: str) -> str:
        """The item's skos:prefLabel in ``lang`` (then the other language, then the IRI)."""
        rows = ctx.store.select(f"SELECT ?l WHERE {{ <{item}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}")
        by_lang = {r["l"].language or "": r["l"].value for r in rows}
        return by_lang.get(lang) or by_lang.get("en" if lang == "zh" else "zh") or by_lang.get("") or item

    def wants_html(request: Request) -> bool:
        offer = neg.choose_for(request, REPORT_OFFERS).offer
        if offer is None:
            raise WorkflowError(406, "无法提供所请求的格式", "none of the requested formats is available",
                                available=[o.media_type for o in REPORT_OFFERS])
        return offer is neg.HTML

    api = APIRouter(prefix="/api", tags=["workflow"])

    # --- identity ------------------------------------------------------------------------
    @api.get("/me", summary="Who the token belongs to (用户信息)")
    def me(request: Request, _=Security(bearer)):
        return user_of(request).public()

    # --- validation and submissions ------------------------------------------------------
    @api.post("/validate", summary="Dry run: check a submission without storing it (试校验，不需要令牌)",
              openapi_extra=SUBMISSION_BODY,
              responses={200: {"description": "conforms; the report"}, 422: {"description": "does not conform; the report"},
                         413: {"description": "body too large"}})
    async def validate(request: Request):
        user = optional_user(request)
        media_type = request.headers.get("content-type", "text/turtle")
        if user is not None:
            body = await read_body(request, ctx.settings.max_body_bytes)
            an = await run_in_threadpool(wf.check, body, media_type, user)
        else:
            # anonymous dry runs are bounded in size and in how many run at once
            s = ctx.settings
            body = await read_body(request, min(s.dry_run_max_bytes, s.max_body_bytes), anonymous=True)
            try:
                with gate:
                    an = await run_in_threadpool(wf.check, body, media_type, None, max_items=s.dry_run_max_items)
            except DryRunBusy:
                n, wait = s.dry_run_concurrency, s.dry_run_retry_after
                return _error(429, f"同时进行的匿名试校验已达上限（{n} 个）：请 {wait} 秒后重试，或使用 API 令牌",
                              f"too many anonymous dry runs at once (the limit is {n}): retry in {wait} s, "
                              f"or use an API token", limit=n, retry_after=wait, headers={"Retry-After": str(wait)})
        report = an.to_dict()
        if user is None:
            report["note"] = {"zh": "未提供令牌：没有检查命名空间归属", "en": "no token: namespace ownership was not checked"}
        return JSONResponse(report, status_code=200 if an.conforms else an.status)

    @api.post("/submissions", status_code=201, summary="Submit items for review (提交条目，作者)",
              openapi_extra=SUBMISSION_BODY,
              responses={201: {"description": "stored with status submitted"}, 401: {"description": "no or bad token"},
                         403: {"description": "outside the organisation's namespace or admin-only"},
                         409: {"description": "conflict or unchanged"}, 413: {"description": "body too large"},
                         422: {"description": "does not conform; the report"}})
    async def submit(request: Request, _=Security(bearer)):
        user = user_of(request)
        body = await read_body(request, ctx.settings.max_body_bytes)
        result = await run_in_threadpool(wf.submit, user, body, request.headers.get("content-type", "text/turtle"))
        return JSONResponse(result, status_code=201, headers={"Location": f"/api/submissions/{result['id']}"})

    @api.get("/submissions", summary="Submissions the caller may see (提交列表)")
    def submissions(request: Request, status: str | None = Query(None, description="submitted, accepted, rejected, withdrawn"),
                    limit: int = LIMIT, offset: int = OFFSET, _=Security(bearer)):
        return {"submissions": wf.list_submissions(user_of(request), status, limit, offset)}

    @api.get("/submissions/{sid}", summary="One submission with its items as Turtle (提交详情)")
    def submission(request: Request, sid: int = SID, _=Security(bearer)):
        return wf.get_submission(user_of(request), sid)

    @api.delete("/submissions/{sid}", summary="Withdraw a submission awaiting review (撤回)")
    def withdraw(request: Request, sid: int = SID, _=Security(bearer)):
        return wf.withdraw(user_of(request), sid)

    @api.post("/submissions/{sid}/accept", summary="Accept: publish as experimental or stable (接受，注册管理员)")
    async def accept(request: Request, sid: int = SID, decision: dict | None = Body(None,
                     examples=[{"status": "stable", "note": "审核通过"}]), _=Security(bearer)):
        user = user_of(request)
        decision = decision or {}
        result = await run_in_threadpool(wf.accept, user, sid, str(decision.get("status", "stable")), decision.get("note"))
        return JSONResponse(result, status_code=200 if result["published"] else 503)

    @api.post("/submissions/{sid}/reject", summary="Reject with a reason (拒绝，注册管理员)")
    def reject(request: Request, sid: int = SID, decision: dict | None = Body(None, examples=[{"reason": "评价标准不完整"}]),
               _=Security(bearer)):
        user = user_of(request)
        return wf.reject(user, sid, str((decision or {}).get("reason") or ""))

    # --- lifecycle, history, diff -----------------------------------------------------------
    @api.post("/items/{item_path:path}/status", summary="Change the status of a published item (状态变更，注册管理员)")
    async def change_status(request: Request, item_path: str, change: dict | None = Body(None, examples=[
            {"status": "superseded", "successor": base + "unit/ICT-SD-302", "reason": "新版本"},
            {"status": "retired", "reason": "不再使用"}]), _=Security(bearer)):
        user = user_of(request)
        change = change or {}
        result = await run_in_threadpool(wf.change_status, user, item_iri(item_path), str(change.get("status", "")),
                                         change.get("successor"), change.get("reason"))
        return JSONResponse(result, status_code=200 if result["published"] else 503)

    @api.get("/items/{item_path:path}/history", summary="The versions of an item (版本历史)")
    def item_history(request: Request, item_path: str):
        item = item_iri(item_path)
        rows = versions.history(wf.db, item)
        if not rows:
            raise WorkflowError(404, f"{item} 没有记录的版本", f"no recorded versions of {item}")
        out = [{"version": r["n"], "iri": rdf.version_iri(item, r["n"]), "path": served_path(rdf.version_iri(item, r["n"])),
                "time": r["time"], "status": r["status"], "status_name": rdf.STATUS_NAMES.get(r["status"]),
                "org": r["org_id"], "attributed_to": r["attributed"], "note": r["note"]} for r in rows]
        if wants_html(request):
            from .render import render

            lang = lang_of(request)
            return render("workflow/history.html", request, lang, item=item, item_path=served_path(item),
                          label=item_label(item, lang), versions=out)
        return {"item": item, "versions": out}

    @api.get("/items/{item_path:path}/diff", summary="Differences between two versions, in words and triples (版本比较)")
    def item_diff(request: Request, item_path: str, from_: int = Query(..., alias="from", ge=1, le=MAX_ID),
                  to: int = Query(..., ge=1, le=MAX_ID)):
        item = item_iri(item_path)
        d = versions.diff(wf.db, item, from_, to, ctx.store)
        if d is None:
            raise WorkflowError(404, f"{item} 没有第 {from_} 或第 {to} 版", f"{item} has no version {from_} or {to}")
        if wants_html(request):
            from .render import render

            lang = lang_of(request)
            return render("workflow/diff.html", request, lang, item=item, item_path=served_path(item),
                          label=item_label(item, lang), diff=d)
        return d

    # --- change feed and audit ----------------------------------------------------------------
    def since_id(since: str | None) -> int:
        if not since:
            return 0
        if since.isdigit():  # str.isdigit() is also true of "²" and other Unicode digits
            if not EVENT_ID.fullmatch(since) or int(since) > MAX_ID:
                raise WorkflowError(422, f"since 超出范围：事件编号应为 0 到 {MAX_ID} 之间的整数",
                                    f"since is out of range: an event id is an integer from 0 to {MAX_ID}")
            return int(since)
        try:
            return wf.event_id_at(versions.parse_when(since))
        except ValueError as e:
            raise WorkflowError(400, f"since 应为事件编号或 ISO 日期时间：{since}", str(e)) from None

    @api.get("/changes", summary="Change feed: create, update and status events (变更订阅)")
    def changes(request: Request, since: str | None = Query(None, description="last event id seen, or an ISO date-time"),
                limit: int = LIMIT):
        events = wf.events(since_id(since), limit)
        body = {"events": [feed.event_json(e) for e in events]}
        headers = {}
        if events:
            nxt = feed.feed_link(ctx.settings.public_base(), feed.CHANGES_PATH, {"since": events[-1]["id"], "limit": limit})
            body["next"] = nxt
            headers["Link"] = f'<{nxt}>; rel="next"'
        return JSONResponse(body, headers=headers)

    @api.get("/changes.atom", summary="Change feed as Atom (Atom 订阅)", response_class=Response,
             responses={200: {"content": {"application/atom+xml": {}}}})
    def changes_atom(request: Request, since: str | None = Query(None), limit: int = LIMIT):
        sid = since_id(since)
        public = ctx.settings.public_base()  # never the Host header
        if since:
            events = wf.events(sid, limit)
            nxt = feed.feed_link(public, feed.ATOM_PATH, {"since": events[-1]["id"], "limit": limit}) if events else None
        else:  # the latest events, newest first
            rows = wf.db.read().execute("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
            events, nxt = [dict(r) for r in reversed(rows)], None
        updated = events[-1]["time"] if events else datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        self_url = feed.feed_link(public, feed.ATOM_PATH, {k: request.query_params[k] for k in ("since", "limit")
                                                           if k in request.query_params})
        doc = feed.atom(list(reversed(events)), feed_url=self_url, updated=updated, next_url=nxt,
                        title="学分银行标准注册库 变更 · Credit bank registry changes")
        return Response(doc, media_type="application/atom+xml", headers={"Link": f'<{nxt}>; rel="next"'} if nxt else None)

    @api.get("/audit", summary="The audit log (审计日志，注册管理员)")
    def audit(request: Request, limit: int = LIMIT, offset: int = OFFSET, _=Security(bearer)):
        user = user_of(request)
        if not user.is_registrar:
            raise AuthError(403, "只有注册管理员和管理员可以查看审计日志", "only registrars and admins may read the audit log")
        return {"audit": wf.audit_log(limit, offset)}

    app.include_router(api)

    # --- version IRIs (before the catalogue's catch-all) -----------------------------------
    # HEAD shares the handler but stays out of the OpenAPI document (one operation id per route)
    @app.api_route("/{item_path:path}/v/{n:int}.{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
    @app.api_route("/{item_path:path}/v/{n:int}", methods=["HEAD"], include_in_schema=False)
    @app.api_route("/{item_path:path}/v/{n:int}", methods=["GET"], tags=["workflow"],
                   summary="An immutable version of an item (条目版本)", response_class=Response)
    def version(request: Request, item_path: str, n: int, suffix: str | None = None):
        if suffix is not None and suffix not in neg.SUFFIXES:
            return _error(404, f"没有这个版本格式后缀：.{suffix}", f"no such version format suffix: .{suffix}")
        item = item_iri(item_path)
        triples = versions.get_version(wf.db, item, n) if 1 <= n <= MAX_ID else None
        if triples is None:
            return _error(404, f"{item} 没有第 {n} 版", f"{item} has no version {n}")
        # exactly the rule of item IRIs (registry.catalogue.routes): suffix, ?_mediatype=, ?_format=, Accept
        offer = neg.choose_for(request, neg.ITEM, suffix=suffix, default=neg.TURTLE).offer
        if offer is None:
            return _error(406, "无法提供所请求的格式", "none of the requested formats is available",
                          available=[o.media_type for o in neg.ITEM])
        mt = offer.media_type
        # a version never changes: caches may keep it (the HTML also shows the latest version number)
        headers = {"Vary": "Accept, " + neg.LANGUAGE_VARY if mt == "text/html" else "Accept", "Link": f'<{item}>; rel="original", <{served_path(item)}/v/{n}>; rel="memento"',
                   "Cache-Control": "public, max-age=86400" if mt == "text/html" else "public, max-age=31536000, immutable"}
        if mt == "text/html":
            from .render import render

            rows = versions.history(wf.db, item)
            meta = next(r for r in rows if r["n"] == n)
            turtle = rdf.serialize(triples, ox.RdfFormat.TURTLE).decode("utf-8")
            lang = lang_of(request)
            return render("workflow/version.html", request, lang, item=item, item_path=served_path(item),
                          label=item_label(item, lang), n=n, meta=meta, latest=rows[-1]["n"], turtle=turtle,
                          status_name=rdf.STATUS_NAMES.get(meta["status"], meta["status"]), headers=headers)
        return Response(rdf.serialize(triples, offer.syntax.ox), media_type=offer.syntax.content_type, headers=headers)

    # --- ?_versionAt= and ?_view=history on item IRIs ---------------------------------------
    def version_params(request: Request) -> Response:
        qp = request.query_params
        path = request.url.path
        rest = urlencode([(k, v) for k, v in qp.multi_items() if k not in ("_versionAt", "_view")])
        if qp.get("_view") == "history":
            return RedirectResponse(f"/api/items{path}/history" + (f"?{rest}" if rest else ""), status_code=303)
        path, suffix = neg.split_suffix(path)  # /unit/X.ttl?_versionAt=… → /unit/X/v/{n}.ttl
        try:
            item = item_iri(path)
        except WorkflowError as e:
            return _error(e.status, e.zh, e.en)
        try:
            n = versions.version_number_at(wf.db, item, qp["_versionAt"])
        except ValueError as e:
            return _error(400, f"_versionAt 应为 ISO 日期或日期时间：{qp['_versionAt']}", str(e))
        if n is None:
            return _error(404, f"{item} 在 {qp['_versionAt']} 时没有已发布的版本",
                          f"{item} had no published version at {qp['_versionAt']}")
        return RedirectResponse(f"{path}/v/{n}" + (f".{suffix}" if suffix else "") + (f"?{rest}" if rest else ""),
                                status_code=303)

    app.add_middleware(VersionParamsMiddleware, handler=version_params)


class VersionParamsMiddleware:
    """Pure ASGI middleware: answers ``?_versionAt=`` and ``?_view=history`` on item paths.

    Every other request passes straight through (no per-request cost beyond a
    substring test on the query string), so the SPARQL endpoint is not slowed down.
    """

    def __init__(self, app, handler):
        self.app = app
        self.handler = handler

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            qs = scope.get("query_string", b"")
            if (b"_versionAt=" in qs or b"_view=history" in qs) and not scope["path"].startswith("/api/"):
                request = Request(scope, receive)
                if "_versionAt" in request.query_params or request.query_params.get("_view") == "history":
                    response = await run_in_threadpool(self.handler, request)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _dev_admin(wf: Workflow) -> None:
    """``--dev``: a local admin whose fresh token is printed once (never in production)."""
    from .auth import WorkflowInputError

    try:
        _, token = add_user(wf.db, "dev-admin", "admin", None, label="dev")
    except WorkflowInputError:
        token = new_user_token(wf.db, "dev-admin")
    print(f"[registry --dev] local admin token (shown once) / 本地管理员令牌（只显示一次）: {token}", flush=True)


__all__ = ["install", "get_user"]
