"""Done when (issue 12, item 6): the built distribution carries the shipped content, and an install
of the wheel OUTSIDE the checkout can ``registry validate``, ``registry load --shipped``,
``registry build-site`` and ``registry serve``.

The sdist is built from a copy of the source files (PEP 517 hook of setuptools, no network), the
wheel from the unpacked sdist (so the sdist is shown to be complete), then installed with
``pip install --no-deps --no-index --target T``. Every command runs with this venv's interpreter,
``PYTHONPATH=T`` and a working directory outside the checkout; ``registry.__file__`` and every
resource path are asserted to be inside T, so nothing is read from the checkout. The editable
install of the venv and ``REGISTRY_RESOURCES_DIR`` are checked in-process at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from registry import resources
from servers import ROOT, _die_with_parent, free_port

#: the fixed top-level data folders that must travel with the package
SHIPPED = ("ontology", "shapes", "vocabularies", "site")
BUILD_TOOL = "shapes/build_shapes.py"
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "registry", *SHIPPED)
UNIT = "ICT-SD-301"


def shipped_data() -> set[str]:
    """The data files of the shipped folders in the checkout, relative to the project root."""
    found = set()
    for folder in SHIPPED:
        for p in (ROOT / folder).rglob("*"):
            rel = p.relative_to(ROOT).as_posix()
            if p.is_file() and p.name != ".gitkeep" and "__pycache__" not in p.parts and rel != BUILD_TOOL:
                found.add(rel)
    return found


def run(args: list[str], *, cwd: Path, env: dict, timeout: float = 120, check: bool = True):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Build the sdist from a copy of the sources, the wheel from the sdist, install the wheel."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "_resources")
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.pop("PYTHONPATH", None)
    (tmp / "sdist").mkdir()
    out = run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
               "print(build_meta.build_sdist(sys.argv[1]))", str(tmp / "sdist")], cwd=src, env=env)
    sdist = tmp / "sdist" / out.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        sdist_names = tar.getnames()
        tar.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(tmp / "wheelhouse"), "."], cwd=unpacked, env=env, timeout=300)
    (wheel,) = (tmp / "wheelhouse").glob("*.whl")
    target = tmp / "target"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target),
         str(wheel)], cwd=tmp, env=env, timeout=300)
    work = tmp / "work"  # outside the checkout: no registry/, shapes/, site/ … here
    work.mkdir()
    env = {**env, "PYTHONPATH": str(target), "PYTHONDONTWRITEBYTECODE": "1"}
    return {"tmp": tmp, "sdist": sdist_names, "sdist_root": sdist_names[0].split("/")[0], "wheel": wheel,
            "target": target, "work": work, "env": env}


def registry_cli(dist, *args, **kw):
    return run([sys.executable, "-m", "registry.cli", *args], cwd=dist["work"], env=dist["env"], **kw)


def test_the_sdist_carries_the_shipped_folders_and_the_package_data(dist):
    names = {n.split("/", 1)[1] for n in dist["sdist"] if "/" in n}
    missing = sorted(shipped_data() - names)
    assert not missing, f"missing from the sdist: {missing}"
    assert {"setup.py", "MANIFEST.in", "registry/resources.py", "registry/sparql/templates/query.html"} <= names


def test_the_wheel_carries_the_resources_but_not_the_build_tool(dist):
    names = set(zipfile.ZipFile(dist["wheel"]).namelist())
    packaged = {n.removeprefix("registry/_resources/") for n in names if n.startswith("registry/_resources/")}
    assert packaged == shipped_data()
    assert "registry/sparql/templates/query.html" in names
    assert not any(n.endswith("build_shapes.py") for n in names)
    assert not any(n.split("/")[0] in SHIPPED for n in names), "data folders must live inside the package"


def test_the_installed_package_and_its_resources_come_from_the_target(dist):
    out = run([sys.executable, "-c", "import json, registry; from registry import resources; "
               "print(json.dumps({'registry': registry.__file__, **resources.describe()}))"],
              cwd=dist["work"], env=dist["env"])
    where = json.loads(out.stdout)
    target = dist["target"].resolve()
    for name, path in where.items():
        assert Path(path).resolve().is_relative_to(target), f"{name} from {path}, not from {target}"
    assert Path(where["shapes"]).name == "gdlecb-shapes.ttl"


def test_installed_validate_checks_shipped_and_broken_files(dist):
    shipped = dist["target"] / "registry" / "_resources" / "vocabularies" / "standard-ict.ttl"
    ok = registry_cli(dist, "validate", "--lang", "en", str(shipped))
    assert "Conforms" in ok.stdout
    bad = dist["work"] / "bad.ttl"
    bad.write_text("@prefix cb: <https://w3id.org/gdlecb/def/> .\n"
                   "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                   "<https://w3id.org/gdlecb/unit/ICT-SD-399> a cb:Unit ; skos:prefLabel \"坏单元\"@zh .\n",
                   encoding="utf-8")
    refused = registry_cli(dist, "validate", "--lang", "en", "--format", "json", str(bad), check=False)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    report = json.loads(refused.stdout)
    assert report["conforms"] is False and report["results"]


@pytest.fixture(scope="module")
def loaded(dist):
    path = dist["work"] / "store"
    out = registry_cli(dist, "load", "--store", str(path), "--shipped")
    return path, out.stdout


@pytest.fixture(scope="module")
def store(loaded):
    return loaded[0]


def test_installed_load_shipped_loads_every_shipped_file(loaded):
    # every RDF file of the shipped folders: the ontology, the shapes and the vocabularies
    rdf = [f for f in shipped_data() if f.endswith(".ttl")]
    assert f"from {len(rdf)} file(s)" in loaded[1], loaded[1]
    assert "new item(s)" in loaded[1] and "(0 new item(s))" not in loaded[1]


def test_installed_build_site_writes_unit_pages_and_static_files(dist, store):
    out = dist["work"] / "site-build"
    registry_cli(dist, "build-site", "--store", str(store), "--workers", "1", str(out), timeout=180)
    page = (out / "unit" / f"{UNIT}.html").read_text("utf-8")
    assert UNIT in page and "<html" in page
    assert (out / "en" / "unit" / f"{UNIT}.html").is_file()
    assert (out / "static" / "site.css").read_bytes() == (ROOT / "site" / "static" / "site.css").read_bytes()


def test_installed_serve_answers_pages_and_sparql(dist, store):
    # REGISTRY_RESOURCES_DIR replaces the folders it holds (here site/static, with another
    # stylesheet); the others (the templates, the shapes …) still come from the package
    override = dist["work"] / "override"
    shutil.copytree(dist["target"] / "registry" / "_resources" / "site" / "static", override / "site" / "static")
    (override / "site" / "static" / "site.css").write_text("/* overridden */\n", encoding="utf-8")
    port = free_port()
    env = {**dist["env"], "REGISTRY_RESOURCES_DIR": str(override)}
    log_path = dist["work"] / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--store", str(store), "--port",
                                 str(port)], cwd=dist["work"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, "registry serve exited:\n" + log_path.read_text()
                try:
                    home = httpx.get(url + "/", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "registry serve did not answer within 30 s"
                    time.sleep(0.2)
            assert home.status_code == 200 and "<html" in home.text
            ask = httpx.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert ask.status_code == 200 and ask.json()["boolean"] is True
            assert httpx.get(url + "/sparql", params={"query": "ASK{}"}, timeout=30).status_code == 200
            query_page = httpx.get(url + "/sparql", headers={"Accept": "text/html"}, timeout=30)
            assert query_page.status_code == 200 and "<form" in query_page.text  # registry/sparql/templates
            unit = httpx.get(url + f"/unit/{UNIT}", headers={"Accept": "text/html"}, timeout=30)
            assert unit.status_code == 200 and UNIT in unit.text
            css = httpx.get(url + "/static/site.css", timeout=10)
            assert css.status_code == 200 and css.text == "/* overridden */\n"
            assert httpx.get(url + "/static/search.js", timeout=10).status_code == 200
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- in-process: the editable install and the override -----------------------------------------------

def test_an_editable_install_reads_the_checkout(monkeypatch):
    monkeypatch.delenv(resources.ENV, raising=False)
    assert resources.shapes_file() == ROOT / "shapes" / "gdlecb-shapes.ttl"
    assert resources.shipped_paths() == (ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies")
    assert resources.site_templates() == ROOT / "site" / "templates"
    assert resources.sparql_templates() == ROOT / "registry" / "sparql" / "templates"


def test_the_override_wins_for_what_it_holds(monkeypatch, tmp_path):
    (tmp_path / "vocabularies").mkdir()
    (tmp_path / "site" / "templates").mkdir(parents=True)
    (tmp_path / "sparql" / "templates").mkdir(parents=True)
    monkeypatch.setenv(resources.ENV, str(tmp_path))
    assert resources.vocabularies_dir() == tmp_path / "vocabularies"
    assert resources.site_templates() == tmp_path / "site" / "templates"
    assert resources.sparql_templates() == tmp_path / "sparql" / "templates"
    assert resources.ontology_dir() == ROOT / "ontology"  # not in the override: packaged / checkout
    assert resources.site_static() == ROOT / "site" / "static"


def test_a_missing_override_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(resources.ENV, str(tmp_path / "nowhere"))
    with pytest.raises(resources.ResourceError) as e:
        resources.shapes_file()
    assert resources.ENV in e.value.en and resources.ENV in e.value.zh and "nowhere" in e.value.en
