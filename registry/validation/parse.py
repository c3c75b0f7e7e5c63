"""Parse RDF with pyoxigraph and report syntax errors as ``source:line:column: message``."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

#: names, suffixes and media types accepted for ``fmt`` (pyoxigraph resolves the rest)
FORMAT_ALIASES: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "application/trig": ox.RdfFormat.TRIG,
    "rdf": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

_POSITION = re.compile(r"^Parser error (?:at|between) line [^:]*: ")


class RdfSyntaxError(ValueError):
    """RDF that cannot be parsed; ``str(e)`` is ``source:line:column: message`` (1-based positions)."""

    def __init__(self, source: str, line: int, column: int, message: str):
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"{source}:{line}:{column}: {message}")


def rdf_format(fmt: str | None, source: str = "") -> ox.RdfFormat:
    """The pyoxigraph format for a name, suffix or media type; Turtle when nothing says otherwise."""
    if fmt is None:
        suffix = Path(source).suffix.lstrip(".").lower()
        return FORMAT_ALIASES.get(suffix, ox.RdfFormat.TURTLE)
    key = fmt.split(";", 1)[0].strip().lower().lstrip(".")
    if key in FORMAT_ALIASES:
        return FORMAT_ALIASES[key]
    found = ox.RdfFormat.from_media_type(key) or ox.RdfFormat.from_extension(key)
    if found is None:
        raise ValueError(f"unknown RDF format {fmt!r} (use Turtle, JSON-LD, N-Triples or RDF/XML)")
    return found


def parse_rdf(data: bytes | str, *, source: str, fmt: str | None = None) -> list[ox.Triple]:
    """Parse ``data`` (Turtle unless ``fmt`` says otherwise) into triples.

    Quad formats (TriG, N-Quads) are accepted; their graph names are dropped.
    Raises :class:`RdfSyntaxError` with the position pyoxigraph reports. Turtle,
    N-Triples and JSON text errors have one; RDF/XML errors and JSON-LD errors that
    are not about the JSON text itself carry none and are reported at 1:1.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return [q.triple for q in ox.parse(data, format=rdf_format(fmt, source))]
    except SyntaxError as e:
        line = e.lineno or 1
        column = e.offset or 1
        message = _POSITION.sub("", str(e.msg if e.msg is not None else e))
        raise RdfSyntaxError(source, line, column, message) from None


def parse_rdf_file(path: str | Path, fmt: str | None = None) -> list[ox.Triple]:
    """Parse one file; the format comes from its suffix unless ``fmt`` is given."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RdfSyntaxError(str(path), 1, 1, f"cannot read the file: {e.strerror or e}") from None
    return parse_rdf(data, source=str(path), fmt=fmt)
