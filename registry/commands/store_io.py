"""``registry load`` and ``registry export``: files in and out of the store."""

from __future__ import annotations

import gzip
import sys
import time

import click
import pyoxigraph as ox

from ..config import DEFAULT_STORE
from ..loader import LoadError, LoadRefused, load_paths, peak_rss_mb
from ..store import StoreError, open_store

EXPORT_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}

store_option = click.option(
    "--store", "store_spec", envvar="REGISTRY_STORE", default=DEFAULT_STORE, show_default=True,
    help="Store folder (embedded Oxigraph) or sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]]. Env: REGISTRY_STORE.",
)


@click.command("load")
@store_option
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Check the input against the SHACL shapes first and refuse it if it does not conform. "
                   "--no-validate is for trusted bulk input only (e.g. the benchmark's synthetic data).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Language of the validation report.")
@click.option("--progress/--no-progress", default=None,
              help="A progress line on stderr (triples, items, elapsed; default: when stderr is a terminal).")
@click.option("--state-dir", envvar="REGISTRY_STATE_DIR", default=None,
              help="Workflow state folder (versions, change feed); default: the store folder. Env: REGISTRY_STATE_DIR.")
@click.option("--shipped", is_flag=True,
              help="Also load the shipped ontology, shapes and vocabularies (those packaged with the registry, "
                   "or REGISTRY_RESOURCES_DIR's). 同时载入随附的本体、数据约束和代码表。")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def load_command(store_spec: str, validate: bool, lang: str, progress: bool | None, state_dir: str | None,
                 shipped: bool, paths: tuple[str, ...]) -> None:
    """Validate, then load RDF files or folders (and with --shipped the shipped content) into the store,
    one named graph per item.

    载入 RDF 文件（先校验，不合格则拒绝）。Loading is all-or-nothing and idempotent:
    each item's graph is replaced as a whole, so loading the same files twice gives the same store.
    Every item the load changes gets a new version {item}/v/{n} and a change event
    (registry/workflow/loads.py); loading the same content again records nothing.
    With --no-validate the input is streamed (read twice, handed to the store item by item), so
    memory stays bounded however large it is; the last line gives the elapsed time and peak memory.
    """
    from ..config import Settings
    from ..workflow.loads import LoadRecorder

    if shipped:
        from .. import resources

        paths = tuple(str(p) for p in resources.shipped_paths()) + tuple(paths)
    if not paths:
        raise click.UsageError("give PATH... or --shipped / 请指定要载入的文件或 --shipped")
    start = time.perf_counter()
    recorder = None
    try:
        with open_store(store_spec) as store:
            recorder = LoadRecorder(store, Settings(store=store_spec, state_dir=state_dir))
            replayed = recorder.apply_pending()  # a crashed earlier load or workflow write first
            if replayed:
                click.echo(f"completed {replayed} pending write(s) of an earlier load or review", err=True)
            result = load_paths(store, paths, validate=validate, progress=progress, lang=lang,
                                log=lambda m: click.echo(m, err=True), before_write=recorder.before_write)
            recorder.done()
            gen = store.generation()
    except LoadRefused as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    except (LoadError, StoreError) as e:
        if recorder is not None and recorder.outbox_id is not None:
            click.echo(f"error: {e}\nthe new versions are recorded; the store write will be completed by the next "
                       "`registry load` or `registry serve` start.", err=True)
        else:
            click.echo(f"error: {e}\nnothing was loaded.", err=True)
        sys.exit(1)
    created = sum(1 for v in recorder.recorded if v["event"] == "create")
    click.echo(f"loaded {len(result.items)} item(s), {result.triples} triples from {len(result.files)} file(s) "
               f"into {store_spec} (generation {gen}); "
               f"{len(recorder.recorded)} new version(s) ({created} new item(s)), "
               f"{len(result.items) - len(recorder.recorded)} unchanged; "
               f"elapsed {time.perf_counter() - start:.1f} s, peak RSS {peak_rss_mb():.0f} MB")


@click.command("export")
@store_option
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="nq", show_default=True,
              help="ttl/nt: the union of all graphs; nq/trig keep one named graph per item.")
@click.option("--gzip", "use_gzip", is_flag=True, help="Compress the output with gzip.")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
def export_command(store_spec: str, fmt: str, use_gzip: bool, out: str) -> None:
    """Write a dump of the whole registry to OUT ("-" for standard output). 导出数据转储。"""
    try:
        with open_store(store_spec, read_only=not store_spec.startswith("sparql:")) as store:
            if out == "-":
                sink = sys.stdout.buffer
                stream = gzip.GzipFile(fileobj=sink, mode="wb") if use_gzip else sink
                store.dump(stream, EXPORT_FORMATS[fmt])
                if use_gzip:
                    stream.close()
                return
            tmp = out + ".part"
            opener = gzip.open if use_gzip else open
            with opener(tmp, "wb") as f:
                store.dump(f, EXPORT_FORMATS[fmt])
            import os

            os.replace(tmp, out)
    except StoreError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    click.echo(f"wrote {out}", err=True)


commands = [load_command, export_command]
