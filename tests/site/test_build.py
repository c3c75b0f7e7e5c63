"""The static build: every item has a page in both languages, links are relative and none is broken."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from registry.catalogue.build import build_site

BASE = "https://w3id.org/gdlecb/"
LINK = re.compile(r'(?:href|src)="([^"]*)"')
IDS = re.compile(r'id="([^"]*)"')


@pytest.fixture(scope="module")
def shipped_build(shipped_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    stats = build_site(shipped_store, out, base_iri=BASE, workers=2)
    return out, stats


def crawl(out: Path) -> list[str]:
    """Broken internal links (file missing, or a #fragment with no such id)."""
    broken = []
    ids_cache: dict[Path, set] = {}
    for f in out.rglob("*.html"):
        text = f.read_text(encoding="utf-8")
        for href in LINK.findall(text):
            if not href or href.startswith(("http://", "https://", "data:", "mailto:")):
                continue
            assert not href.startswith("/"), f"{f}: absolute link {href} in the static build"
            parts = urlsplit(href)
            target = (f.parent / unquote(parts.path)).resolve() if parts.path else f
            if not target.exists():
                broken.append(f"{f.relative_to(out)} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in ids_cache:
                    ids_cache[target] = set(IDS.findall(target.read_text(encoding="utf-8")))
                if parts.fragment not in ids_cache[target]:
                    broken.append(f"{f.relative_to(out)} -> {href} (no such id)")
    return broken


def test_every_unit_has_a_page_in_both_languages(shipped_build, shipped_store):
    out, stats = shipped_build
    units = [r["u"].value for r in shipped_store.select(
        "SELECT ?u WHERE { ?u a <https://w3id.org/gdlecb/def/Unit> }")]
    assert len(units) >= 10 and stats.units == len(units)
    for u in units:
        path = u[len(BASE):]
        assert (out / f"{path}.html").exists(), u
        assert (out / "en" / f"{path}.html").exists(), u
        for suffix in ("ttl", "jsonld", "rdf", "nt"):
            assert (out / f"{path}.{suffix}").stat().st_size > 100
        assert path.split("/")[-1] in (out / f"{path}.html").read_text(encoding="utf-8")


def test_every_item_graph_has_a_page(shipped_build, shipped_store):
    out, _ = shipped_build
    for g in shipped_store.graph_names():
        if g.startswith(BASE):
            assert (out / f"{g[len(BASE):]}.html").exists(), g


def test_no_broken_internal_links(shipped_build):
    out, _ = shipped_build
    assert crawl(out) == []


def test_catalogue_pages_search_index_and_assets(shipped_build):
    out, stats = shipped_build
    for name in ("index.html", "standards.html", "search.html", "vocabularies.html", "frameworks.html",
                 "organisations.html", "achievements.html", "transfer-rules.html", "404.html", "context.jsonld",
                 "static/site.css", "static/search.js", "en/index.html", "en/search.html"):
        assert (out / name).exists(), name
    index = json.loads((out / "search-index.json").read_text(encoding="utf-8"))
    paths = {e[0] for e in index["entries"]}
    assert "unit/ICT-SD-301" in paths and "standard/ICT" in paths
    assert stats.pages > 100


def test_language_switch_links_to_the_same_page(shipped_build):
    out, _ = shipped_build
    zh = (out / "unit" / "ICT-SD-301.html").read_text(encoding="utf-8")
    en = (out / "en" / "unit" / "ICT-SD-301.html").read_text(encoding="utf-8")
    assert 'class="lang-switch" href="../en/unit/ICT-SD-301.html"' in zh
    assert 'class="lang-switch" href="../../unit/ICT-SD-301.html"' in en
    assert '<html lang="en"' in en


def test_cli_build_site(tmp_path):
    from registry.cli import main
    from registry.loader import load_files
    from registry.store.embedded import EmbeddedStore

    store_dir = tmp_path / "store"
    store = EmbeddedStore(store_dir)
    load_files(store, [Path(__file__).with_name("fixture.ttl")])
    store.close()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build-site", "--store", str(store_dir), "--lang", "en,zh", str(out)])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output
    assert '<html lang="en"' in (out / "unit" / "ICT-SD-301.html").read_text(encoding="utf-8")
    assert (out / "zh" / "unit" / "ICT-SD-301.html").exists()
    bad = CliRunner().invoke(main, ["build-site", "--store", str(store_dir), "--lang", "fr", str(out)])
    assert bad.exit_code != 0 and "fr" in bad.output


def test_build_without_data_files_has_no_links_to_them(site_store, tmp_path):
    build_site(site_store, tmp_path, base_iri=BASE, formats=False, workers=1)
    assert not list(tmp_path.rglob("unit/*.ttl"))
    assert 'class="downloads"' not in (tmp_path / "unit" / "ICT-SD-301.html").read_text(encoding="utf-8")
    assert crawl(tmp_path) == []
