"""`registry load` / `registry export` and the loader: validation first, idempotence, atomicity, dumps."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from bench.generate import generate
from registry.cli import main
from registry.loader import LoadError, LoadRefused, load_paths
from registry.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = [ROOT / "ontology", ROOT / "shapes", ROOT / "vocabularies"]
FIXTURE = ROOT / "tests" / "sparql" / "fixture.ttl"  # has a blank node

BAD_UNIT = """@prefix cb: <https://w3id.org/gdlecb/def/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/gdlecb/unit/BAD-X-101> a cb:Unit ; skos:notation "not a code" .
"""


def canonical_dataset(store) -> set:
    ds = ox.Dataset(store.oxigraph.quads_for_pattern(None, None, None, None))
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(ds)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return generate(400, seed=3, out=tmp_path_factory.mktemp("syn") / "syn.ttl")


def test_loading_the_same_files_twice_gives_the_same_store(tmp_path, synthetic):
    store = EmbeddedStore(tmp_path / "store")
    paths = [*SHIPPED, FIXTURE, synthetic]
    load_paths(store, paths, validate=False)
    first, names = canonical_dataset(store), sorted(store.graph_names())
    load_paths(store, paths, validate=False)
    assert canonical_dataset(store) == first
    assert sorted(store.graph_names()) == names
    assert len(first) > 10_000


def test_validation_runs_first_and_refuses_naming_why(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    load_paths(store, SHIPPED, validate=True)  # the shipped data conforms
    gen, before = store.generation(), canonical_dataset(store)
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_UNIT)
    with pytest.raises(LoadRefused) as e:
        load_paths(store, [bad], validate=True)
    assert "not a code" in str(e.value) and "skos:notation" in str(e.value)
    assert store.generation() == gen and canonical_dataset(store) == before
    # trusted bulk input may skip validation
    load_paths(store, [bad], validate=False)
    assert "https://w3id.org/gdlecb/unit/BAD-X-101" in store.graph_names()


def test_syntax_error_names_file_line_and_column_and_loads_nothing(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    good = tmp_path / "a.ttl"
    good.write_text(FIXTURE.read_text())
    broken = tmp_path / "b.ttl"
    broken.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n')
    gen = store.generation()
    with pytest.raises(LoadError) as e:
        load_paths(store, [good, broken], validate=False)
    assert str(e.value).startswith(f"{broken}:3:")
    assert store.generation() == gen and store.graph_names() == []


def test_a_failure_injected_mid_load_leaves_the_store_unchanged(tmp_path, synthetic):
    store = EmbeddedStore(tmp_path / "store")
    load_paths(store, [FIXTURE, ROOT / "vocabularies"], validate=False)
    before, gen = canonical_dataset(store), store.generation()

    def fail(stage, n):
        if stage == "insert" and n >= 5000:  # half-way through the bulk insert
            raise RuntimeError("disk full (injected)")

    store.fault_hook = fail
    with pytest.raises(RuntimeError, match="injected"):
        load_paths(store, [synthetic, ROOT / "vocabularies"], validate=False)
    store.fault_hook = None
    assert canonical_dataset(store) == before
    assert store.generation() == gen
    # another process opening the folder sees the same (unchanged) store
    other = EmbeddedStore(store.path, read_only=True)
    assert canonical_dataset(other) == before


def test_progress_bar_on_request(tmp_path, synthetic, capsys):
    store = EmbeddedStore(tmp_path / "store")
    load_paths(store, [synthetic, FIXTURE], validate=False, progress=True)
    assert "parse" in capsys.readouterr().err


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load_paths(EmbeddedStore(None), [tmp_path / "nothing.ttl"], validate=False)


# -- the command line ------------------------------------------------------------------------------

def test_cli_load_and_refusal(tmp_path):
    runner = CliRunner()
    folder = str(tmp_path / "store")
    r = runner.invoke(main, ["load", "--store", folder, *map(str, SHIPPED)])
    assert r.exit_code == 0, r.output
    assert "validation: conforms" in r.output and "loaded " in r.output
    names = sorted(EmbeddedStore(folder, read_only=True).graph_names())
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_UNIT)
    r = runner.invoke(main, ["load", "--store", folder, str(bad)])
    assert r.exit_code == 1
    assert "does not conform" in r.output and "nothing was loaded" in r.output and "not a code" in r.output
    assert sorted(EmbeddedStore(folder, read_only=True).graph_names()) == names
    r = runner.invoke(main, ["load", "--store", folder, "--no-validate", str(FIXTURE)])
    assert r.exit_code == 0, r.output
    assert "https://w3id.org/gdlecb/unit/TST-UT-301" in EmbeddedStore(folder, read_only=True).graph_names()


@pytest.mark.parametrize("fmt,ox_fmt", [("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG),
                                        ("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES)])
@pytest.mark.parametrize("use_gzip", [False, True])
def test_cli_export(tmp_path, synthetic, fmt, ox_fmt, use_gzip):
    folder = tmp_path / "store"
    store = EmbeddedStore(folder)
    load_paths(store, [synthetic, FIXTURE], validate=False)
    out = tmp_path / f"dump.{fmt}{'.gz' if use_gzip else ''}"
    r = CliRunner().invoke(main, ["export", "--store", str(folder), "--format", fmt, *(["--gzip"] if use_gzip else []), str(out)])
    assert r.exit_code == 0, r.output
    data = gzip.decompress(out.read_bytes()) if use_gzip else out.read_bytes()
    got = list(ox.parse(data, ox_fmt))
    quads = list(store.oxigraph.quads_for_pattern(None, None, None, None))
    if ox_fmt.supports_datasets:
        assert len(got) == len(quads)
        assert {q.graph_name for q in got} == {q.graph_name for q in quads}
    else:
        assert len(got) == len({q.triple for q in quads})
