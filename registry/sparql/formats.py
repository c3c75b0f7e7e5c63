"""Result formats of the SPARQL endpoint: media types, ``format`` parameter names, pyoxigraph formats.

Two maps, chosen by the query form: solutions (SELECT) and booleans (ASK) use
SPARQL results formats; graphs (CONSTRUCT, DESCRIBE) use RDF formats. Every
serialisation is pyoxigraph's own (no rdflib on the hot path).
"""

from __future__ import annotations

import pyoxigraph as ox

from .. import formats as rdf_formats
from ..negotiation import negotiate
from .errors import FormatError, Kind

#: media type -> pyoxigraph format name, for SELECT/ASK (first = default)
RESULTS_TYPES: dict[str, str] = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",
    "application/xml": "XML",
    "text/xml": "XML",
}
#: media type -> RDF syntax name, for CONSTRUCT/DESCRIBE (first = default): the shared table
GRAPH_TYPES: dict[str, str] = {
    **{f.media_type: f.name for f in rdf_formats.FORMATS},
    **{a: f.name for f in rdf_formats.FORMATS for a in f.aliases},
}
#: what each format name is served as
RESULTS_MEDIA = {"JSON": "application/sparql-results+json", "XML": "application/sparql-results+xml",
                 "CSV": "text/csv; charset=utf-8", "TSV": "text/tab-separated-values; charset=utf-8"}
GRAPH_MEDIA = {f.name: f.content_type for f in rdf_formats.FORMATS}

#: ``format=`` parameter values: short name -> (results format, graph format)
FORMAT_PARAM: dict[str, tuple[str | None, str | None]] = {
    "json": ("JSON", "JSON_LD"),
    "srj": ("JSON", None),
    "xml": ("XML", "RDF_XML"),
    "srx": ("XML", None),
    "csv": ("CSV", None),
    "tsv": ("TSV", None),
    **{t: (None, f.name) for f in rdf_formats.FORMATS for t in f.tokens if t not in ("json", "xml")},
    "rdf+xml": (None, "RDF_XML"),
}

RESULTS_OFFERED = list(RESULTS_TYPES)
GRAPH_OFFERED = list(GRAPH_TYPES)




_CHOICES: dict = {}


def choose_formats(accept: str | None, format_param: str | None) -> tuple[str | None, str | None]:
    """Cached :func:`negotiate_formats` (a pure function of two short headers)."""
    key = (accept, format_param)
    hit = _CHOICES.get(key)
    if hit is None:
        hit = negotiate_formats(accept, format_param)
        if len(_CHOICES) > 512:
            _CHOICES.clear()
        _CHOICES[key] = hit
    return hit


def negotiate_formats(accept: str | None, format_param: str | None) -> tuple[str | None, str | None]:
    """``(results format, graph format)`` names for a request; either may be None (not acceptable).

    ``format`` (a short name or a media type) overrides ``Accept``. Without either, or
    with only wildcards, SELECT/ASK get SPARQL JSON and CONSTRUCT/DESCRIBE Turtle.
    """
    if format_param:
        key = format_param.strip().lower()
        if key in FORMAT_PARAM:
            return FORMAT_PARAM[key]
        mt = key.split(";")[0].strip()
        if mt in RESULTS_TYPES or mt in GRAPH_TYPES:
            return RESULTS_TYPES.get(mt), GRAPH_TYPES.get(mt)
        raise FormatError(Kind.BAD_REQUEST, f"unknown format {format_param!r}; use one of "
                          + ", ".join(sorted(FORMAT_PARAM)) + " or a media type")
    r = negotiate(accept, RESULTS_OFFERED, "application/sparql-results+json")
    g = negotiate(accept, GRAPH_OFFERED, "text/turtle")
    if r is None and g is None:
        raise FormatError(Kind.NOT_ACCEPTABLE, "none of the accepted media types can be produced; SELECT/ASK: "
                          + ", ".join(RESULTS_OFFERED[:4]) + "; CONSTRUCT/DESCRIBE: " + ", ".join(GRAPH_OFFERED[:6]))
    return (RESULTS_TYPES[r] if r else None), (GRAPH_TYPES[g] if g else None)


def results_format(name: str) -> ox.QueryResultsFormat:
    return getattr(ox.QueryResultsFormat, name)


def graph_format(name: str) -> ox.RdfFormat:
    return rdf_formats.by_name(name).ox
