"""Parse RDF with pyoxigraph and report syntax errors as ``source:line:column: message``.

Every text is checked before it is parsed (issue 14): a UTF-8 byte-order mark is dropped
(editors on Windows write one; the CSV path always accepted it), and a text nested deeper
than ``REGISTRY_MAX_NESTING_DEPTH`` is refused with its line and column (``limits.py``),
because pyoxigraph's JSON-LD parser recurses and a deep enough body overflows the stack
of the whole process. Untrusted bytes (:func:`parse_rdf`, what the server hands over)
are moreover parsed in a worker process (``isolation.py``) when
``REGISTRY_PARSE_IN_WORKER`` is on: if a parser crashes anyway, the request gets a 422
and the server lives on.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pyoxigraph as ox

from .limits import DEFAULT_MAX_DEPTH, UTF8_BOM, NestingTooDeep, check_depth, position

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
    """RDF that cannot be parsed; ``str(e)`` is ``source:line:column: message`` (1-based positions).

    ``zh``/``en`` hold the message in each language where the registry wrote it (limits,
    crashes); pyoxigraph's own messages are English only and go in both.
    """

    def __init__(self, source: str, line: int, column: int, message: str, *,
                 zh: str | None = None, en: str | None = None):
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        self.zh = zh or message
        self.en = en or message
        super().__init__(f"{source}:{line}:{column}: {message}")


@functools.lru_cache(maxsize=1)
def _settings() -> tuple[int, bool]:
    """(max nesting depth, parse untrusted bytes in a worker) from the REGISTRY_* settings."""
    try:
        from ..config import Settings

        s = Settings()
        return (int(getattr(s, "max_nesting_depth", DEFAULT_MAX_DEPTH)),
                bool(getattr(s, "parse_in_worker", True)))
    except Exception:  # unreadable settings must not make parsing unsafe: keep the defaults
        return DEFAULT_MAX_DEPTH, True


def max_nesting_depth() -> int:
    """The nesting limit in force (``REGISTRY_MAX_NESTING_DEPTH``; 0 disables it)."""
    return _settings()[0]


def prepare(data: bytes, *, source: str, fmt: ox.RdfFormat, max_depth: int | None = None) -> bytes:
    """``data`` without a UTF-8 BOM, after checking its nesting depth; raises :class:`RdfSyntaxError`."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    limit = max_nesting_depth() if max_depth is None else max_depth
    try:
        check_depth(data, fmt, limit)
    except NestingTooDeep as e:
        line, column = position(data, e.offset)
        zh = (f"嵌套层数超过上限 {limit}（{e.what.split(' / ')[-1]}），为保护服务器已拒绝解析；"
              f"请减少嵌套层次（上限由 REGISTRY_MAX_NESTING_DEPTH 设置）")
        en = (f"nested deeper than the limit of {limit} levels ({e.what.split(' / ')[0]}); refused "
              f"before parsing to protect the server: flatten the data (limit: REGISTRY_MAX_NESTING_DEPTH)")
        raise RdfSyntaxError(source, line, column, f"{zh} · {en}", zh=zh, en=en) from None
    return data


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


def _syntax_error(source: str, e: SyntaxError) -> RdfSyntaxError:
    line = e.lineno or 1
    column = e.offset or 1
    message = _POSITION.sub("", str(e.msg if e.msg is not None else e))
    return RdfSyntaxError(source, line, column, message)


def parse_trusted(data: bytes, *, source: str, fmt: ox.RdfFormat, max_depth: int | None = None) -> list[ox.Triple]:
    """Parse in this process (local files); the BOM and depth checks still apply."""
    data = prepare(data, source=source, fmt=fmt, max_depth=max_depth)
    try:
        return [q.triple for q in ox.parse(data, format=fmt)]
    except SyntaxError as e:
        raise _syntax_error(source, e) from None


def parse_rdf(data: bytes | str, *, source: str, fmt: str | None = None,
              isolate: bool | None = None, max_depth: int | None = None) -> list[ox.Triple]:
    """Parse ``data`` (Turtle unless ``fmt`` says otherwise) into triples.

    Quad formats (TriG, N-Quads) are accepted; their graph names are dropped.
    Raises :class:`RdfSyntaxError` with the position pyoxigraph reports. Turtle,
    N-Triples and JSON text errors have one; RDF/XML errors and JSON-LD errors that
    are not about the JSON text itself carry none and are reported at 1:1.

    ``data`` is treated as untrusted (a client's body, stdin): a leading BOM is dropped,
    the nesting depth is checked first (``max_depth``; default ``REGISTRY_MAX_NESTING_DEPTH``)
    and, when ``isolate`` (default ``REGISTRY_PARSE_IN_WORKER``), the parser runs in a
    worker process whose crash becomes an :class:`RdfSyntaxError`.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    rdf_fmt = rdf_format(fmt, source)
    data = prepare(data, source=source, fmt=rdf_fmt, max_depth=max_depth)
    if isolate is None:
        isolate = _settings()[1]
    if isolate:
        from .isolation import parse_isolated

        return parse_isolated(data, source=source, fmt=rdf_fmt, error=_syntax_error)
    try:
        return [q.triple for q in ox.parse(data, format=rdf_fmt)]
    except SyntaxError as e:
        raise _syntax_error(source, e) from None


def parse_rdf_file(path: str | Path, fmt: str | None = None) -> list[ox.Triple]:
    """Parse one file; the format comes from its suffix unless ``fmt`` is given."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RdfSyntaxError(str(path), 1, 1, f"cannot read the file: {e.strerror or e}") from None
    return parse_trusted(data, source=str(path), fmt=rdf_format(fmt, str(path)))
