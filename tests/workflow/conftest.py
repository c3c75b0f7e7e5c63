"""Fixtures of the workflow tests: a registry with the shipped data, organisations,
users (one token per role) and a TestClient over the real application."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.workflow.auth import add_org, add_user
from registry.workflow.state import StateDB

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
BASE = "https://w3id.org/gdlecb/"
UNIT_NEW = BASE + "unit/ICT-SD-309"
MAX_BODY = 1_000_000


@pytest.fixture(scope="session")
def seed_store_dir(tmp_path_factory) -> Path:
    """An embedded store folder with the shipped ontology, shapes and vocabularies (closed; copied per test)."""
    path = tmp_path_factory.mktemp("seed") / "store"
    store = EmbeddedStore(path)
    load_files(store, SHIPPED)
    store.close()
    return path


@pytest.fixture(scope="session")
def shipped_nquads(seed_store_dir) -> bytes:
    """The same content as N-Quads (to load into other kinds of store)."""
    store = EmbeddedStore(seed_store_dir, read_only=True)
    buf = io.BytesIO()
    store.dump(buf, ox.RdfFormat.N_QUADS)
    store.close()
    return buf.getvalue()


def seeded_store(path: Path, seed: bytes | Path) -> EmbeddedStore:
    """A fresh embedded store with the shipped data: a copy of a seed folder (fast) or loaded from N-Quads."""
    if isinstance(seed, Path):
        shutil.copytree(seed, path)
        return EmbeddedStore(path)
    store = EmbeddedStore(path)
    quads = list(ox.parse(seed, format=ox.RdfFormat.N_QUADS))
    store.bulk_load_quads(quads, {q.graph_name.value for q in quads})
    return store


class Faults:
    """The fault hook injected into the application's workflow (``Workflow(…, faults=…)``):
    ``env.faults.hook = f`` makes every step boundary call ``f(step)``; None injects nothing."""

    def __init__(self):
        self.hook = None

    def __call__(self, step: str) -> None:
        if self.hook is not None:
            self.hook(step)


@dataclass
class Env:
    client: TestClient
    app: object
    store: EmbeddedStore
    db: StateDB
    tokens: dict
    tmp: Path
    faults: Faults

    def h(self, who: str | None, content_type: str | None = None) -> dict:
        out = {}
        if who:
            out["Authorization"] = f"Bearer {self.tokens[who]}"
        if content_type:
            out["Content-Type"] = content_type
        return out

    def submit(self, who: str, body: bytes | str, content_type: str = "text/turtle"):
        if isinstance(body, str):
            body = body.encode("utf-8")
        return self.client.post("/api/submissions", content=body, headers=self.h(who, content_type))

    def accept(self, sid: int, status: str = "stable", who: str = "registrar"):
        return self.client.post(f"/api/submissions/{sid}/accept", json={"status": status}, headers=self.h(who))

    def publish(self, body, status: str = "stable", who: str = "alice", content_type: str = "text/turtle") -> dict:
        r = self.submit(who, body, content_type)
        assert r.status_code == 201, r.text
        a = self.accept(r.json()["id"], status)
        assert a.status_code == 200, a.text
        return a.json()

    def set_status(self, item: str, status: str, who: str = "registrar", **extra):
        return self.client.post(f"/api/items/{item[len(BASE):]}/status", json={"status": status, **extra},
                                headers=self.h(who))

    def snapshot(self) -> dict[str, set]:
        """Every graph of the store with its triples (blank nodes included as they are)."""
        return {g: set(self.store.graph_triples(g)) for g in self.store.graph_names()}


def make_env(tmp_path: Path, seed: bytes | Path, store=None, **settings) -> Env:
    store = store or seeded_store(tmp_path / "store", seed)
    db = StateDB(tmp_path / "state")
    add_org(db, "gdou", "广东开放大学 Guangdong Open University", BASE + "org/gdou", ["ICT"])
    add_org(db, "gdrta", "广东省道路运输协会 Guangdong Road Transport Association", BASE + "org/gdrta", ["AUTO"])
    tokens = {}
    for name, role, org in (("alice", "author", "gdou"), ("bob", "author", "gdrta"),
                            ("registrar", "registrar", None), ("admin", "admin", None)):
        tokens[name] = add_user(db, name, role, org)[1]
    settings.setdefault("max_body_bytes", MAX_BODY)
    s = Settings(store=str(tmp_path / "store"), state_dir=str(tmp_path / "state"), **settings)
    app = create_app(s, store=store)
    faults = Faults()
    app.state.ctx.workflow.faults = faults  # the application builds its workflow without one
    return Env(TestClient(app), app, store, db, tokens, tmp_path, faults)


@pytest.fixture
def env(tmp_path, seed_store_dir) -> Env:
    e = make_env(tmp_path, seed_store_dir)
    yield e
    e.store.close()


def unit_ttl(code: str = "ICT-SD-309", *, statement: str = "能为给定模块编写可重复运行的自动化测试。",
             area: str = "SD", level: int = 3, extra: str = "") -> str:
    """A complete unit of the shipped ICT standard (the fixture file with a few fields changed)."""
    text = (DATA / "unit-new.ttl").read_text(encoding="utf-8")
    text = text.replace("ICT-SD-309", code).replace("能为给定模块编写可重复运行的自动化测试。", statement)
    text = text.replace("/standard/ICT/area/SD>", f"/standard/ICT/area/{area}>")
    text = text.replace("gdleqf/level/3>", f"gdleqf/level/{level}>")
    if extra:
        text = text.rstrip().rstrip(".") + " ;\n    " + extra + " .\n"
    return text
