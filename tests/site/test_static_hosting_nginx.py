"""The static site through Debian's nginx with the generated ``_nginx.conf`` (docs/deployment.md):
extensionless IRIs, Accept negotiation, ``?_profile=`` / ``Accept-Profile`` onto the profile files,
the other language under ``en/``, a bilingual 400 for an unknown profile and a 404 for a missing IRI.
nginx runs as a non-daemon on a free loopback port with its own prefix, pid and log files."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pyoxigraph as ox
import pytest

from registry.catalogue.build import build_site
from registry.profiles import PROFILES

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BASE = "https://w3id.org/gdlecb/"
UNIT = "/unit/ICT-SD-301"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nginx(site_store, tmp_path_factory):
    root = tmp_path_factory.mktemp("nginx")
    out = root / "site"
    build_site(site_store, out, base_iri=BASE, workers=1, profiles=("cb", "skos", "elm", "ctdl"))
    port = _free_port()
    (root / "logs").mkdir()
    conf = root / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp-body;
    proxy_temp_path {root}/tmp-proxy;
    fastcgi_temp_path {root}/tmp-fcgi;
    uwsgi_temp_path {root}/tmp-uwsgi;
    scgi_temp_path {root}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {out};
        include {out}/_nginx.conf;
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(conf)], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("nginx did not start: " + proc.stderr.read().decode())
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


def get(url: str, **headers) -> tuple[int, str, bytes, dict]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("content-type", "").split(";")[0], r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, (e.headers.get("content-type") or "").split(";")[0], e.read(), dict(e.headers)


def _subjects(body: bytes, fmt) -> set[str]:
    return {t.subject.value for t in ox.parse(body, format=fmt) if isinstance(t.subject, ox.NamedNode)}


def test_extensionless_iri_gives_the_html_page(nginx):
    status, ct, body, headers = get(nginx + UNIT, Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert (status, ct) == (200, "text/html")
    assert b"ICT-SD-301" in body and b'<html lang="zh' in body
    assert "Accept" in headers.get("Vary", "")


def test_accept_turtle_and_json_ld(nginx):
    status, ct, body, _ = get(nginx + UNIT, Accept="text/turtle")
    assert (status, ct) == (200, "text/turtle")
    assert BASE + "unit/ICT-SD-301" in _subjects(body, ox.RdfFormat.TURTLE)
    status, ct, body, _ = get(nginx + UNIT, Accept="application/ld+json")
    assert (status, ct) == (200, "application/ld+json")
    doc = json.loads(body)
    assert BASE + "unit/ICT-SD-301" in {n.get("@id") for n in doc.get("@graph", [doc])}
    assert get(nginx + UNIT + ".nt")[1] == "application/n-triples"


def test_profile_by_query_and_by_accept_profile(nginx):
    cb = get(nginx + UNIT, Accept="text/turtle")[2]
    status, ct, skos, _ = get(nginx + UNIT + "?_profile=skos", Accept="text/turtle")
    assert (status, ct) == (200, "text/turtle") and skos != cb
    assert b"skos:Concept" in skos or b"core#Concept" in skos
    by_header = get(nginx + UNIT, Accept="text/turtle", **{"Accept-Profile": f"<{PROFILES['skos'].iri}>"})[2]
    assert by_header == skos
    status, ct, body, _ = get(nginx + UNIT + "?_profile=ctdl", Accept="application/ld+json")
    assert (status, ct) == (200, "application/ld+json")
    assert "credentialengine" in json.dumps(json.loads(body)["@context"]) or "ceterms" in body.decode()
    assert get(nginx + UNIT + "?_profile=cb", Accept="text/turtle")[2] == cb


def test_unknown_profile_is_a_bilingual_400(nginx):
    status, _, body, _ = get(nginx + UNIT + "?_profile=nope", Accept="text/turtle")
    assert status == 400
    text = body.decode("utf-8")
    assert "unknown profile" in text and "未知" in text


def test_english_page_and_missing_iri(nginx):
    status, ct, body, _ = get(nginx + "/en" + UNIT, Accept="text/html")
    assert (status, ct) == (200, "text/html") and b'<html lang="en"' in body
    assert get(nginx + "/", Accept="text/html")[0] == 200
    status, _, body, _ = get(nginx + "/unit/NO-SUCH-UNIT", Accept="text/html")
    assert status == 404
    assert get(nginx + "/unit/NO-SUCH-UNIT", Accept="text/turtle")[0] == 404
