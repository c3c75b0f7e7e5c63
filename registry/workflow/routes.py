"""HTTP routes of the workflow: the API under ``/api`` (:data:`api`) and the version IRIs
``{item}/v/{n}`` (:data:`versions_router`, mounted before the catalogue's catch-all).

Routing only: the work is done by :class:`~registry.workflow.service.Workflow`
(writes), :mod:`~registry.workflow.versions` (history, diffs, ``_versionAt``) and
:mod:`~registry.workflow.feed`; HTML by :mod:`~registry.workflow.render`. The
workflow, settings and store come from the application context (``registry/context.py``);
refusals are RegistryErrors, answered by ``registry/web.py``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPBearer

from .. import negotiation as neg
from ..catalogue import rdf as cat_rdf
from ..catalogue import routes as ld
from ..config import Settings
from ..context import get_ctx, get_settings, get_store, get_workflow
from ..errors import BadRequest, Forbidden, InvalidInput, NotAcceptable, NotFound, RegistryError
from ..store import RegistryStore
from ..web import DryRunGate, error_json, read_body  # noqa: F401 (DryRunGate: re-exported)
from . import feed, rdf, versions
from .auth import User, add_user, authenticate, get_user, new_user_token
from .render import render
from .service import Workflow
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
ANONYMOUS_HINT = ("（匿名试校验的上限；使用 API 令牌可提交更大的内容）",
                  " (the limit of anonymous dry runs; with an API token larger bodies are accepted)")

#: every integer parameter is bounded to SQLite's range: beyond it FastAPI answers 422, not 500
SID = Path(..., ge=1, le=MAX_ID, description="submission id")
LIMIT = Query(100, ge=1, le=1000)
OFFSET = Query(0, ge=0, le=MAX_ID)
EVENT_ID = re.compile(r"[0-9]{1,19}")


def start(workflow: Workflow, settings: Settings) -> None:
    """At application start: re-apply pending writes (outbox recovery); ``--dev``: a local admin."""
    applied = workflow.apply_pending() if workflow.state_exists() else 0
    if applied:
        log.warning("applied %d pending workflow write(s) to the store", applied)
    if settings.dev:
        _dev_admin(workflow)


# --- helpers (pure functions of the request's parts) ---------------------------------------------
def user_of(request: Request, wf: Workflow) -> User:
    return authenticate(wf.db, request.headers.get("authorization"))


def optional_user(request: Request, wf: Workflow) -> User | None:
    return user_of(request, wf) if request.headers.get("authorization") else None


def current_user(request: Request, wf: Workflow = Depends(get_workflow), _=Security(bearer)) -> User:
    """The authenticated caller (401 without a valid token)."""
    return user_of(request, wf)


def item_iri(path: str, settings: Settings) -> str:
    iri = settings.base_iri + path.strip("/")
    try:
        ox.NamedNode(iri)  # only valid IRIs reach SPARQL text
    except ValueError:
        raise NotFound(f"不是有效的条目路径：{path}", f"not a valid item path: {path}") from None
    return iri


def served_path(iri: str, settings: Settings) -> str:
    base = settings.base_iri
    return "/" + iri[len(base):] if iri.startswith(base) else iri


def lang_of(request: Request, settings: Settings) -> str:
    return neg.language_of(request, settings.default_lang).lang


def item_label(store: RegistryStore, item: str, lang: str) -> str:
    """The item's skos:prefLabel in ``lang`` (then the other language, then the IRI)."""
    rows = store.select(f"SELECT ?l WHERE {{ <{item}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}")
    by_lang = {r["l"].language or "": r["l"].value for r in rows}
    return by_lang.get(lang) or by_lang.get("en" if lang == "zh" else "zh") or by_lang.get("") or item


def wants_html(request: Request) -> bool:
    offer = neg.choose_for(request, REPORT_OFFERS).offer
    if offer is None:
        raise NotAcceptable("无法提供所请求的格式", "none of the requested formats is available",
                            available=[o.media_type for o in REPORT_OFFERS])
    return offer is neg.HTML


api = APIRouter(prefix="/api", tags=["workflow"])


# --- identity ------------------------------------------------------------------------------------
@api.get("/me", summary="Who the token belongs to (用户信息)")
def me(user: User = Depends(current_user)):
    return user.public()


# --- validation and submissions ------------------------------------------------------------------
@api.post("/validate", summary="Dry run: check a submission without storing it (试校验，不需要令牌)",
          openapi_extra=SUBMISSION_BODY,
          responses={200: {"description": "conforms; the report"}, 422: {"description": "does not conform; the report"},
                     413: {"description": "body too large"}})
