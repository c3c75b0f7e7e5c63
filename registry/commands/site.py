"""``registry build-site``: write the catalogue as a static site."""

from __future__ import annotations

import click

from ..config import Settings


@click.command("build-site")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--store", "store_spec", envvar="REGISTRY_STORE", default=None,
              help="Store folder or sparql:QUERY_URL (default: REGISTRY_STORE or ./registry-data).")
@click.option("--base-iri", default=None, help="IRI prefix of the data (default: REGISTRY_BASE_IRI or the built-in base).")
@click.option("--lang", "langs", default="zh,en", show_default=True,
              help="Languages to build, comma-separated; the first is at the root, the others under {lang}/.")
@click.option("--no-data", is_flag=True, help="Skip the per-item Turtle/JSON-LD/RDF-XML/N-Triples files.")
@click.option("--profiles", "profile_list", default="cb", show_default=True,
              help="Profiles to write per item, comma-separated (cb, skos, elm, ctdl); cb is the {path}.ttl files, "
                   "the others {path}/_profile/{token}.{ext}.")
@click.option("--workers", type=int, default=None, help="Rendering processes (default: one per CPU).")
@click.option("--full", is_flag=True,
              help="Render every page even over a previous build (default: only the pages that read something "
                   "that changed since it; still only changed files are written).")
def build_site_command(out, store_spec, base_iri, langs, no_data, profile_list, workers, full):
    """Write the whole catalogue as static files to OUT/ (relative links, client-side search)."""
    from ..catalogue.build import build_site
    from ..store import StoreError, open_store

    settings = Settings(**({"store": store_spec} if store_spec else {}))
    lang_list = tuple(x.strip() for x in langs.split(",") if x.strip())
    bad = [x for x in lang_list if x not in ("zh", "en")]
    if bad or not lang_list:
        raise click.BadParameter(f"languages must be zh and/or en, not {', '.join(bad) or 'nothing'}", param_hint="--lang")
    from ..catalogue.static_extras import parse_profiles
    from ..errors import RegistryError

    try:
        tokens = parse_profiles(profile_list)
    except RegistryError as e:
        raise click.BadParameter(f"{e.zh} · {e.en}", param_hint="--profiles") from e
    try:
        store = open_store(settings.store, read_only=not settings.is_remote())
    except StoreError as e:
        raise click.ClickException(str(e)) from e
    try:
        stats = build_site(store, out, base_iri=base_iri or settings.base_iri, langs=lang_list,
                           default_lang=lang_list[0], formats=not no_data, workers=workers, profiles=tokens,
                           incremental=not full, log=lambda m: click.echo(m, err=True))
    finally:
        store.close()
    click.echo(f"{out}: {stats.pages} pages, {stats.data_files} data files, {stats.bytes / 1e6:.1f} MB "
               f"in {stats.seconds:.1f} s ({stats.pages_per_second:.0f} pages/s); {stats.rendered} items rendered, "
               f"{stats.written} files written, {stats.removed} removed")


commands = [build_site_command]
