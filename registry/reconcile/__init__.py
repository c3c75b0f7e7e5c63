"""W3C Entity Reconciliation Service API (the protocol OpenRefine speaks) at ``/reconcile``.

``service.py`` scores candidates from the catalogue's search index (registry/catalogue/search.py);
``routes.py`` is the module-level router (manifest, batch queries, preview, suggest) mounted by
``create_app`` before the catalogue's IRI catch-all. See docs/reconcile.md.
"""
