"""Issue 14, defect 4: Turtle starting with a UTF-8 byte-order mark was refused
(422 "\\ufeff is not a valid subject") although the CSV path accepted one. Reproduction: the
bytes EF BB BF followed by a valid unit in Turtle, sent to ``POST /api/validate``. A BOM is now
accepted by every text format, in dry runs, submissions, ``registry validate`` and ``registry load``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.validation import parse_rdf, parse_rdf_file

from workflow.conftest import SHIPPED, unit_ttl

ROOT = Path(__file__).resolve().parents[2]
BOM = b"\xef\xbb\xbf"
SAMPLES = {
    "text/turtle": b"<http://a> <http://p> 1 .",
    "application/trig": b"<http://a> <http://p> 1 .",
    "application/n-triples": b'<http://a> <http://p> "1" .\n',
    "application/n-quads": b'<http://a> <http://p> "1" .\n',
    "application/ld+json": b'{"@id": "http://a", "http://p": 1}',
    "application/rdf+xml": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                           b'xmlns:x="http://x/"><rdf:Description rdf:about="http://a"><x:p>1</x:p>'
                           b"</rdf:Description></rdf:RDF>",
}


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_every_text_format_accepts_a_bom(fmt):
    assert len(parse_rdf(BOM + SAMPLES[fmt], source="s", fmt=fmt)) == 1


def test_dry_run_and_submission_accept_a_bom(env):
    body = BOM + unit_ttl().encode()
    r = env.client.post("/api/validate", content=body, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200, r.text[:400]
    r = env.submit("alice", body)
    assert r.status_code == 201, r.text[:400]


def test_cli_validate_and_load_accept_a_bom(tmp_path):
    f = tmp_path / "unit.ttl"
    f.write_bytes(BOM + unit_ttl().encode())
    assert len(parse_rdf_file(f)) > 10
    run = lambda *a: subprocess.run([sys.executable, "-m", "registry.cli", *a], capture_output=True, text=True,  # noqa: E731
                                    timeout=300, cwd=ROOT, env=os.environ)
    p = run("validate", str(f))
    assert p.returncode == 0, p.stdout + p.stderr
    for flags in ([], ["--no-validate"]):
        store = tmp_path / ("store" + "".join(flags))
        p = run("load", *flags, "--store", str(store), *map(str, SHIPPED), str(f))
        assert p.returncode == 0, p.stdout + p.stderr
