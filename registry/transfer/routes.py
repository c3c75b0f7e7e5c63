"""``POST /api/transfer/evaluate``: the thin web seam over the transfer service.

The router only parses the request and calls the service; its refusals (RegistryErrors naming
the ``field``) are answered by ``registry/web.py``. It stores and logs nothing about the learner.
No login is needed (the answer is computed from published data).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from .. import negotiation as neg
from ..config import Settings
from ..catalogue import i18n
from ..catalogue.rdf import script_json
from ..catalogue.render import render_page
from ..catalogue.service import Catalogue
from ..catalogue.urls import LiveUrls
from ..context import get_catalogue, get_settings, get_transfer
from ..web import read_body
from .graph import WITHDRAWN, TransferGraphCache, pick
from .service import evaluate_request, parse_json_text, serialize_result

router = APIRouter()

#: the answer: JSON (the default), or its PROV description in Turtle or JSON-LD
OFFERS = (neg.JSON, neg.TURTLE, neg.rdf_offer(neg.formats.JSON_LD))
SERIALIZATION = {neg.TURTLE.media_type: "turtle", neg.formats.JSON_LD.media_type: "jsonld"}


@router.post("/api/transfer/evaluate", tags=["transfer"],
             summary="学分转换评估 · Evaluate a learner record against the transfer rules")
async def evaluate(request: Request, settings: Settings = Depends(get_settings),
                   cache: TransferGraphCache = Depends(get_transfer)) -> Response:
    body = await read_body(request, settings.max_body_bytes)
    result = evaluate_request(parse_json_text(body), cache.get())
    offer = neg.choose(OFFERS, accept=request.headers.get("accept")).offer or neg.JSON
    if offer is neg.JSON:
        return JSONResponse(result, headers={"Cache-Control": "no-store"})
    return Response(serialize_result(result, SERIALIZATION[offer.media_type]), media_type=offer.media_type,
                    headers={"Cache-Control": "no-store"})


# -- the credit planner page (学分规划) ------------------------------------------------------------

@router.get("/planner", include_in_schema=False)
def planner(request: Request, cat: Catalogue = Depends(get_catalogue),
            cache: TransferGraphCache = Depends(get_transfer)) -> Response:
    """The planner: a page whose script (site/static/planner.js) calls ``POST /api/transfer/evaluate``.
    The person's choices stay in their browser; this page carries none of them."""
    return HTMLResponse(render_planner(cat, cache.get(), neg.language_of(request, cat.default_lang).lang,
                                       request.query_params.get("target")),
                        headers={"Vary": neg.LANGUAGE_VARY, "Cache-Control": "no-store"})


def render_planner(cat: Catalogue, g, lang: str, selected: str | None = None, urls=None) -> str:
    quals = sorted(({"iri": q.iri, "code": q.code, "label": pick(q.labels, lang) or q.iri}
                    for q in g.qualifications.values() if q.status not in WITHDRAWN), key=lambda q: (q["code"], q["iri"]))
    idx = 1 if lang == "en" else 0
    strings = {k: v[idx] for k, v in i18n.PLANNER_STRINGS.items()}
    page = {"qualifications": quals, "selected": selected if selected in g.qualifications else None,
            "strings_json": Markup(script_json(strings))}
    return render_page("planner.html", lang=lang, urls=urls or LiveUrls(cat.iris, lang), p=page, kind="planner",
                       here="planner", crumbs=[{"href": None, "label": i18n.translator(lang)("planner.title")}])
