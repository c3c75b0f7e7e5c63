"""The FastAPI application factory.

``create_app(settings)`` opens the store and mounts, in order: the SPARQL
endpoint and dataset description, the workflow API under ``/api``, then the
catalogue and linked-data routes (whose IRI paths are matched last).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__
from .config import Settings
from .store import RegistryStore, open_store


class AppContext:
    """What route modules share: settings and the store (plus what modules attach)."""

    def __init__(self, settings: Settings, store: RegistryStore):
        self.settings = settings
        self.store = store
        #: callables run when the app shuts down (e.g. the SPARQL worker pool)
        self.closers: list = []


def create_app(settings: Settings | None = None, store: RegistryStore | None = None) -> FastAPI:
    settings = settings or Settings()
    owns_store = store is None
    if store is None and settings.is_remote():  # credentials and timeout of a remote SPARQL store
        store = open_store(settings.store, user=settings.store_user, password=settings.store_password,
                           timeout=settings.store_timeout)
    store = store or open_store(settings.store)
    ctx = AppContext(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for close in reversed(ctx.closers):
            close()
        if owns_store:
            store.close()

    app = FastAPI(
        title="广东终身教育学分银行 标准注册库 · Guangdong Credit Bank Standards Registry",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    for install in _installers():
        install(app, ctx)
    if getattr(ctx, "sparql", None) is not None:
        # outermost: the SPARQL hot path skips routing and the other middlewares
        from .sparql.routes import SparqlFastPath

        app.add_middleware(SparqlFastPath, endpoint=ctx.sparql)
    return app


def _installers():
    """Route modules in mounting order; each exposes ``install(app, ctx)``."""
    from . import routes_order

    return routes_order.INSTALLERS