async def validate(request: Request, ctx=Depends(get_ctx)):
    wf, s = ctx.workflow, ctx.settings
    user = optional_user(request, wf)
    media_type = request.headers.get("content-type", "text/turtle")
    if user is not None:
        body = await read_body(request, s.max_body_bytes)
        an = await run_in_threadpool(wf.check, body, media_type, user)
    else:
        # anonymous dry runs are bounded in size and in how many run at once
        body = await read_body(request, min(s.dry_run_max_bytes, s.max_body_bytes), hint=ANONYMOUS_HINT)
        with ctx.dry_runs:
            an = await run_in_threadpool(wf.check, body, media_type, None, max_items=s.dry_run_max_items)
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
async def submit(request: Request, user: User = Depends(current_user), wf: Workflow = Depends(get_workflow),
                 settings: Settings = Depends(get_settings)):
    body = await read_body(request, settings.max_body_bytes)
    result = await run_in_threadpool(wf.submit, user, body, request.headers.get("content-type", "text/turtle"))
    return JSONResponse(result, status_code=201, headers={"Location": f"/api/submissions/{result['id']}"})


@api.get("/submissions", summary="Submissions the caller may see (提交列表)")
def submissions(status: str | None = Query(None, description="submitted, accepted, rejected, withdrawn"),
                limit: int = LIMIT, offset: int = OFFSET, user: User = Depends(current_user),
                wf: Workflow = Depends(get_workflow)):
    return {"submissions": wf.list_submissions(user, status, limit, offset)}


@api.get("/submissions/{sid}", summary="One submission with its items as Turtle (提交详情)")
def submission(sid: int = SID, user: User = Depends(current_user), wf: Workflow = Depends(get_workflow)):
    return wf.get_submission(user, sid)


@api.delete("/submissions/{sid}", summary="Withdraw a submission awaiting review (撤回)")
def withdraw(sid: int = SID, user: User = Depends(current_user), wf: Workflow = Depends(get_workflow)):
    return wf.withdraw(user, sid)


@api.post("/submissions/{sid}/accept", summary="Accept: publish as experimental or stable (接受，注册管理员)")
async def accept(sid: int = SID, decision: dict | None = Body(None, examples=[{"status": "stable", "note": "审核通过"}]),
                 user: User = Depends(current_user), wf: Workflow = Depends(get_workflow)):
    decision = decision or {}
    result = await run_in_threadpool(wf.accept, user, sid, str(decision.get("status", "stable")), decision.get("note"))
    return JSONResponse(result, status_code=200 if result["published"] else 503)


@api.post("/submissions/{sid}/reject", summary="Reject with a reason (拒绝，注册管理员)")
def reject(sid: int = SID, decision: dict | None = Body(None, examples=[{"reason": "评价标准不完整"}]),
           user: User = Depends(current_user), wf: Workflow = Depends(get_workflow)):
    return wf.reject(user, sid, str((decision or {}).get("reason") or ""))


# --- lifecycle, history, diff --------------------------------------------------------------------
@api.post("/items/{item_path:path}/status", summary="Change the status of a published item (状态变更，注册管理员)")
async def change_status(item_path: str, change: dict | None = Body(None, examples=[
        {"status": "superseded", "successor": "https://w3id.org/gdlecb/unit/ICT-SD-302", "reason": "新版本"},
        {"status": "retired", "reason": "不再使用"}]), user: User = Depends(current_user),
        wf: Workflow = Depends(get_workflow), settings: Settings = Depends(get_settings)):
    change = change or {}
    result = await run_in_threadpool(wf.change_status, user, item_iri(item_path, settings), str(change.get("status", "")),
                                     change.get("successor"), change.get("reason"))
    return JSONResponse(result, status_code=200 if result["published"] else 503)


@api.get("/items/{item_path:path}/history", summary="The versions of an item (版本历史)")
def item_history(request: Request, item_path: str, ctx=Depends(get_ctx)):
    s = ctx.settings
    item = item_iri(item_path, s)
    rows = versions.history(ctx.workflow.db, item)
    if not rows:
        raise NotFound(f"{item} 没有记录的版本", f"no recorded versions of {item}")
    out = [{"version": r["n"], "iri": rdf.version_iri(item, r["n"]), "path": served_path(rdf.version_iri(item, r["n"]), s),
            "time": r["time"], "status": r["status"], "status_name": rdf.STATUS_NAMES.get(r["status"]),
            "org": r["org_id"], "attributed_to": r["attributed"], "note": r["note"]} for r in rows]
    if wants_html(request):
        lang = lang_of(request, s)
        return render("workflow/history.html", request, lang, item=item, item_path=served_path(item, s),
                      label=item_label(ctx.store, item, lang), versions=out)
    return {"item": item, "versions": out}


