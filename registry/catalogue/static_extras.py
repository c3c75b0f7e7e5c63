"""What ``registry build-site`` writes beside the pages: profile views, sitemap, robots, host rules.

Layout (``OUT/``; see docs/deployment.md "Static hosting"):

* ``{path}/_profile/{token}.{ttl,jsonld,rdf,nt}``: every item (and sub-resource page) in each
  profile asked for with ``--profiles`` other than ``cb`` (``cb`` is the ``{path}.ttl`` etc. files
  the build always writes); the media types are the profile's own (``ctdl``: JSON-LD with CTDL's
  context, Turtle, N-Triples). ``_profile`` begins with ``_``: no item path can be it.
* ``sitemap.xml`` (Sitemaps 0.9, extensionless IRIs at the base, ``lastmod`` from the data) and
  ``robots.txt`` pointing at it;
* ``_nginx.conf`` (to ``include`` in a ``server`` block whose ``root`` is OUT) and ``.htaccess``
  (Apache, ``mod_rewrite``): extensionless IRIs, ``Accept`` negotiation, ``?_profile=TOKEN`` and
  ``Accept-Profile`` mapped onto these files, an unknown ``?_profile`` a bilingual 400.

Everything here is a pure function of the store content and the options (sorted, no clock), so a
build over a previous output stays byte-identical to a clean build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox

from .. import formats, profiles
from ..namespaces import PREFIXES
from . import rdf
from .queries import SiteData
from .render import SECTIONS
from .urls import IriMap

PROFILE_DIR = "_profile"
#: media type -> file suffix of the RDF files (the one format table)
SUFFIX_OF = {f.media_type: f.suffix for f in formats.TRIPLE_FORMATS}
#: sections listed in the sitemap (the catalogue pages the build writes)
#: the listing pages a sitemap names (every catalogue section but the home page and search)
SITEMAP_SECTIONS = tuple(sorted(s for s in SECTIONS if s not in ("", "search")))


def parse_profiles(value: str) -> tuple[str, ...]:
    """``cb,skos`` -> the tokens, checked against the offered profiles (RegistryError if unknown)."""
    tokens = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip())) or (profiles.DEFAULT,)
    for t in tokens:
        if t not in profiles.PROFILES:
            raise profiles.unknown_profile(t)
    return tokens


def profile_file(path: str, token: str, suffix: str) -> str:
    """The file of ``path`` in profile ``token`` (not ``cb``) and format ``suffix``."""
    return f"{path}/{PROFILE_DIR}/{token}.{suffix}"


def profile_files(store, out: Path, items: Iterable[tuple[str, str, Sequence[ox.Triple]]], iris: IriMap,
                  tokens: Sequence[str], write: Callable[[Path, bytes], None]) -> int:
    """Write each ``(iri, path, triples)`` in every non-``cb`` profile of ``tokens``; returns how many
    files. The reference triples (labels of what an item links to) are looked up once per item."""
    from ..profiles import ctdl, jsonld

    tokens = [t for t in tokens if t != profiles.DEFAULT]
    if not tokens:
        return 0
    source = rdf.reference_source(store)
    prefixes = {**PREFIXES, **profiles.TURTLE_PREFIXES}
    n = 0
    for iri, path, triples in items:
        ref = profiles.reference_triples(source, triples)
        (out / path / PROFILE_DIR).mkdir(parents=True, exist_ok=True)
        for token in tokens:
            p = profiles.get(token)
            view = canonical(profiles.view(token, triples, reference=ref))
            for mt in p.media_types:
                suffix = SUFFIX_OF.get(mt)
                if suffix is None:
                    continue  # text/html: the item's page
                if mt == rdf.JSONLD:
                    data = (jsonld.dumps(ctdl.ctdl_jsonld(triples, ref)) if token == "ctdl"
                            else jsonld.dumps(jsonld.document(view, jsonld.COMPACTED)))
                else:
                    data = ox.serialize(view, format=formats.by_media_type(mt).ox, prefixes=prefixes)
                write(out / profile_file(path, token, suffix), data)
                n += 1
    return n


def canonical(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """``triples`` sorted, blank nodes relabelled from what they are linked to (a few rounds of
    hashing their neighbourhoods): a profile view made by CONSTRUCT has fresh blank nodes on each
    run, and its files must be the same bytes on every build. Blank nodes that no round tells apart
    are interchangeable, so any order of them gives the same sorted output."""
    triples = list(dict.fromkeys(triples))
    bnodes = {x for t in triples for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)}
    if bnodes:
        sig = dict.fromkeys(bnodes, "")

        def term(x) -> str:
            return "_:" + sig[x] if isinstance(x, ox.BlankNode) else str(x)

        for _ in range(4):
            around: dict = {b: [] for b in bnodes}
            for t in triples:
                if isinstance(t.subject, ox.BlankNode):
                    around[t.subject].append(f"> {t.predicate} {term(t.object)}")
                if isinstance(t.object, ox.BlankNode):
                    around[t.object].append(f"< {term(t.subject)} {t.predicate}")
            sig = {b: hashlib.blake2b("\n".join([sig[b], *sorted(v)]).encode("utf-8"), digest_size=10).hexdigest()
                   for b, v in around.items()}
        seen: dict[str, int] = {}
        label = {}
        for b in sorted(bnodes, key=lambda b: sig[b]):
            n = seen[sig[b]] = seen.get(sig[b], -1) + 1
            label[b] = ox.BlankNode(f"b{sig[b]}{n}")
        triples = [ox.Triple(label.get(t.subject, t.subject), t.predicate, label.get(t.object, t.object))
                   for t in triples]
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def sitemap_xml(site: SiteData, iris: IriMap, public: str) -> bytes:
    """Sitemaps 0.9: home, listings and every item graph's IRI under the base, with ``lastmod``
    (the same rows as the live ``/sitemap.xml``)."""
    public = public.rstrip("/")
    rows: list[tuple[str, str | None]] = [("/", None)] + [(f"/{s}", None) for s in SITEMAP_SECTIONS]
    for iri in sorted(site.graphs):
        path = iris.path_of(iri)
        if path is not None:
            rows.append(("/" + path.lstrip("/"), (site.last_changed(iri) or "")[:10] or None))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, lastmod in rows:
        out.append(f"<url><loc>{escape(public + path)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
                   + "</url>")
    out.append("</urlset>")
    return ("\n".join(out) + "\n").encode("utf-8")


def robots_txt(public: str) -> str:
    """Crawlers may read every page; the API and the SPARQL endpoint are not pages. Points at the sitemap."""
    return (f"User-agent: *\nDisallow: /api/\nDisallow: /sparql\nAllow: /\n"
            f"Sitemap: {public.rstrip('/')}/sitemap.xml\n")


# --- rewrite rules for static hosts --------------------------------------------------------------
# Accept: no q-values on a static host. The LAST matching rule wins, so the order below is the
# priority from low to high: no Accept or */* -> Turtle (as the live server), then N-Triples,
# RDF/XML, JSON-LD, Turtle, and HTML over everything (browsers send text/html with */*).
_ACCEPT = [("nt", r"application/n-triples"), ("rdf", r"application/rdf\+xml"),
           ("jsonld", r"application/(ld\+)?json"), ("ttl", r"text/turtle"), ("html", r"text/html|application/xhtml\+xml")]
_TYPES = [("text/html", "html"), ("text/css", "css"), ("application/javascript", "js mjs"),
          ("application/json", "json map"), ("application/xml", "xml"), ("text/plain", "txt"),
          ("image/svg+xml", "svg"), ("image/png", "png"), ("image/x-icon", "ico"), ("font/woff2", "woff2"),
          ("text/turtle", "ttl"), ("application/ld+json", "jsonld"), ("application/rdf+xml", "rdf"),
          ("application/n-triples", "nt"), ("application/gzip", "gz")]
_BAD_PROFILE = "未知的配置文件（_profile）；可用：{tokens} · unknown profile (_profile); offered: {tokens}"


def _security_headers() -> dict[str, str]:
    from ..security import SECURITY_HEADERS  # the live server's (CSP, nosniff, no framing, no referrer)

    return dict(SECURITY_HEADERS)


def _tokens(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t != profiles.DEFAULT]


def nginx_conf(tokens: Sequence[str]) -> str:
    """Directives for an nginx ``server`` block whose ``root`` is the build output (server context)."""
    others = _tokens(tokens)
    offered = ", ".join(tokens)
    lines = ["# generated by `registry build-site` (docs/deployment.md): include in a server { root OUT; } block",
             "types {"]
    lines += [f"    {mt} {ext};" for mt, ext in _TYPES]
    lines += ["}", "charset utf-8;", "charset_types text/turtle application/ld+json application/n-triples "
              "application/rdf+xml application/json text/plain application/xml;",
              "index index.html;", "error_page 404 /404.html;", "",
              "# media type from Accept (last match wins; q-values are not read)", "set $cb_ext ttl;"]
    lines += [f'if ($http_accept ~* "{rx}") {{ set $cb_ext {ext}; }}' for ext, rx in _ACCEPT]
    lines += ["", "# profile: Accept-Profile, then ?_profile= (a token) over it", "set $cb_prof cb;"]
    lines += [f'if ($http_accept_profile ~ "<{profiles.get(t).iri}>") {{ set $cb_prof {t}; }}' for t in others]
    allowed = "|".join(["cb", *others])
    lines += [f'if ($arg__profile ~ "^({allowed})$") {{ set $cb_prof $arg__profile; }}',
              f'set $cb_bad "{_BAD_PROFILE.format(tokens=offered)}";',
              f'if ($arg__profile !~ "^({allowed})?$") {{ return 400 "$cb_bad\\n"; }}',
              "",
              "# the file for the IRI: {path}.{ext} (cb) or {path}/_profile/{token}.{ext}",
              "set $cb_file $uri.$cb_ext;",
              'set $cb_key "$cb_prof:$cb_ext";',
              f'if ($cb_key ~ "^({"|".join(others) or "-"}):(ttl|jsonld|rdf|nt)$") '
              f'{{ set $cb_file $uri/{PROFILE_DIR}/$1.$2; }}',
              "",
              "location / {",
              '    add_header Vary "Accept, Accept-Profile" always;',
              *[f'    add_header {k} "{v}" always;' for k, v in _security_headers().items()],
              "    try_files $uri $cb_file $uri.html $uri/ =404;",
              "}",
              "location = /404.html { internal; }", ""]
    return "\n".join(lines)


def htaccess(tokens: Sequence[str]) -> str:
    """Apache ``.htaccess`` (``AllowOverride FileInfo Options Indexes``; ``mod_rewrite``, ``mod_headers``)
    with the same rules as :func:`nginx_conf`."""
    others = _tokens(tokens)
    allowed = "|".join(["cb", *others])
    lines = ["# generated by `registry build-site` (docs/deployment.md)", "Options -MultiViews",
             "DirectoryIndex index.html", "ErrorDocument 404 /404.html",
             f'ErrorDocument 400 "{_BAD_PROFILE.format(tokens=", ".join(tokens))}"',
             "AddDefaultCharset utf-8"]
    lines += [f"AddType {mt} .{ext.split()[0]}" for mt, ext in _TYPES if ext in ("ttl", "jsonld", "rdf", "nt")]
    lines += ["<IfModule mod_headers.c>", '  Header merge Vary "Accept, Accept-Profile"',
              *[f'  Header always set {k} "{v}"' for k, v in _security_headers().items()], "</IfModule>",
              "RewriteEngine On",
              "# an unknown ?_profile: 400",
              f"RewriteCond %{{QUERY_STRING}} (^|&)_profile=(?!({allowed})(&|$))",
              "RewriteRule ^ - [R=400,L]",
              "# media type from Accept (last match wins)", "RewriteRule ^ - [E=CB_EXT:ttl]"]
    for ext, rx in _ACCEPT:
        lines += [f'RewriteCond %{{HTTP:Accept}} "{rx}" [NC]', f"RewriteRule ^ - [E=CB_EXT:{ext}]"]
    lines += ["# profile: Accept-Profile, then ?_profile=", "RewriteRule ^ - [E=CB_PROF:cb]"]
    for t in others:
        lines += [f'RewriteCond %{{HTTP:Accept-Profile}} "<{profiles.get(t).iri}>"', f"RewriteRule ^ - [E=CB_PROF:{t}]"]
    lines += [f"RewriteCond %{{QUERY_STRING}} (^|&)_profile=({allowed})(&|$)", "RewriteRule ^ - [E=CB_PROF:%2]",
              "# an existing file is served as it is",
              "RewriteCond %{REQUEST_FILENAME} -f", "RewriteRule ^ - [L]"]
    if others:
        lines += ["RewriteCond %{ENV:CB_PROF} !^cb$", "RewriteCond %{ENV:CB_EXT} !^html$",
                  f"RewriteCond %{{REQUEST_FILENAME}}/{PROFILE_DIR}/%{{ENV:CB_PROF}}.%{{ENV:CB_EXT}} -f",
                  f"RewriteRule ^(.+)$ $1/{PROFILE_DIR}/%{{ENV:CB_PROF}}.%{{ENV:CB_EXT}} [L]"]
    lines += ["RewriteCond %{REQUEST_FILENAME}.%{ENV:CB_EXT} -f", "RewriteRule ^(.+)$ $1.%{ENV:CB_EXT} [L]",
              "RewriteCond %{REQUEST_FILENAME}.html -f", "RewriteRule ^(.+)$ $1.html [L]", ""]
    return "\n".join(lines)


def write_extras(store, out: Path, *, site: SiteData, iris: IriMap, items, tokens: Sequence[str],
                 write: Callable[[Path, bytes], None]) -> int:
    """Everything of this module for one build; returns the number of profile files."""
    public = iris.base
    write(out / "sitemap.xml", sitemap_xml(site, iris, public))
    write(out / "robots.txt", robots_txt(public).encode("utf-8"))
    write(out / "_nginx.conf", nginx_conf(tokens).encode("utf-8"))
    write(out / ".htaccess", htaccess(tokens).encode("utf-8"))
    return profile_files(store, out, items, iris, tokens, write)


def job_items(jobs, graphs: dict, iris: IriMap):
    """``(iri, path, triples)`` of the build's item jobs: the triples its data files hold."""
    cache: tuple = (None, None)
    for job in jobs:
        triples = graphs[job.graph]
        if job.iri != job.graph:
            if cache[0] != job.graph:
                cache = (job.graph, rdf.subject_index(triples))
            triples = rdf.describe(triples, job.iri, cache[1])
        yield job.iri, iris.path_of(job.iri), triples
