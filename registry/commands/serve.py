"""``registry serve``: the web application (catalogue, workflow API, SPARQL endpoint) under uvicorn."""

from __future__ import annotations

import os

import click

from ..config import Settings


@click.command("serve")
@click.option("--store", "store_spec", default=None,
              help="Store folder or sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]] (env REGISTRY_STORE; default ./registry-data).")
@click.option("--host", default=None, help="Interface to listen on (env REGISTRY_HOST; default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (env REGISTRY_PORT; default 8000).")
@click.option("--workers", type=int, default=None,
              help="Server processes (env REGISTRY_WORKERS; default 1). Each has its own SPARQL query workers.")
@click.option("--sparql-timeout", type=float, default=None, help="Per-query time limit in seconds (env REGISTRY_SPARQL_TIMEOUT).")
@click.option("--dev", is_flag=True, default=None, help="Development mode (see the workflow docs: prints a local admin token).")
@click.option("--log-level", default="warning", show_default=True)
def serve_command(store_spec, host, port, workers, sparql_timeout, dev, log_level) -> None:
    """Serve the registry: catalogue, workflow API and the SPARQL endpoint at /sparql. 启动注册库服务。

    Settings come from the options above and REGISTRY_* environment variables (options win).
    """
    import uvicorn

    overrides = {k: v for k, v in dict(store=store_spec, host=host, port=port, workers=workers,
                                        sparql_timeout=sparql_timeout, dev=dev).items() if v is not None}
    settings = Settings(**overrides)
    # worker processes build their app from the environment: pass the CLI choices on that way
    for key, value in overrides.items():
        os.environ["REGISTRY_" + key.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    if not settings.is_remote():
        from ..store import StoreError
        from ..store.embedded import EmbeddedStore

        try:  # create the store folder once, before the server processes open it
            EmbeddedStore(settings.store).close()
        except StoreError as e:
            raise click.ClickException(str(e))
    click.echo(f"registry: serving {settings.store} on http://{settings.host}:{settings.port}/ "
               f"(SPARQL: /sparql, {settings.workers} process(es))", err=True)
    uvicorn.run("registry.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level=log_level, access_log=False, lifespan="on")


commands = [serve_command]
