"""Issue 14, defect 1, against a REAL ``registry serve`` process: one anonymous request with a
deeply nested body must not kill the server.

Reproduction: ``n=5000; b'{"@id":"https://w3id.org/gdlecb/unit/X","http://x/p":'*n + b'1' + b'}'*n``
sent to ``POST /api/validate`` as ``application/ld+json`` segfaulted uvicorn (pyoxigraph's JSON-LD
parser recursing once per object). Turtle ``[`` ×5000 and ``(`` ×5000 are refused the same way.
A second server runs with the limit switched off (``REGISTRY_MAX_NESTING_DEPTH=0``) to show the
second line of defence: the parser crashes in its worker process, the request gets a 422 and the
server goes on answering.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from servers import free_port  # noqa: E402

SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
N = 5000
JSONLD = b'{"@id":"https://w3id.org/gdlecb/unit/X","http://x/p":' * N + b"1" + b"}" * N
TTL_BNODES = b"<https://w3id.org/gdlecb/unit/X> <http://x/p> " + b"[ <http://x/p> " * N + b"1" + b" ]" * N + b" .\n"
TTL_LISTS = b"<https://w3id.org/gdlecb/unit/X> <http://x/p> " + b"( " * N + b"1" + b" )" * N + b" .\n"


def _serve(tmp: Path, env: dict):
    store = tmp / "store"
    subprocess.run([sys.executable, "-m", "registry.cli", "load", "--no-validate", "--store", str(store),
                    *map(str, SHIPPED)], check=True, capture_output=True, timeout=300, cwd=ROOT)
    port = free_port()
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--store", str(store), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url + "/api/changes", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    if proc.poll() is not None:
        raise AssertionError("registry serve exited:\n" + (tmp / "serve.log").read_text())
    return proc, url, log


@pytest.fixture(scope="module", params=["limit", "no-limit"])
def server(request, tmp_path_factory):
    env = {} if request.param == "limit" else {"REGISTRY_MAX_NESTING_DEPTH": "0"}
    proc, url, log = _serve(tmp_path_factory.mktemp(request.param), env)
    try:
        yield {"url": url, "proc": proc, "mode": request.param}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _alive(server) -> None:
    assert server["proc"].poll() is None, "the server process died"
    r = httpx.get(server["url"] + "/api/changes", timeout=10)
    assert r.status_code == 200
    ok = httpx.post(server["url"] + "/api/validate", timeout=60, headers={"Content-Type": "application/ld+json"},
                    content=b'{"@id":"https://w3id.org/gdlecb/unit/X","http://x/p":1}')
    assert ok.status_code == 422 and "syntax" not in ok.text  # parsed; refused only by the shapes


@pytest.mark.parametrize("body,ctype", [(JSONLD, "application/ld+json"), (TTL_BNODES, "text/turtle"),
                                        (TTL_LISTS, "text/turtle")], ids=["jsonld-objects", "turtle-[", "turtle-("])
def test_deep_body_is_refused_and_the_server_survives(server, body, ctype):
    r = httpx.post(server["url"] + "/api/validate", content=body, headers={"Content-Type": ctype}, timeout=120)
    assert 400 <= r.status_code < 500, r.text[:500]
    text = r.text
    if server["mode"] == "limit":
        assert r.status_code == 422
        # bilingual, with the position of the first opener past the limit (line 1 here)
        assert "嵌套层数超过上限 64" in text and "nested deeper than the limit of 64 levels" in text
        assert "submission:1:" in text
    elif ctype == "application/ld+json":
        # no limit: pyoxigraph's JSON-LD parser overflows its stack, in the worker process only
        assert r.status_code == 422 and "parsing process stopped abnormally" in text and "解析进程异常终止" in text
    _alive(server)
