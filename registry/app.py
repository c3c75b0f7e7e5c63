"""The FastAPI application factory.

``create_app(settings)`` opens the store, builds the whole :class:`~registry.context.AppContext`
(settings, store, workflow, catalogue, SPARQL endpoint, transfer graph) and mounts, in order:
the SPARQL endpoint and dataset description, the workflow API under ``/api``, the transfer API,
the version IRIs, then the catalogue and linked-data routes (whose IRI catch-all is matched last).
Errors are answered by ``registry/web.py``; content and language by ``registry/negotiation.py``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__
from .catalogue import routes as catalogue_routes
from .catalogue.service import Catalogue
from .reconcile import routes as reconcile_routes
from .config import Settings
from .security import CSP, SECURITY_HEADERS, SecurityHeaders  # noqa: F401 (CSP, SECURITY_HEADERS: re-exported)
from .context import AppContext
from .sparql.routes import SparqlEndpoint, SparqlFastPath, SparqlRoute
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
    # middlewares, innermost first: ?_versionAt=/?_view=history on item IRIs; /sparql straight to its
    # handler (skips routing and the inner middlewares); security headers on every response
    app.add_middleware(workflow_routes.VersionParamsMiddleware)
    app.add_middleware(SparqlRoute, endpoint=sparql)
    app.add_middleware(SecurityHeaders, docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url))
    # ... and outside everything (even FastAPI's own error and body-limit layers): the SPARQL fast
    # path and its result cache, which send the security headers themselves (registry/sparql/routes.py)
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SparqlFastPath(build_stack(), sparql)
    return app


