"""``POST /api/transfer/evaluate``: the thin web seam over the transfer service.

The router only parses the request and calls the service; its refusals (RegistryErrors naming
the ``field``) are answered by ``registry/web.py``. It stores and logs nothing about the learner.
No login is needed (the answer is computed from published data).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from .. import negotiation as neg
from ..config import Settings
from ..context import get_settings, get_transfer
from ..web import read_body
from .graph import TransferGraphCache
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
