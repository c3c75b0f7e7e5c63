"""The reconciliation routes (W3C Entity Reconciliation Service API, as OpenRefine calls it).

* ``GET /reconcile`` — the service manifest (no ``queries``), or a batch (``?queries=…``);
* ``POST /reconcile`` — a batch: form field ``queries`` (form-encoded JSON), the way OpenRefine sends it;
* ``GET /reconcile/preview?id=IRI`` — an HTML snippet for the preview pane;
* ``GET /reconcile/suggest/{entity,type,property}?prefix=…`` — suggest services;
* ``GET /api/suggest?q=…&lang=`` — search-as-you-type for the catalogue's search box
  (``site/static/suggest.js``), from the same search index.

Answers are JSON with ``Access-Control-Allow-Origin: *`` (browser clients of the protocol run on
other origins); refusals are RegistryErrors (400, bilingual) from ``registry/web.py``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from .. import negotiation as neg
from ..catalogue.service import Catalogue
from ..catalogue.urls import LiveUrls
from ..context import get_catalogue
from ..errors import BadRequest, NotFound
from ..web import read_body
from .service import PROPERTIES, TYPES, Reconciler, parse_queries, preview_html, suggest_named, typed_entities

router = APIRouter(tags=["reconciliation"])
R = "/reconcile"
BODY_LIMIT = 256 * 1024
CORS = {"Access-Control-Allow-Origin": "*"}


def _reconciler(cat: Catalogue) -> Reconciler:
    return Reconciler(cat.site(), cat.search_index(), typed_entities(cat.store))


def _lang(request: Request, cat: Catalogue) -> str:
    return neg.language_of(request, cat.default_lang).lang


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def manifest(request: Request, cat: Catalogue, lang: str) -> dict:
    root = _root(request)
    name = "广东终身教育学分银行 标准注册库" if lang == "zh" else "Guangdong Credit Bank Standards Registry"
    return {
        "versions": ["0.1", "0.2"],
        "name": name,
        "identifierSpace": cat.iris.base,
        "schemaSpace": cat.iris.base + "def/",
        "defaultTypes": [{"id": t, "name": n[1 if lang == "en" else 0]} for t, n in TYPES.items()],
        "view": {"url": root + "/reconcile/view?id={{id}}"},
        "preview": {"url": root + "/reconcile/preview?id={{id}}", "width": 420, "height": 160},
        "suggest": {k: {"service_url": root, "service_path": f"/reconcile/suggest/{k}"}
                    for k in ("entity", "type", "property")},
    }


def _batch(raw: str, cat: Catalogue, lang: str) -> dict:
    try:
        decoded = json.loads(raw)
    except ValueError as e:
        raise BadRequest(f"queries 不是有效的 JSON：{e}", f"queries is not valid JSON: {e}") from None
    queries = parse_queries(decoded)
    rec = _reconciler(cat)
    return {key: {"result": rec.reconcile(q, lang)} for key, q in queries.items()}


@router.get(R, summary="Reconciliation service manifest, or a batch of queries (?queries=)")
def reconcile_get(request: Request, queries: str | None = None, cat: Catalogue = Depends(get_catalogue)):
    lang = _lang(request, cat)
    if queries is None:
        return JSONResponse(manifest(request, cat, lang), headers=CORS)
    return JSONResponse(_batch(queries, cat, lang), headers=CORS)


@router.post(R, summary="A batch of reconciliation queries (form field queries=JSON)")
async def reconcile_post(request: Request, cat: Catalogue = Depends(get_catalogue)):
    lang = _lang(request, cat)
    body = await read_body(request, BODY_LIMIT)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        raw = body.decode("utf-8", "replace")
        try:
            payload = json.loads(raw)
        except ValueError as e:
            raise BadRequest(f"请求体不是有效的 JSON：{e}", f"the body is not valid JSON: {e}") from None
        raw = json.dumps(payload.get("queries") if isinstance(payload, dict) and "queries" in payload else payload)
    else:
        form = parse_qs(body.decode("utf-8", "replace"))
        if "queries" not in form:
            raise BadRequest("缺少表单字段 queries（JSON 格式的查询批）",
                             "the form field queries (a JSON batch of queries) is missing")
        raw = form["queries"][0]
    return JSONResponse(_batch(raw, cat, lang), headers=CORS)


def _known(cat: Catalogue, iri: str) -> list[str]:
    """The reconcilable types of ``iri`` (NotFound when it has none)."""
    types = typed_entities(cat.store).get(iri) if iri else None
    if not types:
        raise NotFound(f"没有可核对的实体：{iri}", f"no reconcilable entity: {iri}")
    return types


@router.get(R + "/preview", summary="HTML preview of an entity (for OpenRefine's preview pane)")
def preview(request: Request, id: str = "", cat: Catalogue = Depends(get_catalogue)):
    lang = _lang(request, cat)
    types = _known(cat, id)
    url = LiveUrls(cat.iris, lang).iri(id)
    html = preview_html(cat.site(), id, types, lang, url)
    return HTMLResponse(html, headers=CORS)


@router.get(R + "/view", summary="The catalogue page of an entity (redirect)")
def view(request: Request, id: str = "", cat: Catalogue = Depends(get_catalogue)):
    from fastapi.responses import RedirectResponse

    _known(cat, id)
    return RedirectResponse(LiveUrls(cat.iris, _lang(request, cat)).iri(id) or id, status_code=303)


def _limit(value: int) -> int:
    return max(1, min(value, 50))


@router.get(R + "/suggest/entity", summary="Suggest entities by name or code prefix")
def suggest_entity(request: Request, prefix: str = "", type: str = "", cursor: int = 0, limit: int = 10,
                   cat: Catalogue = Depends(get_catalogue)):
    lang = _lang(request, cat)
    if type and type not in TYPES:
        raise BadRequest(f"未知类型：{type}", f"unknown type: {type}")
    result = _reconciler(cat).suggest_entities(prefix, lang, {type} if type else set(), _limit(limit), max(0, cursor))
    return JSONResponse({"result": result}, headers=CORS)


@router.get(R + "/suggest/type", summary="Suggest types")
def suggest_type(request: Request, prefix: str = "", cat: Catalogue = Depends(get_catalogue)):
    return JSONResponse({"result": suggest_named(prefix, TYPES, _lang(request, cat))}, headers=CORS)


@router.get(R + "/suggest/property", summary="Suggest properties for matching")
def suggest_property(request: Request, prefix: str = "", cat: Catalogue = Depends(get_catalogue)):
    return JSONResponse({"result": suggest_named(prefix, PROPERTIES, _lang(request, cat))}, headers=CORS)


@router.get("/api/suggest", tags=["catalogue"], summary="Search-as-you-type suggestions (names and codes)")
def api_suggest(request: Request, q: str = "", lang: str = "", limit: int = 8, cat: Catalogue = Depends(get_catalogue)):
    lang = _lang(request, cat)  # ``lang`` above documents ?lang in the API
    if len(q) > 200:
        raise BadRequest("q 过长（最多 200 个字符）", "q is too long (at most 200 characters)")
    urls = LiveUrls(cat.iris, lang)
    hits = cat.search_index().suggest(q, lang=lang, limit=max(1, min(limit, 20)))
    return JSONResponse({"query": q, "lang": lang, "suggestions": [dict(h, url=urls.iri(h["iri"])) for h in hits]},
                        headers=CORS)
