"""Browser-test fixtures: the live server (uvicorn in a thread) and the static build (http.server),
both on 127.0.0.1 with free ports, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from registry.app import create_app
from registry.catalogue.build import build_site
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore

BASE = "https://w3id.org/gdlecb/"
FIXTURE = Path(__file__).resolve().parent.parent / "site" / "fixture.ttl"
EVIL_LINKS = FIXTURE.with_name("evil-links.ttl")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError as e:
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s: {last}")


def _serve_app(store):
    import uvicorn

    port = free_port()
    app = create_app(Settings(), store=store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/context.jsonld")
    return server, thread, url


@pytest.fixture(scope="session")
def live_server(shipped_store):
    """The registry app over the shipped data, served by uvicorn in a thread."""
    server, thread, url = _serve_app(shipped_store)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def evil_links_store():
    """The test fixture plus items whose sources and homepage are javascript:/data: IRIs."""
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE, EVIL_LINKS])
    return store


@pytest.fixture(scope="session")
def evil_links_live(evil_links_store):
    server, thread, url = _serve_app(evil_links_store)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def evil_links_static(evil_links_store, tmp_path_factory):
    """A static build of ``evil_links_store``, served with the headers of its ``_headers`` file."""
    out = tmp_path_factory.mktemp("evil-links-site")
    build_site(evil_links_store, out, base_iri=BASE, workers=1)
    httpd, url = serve_folder(out, HeadersFileHandler)
    wait_until_up(url + "/index.html")
    yield url
    httpd.shutdown()


def serve_folder(folder: Path, handler_class=None):
    handler = functools.partial(handler_class or QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class HeadersFileHandler(QuietHandler):
    """Sends the headers the static build wrote into ``_headers`` (as Netlify/Cloudflare Pages do)."""

    def end_headers(self):
        lines = (Path(self.directory) / "_headers").read_text("utf-8").splitlines()[1:]
        for line in lines:
            name, value = line.strip().split(": ", 1)
            self.send_header(name, value)
        super().end_headers()


@pytest.fixture(scope="session")
def csp_static_site(static_site):
    """The static build of the shipped data again, served with its ``_headers``."""
    url, out = static_site
    httpd, url = serve_folder(out, HeadersFileHandler)
    wait_until_up(url + "/index.html")
    yield url
    httpd.shutdown()


@pytest.fixture(scope="session")
def static_site(shipped_store, tmp_path_factory):
    """``registry build-site`` output of the shipped data, served by http.server."""
    out = tmp_path_factory.mktemp("static-site")
    build_site(shipped_store, out, base_iri=BASE)
    httpd, url = serve_folder(out)
    wait_until_up(url + "/index.html")
    yield url, out
    httpd.shutdown()


@pytest.fixture(scope="session")
def evil_static_site(tmp_path_factory):
    """A static build of the test fixture, whose authors wrote markup in labels."""
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE])
    out = tmp_path_factory.mktemp("evil-site")
    build_site(store, out, base_iri=BASE, workers=1)
    httpd, url = serve_folder(out)
    wait_until_up(url + "/index.html")
    yield url, store
    httpd.shutdown()


# the session's Chromium (``browser``) is in tests/conftest.py: one Playwright per test session


class Page:
    """A page with console-error and dialog tracking."""

    def __init__(self, browser, artefacts: Path, name: str, width: int = 1280):
        self.ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.artefacts = artefacts
        self.name = name
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.shots = 0
        # Content-Security-Policy violations: the DOM event (also for reports the console omits)
        # and the console messages chromium prints for blocked resources
        self.csp: list[str] = []
        self.page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) {"
            " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber); });")
        self.page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)

    def csp_violations(self) -> list[str]:
        """Violations seen so far on the current document and in the console."""
        try:
            seen = self.page.evaluate("window.__csp || []")
        except Exception:  # the page is navigating
            seen = []
        return list(seen) + self.csp

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def shot(self, label: str) -> Path:
        self.shots += 1
        path = self.artefacts / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.ctx.close()


@pytest.fixture
def open_page(browser, artefacts):
    pages = []

    def make(name: str, width: int = 1280) -> Page:
        p = Page(browser, artefacts, name, width)
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()
