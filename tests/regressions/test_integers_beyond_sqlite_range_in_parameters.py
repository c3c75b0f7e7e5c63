"""Issue 14, defect 3: integers above 2^63-1 in path or query parameters gave 500.

Reproduction: ``GET /api/submissions/9223372036854775808`` (and ``offset``, ``since``,
``/v/{n}``, diff ``from``/``to``…) raised SQLite's OverflowError. Now every such parameter
is bounded at the web layer (4xx) and the state layer refuses out-of-range ids itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import env, seed_store_dir  # noqa: E402,F401

HUGE = str(2**63)
HUGER = "9" * 40
MAX = str(2**63 - 1)


@pytest.mark.parametrize("big", [HUGE, HUGER])
def test_every_int_parameter_answers_4xx(env, big):
    auth = env.h("registrar")
    calls = [
        ("get", f"/api/submissions/{big}", None),
        ("delete", f"/api/submissions/{big}", None),
        ("post", f"/api/submissions/{big}/accept", {"status": "stable"}),
        ("post", f"/api/submissions/{big}/reject", {"reason": "x"}),
        ("get", f"/api/submissions?offset={big}", None),
        ("get", f"/api/submissions?limit={big}", None),
        ("get", f"/api/audit?offset={big}", None),
        ("get", f"/api/changes?since={big}", None),
        ("get", f"/api/changes?limit={big}", None),
        ("get", f"/api/changes.atom?since={big}", None),
        ("get", f"/api/items/unit/ICT-SD-301/diff?from={big}&to=1", None),
        ("get", f"/api/items/unit/ICT-SD-301/diff?from=1&to={big}", None),
        ("get", f"/unit/ICT-SD-301/v/{big}", None),
        ("head", f"/unit/ICT-SD-301/v/{big}", None),
    ]
    for method, url, body in calls:
        kw = {"json": body} if body is not None else {}
        r = getattr(env.client, method)(url, headers=auth, **kw)
        assert 400 <= r.status_code < 500, (method, url, r.status_code, r.text[:300])


def test_the_largest_sqlite_integer_is_just_not_found(env):
    auth = env.h("registrar")
    assert env.client.get(f"/api/submissions/{MAX}", headers=auth).status_code == 404
    assert env.client.get(f"/unit/ICT-SD-301/v/{MAX}").status_code == 404
    assert env.client.get(f"/api/changes?since={MAX}").json()["events"] == []
    # Unicode digits pass str.isdigit() but are not event ids
    assert env.client.get("/api/changes?since=²").status_code == 422


def test_the_state_layer_refuses_out_of_range_ids(env):
    from registry.workflow import versions
    from registry.workflow.auth import user_for_token
    from registry.errors import RegistryError

    wf = env.app.state.ctx.workflow
    user = user_for_token(env.db, env.tokens["registrar"])
    for call in (lambda: wf.get_submission(user, 2**63), lambda: wf.withdraw(user, 2**70),
                 lambda: wf.accept(user, 2**64), lambda: wf.reject(user, 2**64, "x")):
        with pytest.raises(RegistryError) as e:
            call()
        assert e.value.status == 404
    assert versions.get_version(env.db, "https://w3id.org/gdlecb/unit/ICT-SD-301", 2**63) is None
    assert wf.events(2**70, 2**70) == [] and wf.audit_log(2**70, 2**70) == []
    assert wf.list_submissions(user, None, 2**70, 2**70) == []
