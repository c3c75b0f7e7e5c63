"""The web seam: every :class:`~registry.errors.RegistryError` becomes one answer per surface,
and the one reader of request bodies.

Surfaces and their body shapes (the status always comes from ``errors.HTTP_STATUS``):

* the JSON API (``/api/…``, version IRIs, anything not below):
  ``{"error": {"status", "kind", "message": {"zh", "en"}, …details}}`` (a validation
  ``report`` detail goes beside ``error``, where clients have always read it);
* the SPARQL endpoint, ``/.well-known/void`` and ``/dumps/``: one plain-text line
  ``中文 · English``;
* HTML pages (a client that asks for ``text/html`` outside the API): the catalogue's
  error page in the reader's language, both languages shown.

Services raise errors with a kind and never an HTTP status; routes stay thin.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.requests import Request

from . import negotiation as neg
from .errors import RegistryError, TooLarge, TooManyRequests

#: paths answered as plain text (the SPARQL surface)
TEXT_PATHS = ("/sparql", "/.well-known/void", "/dumps/")


# --- bodies ---------------------------------------------------------------------------------------
def _headers(e: RegistryError) -> dict[str, str]:
    headers = {}
    if e.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if "retry_after" in e.details:
        headers["Retry-After"] = str(e.details["retry_after"])
    return headers


def error_json(e: RegistryError) -> JSONResponse:
    details = dict(e.details)
    report = details.pop("report", None)
    body: dict = {"error": {"status": e.status, "kind": e.kind, "message": {"zh": e.zh, "en": e.en}, **details}}
    if report is not None:
        body["report"] = report
    return JSONResponse(body, status_code=e.status, headers=_headers(e) or None)


def error_text(e: RegistryError, headers: dict[str, str] | None = None) -> Response:
    return Response(e.bilingual() + "\n", status_code=e.status, media_type="text/plain; charset=utf-8",
                    headers={**_headers(e), **(headers or {})})


def error_page(request: Request, e: RegistryError) -> HTMLResponse:
    from .catalogue.render import render_page
    from .catalogue.urls import IriMap, LiveUrls

    ctx = request.app.state.ctx
    lang = neg.language_of(request, ctx.settings.default_lang).lang
    html = render_page("error.html", lang=lang, urls=LiveUrls(IriMap(ctx.settings.base_iri), lang),
                       error=e, status=e.status, query={}, here=request.url.path.lstrip("/"))
    return HTMLResponse(html, status_code=e.status, headers={**_headers(e), "Vary": "Accept, " + neg.LANGUAGE_VARY})


_PAGE_OFFERS = (neg.JSON, neg.HTML)


def error_response(request: Request, e: RegistryError) -> Response:
    """The answer to ``e`` on the surface of ``request``."""
    path = request.url.path
    if path.startswith(TEXT_PATHS):
        return error_text(e)
    if not path.startswith("/api/") and neg.choose_for(request, _PAGE_OFFERS).offer is neg.HTML:
        return error_page(request, e)
    return error_json(e)


def install_error_handlers(app: FastAPI) -> None:
    """Map every RegistryError to its answer (the only exception handler of the app)."""
    app.add_exception_handler(RegistryError, error_response)


# --- request bodies -------------------------------------------------------------------------------
async def read_body(request: Request, limit: int, *, hint: tuple[str, str] = ("", "")) -> bytes:
    """The request body, refusing (TooLarge, 413) beyond ``limit`` bytes without reading it all.

    ``hint`` (zh, en) is appended to the message (e.g. why this route's limit is lower).
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"请求体过大：{declared} 字节，上限 {limit} 字节{hint[0]}",
                       f"request body too large: {declared} bytes, the limit is {limit} bytes{hint[1]}", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"请求体过大：超过上限 {limit} 字节{hint[0]}",
                           f"request body too large: over the limit of {limit} bytes{hint[1]}", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


# --- concurrency bounds ----------------------------------------------------------------------------
class DryRunGate:
    """At most ``n`` anonymous dry runs at once (per server process); the rest get 429."""

    def __init__(self, n: int, retry_after: int):
        self.n, self.retry_after = max(1, n), retry_after
        self.sem = threading.BoundedSemaphore(self.n)

    def __enter__(self):
        if not self.sem.acquire(blocking=False):
            n, wait = self.n, self.retry_after
            raise TooManyRequests(f"同时进行的匿名试校验已达上限（{n} 个）：请 {wait} 秒后重试，或使用 API 令牌",
                                  f"too many anonymous dry runs at once (the limit is {n}): retry in {wait} s, "
                                  f"or use an API token", limit=n, retry_after=wait)
        return self

    def __exit__(self, *exc):
        self.sem.release()
