"""HTTP routes: ``/sparql`` (SPARQL 1.1 Protocol, queries only), ``/.well-known/void``, ``/dumps/*``.

The ``/sparql`` handler is a plain Starlette route (no FastAPI dependency
injection or validation on the hot path): parse the protocol request
(``protocol.py``), negotiate formats (``formats.py``), refuse deep nesting and
updates and classify the query's cost (``guard.analyse``), limit expensive
queries per client (429), and hand the query to the executor (``executor.py``:
killable worker processes, cheap lane, timeout and result cap; a query whose
text may hold SERVICE is checked there on its parsed form, ``guard.check_services``).
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
import logging
from urllib.parse import unquote_plus

import jinja2
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from .. import negotiation as neg, resources
from ..namespaces import PREFIXES
from ..config import Settings
from ..store import RegistryStore
from .description import DUMPS, StatsCache, dataset_description, service_description
from .dumps import DumpCache
from .examples import EXAMPLES
from .cache import ResultCache
from ..errors import Kind, NotAcceptable, NotFound, RegistryError, TooManyRequests
from ..security import SECURITY_HEADERS, SecurityHeaders
from ..web import error_text
from .executor import QueryJob
from .formats import GRAPH_MEDIA, GRAPH_OFFERED, RESULTS_OFFERED, choose_formats, graph_format
from .guard import analyse
from .protocol import read_request

log = logging.getLogger("registry.sparql")

CORS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "Content-Type, Content-Length, ETag",
}
PREFLIGHT = {
    **CORS,
    "access-control-allow-methods": "GET, POST, HEAD, OPTIONS",
    "access-control-allow-headers": "Content-Type, Accept, Accept-Language, Authorization",
    "access-control-max-age": "86400",
}
ALLOW = "GET, HEAD, POST, OPTIONS"
#: the service and dataset descriptions: RDF (every syntax of the shared table); /sparql also as the HTML query page
RDF_OFFERS = neg.RDF_DATASET
DESCRIPTION_OFFERS = (neg.HTML, *RDF_OFFERS)

#: the ``format=`` tokens offered as downloads on the HTML result page, by query form
_DOWNLOADS = {"results": (("json", "JSON"), ("xml", "XML"), ("csv", "CSV"), ("tsv", "TSV")),
              "graph": (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"), ("rdfxml", "RDF/XML"))}
_HTML_TYPES = (("text", "html"), ("application", "xhtml+xml"))


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The catalogue's page environment (layout, header, footer, translations, safe links) with the
    SPARQL templates in front of its loader (Jinja's ``overlay``: same globals and filters)."""
    from ..catalogue.render import environment

    base = environment()
    return base.overlay(loader=jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(resources.sparql_templates())), base.loader]))


def render_sparql_page(template: str, *, lang: str, **context) -> str:
    """A SPARQL page inside the catalogue's layout, with the context ``render_page`` gives its pages."""
    from ..catalogue import i18n
    from ..catalogue.urls import IriMap, LiveUrls
    from ..namespaces import BASE

    urls = LiveUrls(IriMap(BASE), lang)
    return _environment().get_template(template).render(
        lang=lang, t=i18n.translator(lang), T=i18n.table(lang), u=urls, static_site=False, **context)


def wants_html(accept: str | None, format_param: str | None) -> bool:
    """A browser's GET: no ``format``, ``text/html`` named in Accept and preferred to every result format."""
    if format_param:
        return False
    ranges = neg.parse_accept(accept)
    if not any((r.type, r.subtype) in _HTML_TYPES and r.q > 0 for r in ranges):
        return False
    return neg.negotiate(accept, ["text/html", *RESULTS_OFFERED, *GRAPH_OFFERED]) == "text/html"


def _cell(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"text": term.value, "link": term.value, "lang": None}  # the href filter keeps http(s) only
    if isinstance(term, ox.BlankNode):
        return {"text": "_:" + term.value, "link": None, "lang": None}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "link": None, "lang": term.language}
    return {"text": str(term), "link": None, "lang": None}


