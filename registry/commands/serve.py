"""``registry serve``: the web application (catalogue, workflow API, SPARQL endpoint) under uvicorn.

Connection limits (issue 14, defect 4). uvicorn bounds an idle keep-alive connection
(``timeout_keep_alive``) but has no time limit for reading a request head: a client that opens a
connection and sends half a request line (or trickles headers a byte at a time) holds it, and its
file descriptor, forever. ``HEAD_PROTOCOLS`` wrap uvicorn's two HTTP protocols with a deadline:
the request line and headers must arrive within ``--header-timeout`` seconds of the connection
opening (or of the first byte of the next request on a kept-alive connection), else the server
answers 408 (when something was sent) and closes. The head's size is capped too (h11 does this
itself, at ``h11_max_incomplete_event_size``; httptools does not, so the wrapper counts).
``--limit-concurrency`` caps connections plus running requests per process (over it: 503), and
``timeout_graceful_shutdown`` keeps a stop from waiting on slow clients forever.
"""

from __future__ import annotations

import os
from functools import lru_cache

import click

from ..config import Settings

#: the largest request head (request line + headers) accepted, bytes; larger gets 431
MAX_HEAD_BYTES = 64 * 1024
HEADER_TIMEOUT_ENV = "REGISTRY_HEADER_TIMEOUT"
DEFAULT_HEADER_TIMEOUT = 10.0
_408_BODY = "请求头未在时限内收到 · request headers not received in time\n".encode("utf-8")
_431_BODY = "请求头过大 · request headers too large\n".encode("utf-8")


@lru_cache(maxsize=1)
def head_timeout_seconds() -> float:
    """Seconds a client has to send a request head (env ``REGISTRY_HEADER_TIMEOUT``; each server
    process reads it once: ``serve`` sets it for its worker processes)."""
    try:
        value = float(os.environ.get(HEADER_TIMEOUT_ENV, DEFAULT_HEADER_TIMEOUT))
    except ValueError:
        value = DEFAULT_HEADER_TIMEOUT
    return value if value > 0 else DEFAULT_HEADER_TIMEOUT


def _refusal(status: bytes, body: bytes) -> bytes:
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n\r\n" + body)


