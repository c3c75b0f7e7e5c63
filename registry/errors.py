"""The registry's errors: one family, raised by services, mapped to HTTP in one place per surface.

Every refusal or failure a person may see is a :class:`RegistryError` with a
``kind`` (what went wrong, independent of HTTP), a Chinese and an English message,
and optional ``details`` (machine-readable extras such as a validation report, the
field or the line). Services, stores, parsers and the CLI raise them; they never
raise HTTP statuses. The web layer (``registry/web.py``) maps ``kind`` to a status
and writes one body shape per surface:

* JSON API: ``{"error": {"status", "kind", "message": {"zh", "en"}, …details}}``
* SPARQL endpoint and other plain-text answers: ``中文 · English`` on one line
* HTML pages: the catalogue's error page, both languages

The CLI prints ``message(lang)`` and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class Kind:
    """What went wrong (a closed set; the web layer maps each to one HTTP status)."""

    BAD_REQUEST = "bad-request"          # malformed request (syntax of parameters, protocol misuse)
    INVALID = "invalid"                  # well-formed but unacceptable content (validation, a bad field)
    UNAUTHENTICATED = "unauthenticated"  # no or a bad token
    FORBIDDEN = "forbidden"              # authenticated, but not allowed
    NOT_FOUND = "not-found"
    NOT_ALLOWED = "method-not-allowed"
    NOT_ACCEPTABLE = "not-acceptable"    # no offered format or profile is acceptable
    CONFLICT = "conflict"                # the state does not allow it (duplicate, wrong status, unchanged)
    TOO_LARGE = "too-large"              # body, query, result or input beyond a limit
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    TOO_MANY = "too-many-requests"       # a concurrency or rate limit
    TIMEOUT = "timeout"                  # a time limit was reached
    UNAVAILABLE = "unavailable"          # a dependency (store, worker) is not available now
    UPSTREAM = "upstream"                # a remote server failed (remote store, allow-listed SERVICE)
    INTERNAL = "internal"                # a bug: never expected


#: the HTTP status of each kind (the only place that knows it)
HTTP_STATUS: dict[str, int] = {
    Kind.BAD_REQUEST: 400,
    Kind.INVALID: 422,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.NOT_ALLOWED: 405,
    Kind.NOT_ACCEPTABLE: 406,
    Kind.CONFLICT: 409,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED_MEDIA_TYPE: 415,
    Kind.TOO_MANY: 429,
    Kind.TIMEOUT: 503,
    Kind.UNAVAILABLE: 503,
    Kind.UPSTREAM: 502,
    Kind.INTERNAL: 500,
}
_KIND_OF_STATUS = {v: k for k, v in reversed(list(HTTP_STATUS.items()))}


class RegistryError(Exception):
    """A refusal or failure with a kind and a bilingual message."""

    #: default kind of the class (subclasses set their own)
    kind: str = Kind.INTERNAL

    def __init__(self, zh: str, en: str, *, kind: str | None = None, **details: Any):
        super().__init__(en)
        if kind is not None:
            self.kind = kind
        self.zh = zh
        self.en = en
        self.details = details

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def bilingual(self) -> str:
        """Both languages on one line: ``中文 · English``."""
        return f"{self.zh} · {self.en}" if self.zh and self.zh != self.en else self.en

    @property
    def status(self) -> int:
        """The HTTP status of this error's kind (for the web layer and for tests)."""
        return HTTP_STATUS[self.kind]

    @classmethod
    def with_status(cls, status: int, zh: str, en: str, **details: Any) -> "RegistryError":
        """An error of the kind that maps to ``status`` (for code that decides by a status it was given)."""
        return cls(zh, en, kind=_KIND_OF_STATUS.get(status, Kind.INTERNAL), **details)

    def __str__(self) -> str:
        return self.bilingual()


class BadRequest(RegistryError):
    kind = Kind.BAD_REQUEST


class InvalidInput(RegistryError):
    kind = Kind.INVALID


class Unauthenticated(RegistryError):
    kind = Kind.UNAUTHENTICATED


class Forbidden(RegistryError):
    kind = Kind.FORBIDDEN


class NotFound(RegistryError):
    kind = Kind.NOT_FOUND


class NotAcceptable(RegistryError):
    kind = Kind.NOT_ACCEPTABLE


class Conflict(RegistryError):
    kind = Kind.CONFLICT


class TooLarge(RegistryError):
    kind = Kind.TOO_LARGE


class UnsupportedMediaType(RegistryError):
    kind = Kind.UNSUPPORTED_MEDIA_TYPE


class TooManyRequests(RegistryError):
    kind = Kind.TOO_MANY


class TimedOut(RegistryError):
    kind = Kind.TIMEOUT


class Unavailable(RegistryError):
    kind = Kind.UNAVAILABLE


class UpstreamFailed(RegistryError):
    kind = Kind.UPSTREAM
