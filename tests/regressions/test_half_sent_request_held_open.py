"""Issue 14, defect 4: uvicorn kept half-sent requests open indefinitely.

Reproduction: ``printf 'GET / HT' | nc 127.0.0.1 8000`` stayed connected for ever (uvicorn only
times out idle kept-alive connections, not a request head being read; many such sockets exhaust
the server's file descriptors: slowloris). Fixed: ``registry serve`` runs uvicorn with a protocol
that gives the request head a deadline (``--header-timeout``, env ``REGISTRY_HEADER_TIMEOUT``), then
answers 408 and closes. Against a real ``registry serve``; more cases in tests/security/test_headers.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def test_half_request_line_is_closed_in_time(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--store", str(tmp_path / "store"),
                             "--port", str(port), "--header-timeout", "1.5"],
                            env=dict(os.environ, REGISTRY_SPARQL_WORKERS="1"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/context.jsonld", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "registry serve did not start"
                time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port)) as c:
            c.sendall(b"GET / HT")
            start = time.monotonic()
            c.settimeout(15)
            got = b""
            while chunk := c.recv(4096):
                got += chunk
            took = time.monotonic() - start
        assert 1.2 <= took <= 4.5, took
        assert got.startswith(b"HTTP/1.1 408 ")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
