"""The store over a remote SPARQL 1.1 server (Oxigraph server, Virtuoso, Fuseki, GraphDB, Neptune...).

Only the standard protocols are used: SPARQL 1.1 Query and Update (a graph-store
URL may be given in the spec but is not used yet: whole graphs are read with
CONSTRUCT, which every server supports). Every request goes out in the form every server answers correctly:
``POST application/x-www-form-urlencoded`` with an explicit ``Accept`` (SPARQL
JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE). Results are parsed with
pyoxigraph, so callers get exactly the types the embedded store returns, and
the public ``/sparql`` (``RegistryStore.query_executor``: threads calling
:meth:`RemoteStore.query` with the time limit) serialises them again with
pyoxigraph, so it keeps its formats (CSV/TSV included) on any server.

Writes: a :class:`GraphWrite` becomes ONE update request (``DROP SILENT GRAPH``
plus ``INSERT DATA`` per item), which the server applies as one transaction: a
reader sees an item before or after, never half of it. A failed request
(error status, network error, timeout) raises :class:`StoreError`; a
transactional server has then applied nothing of that request (a timed-out
request may still be applied whole). Virtuoso 7.2 is not transactional across
the operations of one request on run-time errors, and needs repeatable-read
isolation for readers never to see an item mid-write (docs/deployment.md). :meth:`RemoteStore.bulk_load_quads`
sends large loads in several requests: each item is still replaced atomically,
but a load interrupted half-way leaves the items of earlier requests loaded.

Virtuoso 7.2 is detected from its ``Server`` header and handled with care:
its system graphs (``virtrdf#``, the service description, DAV...) are kept out
of :meth:`graph_names`/:meth:`dump` (and out of the union default graph by
making them private graphs, see docs/deployment.md — its
``input:*-graph-exclude`` pragmas also lose triples of ``GRAPH <g>`` patterns,
so they are not used); blank nodes, which it refuses in ``INSERT
DATA``, are written with ``INSERT {...} WHERE {}``; large graphs are split into
several operations of the same request (its SQL compiler refuses long ones) and
changes of more than 500 triples into several requests of whole items;
its ``nodeID://`` blank node labels are rewritten so pyoxigraph can parse them;
result sets it truncates (``ResultSetMaxRows``) or cuts short at its own time
limit (anytime queries) raise :class:`StoreError` instead of passing as complete.

``generation()`` counts the writes made through this object only: writes by
other processes to the same server are not seen (see docs/deployment.md).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from ..errors import Kind
from ..sparql.dataset import EMPTY_GRAPH, resolve, with_base
from .base import (
    GraphWrite,
    QueryResult,
    RegistryStore,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
    StoreUpstreamError,
)

SPARQL_JSON = "application/sparql-results+json"
#: seconds added to a query's ``timeout`` for the HTTP wait (see _run)
TIMEOUT_GRACE = 1.0
N_TRIPLES = "application/n-triples"

#: graphs Virtuoso 7.2 creates on its own (kept out of the registry's dataset)
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
)
#: paths of the per-host graphs Virtuoso creates (service description, WebDAV)
VIRTUOSO_SYSTEM_PATHS = ("/sparql", "/DAV/")

# Virtuoso refusing a query by its estimated cost, or stopping it at its time limit
_TIMEOUT_TEXT = re.compile(r"estimated execution time .* exceeds the limit|timed? ?out|timeout", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PREFIXES = re.compile(r"^\s*(?:(?:#[^\n]*\n)|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>)|\s)*",
                       re.IGNORECASE)
# Virtuoso labels blank nodes "nodeID://b10004", which is not a valid blank node label
_VIRTUOSO_BNODE_JSON = re.compile(rb'("type":\s*"bnode",\s*"value":\s*")nodeID://')


__all__ = ["RemoteStore", "StoreError", "StoreTimeoutError", "StoreUnavailableError", "StoreUpstreamError"]


def _nt(triples: Sequence[ox.Triple]) -> str:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (after PREFIX/BASE declarations and comments)."""
    m = _FORM.search(sparql, _PREFIXES.match(sparql).end())
    return m.group(1).upper() if m else "SELECT"


