"""Settings, from the command line and the environment (``REGISTRY_*``).

Every option of ``registry serve`` can also be given as an environment
variable, e.g. ``REGISTRY_STORE=/srv/registry-data`` or
``REGISTRY_SPARQL_TIMEOUT=5``; command-line options win.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from .namespaces import BASE

DEFAULT_STORE = "./registry-data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    #: a folder (embedded Oxigraph store) or ``sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]]``
    store: str = DEFAULT_STORE
    #: folder for workflow state (users, submissions, versions, audit, change feed);
    #: defaults to the store folder for the embedded store, ``./registry-state`` otherwise
    state_dir: str | None = None
    #: credentials and timeout for a remote store
    store_user: str | None = None
    store_password: str | None = None
    store_timeout: float = 30.0

    #: the IRI prefix of the data that maps onto the served root path "/"
    base_iri: str = BASE
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: the public base URL of this server (``scheme://host[:port][/prefix]``) used for every absolute
    #: link the server writes (change feed, Atom, service description); never taken from the request's
    #: ``Host`` header. Default: ``http://{host}:{port}``
    public_url: str | None = None

    #: public SPARQL endpoint limits
    sparql_timeout: float = 10.0
    sparql_max_results: int = 10_000
    sparql_max_query_bytes: int = 100_000
    #: largest serialised result (bytes); bigger results are refused, like those over sparql_max_results
    sparql_max_result_bytes: int = 64 * 1024 * 1024
    #: query worker processes per server process (0: one per CPU); see registry/sparql/executor.py
    sparql_workers: int = 0
    #: query workers keep an in-memory copy of the store (much faster aggregates; ~0.8 GB per worker
    #: at 100k units; rebuilt in the background after each write)
    sparql_in_memory: bool = True
    #: ... but only for stores of at most this many quads (0: no bound); bigger stores are queried on
    #: disk, so memory stays bounded at a million units (issue 13; ~2.1 M quads per 100k units)
    sparql_in_memory_max_triples: int = 5_000_000
    #: queries proven bounded (one triple pattern: ASK, or SELECT with a constant subject having at
    #: most this many quads) are answered in the server process, without a worker round trip; 0: off
    sparql_fast_max_triples: int = 10_000
    #: bytes of fast-path answers kept per server process (keyed by query string, Accept and store
    #: generation; dropped on every write; see registry/sparql/cache.py); 0: no cache
    sparql_cache_bytes: int = 64 * 1024 * 1024
    #: SERVICE endpoints a public query may call (empty: SERVICE is refused)
    sparql_service_allowlist: list[str] = []
    #: deepest nesting of { ( [ a public query may have (deeper: 400 before any parser runs)
    sparql_max_nesting: int = 100
    #: extra query workers reserved for queries proven cheap by their shape (see registry/sparql/guard.py)
    sparql_cheap_workers: int = 1
    #: expensive queries one client address may run at once (more: 429); 0: no limit
    sparql_heavy_per_client: int = 2

    #: largest accepted request body for submissions (bytes); larger gets 413
    max_body_bytes: int = 10 * 1024 * 1024
    #: development mode: creates a local admin token at start and prints it once
    dev: bool = False
    #: catalogue default language
    default_lang: str = "zh"

    #: deepest nesting accepted in an RDF text (JSON arrays/objects; Turtle/TriG ( ), [ ], { }, << >>;
    #: XML elements), checked before parsing; deeper gets 422 naming line and column. 0 disables.
    max_nesting_depth: int = 64
    #: parse untrusted RDF (submissions, dry runs, stdin) in a worker process the server survives losing
    parse_in_worker: bool = True
    #: largest CSV cell (characters); a longer one gets 422 naming row and column
    csv_max_cell_chars: int = 100_000
    #: a registrar may accept their own submission (default: no, two-person review)
    allow_self_review: bool = False
    #: anonymous dry runs (POST /api/validate without a token): largest body (bytes) and most items
    #: per request (413 beyond), and how many may run at once per server process (429 beyond)
    dry_run_max_bytes: int = 1024 * 1024
    dry_run_max_items: int = 200
    dry_run_concurrency: int = 2
    #: seconds a client is told to wait (Retry-After) when the dry runs are all busy
    dry_run_retry_after: int = 5

    def state_path(self) -> Path:
        if self.state_dir:
            return Path(self.state_dir)
        if self.store.startswith("sparql:"):
            return Path("./registry-state")
        return Path(self.store)

    def public_base(self) -> str:
        """The public base URL without a trailing slash (see ``public_url``)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def is_remote(self) -> bool:
        return self.store.startswith("sparql:")