class _HeadDeadline:
    """Mixin for a uvicorn HTTP protocol: a request head must arrive within ``head_timeout_seconds()``.

    The deadline is armed when the connection opens and when the first bytes of a new request
    arrive; it is an absolute deadline (a client trickling bytes does not extend it) and it is
    disarmed once the head is complete. It never cuts a response that is being written."""

    _head_timer = None
    _head_bytes = 0
    #: heads and requests completed on this connection (a protocol whose "awaiting a head" state
    #: returns to true within one read — httptools after a complete request — counts them, see
    #: data_received)
    _head_resets = 0

    def _head_pending(self) -> bool:  # pragma: no cover - defined by each protocol below
        raise NotImplementedError

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_head()

    def connection_lost(self, exc) -> None:
        self._disarm_head()
        super().connection_lost(exc)

    def _arm_head(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(head_timeout_seconds(), self._head_timed_out)

    def _disarm_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def data_received(self, data: bytes) -> None:
        if self._head_pending():
            self._arm_head()
        heads_before = self._head_resets
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._head_pending():
            if self._head_resets != heads_before:
                # this chunk ended a head or a request (maybe with a body and the start of the next
                # head): the bytes of the next head in it are not counted (at most one read's worth)
                self._head_bytes = 0
            else:
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._refuse(b"431 Request Header Fields Too Large", _431_BODY)
        else:
            self._head_bytes = 0
            self._disarm_head()

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._head_pending():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm_head()  # a response is being written: decide after it
            return
        if self._head_bytes or self._partial_head():
            self._refuse(b"408 Request Timeout", _408_BODY)
        else:
            self.transport.close()

    def _partial_head(self) -> bool:
        return False

    def _refuse(self, status: bytes, body: bytes) -> None:
        self._disarm_head()
        self.transport.write(_refusal(status, body))
        self.transport.close()


class _HeadWithBody:
    """The transport a uvicorn response cycle writes to: its first write (the response head) is held
    and sent together with the next one (the first piece of the body), as one ``send``.

    uvicorn writes a response's status line and headers, then its body, as two writes: two system
    calls and two packets for every small answer (a SPARQL point lookup, a cached answer). Holding
    the head costs nothing a client can see, since it cannot act on a head without the body that
    always follows it (the ASGI protocol requires a body message, possibly empty; HEAD answers, which
    uvicorn sends without a body write, are not wrapped). Everything else
    (``close``, ``is_closing``, flow control, extra info) is the real transport's; ``close`` and
    ``abort`` send a held head first, so an error answer is never lost.
    """

    __slots__ = ("_transport", "_head", "_first")

    def __init__(self, transport) -> None:
        self._transport = transport
        self._head = None
        self._first = True

    def write(self, data) -> None:
        if self._first:
            if data[:13] == b"HTTP/1.1 100 ":  # "100 Continue" goes out at once: the client waits for it
                self._transport.write(data)
                return
            self._first = False
            self._head = bytes(data)
            return
        head = self._head
        if head is not None:
            self._head = None
            data = head + data
        self._transport.write(data)

    def _release(self) -> None:
        head, self._head = self._head, None
        if head is not None and not self._transport.is_closing():
            self._transport.write(head)

    def close(self) -> None:
        self._release()
        self._transport.close()

    def abort(self) -> None:
        self._head = None
        self._transport.abort()

    def __getattr__(self, name):
        return getattr(self._transport, name)


def _protocols():
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class H11HeadDeadline(_HeadDeadline, H11Protocol):
        """uvicorn's h11 protocol with a request-head deadline."""

        def _head_pending(self) -> bool:
            import h11

            return self.conn.their_state is h11.IDLE

        def _partial_head(self) -> bool:
            return bool(self.conn.trailing_data[0])

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # a pipelined, still partial next request was parsed from the buffer, not data_received
            if not self.transport.is_closing() and self._head_pending() and self._partial_head():
                self._arm_head()

    out = {"h11": H11HeadDeadline}
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools not installed
        return out

    class HttpToolsHeadDeadline(_HeadDeadline, HttpToolsProtocol):
        """uvicorn's httptools protocol with a request-head deadline and a head-size cap."""

        _awaiting_head = True
        _head_begun = False  # the parser has seen the first bytes of the awaited head

        def _head_pending(self) -> bool:
            return self._awaiting_head

        def _partial_head(self) -> bool:
            return self._head_begun

        def on_message_begin(self) -> None:
            self._awaiting_head = True
            self._head_begun = True
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._awaiting_head = False
            self._head_begun = False
            self._head_resets += 1
            super().on_headers_complete()
            cycle = self.cycle
            # head + body in one send (not for HEAD: uvicorn writes no body for it, so nothing would follow)
            if cycle is not None and cycle.transport is self.transport and cycle.scope["method"] != "HEAD":
                cycle.transport = _HeadWithBody(self.transport)

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._awaiting_head = True  # the next bytes start the next request
            self._head_resets += 1

    out["httptools"] = HttpToolsHeadDeadline
    return out


_PROTOCOLS = _protocols()
H11HeadDeadline = _PROTOCOLS["h11"]
HttpToolsHeadDeadline = _PROTOCOLS.get("httptools")


def http_protocol() -> str:
    """uvicorn's ``http`` setting: our wrapper of httptools when it is installed, else of h11."""
    return __name__ + (":HttpToolsHeadDeadline" if HttpToolsHeadDeadline is not None else ":H11HeadDeadline")


@click.command("serve")
@click.option("--store", "store_spec", default=None,
              help="Store folder or sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]] (env REGISTRY_STORE; default ./registry-data).")
@click.option("--host", default=None, help="Interface to listen on (env REGISTRY_HOST; default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (env REGISTRY_PORT; default 8000).")
@click.option("--workers", type=int, default=None,
              help="Server processes (env REGISTRY_WORKERS; default 1). Each has its own SPARQL query workers.")
@click.option("--sparql-timeout", type=float, default=None, help="Per-query time limit in seconds (env REGISTRY_SPARQL_TIMEOUT).")
@click.option("--dev", is_flag=True, default=None, help="Development mode (see the workflow docs: prints a local admin token).")
@click.option("--header-timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_HEADER_TIMEOUT,
              envvar=HEADER_TIMEOUT_ENV, show_default=True,
              help="Seconds a client has to send a request line and headers; then 408 and close (env REGISTRY_HEADER_TIMEOUT).")
@click.option("--keep-alive-timeout", type=click.IntRange(min=1), default=5, envvar="REGISTRY_KEEP_ALIVE_TIMEOUT",
              show_default=True, help="Seconds an idle kept-alive connection stays open (env REGISTRY_KEEP_ALIVE_TIMEOUT).")
@click.option("--limit-concurrency", type=click.IntRange(min=1), default=1000, envvar="REGISTRY_LIMIT_CONCURRENCY",
              show_default=True,
              help="Connections plus running requests per server process; more get 503 (env REGISTRY_LIMIT_CONCURRENCY).")
@click.option("--log-level", default="warning", show_default=True)
def serve_command(store_spec, host, port, workers, sparql_timeout, dev, header_timeout, keep_alive_timeout,
                  limit_concurrency, log_level) -> None:
    """Serve the registry: catalogue, workflow API and the SPARQL endpoint at /sparql. 启动注册库服务。

    Settings come from the options above and REGISTRY_* environment variables (options win).
    """
    import uvicorn

    overrides = {k: v for k, v in dict(store=store_spec, host=host, port=port, workers=workers,
                                        sparql_timeout=sparql_timeout, dev=dev).items() if v is not None}
    settings = Settings(**overrides)
    # worker processes build their app from the environment: pass the CLI choices on that way
    for key, value in overrides.items():
        os.environ["REGISTRY_" + key.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    os.environ[HEADER_TIMEOUT_ENV] = str(header_timeout)
    head_timeout_seconds.cache_clear()
    if not settings.is_remote():
        from ..store import StoreError
        from ..store.embedded import EmbeddedStore

        try:  # create the store folder once, before the server processes open it
            EmbeddedStore(settings.store).close()
        except StoreError as e:
            raise click.ClickException(str(e))
    click.echo(f"registry: serving {settings.store} on http://{settings.host}:{settings.port}/ "
               f"(SPARQL: /sparql, {settings.workers} process(es))", err=True)
    uvicorn.run("registry.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level=log_level, access_log=False, lifespan="on",
                http=http_protocol(), timeout_keep_alive=keep_alive_timeout, limit_concurrency=limit_concurrency,
                h11_max_incomplete_event_size=16 * 1024, timeout_graceful_shutdown=30)


commands = [serve_command]
