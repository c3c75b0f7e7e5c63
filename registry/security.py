"""Security headers: the Content-Security-Policy and the other headers every response carries.

Used by the live server (:class:`SecurityHeaders`, installed outermost by ``registry/app.py``) and by
the static build (``_headers`` and the nginx/Apache rules of ``registry build-site``), so both send the
same policy.
"""

from __future__ import annotations

import base64
import hashlib
import re

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
