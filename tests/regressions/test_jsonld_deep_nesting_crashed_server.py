"""Issue 14, defect 1: a JSON-LD body nested 5,000 objects deep sent to ``POST /api/validate``
overflowed the stack in pyoxigraph's JSON-LD parser and killed the server.

Reproduction: ``n=5000; b'{"@id":"https://w3id.org/gdlecb/unit/X","http://x/p":'*n+b'1'+b'}'*n``
with ``Content-Type: application/ld+json``. Now refused with a 422 before parsing; the check
against a real ``registry serve`` process is tests/security/test_nesting_server.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from registry.validation import RdfSyntaxError, parse_rdf

ROOT = Path(__file__).resolve().parents[2]
N = 5000
OPEN = b'{"@id":"https://w3id.org/gdlecb/unit/X","http://x/p":'
BODY = OPEN * N + b"1" + b"}" * N


def test_parse_rdf_refuses_the_reproduction_with_its_position():
    try:
        parse_rdf(BODY, source="submission", fmt="application/ld+json", isolate=False)
    except RdfSyntaxError as e:
        # the 65th "{" (limit 64) is where the body went too deep
        assert (e.line, e.column) == (1, 64 * len(OPEN) + 1)
        assert "嵌套" in e.zh and "nested deeper" in e.en
    else:
        raise AssertionError("accepted")


def test_in_process_parse_no_longer_crashes_the_process(tmp_path):
    """Parsed in THIS process (no worker): before the fix this child died of SIGSEGV."""
    script = ("import sys; from registry.validation import parse_rdf, RdfSyntaxError\n"
              f"body = {OPEN!r} * {N} + b'1' + b'}}' * {N}\n"
              "try:\n    parse_rdf(body, source='s', fmt='application/ld+json', isolate=False)\n"
              "except RdfSyntaxError as e:\n    print('refused', e.line, e.column)\n")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("refused 1 ")


def test_dry_run_answers_422(env):
    r = env.client.post("/api/validate", content=BODY, headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 422
    assert "嵌套层数超过上限" in r.text and "nested deeper than the limit" in r.text
