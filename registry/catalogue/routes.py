"""Catalogue and linked-data routes: every IRI we mint, catalogue pages, search API, ``/context.jsonld``.

Mounted last by ``create_app``: the IRI catch-all must not shadow ``/sparql`` or ``/api``.
Format and language choice follow ``registry.negotiation`` (suffix → ``?_mediatype=`` →
``?_format=`` → ``Accept``; ``?lang`` → cookie → ``Accept-Language`` → the default).
``*/*`` alone gets Turtle; browsers (which ask for ``text/html``) get the page.
"""

from __future__ import annotations

import hashlib
import json
from email.utils import formatdate, parsedate_to_datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import negotiation as neg
from .. import profiles
from ..config import Settings
from ..context import get_catalogue, get_settings
from ..errors import Kind, RegistryError
from ..profiles import jsonld
from . import i18n, pages, rdf
from .pages import View
from .render import SECTIONS, STATIC, render_page
from .service import Catalogue, home_context, list_context, search_context, LIST_SECTIONS
from .static_extras import robots_txt, sitemap_xml
from .service import _schemes as schemes_of
from .queries import C
from .urls import LiveUrls

LANG_COOKIE = neg.LANG_COOKIE
CATALOGUE_SECTIONS = set(SECTIONS) - {""}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _not_modified(request: Request, etag: str, last_modified: float) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [x.strip() for x in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            return int(last_modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def choose_media(request: Request, suffix: str | None, offers) -> neg.Choice:
    """The representation of this request among ``offers`` (``.offer`` None: 406)."""
    return neg.choose_for(request, offers, suffix=suffix, default=neg.TURTLE if neg.TURTLE in offers else None)


def not_acceptable(offers) -> Response:
    text = ("406 Not Acceptable — 没有可接受的格式。Supported media types / 支持的格式:\n"
            + "\n".join(f"  {o.media_type}" for o in offers) + "\n"
            + "Use the Accept header, a suffix (.ttl .jsonld .rdf .nt .html) or ?_mediatype=.\n")
    return Response(text, status_code=406, media_type="text/plain; charset=utf-8", headers={"Vary": "Accept"})


router = APIRouter()


def mount_static(app) -> None:
    """The stylesheets, scripts and fonts of the pages at ``/static``."""
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")


def lang_of(request: Request, cat: Catalogue) -> tuple[str, bool]:
    chosen = neg.language_of(request, cat.default_lang)
    return chosen.lang, chosen.from_query


def finish(request: Request, body: bytes, media: str, last_modified: float, *, links: list[str] = (),
           set_lang: str | None = None, status: int = 200, vary: str = "Accept, " + neg.LANGUAGE_VARY) -> Response:
    etag = _etag(body)
    headers = {"Vary": vary, "ETag": etag, "Last-Modified": formatdate(last_modified, usegmt=True)}
    if links:
        headers["Link"] = ", ".join(links)
    if status == 200 and _not_modified(request, etag, last_modified):
        resp = Response(status_code=304, headers=headers)
    else:
        resp = Response(body, status_code=status, media_type=rdf.CONTENT_TYPE.get(media, media), headers=headers)
    if set_lang:
        resp.set_cookie(LANG_COOKIE, set_lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return resp


def html_page(request: Request, cat: Catalogue, template: str, context: dict, lang: str, set_lang: bool,
              last_modified: float | None = None) -> Response:
    urls = LiveUrls(cat.iris, lang)
    q = {k: v for k, v in request.query_params.items() if k != "lang"}
    context = {"query": q, **context}
    body = render_page(template, lang=lang, urls=urls, **context).encode("utf-8")
    return finish(request, body, rdf.HTML, last_modified or cat.site().built_at, set_lang=lang if set_lang else None)


def page_no(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


@router.get("/context.jsonld", include_in_schema=False)
def context_jsonld(request: Request, cat: Catalogue = Depends(get_catalogue)):
    body = json.dumps(rdf.context_document(), ensure_ascii=False, indent=1).encode("utf-8")
    resp = finish(request, body, rdf.JSONLD, cat.site().built_at, vary="Accept")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@router.get("/api/search", tags=["catalogue"], summary="Search labels and codes (zh/en), ranked")
def api_search(request: Request, q: str = "", type: str = "", level: str = "", sector: str = "",
               status: str = "", lang: str = "", limit: int = 20, offset: int = 0,
               cat: Catalogue = Depends(get_catalogue)):
    lang = neg.language_of(request, cat.default_lang).lang  # ``lang`` above documents ?lang in the API
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    index = cat.search_index()
    hits = index.search(q, type=type or None, level=level or None, sector=sector or None,
                        status=status or None, lang=lang) if q.strip() else []
    urls = LiveUrls(cat.iris, lang)
    results = [dict(h, url=urls.iri(h["iri"])) for h in hits[offset:offset + limit]]
    return JSONResponse({"query": q, "lang": lang, "total": len(hits), "offset": offset, "limit": limit,
                         "results": results}, headers={"Access-Control-Allow-Origin": "*"})


@router.get("/robots.txt", include_in_schema=False)
def robots(request: Request):
    """Crawlers may read every page; the API and the SPARQL endpoint are not pages. Points at the sitemap."""
    public = get_settings(request).public_base()
    return Response(robots_txt(public), media_type="text/plain; charset=utf-8")


@router.get("/sitemap.xml", include_in_schema=False)
def sitemap(request: Request, cat: Catalogue = Depends(get_catalogue)):
    body = sitemap_xml(cat.site(), cat.iris, get_settings(request).public_base())
    return finish(request, body, "application/xml", cat.site().built_at, vary="Accept")


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def home(request: Request, cat: Catalogue = Depends(get_catalogue)):
    return catalogue_or_item(request, cat, "")


@router.options("/{path:path}", include_in_schema=False)
def options_any(path: str):
    """CORS preflight of every IRI (items, versions, pages): nothing is looked up, nothing changes.
    The API's own paths are not read-only resources: no preflight is granted there."""
    if path == "api" or path.startswith("api/"):
        raise RegistryError(f"/{path} 不接受 OPTIONS 请求", f"/{path} does not answer OPTIONS",
                            kind=Kind.NOT_ALLOWED)
    return preflight()


@router.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def catch_all(request: Request, path: str, cat: Catalogue = Depends(get_catalogue)):
    return catalogue_or_item(request, cat, path)


def catalogue_or_item(request: Request, cat: Catalogue, path: str) -> Response:
    path, suffix = neg.split_suffix(path.strip("/"))
    if path in ("", "index") or path in CATALOGUE_SECTIONS:
        return catalogue_page(request, cat, "" if path == "index" else path, suffix)
    return item(request, cat, path, suffix, get_settings(request))


REGISTER_OFFERS = (neg.HTML, *neg.RDF)


def catalogue_page(request: Request, cat: Catalogue, path: str, suffix: str | None) -> Response:
    if path == "standards" or path in LIST_SECTIONS:
        offer = neg.choose_for(request, REGISTER_OFFERS, suffix=suffix, default=neg.HTML).offer
        if offer is None:
            return not_acceptable(REGISTER_OFFERS)
        if offer is not neg.HTML:
            return register(request, cat, path, offer)
    elif choose_media(request, suffix, [neg.HTML]).offer is None:
        return not_acceptable([neg.HTML])
    lang, set_lang = lang_of(request, cat)
    site = cat.site()
    v = View(site, lang)
    urls = LiveUrls(cat.iris, lang)
    t = i18n.translator(lang)
    qp = request.query_params
    if path == "":
        return html_page(request, cat, "home.html", home_context(v, urls), lang, set_lang)
    if path == "standards":
        p = pages.standards_list(v, qp.get("sector") or None, qp.get("level") or None, qp.get("status") or None)
        return html_page(request, cat, "standards.html", {"p": p, "kind": "standards", "here": "standards",
                                                          "crumbs": [{"href": None, "label": t("nav.standards")}]},
                         lang, set_lang)
    if path == "search":
        filters = {k: qp.get(k) or None for k in ("type", "level", "sector", "status")}
        c = search_context(cat.search_index(), v, urls, qp.get("q", ""), filters, page_no(request))
        c["crumbs"] = [{"href": None, "label": t("nav.search")}]
        return html_page(request, cat, "search.html", c, lang, set_lang)
    if path in LIST_SECTIONS:
        c = list_context(v, path, page_no(request), cat.iris.base)
        c["crumbs"] = [{"href": None, "label": c["heading_text"]}]
        return html_page(request, cat, "list.html", c, lang, set_lang)
    return not_found(request, cat, lang, None)


def register(request: Request, cat: Catalogue, path: str, offer: neg.Offer) -> Response:
    """A listing page as RDF: a ``reg:Register`` of its members, paged like the HTML (Hydra links)."""
    site = cat.site()
    base = cat.iris.base
    if path == "standards":
        members, key = site.of_type(C + "CompetencyStandard"), "nav.standards"
    else:
        cls, key = LIST_SECTIONS[path]
        members = schemes_of(site) if cls == "schemes" else site.of_type(cls)
    members = sorted(m for m in members if m.startswith(base))
    pg = pages.paginate(members, page_no(request))
    public = get_settings(request).public_base()
    suffix = next(iter(offer.suffixes), None)

    def page_url(n: int) -> str:
        return f"{public}/{path}" + (f".{suffix}" if suffix else "") + (f"?page={n}" if n > 1 else "")

    label = {lang: i18n.translator(lang)(key) for lang in neg.LANGS}
    triples = rdf.register_triples(base + path, label, pg["rows"], pg["page"], pg["pages"], pg["total"], page_url)
    body = rdf.serialize(triples, offer.media_type, main=base + path, context_url=context_url(get_settings(request)))
    links = []
    if pg["page"] < pg["pages"]:
        links.append(f'<{page_url(pg["page"] + 1)}>; rel="next"')
    if pg["page"] > 1:
        links.append(f'<{page_url(pg["page"] - 1)}>; rel="prev"')
    return cors(finish(request, body, offer.media_type, site.built_at, links=links, vary="Accept"))


def not_found(request: Request, cat: Catalogue, lang: str, missing: str | None) -> Response:
    if choose_media(request, None, [neg.HTML, neg.TEXT]).offer is not neg.HTML:
        return Response(f"404 Not Found — 注册库中没有这个标识符 / the registry has no such identifier: {missing}\n",
                        status_code=404, media_type="text/plain; charset=utf-8", headers={"Vary": "Accept"})
    body = cat.not_found_html(lang, LiveUrls(cat.iris, lang), missing)
    return Response(body, status_code=404, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


def item(request: Request, cat: Catalogue, path: str, suffix: str | None, settings: Settings) -> Response:
    lang, set_lang = lang_of(request, cat)
    iri = cat.iris.iri_of(path)
    found = cat.locate(iri) if iri else None
    if found is None:
        return not_found(request, cat, lang, iri or path)
    graph, graph_triples, rdf_triples = found
    urls = LiveUrls(cat.iris, lang)
    here = urls.iri(iri)
    pc = choose_profile(request)
    if pc.alt:
        return alternates(request, cat, iri, here, suffix, lang, urls, cat.last_modified(iri, graph))
    offers, default = rdf.profile_offers(pc.token)
    offer = neg.choose_for(request, offers, suffix=suffix, default=default).offer
    if offer is None:
        return not_acceptable(offers)
    media = offer.media_type
    links = [f'<{urls.iri(iri, s)}>; rel="alternate"; type="{mt}"' for s, mt in rdf.SUFFIXES.items()]
    links.append(f'<{urls.iri(iri, "html")}>; rel="alternate"; type="text/html"')
    links.append(f'<{iri}>; rel="canonical"')
    links += rdf.profile_links(here, pc.token)
    lm = cat.last_modified(iri, graph)
    vary = "Accept, Accept-Profile"
    if offer is neg.HTML:
        # a page also shows labels of other items: it may change whenever the store does
        lm = max(lm, cat.site().built_at)
        body = cat.item_html(iri, graph_triples, rdf_triples, lang, urls, page_no(request)).encode("utf-8")
        resp = finish(request, body, media, lm, links=links, set_lang=lang if set_lang else None,
                      vary=vary + ", " + neg.LANGUAGE_VARY)
    else:
        form = neg.jsonld_form(request.headers.get("accept"), jsonld.FORMS) if media == rdf.JSONLD else None
        body = rdf.profile_body(pc.token, media, rdf_triples, cat.store, main=iri,
                                context_url=context_url(settings), form=form)
        resp = finish(request, body, media, lm, links=links, vary=vary)
    resp.headers["Content-Profile"] = rdf.content_profile(pc.token)
    cors(resp)
    return resp


def choose_profile(request: Request) -> neg.ProfileChoice:
    """``?_profile=`` → ``Accept-Profile`` → ``cb``; an unknown profile is refused (400 for the query
    parameter, 406 for the header) with the bilingual message of ``registry.profiles``."""
    pc = neg.choose_profile_for(request, rdf.offered_profiles(), profiles.DEFAULT)
    if pc.unknown is not None:
        raise profiles.unknown_profile(pc.unknown, Kind.BAD_REQUEST if pc.source == "query" else Kind.NOT_ACCEPTABLE)
    return pc


def alternates(request: Request, cat: Catalogue, iri: str, here: str, suffix: str | None, lang: str, urls,
               last_modified: float) -> Response:
    """``?_profile=alt``: the profiles × media types offered, as HTML (browsers) or RDF."""
    offers = [neg.HTML, *neg.RDF]
    offer = neg.choose_for(request, offers, suffix=suffix, default=neg.TURTLE).offer
    if offer is None:
        return not_acceptable(offers)
    links = [f'<{iri}>; rel="canonical"', f'<{rdf.ALTR_PROFILE}>; rel="profile"']
    if offer is neg.HTML:
        body = render_page("alternates.html", lang=lang, urls=urls, rows=rdf.alternates_rows(here, lang),
                           item_iri=iri, item_href=here, kind="alternates", here="").encode("utf-8")
        resp = finish(request, body, rdf.HTML, last_modified, links=links,
                      vary="Accept, Accept-Profile, " + neg.LANGUAGE_VARY)
    else:
        body = rdf.serialize(rdf.alternates_triples(iri, iri), offer.media_type, main=iri,
                             context_url=context_url(get_settings(request)))
        resp = finish(request, body, offer.media_type, last_modified, links=links, vary="Accept, Accept-Profile")
    resp.headers["Content-Profile"] = f"<{rdf.ALTR_PROFILE}>"
    cors(resp)
    return resp


def context_url(settings: Settings) -> str:
    """The ``@context`` URL of served JSON-LD: on the serving host (``public_url``), so it resolves."""
    return settings.public_base() + "/context.jsonld"


#: what cross-origin scripts may read of an answer (CORS)
EXPOSE = "Link, ETag, Content-Profile, Last-Modified, Vary"


#: a preflight's answer: simple reads, with the headers conditional and negotiated GETs send
PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Accept-Profile, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": EXPOSE,
    "Access-Control-Max-Age": "86400",
    "Allow": "GET, HEAD, OPTIONS",
}


def preflight() -> Response:
    """``OPTIONS`` (CORS preflight) of a read-only resource: 204 with what may be asked and read."""
    return Response(status_code=204, headers=PREFLIGHT)


def cors_headers(headers: dict) -> dict:
    """``headers`` with the CORS headers of a public read (any origin; Link, ETag… readable)."""
    return {**headers, "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSE}


def cors(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = EXPOSE
    return resp