def _check_syntax(sparql: str, base_iri: str | None = None) -> str:
    """Parse ``sparql`` locally with Oxigraph's parser; return its form or raise SyntaxError.

    The same parser as the embedded store, so bad queries fail with the same
    message on every backend (servers differ: Virtuoso may even answer 200).
    Queries with SERVICE are not checked here (pyoxigraph would call the service).
    """
    if _SERVICE.search(sparql):
        return _query_form(sparql)
    result = ox.Store().query(sparql, base_iri=base_iri)  # empty store: parses and plans, evaluates nothing of note
    if isinstance(result, ox.QueryBoolean):
        return "ASK"
    if isinstance(result, ox.QueryTriples):
        return "CONSTRUCT"
    return "SELECT"


class _Auth(httpx.Auth):
    """Basic or digest, whichever the server asks for (the password never goes out before a 401)."""

    def __init__(self, user: str, password: str, scheme: str = "auto"):
        self.user, self.password = user, password
        self.scheme = scheme
        self._digest = httpx.DigestAuth(user, password)
        self._basic = httpx.BasicAuth(user, password)
        self._lock = threading.Lock()

    def auth_flow(self, request):
        scheme = self.scheme
        if scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        if scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        with self._lock:
            self.scheme = "digest" if challenge.startswith("digest") else "basic"
        flow = (self._digest if self.scheme == "digest" else self._basic).auth_flow(request)
        # the digest flow sends the request, gets the 401 challenge, then answers it
        sent = next(flow)
        try:
            while True:
                response = yield sent
                sent = flow.send(response)
        except StopIteration:
            return


