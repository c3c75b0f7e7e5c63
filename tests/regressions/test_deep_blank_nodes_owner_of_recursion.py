"""Issue 14, defect 2: blank nodes nested 1,200+ deep gave a 500 (``RecursionError`` in
``registry/items.py`` ``owner_of``). Reproduction: a unit whose blank nodes form a chain
``_:b0 → _:b1 → … → _:b1299`` (flat N-Triples-style lines in Turtle, deepest first, so no text
nesting limit applies). items.py is now iterative: any depth the parser admits is split, and the dry run
answers 422 (the shapes refuse the unknown property), never 500.
"""

from __future__ import annotations

import ast
import inspect

import pyoxigraph as ox

from registry import items
from registry.items import split_items

from workflow.conftest import unit_ttl

UNIT = "https://w3id.org/gdlecb/unit/ICT-SD-309"
P = ox.NamedNode("http://x/p")


def chain(n: int) -> list[ox.Triple]:
    unit = ox.NamedNode(UNIT)
    ts = [ox.Triple(unit, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode("https://w3id.org/gdlecb/def/Unit")),
          ox.Triple(unit, P, ox.BlankNode("b0"))]
    ts += [ox.Triple(ox.BlankNode(f"b{i}"), P, ox.BlankNode(f"b{i + 1}")) for i in range(n)]
    return ts


def test_split_items_follows_a_chain_of_100k_blank_nodes():
    ts = chain(100_000)
    out = split_items(list(reversed(ts)))  # deepest node first: the worst order for the old recursion
    assert list(out) == [UNIT] and len(out[UNIT]) == len(ts)


def test_a_cycle_of_blank_nodes_is_still_an_orphan():
    a, b = ox.BlankNode("a"), ox.BlankNode("b")
    try:
        split_items([ox.Triple(a, P, b), ox.Triple(b, P, a)])
    except items.ItemSplitError as e:
        assert sorted(e.subjects) == ["_:a", "_:b"]
    else:
        raise AssertionError("a cycle with no root was placed")


def test_items_module_has_no_recursion():
    tree = ast.parse(inspect.getsource(items))
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            called = {n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            assert fn.name not in called, f"{fn.name} calls itself"


def test_dry_run_with_1300_deep_blank_nodes_is_422(env):
    # deepest first, as a parser emits nested [ … ]: the old recursion went 1,300 calls deep
    body = "".join(f"_:b{i} <http://x/p> _:b{i + 1} .\n" for i in reversed(range(1300))) + (
        f"<{UNIT}> <http://x/p> _:b0 .\n" + unit_ttl())
    r = env.client.post("/api/validate", content=body.encode(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["items"][0]["item"] == UNIT
