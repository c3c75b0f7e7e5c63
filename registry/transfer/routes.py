"""``POST /api/transfer/evaluate``: the thin web seam over the transfer service.

The router only parses the request, calls the service and maps its errors to HTTP; it stores and
logs nothing about the learner. No login is needed (the answer is computed from published data).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .graph import TransferGraphCache
from .service import TransferInputError, evaluate_request, parse_json_text, serialize_result

router = APIRouter()

RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "jsonld"}
DEFAULT_MAX_BODY = 1024 * 1024


def graph_cache(request: Request) -> TransferGraphCache:
    ctx = request.app.state.ctx
    cache = getattr(ctx, "transfer", None)
    if cache is None:
        cache = ctx.transfer = TransferGraphCache(ctx.store)
    return cache


def _refuse(status: int, field: str, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "field": field, "message": {"zh": zh, "en": en}}},
                        status_code=status)


def _wanted(accept: str) -> str:
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in RDF_TYPES:
            return RDF_TYPES[media]
        if media in ("application/json", "*/*"):
            return "json"
    return "json"


@router.post("/api/transfer/evaluate", tags=["transfer"],
             summary="学分转换评估 · Evaluate a learner record against the transfer rules")
async def evaluate(request: Request) -> Response:
    limit = getattr(request.app.state.ctx.settings, "max_body_bytes", DEFAULT_MAX_BODY) or DEFAULT_MAX_BODY
    body = await request.body()
    if len(body) > limit:
        return _refuse(413, "body", "请求体过大。", "The request body is too large.")
    try:
        data = parse_json_text(body)
        result = evaluate_request(data, graph_cache(request).get())
    except TransferInputError as e:
        return _refuse(422, e.field, e.zh, e.en)
    fmt = _wanted(request.headers.get("accept", ""))
    if fmt == "json":
        return JSONResponse(result, headers={"Cache-Control": "no-store"})
    media = "text/turtle" if fmt == "turtle" else "application/ld+json"
    return Response(serialize_result(result, fmt), media_type=media, headers={"Cache-Control": "no-store"})


def install(app, ctx) -> None:
    """Mount the router (kept as the registry's ``install(app, ctx)`` seam)."""
    app.include_router(router)
