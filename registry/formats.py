"""The one table of RDF formats the registry reads and writes.

Every place that maps a media type, a file or IRI suffix, or a short token
(``?_format=``, ``--format``) to an RDF syntax uses :data:`FORMATS` through the
look-ups below: the linked-data and version routes (``registry/negotiation.py``),
the SPARQL endpoint's graph results, the parsers (``registry/rdfio.py``), the
workflow's submission bodies and the CLI. Nothing else keeps its own table.

SPARQL *results* formats (JSON, XML, CSV, TSV) are not RDF syntaxes; they stay in
``registry/sparql/formats.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfSyntax:
    #: short name, also pyoxigraph's format name (``TURTLE``, ``JSON_LD`` …)
    name: str
    #: human name for download links and messages
    label: str
    #: the media type we send
    media_type: str
    #: other media types accepted as this syntax (requests and bodies)
    aliases: tuple[str, ...]
    #: file and IRI suffixes without the dot; the first is the one we publish
    suffixes: tuple[str, ...]
    #: short tokens for ``?_format=`` / ``format=`` / ``--format``
    tokens: tuple[str, ...]
    #: pyoxigraph's format
    ox: ox.RdfFormat
    #: the syntax carries graph names (datasets)
    quads: bool = False

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` we send (all RDF syntaxes here are UTF-8 text)."""
        return self.media_type + "; charset=utf-8"

    @property
    def suffix(self) -> str:
        return self.suffixes[0]


TURTLE = RdfSyntax("TURTLE", "Turtle", "text/turtle", ("application/x-turtle", "text/n3"), ("ttl",),
                   ("ttl", "turtle", "n3"), ox.RdfFormat.TURTLE)
JSON_LD = RdfSyntax("JSON_LD", "JSON-LD", "application/ld+json", ("application/json",), ("jsonld", "json"),
                    ("jsonld", "json-ld", "json"), ox.RdfFormat.JSON_LD)
RDF_XML = RdfSyntax("RDF_XML", "RDF/XML", "application/rdf+xml", ("application/xml", "text/xml"),
                    ("rdf", "owl", "xml"), ("rdf", "xml", "rdfxml", "rdf-xml"), ox.RdfFormat.RDF_XML)
N_TRIPLES = RdfSyntax("N_TRIPLES", "N-Triples", "application/n-triples", ("text/plain",), ("nt",),
                      ("nt", "ntriples", "n-triples"), ox.RdfFormat.N_TRIPLES)
TRIG = RdfSyntax("TRIG", "TriG", "application/trig", (), ("trig",), ("trig",), ox.RdfFormat.TRIG, quads=True)
N_QUADS = RdfSyntax("N_QUADS", "N-Quads", "application/n-quads", (), ("nq",), ("nq", "nquads", "n-quads"),
                    ox.RdfFormat.N_QUADS, quads=True)

#: every syntax, in the order download links and offers list them
FORMATS: tuple[RdfSyntax, ...] = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES, TRIG, N_QUADS)
#: the syntaxes of a single item's description (triples)
TRIPLE_FORMATS: tuple[RdfSyntax, ...] = tuple(f for f in FORMATS if not f.quads)

_BY_MEDIA = {m: f for f in FORMATS for m in (f.media_type, *f.aliases)}
_BY_SUFFIX = {s: f for f in FORMATS for s in f.suffixes}
_BY_TOKEN = {t: f for f in FORMATS for t in f.tokens}
_BY_NAME = {f.name: f for f in FORMATS}


def bare_media_type(value: str | None) -> str:
    """``value`` without parameters, lower case (``Text/Turtle; charset=utf-8`` → ``text/turtle``)."""
    return (value or "").split(";", 1)[0].strip().lower()


def by_media_type(value: str | None) -> RdfSyntax | None:
    """The syntax of a media type (parameters ignored; aliases accepted), or None."""
    return _BY_MEDIA.get(bare_media_type(value))


def by_suffix(suffix: str | None) -> RdfSyntax | None:
    """The syntax of a file or IRI suffix, with or without the dot (case-insensitive), or None."""
    return _BY_SUFFIX.get((suffix or "").lstrip(".").lower())


def by_token(token: str | None) -> RdfSyntax | None:
    """The syntax of a short token (``ttl``, ``jsonld`` …; case-insensitive), or None."""
    return _BY_TOKEN.get((token or "").strip().lower())


def by_name(name: str) -> RdfSyntax:
    """The syntax of a pyoxigraph format name (``TURTLE`` …); KeyError when unknown."""
    return _BY_NAME[name]


def media_types(formats=FORMATS) -> list[str]:
    """The media types we send for ``formats`` (for offers and error messages)."""
    return [f.media_type for f in formats]