@api.get("/items/{item_path:path}/diff", summary="Differences between two versions, in words and triples (版本比较)")
def item_diff(request: Request, item_path: str, from_: int = Query(..., alias="from", ge=1, le=MAX_ID),
              to: int = Query(..., ge=1, le=MAX_ID), ctx=Depends(get_ctx)):
    s = ctx.settings
    item = item_iri(item_path, s)
    d = versions.diff(ctx.workflow.db, item, from_, to, ctx.store)
    if d is None:
        raise NotFound(f"{item} 没有第 {from_} 或第 {to} 版", f"{item} has no version {from_} or {to}")
    if wants_html(request):
        lang = lang_of(request, s)
        return render("workflow/diff.html", request, lang, item=item, item_path=served_path(item, s),
                      label=item_label(ctx.store, item, lang), diff=d)
    return d


# --- change feed and audit -----------------------------------------------------------------------
def since_id(wf: Workflow, since: str | None) -> int:
    if not since:
        return 0
    if since.isdigit():  # str.isdigit() is also true of "²" and other Unicode digits
        if not EVENT_ID.fullmatch(since) or int(since) > MAX_ID:
            raise InvalidInput(f"since 超出范围：事件编号应为 0 到 {MAX_ID} 之间的整数",
                               f"since is out of range: an event id is an integer from 0 to {MAX_ID}")
        return int(since)
    try:
        return wf.event_id_at(versions.parse_when(since))
    except ValueError as e:
        raise BadRequest(f"since 应为事件编号或 ISO 日期时间：{since}", str(e)) from None


@api.get("/changes", summary="Change feed: create, update and status events (变更订阅)")
def changes(since: str | None = Query(None, description="last event id seen, or an ISO date-time"),
            limit: int = LIMIT, wf: Workflow = Depends(get_workflow), settings: Settings = Depends(get_settings)):
    events = wf.events(since_id(wf, since), limit)
    body = {"events": [feed.event_json(e) for e in events]}
    headers = {}
    if events:
        nxt = feed.feed_link(settings.public_base(), feed.CHANGES_PATH, {"since": events[-1]["id"], "limit": limit})
        body["next"] = nxt
        headers["Link"] = f'<{nxt}>; rel="next"'
    return JSONResponse(body, headers=ld.cors_headers(headers))


@api.options("/changes", include_in_schema=False)
@api.options("/changes.atom", include_in_schema=False)
def changes_preflight():
    return ld.preflight()


@api.get("/changes.atom", summary="Change feed as Atom (Atom 订阅)", response_class=Response,
         responses={200: {"content": {"application/atom+xml": {}}}})
def changes_atom(request: Request, since: str | None = Query(None), limit: int = LIMIT,
                 wf: Workflow = Depends(get_workflow), settings: Settings = Depends(get_settings)):
    sid = since_id(wf, since)
    public = settings.public_base()  # never the Host header
    if since:
        events = wf.events(sid, limit)
        nxt = feed.feed_link(public, feed.ATOM_PATH, {"since": events[-1]["id"], "limit": limit}) if events else None
    else:  # the latest events, newest first
        events, nxt = wf.db.latest_events(limit), None
    updated = events[-1]["time"] if events else datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    self_url = feed.feed_link(public, feed.ATOM_PATH, {k: request.query_params[k] for k in ("since", "limit")
                                                       if k in request.query_params})
    doc = feed.atom(list(reversed(events)), feed_url=self_url, updated=updated, next_url=nxt,
                    title="学分银行标准注册库 变更 · Credit bank registry changes")
    return Response(doc, media_type="application/atom+xml",
                    headers=ld.cors_headers({"Link": f'<{nxt}>; rel="next"'} if nxt else {}))


@api.get("/audit", summary="The audit log (审计日志，注册管理员)")
def audit(limit: int = LIMIT, offset: int = OFFSET, user: User = Depends(current_user),
          wf: Workflow = Depends(get_workflow)):
    if not user.is_registrar:
        raise Forbidden("只有注册管理员和管理员可以查看审计日志", "only registrars and admins may read the audit log")
    return {"audit": wf.audit_log(limit, offset)}


# --- version IRIs (mounted before the catalogue's catch-all) --------------------------------------
versions_router = APIRouter()


