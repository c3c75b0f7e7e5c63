"""Mounting order of the route modules (catch-all IRI routes must come last)."""

from .catalogue import routes as catalogue_routes
from .sparql import routes as sparql_routes
from .transfer import routes as transfer_routes
from .workflow import routes as workflow_routes

INSTALLERS = [sparql_routes.install, workflow_routes.install, transfer_routes.install, catalogue_routes.install]
