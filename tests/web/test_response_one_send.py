"""A response's head and the start of its body leave the server as one write (``serve._HeadWithBody``).

uvicorn's httptools protocol writes the status line + headers and then the body as two transport
writes; the registry's protocol wrapper hands each response cycle a transport that holds the head
until the first body piece. These tests check that nothing a client relies on changes: plain,
streamed, empty, HEAD, ``Expect: 100-continue`` and error answers on a real uvicorn server with
the registry's protocol, and the exact writes on a recording transport.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from registry.commands import serve



class Recorder:
    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data):
        self.writes.append(bytes(data))

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 1) if name == "peername" else default


def test_head_is_held_for_the_body():
    rec = Recorder()
    t = serve._HeadWithBody(rec)
    t.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert rec.writes == []
    t.write(b"body")
    t.write(b"more")
    assert rec.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"more"]
    assert t.get_extra_info("peername") == ("127.0.0.1", 1)


def test_continue_goes_out_at_once_and_close_releases_a_held_head():
    rec = Recorder()
    t = serve._HeadWithBody(rec)
    t.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert rec.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    t.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n")
    t.close()
    assert rec.writes[1].startswith(b"HTTP/1.1 500 ") and rec.closed


@pytest.fixture(scope="module")
def server_port():
    import uvicorn

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/echo":  # reads the body (Expect: 100-continue makes uvicorn send 100 first)
            body = b""
            while True:
                m = await receive()
                body += m.get("body", b"")
                if not m.get("more_body"):
                    break
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
        elif path == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for i in range(3):
                await send({"type": "http.response.body", "body": b"part%d;" % i, "more_body": True})
                await asyncio.sleep(0.05)
            await send({"type": "http.response.body", "body": b""})
        elif path == "/empty":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
        elif path == "/boom":
            raise RuntimeError("fails before answering")
        else:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"2"), (b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"ok"})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=serve.HttpToolsHeadDeadline,
                                           log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _exchange(port, request: bytes, *, until: bytes, wait_first: float | None = None) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        if wait_first is None:
            s.sendall(request)
        else:  # send the head, wait for "100 Continue" before the body
            head, body = request.split(b"\r\n\r\n", 1)
            s.sendall(head + b"\r\n\r\n")
            first = s.recv(65536)
            assert first.startswith(b"HTTP/1.1 100 Continue"), first
            s.sendall(body)
            got = first
        got = b"" if wait_first is None else got
        while until not in got:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def test_plain_answer_and_keep_alive(server_port):
    with socket.create_connection(("127.0.0.1", server_port), timeout=5) as s:
        for _ in range(3):  # the same connection: one held head per response
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            got = b""
            while not got.endswith(b"ok"):
                got += s.recv(65536)
            assert got.startswith(b"HTTP/1.1 200 OK") and b"content-type: text/plain" in got


def test_streamed_empty_head_and_error_answers(server_port):
    got = _exchange(server_port, b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", until=b"0\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 200 ") and b"part0;" in got and b"part2;" in got
    got = _exchange(server_port, b"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n", until=b"\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 204 ")
    got = _exchange(server_port, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", until=b"\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 200 ") and got.endswith(b"\r\n\r\n")
    got = _exchange(server_port, b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n", until=b"Internal Server Error")
    assert got.startswith(b"HTTP/1.1 500 ")


def test_expect_continue_is_not_held(server_port):
    request = (b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
    got = _exchange(server_port, request, until=b"hello", wait_first=2.0)
    assert b"HTTP/1.1 200 " in got and got.endswith(b"hello")
