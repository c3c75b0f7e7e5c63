"""Response headers and connection limits (issue 14, defects 2, 3 and 4).

* defect 2: every response of the app (catalogue, API, SPARQL fast path, files, errors) carries a
  strict Content-Security-Policy, X-Content-Type-Options, X-Frame-Options and Referrer-Policy, and
  no page needs inline script or style to work under it; the static build writes ``_headers``.
* defect 3: the change feed's ``Link: rel="next"`` and the Atom feed's links come from the
  configured public URL, never from a forged ``Host`` header.
* defect 4: a real ``registry serve`` closes a connection whose request head does not arrive in
  time (half a request line, nothing at all, or headers trickled byte by byte).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from xml.etree import ElementTree as ET

import asyncrun
import httpx
import pytest

from registry.app import create_app
from registry.catalogue.build import build_site
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.workflow.state import StateDB

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "site" / "fixture.ttl"
BASE = "https://w3id.org/gdlecb/"
HTML = {"Accept": "text/html"}


def _test_client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app)


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_strict(headers, where: str) -> None:
    csp = headers.get("content-security-policy")
    assert csp, f"{where}: no Content-Security-Policy"
    d = csp_directives(csp)
    assert d["default-src"] == ["'none'"], where
    assert d["script-src"] == ["'self'"], where  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert d["style-src"] == ["'self'"], where
    assert d["frame-ancestors"] == ["'none'"] and d["base-uri"] == ["'none'"], where
    assert d["object-src"] == ["'none'"] and d["form-action"] == ["'self'"], where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") == "no-referrer", where


@pytest.fixture(scope="module")
def store():
    s = EmbeddedStore(None)
    load_files(s, [FIXTURE])
    return s


@pytest.fixture(scope="module")
def client(store, tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    return _test_client(create_app(Settings(state_dir=str(state), sparql_workers=1), store=store))


# --- defect 2: security headers ----------------------------------------------------------------

ASK = "ASK { ?s ?p ?o }"


@pytest.mark.parametrize("method,path,kw", [
    ("GET", "/", {"headers": HTML}),
    ("GET", "/unit/ICT-SD-301", {"headers": HTML}),
    ("GET", "/unit/ICT-SD-301.ttl", {}),
    ("GET", "/unit/ICT-SD-301", {"headers": {"Accept": "application/ld+json"}}),
    ("GET", "/standards?lang=en", {}),
    ("GET", "/search?q=ICT", {}),
    ("GET", "/def", {"headers": HTML}),
    ("GET", "/shapes", {"headers": HTML}),
    ("GET", "/static/site.css", {}),
    ("GET", "/context.jsonld", {}),
    ("GET", "/no/such/page", {"headers": HTML}),
    ("GET", "/api/search?q=ICT", {}),
    ("GET", "/api/changes", {}),
    ("GET", "/api/changes.atom", {}),
    ("GET", "/api/submissions", {}),  # 401
    ("GET", "/sparql", {"headers": HTML}),  # the query page
    ("GET", "/sparql", {"params": {"query": ASK}}),  # the SPARQL fast path
    ("POST", "/sparql", {"data": {"query": ASK}}),
    ("POST", "/sparql", {"content": ASK, "headers": {"Content-Type": "application/sparql-query"}}),
    ("GET", "/sparql", {"params": {"query": "SELEKT nonsense"}}),  # 400 from the fast path
    ("GET", "/.well-known/void", {}),
    ("HEAD", "/unit/ICT-SD-301", {}),
    ("GET", "/openapi.json", {}),
])
def test_every_response_carries_the_security_headers(client, method, path, kw):
    r = client.request(method, path, **kw)
    assert r.status_code < 500, r.text
    assert_strict(r.headers, f"{method} {path} -> {r.status_code}")


def test_headers_are_added_once_and_an_explicit_header_is_kept():
    from registry.app import SecurityHeaders

    sent = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"x-frame-options", b"SAMEORIGIN")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncrun.run(lambda: SecurityHeaders(app)({"type": "http", "path": "/x"}, receive, send))
    names = [k for k, _ in sent[0]["headers"]]
    assert names.count(b"x-frame-options") == 1 and dict(sent[0]["headers"])[b"x-frame-options"] == b"SAMEORIGIN"
    assert names.count(b"content-security-policy") == 1 and sent[1]["body"] == b"ok"


def test_api_docs_get_a_policy_with_the_hashes_of_their_inline_scripts(client):
    import base64
    import hashlib

    r = client.get("/docs")
    assert r.status_code == 200
    d = csp_directives(r.headers["content-security-policy"])
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    assert scripts
    for s in scripts:
        digest = base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in d["script-src"]
    assert "'unsafe-inline'" not in d["script-src"] and d["frame-ancestors"] == ["'none'"]


TEMPLATES = [ROOT / "site" / "templates", ROOT / "registry" / "sparql" / "templates"]


def test_no_template_has_inline_script_style_or_handlers():
    files = [f for d in TEMPLATES for f in d.rglob("*.html")]
    assert len(files) > 20
    for f in files:
        text = f.read_text("utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text):
            attrs = m.group(1)
            assert "src=" in attrs or 'type="application/ld+json"' in attrs, f"{f}: inline script"
        assert "<style" not in text, f"{f}: inline style element"
        assert not re.search(r"\sstyle=", text), f"{f}: style attribute"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{f}: event handler attribute"
        assert "javascript:" not in text.lower(), f


@pytest.mark.parametrize("path", ["/", "/unit/ICT-SD-301", "/framework/gdleqf", "/framework/gdleqf/level/3",
                                  "/standards", "/search?q=ICT", "/sparql", "/def", "/shapes"])
def test_rendered_pages_have_no_inline_script_or_style(client, path):
    html = client.get(path, headers=HTML).text
    for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in m.group(1) or 'type="application/ld+json"' in m.group(1), f"{path}: {m.group(0)[:80]}"
    assert "<style" not in html and not re.search(r"<[^>]+\sstyle=", html), path


def test_static_build_writes_the_headers_file(store, tmp_path):
    from registry.app import SECURITY_HEADERS

    build_site(store, tmp_path, base_iri=BASE, workers=1)
    lines = (tmp_path / "_headers").read_text("utf-8").splitlines()
    assert lines[0] == "/*"
    written = dict(line.strip().split(": ", 1) for line in lines[1:])
    assert written == SECURITY_HEADERS
    assert_strict({k.lower(): v for k, v in written.items()}, "_headers")
    assert (tmp_path / "static" / "sparql.js").exists()  # the query page's script is a file


# --- defect 3: absolute links never come from the Host header ---------------------------------

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil2.example"}


@pytest.fixture
def feed_client(store, tmp_path):
    db = StateDB(tmp_path / "state")
    with db.write() as c:
        for i in range(3):
            c.execute("INSERT INTO events (time, type, item, version, status, org_id, org_iri) VALUES (?,?,?,?,?,?,?)",
                      (f"2026-11-0{i + 1}T00:00:00Z", "create", BASE + f"unit/ICT-SD-30{i}", 1, "stable", "gdou",
                       BASE + "org/gdou"))
    db.close()

    def make(**settings):
        return _test_client(create_app(Settings(state_dir=str(tmp_path / "state"), **settings), store=store))

    return make


def test_change_feed_next_link_uses_the_public_url(feed_client):
    client = feed_client(public_url="https://registry.example.org/")
    r = client.get("/api/changes?limit=2", headers=FORGED)
    assert r.status_code == 200
    assert r.links["next"]["url"] == "https://registry.example.org/api/changes?since=2&limit=2"
    assert r.json()["next"] == r.links["next"]["url"]
    assert "evil" not in r.text and "evil" not in str(r.headers)


def test_change_feed_default_base_is_the_configured_host_and_port(feed_client):
    client = feed_client(host="0.0.0.0", port=8123)
    r = client.get("/api/changes?limit=1", headers=FORGED)
    assert r.links["next"]["url"] == "http://127.0.0.1:8123/api/changes?since=1&limit=1"


def test_atom_feed_links_use_the_public_url(feed_client):
    client = feed_client(public_url="https://registry.example.org")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for params in ({}, {"since": "1", "limit": "1"}):
        r = client.get("/api/changes.atom", params=params, headers=FORGED)
        assert r.status_code == 200
        assert b"evil" not in r.content and "evil" not in str(r.headers)
        feed = ET.fromstring(r.content)
        self_link = feed.find("a:link[@rel='self']", ns).get("href")
        assert self_link.startswith("https://registry.example.org/api/changes.atom")
        assert feed.find("a:id", ns).text == self_link
        if params:
            assert self_link == "https://registry.example.org/api/changes.atom?since=1&limit=1"
            nxt = feed.find("a:link[@rel='next']", ns).get("href")
            assert nxt == "https://registry.example.org/api/changes.atom?since=2&limit=1"
            assert r.links["next"]["url"] == nxt


# --- defect 4: a real `registry serve` bounds the time to send a request head -----------------

HEAD_TIMEOUT = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = dict(os.environ, REGISTRY_SPARQL_WORKERS="1", REGISTRY_STATE_DIR=str(folder / "state"))
    log = open(folder / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--store", str(folder / "store"),
                             "--port", str(port), "--header-timeout", str(HEAD_TIMEOUT), "--keep-alive-timeout", "2"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/context.jsonld", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail("registry serve did not start:\n" + (folder / "serve.log").read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def _until_closed(sock: socket.socket, limit: float = 10) -> tuple[float, bytes]:
    """Read until the server closes; (seconds it took, what it sent)."""
    start = time.monotonic()
    sock.settimeout(limit)
    got = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        got += chunk
    return time.monotonic() - start, got


@pytest.mark.parametrize("half", [b"GET /sparql HT", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/"])
def test_half_sent_request_is_answered_408_and_closed(real_server, half):
    with socket.create_connection(("127.0.0.1", real_server)) as s:
        s.sendall(half)
        took, got = _until_closed(s)
    assert HEAD_TIMEOUT * 0.8 <= took <= HEAD_TIMEOUT + 2.5, took
    assert got.startswith(b"HTTP/1.1 408 "), got[:100]
    assert "请求头".encode() in got and b"request headers not received in time" in got


def test_silent_connection_is_closed(real_server):
    with socket.create_connection(("127.0.0.1", real_server)) as s:
        took, got = _until_closed(s)
    assert took <= HEAD_TIMEOUT + 2.5 and got == b""


def test_trickled_headers_do_not_extend_the_deadline(real_server):
    with socket.create_connection(("127.0.0.1", real_server)) as s:
        start = time.monotonic()
        closed = False
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
            try:
                s.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            s.settimeout(0.2)
            try:
                data = s.recv(4096)
                closed = True
                assert data == b"" or data.startswith(b"HTTP/1.1 408 ")
                break
            except socket.timeout:
                pass
            if time.monotonic() - start > HEAD_TIMEOUT + 5:
                break
        took = time.monotonic() - start
    assert closed and took <= HEAD_TIMEOUT + 2.5, took


def test_complete_requests_still_work_and_keep_alive_then_half_request_is_closed(real_server):
    with socket.create_connection(("127.0.0.1", real_server)) as s:
        s.sendall(b"GET /context.jsonld HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        s.settimeout(5)
        first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        assert b"content-security-policy: default-src 'none'" in first.lower()
        time.sleep(0.5)  # well inside the keep-alive time: the connection is still open
        s.sendall(b"GET /context.json")  # then half of the next request
        took, got = _until_closed(s)
    assert took <= HEAD_TIMEOUT + 2.5
    assert b"HTTP/1.1 408 " in got


def test_oversized_head_is_refused_at_once(real_server):
    with socket.create_connection(("127.0.0.1", real_server)) as s:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000)
        except OSError:
            pass
        took, got = _until_closed(s)
    assert took < HEAD_TIMEOUT * 0.8, took  # refused for its size, not for its time
    assert got.startswith((b"HTTP/1.1 431 ", b"HTTP/1.1 400 ")), got[:80]


def _protocol_classes():
    from registry.commands import serve

    return [c for c in (serve.H11HeadDeadline, serve.HttpToolsHeadDeadline) if c is not None]


@pytest.mark.parametrize("protocol", _protocol_classes(), ids=lambda c: c.__name__)
def test_both_uvicorn_protocols_keep_the_deadline(protocol, monkeypatch):
    """The same deadline with h11 and with httptools (whichever uvicorn would pick), in process."""
    import threading

    import uvicorn

    from registry.commands import serve

    monkeypatch.setenv(serve.HEADER_TIMEOUT_ENV, "0.8")
    serve.head_timeout_seconds.cache_clear()

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=protocol, log_level="error",
                                           lifespan="off", timeout_keep_alive=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        cases = [(b"GET / HT", 0.8, 1), (b"", 0.8, 0),
                 (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HT", 0.8, 2)]  # answered, then a partial pipelined one
        for data, expected, answers in cases:
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(data)
                took, got = _until_closed(s)
            assert expected * 0.8 <= took <= expected + 2, (data, took)
            assert got.count(b"HTTP/1.1 ") == answers, (data, got)
            if data:
                assert b"HTTP/1.1 408 " in got
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        serve.head_timeout_seconds.cache_clear()
