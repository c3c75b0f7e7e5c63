"""A request body in the same read as its head was counted as head bytes (431 for a valid POST).

Found when the issue-14 branches were merged: with uvicorn's httptools parser, the head-size cap
of ``registry serve`` (``registry/commands/serve.py``) added every chunk received while a head was
awaited — but a chunk may carry a whole request with its body, after which the parser awaits the
next head again — so any POST whose body arrived in one read with, or as the last piece of, a
request larger than 64 KiB was answered ``431 Request Header Fields Too Large``. The head is now
counted only while no head was completed within the same read. Both uvicorn protocols are checked in
process; an oversized head is still refused (tests/security/test_headers.py).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from registry.commands import serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _protocols():
    return [c for c in (serve.H11HeadDeadline, serve.HttpToolsHeadDeadline) if c is not None]


async def _echo_length(scope, receive, send):
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    answer = str(size).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


@pytest.mark.parametrize("protocol", _protocols(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("size", [70_000, 1_000_000])
def test_a_large_body_is_not_a_large_head(protocol, size):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(_echo_length, host="127.0.0.1", port=port, http=protocol,
                                           log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        body = b"x" * size
        request = (b"POST /api/validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\n"
                   b"Connection: close\r\nContent-Length: " + str(size).encode() + b"\r\n\r\n" + body)
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            s.sendall(request)  # head and body in as few reads as the kernel makes of it
            got = b""
            while chunk := s.recv(65536):
                got += chunk
        assert got.startswith(b"HTTP/1.1 200 "), got[:200]
        assert got.endswith(str(size).encode()), got[-50:]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
