"""Refusals of the SPARQL endpoint: RegistryErrors whose message is one line ``中文 · English``.

The endpoint answers every one of them as plain text with the status of its kind
(``registry/web.py``, ``errors.HTTP_STATUS``).
"""

from __future__ import annotations

from ..errors import Kind, RegistryError


class SparqlError(RegistryError):
    """``SparqlError(kind, "中文 · English")``: the message is split at its first ``" · "``.

    ``kind`` may still be an HTTP status while the query executor (Track STORE) raises
    :class:`QueryFailed` with statuses; it is then mapped to the kind of that status.
    """

    def __init__(self, kind: str | int, message: str, **details):
        zh, sep, en = message.partition(" · ")
        if not sep:
            zh = en = message
        if isinstance(kind, int):  # bridge: a status from the executor's worker protocol
            kind = RegistryError.with_status(kind, zh, en).kind
        super().__init__(zh, en, kind=kind, **details)


class ProtocolError(SparqlError):
    """The request breaks the SPARQL 1.1 Protocol (method, content type, parameters, size)."""


class FormatError(SparqlError):
    """An unknown ``format`` value (bad request) or an unsatisfiable Accept header (not acceptable)."""


class QueryRefused(SparqlError):
    """The query is refused before it runs (nesting, updates, SERVICE outside the allow-list)."""


class QueryFailed(SparqlError):
    """The query did not produce an answer (syntax, size caps, time limit, worker lost)."""


__all__ = ["Kind", "SparqlError", "ProtocolError", "FormatError", "QueryRefused", "QueryFailed"]
