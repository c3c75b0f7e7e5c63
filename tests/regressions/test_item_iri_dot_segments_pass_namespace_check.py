"""Issue 14, defect 2: item IRIs were checked before normalisation.

Reproduction: alice (gdou, owns ICT) submits a unit named
``https://w3id.org/gdlecb/unit/ICT-X/../AUTO-SD-391`` (or ``…/ICT-X/%2E%2E/AUTO-SD-391``):
its text starts with ``unit/ICT-`` so it passed the namespace check, though it normalises
into gdrta's ``unit/AUTO-SD-391``. Now any dot-segment or percent-encoded unreserved
character in a subject IRI is refused (422, bilingual). More: tests/security/test_iri_dot_segments.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import BASE, env, seed_store_dir, unit_ttl  # noqa: E402,F401


def test_dot_segment_and_encoded_dot_segment_item_iris_are_refused(env):
    for path in ("unit/ICT-X/../AUTO-SD-391", "unit/ICT-X/%2E%2E/AUTO-SD-391"):
        body = unit_ttl().replace("unit:ICT-SD-309\n", f"<{BASE}{path}>\n", 1)
        r = env.submit("alice", body)
        assert r.status_code == 422, r.text
        msg = r.json()["report"]["items"][0]["results"][0]["message"]
        assert BASE + path in msg["en"] and BASE + path in msg["zh"]
    assert env.db.read().execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