def _set_lang_cookie(response: Response, chosen) -> Response:
    if chosen.from_query:
        response.set_cookie(neg.LANG_COOKIE, chosen.lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


def refuse(e: RegistryError) -> Response:
    """The SPARQL surface's answer to a refusal: ``中文 · English`` as plain text, CORS, and the
    headers its kind calls for (``Allow`` for a method, ``Retry-After`` for a busy or timed-out endpoint)."""
    headers = {**CORS, "vary": "Accept"}
    if e.kind == Kind.NOT_ALLOWED:
        headers["allow"] = ALLOW
    elif e.kind in (Kind.TIMEOUT, Kind.UNAVAILABLE) and "retry_after" not in e.details:
        headers["retry-after"] = "5"
    return error_text(e, headers)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _not_acceptable(offers) -> Response:
    return refuse(NotAcceptable("无法提供所请求的格式", "Not Acceptable; offered: " + ", ".join(o.media_type for o in offers)))


def _rdf_response(request: Request, triples: list[ox.Triple], status: int = 200, offer: neg.Offer | None = None):
    offer = offer or neg.choose_for(request, RDF_OFFERS, default=neg.TURTLE).offer
    if offer is None:
        return _not_acceptable(RDF_OFFERS)
    name = offer.syntax.name
    body = ox.serialize(triples, format=graph_format(name),
                        prefixes={"sd": "http://www.w3.org/ns/sparql-service-description#",
                                  "void": "http://rdfs.org/ns/void#", "dcat": "http://www.w3.org/ns/dcat#",
                                  "dcterms": "http://purl.org/dc/terms/"} if name in ("TURTLE", "TRIG") else None)
    return Response(body if request.method != "HEAD" else b"", status_code=status, media_type=GRAPH_MEDIA[name],
                    headers={**CORS, "vary": "Accept", **({"content-length": str(len(body))} if request.method == "HEAD" else {})})


class SparqlEndpoint:
    """The SPARQL surface (``/sparql``, ``/.well-known/void``, ``/dumps/*``) of one store; see :meth:`mount`."""

    def __init__(self, settings: Settings, store: RegistryStore):
        self.settings = settings
        self.store = store
        self.allowlist = tuple(settings.sparql_service_allowlist)
        self.executor = store.query_executor(settings)  # the store decides how its queries run
        self.max_nesting = settings.sparql_max_nesting
        self.per_client = settings.sparql_heavy_per_client
        self._heavy: dict[str, int] = {}  # client address -> heavy queries in flight
        #: relative IRIs in a query resolve against the endpoint's own public URL (registry/sparql/dataset.py)
        self.base_iri = settings.public_base() + "/sparql"
        self.stats = StatsCache(store)
        self.dumps = DumpCache(store)

    def mount(self, app) -> None:
        """Add the routes to ``app`` (the factory also puts :class:`SparqlFastPath` in front of ``/sparql``)."""
        methods = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]
        app.add_route("/sparql", self.handle, methods=methods, include_in_schema=False)
        app.add_route("/sparql/", self.handle, methods=methods, include_in_schema=False)
        app.add_route("/.well-known/void", self.void, methods=["GET", "HEAD", "OPTIONS"], include_in_schema=False)
        app.add_route("/dumps/{name}", self.dump, methods=["GET", "HEAD"], include_in_schema=False)

    def close(self) -> None:
        self.executor.close()

    # -- /sparql --------------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT)
        try:
            return await self._query(request)
        except RegistryError as e:
            return refuse(e)

    async def _query(self, request: Request) -> Response:
        s = self.settings
        req = await read_request(request, s.sparql_max_query_bytes)
        if req.query is None:
            return await self.describe(request)
        html = request.method in ("GET", "HEAD") and wants_html(request.headers.get("accept"), req.format)
        rf, gf = ("JSON", "N_TRIPLES") if html else choose_formats(request.headers.get("accept"), req.format)
        analysis = analyse(req.query, self.max_nesting)
        timeout = s.sparql_timeout
        if req.timeout is not None:
            timeout = min(timeout, req.timeout)
        job = QueryJob(req.query, req.default_graph, req.named_graphs, rf, gf, s.sparql_max_results,
                       s.sparql_max_result_bytes, self.allowlist if analysis.needs_service_check else None,
                       base_iri=self.base_iri)
        client = request.client.host if request.client else ""
        heavy = not analysis.cheap
        if heavy:
            if self.per_client and self._heavy.get(client, 0) >= self.per_client:
                raise TooManyRequests("并发查询过多", f"This client already has {self.per_client} expensive queries "
                                      "running; wait for them to finish (cheap lookups are not limited).", retry_after=2)
            self._heavy[client] = self._heavy.get(client, 0) + 1
        try:
            media, body = await self.executor.run(job, timeout, cheap=analysis.cheap, bound=analysis.bound)
        finally:
            if heavy:
                n = self._heavy.get(client, 1) - 1
                if n > 0:
                    self._heavy[client] = n
                else:
                    self._heavy.pop(client, None)
        if html:
            return self.result_page(request, req.query, media, body)
        if request.method == "HEAD":
            return Response(b"", media_type=media,
                            headers={**CORS, "vary": "Accept", "content-length": str(len(body))})
        return Response(body, media_type=media, headers={**CORS, "vary": "Accept"})

    def result_page(self, request: Request, query: str, media: str, body: bytes) -> Response:
        """A browser's ``GET /sparql?query=``: the results as a table in the catalogue's layout
        (escaped; only http(s) IRIs are links, by the catalogue's safe-href rule), in zh or en."""
        chosen = neg.language_of(request, "zh")
        boolean, variables, rows = None, [], []
        if media.startswith("application/n-triples"):
            variables = ["subject", "predicate", "object"]
            rows = [[_cell(t.subject), _cell(t.predicate), _cell(t.object)]
                    for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
            kind = "graph"
        else:
            parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            kind = "results"
            if isinstance(parsed, ox.QueryBoolean):
                boolean = bool(parsed)
            else:
                variables = [v.value for v in parsed.variables]
                rows = [[_cell(s[v]) for v in variables] for s in parsed]
        html = render_sparql_page(
            "results.html", lang=chosen.lang, here="sparql", endpoint="/sparql", query_text=query,
            query={k: v for k, v in request.query_params.items() if k != "lang"},
            boolean=boolean, variables=variables, rows=rows, downloads=_DOWNLOADS[kind])
        vary = "Accept, " + neg.LANGUAGE_VARY
        return _set_lang_cookie(HTMLResponse(html if request.method != "HEAD" else "",
                                             headers={**CORS, "vary": vary}), chosen)

    async def describe(self, request: Request) -> Response:
        """GET /sparql without a query: the HTML query page, or the service description for RDF."""
        offer = neg.choose_for(request, DESCRIPTION_OFFERS, default=neg.TURTLE).offer
        if offer is None:
            return _not_acceptable(DESCRIPTION_OFFERS)
        base = _base_url(request)
        endpoint = base + "/sparql"
        if offer is neg.HTML:
            chosen = neg.language_of(request, "zh")
            config = {"endpoint": "/sparql", "lang": chosen.lang, "prefixes": PREFIXES,
                      "examples": [{"name": ex[chosen.lang], "query": ex["query"]} for ex in EXAMPLES]}
            html = render_sparql_page(
                "query.html", lang=chosen.lang, endpoint="/sparql", void="/.well-known/void", examples=EXAMPLES,
                config=config, endpoint_url=self.base_iri, timeout=self.settings.sparql_timeout, max_results=self.settings.sparql_max_results)
            return _set_lang_cookie(HTMLResponse(html if request.method != "HEAD" else "",
                                                 headers={**CORS, "vary": "Accept, " + neg.LANGUAGE_VARY}), chosen)
        triples = service_description(endpoint, base, federation=bool(self.settings.sparql_service_allowlist))
        return _rdf_response(request, triples, offer=offer)

    # -- /.well-known/void ------------------------------------------------------------------------
    async def void(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT)
        loop = asyncio.get_running_loop()
        stats = await loop.run_in_executor(None, self.stats.get)
        triples = dataset_description(_base_url(request), stats)
        return _rdf_response(request, triples)

    # -- /dumps/{name} ----------------------------------------------------------------------------
    async def dump(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in DUMPS:
            return refuse(NotFound("没有这个转储", "No such dump; available: " + ", ".join(DUMPS)))
        loop = asyncio.get_running_loop()
        path, gen = await loop.run_in_executor(None, self.dumps.path_for, name)
        etag = f'"{gen}-{name}"'
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={**CORS, "etag": etag})
        return FileResponse(path, media_type="application/gzip", filename=name,
                            headers={**CORS, "etag": etag,
                                     "last-modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                                    time.gmtime(path.stat().st_mtime))})


#: query-string parameters the raw fast path understands; any other one takes the full handler
_FAST_PARAMS = frozenset({"query", "format", "output", "timeout"})
_FAST_CORS = [(k.encode(), v.encode()) for k, v in CORS.items()] + [(b"vary", b"Accept")]
#: the security headers every response carries (``registry/security.py``); the fast path sends them itself
_SECURITY = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_PATHS = ("/sparql", "/sparql/")


def fast_params(raw: bytes) -> tuple[str, str | None, str | None] | None:
    """``(query, format, timeout)`` of a query string, or None when it holds anything else (another
    parameter, a second ``query``, no query). Decodes as ``parse_qsl(raw.decode("latin-1"),
    keep_blank_values=True)`` does, without its per-call overhead; ``format`` is the first of
    ``format``/``output``, ``timeout`` the last one given."""
    query = fmt = timeout_text = None
    for part in raw.decode("latin-1").split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        if "%" in k or "+" in k:
            k = unquote_plus(k)
        if k not in _FAST_PARAMS:
            return None
        if "%" in v or "+" in v:
            v = unquote_plus(v)
        if k == "query":
            if query is not None:
                return None
            query = v
        elif k == "timeout":
            timeout_text = v
        elif fmt is None:
            fmt = v
    if query is None:
        return None
    return query, fmt, timeout_text


class SparqlRoute:
    """Pure ASGI middleware: every ``/sparql`` request goes straight to the endpoint's handler
    (no router, no inner middleware: a ``BaseHTTPMiddleware`` alone costs several hundred
    microseconds per request). Installed inside the security headers and Starlette's
    ServerErrorMiddleware (500), behind :class:`SparqlFastPath`."""

    def __init__(self, app, endpoint: "SparqlEndpoint"):
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in _PATHS:
            response = await self.endpoint.handle(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SparqlFastPath:
    """The outermost ASGI layer of the app (``registry/app.py`` wraps the whole middleware stack
    in it): plain bounded ``GET /sparql`` queries are answered here, in raw ASGI, before any other
    middleware runs; everything else passes on to the app unchanged.

    A ``GET`` whose parameters are only ``query``, ``format``/``output`` and ``timeout`` is
    looked up first in the result cache (``cache.py``: keyed by the raw query string, the raw
    ``Accept`` header and the published store generation; one ``stat`` per request). A miss
    whose query the guard proved bounded (``guard.Bound``) is answered by the executor's
    in-process fast path (``run_bounded``: same time limit, result caps and read-only snapshot
    as every query) and, if it succeeded, stored. Anything else, or a query the fast path
    declines, goes to the app (then :class:`SparqlRoute` and the full handler,
    :meth:`SparqlEndpoint.handle`) exactly as before.

    Being outermost, this layer sends the security headers of ``registry/security.py`` itself
    (fixed bytes, stored with each cached answer); a refusal of the fast path is sent through
    :class:`~registry.security.SecurityHeaders`; an unexpected error in it falls back to the app
    (whose ServerErrorMiddleware answers 500 if the full handler fails too).
    """

    def __init__(self, app, endpoint: "SparqlEndpoint"):
        self.app = app
        self.endpoint = endpoint
        self.cache = ResultCache(endpoint.settings.sparql_cache_bytes)

    async def __call__(self, scope, receive, send):
        if (scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in _PATHS
                and scope["query_string"]):
            snapshot = self.endpoint.executor.snapshot()
            if snapshot is not None:
                qs = scope["query_string"]
                accept = None
                for name, value in scope["headers"]:
                    if name == b"accept":
                        accept = value
                        break
                cache = self.cache
                key = (qs, accept)
                if cache:
                    hit = cache.get(snapshot[0], key)
                    if hit is not None:
                        await send(hit[0])
                        await send(hit[1])
                        return
                try:
                    answer = self._fast(qs, accept, snapshot)
                except RegistryError as e:
                    await SecurityHeaders(refuse(e))(scope, receive, send)
                    return
                except Exception:  # a bug here must not cost the answer: the full handler runs the query
                    log.exception("SPARQL fast path failed; the query goes to the full handler")
                    answer = None
                if answer is not None:
                    media, body = answer
                    if media.startswith("text/") and "charset" not in media:  # as Starlette's Response
                        media += "; charset=utf-8"
                    start = {"type": "http.response.start", "status": 200,
                             "headers": [(b"content-type", media.encode()),
                                         (b"content-length", str(len(body)).encode()), *_FAST_CORS, *_SECURITY]}
                    message = {"type": "http.response.body", "body": body}
                    if cache:
                        cache.put(snapshot[0], key, (start, message), len(body))
                    await send(start)
                    await send(message)
                    return
        await self.app(scope, receive, send)

    def _fast(self, qs: bytes, accept_raw: bytes | None, snapshot) -> tuple[str, bytes] | None:
        """``(media type, body)`` from the fast path, or None: the full handler decides."""
        ep = self.endpoint
        s = ep.settings
        params = fast_params(qs)
        if params is None:
            return None
        query, fmt, timeout_text = params
        if not query.strip() or len(query) * 4 > s.sparql_max_query_bytes and \
                len(query.encode("utf-8")) > s.sparql_max_query_bytes:
            return None
        timeout = s.sparql_timeout
        if timeout_text is not None:
            try:
                t = float(timeout_text)
            except ValueError:
                return None
            if not math.isfinite(t) or t <= 0:
                return None
            timeout = min(timeout, t)
        try:
            analysis = analyse(query, ep.max_nesting)
        except RegistryError:
            return None  # the full handler refuses it
        if analysis.bound is None:
            return None
        accept = None if accept_raw is None else accept_raw.decode("latin-1")
        if wants_html(accept, fmt):
            return None  # a browser: the full handler shows the HTML result page
        try:
            rf, gf = choose_formats(accept, fmt)
        except RegistryError:
            return None
        job = QueryJob(query, None, None, rf, gf, s.sparql_max_results, s.sparql_max_result_bytes, None,
                       base_iri=ep.base_iri)
        return ep.executor.run_bounded(job, analysis.bound, timeout, snapshot)
