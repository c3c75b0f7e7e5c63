"""Issue 14, defect 6: anonymous dry runs (``POST /api/validate``) had no size or concurrency cap.

Reproduction: any number of anonymous clients could each send a body of many units
(~20 ms of CPU per unit). Now anonymous dry runs are bounded in items and bytes per
request (413) and in how many run at once (429 with Retry-After); both configurable,
both said in the answer in Chinese and English.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import env, make_env, seed_store_dir, unit_ttl  # noqa: E402,F401

from registry.workflow import service  # noqa: E402

THREE = "\n".join(unit_ttl(f"ICT-SD-3{n}", statement=f"第{n}个单元。") for n in (11, 12, 13))


def post(e, body: str, who=None):
    return e.client.post("/api/validate", content=body.encode(), headers=e.h(who, "text/turtle"))


def test_items_and_bytes_per_anonymous_dry_run(tmp_path, seed_store_dir):
    e = make_env(tmp_path, seed_store_dir, dry_run_max_items=2, dry_run_max_bytes=len(THREE.encode()) + 100)
    try:
        r = post(e, THREE)
        assert r.status_code == 413, r.text
        res = r.json()["results"][0]
        assert "at most 2 items" in res["message"]["en"] and "最多检查 2 个条目" in res["message"]["zh"]
        assert post(e, THREE, "alice").status_code == 200  # with a token: the usual limits
        r = post(e, THREE + "#" * 200)
        assert r.status_code == 413
        assert str(len(THREE.encode()) + 100) in r.json()["error"]["message"]["en"]
        assert "anonymous" in r.json()["error"]["message"]["en"] and "匿名" in r.json()["error"]["message"]["zh"]
        assert post(e, unit_ttl()).status_code == 200
    finally:
        e.store.close()


def test_concurrent_anonymous_dry_runs_beyond_the_limit_get_429(tmp_path, seed_store_dir, monkeypatch):
    e = make_env(tmp_path, seed_store_dir, dry_run_concurrency=1, dry_run_retry_after=7)
    inside, release = threading.Event(), threading.Event()
    real = service.analyse

    def slow(*a, **kw):
        inside.set()
        release.wait(30)
        return real(*a, **kw)

    monkeypatch.setattr(service, "analyse", slow)
    first = {}
    t = threading.Thread(target=lambda: first.setdefault("r", post(e, unit_ttl())))
    t.start()
    try:
        assert inside.wait(30)
        r = post(e, unit_ttl())
        assert r.status_code == 429, r.text
        assert r.headers["Retry-After"] == "7"
        m = r.json()["error"]["message"]
        assert "7 s" in m["en"] and "7 秒" in m["zh"] and "limit is 1" in m["en"]
    finally:
        release.set()
        t.join(60)
    assert first["r"].status_code == 200
    assert post(e, unit_ttl()).status_code == 200  # the slot is free again
    e.store.close()
