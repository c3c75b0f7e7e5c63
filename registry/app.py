"""The FastAPI application factory.

``create_app(settings)`` opens the store, builds the whole :class:`~registry.context.AppContext`
(settings, store, workflow, catalogue, SPARQL endpoint, transfer graph) and mounts, in order:
the SPARQL endpoint and dataset description, the workflow API under ``/api``, the transfer API,
the version IRIs, then the catalogue and linked-data routes (whose IRI catch-all is matched last).
Errors are answered by ``registry/web.py``; content and language by ``registry/negotiation.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__
from .catalogue import routes as catalogue_routes
from .catalogue.service import Catalogue
from .reconcile import routes as reconcile_routes
from .config import Settings
from .context import AppContext
from .sparql.routes import SparqlEndpoint, SparqlFastPath
from .store import RegistryStore, open_store
from .transfer import routes as transfer_routes
from .transfer.graph import TransferGraphCache
from .web import DryRunGate, install_error_handlers
from .workflow import routes as workflow_routes
from .workflow.service import Workflow


def _workflow(store: RegistryStore, settings: Settings) -> Workflow:
    """The workflow service of this store (the one place that knows its constructor)."""
    return Workflow(store, settings)


def create_app(settings: Settings | None = None, store: RegistryStore | None = None) -> FastAPI:
    settings = settings or Settings()
    owns_store = store is None
    if store is None:  # a remote SPARQL store takes credentials and a time limit
        store = (open_store(settings.store, user=settings.store_user, password=settings.store_password,
                            timeout=settings.store_timeout) if settings.is_remote() else open_store(settings.store))
    sparql = SparqlEndpoint(settings, store)
    ctx = AppContext(
        settings=settings,
        store=store,
        workflow=_workflow(store, settings),
        catalogue=Catalogue(store, settings.base_iri, settings.default_lang),
        sparql=sparql,
        transfer=TransferGraphCache(store),
        dry_runs=DryRunGate(settings.dry_run_concurrency, settings.dry_run_retry_after),
        closers=(store.close, sparql.close) if owns_store else (sparql.close,),
    )
    workflow_routes.start(ctx.workflow, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for close in reversed(ctx.closers):
            close()

    app = FastAPI(
        title="广东终身教育学分银行 标准注册库 · Guangdong Credit Bank Standards Registry",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    # mounting order: the catalogue's IRI catch-all must come last
    sparql.mount(app)
    app.include_router(workflow_routes.api)
    app.include_router(transfer_routes.router)
    app.include_router(workflow_routes.versions_router)
    app.include_router(reconcile_routes.router)
    catalogue_routes.mount_static(app)
    app.include_router(catalogue_routes.router)
    # middlewares, innermost first: ?_versionAt=/?_view=history on item IRIs; the SPARQL hot path
    # (skips routing and the inner middlewares); security headers on every response (outermost)
    app.add_middleware(workflow_routes.VersionParamsMiddleware)
    app.add_middleware(SparqlFastPath, endpoint=sparql)
    app.add_middleware(SecurityHeaders, docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url))
    return app


# --- security headers ---------------------------------------------------------------------------
#: The Content-Security-Policy of every page: scripts, styles, images and fonts from this origin
#: only (no inline script, no inline style, no eval), nothing else loaded, no framing, no <base>,
#: no plugins, forms submit here only. ``<script type="application/ld+json">`` data blocks are
#: not scripts and need nothing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")

#: Sent with every response (live server) and written into the static build's ``_headers``.
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

#: FastAPI's /docs (Swagger UI) and /redoc load their code from a CDN and start it with an inline
#: script; they get a policy naming those origins and the hashes of exactly the inline scripts
#: they serve (computed from the response), plus inline styles (Redoc writes <style> elements).
DOCS_CSP = ("default-src 'none'; script-src 'self' https://cdn.jsdelivr.net {hashes}; "
            "style-src 'self' https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "font-src https://fonts.gstatic.com; connect-src 'self'; worker-src blob:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)

_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_HEADER_NAMES = frozenset(k for k, _ in _HEADERS)


def _add_headers(headers, extra=_HEADERS) -> list:
    """``headers`` plus each of ``extra`` the application did not set itself."""
    out = list(headers)
    have = {k.lower() for k, _ in out} & _HEADER_NAMES
    if have:
        out.extend(h for h in extra if h[0] not in have)
    else:
        out.extend(extra)
    return out


class SecurityHeaders:
    """Pure ASGI middleware (no BaseHTTPMiddleware: that costs hundreds of µs per request on the
    SPARQL hot path): adds ``SECURITY_HEADERS`` to the start of every HTTP response."""

    def __init__(self, app, docs_paths=()):
        self.app = app
        self.docs_paths = frozenset(p for p in docs_paths if p)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.docs_paths:
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = _add_headers(message.get("headers") or ())
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope, receive, send):
        """The API documentation pages: buffer the (small) page to hash its inline scripts."""
        start, chunks = None, []

        async def buffer(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
                              for m in _INLINE_SCRIPT.finditer(body))
            csp = DOCS_CSP.format(hashes=hashes).encode("latin-1")
            extra = [(b"content-security-policy", csp)] + [h for h in _HEADERS if h[0] != b"content-security-policy"]
            await send(dict(start, headers=_add_headers(start.get("headers") or (), extra)))
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, buffer)
