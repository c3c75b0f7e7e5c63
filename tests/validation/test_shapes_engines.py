"""The shapes load unmodified in other SHACL engines (issue 10, item 7).

* SHACL Core only: npm ``rdf-validate-shacl`` (run with node) takes ``shapes/gdlecb-shapes.ttl`` as it
  is — it refuses any shapes graph with a SHACL-SPARQL constraint ("Cannot find validator for
  constraint component sh:SPARQLConstraintComponent"), which is why those live in
  ``shapes/gdlecb-shapes-sparql.ttl`` — and finds, on the broken-submission corpus, exactly the Core
  results pySHACL finds (``broken/expected.toml``).
* The packages are installed into a temporary folder from the npm registry (or npm's cache) with the
  ordinary client, pinned; a machine that cannot get them fails these tests (no skip).
* Apache Jena: Debian ships ``libapache-jena-java`` (4.5.0) but its ``shacl`` command does not start
  (see docs/authoring.md, "Shapes in other engines"), so there is no Jena test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from registry import resources
from registry.namespaces import PREFIXES
from registry.validation import DEFAULT_SHAPES, load_shapes

from .conftest import BROKEN, REFERENCE

HERE = Path(__file__).resolve().parent
NPM_PACKAGES = ("rdf-validate-shacl@0.6.5", "rdf-ext@2.5.2", "@rdfjs/parser-n3@2.0.2")
#: where rdf-validate-shacl itself differs from SHACL (not the shapes): it checks a literal's datatype
#: IRI but not that the lexical form is valid for it ("2024-13-45"^^xsd:date passes sh:datatype)
ENGINE_DIFFERENCES = {"malformed-date.ttl"}
CASES = tomllib.loads((BROKEN / "expected.toml").read_text("utf-8"))["case"]
SPARQL_SHAPES = resources.sparql_shapes_file(DEFAULT_SHAPES)


@pytest.fixture(scope="module")
def shacl_core(tmp_path_factory):
    """Run ``shacl_core.mjs`` (rdf-validate-shacl) on shapes + context + cases; returns the reports."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed (scripts/setup installs them)"
    work = tmp_path_factory.mktemp("rdf-validate-shacl")
    (work / "package.json").write_text('{"name": "shacl-core-check", "private": true, "type": "module"}')
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error",
                           *NPM_PACKAGES], cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, "npm could not install rdf-validate-shacl:\n" + done.stderr
    shutil.copy(HERE / "shacl_core.mjs", work / "shacl_core.mjs")

    def run(shapes: Path, context: Path, *cases: Path) -> dict:
        out = subprocess.run([node, "shacl_core.mjs", str(shapes), str(context), *map(str, cases)], cwd=work,
                             capture_output=True, text=True, timeout=300)
        return {"returncode": out.returncode, "stderr": out.stderr,
                "reports": json.loads(out.stdout) if out.returncode == 0 else None}

    return run


def _curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def test_the_two_files_are_one_shapes_graph_split_by_engine_feature():
    core = Graph().parse(DEFAULT_SHAPES)
    assert SPARQL_SHAPES is not None and SPARQL_SHAPES.name == "gdlecb-shapes-sparql.ttl"
    sparql = Graph().parse(SPARQL_SHAPES)
    assert not list(core.subjects(RDF.type, SH.SPARQLConstraint)) and not list(core.triples((None, SH.sparql, None)))
    constraints = set(sparql.subjects(RDF.type, SH.SPARQLConstraint))
    assert len(constraints) >= 10
    # every constraint hangs off a property shape that the Core file defines
    for shape, _, c in sparql.triples((None, SH.sparql, None)):
        assert c in constraints and (shape, RDF.type, SH.PropertyShape) in core, shape
    merged = load_shapes()  # the registry validates with both
    assert set(merged.subjects(RDF.type, SH.SPARQLConstraint)) == constraints
    assert all(t in merged for t in core if not any(isinstance(x, BNode) for x in t))


def test_each_sparql_constraint_is_in_the_form_jena_and_pyshacl_take():
    """One select with $this, prefixes declared in the file itself, messages with {?var} only."""
    import re

    g = Graph().parse(SPARQL_SHAPES)
    for c in g.subjects(RDF.type, SH.SPARQLConstraint):
        select = str(g.value(c, SH.select))
        assert "$this" in select and re.search(r"SELECT\s+\$this\b", select), c
        prefixes = g.value(c, SH.prefixes)
        declared = {str(g.value(d, SH.prefix)) for d in g.objects(prefixes, SH.declare)}
        used = set(re.findall(r"\b([a-z]+):[A-Za-z]", re.sub(r"\"[^\"]*\"", "", select)))
        assert used <= declared, (c, used - declared)
        for m in g.objects(c, SH.message):
            variables = set(re.findall(r"\{([?$]\w+)\}", str(m)))
            assert variables <= {"$this"} | {"?" + v for v in re.findall(r"\?(\w+)", select.split("WHERE")[0])}, (c, m)
            assert not re.search(r"\{(?![?$]\w+\})", str(m)), (c, m)  # no other braces


def test_a_core_only_engine_refuses_sparql_constraints_so_they_are_kept_apart(shacl_core, tmp_path):
    combined = tmp_path / "combined.ttl"
    combined.write_text(DEFAULT_SHAPES.read_text("utf-8") + "\n" + SPARQL_SHAPES.read_text("utf-8"), "utf-8")
    out = shacl_core(combined, REFERENCE, BROKEN / "stray-property.ttl")
    assert out["returncode"] != 0 and "SPARQLConstraintComponent" in out["stderr"]


def test_the_core_file_loads_in_rdf_validate_shacl_with_the_core_results_of_pyshacl(shacl_core):
    cases = [c for c in CASES if c["file"].endswith(".ttl") and "syntax" not in c
             and c["file"] not in ENGINE_DIFFERENCES]
    out = shacl_core(DEFAULT_SHAPES, REFERENCE, *(BROKEN / c["file"] for c in cases))
    assert out["returncode"] == 0, out["stderr"]
    context = {str(s) for s in Graph().parse(REFERENCE).subjects() if isinstance(s, URIRef)}
    compared = 0
    for case in cases:
        path = BROKEN / case["file"]
        report = out["reports"][str(path)]
        got = sorted((_curie(r["component"]).removeprefix("sh:"), _curie(r["path"] or ""), _curie(r["severity"]))
                     for r in report["results"] if r["focus"] not in context)
        want = sorted((r["constraint"], r.get("path", ""), "sh:" + r["severity"])
                      for r in case.get("result", [])  # SHACL Core results only (not the registry's ItemSplit)
                      if r["constraint"].endswith("ConstraintComponent") and r["constraint"] != "SPARQLConstraintComponent")
        assert got == want, case["file"]
        compared += 1
    assert compared >= 20
