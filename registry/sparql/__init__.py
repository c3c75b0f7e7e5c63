"""The read-only SPARQL 1.1 endpoint: protocol → formats → guard → executor, behind the router
class ``routes.SparqlEndpoint``; its refusals are in ``errors``."""