class RemoteStore(RegistryStore):
    kind = "remote"

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        store_url: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        auth: str = "auto",
        timeout: float = 30.0,
        dialect: str = "auto",
        read_only: bool = False,
        max_request_triples: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.timeout = timeout
        self.read_only = read_only or update_url is None
        self._dialect = None if dialect == "auto" else dialect
        #: split writes into requests of about this many triples (whole items); None: one request
        #: (Virtuoso: 500 by default, see write())
        self.max_request_triples = max_request_triples
        self._generation = 0
        self._lock = threading.Lock()
        self._client = httpx.Client(
            auth=_Auth(user, password or "", auth) if user else None,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            follow_redirects=False,
        )

    @classmethod
    def from_spec(cls, spec: str, **options) -> "RemoteStore":
        """``sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]]`` (the update URL defaults to the query URL).

        Credentials and timeout come from ``options`` (``user``, ``password``,
        ``timeout``) or, when not given, from ``REGISTRY_STORE_USER``,
        ``REGISTRY_STORE_PASSWORD`` and ``REGISTRY_STORE_TIMEOUT``.
        """
        if not spec.startswith("sparql:"):
            raise StoreError(f"not a remote store spec (expected sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]]): {spec}", kind=Kind.BAD_REQUEST)
        urls = [u.strip() for u in spec[len("sparql:"):].split(",")]
        if not urls or not urls[0] or len(urls) > 3:
            raise StoreError(f"expected sparql:QUERY_URL[,UPDATE_URL[,STORE_URL]], got {spec!r}", kind=Kind.BAD_REQUEST)
        for u in urls:
            if u and urlsplit(u).scheme not in ("http", "https"):
                raise StoreError(f"not an http(s) URL in the store spec: {u!r}", kind=Kind.BAD_REQUEST)
        query_url = urls[0]
        update_url = urls[1] if len(urls) > 1 and urls[1] else query_url
        store_url = urls[2] if len(urls) > 2 and urls[2] else None
        if not {"user", "password", "timeout"} <= options.keys():
            from ..config import Settings

            s = Settings()
            options.setdefault("user", s.store_user)
            options.setdefault("password", s.store_password)
            options.setdefault("timeout", s.store_timeout)
        options = {k: v for k, v in options.items() if v is not None}
        return cls(query_url, update_url, store_url, **options)

    # ------------------------------------------------------------------ HTTP

    def _post(self, url: str, data: dict, accept: str | None, timeout: float | None, what: str) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        try:
            kw = {} if timeout is None else {"timeout": httpx.Timeout(timeout, connect=min(timeout, 10))}
            r = self._client.post(url, data=data, headers=headers, **kw)
        except httpx.TimeoutException as e:
            raise StoreTimeoutError(f"{what}: the SPARQL server at {url} did not answer within "
                                    f"{timeout or self.timeout:g} s ({type(e).__name__})") from e
        except httpx.HTTPError as e:
            raise StoreUnavailableError(f"{what}: cannot reach the SPARQL server at {url}: {e}") from e
        if self._dialect is None:
            self._dialect = "virtuoso" if "virtuoso" in r.headers.get("server", "").lower() else "standard"
        if r.status_code in (401, 403):
            raise StoreUpstreamError(f"{what}: the SPARQL server at {url} refused the request ({r.status_code}); "
                             "check the store user and password (REGISTRY_STORE_USER / REGISTRY_STORE_PASSWORD)")
        if r.status_code >= 500 or r.status_code in (408, 429):
            cls = StoreTimeoutError if r.status_code in (408, 504) or _TIMEOUT_TEXT.search(r.text[:500]) \
                else StoreUnavailableError
            raise cls(f"{what}: the SPARQL server at {url} answered {r.status_code}: {_snippet(r)}")
        if r.status_code >= 400:
            raise StoreUpstreamError(f"{what}: the SPARQL server at {url} answered {r.status_code}: {_snippet(r)}")
        if r.headers.get("x-sql-state") == "S1TAT":  # Virtuoso "anytime query": partial results
            raise StoreTimeoutError(f"{what}: the SPARQL server stopped the query at its own time limit "
                                    "and returned partial results")
        if r.headers.get("x-sparql-maxrows"):
            raise StoreUpstreamError(f"{what}: the SPARQL server cut the result at {r.headers['x-sparql-maxrows']} rows "
                             "(Virtuoso ResultSetMaxRows); raise that limit in virtuoso.ini")
        return r

    @property
    def dialect(self) -> str:
        if self._dialect is None:
            self._post(self.query_url, {"query": "ASK {}"}, SPARQL_JSON, None, "probing the server")
        return self._dialect

    def _run(self, sparql: str, form: str, *, default_graph=None, named_graphs=None, timeout=None,
             what="query") -> httpx.Response:
        data: dict = {"query": sparql}
        if default_graph is not None:
            data["default-graph-uri"] = list(default_graph)
        if named_graphs is not None:
            data["named-graph-uri"] = list(named_graphs)
        if timeout is not None:
            # the caller's deadline comes first (the SPARQL endpoint answers 503 at ``timeout``); the
            # server gets a little longer, and the HTTP wait a little longer again, so that a slow
            # query ends with the caller's own timeout answer rather than a race with ours
            if self.dialect == "virtuoso":
                # Virtuoso stops the query at this limit (milliseconds) instead of computing on after we
                # gave up; the partial answer it then sends is refused in _post (X-SQL-State S1TAT)
                data["timeout"] = str(int((timeout + TIMEOUT_GRACE / 2) * 1000))
            timeout += TIMEOUT_GRACE
        accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else SPARQL_JSON
        r = self._post(self.query_url, data, accept, timeout, what)
        ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
        expected = ("application/n-triples", "text/plain") if accept == N_TRIPLES else (SPARQL_JSON, "application/json")
        if ctype not in expected:
            # e.g. Virtuoso answering a malformed query with 200 and an HTML page
            raise StoreUpstreamError(f"{what}: the SPARQL server answered with {ctype or 'no content type'} "
                             f"instead of {accept}: {_snippet(r)}")
        return r

    # ------------------------------------------------------------------ reads

    def _parse(self, r: httpx.Response, form: str):
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                return [q.triple for q in ox.parse(r.content, ox.RdfFormat.N_TRIPLES)]
            body = r.content
            if self._dialect == "virtuoso":
                body = _VIRTUOSO_BNODE_JSON.sub(rb"\1", body)
            return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        except SyntaxError as e:
            if b"has been cancelled" in r.content[-200:]:
                # Oxigraph server at its --timeout-s: the answer (already 200) ends with this message
                raise StoreTimeoutError("the SPARQL server stopped the query at its own time limit") from e
            raise StoreUpstreamError(f"the SPARQL server's answer could not be parsed: {e}") from e

    def query(self, sparql, *, default_graph=None, named_graphs=None, timeout=None, base_iri=None) -> QueryResult:
        """A query with the registry's dataset rules (``registry/sparql/dataset.py``), on any server.

        Servers differ on FROM and on the protocol's dataset parameters, so the dataset is resolved
        here and sent explicitly: the query's FROM/FROM NAMED become ``default-graph-uri``/
        ``named-graph-uri`` (taken out of the text), an empty part is :data:`EMPTY_GRAPH`, and
        ``base_iri`` becomes the query's explicit BASE (``dataset.with_base``).
        """
        form = _check_syntax(sparql, base_iri)
        resolved = resolve(sparql, default_graph, named_graphs, base_iri)
        text = resolved.text
        if base_iri is not None:
            text = with_base(text, _iri(base_iri))
        ds = resolved.dataset
        dg = ng = None
        if not ds.union:
            dg = list(ds.default) or [EMPTY_GRAPH]
            ng = list(ds.named) or [EMPTY_GRAPH]
        r = self._run(text, form, default_graph=dg, named_graphs=ng, timeout=timeout)
        parsed = self._parse(r, form)
        if isinstance(parsed, list):
            return _as_query_triples(parsed)
        return parsed

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        r = self._run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_iri(graph)}> {{ ?s ?p ?o }} }}", "CONSTRUCT",
                      named_graphs=None, what=f"reading graph {graph}")
        return self._parse(r, "CONSTRUCT")

    def _raw_graph_names(self) -> list[str]:
        # ``[]`` rather than ``?o``: the same solutions, but Virtuoso 7.2 then reads no objects. With
        # ``?o`` it fetched every object of the store (long literals from RDF_OBJ) for a list of names,
        # which after a few thousand long literals ran past its query time limit ("SR171: Transaction
        # timed out") on every listing: tests/regressions/test_virtuoso_graph_listing_reads_no_objects.py
        data = {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p [] } }"}
        r = self._post(self.query_url, data, SPARQL_JSON, None, "listing graphs")
        return [s["g"].value for s in self._parse(r, "SELECT") if isinstance(s["g"], ox.NamedNode)]

    def graph_names(self) -> list[str]:
        names = self._raw_graph_names()
        if self.dialect == "virtuoso":
            names = [g for g in names if not _is_virtuoso_system(g)]
        return names

    def dump(self, output, fmt: ox.RdfFormat, *, batch: int = 200) -> None:
        """Write all registry graphs, ``batch`` graphs per request (bounded answers on any server)."""
        names = self.graph_names()

        def quads() -> Iterable[ox.Quad]:
            for i in range(0, len(names), batch):
                values = " ".join(f"<{_iri(g)}>" for g in names[i:i + batch])
                r = self._run(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}",
                              "SELECT", what="dumping graphs")
                for s in self._parse(r, "SELECT"):
                    yield ox.Quad(s["s"], s["p"], s["o"], s["g"])

        if fmt.supports_datasets:
            ox.serialize(quads(), output, fmt)
        else:
            ox.serialize((q.triple for q in quads()), output, fmt)

    # ------------------------------------------------------------------ writes

    def _update(self, text: str, what: str) -> None:
        if self.read_only:
            raise StoreError("this store is read-only (no update URL was given)", kind=Kind.CONFLICT)
        self._post(self.update_url, {"update": text}, None, None, what)

    def _change_ops(self, change: GraphWrite) -> list[str]:
        if self.dialect == "virtuoso":
            return self._virtuoso_ops(change)
        ops = [f"DROP SILENT GRAPH <{_iri(g)}>" for g in change.drop]
        for g, triples in change.replace.items():
            ops.append(f"DROP SILENT GRAPH <{_iri(g)}>")
            if triples:
                ops.append(f"INSERT DATA {{ GRAPH <{_iri(g)}> {{\n{_nt(triples)}}} }}")
        return ops

    def _virtuoso_ops(self, change: GraphWrite) -> list[str]:
        """The same change in the form Virtuoso 7.2 runs well.

        One DELETE for all touched graphs (many DROP operations make its compiler
        slow), INSERT DATA operations of about 400 triples (longer ones overflow
        its SQL text limit) and blank-node triples through ``INSERT {...} WHERE {}``
        (it refuses blank nodes in INSERT DATA); still one request, one transaction.
        """
        touched = [*change.drop, *change.replace]
        if not touched:
            return []
        values = " ".join(f"<{_iri(g)}>" for g in touched)
        ops = [f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"]
        blocks: list[str] = []
        size = 0
        for g, triples in change.replace.items():
            ground = [t for t in triples if not _has_bnode(t)]
            for i in range(0, len(ground), 400):
                chunk = ground[i:i + 400]
                blocks.append(f"GRAPH <{_iri(g)}> {{\n{_nt(chunk)}}}")
                size += len(chunk)
                if size >= 400:
                    ops.append("INSERT DATA { " + "\n".join(blocks) + " }")
                    blocks, size = [], 0
        if blocks:
            ops.append("INSERT DATA { " + "\n".join(blocks) + " }")
        for g, triples in change.replace.items():
            with_bnodes = [t for t in triples if _has_bnode(t)]
            if with_bnodes:
                # one template per graph (a template with several GRAPH blocks fails with an
                # internal error in 7.2); its blank node labels stay shared between its triples
                ops.append(f"INSERT {{ GRAPH <{_iri(g)}> {{\n{_nt(with_bnodes)}}} }} WHERE {{}}")
        return ops

    def _batches(self, change: GraphWrite, limit: int | None) -> list[GraphWrite]:
        """``change`` cut into writes of about ``limit`` triples, never splitting an item."""
        if not limit:
            return [change]
        out: list[GraphWrite] = []
        batch: dict[str, Sequence[ox.Triple]] = {}
        size = 0
        for g, triples in change.replace.items():
            if batch and size + len(triples) > limit:
                out.append(GraphWrite(replace=batch))
                batch, size = {}, 0
            batch[g] = triples
            size += len(triples) + 1
        if batch or not out:
            out.append(GraphWrite(replace=batch))
        out[0] = GraphWrite(replace=out[0].replace, drop=change.drop)
        return out

    def write(self, change: GraphWrite) -> None:
        """Apply ``change`` in one update request (one transaction on the server).

        On Virtuoso, whose update time grows faster than the request size, a
        change of more than ``max_request_triples`` (default 500) is sent as
        several requests of whole items: each item is still replaced atomically,
        and if a request fails the error says which items were already written.
        """
        limit = self.max_request_triples
        if limit is None and self.dialect == "virtuoso":
            limit = 500
        batches = self._batches(change, limit)
        written: list[str] = []
        for i, part in enumerate(batches):
            ops = self._change_ops(part)
            if not ops:
                continue
            n = len(part.replace) + len(part.drop)
            if i == 0:
                what = f"writing {n} graph(s) (nothing was changed)"
            else:
                what = (f"writing graphs in request {i + 1} of {len(batches)}: {len(written)} graph(s) were already "
                        f"replaced ({', '.join(written[:5])}{'…' if len(written) > 5 else ''}); the rest are unchanged")
            self._update(" ;\n".join(ops), what)
            written.extend([*part.drop, *part.replace])
            with self._lock:
                self._generation += 1

    def bulk_load_quads(self, quads: Iterable[ox.Quad], graphs: Iterable[str], *, size_hint: int | None = None) -> None:
        """Replace ``graphs`` with ``quads`` in several requests (each item atomic, the load as a whole not).

        ``size_hint`` is not needed here: requests are cut by triple count as the quads come.
        """
        by_graph: dict[str, list[ox.Triple]] = {g: [] for g in graphs}
        for q in quads:
            by_graph.setdefault(q.graph_name.value, []).append(q.triple)
        limit = self.max_request_triples or (500 if self.dialect == "virtuoso" else 50_000)
        try:
            for part in self._batches(GraphWrite(replace=by_graph), limit):
                self.write(part)
        except StoreError as e:
            raise type(e)(f"bulk load stopped: {e.en}", f"批量载入中止：{e.zh}", kind=e.kind, **e.details) from e

    def generation(self) -> int:
        return self._generation

    def close(self) -> None:
        self._client.close()


def _as_query_triples(triples: list[ox.Triple]) -> ox.QueryTriples:
    """Wrap parsed triples as pyoxigraph ``QueryTriples`` (the type the embedded store returns)."""
    tmp = ox.Store()
    tmp.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return tmp.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def _has_bnode(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _is_virtuoso_system(g: str) -> bool:
    return g in VIRTUOSO_SYSTEM_GRAPHS or urlsplit(g).path in VIRTUOSO_SYSTEM_PATHS


def _iri(value: str) -> str:
    """``value`` checked to be safe inside ``<...>`` in a query we build."""
    if any(c in value for c in '<>"{}|^`\\ \n\r\t'):
        raise StoreError(f"not a valid IRI for a graph name: {value!r}", kind=Kind.BAD_REQUEST)
    return value


def _snippet(r: httpx.Response, n: int = 500) -> str:
    text = r.text.strip().replace("\r", "")
    return text[:n] + ("…" if len(text) > n else "")
