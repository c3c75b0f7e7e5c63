"""The registry's editorial workflow: submissions, review, immutable versions, the change
feed and the outbox that keeps the RDF store equal to the latest accepted versions.

:mod:`.service` (the lifecycle), :mod:`.state` (the private SQLite state and its
repository methods), :mod:`.checks` (what a submission goes through), :mod:`.versions`,
:mod:`.feed`, :mod:`.loads` (versions of bulk loads), :mod:`.auth`, :mod:`.csvconv`;
HTTP in :mod:`.routes` and :mod:`.render`.
"""
