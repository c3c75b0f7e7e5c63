"""The application context: everything the routes share, built in full by ``create_app``.

Routes get its parts through the ``get_*`` providers (FastAPI ``Depends``), which read
``request.app.state.ctx``; nothing is attached to the context after it is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from .catalogue.service import Catalogue
from .config import Settings
from .sparql.routes import SparqlEndpoint
from .store import RegistryStore
from .transfer.graph import TransferGraphCache
from .web import DryRunGate
from .workflow.service import Workflow


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    store: RegistryStore
    workflow: Workflow
    catalogue: Catalogue
    sparql: SparqlEndpoint
    transfer: TransferGraphCache
    #: the bound on anonymous dry runs running at once (per server process)
    dry_runs: DryRunGate
    #: run when the application shuts down, last first (the SPARQL worker pool, an owned store)
    closers: tuple[Callable[[], None], ...] = ()


def get_ctx(request: HTTPConnection) -> AppContext:
    return request.app.state.ctx


def get_settings(request: HTTPConnection) -> Settings:
    return get_ctx(request).settings


def get_store(request: HTTPConnection) -> RegistryStore:
    return get_ctx(request).store


def get_workflow(request: HTTPConnection) -> Workflow:
    return get_ctx(request).workflow


def get_catalogue(request: HTTPConnection) -> Catalogue:
    return get_ctx(request).catalogue


def get_sparql(request: HTTPConnection) -> SparqlEndpoint:
    return get_ctx(request).sparql


def get_transfer(request: HTTPConnection) -> TransferGraphCache:
    return get_ctx(request).transfer
