"""`registry build-site` over a previous output renders only the items whose pages read something that
changed (page-level dependency tracking, issue 13 target 4), and the result is byte-identical to a clean
build after edits, additions, deletions, moves and renames of labels that other pages show."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.catalogue import build as build_mod
from registry.catalogue.build import build_site
from registry.loader import load_files
from registry.store.base import GraphWrite
from registry.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).with_name("fixture.ttl")
BASE = "https://w3id.org/gdlecb/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CB = BASE + "def/"
PREF = ox.NamedNode(SKOS + "prefLabel")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _relabel(store, graph: str, subject: str, zh: str) -> None:
    triples = [t for t in store.graph_triples(graph)
               if not (t.subject.value == subject and t.predicate == PREF and t.object.language == "zh")]
    triples.append(ox.Triple(ox.NamedNode(subject), PREF, ox.Literal(zh, language="zh")))
    store.write(GraphWrite(replace={graph: triples}))


def _replace_object(store, graph: str, subject: str, pred: str, new: str) -> None:
    p = ox.NamedNode(pred)
    triples = [t for t in store.graph_triples(graph) if not (t.subject.value == subject and t.predicate == p)]
    triples.append(ox.Triple(ox.NamedNode(subject), p, ox.NamedNode(new)))
    store.write(GraphWrite(replace={graph: triples}))


@pytest.fixture()
def built(tmp_path):
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE])
    out = tmp_path / "out"
    full = build_site(store, out, base_iri=BASE, workers=1)
    return store, out, full


def _check_same_as_clean(store, out: Path, tmp_path: Path):
    """Rebuild over ``out``, then build into an empty folder: the two trees are identical byte for byte."""
    inc = build_site(store, out, base_iri=BASE, workers=1)
    clean_out = tmp_path / f"clean-{store.generation()}"
    clean = build_site(store, clean_out, base_iri=BASE, workers=1)
    a, b = _tree(out), _tree(clean_out)
    assert sorted(a) == sorted(b)
    for name in b:
        assert a[name] == b[name], name
    return inc, clean


def test_nothing_changed_renders_no_item(built):
    store, out, full = built
    again = build_site(store, out, base_iri=BASE, workers=1)
    assert full.rendered > 20
    assert again.rendered == 0 and again.written == 0 and again.removed == 0


def test_editing_a_unit_renders_its_pages_and_the_pages_that_show_it(built, tmp_path):
    store, out, full = built
    u = BASE + "unit/ICT-SD-301"
    _relabel(store, u, u, "改过的单元名称")
    inc, clean = _check_same_as_clean(store, out, tmp_path)
    assert 1 < inc.rendered < full.rendered / 2
    # pages that show the unit's label were rendered again: the area, standard and level listings
    # and the transfer rule that leads to it
    for page in ("standard/ICT/area/SD.html", "standard/ICT.html", "framework/gdleqf/level/3.html",
                 "transfer-rule/cert-testing-to-sd301.html", "unit/ICT-SD-302.html"):
        assert "改过的单元名称" in (out / page).read_text("utf-8"), page
    assert "改过的单元名称" not in (out / "unit/ICT-NO-201.html").read_text("utf-8")


def test_renaming_a_standard_updates_the_unit_pages_that_name_it(built, tmp_path):
    store, out, full = built
    std = BASE + "standard/ICT"
    _relabel(store, std, std, "改名后的标准")
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert inc.rendered < full.rendered
    assert "改名后的标准" in (out / "unit/ICT-NO-201.html").read_text("utf-8")


def test_renaming_a_level_and_an_area(built, tmp_path):
    store, out, full = built
    fw = BASE + "framework/gdleqf"
    _relabel(store, fw, fw + "/level/3", "第三级（新名）")
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert "第三级（新名）" in (out / "unit/ICT-SD-301.html").read_text("utf-8")
    assert inc.rendered < full.rendered
    std = BASE + "standard/ICT"
    _relabel(store, std, std + "/area/NO", "网络（新名）")
    _check_same_as_clean(store, out, tmp_path)
    assert "网络（新名）" in (out / "unit/ICT-NO-201.html").read_text("utf-8")


def test_adding_a_unit(built, tmp_path):
    store, out, full = built
    u = BASE + "unit/ICT-SD-303"
    n = ox.NamedNode(u)
    triples = [
        ox.Triple(n, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(CB + "Unit")),
        ox.Triple(n, PREF, ox.Literal("新增的单元", language="zh")),
        ox.Triple(n, ox.NamedNode(SKOS + "notation"), ox.Literal("ICT-SD-303")),
        ox.Triple(n, ox.NamedNode(CB + "level"), ox.NamedNode(BASE + "framework/gdleqf/level/3")),
        ox.Triple(n, ox.NamedNode(CB + "functionalArea"), ox.NamedNode(BASE + "standard/ICT/area/SD")),
    ]
    store.write(GraphWrite(replace={u: triples}))
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert inc.rendered < full.rendered
    assert (out / "unit/ICT-SD-303.html").exists() and (out / "en/unit/ICT-SD-303.ttl").exists() is False
    assert "新增的单元" in (out / "standard/ICT/area/SD.html").read_text("utf-8")
    assert "新增的单元" in (out / "framework/gdleqf/level/3.html").read_text("utf-8")


def test_deleting_a_unit_that_other_pages_link_to(built, tmp_path):
    store, out, full = built
    u = BASE + "unit/ICT-SD-301"  # the rule leads to it, ICT-SD-302 is replaced by it
    store.write(GraphWrite(drop=[u]))
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert inc.rendered < full.rendered and inc.removed >= 6
    assert not (out / "unit/ICT-SD-301.html").exists()
    assert "unit/ICT-SD-301.html" not in (out / "unit/ICT-SD-302.html").read_text("utf-8")


def test_moving_a_unit_to_another_area_and_level(built, tmp_path):
    store, out, full = built
    u = BASE + "unit/ICT-NO-201"
    _replace_object(store, u, u, CB + "functionalArea", BASE + "standard/ICT/area/SD")
    _replace_object(store, u, u, CB + "level", BASE + "framework/gdleqf/level/3")
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert inc.rendered < full.rendered
    assert "ICT-NO-201" not in (out / "standard/ICT/area/NO.html").read_text("utf-8")
    assert "ICT-NO-201" in (out / "standard/ICT/area/SD.html").read_text("utf-8")


def test_relabelling_a_shared_concept_reaches_every_page_that_shows_it(built, tmp_path):
    store, out, full = built
    g = BASE + "vocab/reg-status-fixture"
    _relabel(store, g, "http://purl.org/linked-data/registry#statusStable", "现行有效")
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert "现行有效" in (out / "unit/ICT-SD-301.html").read_text("utf-8")


def test_everything_is_rendered_when_the_change_set_or_the_code_is_unknown(built, tmp_path, monkeypatch):
    store, out, full = built
    u = BASE + "unit/ICT-SD-301"
    _relabel(store, u, u, "再改一次")
    monkeypatch.setattr(store, "changed_graphs", lambda since: None)
    inc, _ = _check_same_as_clean(store, out, tmp_path)
    assert inc.rendered == full.rendered
    monkeypatch.undo()
    monkeypatch.setattr(build_mod, "code_digest", lambda: "other code")
    again = build_site(store, out, base_iri=BASE, workers=1)
    assert again.rendered == full.rendered and again.written == 0  # same bytes: nothing rewritten
    # other settings (one language only): everything rendered, the other language's files removed
    zh = build_site(store, out, base_iri=BASE, workers=1, langs=("zh",))
    assert zh.rendered == full.rendered and not (out / "en").exists()


def test_a_manifest_without_dependency_information_means_a_full_render(built, tmp_path):
    store, out, full = built
    (out / ".build-manifest.json").write_text('{"version": 1, "files": {}}', "utf-8")
    again = build_site(store, out, base_iri=BASE, workers=1)
    assert again.rendered == full.rendered
