"""Done when: with the CLI against a running server (``registry serve`` on a free
loopback port), an author goes from a Turtle file and from a CSV file to published
units that appear in SPARQL, the catalogue, search and the change feed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import BASE, DATA, ROOT, SHIPPED

sys.path.insert(0, str(ROOT / "tests"))
from servers import free_port  # noqa: E402  (tests/servers.py: shared loopback helpers)


def cli(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "registry.cli", *args], capture_output=True, text=True,
                       timeout=300, env={**os.environ, **(env or {})}, cwd=ROOT)
    if check and p.returncode != 0:
        raise AssertionError(f"registry {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A registry with the shipped data, an author and a registrar, served by `registry serve`."""
    tmp = tmp_path_factory.mktemp("e2e")
    store = str(tmp / "store")
    cli("load", "--store", store, *map(str, SHIPPED))
    cli("orgs", "add", "--store", store, "--id", "gdou", "--name", "广东开放大学", "--iri", BASE + "org/gdou",
        "--codes", "ICT")
    author = cli("users", "add", "--store", store, "--name", "alice", "--role", "author", "--org", "gdou").stdout.strip()
    registrar = cli("users", "add", "--store", store, "--name", "rob", "--role", "registrar").stdout.strip()
    assert re.fullmatch(r"gdr_[\w-]{20,}", author) and re.fullmatch(r"gdr_[\w-]{20,}", registrar)
    port = free_port()
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--store", store, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # at most ~30 s
            if proc.poll() is not None:
                break
            try:
                if httpx.get(url + "/api/changes", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("registry serve did not answer within 30 s")
        if proc.poll() is not None:
            raise AssertionError("registry serve exited:\n" + (tmp / "serve.log").read_text())
        yield {"url": url, "author": author, "registrar": registrar, "tmp": tmp}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def sparql_ask(url: str, query: str) -> bool:
    """ASK through the public SPARQL endpoint."""
    r = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                  timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def publish_with_cli(server, path: Path) -> list[str]:
    as_author = {"REGISTRY_SERVER": server["url"], "REGISTRY_TOKEN": server["author"]}
    dry = cli("submit", str(path), "--dry-run", env=as_author)
    assert "conforms" in dry.stdout
    out = cli("submit", str(path), env=as_author).stdout
    sid = re.search(r"submission (\d+): submitted", out).group(1)
    listed = cli("submissions", "--status", "submitted", env=as_author).stdout
    assert listed.startswith(sid + "\tsubmitted")
    accepted = cli("review", "accept", sid, "--status", "stable",
                   env={"REGISTRY_SERVER": server["url"], "REGISTRY_TOKEN": server["registrar"]}).stdout
    return re.findall(r"(https://\S+)/v/1", accepted)


def assert_published(server, item: str, label: str) -> None:
    url = server["url"]
    path = item[len(BASE):]
    # SPARQL (the public endpoint over the union of the published graphs)
    ask = sparql_ask(url, f'ASK {{ <{item}> <http://purl.org/linked-data/registry#status> '
                          f'<http://purl.org/linked-data/registry#statusStable> }}')
    assert ask is True, "the published unit is not in SPARQL"
    # the catalogue page and its Turtle
    page = httpx.get(f"{url}/{path}", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert label in page.text
    ttl = httpx.get(f"{url}/{path}", headers={"Accept": "text/turtle"}, timeout=30)
    assert ttl.status_code == 200 and "statusStable" in ttl.text
    # search (the catalogue's JSON search API and its HTML page)
    s = httpx.get(f"{url}/api/search", params={"q": label}, timeout=30)
    assert s.status_code == 200 and item in s.text, s.text[:500]
    s = httpx.get(f"{url}/search", params={"q": label}, headers={"Accept": "text/html"}, timeout=30)
    assert s.status_code == 200 and item.rsplit("/", 1)[1] in s.text
    # the change feed (CLI)
    feed = cli("changes", "--server", url).stdout
    assert re.search(rf"\tcreate\t{re.escape(item)}\tv1\tstable\tgdou", feed)


def test_turtle_file_to_published_unit(server):
    items = publish_with_cli(server, DATA / "unit-new.ttl")
    assert items == [BASE + "unit/ICT-SD-309"]
    assert_published(server, BASE + "unit/ICT-SD-309", "编写自动化测试脚本")
    hist = cli("history", BASE + "unit/ICT-SD-309", "--server", server["url"]).stdout
    assert hist.startswith("v1\t") and "stable" in hist


def test_csv_file_to_published_units(server):
    items = publish_with_cli(server, DATA / "units-tricky.csv")
    assert sorted(items) == [BASE + "unit/ICT-DA-412", BASE + "unit/ICT-SD-311"]
    assert_published(server, BASE + "unit/ICT-DA-412", "清洗业务数据")


def test_cli_refusals_exit_nonzero_with_the_reason(server):
    bad = server["tmp"] / "bad.ttl"
    bad.write_text((DATA / "unit-new.ttl").read_text(encoding="utf-8").replace("ICT-SD-309", "ICT-SD-320")
                   .replace("/area/SD>", "/area/ZZ>"), encoding="utf-8")
    p = cli("submit", str(bad), env={"REGISTRY_SERVER": server["url"], "REGISTRY_TOKEN": server["author"]}, check=False)
    assert p.returncode == 1
    assert "HTTP 422" in p.stderr and "standard/ICT/area/ZZ" in p.stderr
    p = cli("submit", str(bad), env={"REGISTRY_SERVER": server["url"], "REGISTRY_TOKEN": "gdr_wrong"}, check=False)
    assert p.returncode == 1 and "HTTP 401" in p.stderr
    p = cli("status", BASE + "unit/ICT-SD-309", "--supersede-by", BASE + "unit/ICT-SD-399",
            env={"REGISTRY_SERVER": server["url"], "REGISTRY_TOKEN": server["registrar"]}, check=False)
    assert p.returncode == 1 and "successor" in p.stderr