# HEAD shares the handler but stays out of the OpenAPI document (one operation id per route)
@versions_router.api_route("/{item_path:path}/v/{n:int}.{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
@versions_router.api_route("/{item_path:path}/v/{n:int}", methods=["HEAD"], include_in_schema=False)
@versions_router.api_route("/{item_path:path}/v/{n:int}", methods=["GET"], tags=["workflow"],
                           summary="An immutable version of an item (条目版本)", response_class=Response)
def version(request: Request, item_path: str, n: int, suffix: str | None = None, ctx=Depends(get_ctx)):
    s = ctx.settings
    if suffix is not None and suffix not in neg.SUFFIXES:
        raise NotFound(f"没有这个版本格式后缀：.{suffix}", f"no such version format suffix: .{suffix}")
    item = item_iri(item_path, s)
    db = ctx.workflow.db
    triples = versions.get_version(db, item, n) if 1 <= n <= MAX_ID else None
    if triples is None:
        raise NotFound(f"{item} 没有第 {n} 版", f"{item} has no version {n}")
    # exactly the rules of item IRIs (registry.catalogue.routes): profile, then suffix, ?_mediatype=, ?_format=, Accept
    pc = ld.choose_profile(request)
    if pc.alt:
        return ld.alternates(request, ctx.catalogue, f"{item}/v/{n}", f"{served_path(item, s)}/v/{n}", suffix,
                             lang_of(request, s), None, 0.0)
    offers, default = cat_rdf.profile_offers(pc.token)
    offer = neg.choose_for(request, offers, suffix=suffix, default=default).offer
    if offer is None:
        raise NotAcceptable("无法提供所请求的格式", "none of the requested formats is available",
                            available=[o.media_type for o in offers])
    mt = offer.media_type
    # a version never changes: caches may keep it (the HTML also shows the latest version number)
    headers = {"Vary": "Accept, Accept-Profile, " + neg.LANGUAGE_VARY if offer is neg.HTML else "Accept, Accept-Profile",
               "Content-Profile": cat_rdf.content_profile(pc.token),
               "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ld.EXPOSE,
               "Link": ", ".join([f'<{item}>; rel="original", <{served_path(item, s)}/v/{n}>; rel="memento"',
                                  *cat_rdf.profile_links(f"{served_path(item, s)}/v/{n}", pc.token)]),
               "Cache-Control": "public, max-age=86400" if offer is neg.HTML else "public, max-age=31536000, immutable"}
    if offer is neg.HTML:
        rows = versions.history(db, item)
        meta = next(r for r in rows if r["n"] == n)
        turtle = rdf.serialize(triples, ox.RdfFormat.TURTLE).decode("utf-8")
        lang = lang_of(request, s)
        return render("workflow/version.html", request, lang, item=item, item_path=served_path(item, s),
                      label=item_label(ctx.store, item, lang), n=n, meta=meta, latest=rows[-1]["n"], turtle=turtle,
                      status_name=rdf.STATUS_NAMES.get(meta["status"], meta["status"]), headers=headers)
    if pc.token == "cb" and mt != cat_rdf.JSONLD:
        return Response(rdf.serialize(triples, offer.syntax.ox), media_type=offer.syntax.content_type, headers=headers)
    form = neg.jsonld_form(request.headers.get("accept"), ld.jsonld.FORMS) if mt == cat_rdf.JSONLD else None
    body = cat_rdf.profile_body(pc.token, mt, triples, ctx.store, main=item, context_url=ld.context_url(s), form=form)
    return Response(body, media_type=offer.syntax.content_type, headers=headers)


# --- ?_versionAt= and ?_view=history on item IRIs -------------------------------------------------
def version_params(request: Request) -> Response:
    try:
        return _version_params(request, get_ctx(request))
    except RegistryError as e:
        return error_json(e)


def _version_params(request: Request, ctx) -> Response:
    qp = request.query_params
    path = request.url.path
    rest = urlencode([(k, v) for k, v in qp.multi_items() if k not in ("_versionAt", "_view")])
    if qp.get("_view") == "history":
        return RedirectResponse(f"/api/items{path}/history" + (f"?{rest}" if rest else ""), status_code=303)
    path, suffix = neg.split_suffix(path)  # /unit/X.ttl?_versionAt=… → /unit/X/v/{n}.ttl
    item = item_iri(path, ctx.settings)
    try:
        n = versions.version_number_at(ctx.workflow.db, item, qp["_versionAt"])
    except ValueError as e:
        raise BadRequest(f"_versionAt 应为 ISO 日期或日期时间：{qp['_versionAt']}", str(e)) from None
    if n is None:
        raise NotFound(f"{item} 在 {qp['_versionAt']} 时没有已发布的版本",
                       f"{item} had no published version at {qp['_versionAt']}")
    return RedirectResponse(f"{path}/v/{n}" + (f".{suffix}" if suffix else "") + (f"?{rest}" if rest else ""),
                            status_code=303)


class VersionParamsMiddleware:
    """Pure ASGI middleware: answers ``?_versionAt=`` and ``?_view=history`` on item paths.

    Every other request passes straight through (no per-request cost beyond a
    substring test on the query string), so the SPARQL endpoint is not slowed down.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            qs = scope.get("query_string", b"")
            if (b"_versionAt=" in qs or b"_view=history" in qs) and not scope["path"].startswith("/api/"):
                request = Request(scope, receive)
                if "_versionAt" in request.query_params or request.query_params.get("_view") == "history":
                    response = await run_in_threadpool(version_params, request)
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


__all__ = ["api", "versions_router", "VersionParamsMiddleware", "start", "get_user"]
